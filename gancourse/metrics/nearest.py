"""Nearest training images: is the generator copying its training set?

A generator that memorised its data would produce samples *closer* to some training image
than new real images are. :func:`nearest_neighbours` finds, for each query, its nearest
reference item in Euclidean distance (pixels or features), in chunks so that 60,000
training images never make a 60,000-column distance matrix at once.
"""

from __future__ import annotations

import torch

__all__ = ["nearest_neighbours"]


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
