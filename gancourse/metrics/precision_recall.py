r"""Improved precision and recall (Kynkäänniemi et al. 2019).

Approximate each distribution's support by the union of balls around its feature vectors,
each with radius the distance to its k-th nearest neighbour in the same set. Then

* **precision** = fraction of *generated* features inside the real support (quality);
* **recall** = fraction of *real* features inside the generated support (coverage).
"""

from __future__ import annotations

import torch

__all__ = ["precision_recall"]


def _knn_radii(x: torch.Tensor, k: int, batch_size: int) -> torch.Tensor:
    radii = []
    for i in range(0, len(x), batch_size):
        d = torch.cdist(x[i : i + batch_size], x)
        # the k+1-th smallest distance: the nearest is the point itself (distance 0)
        radii.append(d.kthvalue(k + 1, dim=1).values)
    return torch.cat(radii)


def _inside(
    points: torch.Tensor, centres: torch.Tensor, radii: torch.Tensor, batch_size: int
) -> torch.Tensor:
    hits = []
    for i in range(0, len(points), batch_size):
        d = torch.cdist(points[i : i + batch_size], centres)
        hits.append((d <= radii[None, :]).any(dim=1))
    return torch.cat(hits)


def precision_recall(
    real_features: torch.Tensor, fake_features: torch.Tensor, k: int = 3, batch_size: int = 1000
) -> tuple[float, float]:
    """(precision, recall) of fake features against real ones, with k-NN balls."""
    real = torch.as_tensor(real_features).to(torch.float64)
    fake = torch.as_tensor(fake_features).to(torch.float64).to(real.device)
    if real.dim() != 2 or fake.dim() != 2 or real.shape[1] != fake.shape[1]:
        raise ValueError(
            f"need [N, d] and [M, d] features, got {tuple(real.shape)} and {tuple(fake.shape)}"
        )
    if min(len(real), len(fake)) <= k:
        raise ValueError(f"need more than k={k} features in each set")
    precision = _inside(fake, real, _knn_radii(real, k, batch_size), batch_size).double().mean()
    recall = _inside(real, fake, _knn_radii(fake, k, batch_size), batch_size).double().mean()
    return float(precision), float(recall)
