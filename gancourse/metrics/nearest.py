r"""Nearest training images: is the generator copying its training set?

A generator that memorised its data would produce samples *closer* to some training image
than new real images are. :func:`nearest_neighbours` finds, for each query, its nearest
reference item in Euclidean distance (pixels or features), in chunks so that 60,000
training images never make a 60,000-column distance matrix at once.

:func:`memorisation_check` turns the distances into a test. Held-out test images are the
yardstick: they come from the data distribution but were never trained on. Let
:math:`c` be the :math:`r`-th smallest of the :math:`n` test images' nearest-training
distances (:math:`r = \lceil q n\rceil`, the test set's :math:`q`-quantile). If the
:math:`m` generated samples were distributed like test images, all :math:`m + n` distances
would be exchangeable, and the number :math:`X` of generated distances below :math:`c` would
follow the negative hypergeometric law (red balls drawn before the :math:`r`-th blue one from
an urn of :math:`m` red and :math:`n` blue), with mean :math:`m r/(n + 1)`. A copying
generator puts far more samples below :math:`c`; memorisation is flagged when
:math:`P(X \ge x_{\text{observed}}) < \alpha`. The count reacts to a *few* copies, which
a median never would.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch

__all__ = ["MemorisationCheck", "memorisation_check", "nearest_neighbours"]


def nearest_neighbours(
    queries: torch.Tensor, reference: torch.Tensor, chunk_size: int = 8192
) -> tuple[torch.Tensor, torch.Tensor]:
    """For each of ``queries`` ``[M, ...]``, the Euclidean distance to its nearest item of
    ``reference`` ``[N, ...]`` (same trailing shape; flattened) and that item's index.

    Returns ``(distances [M] float, indices [M] int64)`` on the queries' device. Images may be
    uint8 or float in [-1, 1]; uint8 is mapped to [-1, 1] (p / 127.5 − 1) first,
    so a generator's samples and uint8 training images are compared on one scale.
    """
    from ..datasets import to_unit_range

    def prepare(x: torch.Tensor) -> torch.Tensor:
        x = to_unit_range(x) if x.dtype == torch.uint8 else x.float()
        return x.flatten(1)

    if queries.shape[1:] != reference.shape[1:]:
        raise ValueError(
            f"queries {tuple(queries.shape)} and reference {tuple(reference.shape)} must share "
            "their trailing shape"
        )
    if len(reference) == 0 or len(queries) == 0:
        raise ValueError("need at least one query and one reference item")
    q = prepare(queries)
    best_d = torch.full((len(q),), float("inf"), device=q.device)
    best_i = torch.zeros(len(q), dtype=torch.long, device=q.device)
    for start in range(0, len(reference), chunk_size):
        r = prepare(reference[start : start + chunk_size].to(q.device))
        d = torch.cdist(q, r)  # [M, chunk]
        d_min, i_min = d.min(dim=1)
        better = d_min < best_d
        best_d = torch.where(better, d_min, best_d)
        best_i = torch.where(better, i_min + start, best_i)
    return best_d, best_i


@dataclass(frozen=True)
class MemorisationCheck:
    """Result of :func:`memorisation_check`.

    ``copy_rate``: fraction of generated samples nearer to the training set than ``cutoff``;
    ``chance_rate``: its expectation, r/(n + 1), for samples distributed like test images;
    ``p_value``: P(count >= observed) under that null; ``median_ratio``: median generated
    distance / median test distance; ``memorising``: ``p_value < alpha``.
    """

    copy_rate: float
    chance_rate: float
    cutoff: float
    p_value: float
    median_ratio: float
    alpha: float

    @property
    def memorising(self) -> bool:
        return self.p_value < self.alpha

    def __str__(self) -> str:
        verdict = "MEMORISING" if self.memorising else "no evidence of copying"
        return (
            f"{100 * self.copy_rate:5.1f}% closer than the cutoff (chance {100 * self.chance_rate:.1f}%), "
            f"p = {self.p_value:.2g}, median distance ratio {self.median_ratio:.2f}: {verdict}"
        )


def memorisation_check(
    generated_distances: torch.Tensor,
    test_distances: torch.Tensor,
    quantile: float = 0.01,
    alpha: float = 1e-3,
) -> MemorisationCheck:
    r"""Are generated samples closer to the training set than held-out test images are?

    Counts the generated samples whose nearest-training distance is below
    :math:`c` = the :math:`r`-th smallest test distance, :math:`r = \lceil q\,n\rceil`, and
    returns the exact p-value of that count under exchangeability (negative hypergeometric,
    see the module docstring). Distances come from :func:`nearest_neighbours` on the same
    training set and the same space (pixels or features).
    """
    from scipy.stats import nhypergeom

    gen = torch.as_tensor(generated_distances).double().flatten().cpu()
    test = torch.as_tensor(test_distances).double().flatten().cpu()
    if len(gen) == 0 or len(test) == 0:
        raise ValueError("need at least one generated and one test distance")
    if not 0 < quantile < 1:
        raise ValueError(f"quantile must be in (0, 1), got {quantile}")
    m, n = len(gen), len(test)
    r = max(1, math.ceil(quantile * n))
    cutoff = float(test.sort().values[r - 1])
    count = int((gen < cutoff).sum())
    # P(X >= count) for X ~ NHG(m + n balls, m red, stop at the r-th blue)
    p_value = float(nhypergeom(m + n, m, r).sf(count - 1)) if count > 0 else 1.0
    return MemorisationCheck(
        copy_rate=count / m,
        chance_rate=r / (n + 1),
        cutoff=cutoff,
        p_value=p_value,
        median_ratio=float(gen.quantile(0.5) / test.quantile(0.5)),
        alpha=alpha,
    )
