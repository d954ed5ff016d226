"""Checks for notebook 04: DCGAN shapes and the latent space."""

from __future__ import annotations

import operator
from collections.abc import Callable

import torch
from torch import nn

from ..latent import slerp as _slerp
from ._machinery import ExerciseFailed, _as_tensor, _call, _exercise, _generator

__all__ = ["conv_transpose_side", "slerp"]


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
