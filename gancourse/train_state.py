"""What a training run saves and restores: :class:`TrainerState`, the checkpoint half of
:class:`~gancourse.train.GANTrainer`.

A checkpoint holds everything a bit-identical resume needs — weights, EMA, optimizer states,
every random generator's state, the history, the loss monitor, a stateful objective's state and
the run's metadata — as tensors and plain containers, so it loads with ``weights_only=True``.
It is written atomically, and never over a good one by a diverged run.
"""

from __future__ import annotations

import contextlib
import os
from dataclasses import asdict, fields

import torch

from .checkpoint import atomic_save, load_checkpoint
from .train_config import EXECUTION_ONLY

__all__ = ["GlobalStream", "TrainerState"]


class GlobalStream:
    """torch's global random generators — the CPU one and, on CUDA, the training device's — as one
    run's own stream. Dropout (pix2pix's noise) and CycleGAN's image pools draw from them, not from
    ``trainer.rng``; while :meth:`active` (during :meth:`GANTrainer.train`) the run's saved state is
    swapped in and the caller's is put back after, so two trainers built in one process and
    trained in turn draw what each would draw alone. The state starts as the global one when the
    trainer is built (after the recipe's ``seed_everything``)."""

    def __init__(self, device: torch.device) -> None:
        self.device = device
        self.is_active = False
        self._state = self._read()

    def _read(self) -> dict:
        state = {"cpu": torch.get_rng_state()}
        if self.device.type == "cuda":
            state["cuda"] = torch.cuda.get_rng_state(self.device)
        return state

    def _write(self, state: dict) -> None:
        torch.set_rng_state(state["cpu"].cpu())
        if "cuda" in state and self.device.type == "cuda":
            torch.cuda.set_rng_state(state["cuda"].cpu(), self.device)

    @contextlib.contextmanager
    def active(self):
        outer = self._read()
        self._write(self._state)
        self.is_active = True
        try:
            yield
        finally:
            self._state = self._read()
            self._write(outer)
            self.is_active = False

    def get_state(self) -> dict:
        return self._read() if self.is_active else self._state

    def set_state(self, state: dict) -> None:
        self._state = state
        if self.is_active:
            self._write(state)


class TrainerState:
    """Checkpointing for :class:`~gancourse.train.GANTrainer` (a mixin: it uses the trainer's
    networks, optimizers, generators, history and monitor)."""

    def state_dict(self) -> dict:
        """Everything a bit-identical resume needs (tensors and plain containers only)."""
        state = {
            "step": self.step,
            "train_seconds": self.train_seconds,
            "config": asdict(self.config),
            "generator": self.G.state_dict(),
            "discriminator": self.D.state_dict(),
            "optimizers": {k: opt.state_dict() for k, opt in self.optimizers.items()},
            "rng": self.rng.get_state(),
            "global_rng": self.global_stream.get_state(),
            "history": self.history.state_dict(),
            "monitor": self.monitor.state_dict(),
            "meta": self.meta,
            "loss_state": self.objective.state_dict(),  # {} for a stateless objective
        }
        if self.G_ema is not None:
            state["generator_ema"] = self.G_ema.state_dict()
            state["ema_updates"] = self.ema_updates
        return state

    def save_checkpoint(self, path: str | os.PathLike) -> None:
        """Write the state atomically (temporary file, then rename)."""
        self.monitor.check_finite(
            self.step
        )  # never overwrite a good checkpoint with a diverged run
        atomic_save(self.state_dict(), path)

    def load_checkpoint(self, path: str | os.PathLike) -> None:
        """Restore a checkpoint written by :meth:`save_checkpoint` into this trainer."""
        state = load_checkpoint(path, map_location=self.device)
        saved = state["config"]
        mismatched = [
            f.name
            for f in fields(self.config)
            if f.name in saved
            and f.name not in EXECUTION_ONLY
            and _normalise(saved[f.name]) != _normalise(getattr(self.config, f.name))
        ]
        if mismatched:
            raise ValueError(
                f"{path} was written with a different configuration ({', '.join(mismatched)}); "
                "build the trainer with the same TrainConfig to resume"
            )
        self.G.load_state_dict(state["generator"])
        self.D.load_state_dict(state["discriminator"])
        if self.G_ema is not None:
            self.G_ema.load_state_dict(state["generator_ema"])
            self.ema_updates.copy_(state["ema_updates"])  # in place: a CUDA graph points at it
        for k, opt in self.optimizers.items():
            opt.load_state_dict(state["optimizers"][k])
        self.rng.set_state(state["rng"].cpu())  # generator states are CPU byte tensors
        if "global_rng" in state:
            self.global_stream.set_state(state["global_rng"])
        else:  # a checkpoint written before the run owned its global stream
            self.global_stream.set_state({"cpu": state["torch_rng"].cpu()})
        self.history.load_state_dict(state["history"])
        self.monitor.load_state_dict(state["monitor"])
        self.step = int(state["step"])
        self.meta = dict(state.get("meta", {}))
        self.train_seconds = float(state.get("train_seconds", self.meta.get("train_seconds", 0.0)))
        self.objective.load_state_dict(state.get("loss_state", {}))
        if self.graphed_step is not None:  # the optimizers now hold new state tensors: recapture
            self.graphed_step.reset()


def _normalise(value):
    return list(value) if isinstance(value, tuple | list) else value
