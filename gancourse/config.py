"""Where code runs, how random it is, and how big a run is.

Three small things every notebook starts with:

* :func:`device` picks the accelerator: CUDA, then Apple MPS, then the CPU, unless
  ``GANCOURSE_DEVICE`` names one.
* :func:`seed_everything` seeds Python, NumPy and PyTorch (every CUDA device too), so a
  seeded run gives the same numbers twice on one machine.
* :func:`profile` and :func:`budget` size every run: ``fast`` (CI, laptops: minutes on
  two CPU cores) or ``full`` (a GPU: results worth showing). Notebooks never branch on the
  profile for anything but sizes; they write ``steps = budget(fast=500, full=20_000)``.
"""

from __future__ import annotations

import os
import random
from typing import TypeVar

import numpy as np
import torch

__all__ = ["PROFILES", "budget", "checked_device", "device", "profile", "seed_everything"]

PROFILES = ("fast", "full")
"""The run profiles, smallest first."""

T = TypeVar("T")


def _mps_available() -> bool:
    backend = getattr(torch.backends, "mps", None)
    return bool(backend is not None and backend.is_available())


def device() -> torch.device:
    """The device to compute on: ``cuda`` → ``mps`` → ``cpu``.

    ``GANCOURSE_DEVICE`` overrides the choice (``cpu``, ``cuda``, ``cuda:1``, ``mps``), e.g.
    to time the CPU on a GPU machine. Asking for a device that is not there is an error,
    not a silent fall-back, so a run never reports CPU timings as GPU ones.
    """
    requested = os.environ.get("GANCOURSE_DEVICE", "").strip()
    if requested:
        return checked_device(requested, f"GANCOURSE_DEVICE={requested!r}")
    if torch.cuda.is_available():
        return torch.device("cuda")
    if _mps_available():
        return torch.device("mps")
    return torch.device("cpu")


def checked_device(name: str, said: str | None = None) -> torch.device:
    """The device called ``name`` if it exists here, else a ``ValueError`` saying what to use
    (``said`` is how the user asked for it, e.g. ``--device 'gpu'``)."""
    said = said or f"device {name!r}"
    hint = "use cpu, cuda, cuda:N or mps, or leave it out to choose automatically"
    try:
        chosen = torch.device(name)
    except (RuntimeError, TypeError) as err:
        raise ValueError(f"{said} is not a device torch knows ({hint})") from err
    if chosen.type == "cuda":
        if not torch.cuda.is_available():
            raise ValueError(
                f"{said} but CUDA is not available here (no GPU, or a CPU-only torch build); "
                "use cpu"
            )
        if chosen.index is not None and chosen.index >= torch.cuda.device_count():
            raise ValueError(
                f"{said} but only {torch.cuda.device_count()} CUDA device(s) exist; "
                "use an index below that"
            )
    elif chosen.type == "mps" and not _mps_available():
        raise ValueError(f"{said} but Apple MPS is not available here; use cpu")
    elif chosen.type not in ("cpu", "cuda", "mps"):
        raise ValueError(f"{said}: the course supports cpu, cuda and mps")
    return chosen


def seed_everything(seed: int) -> int:
    """Seed Python's ``random``, NumPy's global generator and PyTorch (CPU and every GPU).

    Returns the seed, so a notebook can write ``SEED = seed_everything(0)``. Code that wants
    its own stream should still take a ``torch.Generator``; this only fixes the global ones.
    """
    if not isinstance(seed, int) or isinstance(seed, bool) or not 0 <= seed < 2**32:
        raise ValueError(f"seed must be an integer in [0, 2**32), got {seed!r}")
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)  # seeds every CUDA device as well
    return seed


def profile() -> str:
    """The run profile: ``GANCOURSE_PROFILE`` if set, else ``full`` with CUDA, else ``fast``.

    Read on every call, so a test or a notebook can change the variable and see it.
    """
    value = os.environ.get("GANCOURSE_PROFILE", "").strip().lower()
    if not value:
        return "full" if torch.cuda.is_available() else "fast"
    if value not in PROFILES:
        raise ValueError(
            f"GANCOURSE_PROFILE={os.environ['GANCOURSE_PROFILE']!r} is not a profile; "
            f"use one of {', '.join(PROFILES)} (or unset it: full with a GPU, fast without)."
        )
    return value


def budget(*, fast: T, full: T) -> T:
    """The size for the current :func:`profile`: ``fast`` or ``full``.

    >>> steps = budget(fast=500, full=20_000)

    Both are required, so every run states what it costs on a laptop and on a GPU.
    """
    return fast if profile() == "fast" else full
