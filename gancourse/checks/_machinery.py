"""What every check shares: the failure type, the runner that seeds and reports, and the
helpers that turn a learner's return value into a clear message."""

from __future__ import annotations

import functools
import math
from collections.abc import Callable

import torch


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
