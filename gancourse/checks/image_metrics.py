"""Checks for notebook 14: FID and precision/recall."""

from __future__ import annotations

from collections.abc import Callable

import torch

from ..metrics.fid import fid_from_stats
from ..metrics.precision_recall import precision_recall as _precision_recall
from ._machinery import (
    ExerciseFailed,
    _as_tensor,
    _call,
    _close,
    _differs,
    _exercise,
    _generator,
    _scalar,
)

__all__ = ["fid_from_statistics", "precision_recall"]


# --------------------------------------------------------------------------------------------
# notebook 14: FID and precision/recall


@_exercise
def fid_from_statistics(fn: Callable) -> str:
    r"""``fn(mu1, sigma1, mu2, sigma2)``: :math:`\|\mu_1-\mu_2\|^2 + \mathrm{tr}\,\Sigma_1 + \mathrm{tr}\,\Sigma_2
    - 2\,\mathrm{tr}(\Sigma_1^{1/2}\Sigma_2\Sigma_1^{1/2})^{1/2}`, against
    :func:`gancourse.metrics.fid.fid_from_stats`."""
    g = _generator(9)

    def covariance(d, scale=1.0):
        a = torch.randn(d, 2 * d, generator=g, dtype=torch.float64)
        return scale * a @ a.T / (2 * d)

    d = 16
    mu1, mu2 = (
        torch.randn(d, generator=g, dtype=torch.float64),
        torch.randn(d, generator=g, dtype=torch.float64),
    )
    s1, s2 = covariance(d), covariance(d, 2.0)
    big = 1e4 * covariance(64)
    mu_big = torch.randn(64, generator=g, dtype=torch.float64) * 100
    cases = [
        ("two random Gaussians in 16 dimensions", mu1, s1, mu2, s2),
        ("a Gaussian against itself", mu1, s1, mu1.clone(), s1.clone()),
        ("covariances that do not commute, equal means", mu1, s1, mu1.clone(), s2),
        (
            "nearly equal Gaussians with large entries (64-d, variances ~1e4)",
            mu_big,
            big,
            mu_big + 1e-3,
            big * (1 + 1e-6),
        ),
    ]
    for case, m1, a, m2, b in cases:
        want = fid_from_stats(m1, a, m2, b)
        got_t = _as_tensor(
            _call(fn, m1.clone(), a.clone(), m2.clone(), b.clone()), "your fid_from_statistics"
        )
        got = _scalar(got_t, "your fid_from_statistics")
        if _close(got, want, rtol=1e-6, atol=1e-6):
            continue
        if got_t.dtype in (torch.float32, torch.float16, torch.bfloat16):
            raise ExerciseFailed(
                f"{case}: you return {got:.6g} in {got_t.dtype}, the right value is {want:.6g}: "
                "FID subtracts traces that are much larger than the result, so compute in float64"
            )
        root = _sqrtm(a)
        hints = {
            "you used tr(Σ1^½ Σ2^½), which equals tr(Σ1^½ Σ2 Σ1^½)^½ only when the covariances "
            "commute": float(
                (m1 - m2) @ (m1 - m2) + a.trace() + b.trace() - 2 * (root @ _sqrtm(b)).trace()
            ),
            "the mean term is the *squared* distance ‖μ1 - μ2‖²": want
            - float((m1 - m2) @ (m1 - m2))
            + float((m1 - m2).norm()),
            "the cross term is -2 tr(...)^½, not -tr(...)^½": want + _trace_sqrt(a, b),
        }
        _differs(got, want, case, hints)
    return "matches gancourse.metrics.fid.fid_from_stats, also for non-commuting covariances"


def _sqrtm(a: torch.Tensor) -> torch.Tensor:
    values, vectors = torch.linalg.eigh(a)
    return (vectors * values.clamp(min=0).sqrt()) @ vectors.T


def _trace_sqrt(a: torch.Tensor, b: torch.Tensor) -> float:
    root = _sqrtm(a)
    return float(torch.linalg.eigvalsh(root @ b @ root).clamp(min=0).sqrt().sum())


@_exercise
def precision_recall(fn: Callable) -> str:
    r"""``fn(real, fake, k)``: (precision, recall) with k-NN balls (Kynkäänniemi et al. 2019), each
    ball's radius the distance to the k-th nearest *other* point of its own set, against
    :func:`gancourse.metrics.precision_recall.precision_recall`."""
    g = _generator(10)
    real = torch.randn(200, 2, generator=g, dtype=torch.float64)
    cases = [
        (
            "fakes covering half of the reals",
            real,
            0.5 * torch.randn(150, 2, generator=g, dtype=torch.float64)
            + torch.tensor([1.0, 0.0], dtype=torch.float64),
            3,
        ),
        (
            "fakes spread wider than the reals",
            real,
            2.5 * torch.randn(120, 2, generator=g, dtype=torch.float64),
            5,
        ),
    ]
    for case, r, f, k in cases:
        want = _precision_recall(r, f, k=k)
        got = _call(fn, r.clone(), f.clone(), k)
        if not isinstance(got, tuple | list) or len(got) != 2:
            raise ExerciseFailed(f"{case}: return a pair (precision, recall), got {got!r}")
        got = (_scalar(got[0], "your precision"), _scalar(got[1], "your recall"))
        if all(_close(x, y, atol=1e-12) for x, y in zip(got, want, strict=True)):
            continue
        if all(_close(x, y, atol=1e-12) for x, y in zip(got, want[::-1], strict=True)):
            raise ExerciseFailed(
                f"{case}: precision and recall are swapped. Precision asks how many *fakes* fall "
                "inside the reals' balls; recall how many reals inside the fakes' balls"
            )
        self_counted = _precision_recall(r, f, k=k - 1) if k > 1 else None
        if self_counted is not None and all(
            _close(x, y, atol=1e-12) for x, y in zip(got, self_counted, strict=True)
        ):
            raise ExerciseFailed(
                f"{case}: your radii are one neighbour short: the nearest point to r_i in its own "
                "set is r_i itself (distance 0); the radius is the (k+1)-th smallest distance"
            )
        raise ExerciseFailed(
            f"{case}: you return precision {got[0]:.4f}, recall {got[1]:.4f}; the right values "
            f"are {want[0]:.4f}, {want[1]:.4f}"
        )
    return "matches gancourse.metrics.precision_recall on two configurations"
