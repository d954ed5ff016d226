r"""Paths through the latent space: linear and spherical interpolation.

Noise :math:`z \sim \mathcal N(0, I_d)` concentrates on a thin shell: its norm follows the
chi distribution, with mean :math:`\sqrt2\,\Gamma(\frac{d+1}{2})/\Gamma(\frac d2) \approx \sqrt d`
and standard deviation :math:`\approx 1/\sqrt2`, whatever :math:`d`. The generator has
only ever seen inputs from that shell.

* **Linear** interpolation :math:`z_t = (1 - t) z_0 + t z_1` cuts through the inside of the
  shell: for independent endpoints, :math:`\mathbb E\|z_{1/2}\|^2 = d/2`, so the midpoint is
  a point the generator was (almost) never trained on.
* **Spherical** interpolation (slerp, Shoemake 1985; suggested for GANs by White 2016)
  follows the great circle between the two directions:

  .. math:: z_t = \frac{\sin((1 - t)\Omega)}{\sin\Omega} z_0 + \frac{\sin(t\Omega)}{\sin\Omega} z_1,
            \qquad \cos\Omega = \frac{z_0 \cdot z_1}{\|z_0\|\|z_1\|},

  which keeps the norm at :math:`\|z_0\|` when :math:`\|z_0\| = \|z_1\|` and moves the angle
  uniformly in :math:`t`.
"""

from __future__ import annotations

import math

import torch

__all__ = ["chi_mean", "interpolate", "lerp", "slerp"]


def chi_mean(d: int) -> float:
    r"""Mean norm of :math:`z \sim \mathcal N(0, I_d)`: :math:`\sqrt2\,\Gamma(\frac{d+1}{2})/\Gamma(\frac d2)`."""
    return math.sqrt(2.0) * math.exp(math.lgamma((d + 1) / 2) - math.lgamma(d / 2))


def _check(z0: torch.Tensor, z1: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
    if z0.shape != z1.shape:
        raise ValueError(
            f"endpoints must have one shape, got {tuple(z0.shape)} and {tuple(z1.shape)}"
        )
    t = torch.as_tensor(t, dtype=z0.dtype, device=z0.device)
    if t.dim() != 1:
        raise ValueError(
            f"t must be a 1-D tensor of positions in [0, 1], got shape {tuple(t.shape)}"
        )
    return t


def lerp(z0: torch.Tensor, z1: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
    """Linear interpolation at positions ``t`` ``[T]``: ``[T, *z0.shape]``."""
    t = _check(z0, z1, t).reshape(-1, *([1] * z0.dim()))
    return (1 - t) * z0 + t * z1


def slerp(z0: torch.Tensor, z1: torch.Tensor, t: torch.Tensor, eps: float = 1e-7) -> torch.Tensor:
    """Spherical interpolation of vectors ``z0``, ``z1`` (shape ``[d]``, or ``[B, d]`` for a batch
    of pairs) at positions ``t`` ``[T]``: ``[T, *z0.shape]``. Nearly parallel endpoints fall
    back to linear interpolation (the formula's 0/0)."""
    t = _check(z0, z1, t).reshape(-1, *([1] * z0.dim()))
    cos = torch.nn.functional.cosine_similarity(z0, z1, dim=-1).clamp(-1, 1).unsqueeze(-1)
    omega = torch.arccos(cos)
    sin = torch.sin(omega)
    safe = sin.abs() > eps
    w0 = torch.where(safe, torch.sin((1 - t) * omega) / sin.where(safe, 1.0), 1 - t)
    w1 = torch.where(safe, torch.sin(t * omega) / sin.where(safe, 1.0), t)
    return w0 * z0 + w1 * z1


def interpolate(
    z0: torch.Tensor, z1: torch.Tensor, steps: int, kind: str = "spherical"
) -> torch.Tensor:
    """``steps`` evenly spaced points from ``z0`` to ``z1`` (both included), ``kind`` =
    ``"linear"`` or ``"spherical"``."""
    if steps < 2:
        raise ValueError(f"steps must be >= 2 to include both endpoints, got {steps}")
    t = torch.linspace(0, 1, steps, dtype=z0.dtype, device=z0.device)
    if kind == "linear":
        return lerp(z0, z1, t)
    if kind == "spherical":
        return slerp(z0, z1, t)
    raise ValueError(f"kind must be 'linear' or 'spherical', got {kind!r}")
