r"""One training loop for the whole course.

The algorithm of Goodfellow et al. (2014), Algorithm 1, for every objective in the course:

    for each generator step:
        repeat n_critic times:                      # the discriminator (critic) steps
            draw real x ~ P_data and noise z ~ P_z
            descend  L_D(D(x), D(G(z)))  in D's parameters     (G's output detached)
        draw noise z
        descend  L_G(D(G(z)))  in G's parameters              (D held fixed)

The objective is a name in :data:`gancourse.objectives.LOSSES`, called through one interface
(``objective.d_loss(batch)``, ``objective.g_loss(batch)``, ``objective.update()``), so adding
one never touches this file; critic controls (:mod:`gancourse.regularizers`: a gradient
penalty, weight clipping, gradient normalisation) plug in the same way.

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
import time
from collections.abc import Callable, Sequence

import torch
from torch import nn
from tqdm.auto import trange

from .history import History
from .monitor import LossMonitor, TrainingDiverged
from .objectives import Batch, Objective, get_loss
from .regularizers import CriticControl
from .train_config import StepInputs, TrainConfig, make_optimizer
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
        controls: critic controls (:class:`~gancourse.regularizers.CriticControl`): a penalty added
            to the D loss, weight clipping after every D step, a wrapper around D — see
            :func:`gancourse.regularizers.critic_controls`.
        callbacks: ``{name: f(trainer) -> float or {key: float}}`` evaluated every
            ``eval_every`` steps and recorded in the history (e.g. mode coverage).
        on_evaluate: ``f(trainer)`` hooks called after each evaluation (a run folder writes
            its sample picture, ``best.pt`` and ``history.json``: :class:`gancourse.runs.RunFolder`).
        checkpoint_path, checkpoint_every, checkpoint_minutes: where and how often (in steps,
            in minutes of wall time, looked at on log steps) to save; a checkpoint is also
            written at the end of every :meth:`train` call.
        progress: show a progress bar.
        objective: the :class:`~gancourse.objectives.Objective` to use instead of
            ``get_loss(config.loss, **config.loss_options)`` (:func:`gancourse.batched.toy_gan_batch`
            passes one that sums over stacked models).
    """

    def __init__(
        self,
        generator: nn.Module,
        discriminator: nn.Module,
        data,
        latent_dim: int,
        config: TrainConfig | None = None,
        device: torch.device | str | None = None,
        controls: Sequence[CriticControl] = (),
        callbacks: dict[str, Callable] | None = None,
        eval_every: int = 0,
        on_evaluate: Sequence[Callable[[GANTrainer], None]] = (),
        checkpoint_path: str | os.PathLike | None = None,
        checkpoint_every: int = 0,
        checkpoint_minutes: float | None = None,
        progress: bool = True,
        objective: Objective | None = None,
    ) -> None:
        if device is None:
            from .config import device as default_device

            device = default_device()
        self.device = torch.device(device)
        self.config = config if config is not None else TrainConfig()
        self.controls = tuple(controls)
        for control in self.controls:  # e.g. gradient normalisation wraps D
            discriminator = control.wrap(discriminator)
        self.G = generator.to(self.device)
        self.D = discriminator.to(self.device)
        self.data = data
        self.latent_dim = latent_dim
        self.objective = (
            get_loss(self.config.loss, **(self.config.loss_options or {}))
            if objective is None
            else objective
        )
        # networks of the objective's own (MEG's statistics network) train with G
        generator_params = list(self.G.parameters())
        for module in self.objective.generator_modules():
            generator_params += list(module.to(self.device).parameters())
        self.callbacks = dict(callbacks or {})
        self.eval_every = eval_every
        self.on_evaluate = list(on_evaluate)
        self.checkpoint_path, self.checkpoint_every = checkpoint_path, checkpoint_every
        self.checkpoint_minutes = checkpoint_minutes
        self.progress = progress

        c = self.config
        if c.cuda_graph and not self.objective.cuda_graph_safe:
            raise ValueError(
                f"the {c.loss} objective keeps state on the host (it reads its totals between "
                "steps), so a CUDA graph could not replay its steps: set cuda_graph=False"
            )
        graphed = c.cuda_graph and self.device.type == "cuda"
        # On CUDA the optimizers keep their step counts on the device whether or not the step
        # is graphed, so eager and graphed runs do identical arithmetic and share checkpoints.
        capturable = self.device.type == "cuda"
        if c.merged:  # one optimizer; the ratio lr_g / lr_d is the lambda of the merged update
            self.opt = make_optimizer(
                c,
                [
                    {"params": self.D.parameters(), "lr": c.lr_d},
                    {"params": generator_params, "lr": c.lr_g},
                ],
                capturable=capturable,
            )
            self.optimizers = {"merged": self.opt}
        else:
            self.opt_d = make_optimizer(
                c, [{"params": self.D.parameters(), "lr": c.lr_d}], capturable
            )
            self.opt_g = make_optimizer(c, [{"params": generator_params, "lr": c.lr_g}], capturable)
            self.optimizers = {"d": self.opt_d, "g": self.opt_g}
        self.G_ema = None
        if c.ema_decay is not None:
            self.G_ema = copy.deepcopy(self.G).requires_grad_(False)
        self.ema_updates = torch.zeros((), device=self.device)  # float: used in the decay

        self.rng = torch.Generator(device=self.device)
        self.rng.manual_seed(c.seed)
        self.step = 0  # generator steps done
        self.train_seconds = 0.0  # time spent training (evaluation excluded), for FID-vs-time
        self.history = History()
        self.meta: dict = {}  # plain values saved with the checkpoint (the run's recipe, ...)
        # the losses, and what the objective logs (BEGAN's k_t and M_global): interval means
        self.monitor = LossMonitor(("d_loss", "g_loss", *self.objective.log_names), self.device)
        self.graphed_step = None  # the CUDA-graph replay of update(), when asked for
        if graphed:
            from .graphed import CUDAGraphStep

            self.graphed_step = CUDAGraphStep(self.update, self.optimizers.values(), self.device)

    # ----------------------------------------------------------------- the objective
    def sample_latent(self, n: int) -> torch.Tensor:
        """z ~ N(0, I), ``[n, latent_dim]``, from the trainer's generator."""
        return torch.randn(n, self.latent_dim, generator=self.rng, device=self.device)

    def sample_real(self, n: int) -> torch.Tensor:
        """A batch of ``n`` real samples, drawn with the trainer's generator."""
        return self.data.sample(n, generator=self.rng)

    def discriminator_loss(self, real: torch.Tensor, fake: torch.Tensor) -> torch.Tensor:
        """L_D on a real and a fake batch (pass ``fake`` detached from G), plus the critic
        controls' penalties."""
        loss = self.objective.d_loss(Batch(self.D, real, fake))
        for control in self.controls:
            penalty = control.penalty(self.D, real, fake)
            if penalty is not None:
                loss = loss + penalty
        return loss

    def generator_loss(
        self,
        real: torch.Tensor | None,
        fake: torch.Tensor,
        discriminator: Callable[[torch.Tensor], torch.Tensor] | None = None,
        latent: torch.Tensor | None = None,
    ) -> torch.Tensor:
        """L_G on a fake batch G(z) and a real batch (read only by objectives that compare
        with the reals); ``discriminator`` replaces D (the merged update passes D with its
        parameters detached); ``latent`` is the z of the fakes (read by MEG's entropy term)."""
        d = self.D if discriminator is None else discriminator
        return self.objective.g_loss(Batch(d, real, fake, latent=latent))

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

        return d_loss, self.generator_loss(real, fake, discriminator=frozen_d, latent=z)

    # ----------------------------------------------------------------- one step
    def draw_step_inputs(self) -> StepInputs:
        """Every random draw of one training step, in a fixed order, from ``self.rng``:
        for each D step a real batch and a z batch, then G's z batch. (G's step sees the last
        D step's real batch, which only objectives that compare with the reals read.) The
        merged update uses one real and one z batch."""
        n = self.config.batch_size
        if self.config.merged:
            real, z = self.sample_real(n), self.sample_latent(n)
            return StepInputs((real,), (z,), z)
        reals, latents = [], []
        for _ in range(self.config.n_critic):
            reals.append(self.sample_real(n))
            latents.append(self.sample_latent(n))
        return StepInputs(tuple(reals), tuple(latents), self.sample_latent(n))

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
        self._after_d_step()
        return loss.detach()

    def generator_step(
        self, z: torch.Tensor | None = None, real: torch.Tensor | None = None
    ) -> torch.Tensor:
        """One optimizer step of G against the current D, which is held fixed; returns the loss.
        ``real`` is read only by objectives whose generator loss compares with the reals."""
        z = self.sample_latent(self.config.batch_size) if z is None else z
        self.D.requires_grad_(False)  # D is a fixed function here: no gradients to compute for it
        try:
            loss = self.generator_loss(real, self.G(z), latent=z)
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
        self._after_d_step()
        return d_loss.detach(), g_loss.detach()

    def _after_d_step(self) -> None:
        """What follows every D update: the objective's state (Fisher GAN's multiplier), then the
        critic controls (weight clipping)."""
        self.objective.update()
        for control in self.controls:
            control.after_step(self.D)

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
            g_loss = self.generator_step(batch.g_latent, real=batch.reals[-1])
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
        run = self.update if self.graphed_step is None else self.graphed_step
        d_loss, g_loss, grad_norms = run(batch, record)
        for name, value in grad_norms.items():
            self.monitor.set(name, value)
        self.step += 1
        self.monitor.add(self.step, d_loss=d_loss, g_loss=g_loss, **self.objective.logs())

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
    def train(
        self,
        steps: int,
        minutes: float | None = None,
        should_stop: Callable[[], bool] | None = None,
        measure_ends: bool = False,
    ) -> History:
        """Run ``steps`` generator steps — fewer if ``minutes`` of training time (``train_seconds``,
        evaluation excluded) pass or ``should_stop()`` turns true (checked between steps) — and
        return the history (also ``self.history``).

        Everything a run schedules happens here, in one place: a log line every
        ``config.log_every`` steps (the only host-device sync), an evaluation every
        ``eval_every`` steps (:meth:`evaluate`), a checkpoint every ``checkpoint_every`` steps
        and every ``checkpoint_minutes``, and one at the end. With ``measure_ends`` the run is
        also evaluated where it starts (at step 0) and where it ends (unless ``should_stop``
        interrupted it)."""
        if steps < 0:
            raise ValueError(f"steps must be >= 0, got {steps}")
        if minutes is not None and not minutes > 0:
            raise ValueError(f"minutes must be positive, got {minutes}")
        if measure_ends and steps > 0 and self.step == 0 and self.eval_every:
            self.evaluate()  # where it starts from
        end, limit = self.step + steps, None if minutes is None else 60.0 * minutes
        clock, last_save, saved_at = time.perf_counter(), time.monotonic(), None
        interrupted = False
        bar = trange(steps, desc="training", disable=not self.progress, leave=False)
        while self.step < end:
            if should_stop is not None and should_stop():
                interrupted = True
                break
            if limit is not None and self.train_seconds + time.perf_counter() - clock >= limit:
                break
            self.train_step()
            bar.update()
            if self.step % self.config.log_every == 0:
                self.monitor.flush(self.history, self.step)
                bar.set_postfix(
                    d_loss=f"{self.history.last('d_loss'):.3f}",
                    g_loss=f"{self.history.last('g_loss'):.3f}",
                    refresh=False,
                )
            if self.eval_every and self.step % self.eval_every == 0:
                clock = self._count_training_time(clock)
                self.evaluate()
                clock = time.perf_counter()
            if self._checkpoint_due(last_save):
                clock = self._count_training_time(clock)  # saving is not training
                self.save_checkpoint(self.checkpoint_path)
                last_save, saved_at, clock = time.monotonic(), self.step, time.perf_counter()
        bar.close()
        self._count_training_time(clock)
        self.monitor.check_finite(self.step)
        if measure_ends and not interrupted and self.eval_every and self.step % self.eval_every:
            self.evaluate()  # the end point (also when the time limit stopped the run)
            saved_at = None  # the evaluation may have changed the run's metadata (best score)
        if self.checkpoint_path and saved_at != self.step:
            self.save_checkpoint(self.checkpoint_path)
        return self.history

    def _checkpoint_due(self, last_save: float) -> bool:
        """Every ``checkpoint_every`` steps, and when ``checkpoint_minutes`` have passed since the
        last save (looked at on log steps only: a run of tiny steps does not save each one)."""
        if not self.checkpoint_path:
            return False
        if self.checkpoint_every and self.step % self.checkpoint_every == 0:
            return True
        return (
            self.checkpoint_minutes is not None
            and self.step % self.config.log_every == 0
            and time.monotonic() - last_save >= 60.0 * self.checkpoint_minutes
        )

    def _count_training_time(self, since: float) -> float:
        """Add the time since ``since`` to ``train_seconds`` (after the device has finished its
        queued work); returns the new starting point."""
        if self.device.type == "cuda":
            torch.cuda.synchronize(self.device)
        now = time.perf_counter()
        self.train_seconds += now - since
        return now

    def evaluate(self) -> None:
        """Run the metric callbacks now, record them in the history, then call the
        ``on_evaluate`` hooks.

        The trainer's random state is restored afterwards, so measuring a run (with
        callbacks or hooks that call :meth:`generate`) does not change the run being measured.
        """
        state = self.rng.get_state()
        try:
            for name, fn in self.callbacks.items():
                result = fn(self)
                items = result.items() if isinstance(result, dict) else [("", result)]
                for key, value in items:
                    self.history.append(f"{name}.{key}" if key else name, self.step, float(value))
            for hook in self.on_evaluate:
                hook(self)
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
