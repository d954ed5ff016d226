r"""Kernel Inception Distance (Bińkowski et al. 2018): an unbiased MMD² on features.

With the cubic polynomial kernel :math:`k(x, y) = (x^\top y / d + 1)^3` and subsets
:math:`X, Y` of :math:`m` features each,

.. math:: \widehat{\mathrm{MMD}}^2_u = \frac{1}{m(m-1)}\sum_{i \ne j}\big[k(x_i, x_j) + k(y_i, y_j)\big]
          - \frac{2}{m^2}\sum_{i, j} k(x_i, y_j).

Dropping the diagonal terms makes the estimator unbiased: its expectation is the population
MMD² at any sample size (it can therefore be slightly negative). KID averages it over random
subsets and reports the mean and the standard deviation across subsets.
"""

from __future__ import annotations

import torch

__all__ = ["kid", "mmd2_unbiased", "polynomial_kernel"]


def polynomial_kernel(x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """:math:`(x y^\\top / d + 1)^3` for rows of ``x`` ``[n, d]`` and ``y`` ``[m, d]``."""
    return (x @ y.T / x.shape[1] + 1.0) ** 3


def mmd2_unbiased(x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """The unbiased MMD² estimate between equally sized samples ``x`` and ``y``."""
    m = x.shape[0]
    k_xx, k_yy, k_xy = polynomial_kernel(x, x), polynomial_kernel(y, y), polynomial_kernel(x, y)
    off_diagonal = k_xx.sum() - k_xx.diagonal().sum() + k_yy.sum() - k_yy.diagonal().sum()
    return off_diagonal / (m * (m - 1)) - 2 * k_xy.sum() / (m * m)


def kid(
    features_a: torch.Tensor,
    features_b: torch.Tensor,
    subsets: int = 100,
    subset_size: int = 1000,
    seed: int = 0,
) -> tuple[float, float]:
    """KID: (mean, std) of the unbiased MMD² over ``subsets`` random subsets of
    ``subset_size`` features drawn without replacement from each set (float64)."""
    a = torch.as_tensor(features_a).to(torch.float64)
    b = torch.as_tensor(features_b).to(torch.float64).to(a.device)
    if a.dim() != 2 or b.dim() != 2 or a.shape[1] != b.shape[1]:
        raise ValueError(
            f"need [N, d] and [M, d] features, got {tuple(a.shape)} and {tuple(b.shape)}"
        )
    if subset_size < 2 or min(len(a), len(b)) < subset_size:
        raise ValueError(
            f"subset_size {subset_size} must be >= 2 and at most the number of samples "
            f"({len(a)} and {len(b)}); pass a smaller subset_size"
        )
    rng = torch.Generator().manual_seed(seed)
    values = torch.empty(subsets, dtype=torch.float64)
    for i in range(subsets):
        ia = torch.randperm(len(a), generator=rng)[:subset_size].to(a.device)
        ib = torch.randperm(len(b), generator=rng)[:subset_size].to(a.device)
        values[i] = mmd2_unbiased(a[ia], b[ib])
    return float(values.mean()), float(values.std(unbiased=False))
