"""What a training run saves and restores: :class:`TrainerState`, the checkpoint half of
:class:`~gancourse.train.GANTrainer`.

A checkpoint holds everything a bit-identical resume needs — weights, EMA, optimizer states,
every random generator's state, the history, the loss monitor, a stateful objective's state and
the run's metadata — as tensors and plain containers, so it loads with ``weights_only=True``.
It is written atomically, and never over a good one by a diverged run.
"""

from __future__ import annotations

import os
from dataclasses import asdict, fields

import torch

from .checkpoint import atomic_save, load_checkpoint
from .train_config import EXECUTION_ONLY

__all__ = ["TrainerState"]


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
            "torch_rng": torch.get_rng_state(),
            "history": self.history.state_dict(),
            "monitor": self.monitor.state_dict(),
            "meta": self.meta,
            "loss_state": self.objective.state_dict(),  # {} for a stateless objective
        }
        if self.G_ema is not None:
            state["generator_ema"] = self.G_ema.state_dict()
            state["ema_updates"] = self.ema_updates
        if torch.cuda.is_available():
            state["cuda_rng"] = torch.cuda.get_rng_state_all()
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
        torch.set_rng_state(state["torch_rng"].cpu())
        if "cuda_rng" in state and torch.cuda.is_available():
            torch.cuda.set_rng_state_all([s.cpu() for s in state["cuda_rng"]])
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
