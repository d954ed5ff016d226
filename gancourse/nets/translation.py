r"""Networks for image-to-image translation (notebooks 12–13): pix2pix's U-Net generator and the
PatchGAN discriminator (Isola et al. 2017), with the PatchGAN's receptive field computed from its
layers; CycleGAN's ResNet generator (Zhu et al. 2017, after Johnson et al. 2016) and the pairs of
networks that let CycleGAN's two directions train through the one loop.

**U-Net.** An encoder of ``depth`` strided 4 × 4 convolutions halves the side each time (so the
side must be divisible by :math:`2^{depth}`); a decoder of transposed convolutions doubles it back.
With ``skips`` each decoder level also receives the encoder's map of the same size (concatenated
along the channels), so fine detail need not squeeze through the bottleneck. Dropout (p = 0.5) in
the first decoder levels is pix2pix's only noise: the reference code keeps it on at test time.

**PatchGAN.** A fully convolutional D that outputs a grid of logits, one per overlapping patch:
``n_layers`` strided 4 × 4 convolutions, then two stride-1 ones. Each logit sees a
:func:`receptive_field` of 16, 34 or 70 pixels for 1, 2 or 3 layers.

**ResNet generator.** A 7 × 7 convolution, two stride-2 downsamplings, ``blocks`` residual blocks
at a quarter of the side, two transposed-convolution upsamplings and a 7 × 7 convolution to the
image; reflection padding and instance norm, as CycleGAN's reference code. No skip across the
bottleneck: the residual blocks change the image *in place*, which suits translations that keep
the layout (a sneaker's outline becomes a boot's).

**The pairs.** CycleGAN has two generators, G: A → B and F: B → A, and two PatchGANs, D_A and D_B.
:class:`CycleGANGenerators` and :class:`CycleGANDiscriminators` hold them as one module each, on
images of both domains stacked along the channels, ``[a | b]``: the generators map ``[a | b]`` to
``[F(b) | G(a)]`` — fakes in the same layout as the reals — so applying them twice gives the
round trips ``[F(G(a)) | G(F(b))]``, and the discriminators map ``[a | b]`` to the logit grids
``[D_A(a) | D_B(b)]``.
"""

from __future__ import annotations

import torch
from torch import nn

from .dcgan import dcgan_init_

__all__ = [
    "CycleGANDiscriminators",
    "CycleGANGenerators",
    "PatchGANDiscriminator",
    "ResNetGenerator",
    "UNetGenerator",
    "conv_layers",
    "receptive_field",
]


class UNetGenerator(nn.Module):
    """``G(x)``: images ``[B, in_channels, S, S]`` → ``[B, out_channels, S, S]`` in [-1, 1].

    Args:
        in_channels, out_channels: image channels of the input and output domains.
        width: channels of the first encoder level; each level doubles them, up to 8 × width.
        depth: encoder levels; the side must be divisible by 2**depth (32 × 32 with depth 5 reaches
            a 1 × 1 bottleneck, as pix2pix's 256 × 256 with depth 8).
        skips: the U-Net's skip connections (``False``: a plain encoder-decoder, the ablation).
        dropout_levels: decoder levels after the bottleneck with dropout 0.5 (pix2pix's noise).
    """

    def __init__(
        self,
        in_channels: int = 1,
        out_channels: int = 1,
        width: int = 64,
        depth: int = 5,
        skips: bool = True,
        dropout_levels: int = 3,
    ) -> None:
        super().__init__()
        if min(in_channels, out_channels, width, depth) < 1:
            raise ValueError(
                f"channels, width and depth must be positive, got {in_channels}, {out_channels}, "
                f"{width}, {depth}"
            )
        self.depth, self.skips, self.in_channels = depth, skips, in_channels
        widths = [width * min(2**i, 8) for i in range(depth)]  # e.g. 64, 128, 256, 512, 512
        self.downs = nn.ModuleList()
        for i in range(depth):
            layers: list[nn.Module] = [] if i == 0 else [nn.LeakyReLU(0.2)]
            c_in = in_channels if i == 0 else widths[i - 1]
            innermost = i == depth - 1
            layers.append(nn.Conv2d(c_in, widths[i], 4, 2, 1, bias=i == 0 or innermost))
            if 0 < i < depth - 1:
                layers.append(nn.BatchNorm2d(widths[i]))
            self.downs.append(nn.Sequential(*layers))
        self.ups = nn.ModuleList()
        for j in range(depth):  # j = 0 leaves the bottleneck
            i = depth - 1 - j  # the encoder level this decoder level mirrors
            c_in = widths[i] * (2 if (skips and j > 0) else 1)
            outermost = i == 0
            c_out = out_channels if outermost else widths[i - 1]
            layers = [nn.ReLU(), nn.ConvTranspose2d(c_in, c_out, 4, 2, 1, bias=outermost)]
            if outermost:
                layers.append(nn.Tanh())
            else:
                layers.append(nn.BatchNorm2d(c_out))
                if 1 <= j <= dropout_levels:
                    layers.append(nn.Dropout(0.5))
            self.ups.append(nn.Sequential(*layers))
        dcgan_init_(self)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.dim() != 4 or x.shape[1] != self.in_channels:
            raise ValueError(
                f"expected images [batch, {self.in_channels}, side, side], got {tuple(x.shape)}"
            )
        side = 2**self.depth
        if x.shape[2] % side or x.shape[3] % side:
            raise ValueError(
                f"a U-Net of depth {self.depth} halves the image {self.depth} times, so its sides "
                f"must be multiples of {side}; got {x.shape[2]} × {x.shape[3]}: pad the images "
                f"(e.g. 28 → 32) or use depth ≤ {_largest_depth(x.shape[2], x.shape[3])}"
            )
        encoded = []
        h = x
        for down in self.downs:
            h = down(h)
            encoded.append(h)
        h = encoded.pop()  # the bottleneck
        for j, up in enumerate(self.ups):
            if j > 0 and self.skips:
                h = torch.cat([h, encoded.pop()], dim=1)
            h = up(h)
        return h


def _largest_depth(height: int, width: int) -> int:
    depth = 0
    while height % 2 ** (depth + 1) == 0 and width % 2 ** (depth + 1) == 0:
        depth += 1
    return depth


class PatchGANDiscriminator(nn.Module):
    """Images ``[B, in_channels, S, S]`` → a grid of logits ``[B, 1, S', S']``, one per patch.

    ``n_layers`` strided 4 × 4 convolutions (width, 2·width, …, at most 8·width; batch norm on
    all but the first), a stride-1 4 × 4 convolution, and a stride-1 4 × 4 convolution to one
    logit. For pix2pix, D judges (input, output) pairs: build it with ``in_channels`` = both
    together and call ``D(output, input)``, which concatenates them along the channels (the input
    first, as the reference code).
    """

    def __init__(self, in_channels: int = 2, width: int = 64, n_layers: int = 3) -> None:
        super().__init__()
        if min(in_channels, width, n_layers) < 1:
            raise ValueError(
                f"in_channels, width and n_layers must be positive, got {in_channels}, {width}, "
                f"{n_layers}"
            )
        layers: list[nn.Module] = [nn.Conv2d(in_channels, width, 4, 2, 1), nn.LeakyReLU(0.2)]
        c = width
        for n in range(1, n_layers + 1):
            c_out = width * min(2**n, 8)
            stride = 2 if n < n_layers else 1
            layers += [
                nn.Conv2d(c, c_out, 4, stride, 1, bias=False),
                nn.BatchNorm2d(c_out),
                nn.LeakyReLU(0.2),
            ]
            c = c_out
        layers.append(nn.Conv2d(c, 1, 4, 1, 1))
        self.net = nn.Sequential(*layers)
        self.in_channels = in_channels
        dcgan_init_(self)

    def forward(self, x: torch.Tensor, condition: torch.Tensor | None = None) -> torch.Tensor:
        if condition is not None:
            if condition.shape[0] != x.shape[0] or condition.shape[2:] != x.shape[2:]:
                raise ValueError(
                    f"the input and the output of a pair must match in batch and size, got "
                    f"{tuple(condition.shape)} and {tuple(x.shape)}"
                )
            x = torch.cat([condition, x], dim=1)
        if x.dim() != 4 or x.shape[1] != self.in_channels:
            raise ValueError(
                f"expected images [batch, {self.in_channels}, side, side] (for pix2pix: input and "
                f"output together), got {tuple(x.shape)}"
            )
        return self.net(x)

    @property
    def receptive_field(self) -> int:
        """The side of the input patch each output logit sees (:func:`receptive_field`)."""
        return receptive_field(conv_layers(self))


def conv_layers(module: nn.Module) -> list[tuple[int, int]]:
    """The (kernel, stride) of each convolution in ``module``, in order (square kernels)."""
    return [(m.kernel_size[0], m.stride[0]) for m in module.modules() if isinstance(m, nn.Conv2d)]


def receptive_field(layers: list[tuple[int, int]]) -> int:
    r"""The receptive field of a stack of convolutions ``[(kernel, stride), …]``, first to last.

    Walking back from one output unit (r = 1), a layer with kernel k and stride s needs
    :math:`r \leftarrow (r - 1)s + k` inputs. For pix2pix's PatchGAN (4 × 4 kernels, strides
    2, …, 2, 1, 1) that is 16, 34 and 70 pixels for 1, 2 and 3 strided layers."""
    r = 1
    for k, s in reversed(layers):
        if k < 1 or s < 1:
            raise ValueError(f"kernel and stride must be positive, got ({k}, {s})")
        r = (r - 1) * s + k
    return r


class ResidualBlock(nn.Module):
    r""":math:`x + \mathrm{IN}(\mathrm{conv}(\mathrm{ReLU}(\mathrm{IN}(\mathrm{conv}(x)))))`, 3 × 3
    convolutions with reflection padding."""

    def __init__(self, channels: int) -> None:
        super().__init__()
        self.body = nn.Sequential(
            nn.ReflectionPad2d(1),
            nn.Conv2d(channels, channels, 3),
            nn.InstanceNorm2d(channels),
            nn.ReLU(),
            nn.ReflectionPad2d(1),
            nn.Conv2d(channels, channels, 3),
            nn.InstanceNorm2d(channels),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.body(x)


class ResNetGenerator(nn.Module):
    """CycleGAN's generator: images ``[B, channels, S, S]`` → ``[B, channels, S, S]`` in [-1, 1]
    (S divisible by 4).

    Args:
        channels: image channels (both domains).
        width: channels after the first convolution (64 in the paper); 2 and 4 × width after the
            two downsamplings.
        blocks: residual blocks at S/4 (the paper: 6 for 128 × 128, 9 for 256 × 256).
    """

    def __init__(self, channels: int = 1, width: int = 64, blocks: int = 6) -> None:
        super().__init__()
        if min(channels, width, blocks) < 1:
            raise ValueError(
                f"channels, width and blocks must be positive, got {channels}, {width}, {blocks}"
            )
        self.channels = channels
        layers: list[nn.Module] = [
            nn.ReflectionPad2d(3),
            nn.Conv2d(channels, width, 7),
            nn.InstanceNorm2d(width),
            nn.ReLU(),
        ]
        for c in (width, 2 * width):  # downsample twice
            layers += [nn.Conv2d(c, 2 * c, 3, 2, 1), nn.InstanceNorm2d(2 * c), nn.ReLU()]
        layers += [ResidualBlock(4 * width) for _ in range(blocks)]
        for c in (4 * width, 2 * width):  # and back up
            layers += [
                nn.ConvTranspose2d(c, c // 2, 3, 2, 1, output_padding=1),
                nn.InstanceNorm2d(c // 2),
                nn.ReLU(),
            ]
        layers += [nn.ReflectionPad2d(3), nn.Conv2d(width, channels, 7), nn.Tanh()]
        self.net = nn.Sequential(*layers)
        for m in self.modules():  # N(0, 0.02) weights, as CycleGAN's reference
            if isinstance(m, nn.Conv2d | nn.ConvTranspose2d):
                nn.init.normal_(m.weight, 0.0, 0.02)
                nn.init.zeros_(m.bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.dim() != 4 or x.shape[1] != self.channels or x.shape[2] % 4 or x.shape[3] % 4:
            raise ValueError(
                f"expected images [batch, {self.channels}, H, W] with H and W multiples of 4 "
                f"(two downsamplings), got {tuple(x.shape)}"
            )
        return self.net(x)


def _halves(x: torch.Tensor, channels: int, what: str) -> tuple[torch.Tensor, torch.Tensor]:
    if x.dim() != 4 or x.shape[1] != 2 * channels:
        raise ValueError(
            f"{what} read both domains stacked along the channels, [a | b] with {2 * channels} "
            f"channels; got {tuple(x.shape)}"
        )
    return x[:, :channels], x[:, channels:]


class CycleGANGenerators(nn.Module):
    """G: A → B and F: B → A as one module on stacked images: ``[a | b]`` → ``[F(b) | G(a)]``.

    The output has the input's layout (the A half is an image of A), so calling the module on its
    own output gives the round trips ``[F(G(a)) | G(F(b))]``, and on the swapped reals ``[b | a]``
    the identity mappings ``[F(a) | G(b)]``."""

    def __init__(self, a_to_b: nn.Module, b_to_a: nn.Module, channels: int = 1) -> None:
        super().__init__()
        self.a_to_b, self.b_to_a, self.channels = a_to_b, b_to_a, channels

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        a, b = _halves(x, self.channels, "CycleGAN's generators")
        return torch.cat([self.b_to_a(b), self.a_to_b(a)], dim=1)


class CycleGANDiscriminators(nn.Module):
    """D_A and D_B as one module on stacked images: ``[a | b]`` → ``[D_A(a) | D_B(b)]``, two logit
    grids along the channels. Each judges its own domain alone: the second argument the loop passes
    in a paired run (the inputs) is not read."""

    def __init__(self, d_a: nn.Module, d_b: nn.Module, channels: int = 1) -> None:
        super().__init__()
        self.d_a, self.d_b, self.channels = d_a, d_b, channels

    def forward(self, x: torch.Tensor, inputs: torch.Tensor | None = None) -> torch.Tensor:
        a, b = _halves(x, self.channels, "CycleGAN's discriminators")
        return torch.cat([self.d_a(a), self.d_b(b)], dim=1)
