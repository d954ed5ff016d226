r"""Autoencoder discriminators: the energy :math:`U(x) = \|x - \mathrm{Dec}(\mathrm{Enc}(x))\|`
of EBGAN, BEGAN and MAGAN (notebook 08).

An autoencoder D returns its reconstruction *and* its code, ``(x̂, h)``: the energy is computed
from ``x`` and ``x̂`` by the objective (:func:`gancourse.energy_losses.reconstruction_energy`,
so the objective decides L1 or L2, mean or sum), and the code feeds EBGAN's pulling-away term.
There is no batch norm: a sample's energy must not depend on the other samples of its batch.
"""

from __future__ import annotations

from typing import NamedTuple

import torch
from torch import nn

from .dcgan import DCGANGenerator, _kernel, dcgan_init_, feature_map_sizes
from .mlp import MLP

__all__ = [
    "AutoencoderDiscriminator",
    "AutoencoderOutput",
    "autoencoder_discriminator_images",
    "autoencoder_discriminator_points",
]


class AutoencoderOutput(NamedTuple):
    """What an autoencoder D returns: the reconstruction ``[B, ...]`` and the code ``[B, latent]``."""

    reconstruction: torch.Tensor
    code: torch.Tensor


class AutoencoderDiscriminator(nn.Module):
    """x → (Dec(Enc(x)), Enc(x)) for any encoder/decoder pair; checks that the
    reconstruction has the input's shape."""

    def __init__(self, encoder: nn.Module, decoder: nn.Module, latent: int) -> None:
        super().__init__()
        self.encoder, self.decoder, self.latent = encoder, decoder, latent

    def forward(self, x: torch.Tensor) -> AutoencoderOutput:
        code = self.encoder(x)
        reconstruction = self.decoder(code)
        if reconstruction.shape != x.shape:
            raise ValueError(
                f"the decoder returned {tuple(reconstruction.shape)} for input {tuple(x.shape)}; "
                "an autoencoder must give back the input's shape"
            )
        return AutoencoderOutput(reconstruction, code)


def autoencoder_discriminator_points(
    data_dim: int = 2, latent: int = 8, width: int = 128, depth: int = 2
) -> AutoencoderDiscriminator:
    """For points ``[B, data_dim]``: an MLP encoder to ``latent`` units and an MLP decoder back
    (LeakyReLU hidden layers, linear outputs: toy data is unbounded)."""
    encoder = MLP(data_dim, latent, width=width, depth=depth)
    decoder = MLP(latent, data_dim, width=width, depth=depth)
    return AutoencoderDiscriminator(encoder, decoder, latent)


class _ConvEncoder(nn.Module):
    """Images → codes: strided convolutions in the DCGAN style (channels w, 2w, …, each halving
    the side, LeakyReLU(0.2), no batch norm), then a convolution over the whole smallest map
    down to ``latent`` units."""

    def __init__(self, channels: int, width: int, levels: int, image_size: int, latent: int):
        super().__init__()
        sizes = feature_map_sizes(image_size, levels)[::-1]  # e.g. 28, 14, 7, 4
        layers: list[nn.Module] = []
        c_in = channels
        for i in range(levels):
            c_out = width * 2**i
            layers += [nn.Conv2d(c_in, c_out, _kernel(sizes[i + 1], sizes[i]), 2, 1)]
            layers += [nn.LeakyReLU(0.2)]
            c_in = c_out
        layers.append(nn.Conv2d(c_in, latent, sizes[-1], 1, 0))
        self.net = nn.Sequential(*layers)
        self.shape = (channels, image_size, image_size)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.dim() != 4 or tuple(x.shape[1:]) != self.shape:
            raise ValueError(
                f"expected images [batch, {', '.join(map(str, self.shape))}], got {tuple(x.shape)}"
            )
        return self.net(x).flatten(1)


def autoencoder_discriminator_images(
    channels: int = 1, width: int = 32, levels: int = 2, image_size: int = 28, latent: int = 64
) -> AutoencoderDiscriminator:
    """For images ``[B, channels, image_size, image_size]`` in [-1, 1]: a DCGAN-style
    convolutional encoder to a ``latent``-dimensional code and a DCGAN generator (without
    batch norm, Tanh output) as the decoder, mirroring it."""
    encoder = dcgan_init_(_ConvEncoder(channels, width, levels, image_size, latent))
    decoder = DCGANGenerator(latent, channels, width, levels, image_size, batch_norm=False)
    return AutoencoderDiscriminator(encoder, decoder, latent)
