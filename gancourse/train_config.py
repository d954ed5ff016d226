"""How to train: :class:`TrainConfig`, the optimizers it names, and the inputs of one step."""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import torch

from .losses import get_loss

__all__ = ["StepInputs", "TrainConfig"]


@dataclass
class TrainConfig:
    """How to train. The defaults are the course's toy recipe (NSGAN, Adam(0.5, 0.999), lr 1e-3,
    batch 256); see :func:`gancourse.recipes.toy_gan` for what it reaches on the ring."""

    loss: str = "nonsaturating"  # a name in gancourse.losses.LOSSES
    loss_options: dict | None = None  # arguments of a stateful objective, e.g. {"rho": 0.1}
    batch_size: int = 256
    n_critic: int = 1  # discriminator steps per generator step (k in Algorithm 1)
    lr_d: float = 1e-3
    lr_g: float = 1e-3  # lr_g != lr_d is the two time-scale update rule (TTUR)
    optimizer: str = "adam"  # adam | sgd | rmsprop
    betas: tuple[float, float] = (0.5, 0.999)  # Adam
    momentum: float = 0.0  # SGD and RMSprop
    merged: bool = False  # one optimizer, one backward pass for D and G (needs n_critic = 1)
    ema_decay: float | None = None  # e.g. 0.999: keep an EMA copy of G's weights
    log_every: int = 50  # steps between log lines (and the only host-device syncs)
    seed: int = 0  # seeds trainer.rng, which draws every batch and every z
    # Replay each step as one CUDA graph when training on CUDA (ignored on CPU and MPS): same
    # arithmetic, far fewer kernel launches; see gancourse.graphed.CUDAGraphStep.
    cuda_graph: bool = False

    def __post_init__(self) -> None:
        get_loss(self.loss, **(self.loss_options or {}))  # unknown names fail here, clearly
        if self.optimizer not in ("adam", "sgd", "rmsprop"):
            raise ValueError(f"optimizer must be adam, sgd or rmsprop, got {self.optimizer!r}")
        if self.batch_size < 1 or self.n_critic < 1 or self.log_every < 1:
            raise ValueError("batch_size, n_critic and log_every must be >= 1")
        if self.lr_d <= 0 or self.lr_g <= 0:
            raise ValueError(
                f"learning rates must be positive, got lr_d={self.lr_d}, lr_g={self.lr_g}"
            )
        if self.merged and self.n_critic != 1:
            raise ValueError("the merged one-step update does one D and one G step: use n_critic=1")
        if self.ema_decay is not None and not 0 < self.ema_decay < 1:
            raise ValueError(f"ema_decay must be in (0, 1), got {self.ema_decay}")
        self.betas = tuple(self.betas)


# Settings that change how a step is executed, not what it computes: a checkpoint written
# with one value resumes under the other.
_EXECUTION_ONLY = {"cuda_graph"}


class StepInputs(NamedTuple):
    """The random inputs of one training step (see :meth:`GANTrainer.draw_step_inputs`)."""

    reals: tuple[torch.Tensor, ...]  # one real batch per D step
    d_latents: tuple[torch.Tensor, ...]  # one z batch per D step
    g_latent: torch.Tensor  # G's z batch
    g_real: torch.Tensor | None  # the real batch of a relativistic generator loss


def _optimizer(
    config: TrainConfig, groups: list[dict], capturable: bool = False
) -> torch.optim.Optimizer:
    # capturable=True keeps Adam's and RMSprop's step counts on the device, as a CUDA graph
    # needs; SGD has no step count and is capturable as it is.
    if config.optimizer == "adam":
        return torch.optim.Adam(groups, betas=config.betas, capturable=capturable)
    if config.optimizer == "sgd":
        return torch.optim.SGD(groups, momentum=config.momentum)
    return torch.optim.RMSprop(groups, momentum=config.momentum, capturable=capturable)
