"""Checks for notebooks 01-03: the discriminator's loss, D*, divergences on a grid, the generator's loss and the discriminator's step."""

from __future__ import annotations

import math
from collections.abc import Callable

import torch
import torch.nn.functional as F
from torch import nn

from .. import losses, theory
from ._machinery import (
    ExerciseFailed,
    _as_tensor,
    _call,
    _close,
    _differs,
    _exercise,
    _generator,
    _must_carry_gradient,
    _scalar,
)

__all__ = [
    "discriminator_loss",
    "discriminator_step_loss",
    "js_divergence",
    "kl_divergence",
    "nonsaturating_g_loss",
    "optimal_discriminator",
]


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
