"""Figures the notebooks share: image grids and 2-D samples over the true modes.

Each function draws into a Matplotlib ``Axes`` (a new figure if none is given) and
returns it, so notebooks can compose panels and tests can inspect what was drawn.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import torch
from matplotlib.axes import Axes

__all__ = [
    "animate_samples",
    "image_grid",
    "plot_critic",
    "plot_density",
    "plot_discriminator",
    "plot_history",
    "plot_samples",
    "show_images",
]


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


def _square_limits(dist, samples: torch.Tensor | None, margin: float = 0.5) -> tuple[float, float]:
    if getattr(dist, "modes", None) is not None:
        extent = float(dist.modes.abs().max()) + margin
    elif samples is not None:
        extent = float(samples.detach().abs().max()) + margin
    else:
        extent = 3.0
    return -extent, extent


def _evaluate_on_plane(fn, dist, fake, resolution: int):
    """``fn`` (a network on 2-D points) on a ``resolution``² grid over the square holding the data:
    returns the grid's x and y coordinates and the values, as CPU numpy arrays."""
    lo, hi = _square_limits(dist, fake)
    ticks = torch.linspace(lo, hi, resolution)
    gx, gy = torch.meshgrid(ticks, ticks, indexing="xy")
    points = torch.stack([gx.reshape(-1), gy.reshape(-1)], dim=1)
    device = next(fn.parameters()).device
    values = fn(points.to(device)).detach().reshape(resolution, resolution).cpu()
    return gx.numpy(), gy.numpy(), values


def _finish_plane(ax: Axes, dist, fake, title: str) -> Axes:
    """Fakes and true modes on top, equal axes, labels, title and a legend below."""
    if fake is not None:
        xy = fake.detach().cpu().double().numpy()
        ax.scatter(xy[:, 0], xy[:, 1], s=3, c="k", alpha=0.4, label="generated")
    if dist is not None and getattr(dist, "modes", None) is not None:
        m = dist.modes.cpu().numpy()
        ax.scatter(m[:, 0], m[:, 1], marker="x", s=50, c="lime", label="true modes")
    ax.set_aspect("equal")
    ax.set_xlabel("$x_1$")
    ax.set_ylabel("$x_2$")
    ax.set_title(title)
    if ax.get_legend_handles_labels()[0]:
        ax.legend(
            loc="upper center", bbox_to_anchor=(0.5, -0.14), ncol=2, fontsize="small", frameon=False
        )
    return ax


def plot_discriminator(
    discriminator,
    dist=None,
    fake: torch.Tensor | None = None,
    ax: Axes | None = None,
    resolution: int = 150,
    title: str = "Discriminator D(x) = sigmoid(logit)",
) -> Axes:
    """Filled contours of D(x) on the plane, with the true modes and (optionally) fake
    samples on top. D is evaluated on its own device, without gradients."""
    if ax is None:
        _, ax = plt.subplots(figsize=(5, 4.3))
    with torch.no_grad():
        gx, gy, logits = _evaluate_on_plane(discriminator, dist, fake, resolution)
    levels = torch.linspace(0, 1, 11).tolist()
    filled = ax.contourf(gx, gy, torch.sigmoid(logits).numpy(), levels=levels, cmap="RdBu_r")
    plt.colorbar(filled, ax=ax, label="D(x)")
    return _finish_plane(ax, dist, fake, title)


def plot_critic(
    critic,
    dist=None,
    fake: torch.Tensor | None = None,
    ax: Axes | None = None,
    resolution: int = 150,
    title: str = "Critic value f(x)",
    label: str = "f(x)",
) -> Axes:
    """Contours of a critic's raw output f(x) on the plane (no sigmoid: a Wasserstein critic
    is a potential, high on real data and low on fakes), with the modes and fakes on top;
    ``label`` names the colour bar (``"U(x)"`` for an energy).
    (Evaluated with gradients allowed, so gradient-normalised critics work too.)"""
    if ax is None:
        _, ax = plt.subplots(figsize=(5, 4.3))
    gx, gy, f = _evaluate_on_plane(critic, dist, fake, resolution)
    filled = ax.contourf(gx, gy, f.numpy(), levels=20, cmap="RdBu_r")
    plt.colorbar(filled, ax=ax, label=label)
    ax.contour(gx, gy, f.numpy(), levels=10, colors="k", linewidths=0.4, alpha=0.5)
    return _finish_plane(ax, dist, fake, title)


def plot_density(
    samples: torch.Tensor,
    dist=None,
    ax: Axes | None = None,
    bins: int = 120,
    title: str = "Sample density",
) -> Axes:
    """A 2-D histogram of ``samples`` (log colour scale), on the square that holds ``dist``."""
    from matplotlib.colors import LogNorm

    if ax is None:
        _, ax = plt.subplots(figsize=(5, 4.3))
    xy = samples.detach().cpu().double().numpy()
    lo, hi = _square_limits(dist, samples)
    *_, image = ax.hist2d(
        xy[:, 0], xy[:, 1], bins=bins, range=[[lo, hi], [lo, hi]], norm=LogNorm(), cmap="viridis"
    )
    plt.colorbar(image, ax=ax, label="samples per bin")
    ax.set_aspect("equal")
    ax.set_xlabel("$x_1$")
    ax.set_ylabel("$x_2$")
    ax.set_title(title)
    return ax


def plot_history(
    history,
    names: list[str] | None = None,
    ax: Axes | None = None,
    title: str = "Training curves",
    logy: bool = False,
) -> Axes:
    """Curves of the named series of a :class:`~gancourse.history.History` against the step."""
    if ax is None:
        _, ax = plt.subplots(figsize=(6, 3.5))
    for name in names or ["d_loss", "g_loss"]:
        ax.plot(history.steps(name), history.values(name), label=name)
    if logy:
        ax.set_yscale("log")
    ax.set_xlabel("generator step")
    ax.set_ylabel("value")
    ax.set_title(title)
    ax.legend()
    return ax


def animate_samples(
    frames: list[torch.Tensor],
    steps: list[int],
    dist=None,
    interval: int = 200,
    title: str = "Generated samples during training",
) -> str:
    """An HTML animation (matplotlib's JavaScript player) of 2-D sample snapshots over
    training; display it with ``IPython.display.HTML``."""
    from matplotlib import animation

    if len(frames) != len(steps) or not frames:
        raise ValueError("need one step number per frame, and at least one frame")
    fig, ax = plt.subplots(figsize=(4.5, 4.5))
    lo, hi = _square_limits(dist, frames[-1])
    if dist is not None and getattr(dist, "modes", None) is not None:
        m = dist.modes.cpu().numpy()
        ax.scatter(m[:, 0], m[:, 1], marker="x", s=50, c="red", label="true modes")
    first = frames[0].detach().cpu().numpy()
    points = ax.scatter(first[:, 0], first[:, 1], s=3, alpha=0.5, label="generated")
    ax.set_xlim(lo, hi)
    ax.set_ylim(lo, hi)
    ax.set_aspect("equal")
    ax.set_xlabel("$x_1$")
    ax.set_ylabel("$x_2$")
    ax.legend(loc="upper right", fontsize="small")

    def draw(i: int):
        points.set_offsets(frames[i].detach().cpu().numpy())
        ax.set_title(f"{title}\nstep {steps[i]}")
        return (points,)

    anim = animation.FuncAnimation(fig, draw, frames=len(frames), interval=interval, blit=False)
    html = anim.to_jshtml(default_mode="once")
    plt.close(fig)
    return html
