"""Figures the notebooks share: image grids and 2-D samples over the true modes.

Each function draws into a Matplotlib ``Axes`` (a new figure if none is given) and
returns it, so notebooks can compose panels and tests can inspect what was drawn.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import torch
from matplotlib.axes import Axes

__all__ = ["image_grid", "show_images", "plot_samples"]


def image_grid(images: torch.Tensor, nrow: int = 8, padding: int = 2) -> torch.Tensor:
    """Tile images ``[B, C, H, W]`` in [-1, 1] (float) or 0 … 255 (uint8) into one
    ``float [H', W', C]`` array in [0, 1] on the CPU, ready for ``imshow``."""
    from torchvision.utils import make_grid

    if images.dim() != 4:
        raise ValueError(f"images must be [B, C, H, W], got {tuple(images.shape)}")
    x = images.detach().cpu()
    x = x.float() / 255.0 if x.dtype == torch.uint8 else (x.float().clamp(-1, 1) + 1) / 2
    grid = make_grid(x, nrow=nrow, padding=padding, pad_value=1.0)
    return grid.permute(1, 2, 0)


def show_images(
    images: torch.Tensor, nrow: int = 8, title: str | None = None, ax: Axes | None = None
) -> Axes:
    """Show a batch of images as one grid (grayscale for one channel)."""
    if ax is None:
        _, ax = plt.subplots(figsize=(nrow * 0.8, (len(images) + nrow - 1) // nrow * 0.8))
    grid = image_grid(images, nrow=nrow).numpy()
    if images.shape[1] == 1:
        ax.imshow(grid[..., 0], cmap="gray", vmin=0, vmax=1)
    else:
        ax.imshow(grid)
    ax.set_axis_off()
    if title:
        ax.set_title(title)
    return ax


def plot_samples(
    samples: torch.Tensor,
    dist=None,
    ax: Axes | None = None,
    title: str | None = None,
    label: str = "samples",
    **scatter_kwargs,
) -> Axes:
    """Scatter 2-D ``samples`` ``[n, 2]``; if ``dist`` is given, mark its modes (a
    :class:`GaussianMixture`) or its centre line (a :class:`SwissRoll`)."""
    if samples.dim() != 2 or samples.shape[1] != 2:
        raise ValueError(f"samples must be [n, 2], got {tuple(samples.shape)}")
    if ax is None:
        _, ax = plt.subplots(figsize=(4, 4))
    xy = samples.detach().cpu().double().numpy()
    ax.scatter(
        xy[:, 0],
        xy[:, 1],
        s=scatter_kwargs.pop("s", 4),
        alpha=scatter_kwargs.pop("alpha", 0.5),
        label=label,
        **scatter_kwargs,
    )
    if dist is not None and getattr(dist, "modes", None) is not None:
        modes = dist.modes.cpu().numpy()
        ax.scatter(modes[:, 0], modes[:, 1], marker="x", s=60, c="red", label="true modes")
    elif dist is not None and hasattr(dist, "centerline"):
        line = dist.centerline().numpy()
        ax.plot(line[:, 0], line[:, 1], c="red", lw=1, label="centre line")
    ax.set_aspect("equal")
    ax.set_xlabel("$x_1$")
    ax.set_ylabel("$x_2$")
    ax.set_title(title if title is not None else getattr(dist, "name", ""))
    # Below the axes, so it never hides a mode.
    ax.legend(
        loc="upper center", bbox_to_anchor=(0.5, -0.14), ncol=2, fontsize="small", frameon=False
    )
    return ax
