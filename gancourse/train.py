r"""One training loop for the whole course.

The algorithm of Goodfellow et al. (2014), Algorithm 1, for every objective in the course:

    for each generator step:
        repeat n_critic times:                      # the discriminator (critic) steps
            draw real x ~ P_data and noise z ~ P_z
            descend  L_D(D(x), D(G(z)))  in D's parameters     (G's output detached)
        draw noise z
        descend  L_G(D(G(z)))  in G's parameters              (D held fixed)

The objective is a name in :data:`gancourse.losses.LOSSES`, so adding one never touches
this file; a gradient penalty (``d_penalty``) and a post-step hook such as weight clipping
(``after_d_step``) plug in the same way.

Options: separate learning rates for D and G (TTUR); an exponential moving average of G's
weights; and the **merged one-step update**, which does a D step and a G step with one
optimizer and one backward pass (see :meth:`GANTrainer.merged_losses`); and, on CUDA, replaying each
whole step as one CUDA graph (``cuda_graph=True``, :mod:`gancourse.graphed`).

What the loop promises: every random draw comes from one generator (``trainer.rng``) that
is checkpointed with the weights, optimizer states and history, so a resumed run continues
bit-for-bit; checkpoints are written atomically and loaded with ``weights_only=True``;
losses stay on the device between log steps (no ``.item()`` per step); and a NaN or
infinite loss stops the run with the step where it first happened.
"""

from __future__ import annotations

import contextlib
import copy
import os
from collections.abc import Callable

import torch
from torch import nn
from tqdm.auto import trange

from .history import History
from .losses import get_loss
from .monitor import LossMonitor, TrainingDiverged
from .train_config import StepInputs, TrainConfig, _optimizer
from .train_state import TrainerState

__all__ = ["GANTrainer", "StepInputs", "TrainConfig", "TrainingDiverged"]


def _grad_norm(module: nn.Module) -> torch.Tensor:
    """The Euclidean norm of all of a module's parameter gradients, on the device."""
    norms = [p.grad.norm() for p in module.parameters() if p.grad is not None]
    return torch.linalg.vector_norm(torch.stack(norms)) if norms else torch.zeros(())


class GANTrainer(TrainerState):
    """Trains a generator against a discriminator.

    Args:
        generator: maps ``[B, latent_dim]`` noise to samples.
        discriminator: maps samples to logits ``[B, 1]`` (or ``[B]``).
        data: anything with ``sample(n, generator=...)`` returning a batch on the
            device: a toy distribution or an :class:`~gancourse.datasets.ImageSampler`.
        latent_dim: the size of the noise vector z ~ N(0, I).
        config: a :class:`TrainConfig`.
        device: default :func:`gancourse.device`; the networks are moved there.
        d_penalty: optional ``f(D, real, fake) -> scalar`` added to the D loss
            (a gradient penalty).
        after_d_step: optional ``f(trainer)`` called after every D step (weight clipping).
        callbacks: ``{name: f(trainer) -> float or {key: float}}`` evaluated every
            ``eval_every`` steps and recorded in the history (e.g. mode coverage).
        checkpoint_path, checkpoint_every: where and how often (in steps) to save; a
            checkpoint is also written at the end of every :meth:`train` call.
        progress: show a progress bar.
        objective: the loss pair to use instead of ``get_loss(config.loss, **config.loss_options)``
            (:func:`gancourse.batched.toy_gan_batch` passes one that sums over stacked models).
    """

    def __init__(
        self,
        generator: nn.Module,
        discriminator: nn.Module,
        data,
        latent_dim: int,
        config: TrainConfig | None = None,
        device: torch.device | str | None = None,
        d_penalty: Callable | None = None,
        after_d_step: Callable | None = None,
        callbacks: dict[str, Callable] | None = None,
        eval_every: int = 0,
        checkpoint_path: str | os.PathLike | None = None,
        checkpoint_every: int = 0,
        progress: bool = True,
        objective=None,
    ) -> None:
        if device is None:
            from .config import device as default_device

            device = default_device()
        self.device = torch.device(device)
        self.config = config if config is not None else TrainConfig()
        self.G = generator.to(self.device)
        self.D = discriminator.to(self.device)
        self.data = data
        self.latent_dim = latent_dim
        self.losses = (
            get_loss(self.config.loss, **(self.config.loss_options or {}))
            if objective is None
            else objective
        )
        # Relativistic objectives compare fake with real logits in the generator loss too.
        self._g_needs_real = getattr(self.losses.g_loss, "needs_real_logits", False)
        # The c-transform objective needs the samples, not only D's outputs on them; stateful
        # objectives (Fisher GAN's multiplier) update their state after every D step.
        self._needs_samples = getattr(self.losses.d_loss, "needs_samples", False)
        self._loss_update = getattr(self.losses, "update", None)
        self.d_penalty, self.after_d_step = d_penalty, after_d_step
        self.callbacks = dict(callbacks or {})
        self.eval_every = eval_every
        self.checkpoint_path, self.checkpoint_every = checkpoint_path, checkpoint_every
        self.progress = progress

        c = self.config
        graphed = c.cuda_graph and self.device.type == "cuda"
        # On CUDA the optimizers keep their step counts on the device whether or not the step
        # is graphed, so eager and graphed runs do identical arithmetic and share checkpoints.
        capturable = self.device.type == "cuda"
        if c.merged:  # one optimizer; the ratio lr_g / lr_d is the lambda of the merged update
            self.opt = _optimizer(
                c,
                [
                    {"params": self.D.parameters(), "lr": c.lr_d},
                    {"params": self.G.parameters(), "lr": c.lr_g},
                ],
                capturable=capturable,
            )
            self.optimizers = {"merged": self.opt}
        else:
            self.opt_d = _optimizer(c, [{"params": self.D.parameters(), "lr": c.lr_d}], capturable)
            self.opt_g = _optimizer(c, [{"params": self.G.parameters(), "lr": c.lr_g}], capturable)
            self.optimizers = {"d": self.opt_d, "g": self.opt_g}
        self.G_ema = None
        if c.ema_decay is not None:
            self.G_ema = copy.deepcopy(self.G).requires_grad_(False)
        self.ema_updates = torch.zeros((), device=self.device)  # float: used in the decay

        self.rng = torch.Generator(device=self.device)
        self.rng.manual_seed(c.seed)
        self.step = 0  # generator steps done
        self.history = History()
        self.meta: dict = {}  # plain values saved with the checkpoint (the run's recipe, ...)
        self.monitor = LossMonitor(("d_loss", "g_loss"), self.device)
        self._graphed = None
        if graphed:
            from .graphed import CUDAGraphStep

            self._graphed = CUDAGraphStep(self)

    # ----------------------------------------------------------------- the objective
    def sample_latent(self, n: int) -> torch.Tensor:
        """z ~ N(0, I), ``[n, latent_dim]``, from the trainer's generator."""
        return torch.randn(n, self.latent_dim, generator=self.rng, device=self.device)

    def sample_real(self, n: int) -> torch.Tensor:
        """A batch of ``n`` real samples, drawn with the trainer's generator."""
        return self.data.sample(n, generator=self.rng)

    def discriminator_loss(self, real: torch.Tensor, fake: torch.Tensor) -> torch.Tensor:
        """L_D on a real and a fake batch (pass ``fake`` detached from G), plus the penalty."""
        extra = {"real": real, "fake": fake} if self._needs_samples else {}
        loss = self.losses.d_loss(self.D(real), self.D(fake), **extra)
        if self.d_penalty is not None:
            loss = loss + self.d_penalty(self.D, real, fake)
        return loss

    def generator_loss(
        self,
        fake: torch.Tensor,
        real_logits: torch.Tensor | None = None,
        discriminator: Callable | None = None,
        real: torch.Tensor | None = None,
    ) -> torch.Tensor:
        """L_G on a fake batch; ``discriminator`` replaces D (the merged update passes D with
        its parameters detached); ``real`` is the real batch, for objectives that need it."""
        d = self.D if discriminator is None else discriminator
        extra = {"real": real, "fake": fake} if self._needs_samples else {}
        return self.losses.g_loss(d(fake), real_logits, **extra)

    def merged_losses(
        self, real: torch.Tensor, z: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor]:
        r"""The losses of the merged one-step update, ready for one backward pass of their sum.

        Stop-gradient does the bookkeeping. In :math:`L_D(D(x), D(\mathrm{sg}[G(z)]))` the fake
        batch is detached, so no gradient reaches G; in :math:`L_G(D_{\mathrm{sg}[\phi]}(G(z)))`
        D's parameters :math:`\phi` are detached (D acts as a fixed function), so no gradient
        reaches D. Hence :math:`\nabla_\phi (L_D + L_G) = \nabla_\phi L_D` and
        :math:`\nabla_\theta (L_D + L_G) = \nabla_\theta L_G`: exactly the gradients of a D step
        and a G step taken at the same point — but from one forward pass of G and one backward
        pass. The learning rates are the optimizer's two parameter groups, so
        :math:`\lambda = \eta_G / \eta_D`. (With plain SGD, scaling :math:`L_G` by
        :math:`\lambda` would do the same; with Adam it would not, as Adam ignores a loss's scale.)
        """
        fake = self.G(z)
        d_loss = self.discriminator_loss(real, fake.detach())
        frozen = {name: p.detach() for name, p in self.D.named_parameters()}

        def frozen_d(x: torch.Tensor) -> torch.Tensor:
            return torch.func.functional_call(self.D, frozen, (x,))

        real_logits = frozen_d(real) if self._g_needs_real else None
        return d_loss, self.generator_loss(fake, real_logits, discriminator=frozen_d, real=real)

    # ----------------------------------------------------------------- one step
    def draw_step_inputs(self) -> StepInputs:
        """Every random draw of one training step, in a fixed order, from ``self.rng``:
        for each D step a real batch and a z batch, then G's z batch (and, for a relativistic
        generator loss, its real batch). The merged update uses one real and one z batch."""
        n = self.config.batch_size
        if self.config.merged:
            real, z = self.sample_real(n), self.sample_latent(n)
            return StepInputs((real,), (z,), z, None)
        reals, latents = [], []
        for _ in range(self.config.n_critic):
            reals.append(self.sample_real(n))
            latents.append(self.sample_latent(n))
        g_latent = self.sample_latent(n)
        g_real = self.sample_real(n) if self._g_needs_real else None
        return StepInputs(tuple(reals), tuple(latents), g_latent, g_real)

    def discriminator_step(
        self, real: torch.Tensor | None = None, z: torch.Tensor | None = None
    ) -> torch.Tensor:
        """One optimizer step of D on a real batch and a (detached) fake batch G(z), drawn
        fresh when not given; returns the loss (on the device)."""
        real = self.sample_real(self.config.batch_size) if real is None else real
        z = self.sample_latent(self.config.batch_size) if z is None else z
        with torch.no_grad():
            fake = self.G(z)
        loss = self.discriminator_loss(real, fake)
        self.opt_d.zero_grad(set_to_none=True)
        loss.backward()
        self.opt_d.step()
        if self._loss_update is not None:
            self._loss_update()
        if self.after_d_step is not None:
            self.after_d_step(self)
        return loss.detach()

    def generator_step(
        self, z: torch.Tensor | None = None, real: torch.Tensor | None = None
    ) -> torch.Tensor:
        """One optimizer step of G against the current D, which is held fixed; returns the loss.
        ``real`` is used only by relativistic generator losses (drawn when needed, not given)."""
        z = self.sample_latent(self.config.batch_size) if z is None else z
        if self._g_needs_real and real is None:
            real = self.sample_real(self.config.batch_size)
        self.D.requires_grad_(False)  # D is a fixed function here: no gradients to compute for it
        try:
            real_logits = self.D(real) if self._g_needs_real else None
            loss = self.generator_loss(self.G(z), real_logits, real=real)
            self.opt_g.zero_grad(set_to_none=True)
            loss.backward()
            self.opt_g.step()
        finally:
            self.D.requires_grad_(True)
        return loss.detach()

    def merged_step(
        self, real: torch.Tensor | None = None, z: torch.Tensor | None = None
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """One step of both networks from one backward pass (see :meth:`merged_losses`)."""
        real = self.sample_real(self.config.batch_size) if real is None else real
        z = self.sample_latent(self.config.batch_size) if z is None else z
        d_loss, g_loss = self.merged_losses(real, z)
        self.opt.zero_grad(set_to_none=True)
        (d_loss + g_loss).backward()
        self.opt.step()
        if self._loss_update is not None:
            self._loss_update()
        if self.after_d_step is not None:
            self.after_d_step(self)
        return d_loss.detach(), g_loss.detach()

    def update(
        self, batch: StepInputs, record_grad_norms: bool = False
    ) -> tuple[torch.Tensor, torch.Tensor, dict[str, torch.Tensor]]:
        """The arithmetic of one training step on given inputs: ``n_critic`` D steps and one
        G step (or one merged step), then the EMA of G. Returns the mean D loss, the G loss and
        (when asked) the gradient norms of the last D and G steps — all on the device.

        It reads nothing from the host and draws no random numbers, which is what lets
        :class:`~gancourse.graphed.CUDAGraphStep` record it once and replay it."""
        if self.config.merged:
            d_loss, g_loss = self.merged_step(batch.reals[0], batch.d_latents[0])
        else:
            d_losses = [
                self.discriminator_step(real, z)
                for real, z in zip(batch.reals, batch.d_latents, strict=True)
            ]
            d_loss = torch.stack(d_losses).mean()
            g_loss = self.generator_step(batch.g_latent, batch.g_real)
        self._update_ema()
        norms = {}
        if record_grad_norms:  # D's .grad still holds its last step: G's step leaves it alone
            norms = {"d_grad_norm": _grad_norm(self.D), "g_grad_norm": _grad_norm(self.G)}
        return d_loss, g_loss, norms

    def train_step(self) -> None:
        """One generator step, with its ``n_critic`` discriminator steps (or one merged step):
        draw the step's inputs, then :meth:`update` (replayed as a CUDA graph when
        ``config.cuda_graph`` and the device is CUDA)."""
        batch = self.draw_step_inputs()
        record = self._logging_step()
        run = self.update if self._graphed is None else self._graphed
        d_loss, g_loss, grad_norms = run(batch, record)
        for name, value in grad_norms.items():
            self.monitor.set(name, value)
        self.step += 1
        self.monitor.add(self.step, d_loss=d_loss, g_loss=g_loss)

    def _update_ema(self) -> None:
        r"""EMA of G's weights, :math:`\bar\theta \leftarrow \beta_t \bar\theta + (1 - \beta_t)\theta`,
        with the warm-up :math:`\beta_t = \min(\beta, (1 + t)/(10 + t))` after t updates: without
        it a 0.999 average would remember the random initial weights for thousands of steps.
        The count lives on the device so that a CUDA graph can replay the update."""
        if self.G_ema is None:
            return
        with torch.no_grad():
            self.ema_updates += 1
            t = self.ema_updates
            weight = 1.0 - torch.clamp((1.0 + t) / (10.0 + t), max=self.config.ema_decay)
            for p_ema, p in zip(self.G_ema.parameters(), self.G.parameters(), strict=True):
                p_ema.lerp_(p, weight)
            for b_ema, b in zip(self.G_ema.buffers(), self.G.buffers(), strict=True):
                b_ema.copy_(b)

    # ----------------------------------------------------------------- the loop
    def train(self, steps: int) -> History:
        """Run ``steps`` generator steps; returns the history (also ``self.history``)."""
        if steps < 0:
            raise ValueError(f"steps must be >= 0, got {steps}")
        bar = trange(steps, desc="training", disable=not self.progress, leave=False)
        for _ in bar:
            self.train_step()
            if self.step % self.config.log_every == 0:
                self.monitor.flush(self.history, self.step)
                bar.set_postfix(
                    d_loss=f"{self.history.last('d_loss'):.3f}",
                    g_loss=f"{self.history.last('g_loss'):.3f}",
                    refresh=False,
                )
            if self.eval_every and self.step % self.eval_every == 0:
                self.evaluate()
            if (
                self.checkpoint_path
                and self.checkpoint_every
                and self.step % self.checkpoint_every == 0
            ):
                self.save_checkpoint(self.checkpoint_path)
        bar.close()
        self.monitor.check_finite(self.step)
        if self.checkpoint_path:
            self.save_checkpoint(self.checkpoint_path)
        return self.history

    def evaluate(self) -> None:
        """Run the metric callbacks now and record them in the history.

        The trainer's random state is restored afterwards, so measuring a run (with
        callbacks that call :meth:`generate`) does not change the run being measured.
        """
        state = self.rng.get_state()
        try:
            for name, fn in self.callbacks.items():
                result = fn(self)
                items = result.items() if isinstance(result, dict) else [("", result)]
                for key, value in items:
                    self.history.append(f"{name}.{key}" if key else name, self.step, float(value))
        finally:
            self.rng.set_state(state)

    @torch.no_grad()
    def generate(self, n: int, ema: bool | None = None, seed: int | None = None) -> torch.Tensor:
        """``n`` generated samples (from the EMA generator if there is one, unless ``ema=False``).

        With ``seed`` the noise comes from a fresh generator with that seed, so evaluations
        are comparable across runs and leave the trainer's random stream untouched.

        The generator runs as in training (batch-norm layers normalise with the statistics of
        each batch of ``config.batch_size`` — the distribution D was trained against), and
        every buffer is restored afterwards: generating never changes the run.
        """
        g = self.G_ema if (ema is not False and self.G_ema is not None) else self.G
        rng = self.rng
        if seed is not None:
            rng = torch.Generator(device=self.device)
            rng.manual_seed(seed)
        size = self.config.batch_size
        with preserved_buffers(g):
            # whole batches only, so that no sample is normalised with a tiny last batch
            batches = [
                g(torch.randn(size, self.latent_dim, generator=rng, device=self.device))
                for _ in range(-(-n // size))
            ]
        return torch.cat(batches)[:n]

    # ----------------------------------------------------------------- logging
    def _logging_step(self) -> bool:
        # called before self.step is incremented
        return (self.step + 1) % self.config.log_every == 0


@contextlib.contextmanager
def preserved_buffers(module: nn.Module):
    """Run ``module`` and put its buffers (batch-norm running statistics, counters) back as
    they were, in place (a captured CUDA graph keeps pointing at the same tensors)."""
    saved = [b.clone() for b in module.buffers()]
    try:
        yield module
    finally:
        with torch.no_grad():
            for b, old in zip(module.buffers(), saved, strict=True):
                b.copy_(old)
