r"""Networks for image-to-image translation (notebooks 12–13, in progress): pix2pix's U-Net
generator and the PatchGAN discriminator (Isola et al. 2017), with the PatchGAN's receptive field
computed from its layers.

**U-Net.** An encoder of ``depth`` strided 4 × 4 convolutions halves the side each time (so the
side must be divisible by :math:`2^{depth}`); a decoder of transposed convolutions doubles it back.
With ``skips`` each decoder level also receives the encoder's map of the same size (concatenated
along the channels), so fine detail need not squeeze through the bottleneck. Dropout (p = 0.5) in
the first decoder levels is pix2pix's only noise: the reference code keeps it on at test time.

**PatchGAN.** A fully convolutional D that outputs a grid of logits, one per overlapping patch:
``n_layers`` strided 4 × 4 convolutions, then two stride-1 ones. Each logit sees a
:func:`receptive_field` of 16, 34 or 70 pixels for 1, 2 or 3 layers.
"""

from __future__ import annotations

import torch
from torch import nn

from .dcgan import dcgan_init_

__all__ = [
    "PatchGANDiscriminator",
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
    logit. For pix2pix, D judges (input, output) pairs: pass ``in_channels`` = both together and
    concatenate them along the channels.
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

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.dim() != 4 or x.shape[1] != self.in_channels:
            raise ValueError(
                f"expected images [batch, {self.in_channels}, side, side] (for pix2pix: input and "
                f"output concatenated along the channels), got {tuple(x.shape)}"
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
