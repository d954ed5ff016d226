"""Checkpoints that are never half-written, and loaded without running pickled code."""

from __future__ import annotations

import os
import pickle
import tempfile
import zipfile
from pathlib import Path

import torch

__all__ = ["CheckpointError", "atomic_save", "load_checkpoint"]


class CheckpointError(ValueError):
    """A file that is not a readable checkpoint (truncated, corrupt, or not one of ours)."""


def atomic_save(obj, path: str | os.PathLike) -> Path:
    """``torch.save`` to a temporary file in the same folder, then rename over ``path``.

    The rename is atomic on POSIX and Windows, so an interrupted save leaves the previous
    checkpoint intact rather than a truncated file.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(tmp, 0o666 & ~umask)  # mkstemp's 0600 would make a shared checkpoint private
    try:
        with os.fdopen(fd, "wb") as f:
            torch.save(obj, f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def load_checkpoint(path: str | os.PathLike, map_location=None) -> dict:
    """Load a checkpoint with ``weights_only=True``: tensors and plain containers only."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no checkpoint at {path}")
    if not zipfile.is_zipfile(path):  # torch.save writes a zip archive; a cut-off one is not
        raise CheckpointError(_unreadable(path, ValueError("not a complete torch.save archive")))
    try:
        state = torch.load(path, map_location=map_location, weights_only=True)
    except pickle.UnpicklingError as err:
        if "weights only load failed" not in str(err).lower():
            raise CheckpointError(_unreadable(path, err)) from err
        raise CheckpointError(
            f"{path} holds objects other than tensors and plain containers, and checkpoints are "
            "loaded with torch.load(weights_only=True), which refuses to run pickled code: "
            "use a checkpoint written by gancourse"
        ) from err
    except Exception as err:  # a truncated zip, a text file, ...: all mean "unreadable"
        raise CheckpointError(_unreadable(path, err)) from err
    if not isinstance(state, dict):
        raise CheckpointError(f"{path} holds a {type(state).__name__}, not a checkpoint dict")
    return state


def _unreadable(path: Path, err: Exception) -> str:
    lines = str(err).strip().splitlines()
    reason = lines[0][:200] if lines else type(err).__name__
    return (
        f"{path} is not a readable checkpoint ({reason}); it is truncated or corrupt. "
        "Use another copy (a run folder also holds best.pt) or start a new run elsewhere"
    )
