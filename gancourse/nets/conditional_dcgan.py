r"""Conditional DCGANs for notebook 11, assembled from the parts of :mod:`.conditional`.

The generator :class:`ConditionalDCGANGenerator` is :class:`~.dcgan.DCGANGenerator` with the label
brought in one of two ways:

* ``"concat"`` (CGAN, Mirza & Osindero 2014): z is extended with a learnt label embedding,
  :math:`G([z, e_y])`;
* ``"batchnorm"`` (conditional batch norm, as in the projection-discriminator paper): every batch
  norm gets a per-class scale and shift, :math:`\gamma_y \mathrm{BN}(h) + \beta_y`.

The discriminator :class:`ConditionalDCGANDiscriminator` is the DCGAN trunk
:math:`\phi(x)` (:func:`~.dcgan.strided_layers`) with one of three heads:

* ``"concat"`` (CGAN): the label enters at the **input**, as K one-hot planes stacked on the
  image, so every layer can compare image and label. (Concatenating it only before a *linear*
  last layer would add a per-class constant to the logit, which cannot tell whether x fits y.)
* ``"projection"`` (Miyato & Koyama 2018): :math:`\psi(\phi(x)) + \langle e_y, \phi(x)\rangle`;
* ``"acgan"`` (Odena et al. 2017): D does not see y; it outputs the adversarial logit and class
  logits, a :class:`~gancourse.objective_base.DiscriminatorOutput`.

:class:`InfoGANDiscriminator` is the unconditional trunk with a logit and InfoGAN's Q head.
Every network is called as ``G(z, y)`` / ``D(x, y)`` with int64 labels (the ACGAN D takes y and
ignores it, so that the loop calls all conditional discriminators alike).
"""

from __future__ import annotations

import torch
from torch import nn
from torch.nn.utils.parametrizations import spectral_norm as apply_spectral_norm

from ..objective_base import DiscriminatorOutput
from .conditional import (
    AuxiliaryClassifierHead,
    ConditionalBatchNorm2d,
    InfoGANHead,
    LabelConcat,
    ProjectionHead,
    check_labels,
)
from .dcgan import _check_sizes, _kernel, dcgan_init_, feature_map_sizes, strided_layers
from .spectral import spectral_normalize_layers

__all__ = [
    "ConditionalDCGANDiscriminator",
    "ConditionalDCGANGenerator",
    "InfoGANDiscriminator",
]

GENERATOR_CONDITIONING = ("concat", "batchnorm")
DISCRIMINATOR_HEADS = ("concat", "projection", "acgan")


class ConditionalDCGANGenerator(nn.Module):
    """``G(z, y)``: z ``[B, latent_dim]`` and labels ``[B]`` → images in [-1, 1].

    The layers of :class:`~.dcgan.DCGANGenerator` (same sizes, same initialisation), with the
    label brought in by ``conditioning``: ``"concat"`` (a learnt ``embed_dim`` embedding joined
    to z) or ``"batchnorm"`` (conditional batch norm in every hidden layer).
    """

    def __init__(
        self,
        latent_dim: int,
        num_classes: int,
        channels: int = 1,
        width: int = 64,
        levels: int = 3,
        image_size: int = 28,
        conditioning: str = "batchnorm",
        embed_dim: int = 10,
    ) -> None:
        super().__init__()
        _check_sizes(latent_dim, channels, width, image_size)
        if conditioning not in GENERATOR_CONDITIONING:
            raise ValueError(
                f"conditioning must be one of {', '.join(GENERATOR_CONDITIONING)}, "
                f"got {conditioning!r}"
            )
        if num_classes < 2:
            raise ValueError(f"a conditional generator needs num_classes >= 2, got {num_classes}")
        self.latent_dim, self.num_classes, self.conditioning = latent_dim, num_classes, conditioning
        self.channels, self.image_size = channels, image_size
        self.concat = LabelConcat(num_classes, embed_dim) if conditioning == "concat" else None
        z_in = latent_dim + (embed_dim if self.concat is not None else 0)
        sizes = feature_map_sizes(image_size, levels)
        widths = [width * 2 ** (levels - 1 - i) for i in range(levels)]  # e.g. 256, 128, 64
        ups = [nn.ConvTranspose2d(z_in, widths[0], sizes[0], 1, 0, bias=False)]
        for i in range(1, levels):
            k = _kernel(sizes[i - 1], sizes[i])
            ups.append(nn.ConvTranspose2d(widths[i - 1], widths[i], k, 2, 1, bias=False))
        self.ups = nn.ModuleList(ups)
        self.norms = nn.ModuleList(
            ConditionalBatchNorm2d(w, num_classes)
            if conditioning == "batchnorm"
            else nn.BatchNorm2d(w)
            for w in widths
        )
        self.out = nn.ConvTranspose2d(widths[-1], channels, _kernel(sizes[-2], sizes[-1]), 2, 1)
        dcgan_init_(self)

    def forward(self, z: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        if z.dim() != 2 or z.shape[1] != self.latent_dim:
            raise ValueError(
                f"expected z of shape [batch, {self.latent_dim}], got {tuple(z.shape)}"
            )
        check_labels(labels, len(z), self.num_classes)
        h = z if self.concat is None else self.concat(z, labels)
        h = h[:, :, None, None]
        for up, norm in zip(self.ups, self.norms, strict=True):
            h = up(h)
            h = norm(h, labels) if isinstance(norm, ConditionalBatchNorm2d) else norm(h)
            h = torch.relu(h)
        return torch.tanh(self.out(h))


def _check_images(x: torch.Tensor, channels: int, image_size: int) -> None:
    expected = (channels, image_size, image_size)
    if x.dim() != 4 or tuple(x.shape[1:]) != expected:
        raise ValueError(
            f"expected images [batch, {', '.join(map(str, expected))}], got {tuple(x.shape)}"
        )


class ConditionalDCGANDiscriminator(nn.Module):
    r"""``D(x, y)``: images and labels → a logit ``[B, 1]`` (``head="acgan"``: a
    :class:`~gancourse.objective_base.DiscriminatorOutput` of the logit and class logits).

    The DCGAN trunk :math:`\phi` (``levels`` strided convolutions, ``width`` channels first) and a
    head: ``"concat"`` (one-hot label planes on the input, a linear logit), ``"projection"``
    (:class:`~.conditional.ProjectionHead`), or ``"acgan"`` (a linear logit and an
    :class:`~.conditional.AuxiliaryClassifierHead`; y is not looked at). ``spectral_norm`` wraps
    every convolution and linear map (the projection head's too); usually with
    ``batch_norm=False``.
    """

    def __init__(
        self,
        num_classes: int,
        channels: int = 1,
        width: int = 64,
        levels: int = 3,
        image_size: int = 28,
        head: str = "projection",
        batch_norm: bool = False,
        spectral_norm: bool = True,
    ) -> None:
        super().__init__()
        _check_sizes(1, channels, width, image_size)
        if head not in DISCRIMINATOR_HEADS:
            raise ValueError(f"head must be one of {', '.join(DISCRIMINATOR_HEADS)}, got {head!r}")
        self.num_classes, self.head = num_classes, head
        self.channels, self.image_size = channels, image_size
        c_in = channels + (num_classes if head == "concat" else 0)
        layers, c_out, side = strided_layers(c_in, width, levels, image_size, batch_norm)
        self.trunk = nn.Sequential(*layers, nn.Flatten())
        features = c_out * side * side
        if head == "projection":
            self.projection = ProjectionHead(features, num_classes, spectral_norm=False)
        else:
            self.linear = nn.Linear(features, 1)
        if head == "acgan":
            self.classifier = AuxiliaryClassifierHead(features, num_classes)
        dcgan_init_(self)
        if spectral_norm:  # after the init, as in DCGANDiscriminator
            spectral_normalize_layers(self.trunk, nn.Conv2d)
            if head == "projection":
                self.projection.psi = apply_spectral_norm(self.projection.psi)
                self.projection.embed = apply_spectral_norm(self.projection.embed)
            else:
                self.linear = apply_spectral_norm(self.linear)
            if head == "acgan":
                self.classifier.linear = apply_spectral_norm(self.classifier.linear)

    def forward(self, x: torch.Tensor, labels: torch.Tensor) -> torch.Tensor | DiscriminatorOutput:
        _check_images(x, self.channels, self.image_size)
        check_labels(labels, len(x), self.num_classes)
        if self.head == "concat":
            planes = nn.functional.one_hot(labels.long(), self.num_classes).to(x.dtype)
            x = torch.cat([x, planes[:, :, None, None].expand(-1, -1, *x.shape[2:])], dim=1)
        phi = self.trunk(x)
        if self.head == "projection":
            return self.projection(phi, labels)
        if self.head == "acgan":
            return DiscriminatorOutput(self.linear(phi), self.classifier(phi))
        return self.linear(phi)


class InfoGANDiscriminator(nn.Module):
    """``D(x)`` for InfoGAN: images → :class:`~gancourse.objective_base.DiscriminatorOutput` of
    the adversarial logit ``[B, 1]`` and Q's guess of the codes
    (:class:`~.conditional.InfoGANOutput`), both heads on one DCGAN trunk."""

    def __init__(
        self,
        channels: int = 1,
        width: int = 64,
        levels: int = 3,
        image_size: int = 28,
        n_categories: int = 10,
        n_continuous: int = 2,
        batch_norm: bool = True,
    ) -> None:
        super().__init__()
        _check_sizes(1, channels, width, image_size)
        self.channels, self.image_size = channels, image_size
        layers, c_out, side = strided_layers(channels, width, levels, image_size, batch_norm)
        self.trunk = nn.Sequential(*layers, nn.Flatten())
        features = c_out * side * side
        self.linear = nn.Linear(features, 1)
        self.q = InfoGANHead(features, n_categories, n_continuous)
        dcgan_init_(self)

    def forward(self, x: torch.Tensor) -> DiscriminatorOutput:
        _check_images(x, self.channels, self.image_size)
        phi = self.trunk(x)
        return DiscriminatorOutput(self.linear(phi), self.q(phi))
