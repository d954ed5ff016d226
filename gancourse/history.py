"""A training history: named series of (step, value) pairs, plain enough to checkpoint."""

from __future__ import annotations

import math

__all__ = ["History"]


class History:
    """Named series of scalars recorded during training.

    >>> h = History()
    >>> h.append("d_loss", step=50, value=1.31)
    >>> h.steps("d_loss"), h.values("d_loss")
    ([50], [1.31])
    """

    def __init__(self) -> None:
        self._series: dict[str, dict[str, list]] = {}

    def append(self, name: str, step: int, value: float) -> None:
        series = self._series.setdefault(name, {"step": [], "value": []})
        series["step"].append(int(step))
        series["value"].append(float(value))

    def names(self) -> list[str]:
        return list(self._series)

    def steps(self, name: str) -> list[int]:
        return list(self._get(name)["step"])

    def values(self, name: str) -> list[float]:
        return list(self._get(name)["value"])

    def last(self, name: str) -> float:
        values = self._get(name)["value"]
        return values[-1] if values else math.nan

    def __contains__(self, name: str) -> bool:
        return name in self._series

    def _get(self, name: str) -> dict[str, list]:
        if name not in self._series:
            raise KeyError(
                f"no series {name!r} in the history; it has {', '.join(self._series) or 'none'}"
            )
        return self._series[name]

    def state_dict(self) -> dict[str, dict[str, list]]:
        """Plain lists of ints and floats: loadable with ``torch.load(weights_only=True)``."""
        return {name: {k: list(v) for k, v in s.items()} for name, s in self._series.items()}

    def load_state_dict(self, state: dict[str, dict[str, list]]) -> None:
        self._series = {name: {k: list(v) for k, v in s.items()} for name, s in state.items()}

    def __eq__(self, other: object) -> bool:
        return isinstance(other, History) and self.state_dict() == other.state_dict()

    def __repr__(self) -> str:
        sizes = ", ".join(f"{name}: {len(s['step'])}" for name, s in self._series.items())
        return f"History({sizes})"
