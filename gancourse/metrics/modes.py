r"""Mode coverage on toy mixtures: the protocol of VEEGAN (Srivastava et al. 2017) and
PacGAN (Lin et al. 2018).

Draw 2,500 generated samples and compare them with the true mixture:

* a sample is **high quality** if it lies within 3 standard deviations of its nearest mode;
* a mode is **captured** if it is the nearest mode of at least one high-quality sample;
* the **reverse KL** compares the histogram :math:`\hat p` of nearest modes over the
  high-quality samples with the uniform distribution over the :math:`K` modes,
  :math:`\mathrm{KL}(\hat p\,\|\,U) = \sum_k \hat p_k \log(K \hat p_k)` — 0 for a perfectly
  balanced generator, :math:`\log K` when everything falls on one mode.

These numbers mean little on their own: a blob that knows nothing of the modes scores well on
them. A Gaussian with the data's mean and covariance "captures" 17-19 of the grid's 25 modes
(1.2-1.5 % high quality), and a uniform box over the modes 21-23. :func:`chance_coverage`
measures those baselines, and turns them into a rule: **a mode counts as captured above chance
only if it received more high-quality samples than a chance sampler would give it except with
probability** ``alpha`` (a one-sided binomial test per mode; see :class:`ChanceCoverage`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import torch

__all__ = [
    "ChanceCoverage",
    "CoverageSummary",
    "ModeCoverage",
    "chance_coverage",
    "coverage_table",
    "mode_coverage",
    "summarize_coverage",
]

PROTOCOL_SAMPLES = 2500
"""The number of generated samples the protocol evaluates."""


@dataclass(frozen=True)
class ModeCoverage:
    """The three numbers of the protocol, and the histogram behind them."""

    modes_captured: int
    n_modes: int
    high_quality: float  # fraction of samples within `threshold` std of their nearest mode
    reverse_kl: float  # KL(histogram of high-quality samples' modes || uniform)
    counts: tuple[int, ...]  # high-quality samples nearest to each mode
    # modes whose count beats chance (see ChanceCoverage.above_chance); None without a baseline
    modes_above_chance: int | None = None

    def __str__(self) -> str:
        above = (
            "" if self.modes_above_chance is None else f" ({self.modes_above_chance} above chance)"
        )
        return (
            f"{self.modes_captured}/{self.n_modes} modes{above}, {100 * self.high_quality:.1f}% high "
            f"quality, reverse KL {self.reverse_kl:.3f}"
        )


def mode_coverage(
    samples: torch.Tensor, dist, threshold: float = 3.0, chance: ChanceCoverage | None = None
) -> ModeCoverage:
    """Mode coverage of ``samples`` ``[n, d]`` against a mixture ``dist`` (which knows its
    ``modes`` ``[K, d]`` and common ``std``).

    The protocol uses 2,500 samples; other counts are accepted (the fractions stay
    comparable, the number of captured modes does not). With no high-quality sample at
    all the histogram is undefined and the reverse KL is reported as ``inf``. With a
    ``chance`` baseline (:func:`chance_coverage` of the same ``dist``) the result also counts
    the modes captured above chance.
    """
    modes = getattr(dist, "modes", None)
    if modes is None:
        raise ValueError(f"{dist!r} has no modes to cover (a swiss roll is a curve, not a mixture)")
    if samples.dim() != 2 or samples.shape[1] != modes.shape[1]:
        raise ValueError(
            f"samples must be [n, {modes.shape[1]}] like the modes, got {tuple(samples.shape)}"
        )
    if samples.shape[0] == 0:
        raise ValueError("no samples given; the protocol draws 2,500")
    if not bool(torch.isfinite(samples).all()):
        raise ValueError("samples contain NaN or inf: the generator diverged")
    x = samples.detach().to(dtype=torch.float64)
    distances = torch.cdist(x, modes.to(x.device))  # [n, K]
    nearest_distance, nearest = distances.min(dim=1)
    good = nearest_distance <= threshold * dist.std
    k = modes.shape[0]
    counts = torch.bincount(nearest[good], minlength=k).cpu()
    n_good = int(counts.sum())
    if n_good == 0:
        reverse_kl = math.inf
    else:
        p = counts.double() / n_good
        reverse_kl = float(torch.xlogy(p, p * k).sum())
    result = ModeCoverage(
        modes_captured=int((counts > 0).sum()),
        n_modes=k,
        high_quality=n_good / x.shape[0],
        reverse_kl=max(reverse_kl, 0.0),
        counts=tuple(int(c) for c in counts),
    )
    if chance is None:
        return result
    if chance.n_modes != k or chance.threshold != threshold:
        raise ValueError(
            f"the chance baseline was measured for {chance.n_modes} modes at {chance.threshold} std, "
            f"not {k} at {threshold}: compute chance_coverage(dist) for this distribution"
        )
    return replace(result, modes_above_chance=chance.above_chance(result.counts, x.shape[0]))


def _moment_matched_gaussian(dist, n: int, generator: torch.Generator) -> torch.Tensor:
    r"""``n`` draws of the Gaussian with the mixture's mean and covariance (closed form:
    :math:`\mu = \sum_k w_k\mu_k`, :math:`\Sigma = \sum_k w_k(\sigma_k^2 I + \mu_k\mu_k^\top)
    - \mu\mu^\top`)."""
    w, modes, stds = dist.weights, dist.modes, dist.stds
    mean = w @ modes
    second = (w[:, None, None] * modes[:, :, None] * modes[:, None, :]).sum(0)
    cov = (
        second
        + float(w @ stds**2) * torch.eye(dist.dim, dtype=torch.float64)
        - torch.outer(mean, mean)
    )
    noise = torch.randn(n, dist.dim, generator=generator, dtype=torch.float64)
    return mean + noise @ torch.linalg.cholesky(cov).T


def _uniform_box(dist, n: int, generator: torch.Generator, threshold: float) -> torch.Tensor:
    """``n`` uniform draws from the smallest axis-aligned box holding every high-quality
    region (the modes' range widened by ``threshold`` standard deviations)."""
    reach = threshold * float(dist.stds.max())
    low, high = dist.modes.min(0).values - reach, dist.modes.max(0).values + reach
    return low + (high - low) * torch.rand(n, dist.dim, generator=generator, dtype=torch.float64)


CHANCE_SAMPLERS = {
    "moment-matched Gaussian": lambda dist, n, g, threshold: _moment_matched_gaussian(dist, n, g),
    "uniform box": _uniform_box,
}
"""The chance baselines: samplers that know where the data is, but not its modes."""


@dataclass(frozen=True)
class ChanceCoverage:
    r"""What samplers that know nothing of the modes score, and the rule built on it.

    ``baselines[name]`` holds the protocol's result for each seed (``n`` samples each): the
    baseline rows of a coverage table. ``mode_probability[k]`` is the largest probability, over
    the baselines, that one chance sample is a high-quality sample of mode k (estimated from
    ``probe`` draws per baseline).

    **The rule.** Under chance the number of high-quality samples at mode k among N is
    binomial, :math:`C_k \sim \mathrm{Bin}(N, p_k)`. Mode k counts as *captured above chance*
    when its count :math:`c_k` is at least the smallest :math:`t_k` with
    :math:`P(C_k \ge t_k) \le lpha` (and at least 1): a chance sampler passes a given mode
    with probability at most :math:`lpha` (default :math:`10^{-3}`, so a blob passes none of
    25 modes with probability about 0.975).
    """

    n_modes: int
    n: int
    threshold: float
    alpha: float
    mode_probability: tuple[float, ...]
    baselines: dict[str, tuple[ModeCoverage, ...]]

    def count_thresholds(self, n_samples: int) -> tuple[int, ...]:
        """:math:`t_k` for ``n_samples`` evaluated samples."""
        from scipy.stats import binom

        # binom.isf(alpha, N, p) is the smallest c with P(C > c) <= alpha, so P(C >= c + 1) <= alpha
        return tuple(
            max(1, int(binom.isf(self.alpha, n_samples, p)) + 1) for p in self.mode_probability
        )

    def above_chance(
        self, counts: tuple[int, ...] | list[int], n_samples: int | None = None
    ) -> int:
        """How many modes have more high-quality samples than chance explains: ``counts`` are
        the per-mode high-quality counts (:attr:`ModeCoverage.counts`) among ``n_samples``
        evaluated samples (default ``n``)."""
        if len(counts) != self.n_modes:
            raise ValueError(f"need {self.n_modes} per-mode counts, got {len(counts)}")
        needed = self.count_thresholds(self.n if n_samples is None else n_samples)
        return sum(int(c >= t) for c, t in zip(counts, needed, strict=True))

    def summary(self, name: str) -> tuple[float, float, float]:
        """Mean over seeds of a baseline's modes captured, high-quality fraction and reverse KL."""
        rows = self.baselines[name]
        finite = [r.reverse_kl for r in rows if math.isfinite(r.reverse_kl)]
        return (
            sum(r.modes_captured for r in rows) / len(rows),
            sum(r.high_quality for r in rows) / len(rows),
            sum(finite) / len(finite) if finite else math.inf,
        )

    def __str__(self) -> str:
        lines = []
        for name in self.baselines:
            modes, hq, kl = self.summary(name)
            lines.append(
                f"chance ({name}): {modes:.1f}/{self.n_modes} modes, {100 * hq:.1f}% high quality, "
                f"reverse KL {kl:.3f}"
            )
        return "\n".join(lines)


def chance_coverage(
    dist,
    n: int = PROTOCOL_SAMPLES,
    seeds: tuple[int, ...] | list[int] = (0, 1, 2, 3, 4),
    threshold: float = 3.0,
    alpha: float = 1e-3,
    probe: int = 400_000,
) -> ChanceCoverage:
    """The chance level of the mode-coverage protocol on ``dist``: a moment-matched Gaussian and
    a uniform box, ``n`` samples per seed; see :class:`ChanceCoverage` for the rule it defines.

    Seeded and computed on the CPU in float64, so the same call gives the same numbers."""
    if n <= 0 or not seeds:
        raise ValueError(f"need n > 0 samples and at least one seed, got n={n}, seeds={seeds}")
    if not 0 < alpha < 1:
        raise ValueError(f"alpha is a probability in (0, 1), got {alpha}")
    modes = getattr(dist, "modes", None)
    if modes is None:
        raise ValueError(f"{dist!r} has no modes to cover (a swiss roll is a curve, not a mixture)")
    baselines: dict[str, tuple[ModeCoverage, ...]] = {}
    probability = torch.zeros(dist.n_modes, dtype=torch.float64)
    for index, (name, sampler) in enumerate(CHANCE_SAMPLERS.items()):
        rows = []
        for seed in seeds:
            g = torch.Generator().manual_seed(int(seed))
            rows.append(mode_coverage(sampler(dist, n, g, threshold), dist, threshold))
        baselines[name] = tuple(rows)
        g = torch.Generator().manual_seed(10_000 + index)  # a stream apart from the seeds
        big = mode_coverage(sampler(dist, probe, g, threshold), dist, threshold)
        probability = torch.maximum(
            probability, torch.tensor(big.counts, dtype=torch.float64) / probe
        )
    return ChanceCoverage(
        n_modes=dist.n_modes,
        n=n,
        threshold=threshold,
        alpha=alpha,
        mode_probability=tuple(float(p) for p in probability),
        baselines=baselines,
    )


@dataclass(frozen=True)
class CoverageSummary:
    """Mean and standard deviation over seeds of the protocol's numbers (reverse KL over the
    seeds where it is finite; ``modes_above_chance`` is NaN if no baseline was given)."""

    n_modes: int
    n_seeds: int
    modes: tuple[float, float]
    modes_above_chance: tuple[float, float]
    all_modes_above_chance: int  # seeds whose every mode is above chance
    high_quality: tuple[float, float]
    reverse_kl: tuple[float, float]


def _mean_sd(values: list[float]) -> tuple[float, float]:
    if not values:
        return math.nan, math.nan
    mean = sum(values) / len(values)
    return mean, math.sqrt(sum((v - mean) ** 2 for v in values) / len(values))


def summarize_coverage(results) -> CoverageSummary:
    """Summarise the :class:`ModeCoverage` of several seeds of one setting."""
    results = list(results)
    if not results:
        raise ValueError("no results to summarise")
    above = [r.modes_above_chance for r in results if r.modes_above_chance is not None]
    return CoverageSummary(
        n_modes=results[0].n_modes,
        n_seeds=len(results),
        modes=_mean_sd([r.modes_captured for r in results]),
        modes_above_chance=_mean_sd(above) if len(above) == len(results) else (math.nan, math.nan),
        all_modes_above_chance=sum(a == results[0].n_modes for a in above),
        high_quality=_mean_sd([100 * r.high_quality for r in results]),
        reverse_kl=_mean_sd([r.reverse_kl for r in results if math.isfinite(r.reverse_kl)]),
    )


def coverage_table(results: dict, chance: ChanceCoverage | None = None) -> str:
    """A coverage table: one row per setting (``{name: [ModeCoverage per seed]}``), mean ± sd
    over seeds, and — first — the chance baselines' rows. "above chance" counts only modes that
    pass the rule of :class:`ChanceCoverage`; "all" is the number of seeds with every mode above
    chance."""
    header = (
        f"{'setting':34s} {'seeds':>5s} {'modes (raw)':>13s} {'above chance':>14s} {'all':>5s} "
        f"{'high quality %':>15s} {'reverse KL':>12s}"
    )
    lines = [header]
    if chance is not None:
        for name, rows in chance.baselines.items():
            s = summarize_coverage(
                replace(r, modes_above_chance=chance.above_chance(r.counts, chance.n)) for r in rows
            )
            lines.append(_row(f"chance: {name}", s))
    for name, rows in results.items():
        lines.append(_row(str(name), summarize_coverage(rows)))
    return "\n".join(lines)


def _row(name: str, s: CoverageSummary) -> str:
    above = (
        "      -      "
        if math.isnan(s.modes_above_chance[0])
        else f"{s.modes_above_chance[0]:5.1f} ±{s.modes_above_chance[1]:4.1f}  "
    )
    kl = "inf" if math.isnan(s.reverse_kl[0]) else f"{s.reverse_kl[0]:.2f} ±{s.reverse_kl[1]:.2f}"
    return (
        f"{name:34s} {s.n_seeds:5d} {s.modes[0]:5.1f} ±{s.modes[1]:4.1f}/{s.n_modes:<2d}"
        f" {above} {s.all_modes_above_chance:4d}  {s.high_quality[0]:7.1f} ±{s.high_quality[1]:5.1f}"
        f" {kl:>12s}"
    )
