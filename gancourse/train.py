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

Conditional runs (notebook 11, ``config.num_classes > 0``) go through the same loop: the real
batches come with their labels, the loop draws the labels of the fakes, and the networks are
called as ``G(z, y)`` and ``D(x, y)`` (the objective sees both sets of labels in its
:class:`~gancourse.objectives.Batch`). Translation runs (notebooks 12–13, ``config.paired``) are
the same loop with an input image in place of the label: each real sample ``b`` comes with its
input ``a``, G translates the real batch's own inputs, ``G(a)``, and D judges ``D(b, a)``.

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
from .train_state import GlobalStream, TrainerState

__all__ = ["GANTrainer", "StepInputs", "TrainConfig", "TrainingDiverged"]


def _grad_norm(module: nn.Module) -> torch.Tensor:
    """The Euclidean norm of all of a module's parameter gradients, on the device."""
    norms = [p.grad.norm() for p in module.parameters() if p.grad is not None]
    return torch.linalg.vector_norm(torch.stack(norms)) if norms else torch.zeros(())


class GANTrainer(TrainerState):
    """Trains a generator against a discriminator.

    Args:
        generator: maps ``[B, latent_dim]`` noise to samples (``G(z, y)`` in a conditional run).
        discriminator: maps samples to logits ``[B, 1]`` (or ``[B]``; ``D(x, y)`` in a
            conditional run); a D with a second head returns a
            :class:`~gancourse.objective_base.DiscriminatorOutput`.
        data: anything with ``sample(n, generator=...)`` returning a batch on the
            device: a toy distribution or an :class:`~gancourse.datasets.ImageSampler` (with
            ``labels`` and ``sample_with_labels`` for a conditional run).
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
        self.class_frequencies = self._check_conditioning(data) if self.conditional else None
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
        self.global_stream = GlobalStream(self.device)  # dropout's draws, the image pools'.
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

    @property
    def conditional(self) -> bool:
        """Whether the networks take a second input: a class label (``config.num_classes > 0``)
        or, in a translation run (``config.paired``), an input image."""
        return self.config.num_classes > 0 or self.config.paired

    @property
    def paired(self) -> bool:
        """Whether this is a translation run: G translates the real batch's inputs."""
        return self.config.paired

    def _check_conditioning(self, data) -> torch.Tensor | None:
        """A conditional run needs labelled data whose labels fit ``num_classes`` (a paired run,
        data whose samples come with their inputs), and no control that calls D without labels;
        returns the training set's class frequencies (``None`` in a paired run)."""
        k = self.config.num_classes
        if self.paired:
            if not hasattr(data, "sample_with_labels"):
                raise ValueError(
                    "paired=True makes this a translation run, but the data gives no inputs with "
                    "its samples: pass a PairedSampler or UnpairedSampler"
                )
        else:
            labels = getattr(data, "labels", None)
            if labels is None or not hasattr(data, "sample_with_labels"):
                raise ValueError(
                    f"num_classes={k} makes this a conditional run, but the data has no labels: "
                    "pass an ImageSampler built with labels=..., or num_classes=0"
                )
            if int(labels.min()) < 0 or int(labels.max()) >= k:
                raise ValueError(
                    f"the data's labels run from {int(labels.min())} to {int(labels.max())}, "
                    f"outside [0, {k}): set num_classes to the number of classes"
                )
        for control in self.controls:
            kind = type(control)
            if kind.penalty is not CriticControl.penalty or kind.wrap is not CriticControl.wrap:
                raise ValueError(
                    f"{control!r} calls D without labels, which a conditional D needs; "
                    "conditional runs take spectral norm or clipping, not a gradient penalty "
                    "or gradient normalisation"
                )
        if self.paired:
            return None
        counts = torch.bincount(labels.long(), minlength=k).to(self.device, torch.float64)
        return (counts / counts.sum()).float()

    # ----------------------------------------------------------------- the objective
    def sample_latent(self, n: int) -> torch.Tensor:
        """The generator's input ``[n, latent_dim]`` from the trainer's generator: z ~ N(0, I),
        or the structure the objective gives it (InfoGAN's codes)."""
        return self.objective.sample_latent(n, self.latent_dim, self.rng, self.device)

    def sample_real(self, n: int) -> torch.Tensor:
        """A batch of ``n`` real samples, drawn with the trainer's generator."""
        return self.data.sample(n, generator=self.rng)

    def sample_real_with_labels(self, n: int) -> tuple[torch.Tensor, torch.Tensor | None]:
        """A real batch and its labels (``None`` in an unconditional run)."""
        if not self.conditional:
            return self.sample_real(n), None
        return self.data.sample_with_labels(n, generator=self.rng)

    def sample_fake_labels(self, n: int) -> torch.Tensor:
        """Labels for ``n`` fakes, int64 ``[n]``: uniform over the classes, or drawn with the
        training set's class frequencies (``config.fake_labels``)."""
        if not self.conditional or self.paired:
            raise ValueError(
                "fake labels are drawn in a class-conditional run only (num_classes > 0); a "
                "paired run translates the real batch's own inputs"
            )
        if self.config.fake_labels == "uniform":
            k = self.config.num_classes
            return torch.randint(k, (n,), generator=self.rng, device=self.device)
        return torch.multinomial(self.class_frequencies, n, replacement=True, generator=self.rng)

    def _generate(self, z: torch.Tensor, labels: torch.Tensor | None) -> torch.Tensor:
        if self.paired:  # a translation: G reads its input image, there is no z
            return self.G(labels)
        return self.G(z) if labels is None else self.G(z, labels)

    def _fake_labels_for(self, real_labels: torch.Tensor | None, n: int) -> torch.Tensor | None:
        """The labels G is given next: a paired run translates the real batch's inputs, a
        class-conditional run draws classes, an unconditional one has none."""
        if self.paired:
            return real_labels
        return self.sample_fake_labels(n) if self.conditional else None

    def discriminator_loss(
        self,
        real: torch.Tensor,
        fake: torch.Tensor,
        real_labels: torch.Tensor | None = None,
        fake_labels: torch.Tensor | None = None,
        latent: torch.Tensor | None = None,
    ) -> torch.Tensor:
        """L_D on a real and a fake batch (pass ``fake`` detached from G), plus the critic
        controls' penalties. The labels are those of a conditional run; ``latent`` is the z of
        the fakes (InfoGAN's Q reads its codes)."""
        batch = Batch(self.D, real, fake, real_labels, fake_labels, latent=latent)
        loss = self.objective.d_loss(batch)
        for control in self.controls:
            penalty = control.penalty(self.D, real, fake)
            if penalty is not None:
                loss = loss + penalty
        return loss

    def generator_loss(
        self,
        real: torch.Tensor | None,
        fake: torch.Tensor,
        discriminator: Callable[..., torch.Tensor] | None = None,
        latent: torch.Tensor | None = None,
        real_labels: torch.Tensor | None = None,
        fake_labels: torch.Tensor | None = None,
    ) -> torch.Tensor:
        """L_G on a fake batch G(z) and a real batch (read only by objectives that compare
        with the reals); ``discriminator`` replaces D (the merged update passes D with its
        parameters detached); ``latent`` is the z of the fakes (read by MEG's entropy term and
        InfoGAN's bound); the labels are those of a conditional run."""
        d = self.D if discriminator is None else discriminator
        batch = Batch(d, real, fake, real_labels, fake_labels, latent)
        if self.paired:  # CycleGAN translates its fakes back: the reconstructions
            batch.generator = self.G
        return self.objective.g_loss(batch)

    def merged_losses(
        self,
        real: torch.Tensor,
        z: torch.Tensor,
        real_labels: torch.Tensor | None = None,
        fake_labels: torch.Tensor | None = None,
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
        fake = self._generate(z, fake_labels)
        d_loss = self.discriminator_loss(real, fake.detach(), real_labels, fake_labels, z)
        frozen = {name: p.detach() for name, p in self.D.named_parameters()}

        def frozen_d(*inputs: torch.Tensor) -> torch.Tensor:  # (x) or (x, y)
            return torch.func.functional_call(self.D, frozen, inputs)

        g_loss = self.generator_loss(
            real, fake, frozen_d, latent=z, real_labels=real_labels, fake_labels=fake_labels
        )
        return d_loss, g_loss

    # ----------------------------------------------------------------- one step
    def draw_step_inputs(self) -> StepInputs:
        """Every random draw of one training step, in a fixed order, from ``self.rng``:
        for each D step a real batch (with its labels) and a z batch (then, in a conditional
        run, the fakes' labels), then G's z batch (and labels). G's step sees the last D step's
        real batch, which only objectives that compare with the reals read. The merged update
        uses one real and one z batch."""
        n = self.config.batch_size
        steps = 1 if self.config.merged else self.config.n_critic
        reals, real_labels, latents, fake_labels = [], [], [], []
        for _ in range(steps):
            real, labels = self.sample_real_with_labels(n)
            reals.append(real)
            latents.append(self.sample_latent(n))
            if self.conditional:
                real_labels.append(labels)
                fake_labels.append(self._fake_labels_for(labels, n))
        if self.config.merged:
            g_latent, g_labels = latents[0], (fake_labels[0] if fake_labels else None)
        else:
            g_latent = self.sample_latent(n)
            g_labels = self._fake_labels_for(real_labels[-1] if real_labels else None, n)
        return StepInputs(
            tuple(reals), tuple(latents), g_latent, tuple(real_labels), tuple(fake_labels), g_labels
        )

    def discriminator_step(
        self,
        real: torch.Tensor | None = None,
        z: torch.Tensor | None = None,
        real_labels: torch.Tensor | None = None,
        fake_labels: torch.Tensor | None = None,
    ) -> torch.Tensor:
        """One optimizer step of D on a real batch and a (detached) fake batch G(z), drawn
        fresh when not given (with their labels, in a conditional run); returns the loss (on
        the device)."""
        real, z, real_labels, fake_labels = self._step_inputs(real, z, real_labels, fake_labels)
        with torch.no_grad():
            fake = self._generate(z, fake_labels)
        loss = self.discriminator_loss(real, fake, real_labels, fake_labels, z)
        self.opt_d.zero_grad(set_to_none=True)
        loss.backward()
        self.opt_d.step()
        self._after_d_step()
        return loss.detach()

    def generator_step(
        self,
        z: torch.Tensor | None = None,
        real: torch.Tensor | None = None,
        fake_labels: torch.Tensor | None = None,
        real_labels: torch.Tensor | None = None,
    ) -> torch.Tensor:
        """One optimizer step of G against the current D, which is held fixed; returns the loss.
        ``real`` is read only by objectives whose generator loss compares with the reals; in a
        conditional run G is given ``fake_labels`` (drawn when not given)."""
        z = self.sample_latent(self.config.batch_size) if z is None else z
        if self.paired and fake_labels is None:  # G translates a real batch's inputs
            if real is None:
                real, real_labels = self.sample_real_with_labels(len(z))
            fake_labels = real_labels
        if self.conditional and fake_labels is None:
            fake_labels = self.sample_fake_labels(len(z))
        self._check_labels_given(real_labels, fake_labels, with_real=real is not None)
        self.D.requires_grad_(False)  # D is a fixed function here: no gradients to compute for it
        try:
            fake = self._generate(z, fake_labels)
            loss = self.generator_loss(real, fake, None, z, real_labels, fake_labels)
            self.opt_g.zero_grad(set_to_none=True)
            loss.backward()
            self.opt_g.step()
        finally:
            self.D.requires_grad_(True)
        return loss.detach()

    def merged_step(
        self,
        real: torch.Tensor | None = None,
        z: torch.Tensor | None = None,
        real_labels: torch.Tensor | None = None,
        fake_labels: torch.Tensor | None = None,
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """One step of both networks from one backward pass (see :meth:`merged_losses`)."""
        real, z, real_labels, fake_labels = self._step_inputs(real, z, real_labels, fake_labels)
        d_loss, g_loss = self.merged_losses(real, z, real_labels, fake_labels)
        self.opt.zero_grad(set_to_none=True)
        (d_loss + g_loss).backward()
        self.opt.step()
        self._after_d_step()
        return d_loss.detach(), g_loss.detach()

    def _step_inputs(self, real, z, real_labels, fake_labels) -> tuple:
        """A D step's inputs, the missing ones drawn: a real batch (with its labels), z, and
        (in a conditional run) the fakes' labels."""
        n = self.config.batch_size
        if real is None:
            real, real_labels = self.sample_real_with_labels(n)
        z = self.sample_latent(n) if z is None else z
        if self.conditional and fake_labels is None:
            fake_labels = self._fake_labels_for(real_labels, n)
        self._check_labels_given(real_labels, fake_labels)
        return real, z, real_labels, fake_labels

    def _check_labels_given(self, real_labels, fake_labels, with_real: bool = True) -> None:
        """Labels go with a conditional run's batches (the real ones' when there are reals), and
        only with them."""
        if self.conditional and ((with_real and real_labels is None) or fake_labels is None):
            raise ValueError(
                "this is a conditional run (num_classes > 0): pass the real batch's labels with "
                "it (or let the step draw both)"
            )
        if not self.conditional and fake_labels is not None:
            raise ValueError("labels were given to an unconditional run (num_classes = 0)")

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
        real_labels = batch.real_labels or (None,) * len(batch.reals)
        fake_labels = batch.d_fake_labels or (None,) * len(batch.reals)
        if self.config.merged:
            d_loss, g_loss = self.merged_step(
                batch.reals[0], batch.d_latents[0], real_labels[0], fake_labels[0]
            )
        else:
            d_losses = [
                self.discriminator_step(*inputs)
                for inputs in zip(
                    batch.reals, batch.d_latents, real_labels, fake_labels, strict=True
                )
            ]
            d_loss = torch.stack(d_losses).mean()
            g_loss = self.generator_step(
                batch.g_latent, batch.reals[-1], batch.g_fake_labels, real_labels[-1]
            )
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
        interrupted it).

        torch's global generators (dropout, the image pools) are the run's own while it trains
        (:class:`~gancourse.train_state.GlobalStream`)."""
        if steps < 0:
            raise ValueError(f"steps must be >= 0, got {steps}")
        if minutes is not None and not minutes > 0:
            raise ValueError(f"minutes must be positive, got {minutes}")
        with self.global_stream.active():
            return self._train(steps, minutes, should_stop, measure_ends)

    def _train(self, steps, minutes, should_stop, measure_ends) -> History:
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

        The trainer's random state, and torch's global one (dropout), are restored afterwards,
        so measuring a run (with callbacks or hooks that call :meth:`generate`) does not change
        the run being measured.
        """
        state = self.rng.get_state()
        devices = [self.device] if self.device.type == "cuda" else []
        with torch.random.fork_rng(devices=devices):
            try:
                for name, fn in self.callbacks.items():
                    result = fn(self)
                    items = result.items() if isinstance(result, dict) else [("", result)]
                    for key, value in items:
                        name_key = f"{name}.{key}" if key else name
                        self.history.append(name_key, self.step, float(value))
                for hook in self.on_evaluate:
                    hook(self)
            finally:
                self.rng.set_state(state)

    @torch.no_grad()
    def generate(
        self,
        n: int,
        ema: bool | None = None,
        seed: int | None = None,
        labels: torch.Tensor | None = None,
        latent: torch.Tensor | None = None,
    ) -> torch.Tensor:
        """``n`` generated samples (from the EMA generator if there is one, unless ``ema=False``).

        With ``seed`` the noise comes from a fresh generator with that seed, so evaluations
        are comparable across runs and leave the trainer's random stream untouched. In a
        conditional run the samples are of the classes ``labels`` (``[n]``), or of classes drawn
        uniformly when not given (:meth:`generate_with_labels` returns them). ``latent``
        (``[n, latent_dim]``) gives the inputs z instead of drawing them (InfoGAN's code grids).

        The generator runs as in training (batch-norm layers normalise with the statistics of
        each batch of ``config.batch_size`` — the distribution D was trained against), and
        every buffer is restored afterwards: generating never changes the run.
        """
        return self.generate_with_labels(n, ema, seed, labels, latent)[0]

    @torch.no_grad()
    def generate_with_labels(
        self,
        n: int,
        ema: bool | None = None,
        seed: int | None = None,
        labels: torch.Tensor | None = None,
        latent: torch.Tensor | None = None,
    ) -> tuple[torch.Tensor, torch.Tensor | None]:
        """:meth:`generate`, also returning the samples' labels (``None`` when unconditional)."""
        g = self.G_ema if (ema is not False and self.G_ema is not None) else self.G
        rng = self.rng
        if seed is not None:
            rng = torch.Generator(device=self.device)
            rng.manual_seed(seed)
        if labels is not None and not self.conditional:
            raise ValueError("labels were given, but this generator is unconditional")
        if self.paired:
            return self._translate(g, n, labels), labels
        if labels is not None and labels.shape != (n,):
            raise ValueError(f"expected {n} labels, shape [{n}], got {tuple(labels.shape)}")
        if latent is not None and latent.shape != (n, self.latent_dim):
            raise ValueError(
                f"expected latent of shape [{n}, {self.latent_dim}], got {tuple(latent.shape)}"
            )
        size, k = self.config.batch_size, self.config.num_classes
        if self.conditional and labels is None:
            labels = torch.randint(k, (n,), generator=rng, device=self.device)
        batches = []
        with preserved_buffers(g):
            # whole batches only, so that no sample is normalised with a tiny last batch
            for start in range(0, n, size):
                z = self.objective.sample_latent(size, self.latent_dim, rng, self.device)
                if latent is not None:  # the given inputs (a short last batch padded with z)
                    given = latent[start : start + size].to(self.device)
                    z = torch.cat([given, z[len(given) :]])
                if labels is None:
                    batches.append(g(z))
                    continue
                y = labels[start : start + size].to(self.device)
                if len(y) < size:  # pad a short last batch with classes in turn, cut off below
                    pad = torch.arange(size - len(y), device=self.device) % k
                    y = torch.cat([y, pad])
                batches.append(g(z, y))
        return torch.cat(batches)[:n], labels

    def _translate(self, g: nn.Module, n: int, inputs: torch.Tensor | None) -> torch.Tensor:
        """A paired run's :meth:`generate`: G applied to ``inputs`` ``[n, C, H, W]``, in whole
        batches of ``config.batch_size`` (a short last one padded with the first inputs, cut
        off), G's buffers restored."""
        if inputs is None or len(inputs) != n:
            raise ValueError(
                f"a translation generator translates inputs: pass labels=<{n} input images>, "
                f"got {None if inputs is None else tuple(inputs.shape)}"
            )
        size, batches = self.config.batch_size, []
        with preserved_buffers(g):
            for start in range(0, n, size):
                a = inputs[start : start + size].to(self.device)
                if len(a) < size:
                    a = torch.cat([a, inputs[torch.arange(size - len(a)) % n].to(self.device)])
                batches.append(g(a))
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
