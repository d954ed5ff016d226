r"""Kernel Inception Distance (Bińkowski et al. 2018): an unbiased MMD² on features.

With the cubic polynomial kernel :math:`k(x, y) = (x^\top y / d + 1)^3` and subsets
:math:`X, Y` of :math:`m` features each,

.. math:: \widehat{\mathrm{MMD}}^2_u = \frac{1}{m(m-1)}\sum_{i \ne j}\big[k(x_i, x_j) + k(y_i, y_j)\big]
          - \frac{2}{m^2}\sum_{i, j} k(x_i, y_j).

Dropping the diagonal terms makes the estimator unbiased: its expectation is the population
MMD² at any sample size (it can therefore be slightly negative).

Two ways to average it, with different error statements:

* :func:`kid` (the convention of Bińkowski et al. and of torch-fidelity) averages over random,
  *overlapping* subsets of size :math:`m` and reports the standard deviation across them. That
  number is the spread of one size-:math:`m` estimate *given these two sets*; it does not shrink
  with the number of samples :math:`N`, and when :math:`m` is a large part of :math:`N` the
  subsets share most of their points, so the spread even understates the uncertainty of a
  single estimate. It is not the standard error of the mean.
* :func:`kid_blocks` cuts each (shuffled) set into :math:`B = \lfloor N/m \rfloor` *disjoint*
  blocks and estimates on block :math:`i` of one set against block :math:`i` of the other.
  For i.i.d. samples the :math:`B` block estimates are independent, so
  :math:`\mathrm{SE} = s_B/\sqrt B` (:math:`s_B`: their sample standard deviation) is a
  standard error of their mean, and it shrinks like :math:`1/\sqrt N` at fixed :math:`m`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch

from ..losses import mmd2

__all__ = ["KIDEstimate", "kid", "kid_blocks", "mmd2_unbiased", "polynomial_kernel"]


def polynomial_kernel(x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """:math:`(x y^\\top / d + 1)^3` for rows of ``x`` ``[n, d]`` and ``y`` ``[m, d]``."""
    return (x @ y.T / x.shape[1] + 1.0) ** 3


def mmd2_unbiased(x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """The unbiased MMD² estimate between samples ``x`` and ``y`` with the cubic polynomial
    kernel: :func:`gancourse.losses.mmd2` (the formula of MMD GAN's loss) with that kernel."""
    return mmd2(x, y, polynomial_kernel)


def _mmd2_unbiased_batched(x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """:func:`mmd2_unbiased` of each pair ``x[i]``, ``y[i]`` of ``[B, m, d]`` stacks, at once
    (equal sizes m; one batched matrix product per kernel block instead of B small ones)."""
    m, d = x.shape[1], x.shape[2]

    def kernel_sums(a: torch.Tensor, b: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        k = (a @ b.transpose(1, 2) / d + 1.0) ** 3
        return k.sum(dim=(1, 2)), k.diagonal(dim1=1, dim2=2).sum(dim=1)

    (xx, xx_diag), (yy, yy_diag), (xy, _) = kernel_sums(x, x), kernel_sums(y, y), kernel_sums(x, y)
    return (xx - xx_diag + yy - yy_diag) / (m * (m - 1)) - 2 * xy / (m * m)


def _as_feature_pair(features_a, features_b) -> tuple[torch.Tensor, torch.Tensor]:
    a = torch.as_tensor(features_a).to(torch.float64)
    b = torch.as_tensor(features_b).to(torch.float64).to(a.device)
    if a.dim() != 2 or b.dim() != 2 or a.shape[1] != b.shape[1]:
        raise ValueError(
            f"need [N, d] and [M, d] features, got {tuple(a.shape)} and {tuple(b.shape)}"
        )
    return a, b


def kid(
    features_a: torch.Tensor,
    features_b: torch.Tensor,
    subsets: int = 100,
    subset_size: int = 1000,
    seed: int = 0,
) -> tuple[float, float]:
    """KID: (mean, std) of the unbiased MMD² over ``subsets`` random subsets of
    ``subset_size`` features drawn without replacement from each set (float64).

    The std is the spread of one subset's estimate given these two sets (the subsets
    overlap), not a standard error of the mean; :func:`kid_blocks` gives one."""
    a, b = _as_feature_pair(features_a, features_b)
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


@dataclass(frozen=True)
class KIDEstimate:
    """KID from disjoint blocks: ``mean`` of the ``blocks`` block estimates (each on
    ``block_size`` features per set), their sample standard deviation ``std`` (ddof = 1) and
    the standard error of the mean, ``standard_error = std / sqrt(blocks)``."""

    mean: float
    std: float
    standard_error: float
    blocks: int
    block_size: int


def kid_blocks(
    features_a: torch.Tensor, features_b: torch.Tensor, block_size: int = 1000, seed: int = 0
) -> KIDEstimate:
    r"""KID with a standard error: the unbiased MMD² on :math:`B` *disjoint* blocks.

    Each set is shuffled (``seed``) and cut into :math:`B = \lfloor \min(N_a, N_b) / m\rfloor`
    blocks of :math:`m` = ``block_size`` features (left-overs are dropped); block :math:`i` of
    one set is compared with block :math:`i` of the other,
    :math:`\widehat{\mathrm{KID}} = \frac1B\sum_i \widehat{\mathrm{MMD}}^2_u(A_i, B_i)`.
    The blocks share no sample, so for i.i.d. samples the :math:`B` terms are independent and
    :math:`\mathrm{SE} = s_B/\sqrt B`. Needs :math:`B \ge 2`.
    """
    a, b = _as_feature_pair(features_a, features_b)
    if block_size < 2:
        raise ValueError(f"block_size must be >= 2, got {block_size}")
    blocks = min(len(a), len(b)) // block_size
    if blocks < 2:
        raise ValueError(
            f"need at least 2 disjoint blocks of {block_size} features in each set for a "
            f"standard error, got {len(a)} and {len(b)} features; pass a smaller block_size"
        )
    rng = torch.Generator().manual_seed(seed)
    order_a = torch.randperm(len(a), generator=rng)[: blocks * block_size].to(a.device)
    order_b = torch.randperm(len(b), generator=rng)[: blocks * block_size].to(a.device)
    blocks_a = a[order_a].reshape(blocks, block_size, -1)
    blocks_b = b[order_b].reshape(blocks, block_size, -1)
    values = _mmd2_unbiased_batched(blocks_a, blocks_b)
    std = float(values.std(unbiased=True))
    return KIDEstimate(
        mean=float(values.mean()),
        std=std,
        standard_error=std / math.sqrt(blocks),
        blocks=blocks,
        block_size=block_size,
    )
