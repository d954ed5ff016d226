r"""Parzen-window (Gaussian KDE) log-likelihood, the protocol of Goodfellow et al. (2014).

Fit an isotropic Gaussian kernel density to generated samples :math:`s_1, \dots, s_n`,

.. math:: \hat p_\sigma(x) = \frac1n \sum_{i=1}^n \mathcal N(x;\ s_i,\ \sigma^2 I_d),

choose :math:`\sigma` by the log-likelihood of a validation set, and report the mean
log-likelihood of test points with its standard error. In high dimensions this estimate is
notoriously unreliable (Theis et al. 2016): notebook 14 shows it rewarding the wrong model.
"""

from __future__ import annotations

import math

import torch

__all__ = ["parzen_log_likelihood", "select_parzen_sigma"]


def _log_likelihoods(
    samples: torch.Tensor, points: torch.Tensor, sigma: float, batch_size: int
) -> torch.Tensor:
    s = samples.reshape(len(samples), -1).to(torch.float64)
    x = points.reshape(len(points), -1).to(torch.float64).to(s.device)
    if s.shape[1] != x.shape[1]:
        raise ValueError(
            f"samples and points have different dimensions: {s.shape[1]} and {x.shape[1]}"
        )
    n, d = s.shape
    log_norm = -math.log(n) - 0.5 * d * math.log(2 * math.pi * sigma**2)
    out = []
    for i in range(0, len(x), batch_size):
        sq = torch.cdist(x[i : i + batch_size], s).pow(2)
        out.append(torch.logsumexp(-0.5 * sq / sigma**2, dim=1) + log_norm)
    return torch.cat(out)


def parzen_log_likelihood(
    samples: torch.Tensor, test: torch.Tensor, sigma: float, batch_size: int = 500
) -> tuple[float, float]:
    """Mean log-likelihood (nats) of ``test`` points under the Parzen window of ``samples``
    (both flattened per point), and its standard error."""
    if sigma <= 0:
        raise ValueError(f"sigma must be positive, got {sigma}")
    ll = _log_likelihoods(samples, test, sigma, batch_size)
    standard_error = float(ll.std() / math.sqrt(len(ll))) if len(ll) > 1 else math.nan
    return float(ll.mean()), standard_error


def select_parzen_sigma(
    samples: torch.Tensor, validation: torch.Tensor, sigmas, batch_size: int = 500
) -> tuple[float, list[float]]:
    """The bandwidth among ``sigmas`` with the highest validation log-likelihood, and the
    mean validation log-likelihood of each."""
    scores = [
        float(_log_likelihoods(samples, validation, float(s), batch_size).mean()) for s in sigmas
    ]
    best = max(range(len(scores)), key=scores.__getitem__)
    return float(sigmas[best]), scores
