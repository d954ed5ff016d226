"""Loss bookkeeping that stays on the device between log steps.

Calling ``.item()`` on a loss forces the host to wait for the GPU; doing it every step
serialises training. :class:`LossMonitor` keeps running sums, and the first step at which
each loss stopped being finite, as device tensors; the host reads them only when a log line
is written (:meth:`LossMonitor.flush`). A NaN therefore stops training at the next log step,
with the step where it first appeared.
"""

from __future__ import annotations

import torch

from .history import History

__all__ = ["LossMonitor", "TrainingDiverged"]


class TrainingDiverged(RuntimeError):
    """A loss became NaN or infinite; the message names the loss and the step."""


class LossMonitor:
    """Running means of named losses, plus instantaneous values such as gradient norms."""

    def __init__(self, names: tuple[str, ...], device: torch.device) -> None:
        self.names, self.device = names, device
        self.first_bad = {n: torch.full((), -1, dtype=torch.long, device=device) for n in names}
        self.bad_value = {n: torch.zeros((), device=device) for n in names}
        self.reset()

    def reset(self) -> None:
        """Start a new log interval (the NaN record is kept)."""
        self.sums = {n: torch.zeros((), device=self.device) for n in self.names}
        self.count = torch.zeros((), device=self.device)
        self.values: dict[str, torch.Tensor] = {}

    def add(self, step: int, **losses: torch.Tensor) -> None:
        """Add one step's losses: device operations only, no synchronisation."""
        for name, value in losses.items():
            self.sums[name] = self.sums[name] + value
            newly_bad = ~torch.isfinite(value) & (self.first_bad[name] < 0)
            self.first_bad[name] = torch.where(newly_bad, step, self.first_bad[name])
            self.bad_value[name] = torch.where(newly_bad, value, self.bad_value[name])
        self.count = self.count + 1

    def set(self, name: str, value: torch.Tensor) -> None:
        """Record an instantaneous value (logged as is at the next flush)."""
        self.values[name] = value

    def check_finite(self, step: int) -> None:
        """Raise :class:`TrainingDiverged` if any loss has been NaN or infinite (a sync).

        The message names the loss that went first, and the step where it did."""
        bad = sorted(
            (int(first), name) for name, first in self.first_bad.items() if int(first) >= 0
        )
        if bad:
            first, name = bad[0]
            others = "".join(f"; {n} followed at step {s}" for s, n in bad[1:])
            raise TrainingDiverged(
                f"{name} became {float(self.bad_value[name])} at step {first} "
                f"(noticed at step {step}){others}. Lower the learning rates, check the data "
                "range, or add a gradient penalty; resume from an earlier checkpoint."
            )

    def flush(self, history: History, step: int) -> None:
        """Check for NaN, append the interval's means and the recorded values, and reset."""
        self.check_finite(step)
        count = float(self.count)
        if count > 0:
            for name in self.names:
                history.append(name, step, float(self.sums[name]) / count)
            for name, value in self.values.items():
                history.append(name, step, float(value))
        self.reset()

    def state_dict(self) -> dict:
        return {
            "sums": dict(self.sums),
            "count": self.count,
            "values": dict(self.values),
            "first_bad": dict(self.first_bad),
            "bad_value": dict(self.bad_value),
        }

    def load_state_dict(self, state: dict) -> None:
        def to_device(d: dict) -> dict:
            return {k: v.to(self.device) for k, v in d.items()}

        self.sums, self.values = to_device(state["sums"]), to_device(state["values"])
        self.first_bad, self.bad_value = (
            to_device(state["first_bad"]),
            to_device(state["bad_value"]),
        )
        self.count = state["count"].to(self.device)
