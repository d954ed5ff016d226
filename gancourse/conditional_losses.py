r"""The conditional models' extra losses (notebook 11), as pure functions of network outputs.

* ACGAN's class loss: the cross-entropy of the auxiliary classifier on real and on fake images;
* InfoGAN's mutual-information lower bound
  :math:`L_I = \mathbb E[\log Q(c \mid G(z, c))] + H(c) \le I(c;\, G(z, c))`, for a uniform
  categorical code and for uniform continuous codes on [-1, 1].
"""

from __future__ import annotations

import math

import torch
from torch.nn import functional as F

__all__ = [
    "acgan_class_loss",
    "infogan_categorical_bound",
    "infogan_continuous_bound",
    "infogan_loss",
]


def acgan_class_loss(logits: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
    r"""ACGAN (Odena et al. 2017): :math:`-\mathbb E[\log \mathrm{softmax}(\ell)_y]`, the mean
    cross-entropy of class **logits** ``[B, K]`` against labels ``[B]``. Both D (on reals and
    fakes) and G (on fakes) minimise it; the logits must be raw — a softmax before this function
    would apply it twice."""
    if logits.dim() != 2 or labels.shape != (logits.shape[0],):
        raise ValueError(
            f"need logits [batch, classes] and labels [batch], got {tuple(logits.shape)} and "
            f"{tuple(labels.shape)}"
        )
    return F.cross_entropy(logits, labels.long())


def infogan_categorical_bound(logits: torch.Tensor, codes: torch.Tensor) -> torch.Tensor:
    r""":math:`\mathbb E[\log Q(c \mid x)] + H(c)` for a categorical code drawn uniformly from K
    values, :math:`H(c) = \log K`. At most :math:`\log K` (= ln 10 ≈ 2.303 for ten values),
    reached by a Q that is certain and right."""
    k = logits.shape[1]
    return -F.cross_entropy(logits, codes.long()) + math.log(k)


def infogan_continuous_bound(
    mean: torch.Tensor, log_sigma: torch.Tensor, codes: torch.Tensor
) -> torch.Tensor:
    r""":math:`\mathbb E[\log \mathcal N(c;\, \mu, \sigma^2)] + H(c)` summed over the continuous
    codes, each uniform on [-1, 1] (:math:`H = \log 2` each). Unlike the categorical bound it
    has no ceiling: a Q that is sure and right drives :math:`\log\sigma \to -\infty` (hence the
    clamp in :class:`~gancourse.nets.conditional.InfoGANHead`)."""
    if not (mean.shape == log_sigma.shape == codes.shape):
        raise ValueError(
            f"mean, log_sigma and codes must have one shape [batch, codes], got "
            f"{tuple(mean.shape)}, {tuple(log_sigma.shape)}, {tuple(codes.shape)}"
        )
    z = (codes - mean) * torch.exp(-log_sigma)
    log_density = -0.5 * z.pow(2) - log_sigma - 0.5 * math.log(2 * math.pi)
    return (log_density + math.log(2.0)).sum(dim=1).mean()


def infogan_loss(
    logits: torch.Tensor,
    categories: torch.Tensor,
    mean: torch.Tensor | None = None,
    log_sigma: torch.Tensor | None = None,
    continuous: torch.Tensor | None = None,
    categorical_weight: float = 1.0,
    continuous_weight: float = 0.1,
) -> torch.Tensor:
    r"""What G and Q minimise: :math:`-\lambda_{cat} L_I^{cat} - \lambda_{cont} L_I^{cont}`, with
    the paper's :math:`\lambda = 1` for the categorical code and 0.1 for the continuous ones."""
    loss = -categorical_weight * infogan_categorical_bound(logits, categories)
    if continuous is not None:
        if mean is None or log_sigma is None:
            raise ValueError("continuous codes need Q's mean and log_sigma")
        loss = loss - continuous_weight * infogan_continuous_bound(mean, log_sigma, continuous)
    return loss
