"""How to train: :class:`TrainConfig`, the optimizers it names, and the inputs of one step."""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import torch

from .objectives import get_loss

__all__ = ["EXECUTION_ONLY", "StepInputs", "TrainConfig", "make_optimizer"]


@dataclass
class TrainConfig:
    """How to train. The defaults are the course's toy recipe (NSGAN, Adam(0.5, 0.999), lr 1e-3,
    batch 256); see :func:`gancourse.recipes.toy_gan` for what it reaches on the ring."""

    loss: str = "nonsaturating"  # a name in gancourse.objectives.LOSSES
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
    # A conditional run (notebook 11) when > 0: the data's labels come with each real batch,
    # the loop draws the fakes' labels ("uniform" over the classes, or with the training set's
    # class "frequencies"), and the networks are called as G(z, y) and D(x, y).
    num_classes: int = 0
    fake_labels: str = "uniform"
    # A translation run (notebooks 12-13) when True: each real sample comes with an input image
    # (pix2pix: its edge map; CycleGAN: the real pair itself), G translates the real batch's own
    # inputs, G(a) (no z: latent_dim 0), and D judges D(x, a).
    paired: bool = False
    # Replay each step as one CUDA graph when training on CUDA (ignored on CPU and MPS): same
    # arithmetic, far fewer kernel launches; see gancourse.graphed.CUDAGraphStep.
    cuda_graph: bool = False

    def __post_init__(self) -> None:
        self._check_types()
        get_loss(self.loss, **(self.loss_options or {}))  # unknown names fail here, clearly
        if self.optimizer not in ("adam", "sgd", "rmsprop"):
            raise ValueError(f"optimizer must be adam, sgd or rmsprop, got {self.optimizer!r}")
        if self.batch_size < 1 or self.n_critic < 1 or self.log_every < 1:
            raise ValueError("batch_size, n_critic and log_every must be >= 1")
        if self.lr_d <= 0 or self.lr_g <= 0:
            raise ValueError(
                f"learning rates must be positive, got lr_d={self.lr_d}, lr_g={self.lr_g}"
            )
        if self.num_classes < 0:
            raise ValueError(
                f"num_classes must be >= 0 (0: an unconditional run), got {self.num_classes}"
            )
        if self.fake_labels not in ("uniform", "frequencies"):
            raise ValueError(
                f"fake_labels must be 'uniform' or 'frequencies', got {self.fake_labels!r}"
            )
        if self.paired and self.num_classes:
            raise ValueError(
                "a run is either paired (G translates an input image) or class-conditional "
                "(num_classes > 0), not both"
            )
        if self.merged and self.n_critic != 1:
            raise ValueError("the merged one-step update does one D and one G step: use n_critic=1")
        if self.ema_decay is not None and not 0 < self.ema_decay < 1:
            raise ValueError(f"ema_decay must be in (0, 1), got {self.ema_decay}")
        self.betas = tuple(self.betas)

    def _check_types(self) -> None:
        """A wrong type (``--set lr_d=abc``) gets a message naming the field, not a TypeError
        from deep inside."""

        def fail(name: str, what: str) -> None:
            value = getattr(self, name)
            raise ValueError(f"TrainConfig.{name} must be {what}, got {value!r}")

        def is_number(v) -> bool:
            return isinstance(v, int | float) and not isinstance(v, bool)

        for name in ("batch_size", "n_critic", "log_every", "seed", "num_classes"):
            v = getattr(self, name)
            if not isinstance(v, int) or isinstance(v, bool):
                fail(name, "an integer")
        for name in ("lr_d", "lr_g", "momentum"):
            if not is_number(getattr(self, name)):
                fail(name, "a number")
        for name in ("merged", "cuda_graph", "paired"):
            if not isinstance(getattr(self, name), bool):
                fail(name, "True or False")
        if self.ema_decay is not None and not is_number(self.ema_decay):
            fail("ema_decay", "a number or None")
        for name in ("loss", "optimizer", "fake_labels"):
            if not isinstance(getattr(self, name), str):
                fail(name, "a name (a string)")
        if self.loss_options is not None and not isinstance(self.loss_options, dict):
            fail("loss_options", "a dict of the objective's options")
        if not (
            isinstance(self.betas, tuple | list)
            and len(self.betas) == 2
            and all(is_number(b) for b in self.betas)
        ):
            fail("betas", "a pair of numbers, e.g. (0.5, 0.999)")


# Settings that change how a step is executed, not what it computes: a checkpoint written
# with one value resumes under the other.
EXECUTION_ONLY = {"cuda_graph"}


class StepInputs(NamedTuple):
    """The random inputs of one training step (see :meth:`GANTrainer.draw_step_inputs`); the
    labels are empty (``()``, ``None``) in an unconditional run. In a paired run the "labels" are
    the input images, and the fakes' are the real batch's own."""

    reals: tuple[torch.Tensor, ...]  # one real batch per D step
    d_latents: tuple[torch.Tensor, ...]  # one z batch per D step
    g_latent: torch.Tensor  # G's z batch
    real_labels: tuple[torch.Tensor, ...] = ()  # the labels of each real batch
    d_fake_labels: tuple[torch.Tensor, ...] = ()  # the labels G is given in each D step
    g_fake_labels: torch.Tensor | None = None  # ... and in the G step

    def tensors(self) -> list[torch.Tensor]:
        """The distinct input tensors, in a fixed order (the merged step uses one z twice)."""
        seen: dict[int, torch.Tensor] = {}
        for t in (
            *self.reals,
            *self.d_latents,
            self.g_latent,
            *self.real_labels,
            *self.d_fake_labels,
            self.g_fake_labels,
        ):
            if t is not None and id(t) not in seen:
                seen[id(t)] = t
        return list(seen.values())


def make_optimizer(
    config: TrainConfig, groups: list[dict], capturable: bool = False
) -> torch.optim.Optimizer:
    """The optimizer ``config`` names, over parameter ``groups`` (each with its own lr)."""
    # capturable=True keeps Adam's and RMSprop's step counts on the device, as a CUDA graph
    # needs; SGD has no step count and is capturable as it is.
    if config.optimizer == "adam":
        return torch.optim.Adam(groups, betas=config.betas, capturable=capturable)
    if config.optimizer == "sgd":
        return torch.optim.SGD(groups, momentum=config.momentum)
    return torch.optim.RMSprop(groups, momentum=config.momentum, capturable=capturable)
