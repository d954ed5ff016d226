r"""Improved precision and recall (Kynkäänniemi et al. 2019).

Approximate each distribution's support by the union of balls around its feature vectors,
each with radius the distance to its k-th nearest neighbour in the same set. Then

* **precision** = fraction of *generated* features inside the real support (quality);
* **recall** = fraction of *real* features inside the generated support (coverage).

What the k-NN balls can and cannot see:

* The generated support's balls are sized by the *generated* set's own density. A set with
  :math:`k + 1` or more copies of a feature vector gives it radius 0 (its k-th neighbour is a
  copy), so duplicated samples cover nothing and recall collapses to 0 whatever the set's
  diversity (:func:`precision_recall` warns when any radius is 0).
* A sparse set has large balls: a set of one class still reaches real images of *similar*
  classes, so its recall is well above 0.
* Images damaged so that their features leave the real data's neighbourhood (blur, noise)
  lose recall as well as precision: the two are not independent measures of quality and
  diversity, and recall is only a diversity measure for samples that lie near the real data.
"""

from __future__ import annotations

import warnings

import torch

__all__ = ["inside_knn_balls", "knn_radii", "precision_recall"]


def knn_radii(x: torch.Tensor, k: int = 3, batch_size: int = 1000) -> torch.Tensor:
    """For each row of ``x`` ``[N, d]``, the distance to its k-th nearest *other* row."""
    radii = []
    for i in range(0, len(x), batch_size):
        rows = x[i : i + batch_size]
        # the k+1-th smallest distance: the nearest is the point itself (distance 0)
        neighbour = torch.cdist(rows, x).kthvalue(k + 1, dim=1).indices
        # cdist's fast matrix-product form leaves ~1e-7 where the distance is exactly 0
        # (duplicates); the radius is recomputed directly from the pair it selected
        radii.append((rows - x[neighbour]).norm(dim=1))
    return torch.cat(radii)


def _inside(
    points: torch.Tensor, centres: torch.Tensor, radii: torch.Tensor, batch_size: int
) -> torch.Tensor:
    hits = []
    for i in range(0, len(points), batch_size):
        d = torch.cdist(points[i : i + batch_size], centres)
        hits.append((d <= radii[None, :]).any(dim=1))
    return torch.cat(hits)


def _features(real_features, fake_features, k: int) -> tuple[torch.Tensor, torch.Tensor]:
    real = torch.as_tensor(real_features).to(torch.float64)
    fake = torch.as_tensor(fake_features).to(torch.float64).to(real.device)
    if real.dim() != 2 or fake.dim() != 2 or real.shape[1] != fake.shape[1]:
        raise ValueError(
            f"need [N, d] and [M, d] features, got {tuple(real.shape)} and {tuple(fake.shape)}"
        )
    if min(len(real), len(fake)) <= k:
        raise ValueError(f"need more than k={k} features in each set")
    return real, fake


def _radii_checked(x: torch.Tensor, k: int, batch_size: int, which: str) -> torch.Tensor:
    radii = knn_radii(x, k, batch_size)
    zero = int((radii == 0).sum())
    if zero:
        warnings.warn(
            f"{zero} of the {len(radii)} {which} k-NN radii are 0: those features occur at least "
            f"k + 1 = {k + 1} times (duplicated samples?), so their balls cover nothing; "
            "use distinct samples",
            stacklevel=3,
        )
    return radii


def inside_knn_balls(
    points: torch.Tensor, centres: torch.Tensor, k: int = 3, batch_size: int = 1000
) -> torch.Tensor:
    """Boolean ``[len(points)]``: whether each point lies in the union of the balls
    :math:`B(c_j, r_j)`, :math:`r_j` = distance from centre :math:`c_j` to its k-th nearest other
    centre. Recall is ``inside_knn_balls(real, fake).mean()``, precision
    ``inside_knn_balls(fake, real).mean()``; the mask tells *which* points are covered."""
    centres_, points_ = _features(centres, points, k)
    radii = _radii_checked(centres_, k, batch_size, "centre")
    return _inside(points_, centres_, radii, batch_size)


def precision_recall(
    real_features: torch.Tensor, fake_features: torch.Tensor, k: int = 3, batch_size: int = 1000
) -> tuple[float, float]:
    r"""(precision, recall) of fake features against real ones, with k-NN balls:

    .. math:: \mathrm{precision} = \frac1M\sum_j \mathbb 1\big[\phi_j \in \textstyle\bigcup_i
              B(r_i, \mathrm{NN}_k(r_i))\big], \qquad
              \mathrm{recall} = \frac1N\sum_i \mathbb 1\big[r_i \in \textstyle\bigcup_j
              B(\phi_j, \mathrm{NN}_k(\phi_j))\big]

    for real features :math:`r_1..r_N` and generated :math:`\phi_1..\phi_M`. Warns when a set
    has zero radii (duplicates), which make its balls empty."""
    real, fake = _features(real_features, fake_features, k)
    precision = _inside(fake, real, _radii_checked(real, k, batch_size, "real"), batch_size)
    recall = _inside(real, fake, _radii_checked(fake, k, batch_size, "generated"), batch_size)
    return float(precision.double().mean()), float(recall.double().mean())
