r"""Closed forms and numerics behind notebooks 01 and 02.

Densities are tensors evaluated on a 1-D grid ``x`` of uniform spacing :math:`h`. Every
integral uses the **trapezoid rule**

.. math:: \int f(x)\,dx \approx h\Big(\tfrac12 f_0 + f_1 + \dots + f_{n-2} + \tfrac12 f_{n-1}\Big),

which is exact to rounding for densities that vanish at both ends of a grid with many
points per standard deviation. Everything is computed in float64.

Zeros are handled as the mathematics says, not smoothed away: :math:`0 \log 0 = 0`;
:math:`\mathrm{KL}(p\,\|\,q) = \infty` as soon as :math:`p > 0` in a gap of :math:`q`'s support
(an underflowed tail is not a gap: see below); the Jensen–Shannon divergence is always finite
and at most :math:`\log 2`.

**Underflow.** Float64 has no number between 0 and :math:`2^{-1074} \approx 4.9 \times 10^{-324}`:
a Gaussian density reads exactly 0 beyond about 38.6 standard deviations, and below the
smallest normal number :math:`2^{-1022} \approx 2.2 \times 10^{-308}` it keeps only a few
digits. So on a wide grid a density can read 0 where the other is a tiny positive number,
and :math:`m = (p + q)/2` can round to 0 where :math:`p > 0`. ``js_divergence`` never divides
by :math:`m` and has a bounded integrand; ``kl_divergence`` tells an underflowed tail of
:math:`q` from a genuine gap in its support (see its docstring). Both also accept
**log-densities** (``log_densities=True``, :math:`-\infty` for a true zero), with which
nothing can underflow (``gaussian_log_pdf``).

Notation (as in the notebooks): :math:`p_\text{data}` the data density, :math:`p_g` the
generator's, :math:`D(x) \in [0, 1]` the discriminator's probability that :math:`x` is real.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F

__all__ = [
    "LOG2",
    "bilinear_game",
    "gan_value",
    "gaussian_kl",
    "gaussian_log_pdf",
    "gaussian_pdf",
    "gaussian_w1_shift",
    "generator_logit_gradient",
    "integrate",
    "js_divergence",
    "kl_divergence",
    "optimal_discriminator",
    "total_variation",
    "wasserstein1",
    "wasserstein1_assignment",
    "wasserstein1_samples_1d",
]

LOG2 = math.log(2.0)
_NORMALISATION_TOL = 1e-3
# A density that is below 2**-511 = sqrt(smallest normal) next to a run of its zeros was fading
# out of float64's range there, not jumping to 0 at the edge of its support. A Gaussian is below
# 2**-511 from 26.6 standard deviations and 0 from 38.6, so on any grid with a step below 12
# standard deviations its last value before the zeros lies in that window.
_UNDERFLOW_EDGE = 2.0**-511
# An underflowed value of q is somewhere in [0, 2**-1075); q = 2**-1075 gives the least an
# underflowed point can add to the KL. If even that is not negligible against the result, the
# density arrays cannot give the KL and we say so instead of returning a wrong number.
_LOG_UNDERFLOW_Q = -1075 * math.log(2.0)  # log 2**-1075 (too small to be a float64)
_UNDERFLOW_REL_TOL = 1e-9


def _as64(t, name: str, allow_minus_inf: bool = False) -> torch.Tensor:
    t = torch.as_tensor(t, dtype=torch.float64)
    if t.dim() != 1:
        raise ValueError(
            f"{name} must be a 1-D tensor of values on the grid, got shape {tuple(t.shape)}"
        )
    allowed = torch.isfinite(t) | (t == -math.inf) if allow_minus_inf else torch.isfinite(t)
    if not bool(allowed.all()):
        what = "NaN or +inf" if allow_minus_inf else "NaN or infinite values"
        raise ValueError(f"{name} contains {what}")
    return t


def _spacing(x: torch.Tensor) -> float:
    """The grid spacing h; the grid must be increasing and uniform."""
    x = _as64(x, "x")
    if x.numel() < 2:
        raise ValueError(f"the grid x needs at least 2 points, got {x.numel()}")
    steps = torch.diff(x)
    h = float(steps.mean())
    if h <= 0 or not bool((steps > 0).all()):
        raise ValueError("the grid x must be strictly increasing")
    if float((steps - h).abs().max()) > 1e-6 * h:
        raise ValueError(
            "the grid x must be uniform (use torch.linspace); its spacing varies from "
            f"{float(steps.min()):.3g} to {float(steps.max()):.3g}"
        )
    return h


def _density(p, x: torch.Tensor, name: str, normalised: bool) -> torch.Tensor:
    p = _as64(p, name)
    _check_density(p, x, name, normalised)
    return p


def _log_density(log_p, x: torch.Tensor, name: str) -> tuple[torch.Tensor, torch.Tensor]:
    """(density, log-density) from a log-density on the grid (-inf marks a true zero)."""
    log_p = _as64(log_p, name, allow_minus_inf=True)
    p = torch.exp(log_p)
    _check_density(p, x, name, normalised=True)
    return p, log_p


def _check_density(p: torch.Tensor, x: torch.Tensor, name: str, normalised: bool) -> None:
    if p.shape != x.shape:
        raise ValueError(
            f"{name} has {p.numel()} values but the grid x has {x.numel()}: evaluate it on x"
        )
    if bool((p < 0).any()):
        raise ValueError(
            f"{name} is negative somewhere (min {float(p.min()):.3g}); a density is >= 0"
        )
    if normalised:
        mass = integrate(p, x)
        if abs(mass - 1.0) > _NORMALISATION_TOL:
            raise ValueError(
                f"{name} integrates to {mass:.6f} on this grid, not 1: widen the grid so the density "
                "vanishes at both ends, refine it, or normalise the density"
            )


def integrate(f, x) -> float:
    r"""Trapezoid-rule integral :math:`\int f\,dx` on the uniform grid ``x``."""
    x = _as64(x, "x")
    _spacing(x)
    f = _as64(f, "f")
    if f.shape != x.shape:
        raise ValueError(f"f has {f.numel()} values but the grid x has {x.numel()}")
    return float(torch.trapezoid(f, x))


def gaussian_pdf(x, mu: float = 0.0, sigma: float = 1.0) -> torch.Tensor:
    r""":math:`\mathcal N(x; \mu, \sigma^2) = e^{-(x-\mu)^2 / 2\sigma^2} / \sqrt{2\pi}\sigma` (float64)."""
    if sigma <= 0:
        raise ValueError(f"sigma must be positive, got {sigma}")
    x = torch.as_tensor(x, dtype=torch.float64)
    return torch.exp(-0.5 * ((x - mu) / sigma) ** 2) / (math.sqrt(2 * math.pi) * sigma)


def gaussian_log_pdf(x, mu: float = 0.0, sigma: float = 1.0) -> torch.Tensor:
    r""":math:`\log \mathcal N(x; \mu, \sigma^2) = -\tfrac12 \big((x-\mu)/\sigma\big)^2
    - \log(\sqrt{2\pi}\,\sigma)` (float64): finite at any distance, where the density itself
    underflows to 0 beyond about 38.6 standard deviations."""
    if sigma <= 0:
        raise ValueError(f"sigma must be positive, got {sigma}")
    x = torch.as_tensor(x, dtype=torch.float64)
    return -0.5 * ((x - mu) / sigma) ** 2 - math.log(math.sqrt(2 * math.pi) * sigma)


def optimal_discriminator(p_data, p_g, logit: bool = False) -> torch.Tensor:
    r"""The best discriminator for a fixed generator, pointwise:

    .. math:: D^*(x) = \frac{p_\text{data}(x)}{p_\text{data}(x) + p_g(x)}
              = \sigma\big(a^*(x)\big), \qquad a^*(x) = \log \frac{p_\text{data}(x)}{p_g(x)}.

    With ``logit=True`` it returns the logit :math:`a^*` (the log density ratio, which is
    what a discriminator trained with a logistic loss learns), :math:`\pm\infty` where one
    density vanishes. Prefer it in float arithmetic: where :math:`p_g / p_\text{data} < 2^{-53}
    \approx 1.1 \times 10^{-16}`, :math:`D^*` rounds to exactly 1 and :math:`\log(1 - D^*)` to
    :math:`-\infty`, while the logit stays finite. (The other way round is harmless: a small
    :math:`D^*` keeps its digits down to :math:`10^{-308}`.)

    Where both densities vanish every value of :math:`D` is optimal (that point carries no
    weight in :math:`V`); we return 1/2 there (logit 0).
    """
    p_data = _as64(p_data, "p_data")
    p_g = _as64(p_g, "p_g")
    if p_data.shape != p_g.shape:
        raise ValueError(
            f"p_data and p_g must have the same shape, got {tuple(p_data.shape)} and {tuple(p_g.shape)}"
        )
    if bool((p_data < 0).any()) or bool((p_g < 0).any()):
        raise ValueError("densities must be >= 0")
    total = p_data + p_g
    if logit:
        return torch.where(total > 0, torch.log(p_data) - torch.log(p_g), 0.0)
    return torch.where(total > 0, p_data / torch.where(total > 0, total, 1.0), 0.5)


def gan_value(p_data, p_g, d, x, logit: bool = False) -> float:
    r"""The value of the GAN game for a discriminator ``d`` given on the grid:

    .. math:: V(G, D) = \int p_\text{data}(x) \log D(x) + p_g(x) \log\big(1 - D(x)\big)\,dx,

    with :math:`0 \log 0 = 0`; :math:`-\infty` if :math:`D = 0` where :math:`p_\text{data} > 0`
    (or :math:`D = 1` where :math:`p_g > 0`). With ``logit=True``, ``d`` holds the logit
    :math:`a` of :math:`D = \sigma(a)` and the logs are taken stably,
    :math:`\log D = -\operatorname{softplus}(-a)`, :math:`\log(1 - D) = -\operatorname{softplus}(a)`.
    """
    x = _as64(x, "x")
    _spacing(x)
    p_data = _density(p_data, x, "p_data", normalised=True)
    p_g = _density(p_g, x, "p_g", normalised=True)
    d = torch.as_tensor(d, dtype=torch.float64)
    if d.shape != x.shape:
        raise ValueError(f"d has {d.numel()} values but the grid x has {x.numel()}")
    if torch.isnan(d).any():
        raise ValueError("d contains NaN values")
    if logit:
        log_d, log_1md = -F.softplus(-d), -F.softplus(d)
    else:
        if bool((d < 0).any()) or bool((d > 1).any()):
            raise ValueError(
                "d must be a probability in [0, 1] at every point (or pass logit=True)"
            )
        log_d, log_1md = torch.log(d), torch.log1p(-d)
    # 0 log 0 = 0: a point where a density vanishes contributes nothing, whatever D is there.
    integrand = torch.where(p_data > 0, p_data * log_d, 0.0) + torch.where(
        p_g > 0, p_g * log_1md, 0.0
    )
    if bool(torch.isinf(integrand).any()):
        return -math.inf
    return float(torch.trapezoid(integrand, x))


def _pair(p, q, x, log_densities: bool):
    """Validated (x, p, q, log p, log q) on the grid; the logs only for log-density input."""
    x = _as64(x, "x")
    _spacing(x)
    if log_densities:
        p, log_p = _log_density(p, x, "log p")
        q, log_q = _log_density(q, x, "log q")
        return x, p, q, log_p, log_q
    p = _density(p, x, "p", normalised=True)
    q = _density(q, x, "q", normalised=True)
    return x, p, q, None, None


def _underflowed_zeros(q: torch.Tensor) -> torch.Tensor:
    """The zeros of q that are an **underflowed tail**, not a gap in q's support.

    A run of zeros is an underflowed tail when q next to it (on each side where the grid goes
    on) is below 2**-511: q was fading smoothly out of float64's range. A genuine gap is entered
    by a jump from an ordinary value (the edge of a box, a truncation).
    """
    zero = q == 0
    if not bool(zero.any()):
        return zero
    n = q.numel()
    index = torch.arange(n)
    begins = zero & torch.cat([torch.tensor([True]), ~zero[:-1]])
    run = torch.cumsum(begins, 0) - 1  # which run of zeros each point belongs to
    first = index[begins]
    last = torch.zeros_like(first).scatter_reduce_(
        0, run[zero], index[zero], reduce="amax", include_self=False
    )
    # the value of q just outside each run; a run that reaches the end of the grid has none there
    left = torch.where(first > 0, q[(first - 1).clamp(min=0)], 0.0)
    right = torch.where(last < n - 1, q[(last + 1).clamp(max=n - 1)], 0.0)
    fading = (left < _UNDERFLOW_EDGE) & (right < _UNDERFLOW_EDGE)
    return zero & fading[run.clamp(min=0)]


def kl_divergence(p, q, x, log_densities: bool = False) -> float:
    r""":math:`\mathrm{KL}(p\,\|\,q) = \int p(x) \log \frac{p(x)}{q(x)}\,dx`, infinite if
    :math:`p > 0 = q` on a part of the grid.

    It integrates :math:`p \log(p/q) - p + q`, which has the same integral for normalised
    densities but is :math:`\ge 0` at every point, so rounding cannot make the result negative
    and nothing is clipped.

    **Zeros of q.** A float64 density reads exactly 0 both where it truly vanishes and where
    its tail has merely underflowed (a Gaussian, beyond ~38.6 standard deviations). A run of
    zeros of :math:`q` entered by a jump (a box edge, a truncation) is a gap in the support:
    if :math:`p > 0` there, the KL is :math:`\infty`. A run that :math:`q` enters by fading
    below :math:`2^{-511}` is an underflowed tail: there the true :math:`q` lies in
    :math:`[0, 2^{-1075})`, and we use :math:`2^{-1075}`, the least that such a point can add.
    If that least share is not negligible (above :math:`10^{-9}` of the result, e.g.
    :math:`\mathrm{KL}(\mathcal N(0,1)\,\|\,\mathcal N(0, 0.1^2))`, where :math:`q` underflows
    while :math:`p \approx 10^{-4}`) the density arrays cannot give the KL: a ``ValueError``
    asks for log-densities. The rule reads arrays, not intentions: a gap that :math:`q` enters
    from below :math:`2^{-511}` (a Gaussian truncated beyond 26.6 standard deviations) is taken
    for underflow. With ``log_densities=True``, ``p`` and ``q`` are :math:`\log p, \log q`
    (:math:`-\infty` for a true zero) and nothing can underflow or be mistaken.
    """
    x, p, q, log_p, log_q = _pair(p, q, x, log_densities)
    underflowed = None
    if log_densities:
        has_p = log_p > -math.inf  # p > 0, even where exp(log p) underflowed
        if bool((has_p & (log_q == -math.inf)).any()):
            return math.inf
        p_log_ratio = torch.where(has_p, p * (log_p - log_q), 0.0)
    else:
        zero_q = (p > 0) & (q == 0)
        if bool(zero_q.any()):
            underflowed = _underflowed_zeros(q) & zero_q
            if not torch.equal(underflowed, zero_q):
                return math.inf  # a genuine gap in q's support where p has mass
        # xlogy keeps 0 log 0 = 0 (and, unlike torch.log, runs one thread on small grids)
        p_log_q = torch.xlogy(p, q)
        if underflowed is not None:
            p_log_q = torch.where(underflowed, p * _LOG_UNDERFLOW_Q, p_log_q)
        p_log_ratio = torch.xlogy(p, p) - p_log_q
    integrand = (p_log_ratio - p + q).clamp(min=0.0)  # >= 0 exactly; below 0 is rounding
    value = float(torch.trapezoid(integrand, x))
    if underflowed is not None:
        least = float(torch.trapezoid(torch.where(underflowed, integrand, 0.0), x))
        if least > _UNDERFLOW_REL_TOL * max(1.0, value - least):
            raise ValueError(
                f"q underflows to 0 where p still has mass (its tail adds at least {least:.3g} "
                f"to a KL of about {value - least:.6g}): float64 densities cannot give this KL; "
                "pass log-densities, e.g. kl_divergence(gaussian_log_pdf(x, ...), "
                "gaussian_log_pdf(x, ...), x, log_densities=True)"
            )
    return value


def js_divergence(p, q, x, log_densities: bool = False) -> float:
    r"""The Jensen–Shannon divergence, with :math:`m = (p + q)/2`:

    .. math:: \mathrm{JSD}(p\,\|\,q) = \tfrac12 \mathrm{KL}(p\,\|\,m) + \tfrac12 \mathrm{KL}(q\,\|\,m)
              \in [0, \log 2].

    Computed without dividing by :math:`m` (which underflows to 0 where :math:`p` is the
    smallest subnormal and :math:`q = 0`). With :math:`s = p + q` and
    :math:`\delta = (p - q)/s \in [-1, 1]` the integrand is

    .. math:: \tfrac12\Big(p \log\frac{p}{m} + q \log\frac{q}{m}\Big) = \frac{s}{4}\, g(\delta),
              \qquad g(\delta) = (1+\delta)\log(1+\delta) + (1-\delta)\log(1-\delta)
              \in [0, 2\log 2],

    finite everywhere; :math:`g = 2\delta \operatorname{artanh}\delta + \log(1 - \delta^2)` is
    used for :math:`|\delta| < 1/2`, where it keeps its digits for nearly equal densities.
    Disjoint supports give :math:`|\delta| = 1` everywhere and exactly :math:`\log 2`. As the
    integrand is at most :math:`\tfrac12 s \log 2`, the sum can pass :math:`\log 2` only by
    the grid's normalisation error (at most :math:`10^{-3} \log 2`); only that excess is
    clipped. With ``log_densities=True``, ``p`` and ``q`` are log-densities.
    """
    x, p, q, log_p, log_q = _pair(p, q, x, log_densities)
    if log_densities:
        log_s = torch.logaddexp(log_p, log_q)
        some = log_s > -math.inf
        s = torch.exp(log_s)
        delta = torch.where(some, torch.tanh(0.5 * (log_p - log_q)), 0.0)
        one_plus = torch.where(some, 2 * torch.exp(log_p - log_s), 1.0)
        one_minus = torch.where(some, 2 * torch.exp(log_q - log_s), 1.0)
    else:
        s = p + q
        some = s > 0
        safe_s = torch.where(some, s, 1.0)
        delta = torch.where(some, (p - q) / safe_s, 0.0)
        one_plus, one_minus = 2 * p / safe_s, 2 * q / safe_s  # 1 + delta, 1 - delta, unrounded
    small = delta.abs() < 0.5
    inner = torch.where(small, delta, 0.0)
    g = torch.where(
        small,
        # log(1 - d^2) = -2 artanh(d^2 / (2 - d^2)): accurate for small d, and artanh, unlike
        # log1p, runs one thread on small grids
        2 * inner * torch.atanh(inner) - 2 * torch.atanh(inner**2 / (2 - inner**2)),
        torch.xlogy(one_plus, one_plus) + torch.xlogy(one_minus, one_minus),
    ).clamp(0.0, 2 * LOG2)
    integrand = torch.where(some, 0.25 * s * g, 0.0)
    return min(float(torch.trapezoid(integrand, x)), LOG2)


def total_variation(p, q, x) -> float:
    r""":math:`\delta(p, q) = \tfrac12 \int |p(x) - q(x)|\,dx \in [0, 1]`."""
    x = _as64(x, "x")
    _spacing(x)
    p = _density(p, x, "p", normalised=True)
    q = _density(q, x, "q", normalised=True)
    return float(0.5 * torch.trapezoid((p - q).abs(), x))


def _cdf(p: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
    """Cumulative trapezoid integral, starting at 0 at the first grid point."""
    return torch.cat([p.new_zeros(1), torch.cumulative_trapezoid(p, x)])


def wasserstein1(p, q, x) -> float:
    r"""The earth mover's distance in one dimension, through the CDFs :math:`F_p, F_q`:

    .. math:: W_1(p, q) = \int |F_p(x) - F_q(x)|\,dx.
    """
    x = _as64(x, "x")
    _spacing(x)
    p = _density(p, x, "p", normalised=True)
    q = _density(q, x, "q", normalised=True)
    return float(torch.trapezoid((_cdf(p, x) - _cdf(q, x)).abs(), x))


def wasserstein1_samples_1d(x, y) -> float:
    r"""Exact :math:`W_1` between two 1-D empirical distributions (uniform weights; any sizes),

    .. math:: W_1(\hat P, \hat Q) = \int |F_{\hat P}(t) - F_{\hat Q}(t)|\,dt,

    evaluated exactly: both empirical CDFs are step functions, constant between consecutive
    points of the merged sample. (For equal sizes it equals the mean of
    :math:`|x_{(i)} - y_{(i)}|` over the sorted samples: sorting is the optimal plan in 1-D.)
    """
    x = _as64(torch.as_tensor(x).flatten(), "x")
    y = _as64(torch.as_tensor(y).flatten(), "y")
    if x.numel() == 0 or y.numel() == 0:
        raise ValueError("both samples must be non-empty")
    points = torch.sort(torch.cat([x, y])).values
    f_x = torch.searchsorted(torch.sort(x).values, points[:-1], right=True).double() / x.numel()
    f_y = torch.searchsorted(torch.sort(y).values, points[:-1], right=True).double() / y.numel()
    return float(((f_x - f_y).abs() * points.diff()).sum())


def wasserstein1_assignment(x, y, return_plan: bool = False):
    r"""Exact :math:`W_1` between two point clouds of **equal size** n (uniform weights) in any
    dimension: with equal masses an optimal transport plan is a permutation (Birkhoff), so

    .. math:: W_1 = \min_{\pi \in S_n} \frac1n \sum_i \|x_i - y_{\pi(i)}\|_2,

    a linear assignment problem (``scipy.optimize.linear_sum_assignment``, O(n³): fine to a few
    thousand points). Samples ``[n, ...]`` are flattened per sample. With ``return_plan`` also
    returns π as a tensor of indices into ``y``.
    """
    from scipy.optimize import linear_sum_assignment

    x, y = torch.as_tensor(x, dtype=torch.float64), torch.as_tensor(y, dtype=torch.float64)
    if not (bool(torch.isfinite(x).all()) and bool(torch.isfinite(y).all())):
        raise ValueError("the samples contain NaN or infinite values")
    if x.shape != y.shape or x.dim() < 1 or x.shape[0] == 0:
        raise ValueError(
            f"need two non-empty samples of one shape, got {tuple(x.shape)} and {tuple(y.shape)}; "
            "subsample the larger one to equal size"
        )
    x = x.reshape(len(x), -1) if x.dim() > 1 else x[:, None]
    y = y.reshape(len(y), -1) if y.dim() > 1 else y[:, None]
    cost = torch.cdist(x, y, compute_mode="donot_use_mm_for_euclid_dist").cpu().numpy()
    rows, cols = linear_sum_assignment(cost)
    value = float(cost[rows, cols].mean())
    if return_plan:
        return value, torch.as_tensor(cols)
    return value


def gaussian_kl(mu1: float, s1: float, mu2: float, s2: float) -> float:
    r""":math:`\mathrm{KL}\big(\mathcal N(\mu_1, s_1^2)\,\|\,\mathcal N(\mu_2, s_2^2)\big)
    = \log\frac{s_2}{s_1} + \frac{s_1^2 + (\mu_1 - \mu_2)^2}{2 s_2^2} - \frac12`."""
    if s1 <= 0 or s2 <= 0:
        raise ValueError(f"standard deviations must be positive, got {s1}, {s2}")
    return math.log(s2 / s1) + (s1**2 + (mu1 - mu2) ** 2) / (2 * s2**2) - 0.5


def gaussian_w1_shift(mu: float) -> float:
    r""":math:`W_1\big(\mathcal N(m, s^2), \mathcal N(m + \mu, s^2)\big) = |\mu|`: shifting a
    distribution by :math:`\mu` moves every grain of earth by :math:`|\mu|`, and no plan does better."""
    return abs(float(mu))


_GENERATOR_LOSSES = ("minimax", "nonsaturating")


def generator_logit_gradient(d_of_gz, loss: str) -> torch.Tensor:
    r"""The derivative of the generator's loss with respect to the discriminator's logit
    :math:`a` at a fake sample, as a function of :math:`D(G(z)) = \sigma(a)`:

    * ``"minimax"``: the generator minimises :math:`\log(1 - D)`;
      :math:`\partial_a \log(1 - \sigma(a)) = -\sigma(a) = -D`, which **vanishes** as
      :math:`D(G(z)) \to 0`, exactly when the discriminator confidently rejects the fakes
      (early in training);
    * ``"nonsaturating"``: the generator minimises :math:`-\log D`;
      :math:`\partial_a (-\log \sigma(a)) = -(1 - \sigma(a)) = -(1 - D)`, close to
      :math:`-1` there.

    Every gradient that reaches the generator's weights is this factor times
    :math:`\partial a / \partial \theta_G`, so it scales them all.
    """
    if loss not in _GENERATOR_LOSSES:
        raise ValueError(f"loss must be one of {_GENERATOR_LOSSES}, got {loss!r}")
    d = torch.as_tensor(d_of_gz, dtype=torch.float64)
    if bool((d < 0).any()) or bool((d > 1).any()):
        raise ValueError("D(G(z)) must be a probability in [0, 1]")
    return -d if loss == "minimax" else -(1 - d)


def bilinear_game(
    x0: float, y0: float, lr: float, steps: int, alternating: bool = False
) -> torch.Tensor:
    r"""Gradient play on :math:`\min_x \max_y f(x, y) = xy` (the simplest zero-sum game;
    its only equilibrium is :math:`(0, 0)`).

    Simultaneous steps: :math:`x_{t+1} = x_t - \eta y_t,\ y_{t+1} = y_t + \eta x_t`, a rotation
    scaled by :math:`\sqrt{1 + \eta^2}` — the iterates spiral **outward**, with
    :math:`\|(x_t, y_t)\| = (1 + \eta^2)^{t/2} \|(x_0, y_0)\|`.
    Alternating steps use the new :math:`x` in :math:`y`'s update,
    :math:`y_{t+1} = y_t + \eta x_{t+1}`; that map has determinant 1 and, for
    :math:`\eta < 2`, keeps :math:`x^2 + y^2 - \eta xy` constant: the iterates cycle forever.

    Returns the trajectory, float64 ``[steps + 1, 2]``.
    """
    if steps < 0 or lr <= 0:
        raise ValueError(f"need steps >= 0 and lr > 0, got {steps}, {lr}")
    path = torch.empty(steps + 1, 2, dtype=torch.float64)
    x, y = float(x0), float(y0)
    path[0, 0], path[0, 1] = x, y
    for t in range(1, steps + 1):
        if alternating:
            x = x - lr * y
            y = y + lr * x
        else:
            x, y = x - lr * y, y + lr * x
        path[t, 0], path[t, 1] = x, y
    return path
