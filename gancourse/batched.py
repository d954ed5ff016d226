r"""Many toy GANs trained as one: the seeds of a table in one batched model.

A coverage table needs several seeds per cell, and on two CPU cores one toy run after another
is slow: a step of 3 × 64 MLPs is mostly Python and launch overhead. :func:`toy_gan_batch`
builds M runs of the toy recipe (:func:`gancourse.recipes.toy_gan`) — one per seed, the same
networks, initial weights and options as the M separate calls would give — and trains them
as **one** :class:`~gancourse.train.GANTrainer` over stacked networks
(:class:`~gancourse.nets.StackedMLP`).

Why this is M independent runs and not one big one:

* the networks share nothing: model m reads only rows ``m·B … (m+1)·B − 1`` of each batch;
* the objective is :math:`\sum_m L(\text{outputs of model } m)` (:class:`PerModelObjective`),
  so each model's gradient is that of its own loss, batch-level statistics (MMD, covariances,
  Fisher GAN's moments and multiplier) included;
* a per-sample gradient penalty on the stacked batch is a mean over M·B samples, i.e.
  :math:`\frac1M\sum_m` of the per-model penalties, so it is multiplied by M;
* Adam, RMSprop and SGD act elementwise, so one optimizer over stacked tensors is M of them.

The trainer's ``batch_size`` is M times the per-model batch: each draw of real points and of
noise is one ``[M·B, ·]`` tensor whose consecutive blocks of B rows go to the M models. What
differs from M separate runs is only *which* random numbers each run gets: one stream
(``trainer.rng``) draws the stacked batch. Given the same inputs, the arithmetic is that of
the separate runs (``tests/test_batched.py`` checks it, step by step). Two statistics are
taken over the stacked batch rather than per model, which is why all models share one
distribution: DRAGAN's perturbation scale (the batch's std) and nothing else among our
penalties.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence

import torch

from .config import seed_everything
from .nets import StackedMLP, mlp_discriminator, mlp_generator
from .objectives import Batch, Objective, get_loss
from .recipes import TOY_LATENT_DIM
from .regularizers import Penalty, critic_controls
from .train import GANTrainer, TrainConfig

__all__ = ["PerModelObjective", "ToyGANBatch", "toy_gan_batch"]


class PerModelObjective(Objective):
    r"""The objective of M stacked models, :math:`L = \sum_m L_m`, where :math:`L_m` is the
    named objective on model m's rows of the batch (:meth:`Batch.rows`). A stateful objective
    (Fisher GAN) gets one instance — one multiplier — per model."""

    def __init__(self, name: str, options: dict | None, n_models: int) -> None:
        self.parts = [get_loss(name, **(options or {})) for _ in range(n_models)]
        if self.parts[0].log_names or self.parts[0].generator_modules():
            raise ValueError(
                f"the {name} objective logs values or trains networks of its own, which stacked "
                "models do not split per model yet: train its models one at a time"
            )

    def d_loss(self, batch: Batch) -> torch.Tensor:
        rows = batch.rows(len(self.parts))
        return sum(part.d_loss(b) for part, b in zip(self.parts, rows, strict=True))

    def g_loss(self, batch: Batch) -> torch.Tensor:
        rows = batch.rows(len(self.parts))
        return sum(part.g_loss(b) for part, b in zip(self.parts, rows, strict=True))

    def update(self) -> None:
        for part in self.parts:
            part.update()

    def state_dict(self) -> dict:
        return {"models": [part.state_dict() for part in self.parts]}

    def load_state_dict(self, state: dict) -> None:
        # {} from a stateless objective (checkpoints before the interface saved no state at all)
        states = state.get("models", [{}] * len(self.parts))
        for part, s in zip(self.parts, states, strict=True):
            part.load_state_dict(s)


class ToyGANBatch:
    """M toy GANs on one distribution, trained together. ``trainer`` is the one
    :class:`~gancourse.train.GANTrainer` (its ``G`` and ``D`` are stacked); :meth:`generator`,
    :meth:`discriminator` and :meth:`generate` give model m as if it had been trained alone."""

    def __init__(self, trainer: GANTrainer, dist, seeds: Sequence[int]) -> None:
        self.trainer, self.dist, self.seeds = trainer, dist, tuple(seeds)

    def __len__(self) -> int:
        return len(self.seeds)

    def train(self, steps: int):
        """``steps`` generator steps of every model."""
        return self.trainer.train(steps)

    def generator(self, m: int) -> torch.nn.Module:
        """Model m's generator, as an ordinary MLP (a copy)."""
        return self.trainer.G.unstack(m)

    def discriminator(self, m: int) -> torch.nn.Module:
        """Model m's discriminator as a module on ``[B, d]`` (a copy; with GN-style wrappers
        the stacked wrapper is applied to model m's copy)."""
        D = self.trainer.D
        if isinstance(D, StackedMLP):
            return D.unstack(m)
        wrapper = copy.copy(D)  # GradientNormalized(...) around a StackedMLP
        wrapper._modules = dict(D._modules)  # a shallow copy shares this dict: don't
        wrapper.net = D.net.unstack(m)
        return wrapper

    @torch.no_grad()
    def generate(self, m: int, n: int = 2500, seed: int | None = 0) -> torch.Tensor:
        """``n`` samples of model m, from noise drawn exactly as
        :meth:`GANTrainer.generate` draws it (so a separate run would give the same points)."""
        t = self.trainer
        rng = t.rng
        if seed is not None:
            rng = torch.Generator(device=t.device).manual_seed(seed)
        size = t.config.batch_size // len(self)  # the per-model batch
        z = torch.cat(
            [
                torch.randn(size, t.latent_dim, generator=rng, device=t.device)
                for _ in range(-(-n // size))
            ]
        )[:n]
        return self.generator(m).to(t.device)(z)


def toy_gan_batch(
    dist,
    seeds: Sequence[int],
    latent_dim: int = TOY_LATENT_DIM,
    width: int = 128,
    depth: int = 3,
    activation: str = "relu",
    d_features: int = 1,
    spectral_norm: bool = False,
    penalty: str | None = None,
    penalty_weight: float | None = None,
    clip: float | None = None,
    normalize: str | None = None,
    device=None,
    progress: bool = False,
    trainer_kwargs: dict | None = None,
    **config,
) -> ToyGANBatch:
    """The runs ``toy_gan(dist, seed=s, **options)`` for every ``s`` in ``seeds``, as one
    batched trainer (same options, same initial weights per seed; ``batch_size`` is per model;
    see the module docstring). The trainer's own random stream is seeded with ``seeds[0]``."""
    seeds = [int(s) for s in seeds]
    if not seeds:
        raise ValueError("need at least one seed")
    generators, discriminators = [], []
    for seed in seeds:  # exactly what toy_gan does, seed by seed
        seed_everything(seed)
        generators.append(
            mlp_generator(latent_dim, dist.dim, width=width, depth=depth, activation=activation)
        )
        discriminators.append(
            mlp_discriminator(
                dist.dim, d_features, spectral_norm, width=width, depth=depth, activation=activation
            )
        )
    seed_everything(seeds[0])
    n = len(seeds)
    stacked_d = StackedMLP(discriminators)  # before G's stack: building one draws numbers
    controls = critic_controls(penalty, penalty_weight, clip, normalize)
    for control in controls:
        if isinstance(control, Penalty):  # a mean over M·B samples is (1/M) Σ_m of the models'
            control.scale = n
    per_model_batch = config.pop("batch_size", TrainConfig.batch_size)
    cfg = TrainConfig(seed=seeds[0], batch_size=n * per_model_batch, **config)
    trainer = GANTrainer(
        StackedMLP(generators),
        stacked_d,
        dist,
        latent_dim,
        cfg,
        device=device,
        progress=progress,
        objective=PerModelObjective(cfg.loss, cfg.loss_options, n),
        controls=controls,
        **(trainer_kwargs or {}),
    )
    return ToyGANBatch(trainer, dist, seeds)
