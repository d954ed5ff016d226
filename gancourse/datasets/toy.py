"""Toy distributions in one and two dimensions, generated in code.

They are small enough to see whole, which is what makes them good teachers: a scatter
shows mode dropping at a glance, and because each distribution *knows* its modes and its
spread, metrics such as mode coverage can be computed against the truth.

Standard parameters (as in the GAN literature):

* ``ring()``: 8 Gaussians on a circle of radius 2, std 0.02 (Metz et al. 2017, VEEGAN).
* ``grid()``: 25 Gaussians on a 5 × 5 grid with spacing 2 (centred: -4 … 4), std 0.05.
* ``swiss_roll()``: scikit-learn's 2-D swiss roll, noise 0.25, scaled down by 7.5 as in the
  WGAN-GP toy experiments.
* ``gaussian_mixture_1d(means, stds, weights)``: any 1-D mixture, with its exact density.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import torch

__all__ = [
    "GaussianMixture",
    "SwissRoll",
    "gaussian_mixture_1d",
    "grid",
    "ring",
    "swiss_roll",
]


def _target_device(
    generator: torch.Generator | None, device: torch.device | str | None
) -> tuple[torch.device, torch.device]:
    """(where to draw, where to return). Draw where the generator lives, so a seeded
    generator gives the same numbers whatever device the result is moved to."""
    out = torch.device(device) if device is not None else None
    if generator is not None:
        draw = generator.device
    else:
        draw = out if out is not None else torch.device("cpu")
    return draw, (out if out is not None else draw)


class GaussianMixture:
    r"""A mixture of isotropic Gaussians in d dimensions.

    .. math:: p(x) = \sum_k w_k \, \mathcal N(x;\ \mu_k,\ \sigma_k^2 I_d)

    Attributes:
        modes: the means :math:`\mu_k`, float64 tensor ``[K, d]``.
        stds: the standard deviations :math:`\sigma_k`, float64 tensor ``[K]``.
        weights: the mixing weights :math:`w_k` (sum to 1), float64 tensor ``[K]``.
        name: a short label for plots and tables.
    """

    def __init__(
        self,
        modes: torch.Tensor | Sequence,
        stds: float | torch.Tensor | Sequence[float],
        weights: torch.Tensor | Sequence[float] | None = None,
        name: str = "mixture",
    ) -> None:
        modes = torch.as_tensor(modes, dtype=torch.float64)
        if modes.dim() == 1:  # K scalars: a 1-D mixture
            modes = modes[:, None]
        if modes.dim() != 2 or modes.shape[0] == 0:
            raise ValueError(f"modes must have shape [K, d] with K >= 1, got {tuple(modes.shape)}")
        k = modes.shape[0]
        stds = torch.as_tensor(stds, dtype=torch.float64)
        if stds.dim() == 0:
            stds = stds.expand(k).clone()
        if stds.shape != (k,):
            raise ValueError(
                f"stds must be a number or have one entry per mode ({k}), got {tuple(stds.shape)}"
            )
        if not bool((stds > 0).all()):
            raise ValueError(f"every std must be positive, got {stds.tolist()}")
        if weights is None:
            weights = torch.full((k,), 1.0 / k, dtype=torch.float64)
        weights = torch.as_tensor(weights, dtype=torch.float64)
        if weights.shape != (k,) or bool((weights < 0).any()) or float(weights.sum()) <= 0:
            raise ValueError(
                f"weights must be {k} non-negative numbers with a positive sum, got {weights.tolist()}"
            )
        self.modes = modes
        self.stds = stds
        self.weights = weights / weights.sum()
        self.name = name

    @property
    def dim(self) -> int:
        """The dimension d of the samples."""
        return self.modes.shape[1]

    @property
    def n_modes(self) -> int:
        """The number of components K."""
        return self.modes.shape[0]

    @property
    def std(self) -> float:
        """The common standard deviation σ of every component (the 'spread' metrics use).

        Raises if the components differ; then use :attr:`stds`.
        """
        if not bool((self.stds == self.stds[0]).all()):
            raise ValueError(
                f"{self.name}: the components have different stds {self.stds.tolist()}; use .stds"
            )
        return float(self.stds[0])

    def sample(
        self,
        n: int,
        generator: torch.Generator | None = None,
        device: torch.device | str | None = None,
        dtype: torch.dtype = torch.float32,
    ) -> torch.Tensor:
        """Draw ``n`` samples, shape ``[n, d]``.

        Drawn on the generator's device (or on ``device`` without a generator, with torch's
        global RNG), then returned on ``device``.
        """
        if n < 0:
            raise ValueError(f"n must be >= 0, got {n}")
        draw, out = _target_device(generator, device)
        if n == 0:
            return torch.empty(0, self.dim, device=out, dtype=dtype)
        weights = self.weights.to(draw)
        component = torch.multinomial(weights, n, replacement=True, generator=generator)
        noise = torch.randn(n, self.dim, generator=generator, device=draw, dtype=torch.float64)
        x = self.modes.to(draw)[component] + self.stds.to(draw)[component, None] * noise
        return x.to(device=out, dtype=dtype)

    def log_prob(self, x: torch.Tensor) -> torch.Tensor:
        r"""Exact log-density :math:`\log p(x)` (float64), for ``x`` of shape ``[n, d]``
        (or ``[n]`` when d = 1), through a log-sum-exp over components."""
        x = torch.as_tensor(x, dtype=torch.float64)
        if self.dim == 1 and x.dim() == 1:
            x = x[:, None]
        if x.dim() != 2 or x.shape[1] != self.dim:
            raise ValueError(f"x must have shape [n, {self.dim}], got {tuple(x.shape)}")
        modes, stds, weights = (t.to(x.device) for t in (self.modes, self.stds, self.weights))
        sq = torch.cdist(x, modes).pow(2)  # [n, K]
        log_norm = -0.5 * self.dim * torch.log(2 * math.pi * stds**2)
        log_comp = log_norm - 0.5 * sq / stds**2 + torch.log(weights)
        return torch.logsumexp(log_comp, dim=1)

    def pdf(self, x: torch.Tensor) -> torch.Tensor:
        """Exact density p(x) (float64); see :meth:`log_prob`."""
        return self.log_prob(x).exp()

    def __repr__(self) -> str:
        return f"GaussianMixture(name={self.name!r}, K={self.n_modes}, d={self.dim})"


def ring(n_modes: int = 8, radius: float = 2.0, std: float = 0.02) -> GaussianMixture:
    r"""``n_modes`` equal Gaussians on a circle: :math:`\mu_k = r(\cos 2\pi k/K, \sin 2\pi k/K)`."""
    if n_modes < 1 or radius <= 0:
        raise ValueError(f"need n_modes >= 1 and radius > 0, got {n_modes}, {radius}")
    angles = 2 * math.pi * torch.arange(n_modes, dtype=torch.float64) / n_modes
    modes = radius * torch.stack([torch.cos(angles), torch.sin(angles)], dim=1)
    return GaussianMixture(modes, std, name=f"ring of {n_modes}")


def grid(side: int = 5, spacing: float = 2.0, std: float = 0.05) -> GaussianMixture:
    r"""``side²`` equal Gaussians on a square grid centred at the origin:
    :math:`\mu_{ij} = s\,(i - (n-1)/2,\ j - (n-1)/2)`; for 5 × 5 and s = 2, coordinates -4 … 4."""
    if side < 1 or spacing <= 0:
        raise ValueError(f"need side >= 1 and spacing > 0, got {side}, {spacing}")
    ticks = spacing * (torch.arange(side, dtype=torch.float64) - (side - 1) / 2)
    gx, gy = torch.meshgrid(ticks, ticks, indexing="ij")
    modes = torch.stack([gx.reshape(-1), gy.reshape(-1)], dim=1)
    return GaussianMixture(modes, std, name=f"grid of {side * side}")


def gaussian_mixture_1d(
    means: Sequence[float],
    stds: float | Sequence[float],
    weights: Sequence[float] | None = None,
    name: str = "1-D mixture",
) -> GaussianMixture:
    r"""A 1-D mixture :math:`p(x) = \sum_k w_k \mathcal N(x; m_k, s_k^2)`; samples are ``[n, 1]``."""
    return GaussianMixture(
        torch.as_tensor(means, dtype=torch.float64)[:, None], stds, weights, name
    )


class SwissRoll:
    r"""scikit-learn's swiss roll, projected to the plane and scaled.

    .. math:: t = \tfrac{3\pi}{2}(1 + 2u),\ u \sim U[0, 1];\qquad
              x = \big((t\cos t,\ t\sin t) + \varepsilon\big) / s,\ \varepsilon \sim \mathcal N(0, \eta^2 I)

    A continuous curve has no modes to count: ``modes`` is ``None`` and mode-based metrics
    do not apply; ``std`` is the noise after scaling, η / s.
    """

    modes = None
    name = "swiss roll"
    dim = 2

    def __init__(self, noise: float = 0.25, scale: float = 7.5) -> None:
        if noise < 0 or scale <= 0:
            raise ValueError(f"need noise >= 0 and scale > 0, got {noise}, {scale}")
        self.noise = noise
        self.scale = scale

    @property
    def std(self) -> float:
        """Standard deviation of the noise around the curve, in output units (η / s)."""
        return self.noise / self.scale

    def centerline(self, n: int = 500) -> torch.Tensor:
        """``n`` noise-free points along the curve, ``[n, 2]`` float64, for plotting."""
        t = 1.5 * math.pi * (1 + 2 * torch.linspace(0, 1, n, dtype=torch.float64))
        return torch.stack([t * torch.cos(t), t * torch.sin(t)], dim=1) / self.scale

    def sample(
        self,
        n: int,
        generator: torch.Generator | None = None,
        device: torch.device | str | None = None,
        dtype: torch.dtype = torch.float32,
    ) -> torch.Tensor:
        """Draw ``n`` points, ``[n, 2]``; same device rules as :meth:`GaussianMixture.sample`."""
        if n < 0:
            raise ValueError(f"n must be >= 0, got {n}")
        draw, out = _target_device(generator, device)
        u = torch.rand(n, generator=generator, device=draw, dtype=torch.float64)
        t = 1.5 * math.pi * (1 + 2 * u)
        x = torch.stack([t * torch.cos(t), t * torch.sin(t)], dim=1)
        x = x + self.noise * torch.randn(
            n, 2, generator=generator, device=draw, dtype=torch.float64
        )
        return (x / self.scale).to(device=out, dtype=dtype)

    def __repr__(self) -> str:
        return f"SwissRoll(noise={self.noise}, scale={self.scale})"


def swiss_roll(noise: float = 0.25, scale: float = 7.5) -> SwissRoll:
    """The 2-D swiss roll; see :class:`SwissRoll`."""
    return SwissRoll(noise, scale)
