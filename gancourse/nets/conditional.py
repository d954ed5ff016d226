r"""Conditioning, as small reusable parts (notebook 11): from :math:`p(x)` to :math:`p(x \mid y)`.

* :class:`LabelConcat` — CGAN: a learnt embedding of the label concatenated to the input
  (to z for the generator, to the features for the discriminator);
* :class:`ConditionalBatchNorm2d` — batch norm without affine parameters, then a per-class scale
  :math:`\gamma_y` (initialised to 1) and shift :math:`\beta_y` (initialised to 0);
* :class:`AuxiliaryClassifierHead` — ACGAN: class **logits** from D's features (raw: the loss
  applies the softmax; a softmax here as well is a well-known bug);
* :class:`ProjectionHead` — the projection discriminator (Miyato & Koyama 2018),
  :math:`D(x, y) = \psi(\phi(x)) + \langle e_y, \phi(x)\rangle`, spectrally normalised;
* :class:`InfoGANHead` — InfoGAN's Q on D's trunk: categorical-code logits and the mean and
  log-standard-deviation of the continuous codes.

Each takes labels as ``int64 [B]``, checked, with messages that say what to pass.
"""

from __future__ import annotations

from typing import NamedTuple

import torch
from torch import nn
from torch.nn.utils.parametrizations import spectral_norm as apply_spectral_norm

__all__ = [
    "AuxiliaryClassifierHead",
    "ConditionalBatchNorm2d",
    "InfoGANHead",
    "InfoGANOutput",
    "LabelConcat",
    "ProjectionHead",
    "check_labels",
]


def check_labels(labels: torch.Tensor, batch: int, num_classes: int) -> None:
    """Labels must be integers in [0, num_classes), one per sample (the range is checked on
    the CPU only)."""
    if not isinstance(labels, torch.Tensor) or labels.dtype not in (torch.int64, torch.int32):
        what = labels.dtype if isinstance(labels, torch.Tensor) else type(labels).__name__
        raise ValueError(
            f"labels must be an integer tensor [batch] (class indices), got {what}: pass "
            "torch.long class indices, not one-hot vectors or floats"
        )
    if labels.shape != (batch,):
        raise ValueError(
            f"expected one label per sample, shape [{batch}], got {tuple(labels.shape)}"
        )
    if labels.device.type != "cpu":
        # reading the values would stall an accelerator at every forward pass (and fail while a
        # CUDA graph is recorded); the loop checked the data's labels once, and an out-of-range
        # label still fails there, inside the embedding
        return
    if batch and (int(labels.min()) < 0 or int(labels.max()) >= num_classes):
        raise ValueError(
            f"labels must lie in [0, {num_classes}), got values from {int(labels.min())} to "
            f"{int(labels.max())}"
        )


class LabelConcat(nn.Module):
    """CGAN's conditioning: ``[x, embed(y)]`` along the feature dimension, ``[B, in + dim]``.

    A learnt embedding of ``dim`` numbers per class (``one_hot=True``: the one-hot vector
    itself, ``dim = num_classes``, nothing learnt — the original CGAN)."""

    def __init__(self, num_classes: int, dim: int = 10, one_hot: bool = False) -> None:
        super().__init__()
        if num_classes < 1 or dim < 1:
            raise ValueError(f"need num_classes >= 1 and dim >= 1, got {num_classes}, {dim}")
        self.num_classes, self.one_hot = num_classes, one_hot
        self.dim = num_classes if one_hot else dim
        self.embedding = None if one_hot else nn.Embedding(num_classes, dim)

    def forward(self, x: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        check_labels(labels, len(x), self.num_classes)
        if self.embedding is None:
            code = nn.functional.one_hot(labels.long(), self.num_classes).to(x.dtype)
        else:
            code = self.embedding(labels.long()).to(x.dtype)
        return torch.cat([x.flatten(1), code], dim=1)


class ConditionalBatchNorm2d(nn.Module):
    r"""Conditional batch norm: :math:`\gamma_y \cdot \mathrm{BN}(x) + \beta_y`, with BN without its
    own affine parameters and one :math:`(\gamma, \beta)` per class, initialised to (1, 0) so that
    it starts as plain batch norm."""

    def __init__(self, num_features: int, num_classes: int) -> None:
        super().__init__()
        self.num_classes = num_classes
        self.norm = nn.BatchNorm2d(num_features, affine=False)
        self.gamma = nn.Embedding(num_classes, num_features)
        self.beta = nn.Embedding(num_classes, num_features)
        nn.init.ones_(self.gamma.weight)
        nn.init.zeros_(self.beta.weight)

    def forward(self, x: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        check_labels(labels, len(x), self.num_classes)
        gamma = self.gamma(labels.long())[:, :, None, None]
        beta = self.beta(labels.long())[:, :, None, None]
        return gamma * self.norm(x) + beta


class AuxiliaryClassifierHead(nn.Module):
    """ACGAN's classifier on D's features ``[B, F]``: class logits ``[B, num_classes]``, **raw** —
    :func:`torch.nn.functional.cross_entropy` applies the log-softmax itself."""

    def __init__(self, in_features: int, num_classes: int) -> None:
        super().__init__()
        self.linear = nn.Linear(in_features, num_classes)

    def forward(self, features: torch.Tensor) -> torch.Tensor:
        return self.linear(features.flatten(1))


class ProjectionHead(nn.Module):
    r"""The projection discriminator's output on features :math:`\phi(x)` ``[B, F]``:

    .. math:: D(x, y) = \psi(\phi(x)) + \langle e_y, \phi(x) \rangle,

    with :math:`\psi` a linear map to one number and :math:`e_y` a learnt class embedding, both
    spectrally normalised (as in Miyato & Koyama 2018) unless ``spectral_norm=False``. Returns
    ``[B, 1]``. The inner product is where the label enters: D's answer for class y is the
    unconditional one plus how well the features line up with y's direction."""

    def __init__(self, in_features: int, num_classes: int, spectral_norm: bool = True) -> None:
        super().__init__()
        self.num_classes = num_classes
        self.psi = nn.Linear(in_features, 1)
        self.embed = nn.Embedding(num_classes, in_features)
        if spectral_norm:
            self.psi = apply_spectral_norm(self.psi)
            self.embed = apply_spectral_norm(self.embed)

    def forward(self, features: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        phi = features.flatten(1)
        check_labels(labels, len(phi), self.num_classes)
        projection = (self.embed(labels.long()) * phi).sum(dim=1, keepdim=True)
        return self.psi(phi) + projection


class InfoGANOutput(NamedTuple):
    """Q's guess of the codes: categorical logits ``[B, K]``, continuous means and log-σ ``[B, C]``."""

    logits: torch.Tensor
    mean: torch.Tensor
    log_sigma: torch.Tensor


class InfoGANHead(nn.Module):
    """InfoGAN's Q network, sharing D's trunk: from features ``[B, F]`` to the categorical code's
    logits (``n_categories``) and a Gaussian over each of the ``n_continuous`` codes (mean and
    log-σ; log-σ clamped to [-5, 2] so the likelihood cannot blow up)."""

    def __init__(self, in_features: int, n_categories: int = 10, n_continuous: int = 2) -> None:
        super().__init__()
        self.n_categories, self.n_continuous = n_categories, n_continuous
        self.linear = nn.Linear(in_features, n_categories + 2 * n_continuous)

    def forward(self, features: torch.Tensor) -> InfoGANOutput:
        out = self.linear(features.flatten(1))
        k, c = self.n_categories, self.n_continuous
        return InfoGANOutput(out[:, :k], out[:, k : k + c], out[:, k + c :].clamp(-5.0, 2.0))
