"""Checks for notebooks 05-06: the critic's Lipschitz controls, spectral norms and MMD."""

from __future__ import annotations

import math
from collections.abc import Callable

import torch
from torch import nn

from .. import losses
from ..metrics.kid import polynomial_kernel
from ..operator_norms import power_iteration_sigma
from ..regularizers import input_gradient_norms, weight_clipping
from ._machinery import (
    ExerciseFailed,
    _as_tensor,
    _call,
    _close,
    _differs,
    _exercise,
    _generator,
    _scalar,
)

__all__ = ["clip_weights", "mmd2_unbiased", "power_iteration", "wgan_gp_penalty"]


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
