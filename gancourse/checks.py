r"""Checks for the notebooks' exercises: a learner's function against the verified one.

Every exercise in the notebooks asks for a function whose checked counterpart lives in this
package (or, for layer shapes, in torch itself). ``checks.<exercise>(your_function)`` calls
yours and ours on the same random and edge-case inputs — extreme logits, zero densities,
odd shapes, parallel vectors — and, when they disagree, says *what* is wrong in words
("your loss is inf at logit −200: use softplus, not log(sigmoid)") rather than only *that*
it is wrong. When they agree it prints one line and returns ``None``.

A failing check raises :class:`ExerciseFailed` (an ``AssertionError``, so otter-grader and
pytest count it as a failed test). The checks draw every random number from their own seeded
generator inside :func:`torch.random.fork_rng`, so running one never changes the numbers the
rest of a notebook prints. ``tests/test_checks.py`` keeps, for every check, a catalogue of
known-wrong implementations (sign flips, sigmoid-then-log, sum for mean, a missing ``detach``,
lerp for slerp, a biased MMD, …) and asserts that the check rejects each one.
"""

from __future__ import annotations

import functools
import math
import operator
from collections.abc import Callable

import torch
import torch.nn.functional as F
from torch import nn

from . import energy_losses, losses, theory
from .latent import slerp as _slerp
from .metrics.fid import fid_from_stats
from .metrics.kid import polynomial_kernel
from .metrics.precision_recall import precision_recall as _precision_recall
from .operator_norms import power_iteration_sigma
from .regularizers import input_gradient_norms, weight_clipping

__all__ = [
    "ExerciseFailed",
    "acgan_class_loss",
    "began_k_update",
    "clip_weights",
    "conv_transpose_side",
    "discriminator_loss",
    "discriminator_step_loss",
    "ebgan_d_loss",
    "fid_from_statistics",
    "infogan_categorical_bound",
    "js_divergence",
    "kl_divergence",
    "mmd2_unbiased",
    "nonsaturating_g_loss",
    "optimal_discriminator",
    "power_iteration",
    "precision_recall",
    "projection_logit",
    "pulling_away_term",
    "slerp",
    "wgan_gp_penalty",
]


class ExerciseFailed(AssertionError):
    """Your function disagrees with the verified one; the message says where and why."""


# --------------------------------------------------------------------------------------------
# shared machinery


def _exercise(check: Callable) -> Callable:
    """Run ``check(fn)`` with its own seeded random numbers, leaving the caller's untouched, and
    print one line when it passes."""

    @functools.wraps(check)
    def run(fn: Callable) -> None:
        if not callable(fn):
            raise ExerciseFailed(
                f"checks.{check.__name__} needs your function itself, got {type(fn).__name__}: "
                f"call checks.{check.__name__}(my_function), without parentheses after its name"
            )
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(0)
            passed = check(fn)
        print(f"✓ {check.__name__}: {passed}")

    return run


def _call(fn: Callable, *args, **kwargs):
    name = getattr(fn, "__name__", "your function")
    try:
        return fn(*args, **kwargs)
    except NotImplementedError:
        raise ExerciseFailed(
            f"{name} is not written yet: replace `raise NotImplementedError` with your code"
        ) from None


def _as_tensor(value, what: str) -> torch.Tensor:
    if value is None:
        raise ExerciseFailed(f"{what} returned None: did you forget `return`?")
    if isinstance(value, torch.Tensor):
        return value
    try:
        return torch.as_tensor(value, dtype=torch.float64)
    except (TypeError, ValueError, RuntimeError):
        raise ExerciseFailed(
            f"{what} returned a {type(value).__name__}; return a number or a torch tensor"
        ) from None


def _scalar(value, what: str) -> float:
    t = _as_tensor(value, what)
    if t.numel() != 1:
        raise ExerciseFailed(
            f"{what} returned shape {tuple(t.shape)}; it should be one number: average (or "
            "integrate) over all points"
        )
    return float(t.detach())


def _close(got: float, want: float, rtol: float = 1e-5, atol: float = 1e-7) -> bool:
    if math.isinf(want):
        return got == want
    return math.isfinite(got) and abs(got - want) <= atol + rtol * abs(want)


def _differs(got: float, want: float, case: str, hints: dict[str, float] | None = None) -> None:
    """Raise with the hint whose tell-tale value ``got`` equals, else a plain comparison."""
    for hint, value in (hints or {}).items():
        if _close(got, value, rtol=1e-4, atol=1e-6):
            raise ExerciseFailed(f"{case}: you return {got:.6g} — {hint}")
    raise ExerciseFailed(f"{case}: you return {got:.6g}, the right value is {want:.6g}")


def _must_carry_gradient(fn: Callable, inputs: list[torch.Tensor], what: str) -> None:
    """A loss is for backpropagation: on inputs that require grad it must return a tensor that
    carries the gradient (``.item()``, ``float(...)`` or ``.detach()`` lose it)."""
    leaves = [t.clone().requires_grad_(True) for t in inputs]
    out = _call(fn, *leaves)
    if not isinstance(out, torch.Tensor) or not out.requires_grad:
        raise ExerciseFailed(
            f"{what} returned {type(out).__name__} without a gradient: return the tensor itself "
            "(not .item(), float(...) or .detach()), so that loss.backward() can train the network"
        )


def _generator(seed: int = 0) -> torch.Generator:
    return torch.Generator().manual_seed(seed)


# --------------------------------------------------------------------------------------------
# notebook 01: the discriminator's loss and the optimal discriminator


@_exercise
def discriminator_loss(fn: Callable) -> str:
    r"""``fn(real_logits, fake_logits)``: :math:`L_D = -\mathbb E\log D(x) - \mathbb E\log(1 - D(G(z)))`
    from logits, against :func:`gancourse.losses.minimax_d_loss`."""
    g = _generator(1)
    cases = [
        ("random logits", torch.randn(64, generator=g), torch.randn(64, generator=g)),
        (
            "a batch of 7 with shape [7, 1]",
            torch.randn(7, 1, generator=g),
            torch.randn(7, 1, generator=g),
        ),
        ("confident D (real +8, fake -8)", torch.full((16,), 8.0), torch.full((16,), -8.0)),
        ("fooled D (real -3, fake +3)", torch.full((16,), -3.0), torch.full((16,), 3.0)),
        (
            "extreme logits (real -200, fake +200)",
            torch.full((4,), -200.0),
            torch.full((4,), 200.0),
        ),
    ]
    for case, real, fake in cases:
        want = float(losses.minimax_d_loss(real, fake))
        got = _scalar(_call(fn, real.clone(), fake.clone()), "your discriminator_loss")
        if not math.isfinite(got):
            raise ExerciseFailed(
                f"{case}: your loss is {got} where the right value is {want:.6g}. "
                "log(sigmoid(a)) underflows for large |a|: use -log σ(a) = softplus(-a) and "
                "-log(1 - σ(a)) = softplus(a)"
            )
        if _close(got, want):
            continue
        n = real.numel()
        _differs(
            got,
            want,
            case,
            {
                "a binary cross-entropy is never negative: check the signs": -want,
                "it grows with the batch size: average over the batch (mean), do not sum": n * want,
                "you swapped real and fake: D should say 1 (logit +) for real, 0 for fake": float(
                    losses.minimax_d_loss(-real, -fake)
                ),
                "only the real term: add the fakes' -log(1 - D(G(z)))": float(
                    F.softplus(-real).mean()
                ),
                "only the fake term: add the reals' -log D(x)": float(F.softplus(fake).mean()),
            },
        )
    _must_carry_gradient(fn, [cases[0][1], cases[0][2]], "your discriminator_loss")
    return (
        "matches gancourse.losses.minimax_d_loss on random, batched, confident and extreme logits"
    )


@_exercise
def optimal_discriminator(fn: Callable) -> str:
    r"""``fn(p_data, p_g)`` on a grid: :math:`D^* = p_\text{data}/(p_\text{data} + p_g)`, against
    :func:`gancourse.theory.optimal_discriminator`; where both densities vanish any value in
    [0, 1] is optimal and accepted."""
    x = torch.linspace(-4, 4, 81, dtype=torch.float64)
    p_data = theory.gaussian_pdf(x, -1.0, 0.7)
    p_g = theory.gaussian_pdf(x, 1.5, 1.0)
    box = ((x > -1) & (x < 1)).double() / 2  # zero outside [-1, 1]
    right_box = ((x > 0) & (x < 2)).double() / 2  # zero outside [0, 2]
    cases = [
        ("two Gaussians", p_data, p_g),
        ("p_g = p_data", p_data, p_data.clone()),
        ("p_g zero outside [-1, 1]", p_data, box),
        ("p_data zero outside [-1, 1]", box, p_g),
        ("p_data on [-1, 1], p_g on [0, 2], both zero elsewhere", box, right_box),
    ]
    for case, p, q in cases:
        want = theory.optimal_discriminator(p, q)
        got = _as_tensor(_call(fn, p.clone(), q.clone()), "your optimal_discriminator").double()
        if got.shape != want.shape:
            raise ExerciseFailed(
                f"{case}: you return shape {tuple(got.shape)} for densities of shape "
                f"{tuple(p.shape)}; D* is a value per grid point"
            )
        both_zero = (p + q) == 0
        if bool(torch.isnan(got).any()):
            where = "where both densities are 0" if bool(torch.isnan(got)[both_zero].any()) else ""
            raise ExerciseFailed(
                f"{case}: your D* has NaN {where} (0/0). There every value of D is optimal: "
                "return 1/2 (torch.where(p_data + p_g > 0, ..., 0.5))"
            )
        free = both_zero & (got >= 0) & (got <= 1)
        wrong = ~free & ~torch.isclose(got, want, rtol=1e-9, atol=1e-12)
        if bool(wrong.any()):
            i = int(wrong.nonzero()[0])
            if torch.allclose(got, 1 - want):
                raise ExerciseFailed(
                    f"{case}: you return p_g / (p_data + p_g) — that is 1 - D*; "
                    "D* is the probability that x is real"
                )
            raise ExerciseFailed(
                f"{case}: at x = {float(x[i]):.2f} (p_data = {float(p[i]):.4g}, p_g = "
                f"{float(q[i]):.4g}) you return {float(got[i]):.6g}, D* is {float(want[i]):.6g}"
            )
    return "matches gancourse.theory.optimal_discriminator, also where densities vanish"


# --------------------------------------------------------------------------------------------
# notebook 02: divergences on a grid


def _grid_cases():
    x = torch.linspace(-10, 10, 1001, dtype=torch.float64)  # wide: both Gaussians integrate to 1

    def box(a, b):  # a uniform density on [a, b], normalised on this grid
        inside = ((x >= a) & (x <= b)).double()
        return inside / torch.trapezoid(inside, x)

    box_left, box_right = box(-3, -1), box(1, 3)
    return x, [
        (
            "N(0, 1) against N(1, 1.5²)",
            theory.gaussian_pdf(x, 0, 1),
            theory.gaussian_pdf(x, 1, 1.5),
        ),
        ("a density against itself", theory.gaussian_pdf(x, 0, 1), theory.gaussian_pdf(x, 0, 1)),
        ("N(0, 1) against a box on [-3, -1] (zeros in q)", theory.gaussian_pdf(x, 0, 1), box_left),
        ("disjoint boxes [-3, -1] and [1, 3]", box_left, box_right),
        ("a box on [-2, -1] against one on [-3, 0] (zeros in both)", box(-2, -1), box(-3, 0)),
    ]


def _divergence(fn: Callable, reference: Callable, name: str, hints: Callable) -> None:
    x, cases = _grid_cases()
    for case, p, q in cases:
        want = reference(p, q, x)
        got = _scalar(_call(fn, p.clone(), q.clone(), x.clone()), f"your {name}")
        if math.isnan(got):
            raise ExerciseFailed(
                f"{case}: you return NaN. Where a density is 0 the term 0·log 0 must count as 0: "
                "use torch.xlogy(p, p / m) or torch.where(p > 0, ..., 0)"
            )
        if _close(got, want, rtol=1e-6, atol=1e-9):
            continue
        if math.isinf(want):
            raise ExerciseFailed(
                f"{case}: you return {got:.6g}. p has mass where q = 0, so p log(p/q) is +inf "
                "there and KL(p || q) = inf; do not drop or clamp those points"
            )
        _differs(got, want, case, hints(p, q, x, want))


@_exercise
def js_divergence(fn: Callable) -> str:
    r"""``fn(p, q, x)``: :math:`\mathrm{JSD}(p\|q) = \tfrac12\mathrm{KL}(p\|m) + \tfrac12\mathrm{KL}(q\|m)`
    in nats on the grid ``x``, against :func:`gancourse.theory.js_divergence`."""

    def hints(p, q, x, want):
        dx = float(x[1] - x[0])
        return {
            "twice the JSD: each KL to the mixture carries a factor 1/2": 2 * want,
            "in bits: the course uses natural logarithms (log, not log2), so JSD <= log 2": want
            / math.log(2),
            "the sum over the grid without the spacing dx: integrate (torch.trapezoid(f, x))": want
            / dx,
            "that is KL(p || q), not the JS divergence to the mixture m = (p + q)/2": theory.kl_divergence(
                p, q, x
            )
            if math.isfinite(theory.kl_divergence(p, q, x))
            else math.nan,
        }

    _divergence(fn, theory.js_divergence, "js_divergence", hints)
    return "matches gancourse.theory.js_divergence, also for zeros and disjoint supports (log 2)"


@_exercise
def kl_divergence(fn: Callable) -> str:
    r"""``fn(p, q, x)``: :math:`\mathrm{KL}(p\|q) = \int p\log(p/q)\,dx` on the grid ``x``,
    :math:`+\infty` where :math:`p > 0 = q`, against :func:`gancourse.theory.kl_divergence`."""

    def hints(p, q, x, want):
        dx = float(x[1] - x[0])
        reverse = theory.kl_divergence(q, p, x)
        return {
            "that is KL(q || p): the KL is not symmetric, the first argument weights the log-ratio": reverse
            if math.isfinite(reverse)
            else math.nan,
            "in bits: use natural logarithms": want / math.log(2),
            "the sum over the grid without the spacing dx: integrate (torch.trapezoid(f, x))": want
            / dx,
        }

    _divergence(fn, theory.kl_divergence, "kl_divergence", hints)
    return "matches gancourse.theory.kl_divergence, inf where p > 0 = q, 0 log 0 = 0"


# --------------------------------------------------------------------------------------------
# notebook 03: the generator's loss and the discriminator's step


@_exercise
def nonsaturating_g_loss(fn: Callable) -> str:
    r"""``fn(fake_logits)``: :math:`L_G = -\mathbb E\log D(G(z))` from logits, against
    :func:`gancourse.losses.nonsaturating_g_loss`."""
    g = _generator(3)
    cases = [
        ("random logits", torch.randn(64, generator=g)),
        ("a batch of 5 with shape [5, 1]", torch.randn(5, 1, generator=g)),
        ("D rejects the fakes (logit -6)", torch.full((8,), -6.0)),
        ("D is fooled (logit +6)", torch.full((8,), 6.0)),
        ("extreme logit -200", torch.full((4,), -200.0)),
    ]
    for case, fake in cases:
        want = float(losses.nonsaturating_g_loss(fake))
        got = _scalar(_call(fn, fake.clone()), "your nonsaturating_g_loss")
        if not math.isfinite(got):
            raise ExerciseFailed(
                f"{case}: your loss is {got} where the right value is {want:.6g}. "
                "log(sigmoid(-200)) is log(0): use -log σ(a) = softplus(-a)"
            )
        if _close(got, want):
            continue
        _differs(
            got,
            want,
            case,
            {
                "that is the saturating (minimax) loss log(1 - D(G(z))) = -softplus(a); the "
                "non-saturating one is -log D(G(z)) = softplus(-a)": float(
                    losses.minimax_g_loss(fake)
                ),
                "the sign is flipped: G minimises -log D(G(z)), which is >= 0": -want,
                "it grows with the batch size: average over the batch (mean), do not sum": fake.numel()
                * want,
            },
        )
    _must_carry_gradient(fn, [cases[0][1]], "your nonsaturating_g_loss")
    return "matches gancourse.losses.nonsaturating_g_loss, finite at logit -200"


@_exercise
def discriminator_step_loss(fn: Callable) -> str:
    r"""``fn(D, real, fake)``: D's loss :math:`L_D` on a real batch and a generated one, where
    ``fake = G(z)`` still carries G's graph. The loss must train D on both sides and leave G
    alone: no gradient may flow into G."""
    D = nn.Sequential(nn.Linear(2, 16), nn.LeakyReLU(0.2), nn.Linear(16, 1))
    G = nn.Sequential(nn.Linear(3, 16), nn.ReLU(), nn.Linear(16, 2))
    g = _generator(4)
    real = torch.randn(32, 2, generator=g)
    fake = G(torch.randn(32, 3, generator=g))  # G's graph attached, as in a training step

    want_loss = losses.minimax_d_loss(D(real), D(fake.detach()))
    want_grads = torch.autograd.grad(want_loss, list(D.parameters()))
    want = float(want_loss.detach())

    got = _call(fn, D, real, fake)
    if fake.grad_fn is None:
        raise ExerciseFailed(
            "you detached the caller's fake batch in place (fake.detach_()): the generator's step "
            "still needs its graph; use D(fake.detach()), which makes a detached copy"
        )
    got_t = _as_tensor(got, "your discriminator_step_loss")
    value = _scalar(got_t, "your discriminator_step_loss")
    if not _close(value, want, rtol=1e-5):
        _differs(
            value,
            want,
            "a 2-D batch of 32",
            {
                "that is the generator's non-saturating loss, not D's": float(
                    losses.nonsaturating_g_loss(D(fake)).detach()
                ),
                "you swapped real and fake": float(
                    losses.minimax_d_loss(D(fake), D(real)).detach()
                ),
            },
        )
    if not got_t.requires_grad:
        raise ExerciseFailed(
            "your loss carries no gradient: D cannot learn from it. Detach the *input* "
            "fake (D(fake.detach())), not the loss or D's output"
        )
    params = list(D.parameters()) + list(G.parameters())
    grads = torch.autograd.grad(got_t, params, allow_unused=True)
    d_grads, g_grads = grads[: len(want_grads)], grads[len(want_grads) :]
    if any(gr is not None and bool(gr.abs().sum() > 0) for gr in g_grads):
        raise ExerciseFailed(
            "gradient flows into G: D's step must not train the generator (and backpropagating "
            "through G costs time). Use D(fake.detach())"
        )
    for gr, wg in zip(d_grads, want_grads, strict=True):
        if gr is None or not torch.allclose(gr, wg, rtol=1e-4, atol=1e-6):
            raise ExerciseFailed(
                "your loss has the right value but the wrong gradient for D: one side is cut off "
                "from D's parameters. Detach the input fake, not D(fake) — D must still learn "
                "to push its logits on fakes down"
            )
    return "right value, D's gradient matches, no gradient reaches G"


# --------------------------------------------------------------------------------------------
# notebook 04: DCGAN shapes and the latent space


@_exercise
def conv_transpose_side(fn: Callable) -> str:
    r"""``fn(n, k, s, p)``: the side of a transposed convolution's output, :math:`(n-1)s - 2p + k`,
    against the shape ``torch.nn.ConvTranspose2d`` really produces."""
    for n, k, s, p in [
        (1, 4, 1, 0),
        (4, 3, 2, 1),
        (7, 4, 2, 1),
        (14, 4, 2, 1),
        (5, 5, 3, 2),
        (3, 2, 2, 0),
    ]:
        layer = nn.ConvTranspose2d(1, 1, kernel_size=k, stride=s, padding=p)
        want = layer(torch.zeros(1, 1, n, n)).shape[-1]
        got = _call(fn, n, k, s, p)
        try:
            got = operator.index(got)  # int, numpy or 0-d integer tensor
        except TypeError:
            if not (isinstance(got, float) and got.is_integer()):
                raise ExerciseFailed(
                    f"(n, k, s, p) = {(n, k, s, p)}: return an int, got {got!r}"
                ) from None
        if int(got) == want:
            continue
        conv = (n + 2 * p - k) // s + 1
        hint = (
            "that is the formula of an ordinary (downsampling) convolution, (n + 2p - k)//s + 1; "
            "a transposed one runs it backwards"
            if int(got) == conv
            else "each of the n - 1 gaps between input pixels is stretched to s pixels, the "
            "kernel adds k, and the padding removes p on both sides"
        )
        raise ExerciseFailed(
            f"(n, k, s, p) = {(n, k, s, p)}: you return {got}, torch gives {want}: {hint}"
        )
    return "matches nn.ConvTranspose2d's output side for six (n, k, s, p)"


@_exercise
def slerp(fn: Callable) -> str:
    r"""``fn(z0, z1, t)`` for vectors ``[d]`` and a float ``t``: spherical interpolation
    :math:`\frac{\sin((1-t)\Omega)}{\sin\Omega} z_0 + \frac{\sin(t\Omega)}{\sin\Omega} z_1`, against
    :func:`gancourse.latent.slerp` (linear where the endpoints are parallel)."""
    g = _generator(5)
    z0, z1 = torch.randn(100, generator=g), torch.randn(100, generator=g)
    cases = [
        ("random z0, z1 at t = 0.3", z0, z1, 0.3),
        ("random z0, z1 at t = 0.5", z0, 3 * z1, 0.5),
        ("t = 0 gives z0", z0, z1, 0.0),
        ("t = 1 gives z1", z0, z1, 1.0),
        ("parallel endpoints z1 = 2 z0 (Ω = 0)", z0, 2 * z0, 0.25),
    ]
    for case, a, b, t in cases:
        want = _slerp(a, b, torch.tensor([t]))[0]
        got = _as_tensor(_call(fn, a.clone(), b.clone(), t), "your slerp")
        if got.shape != want.shape:
            raise ExerciseFailed(
                f"{case}: you return shape {tuple(got.shape)}, expected {tuple(want.shape)}"
            )
        if not bool(torch.isfinite(got).all()):
            raise ExerciseFailed(
                f"{case}: your result is not finite. When z0 and z1 are parallel, Ω = 0 and "
                "sin(Ω) = 0 makes the formula 0/0: fall back to linear interpolation there"
            )
        if torch.allclose(got.float(), want, rtol=1e-4, atol=1e-5):  # noqa: SIM114
            continue
        lerp = (1 - t) * a + t * b
        if torch.allclose(got.float(), lerp, rtol=1e-4, atol=1e-5):
            raise ExerciseFailed(
                f"{case}: that is linear interpolation, whose midpoints are shorter than a "
                "typical z (they fall inside the shell where N(0, I) has its mass); follow the "
                "great circle: sin((1 - t)Ω)/sin Ω · z0 + sin(tΩ)/sin Ω · z1"
            )
        if torch.allclose(
            got.float(), _slerp(a, b, torch.tensor([1 - t]))[0], rtol=1e-4, atol=1e-5
        ):
            raise ExerciseFailed(
                f"{case}: t runs the wrong way: t = 0 must give z0 and t = 1 give z1"
            )
        raise ExerciseFailed(
            f"{case}: your point is {float((got.float() - want).norm()):.4g} away from the right "
            "one. Ω is the angle between z0 and z1: cos Ω = z0·z1 / (|z0| |z1|)"
        )
    return "matches gancourse.latent.slerp, also at t = 0, 1 and for parallel endpoints"


# --------------------------------------------------------------------------------------------
# notebook 05: the critic's Lipschitz controls


@_exercise
def clip_weights(fn: Callable) -> str:
    r"""``fn(module, c)``: clamp every parameter of ``module`` into :math:`[-c, c]` in place, as
    :func:`gancourse.regularizers.weight_clipping` does (WGAN)."""

    def critic():  # with batch norm, whose running statistics are buffers, not parameters
        return nn.Sequential(nn.Linear(3, 8), nn.BatchNorm1d(8), nn.ReLU(), nn.Linear(8, 1))

    net = critic()
    with torch.no_grad():
        for p in net.parameters():
            p.normal_(0, 0.1)
            p[..., 0] = 0.5  # some entries above c and some (below) under -c in every tensor
        net[1].running_mean.fill_(0.5)
        net[1].running_var.fill_(2.0)
    for p in net.parameters():
        p.grad = torch.full_like(p, 0.3)
    want = critic()
    want.load_state_dict(net.state_dict())
    weight_clipping(want, 0.05)
    ids = [id(p) for p in net.parameters()]
    _call(fn, net, 0.05)
    if [id(p) for p in net.parameters()] != ids:
        raise ExerciseFailed(
            "you replaced the parameters; clamp them in place (p.clamp_(-c, c) under no_grad)"
        )
    for (name, got), wanted in zip(net.named_parameters(), want.parameters(), strict=True):
        if torch.equal(got.detach(), wanted.detach()):
            continue
        if bool((got.detach() > torch.tensor(0.05, dtype=got.dtype)).any()):
            what = "biases too: WGAN clips every parameter" if "bias" in name else "and in place"
            raise ExerciseFailed(
                f"{name} still has entries above c = 0.05 (max {float(got.detach().max()):.3g}): clip {what}"
            )
        if float(got.detach().min()) >= 0:
            raise ExerciseFailed(
                f"{name} has no negative entries left: clamp to [-c, c], not [0, c]"
            )
        raise ExerciseFailed(f"{name} differs from weight_clipping's result; clamp into [-c, c]")
    if not all(torch.equal(a, b) for a, b in zip(net.buffers(), want.buffers(), strict=True)):
        raise ExerciseFailed(
            "you clamped the batch-norm running statistics too: they are buffers, not weights; "
            "clip module.parameters() only"
        )
    if any(not torch.equal(p.grad, torch.full_like(p, 0.3)) for p in net.parameters()):
        raise ExerciseFailed("you changed the gradients; clipping acts on the weights themselves")
    return "matches gancourse.regularizers.weight_clipping: every parameter, in place"


@_exercise
def wgan_gp_penalty(fn: Callable) -> str:
    r"""``fn(D, real, fake, eps)``: :math:`\lambda\,\mathbb E(\|\nabla_{\hat x} D(\hat x)\|_2 - 1)^2`,
    λ = 10, at :math:`\hat x = \epsilon x + (1-\epsilon)\tilde x` with the given per-sample
    ``eps`` ``[B, 1, ...]``; the norm is per sample, and the penalty must be differentiable in
    D's parameters."""
    D = nn.Sequential(nn.Flatten(), nn.Linear(12, 16), nn.Tanh(), nn.Linear(16, 1))
    g = _generator(6)
    real = torch.randn(8, 3, 2, 2, generator=g)
    fake = torch.randn(8, 3, 2, 2, generator=g) + 1.0
    eps = torch.rand(8, 1, 1, 1, generator=g)

    x_hat = eps * real + (1 - eps) * fake
    norms = input_gradient_norms(D, x_hat)
    want_penalty = 10 * ((norms - 1) ** 2).mean()
    # D's last bias does not move its input gradient: its gradient is None, read as 0
    want_grads = torch.autograd.grad(want_penalty, list(D.parameters()), allow_unused=True)
    want, norms = float(want_penalty.detach()), norms.detach()

    got = _as_tensor(_call(fn, D, real, fake, eps), "your wgan_gp_penalty")
    value = _scalar(got, "your wgan_gp_penalty")
    if not _close(value, want, rtol=1e-4):
        other = (1 - eps) * real + eps * fake
        hints = {
            "the norm is over the batch dimension: take one gradient norm per *sample*, "
            "grad.flatten(1).norm(dim=1)": _batch_norm_penalty(D, x_hat),
            "you left out the weight λ = 10": want / 10,
            "(‖∇D‖ - 1) must be squared, not its absolute value taken": 10
            * float((norms - 1).abs().mean()),
            "the penalty is (‖∇D‖ - 1)², a two-sided pull towards 1, not ‖∇D‖²": 10
            * float((norms**2).mean()),
            "ε weights the *real* sample: x̂ = ε x + (1 - ε) x̃": 10
            * float(((input_gradient_norms(D, other, create_graph=False) - 1) ** 2).mean()),
        }
        _differs(value, want, "a batch of 8 images 3×2×2", hints)
    if not got.requires_grad:
        raise ExerciseFailed(
            "your penalty carries no gradient to D's parameters: compute ∇D with "
            "torch.autograd.grad(..., create_graph=True), so the penalty can be minimised"
        )
    grads = torch.autograd.grad(got, list(D.parameters()), allow_unused=True)
    if not all(_same_gradient(gr, wg) for gr, wg in zip(grads, want_grads, strict=True)):
        raise ExerciseFailed(
            "the value is right but its gradient in D's parameters is not: keep the graph of "
            "∇D (create_graph=True) and do not detach the norms"
        )
    return "right value and gradient in D's parameters, per-sample norms at ε x + (1 - ε) x̃"


def _same_gradient(got: torch.Tensor | None, want: torch.Tensor | None) -> bool:
    if want is None:
        return got is None or not bool(got.abs().sum() > 0)
    return got is not None and torch.allclose(got, want, rtol=1e-3, atol=1e-6)


def _batch_norm_penalty(D: nn.Module, x_hat: torch.Tensor) -> float:
    x = x_hat.detach().requires_grad_(True)
    (grad,) = torch.autograd.grad(D(x).sum(), x)
    return 10 * float(((grad.flatten(1).norm(dim=0) - 1) ** 2).mean())


# --------------------------------------------------------------------------------------------
# notebook 06: spectral norms and MMD


@_exercise
def power_iteration(fn: Callable) -> str:
    r"""``fn(W, u, iters)``: the largest singular value of the matrix ``W`` ``[m, n]`` after
    ``iters`` rounds of :math:`v \leftarrow W^\top u/\|W^\top u\|,\ u \leftarrow Wv/\|Wv\|`,
    estimate :math:`u^\top W v`, against :func:`gancourse.operator_norms.power_iteration_sigma`."""
    g = _generator(7)
    for m, n, scale, iters in [
        (20, 30, 1.0, 50),
        (30, 20, 50.0, 200),
        (8, 5, 1.0, 1),
        (8, 5, 1.0, 3),
    ]:
        W = torch.randn(m, n, generator=g, dtype=torch.float64) * scale
        u = torch.randn(m, generator=g, dtype=torch.float64)
        want = float(power_iteration_sigma(W, iters=iters, u=u)[0])
        got = _scalar(_call(fn, W.clone(), u.clone(), iters), "your power_iteration")
        case = f"W of shape {m}×{n}, {iters} rounds"
        if not math.isfinite(got) or abs(got) > 1e3 * want:
            raise ExerciseFailed(
                f"{case}: you return {got:.6g}, the right value is {want:.6g}: normalise u and v "
                "every round, or their lengths grow like σ^(2·rounds) and overflow"
            )
        if _close(got, want, rtol=1e-8):
            continue
        hints = {}
        if iters < 10:
            exact = float(torch.linalg.matrix_norm(W, ord=2))
            hints[
                "that is the exact σ(W), but after only a few rounds the estimate is not there "
                "yet: do exactly `iters` rounds, starting from the given u"
            ] = exact
        _differs(got, want, case, hints)
    return "matches gancourse.operator_norms.power_iteration_sigma round by round"


@_exercise
def mmd2_unbiased(fn: Callable) -> str:
    r"""``fn(x, y, kernel)``: the unbiased :math:`\widehat{\mathrm{MMD}}^2` of samples ``x`` ``[m, k]``
    and ``y`` ``[n, k]`` with ``kernel(a, b)`` giving the matrix of :math:`\kappa(a_i, b_j)`, against
    :func:`gancourse.losses.mmd2`."""
    g = _generator(8)

    def gaussian(a, b):
        return torch.exp(-(torch.cdist(a, b) ** 2) / 2)

    cases = [
        (
            "x, y from one distribution, m = 7, n = 11",
            torch.randn(7, 3, generator=g),
            torch.randn(11, 3, generator=g),
        ),
        (
            "y shifted by 1, m = n = 20",
            torch.randn(20, 3, generator=g),
            torch.randn(20, 3, generator=g) + 1,
        ),
    ]
    cases.append(
        ("KID's cubic kernel (κ(x, x) ≠ 1), m = 7, n = 11", *cases[0][1:], polynomial_kernel)
    )
    for case, x, y, *kernel in cases:
        kernel = kernel[0] if kernel else gaussian
        want = float(losses.mmd2(x, y, kernel))
        got = _scalar(_call(fn, x.clone(), y.clone(), kernel), "your mmd2_unbiased")
        if _close(got, want, rtol=1e-5, atol=1e-7):
            continue
        m, n = len(x), len(y)
        kxx, kyy, kxy = kernel(x, x), kernel(y, y), kernel(x, y)
        _differs(
            got,
            want,
            case,
            {
                "that is the biased estimate (it keeps the diagonal κ(x_i, x_i) = 1): leave out "
                "i = j and divide by m(m - 1)": float(kxx.mean() + kyy.mean() - 2 * kxy.mean()),
                "you left out the diagonal but divided by m² instead of m(m - 1)": float(
                    (kxx.sum() - kxx.trace()) / m**2
                    + (kyy.sum() - kyy.trace()) / n**2
                    - 2 * kxy.mean()
                ),
                "the cross term counts twice: - 2 mean κ(x_i, y_j)": want + float(kxy.mean()),
                "the cross term's sign is flipped: it is subtracted": want + 4 * float(kxy.mean()),
            },
        )
    return "matches gancourse.losses.mmd2 (unbiased, diagonal left out) for m ≠ n"


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


# --------------------------------------------------------------------------------------------
# notebook 08: the energy view
@_exercise
def ebgan_d_loss(fn: Callable) -> str:
    r"""``fn(real_energy, fake_energy, margin)``: EBGAN's
    :math:`L_D = \mathbb E[U(x)] + \mathbb E[m - U(G(z))]^+` on per-sample energies ``[B]``,
    against :func:`gancourse.energy_losses.ebgan_d_loss`."""
    g = _generator(11)
    cases = [
        (
            "random energies, the fakes' in [0, 3) (mean above the margin), m = 1",
            2 * torch.rand(32, generator=g),
            3 * torch.rand(32, generator=g),
            1.0,
        ),
        (
            "every fake above the margin (the hinge is off), m = 0.5",
            0.3 * torch.rand(8, generator=g),
            1 + torch.rand(8, generator=g),
            0.5,
        ),
        (
            "real and fake batches of different sizes, m = 2",
            torch.rand(5, generator=g),
            torch.rand(9, generator=g),
            2.0,
        ),
    ]
    for case, real, fake, m in cases:
        want = float(energy_losses.ebgan_d_loss(real, fake, m))
        got = _scalar(_call(fn, real.clone(), fake.clone(), m), "your ebgan_d_loss")
        if _close(got, want):
            continue
        _differs(
            got,
            want,
            case,
            {
                "the hinge is [m - U(G(z))]⁺: D is paid for fakes *below* the margin, not above": float(
                    real.mean() + F.relu(fake - m).mean()
                ),
                "the hinge is missing: without [·]⁺, D pushes the fakes' energy up forever": float(
                    real.mean() + (m - fake).mean()
                ),
                "average over the batch (mean), do not sum": float(
                    real.sum() + F.relu(m - fake).sum()
                ),
                "the margin applies to the fakes; the reals' energy is simply lowered": float(
                    F.relu(m - real).mean() + fake.mean()
                ),
                "only the fake term: add the reals' energy E[U(x)]": float(F.relu(m - fake).mean()),
                "the hinge is per sample, then averaged: E[(m - U(G(z)))⁺], not (m - E[U(G(z))])⁺": float(
                    real.mean() + F.relu(m - fake.mean())
                ),
            },
        )
    _must_carry_gradient(
        lambda r, f: fn(r, f, 1.0), [cases[0][1], cases[0][2]], "your ebgan_d_loss"
    )
    return "matches gancourse.energy_losses.ebgan_d_loss with the hinge on and off"


@_exercise
def pulling_away_term(fn: Callable) -> str:
    r"""``fn(codes)``: EBGAN's pulling-away term, the mean squared cosine similarity of distinct
    codes ``[N, k]``, against :func:`gancourse.energy_losses.pulling_away_term`."""
    g = _generator(12)
    cases = [
        ("random codes, N = 16, k = 8", torch.randn(16, 8, generator=g)),
        (
            "codes of very different lengths, N = 5",
            torch.randn(5, 3, generator=g) * torch.tensor([[0.01], [1.0], [100.0], [3.0], [0.5]]),
        ),
        ("opposite codes (cosine -1)", torch.tensor([[1.0, 0.0], [-1.0, 0.0], [0.0, 2.0]])),
    ]
    for case, codes in cases:
        want = float(energy_losses.pulling_away_term(codes))
        got = _scalar(_call(fn, codes.clone()), "your pulling_away_term")
        if _close(got, want):
            continue
        n = len(codes)
        unit = F.normalize(codes, dim=1)
        cos = unit @ unit.T
        dots = codes @ codes.T
        _differs(
            got,
            want,
            case,
            {
                "square the cosines: without the square, opposite codes cancel similar ones": float(
                    (cos.sum() - cos.trace()) / (n * (n - 1))
                ),
                "leave out i = j: a code's cosine with itself is always 1": float(
                    cos.pow(2).sum() / (n * (n - 1))
                ),
                "leave out i = j and average over the N(N - 1) pairs, not N²": float(
                    cos.pow(2).sum() / n**2
                ),
                "you left out i = j but divided by N² instead of N(N - 1)": float(
                    (cos.pow(2).sum() - n) / n**2
                ),
                "normalise the codes first: it is the cosine, not the dot product": float(
                    (dots.pow(2).sum() - dots.diagonal().pow(2).sum()) / (n * (n - 1))
                ),
            },
        )
    _must_carry_gradient(fn, [cases[0][1]], "your pulling_away_term")
    return "matches gancourse.energy_losses.pulling_away_term on random, scaled and opposite codes"


@_exercise
def began_k_update(fn: Callable) -> str:
    r"""``fn(k, real_energy, fake_energy, gamma, lambda_k)``: BEGAN's
    :math:`k_{t+1} = \mathrm{clip}(k_t + \lambda_k(\gamma\mathcal L(x) - \mathcal L(G(z))), 0, 1)`
    with batch means of the energies, against :func:`gancourse.energy_losses.began_k_update`."""
    g = _generator(13)
    cases = [
        (
            "k = 0.3, a small step",
            0.3,
            torch.rand(16, generator=g),
            0.2 * torch.rand(16, generator=g),
            0.5,
            1e-3,
        ),
        (
            "k = 0.3, λ_k = 0.5 and γ = 0.7",
            0.3,
            torch.rand(16, generator=g),
            0.1 * torch.rand(16, generator=g),
            0.7,
            0.5,
        ),
        ("k = 0.99 pushed above 1", 0.99, torch.ones(8), torch.zeros(8), 0.5, 1.0),
        ("k = 0.01 pushed below 0", 0.01, torch.zeros(8), torch.ones(8), 0.5, 1.0),
    ]
    for case, k, real, fake, gamma, lambda_k in cases:
        want = float(energy_losses.began_k_update(torch.tensor(k), real, fake, gamma, lambda_k))
        got = _scalar(
            _call(fn, torch.tensor(k), real.clone(), fake.clone(), gamma, lambda_k),
            "your began_k_update",
        )
        if _close(got, want):
            continue
        r, f = float(real.mean()), float(fake.mean())
        _differs(
            got,
            want,
            case,
            {
                "clip k to [0, 1]: it is a proportion of the fakes' energy": k
                + lambda_k * (gamma * r - f),
                "the step is λ_k(γ L(x) - L(G(z))): you have its sign flipped": min(
                    max(k - lambda_k * (gamma * r - f), 0.0), 1.0
                ),
                "γ multiplies the reals' energy, L(x), not the fakes'": min(
                    max(k + lambda_k * (r - gamma * f), 0.0), 1.0
                ),
                "the new k adds to the old one: k + λ_k(…), not λ_k(…) alone": min(
                    max(lambda_k * (gamma * r - f), 0.0), 1.0
                ),
            },
        )
    return "matches gancourse.energy_losses.began_k_update, clipping at both ends included"


# --------------------------------------------------------------------------------------------
# notebook 11: conditional models


@_exercise
def acgan_class_loss(fn: Callable) -> str:
    r"""``fn(logits, labels)``: ACGAN's class loss, the mean cross-entropy
    :math:`-\mathbb E[\log \mathrm{softmax}(\ell)_y]` of raw class logits ``[B, K]`` against
    labels ``[B]``, against :func:`gancourse.conditional_losses.acgan_class_loss`."""
    from .conditional_losses import acgan_class_loss as reference

    g = _generator(21)
    cases = [
        (
            "random logits, 10 classes",
            3 * torch.randn(16, 10, generator=g),
            torch.randint(10, (16,), generator=g),
        ),
        (
            "confident, mostly right logits, 3 classes",
            torch.tensor([[6.0, -2.0, 0.0], [0.0, 5.0, -1.0], [1.0, 0.0, 4.0], [3.0, 2.5, -4.0]]),
            torch.tensor([0, 1, 2, 1]),
        ),
    ]
    for case, logits, labels in cases:
        want = float(reference(logits, labels))
        got = _scalar(_call(fn, logits.clone(), labels.clone()), "your acgan_class_loss")
        if _close(got, want):
            continue
        log_p = F.log_softmax(logits, dim=1)
        picked = log_p.gather(1, labels[:, None])[:, 0]
        p = log_p.exp()
        _differs(
            got,
            want,
            case,
            {
                "softmax applied twice: cross_entropy takes raw logits and applies its own "
                "log-softmax, so pass the logits, not softmax(logits)": float(
                    F.cross_entropy(p, labels)
                ),
                "average over the batch (mean), do not sum": float(-picked.sum()),
                "the log-softmax is missing: -logit_y is not -log p(y | x)": float(
                    -logits.gather(1, labels[:, None]).mean()
                ),
                "take the log of the probability: -E[log p(y | x)], not -E[p(y | x)]": float(
                    -p.gather(1, labels[:, None]).mean()
                ),
                "the sign: a loss to minimise is minus the log-likelihood": float(picked.mean()),
            },
        )
    _must_carry_gradient(lambda lg: fn(lg, cases[0][2]), [cases[0][1]], "your acgan_class_loss")
    return "matches gancourse.conditional_losses.acgan_class_loss (raw logits, mean over the batch)"


@_exercise
def projection_logit(fn: Callable) -> str:
    r"""``fn(phi, psi_weight, psi_bias, embedding, labels)``: the projection discriminator's
    output :math:`\psi(\phi) + \langle e_y, \phi\rangle = w \cdot \phi + b + e_y \cdot \phi`, one
    number per sample ``[B]``, for features ``phi`` ``[B, F]``, ``psi_weight`` ``[F]``, a number
    ``psi_bias``, ``embedding`` ``[K, F]`` (row y is e_y) and labels ``[B]``."""
    g = _generator(23)
    b, f, k = 6, 5, 4
    phi = torch.randn(b, f, generator=g)
    w, bias = torch.randn(f, generator=g), 0.7
    embedding = torch.randn(k, f, generator=g)
    labels = torch.tensor([0, 3, 1, 1, 2, 3])
    want = phi @ w + bias + (embedding[labels] * phi).sum(1)
    got = _as_tensor(
        _call(fn, phi.clone(), w.clone(), bias, embedding.clone(), labels.clone()),
        "your projection_logit",
    ).detach()
    if got.numel() == 1:
        raise ExerciseFailed(
            "your projection_logit returned one number: D scores each sample, return [B] "
            "(sum over the feature dimension only)"
        )
    got = got.reshape(-1).double()
    if got.shape != want.shape:
        raise ExerciseFailed(f"return one logit per sample, shape [{b}]; got {tuple(got.shape)}")
    if torch.allclose(got, want.double(), rtol=1e-5, atol=1e-6):
        _must_carry_gradient(
            lambda p: fn(p, w, bias, embedding, labels), [phi], "your projection_logit"
        )
        return "ψ(φ) + ⟨e_y, φ⟩ on hand tensors, one logit per sample"
    hints = {
        "the projection term ⟨e_y, φ⟩ is missing: that is where the label enters": phi @ w + bias,
        "the unconditional term ψ(φ) = w·φ + b is missing": (embedding[labels] * phi).sum(1),
        "use the embedding of each sample's own class, e_y = embedding[y], not all classes "
        "summed": phi @ w + bias + phi @ embedding.sum(0),
        "the bias b belongs to ψ: w·φ + b": phi @ w + (embedding[labels] * phi).sum(1),
    }
    for hint, value in hints.items():
        if torch.allclose(got, value.double(), rtol=1e-4, atol=1e-6):
            raise ExerciseFailed(f"{hint}")
    raise ExerciseFailed(
        f"your logits {got[:3].tolist()} … differ from ψ(φ) + ⟨e_y, φ⟩ = {want[:3].tolist()} …"
    )


@_exercise
def infogan_categorical_bound(fn: Callable) -> str:
    r"""``fn(logits, codes)``: InfoGAN's lower bound for a uniform K-way code,
    :math:`L_I = \mathbb E[\log Q(c \mid x)] + \ln K`, from Q's raw logits ``[B, K]`` and the codes
    ``[B]``, against :func:`gancourse.conditional_losses.infogan_categorical_bound`."""
    from .conditional_losses import infogan_categorical_bound as reference

    g = _generator(25)
    codes = torch.arange(10).repeat(2)
    cases = [
        ("random logits, K = 10", 2 * torch.randn(20, 10, generator=g), codes),
        (
            "a perfect Q (certain and right): the bound is ln 10",
            30 * F.one_hot(codes, 10).float(),
            codes,
        ),
        ("a blind Q (equal logits): the bound is 0", torch.zeros(20, 10), codes),
        ("random logits, K = 4 (H(c) = ln 4)", torch.randn(12, 4, generator=g), codes[:12] % 4),
    ]
    for case, logits, c in cases:
        want = float(reference(logits, c))
        got = _scalar(_call(fn, logits.clone(), c.clone()), "your infogan_categorical_bound")
        if _close(got, want, atol=1e-5):
            continue
        log_q = F.log_softmax(logits, dim=1).gather(1, c[:, None])[:, 0]
        ln_k = math.log(logits.shape[1])
        _differs(
            got,
            want,
            case,
            {
                "add the code's entropy H(c) = ln K: the bound is E[log Q(c|x)] + H(c)": float(
                    log_q.mean()
                ),
                "the sign: the bound is +E[log Q], i.e. minus the cross-entropy, plus ln K": float(
                    -log_q.mean() + ln_k
                ),
                "use log Q(c|x), not Q(c|x) itself": float(log_q.exp().mean() + ln_k),
                "the logits are raw: take log_softmax once, not of a softmax": float(
                    -F.cross_entropy(F.softmax(logits, 1), c) + ln_k
                ),
                "H(c) = ln K for a uniform code, not ln B (the batch size)": float(
                    log_q.mean() + math.log(len(c))
                ),
                "H(c) = ln K with K = logits.shape[1], the number of code values; not always "
                "ln 10": float(log_q.mean() + math.log(10)),
            },
        )
    _must_carry_gradient(lambda lg: fn(lg, codes), [cases[0][1]], "your infogan_categorical_bound")
    return "matches the bound: ln 10 for a perfect Q, 0 for a blind one"
