r"""Fréchet Inception Distance (Heusel et al. 2017) on any features.

Fit a Gaussian to each set of features and take the squared 2-Wasserstein (Fréchet) distance
between the Gaussians:

.. math:: \mathrm{FID} = \|\mu_1 - \mu_2\|^2 + \operatorname{tr}\Sigma_1 + \operatorname{tr}\Sigma_2
          - 2\operatorname{tr}\big(\Sigma_1^{1/2}\Sigma_2\Sigma_1^{1/2}\big)^{1/2}.

The trace of the matrix square root is computed by the *symmetric route*: :math:`\Sigma_1^{1/2}`
by an eigendecomposition of the symmetric :math:`\Sigma_1`, then the eigenvalues of the
symmetric positive semi-definite :math:`M = \Sigma_1^{1/2}\Sigma_2\Sigma_1^{1/2}` (clamped at 0
against rounding), whose square roots sum to :math:`\operatorname{tr}\sqrt{\Sigma_1\Sigma_2}`.
Two symmetric eigendecompositions are faster and more stable than a general ``sqrtm`` and run
on the GPU. All statistics are in float64, on the device of the features.
"""

from __future__ import annotations

import warnings

import torch

__all__ = ["feature_statistics", "fid", "fid_from_stats"]


def _features(x: torch.Tensor, name: str) -> torch.Tensor:
    x = torch.as_tensor(x)
    if x.dim() != 2 or x.shape[0] < 2:
        raise ValueError(f"{name} must be [N, d] features with N >= 2, got {tuple(x.shape)}")
    if not bool(torch.isfinite(x).all()):
        raise ValueError(f"{name} contains NaN or inf")
    return x.to(torch.float64)


def feature_statistics(features: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Mean ``[d]`` and unbiased covariance ``[d, d]`` (float64) of features ``[N, d]``.

    Warns when N < d: the covariance is then singular, and FID is biased upwards.
    """
    x = _features(features, "features")
    n, d = x.shape
    if n < d:
        warnings.warn(
            f"only {n} samples for {d}-dimensional features: the covariance is singular and FID "
            "is strongly biased; use at least as many samples as dimensions (10,000 is standard)",
            stacklevel=2,
        )
    mu = x.mean(dim=0)
    centred = x - mu
    return mu, centred.T @ centred / (n - 1)


def _sqrt_psd(matrix: torch.Tensor) -> torch.Tensor:
    values, vectors = torch.linalg.eigh(matrix)
    return (vectors * values.clamp(min=0).sqrt()) @ vectors.T


def fid_from_stats(mu1, sigma1, mu2, sigma2) -> float:
    """FID from two Gaussians' means and covariances (see the module docstring)."""
    mu1, mu2 = torch.as_tensor(mu1, dtype=torch.float64), torch.as_tensor(mu2, dtype=torch.float64)
    sigma1 = torch.as_tensor(sigma1, dtype=torch.float64)
    sigma2 = torch.as_tensor(sigma2, dtype=torch.float64).to(sigma1.device)
    mu2 = mu2.to(mu1.device)
    d = mu1.shape[0]
    if mu1.shape != (d,) or mu2.shape != (d,) or sigma1.shape != (d, d) or sigma2.shape != (d, d):
        raise ValueError(
            f"need means [d] and covariances [d, d] of one d; got {tuple(mu1.shape)}, "
            f"{tuple(sigma1.shape)}, {tuple(mu2.shape)}, {tuple(sigma2.shape)}"
        )
    root1 = _sqrt_psd(0.5 * (sigma1 + sigma1.T))
    middle = root1 @ sigma2 @ root1
    trace_sqrt = torch.linalg.eigvalsh(0.5 * (middle + middle.T)).clamp(min=0).sqrt().sum()
    diff = mu1.to(sigma1.device) - mu2
    value = diff @ diff + torch.trace(sigma1) + torch.trace(sigma2) - 2 * trace_sqrt
    return float(value)


def fid(features_a: torch.Tensor, features_b: torch.Tensor) -> float:
    """FID between two sets of features ``[N, d]`` and ``[M, d]``."""
    a, b = _features(features_a, "features_a"), _features(features_b, "features_b")
    if a.shape[1] != b.shape[1]:
        raise ValueError(f"feature dimensions differ: {a.shape[1]} and {b.shape[1]}")
    return fid_from_stats(*feature_statistics(a), *feature_statistics(b.to(a.device)))
