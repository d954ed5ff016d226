r"""DCGAN (Radford, Metz & Chintala 2016) for small images: 28 × 28 Fashion-MNIST or 32 × 32.

The paper's architecture guidelines, each of which the code below follows:

1. No pooling: the discriminator downsamples with **strided convolutions**, the generator
   upsamples with **transposed (fractionally-strided) convolutions**, so each network learns
   its own resampling.
2. **Batch normalisation** in both networks — except the generator's output layer and the
   discriminator's input layer (normalising there made samples oscillate in the paper).
3. **No fully connected hidden layers**: the generator's first layer is a transposed
   convolution that turns z (a 1 × 1 "image" with ``latent_dim`` channels) into a small
   feature map, and the discriminator's last layer is a convolution down to one logit.
4. **ReLU** in the generator with **Tanh** at its output (images in [-1, 1]);
   **LeakyReLU(0.2)** in the discriminator.
5. Weights initialised from N(0, 0.02²) (batch-norm scales from N(1, 0.02²)), biases 0.

Sizes. A transposed convolution with kernel k, stride s and padding p maps a side of n
pixels to :math:`(n - 1)s - 2p + k`; with (k, s, p) = (4, 2, 1) that is exactly 2n, and with
(3, 2, 1) it is 2n − 1. A strided convolution maps n to
:math:`\lfloor (n + 2p - k)/s \rfloor + 1`, the inverse. So with ``levels`` resolution
changes, the feature maps of a 28 × 28 generator are 4 → 7 → 14 → 28 (levels = 3: the first
step uses kernel 3) or 7 → 14 → 28 (levels = 2), and of a 32 × 32 one 4 → 8 → 16 → 32.

Width. ``width`` is the number of channels at the highest resolution; each level down doubles
it, so ``width=64, levels=3`` is the 64/128/256-wide DCGAN (D: 64 → 128 → 256 channels,
G the mirror image).
"""

from __future__ import annotations

import math

import torch
from torch import nn

from .spectral import spectral_normalize_layers

__all__ = [
    "DCGANDiscriminator",
    "DCGANGenerator",
    "dcgan_init_",
    "feature_map_sizes",
    "strided_layers",
]


def feature_map_sizes(image_size: int, levels: int) -> list[int]:
    """Sides of the feature maps from the smallest to the image, e.g. ``[4, 7, 14, 28]``.

    Each level halves the side, rounding up (so 7 → 4), and the smallest map must be at
    least 2 pixels wide."""
    if levels < 1:
        raise ValueError(f"levels must be >= 1, got {levels}")
    sizes = [image_size]
    for _ in range(levels):
        sizes.append(math.ceil(sizes[-1] / 2))
    if sizes[-1] < 2:
        raise ValueError(
            f"{levels} levels shrink a {image_size}-pixel image below 2 pixels; use fewer levels"
        )
    return sizes[::-1]


def _kernel(small: int, large: int) -> int:
    # (k, s, p) = (4, 2, 1) doubles a side exactly; (3, 2, 1) gives 2n - 1 (7 -> 14 -> 28 from 4)
    return 4 if large == 2 * small else 3


def dcgan_init_(module: nn.Module) -> nn.Module:
    """The DCGAN initialisation, in place: conv weights ~ N(0, 0.02²), batch-norm scales
    ~ N(1, 0.02²), all biases 0. Returns the module."""
    for m in module.modules():
        if isinstance(m, nn.Conv2d | nn.ConvTranspose2d | nn.Linear):
            nn.init.normal_(m.weight, 0.0, 0.02)
            if m.bias is not None:
                nn.init.zeros_(m.bias)
        elif isinstance(m, nn.BatchNorm2d) and m.affine:  # (conditional BN has its own γ, β)
            nn.init.normal_(m.weight, 1.0, 0.02)
            nn.init.zeros_(m.bias)
    return module


def _check_sizes(latent_dim: int, channels: int, width: int, image_size: int) -> None:
    if min(latent_dim, channels, width, image_size) < 1:
        raise ValueError(
            f"sizes must be positive, got latent_dim={latent_dim}, channels={channels}, "
            f"width={width}, image_size={image_size}"
        )


class DCGANGenerator(nn.Module):
    """z ``[B, latent_dim]`` → images ``[B, channels, image_size, image_size]`` in [-1, 1].

    Layers: ConvTranspose(latent_dim → w·2^(L−1), kernel = smallest side) lifts z to the
    smallest feature map; then L − 1 transposed convolutions each halve the channels and double
    the side, with batch norm and ReLU; a last transposed convolution to ``channels`` and Tanh.

    Args:
        latent_dim: size of z.
        channels: image channels (1 for Fashion-MNIST).
        width: channels at the highest feature resolution (see the module docstring).
        levels: resolution changes between the smallest map and the image.
        image_size: 28 or 32 (any size whose maps stay ≥ 2 pixels works).
        batch_norm: set False to remove batch norm (notebook 04's ablation).
    """

    def __init__(
        self,
        latent_dim: int = 100,
        channels: int = 1,
        width: int = 64,
        levels: int = 3,
        image_size: int = 28,
        batch_norm: bool = True,
    ) -> None:
        super().__init__()
        _check_sizes(latent_dim, channels, width, image_size)
        sizes = feature_map_sizes(image_size, levels)
        widths = [width * 2 ** (levels - 1 - i) for i in range(levels)]  # e.g. 256, 128, 64

        def norm(c: int) -> nn.Module:
            return nn.BatchNorm2d(c) if batch_norm else nn.Identity()

        layers: list[nn.Module] = [
            nn.ConvTranspose2d(latent_dim, widths[0], sizes[0], 1, 0, bias=not batch_norm),
            norm(widths[0]),
            nn.ReLU(),
        ]
        for i in range(1, levels):
            k = _kernel(sizes[i - 1], sizes[i])
            layers += [
                nn.ConvTranspose2d(widths[i - 1], widths[i], k, 2, 1, bias=not batch_norm),
                norm(widths[i]),
                nn.ReLU(),
            ]
        layers += [
            nn.ConvTranspose2d(widths[-1], channels, _kernel(sizes[-2], sizes[-1]), 2, 1),
            nn.Tanh(),
        ]
        self.net = nn.Sequential(*layers)
        self.latent_dim, self.channels, self.image_size = latent_dim, channels, image_size
        dcgan_init_(self)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        if z.dim() != 2 or z.shape[1] != self.latent_dim:
            raise ValueError(
                f"expected z of shape [batch, {self.latent_dim}], got {tuple(z.shape)}"
            )
        return self.net(z[:, :, None, None])


def strided_layers(
    channels: int, width: int, levels: int, image_size: int, batch_norm: bool
) -> tuple[list[nn.Module], int, int]:
    """The DCGAN discriminator's trunk: ``levels`` strided convolutions, each doubling the
    channels (w, 2w, …) and halving the side, with LeakyReLU(0.2) and batch norm on all but the
    first. Returns the layers, the channels and the side of the last feature map."""
    sizes = feature_map_sizes(image_size, levels)[::-1]  # e.g. 28, 14, 7, 4
    widths = [width * 2**i for i in range(levels)]  # e.g. 64, 128, 256
    layers: list[nn.Module] = []
    c_in = channels
    for i in range(levels):
        k = _kernel(sizes[i + 1], sizes[i])
        layers.append(nn.Conv2d(c_in, widths[i], k, 2, 1, bias=i == 0 or not batch_norm))
        if batch_norm and i > 0:
            layers.append(nn.BatchNorm2d(widths[i]))
        layers.append(nn.LeakyReLU(0.2))
        c_in = widths[i]
    return layers, c_in, sizes[-1]


class DCGANDiscriminator(nn.Module):
    """Images ``[B, channels, image_size, image_size]`` → one logit per image, ``[B, 1]``.

    Layers: L strided convolutions, each doubling the channels (w, 2w, …) and halving the side,
    with LeakyReLU(0.2) and batch norm on all but the first; then a convolution whose kernel
    covers the whole smallest map, down to one logit (no sigmoid: the losses take logits).

    Args:
        channels, width, levels, image_size: as for :class:`DCGANGenerator`.
        batch_norm: batch norm in the hidden layers (the DCGAN default).
        spectral_norm: wrap every convolution in spectral normalisation (Miyato et al. 2018),
            which bounds each layer's Lipschitz constant by 1; usually with ``batch_norm=False``.
    """

    def __init__(
        self,
        channels: int = 1,
        width: int = 64,
        levels: int = 3,
        image_size: int = 28,
        batch_norm: bool = True,
        spectral_norm: bool = False,
    ) -> None:
        super().__init__()
        _check_sizes(1, channels, width, image_size)
        layers, c_in, side = strided_layers(channels, width, levels, image_size, batch_norm)
        layers.append(nn.Conv2d(c_in, 1, side, 1, 0))
        self.net = nn.Sequential(*layers)
        self.channels, self.image_size = channels, image_size
        dcgan_init_(self)
        if spectral_norm:  # after the init: the parametrisation normalises the initial weights
            spectral_normalize_layers(self.net, nn.Conv2d)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        expected = (self.channels, self.image_size, self.image_size)
        if x.dim() != 4 or tuple(x.shape[1:]) != expected:
            raise ValueError(
                f"expected images [batch, {', '.join(map(str, expected))}], got {tuple(x.shape)}"
            )
        return self.net(x).flatten(1)
