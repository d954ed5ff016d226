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
from functools import partial

import torch

from .config import seed_everything
from .losses import get_loss
from .nets import StackedMLP, mlp_discriminator, mlp_generator
from .recipes import TOY_LATENT_DIM, critic_controls
from .train import GANTrainer, TrainConfig

__all__ = ["PerModelObjective", "ToyGANBatch", "toy_gan_batch"]


class PerModelObjective:
    r"""The objective of M stacked models, :math:`L = \sum_m L_m`, where :math:`L_m` is the
    named loss on model m's rows of the logits. A stateful objective (Fisher GAN) gets one
    instance — one multiplier — per model."""

    def __init__(self, name: str, options: dict | None, n_models: int) -> None:
        self.parts = [get_loss(name, **(options or {})) for _ in range(n_models)]
        first = self.parts[0]
        if getattr(first.d_loss, "needs_samples", False):
            raise ValueError(f"the {name} objective needs the samples; it cannot be stacked")
        self.n_models = n_models
        parts = self.parts

        def d_loss(real_logits: torch.Tensor, fake_logits: torch.Tensor) -> torch.Tensor:
            reals, fakes = real_logits.chunk(n_models), fake_logits.chunk(n_models)
            return sum(p.d_loss(r, f) for p, r, f in zip(parts, reals, fakes, strict=True))

        def g_loss(
            fake_logits: torch.Tensor, real_logits: torch.Tensor | None = None
        ) -> torch.Tensor:
            fakes = fake_logits.chunk(n_models)
            reals = real_logits.chunk(n_models) if real_logits is not None else [None] * n_models
            return sum(p.g_loss(f, r) for p, f, r in zip(parts, fakes, reals, strict=True))

        g_loss.needs_real_logits = getattr(first.g_loss, "needs_real_logits", False)
        self.d_loss, self.g_loss = d_loss, g_loss
        if hasattr(first, "update"):
            self.update = self._update
        if hasattr(first, "state_dict"):
            self.state_dict, self.load_state_dict = self._state_dict, self._load_state_dict

    def _update(self) -> None:
        for part in self.parts:
            part.update()

    def _state_dict(self) -> dict:
        return {"models": [part.state_dict() for part in self.parts]}

    def _load_state_dict(self, state: dict) -> None:
        for part, s in zip(self.parts, state["models"], strict=True):
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
    discriminator, hooks = critic_controls(
        StackedMLP(discriminators), penalty, penalty_weight, clip, normalize
    )
    if "d_penalty" in hooks:  # a mean over M·B samples is (1/M) Σ_m of the per-model means
        hooks["d_penalty"] = partial(_scaled_penalty, hooks["d_penalty"], n)
    per_model_batch = config.pop("batch_size", TrainConfig.batch_size)
    cfg = TrainConfig(seed=seeds[0], batch_size=n * per_model_batch, **config)
    trainer = GANTrainer(
        StackedMLP(generators),
        discriminator,
        dist,
        latent_dim,
        cfg,
        device=device,
        progress=progress,
        objective=PerModelObjective(cfg.loss, cfg.loss_options, n),
        **{**hooks, **(trainer_kwargs or {})},
    )
    return ToyGANBatch(trainer, dist, seeds)


def _scaled_penalty(penalty, n_models: int, D, real, fake):
    return n_models * penalty(D, real, fake)
