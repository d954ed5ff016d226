r"""What an objective sees and promises: :class:`Batch` and :class:`Objective` (the interface
of :mod:`gancourse.objectives`, which explains it; kept apart so that objectives in other
modules, such as :mod:`gancourse.energy_objectives`, can build on it without a circular import).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cached_property
from typing import Any, NamedTuple

import torch

__all__ = ["Batch", "DiscriminatorOutput", "Objective"]


class DiscriminatorOutput(NamedTuple):
    """What a discriminator with a second head returns: the adversarial ``logits`` ``[B, 1]``
    that every loss reads, and ``aux``, the head's output (ACGAN's class logits, InfoGAN's
    :class:`~gancourse.nets.conditional.InfoGANOutput`), read by the objective that trains it."""

    logits: torch.Tensor
    aux: Any


class Batch:
    r"""What one loss evaluation sees.

    Args:
        D: the discriminator as a function of samples (in the generator step of the merged
            update, D with its parameters detached); ``None`` when the logits are given.
        real, fake: the samples, ``[B, ...]`` (``fake`` detached from G in a D step).
        real_labels, fake_labels: class labels ``[B]`` in a conditional run; D is then called as
            ``D(x, y)``, the real samples with theirs and the fakes with the labels G was given.
        latent: the noise ``z`` the fakes were made from, ``[B, latent_dim]`` (read by objectives
            that estimate the generator's entropy, such as MEG's, and by InfoGAN, whose codes
            are part of z).

    In a paired (translation) run the labels are input images, and the generator step's batch
    also carries ``generator``, G itself, for objectives that translate again (CycleGAN's
    reconstructions ``F(G(a))``).

    ``real_logits`` and ``fake_logits`` are ``D(real)`` and ``D(fake)``, computed on first use
    and kept. A D with a second head returns a :class:`DiscriminatorOutput`; its ``logits`` are
    ``real_logits``/``fake_logits`` and its ``aux`` is ``real_aux``/``fake_aux``.
    :meth:`of_logits` builds a batch from given logits, for checking a formula by hand;
    :meth:`rows` splits a batch into the row blocks of stacked models.
    """

    def __init__(
        self,
        D: Callable[[torch.Tensor], torch.Tensor] | None,
        real: torch.Tensor | None,
        fake: torch.Tensor | None,
        real_labels: torch.Tensor | None = None,
        fake_labels: torch.Tensor | None = None,
        latent: torch.Tensor | None = None,
    ) -> None:
        self.D, self.real, self.fake = D, real, fake
        self.real_labels, self.fake_labels = real_labels, fake_labels
        self.latent = latent
        self.generator: Callable[[torch.Tensor], torch.Tensor] | None = None

    @cached_property
    def real_logits(self) -> torch.Tensor:
        return _logits(self._real_output)

    @cached_property
    def fake_logits(self) -> torch.Tensor:
        return _logits(self._fake_output)

    @cached_property
    def real_aux(self):
        """The second head's output on the real samples (ACGAN's class logits, ...)."""
        return _aux(self._real_output, "real")

    @cached_property
    def fake_aux(self):
        """The second head's output on the fakes (ACGAN's class logits, InfoGAN's Q)."""
        return _aux(self._fake_output, "fake")

    @cached_property
    def _real_output(self):
        return self._discriminate(self.real, self.real_labels, "real")

    @cached_property
    def _fake_output(self):
        return self._discriminate(self.fake, self.fake_labels, "fake")

    def _discriminate(
        self, x: torch.Tensor | None, labels: torch.Tensor | None, which: str
    ) -> torch.Tensor | DiscriminatorOutput:
        if self.D is None or x is None:
            raise ValueError(
                f"this objective reads D's output on the {which} samples, but the batch has "
                f"{'no discriminator' if self.D is None else f'no {which} samples'}: pass them "
                f"(e.g. generator_step(z, real=...) for a loss that compares with the reals)"
            )
        return self.D(x) if labels is None else self.D(x, labels)

    @classmethod
    def of_logits(cls, real_logits: torch.Tensor | None, fake_logits: torch.Tensor | None) -> Batch:
        """A batch that holds only D's outputs (the samples are not known)."""
        batch = cls(None, None, None)
        # set the cached values directly: nothing is left to compute
        batch.__dict__.update(real_logits=real_logits, fake_logits=fake_logits)
        return batch

    def rows(self, n: int) -> list[Batch]:
        """The batch cut into ``n`` consecutive row blocks, one per stacked model
        (:mod:`gancourse.batched`). D is evaluated on the whole batch — a stacked D reads model
        m's rows only — and its outputs are cut the same way."""
        parent = self

        def cut(t: torch.Tensor | None) -> list:
            return list(t.chunk(n)) if t is not None else [None] * n

        blocks = []
        for m, (real, fake, real_y, fake_y, latent) in enumerate(
            zip(
                cut(self.real),
                cut(self.fake),
                cut(self.real_labels),
                cut(self.fake_labels),
                cut(self.latent),
                strict=True,
            )
        ):
            blocks.append(_RowBlock(parent, m, n, real, fake, real_y, fake_y, latent))
        return blocks


def _logits(output) -> torch.Tensor:
    return output.logits if isinstance(output, DiscriminatorOutput) else output


def _aux(output, which: str):
    if not isinstance(output, DiscriminatorOutput):
        raise ValueError(
            f"this objective reads a second head of D on the {which} samples (class logits, "
            "InfoGAN's Q), but D returned plain logits: build D with that head (e.g. "
            "ConditionalDCGANDiscriminator(head='acgan') or InfoGANDiscriminator)"
        )
    return output.aux


class _RowBlock(Batch):
    """Model m's rows of a stacked batch: its logits are the parent's, cut."""

    def __init__(self, parent: Batch, m: int, n: int, *samples_and_labels) -> None:
        super().__init__(None, *samples_and_labels)
        self._parent, self._m, self._n = parent, m, n

    @cached_property
    def real_logits(self) -> torch.Tensor:
        return self._parent.real_logits.chunk(self._n)[self._m]

    @cached_property
    def fake_logits(self) -> torch.Tensor:
        return self._parent.fake_logits.chunk(self._n)[self._m]


class Objective:
    """The interface every objective implements: ``d_loss(batch)`` and ``g_loss(batch)``,
    scalars to minimise. Objectives with state override :meth:`update` (called after every
    D step), :meth:`state_dict` and :meth:`load_state_dict`; those with quantities worth
    logging (BEGAN's :math:`k_t` and convergence measure) name them in :attr:`log_names` and
    return them from :meth:`logs`; those with networks of their own that train with the
    generator (MEG's statistics network) return them from :meth:`generator_modules`."""

    log_names: tuple[str, ...] = ()
    # False for objectives whose state lives on the host (MAGAN's epoch totals): a CUDA graph
    # replays device work only, so it would skip their bookkeeping
    cuda_graph_safe: bool = True

    def d_loss(self, batch: Batch) -> torch.Tensor:
        raise NotImplementedError

    def g_loss(self, batch: Batch) -> torch.Tensor:
        raise NotImplementedError

    def update(self) -> None:
        """Change the objective's state after a D step; nothing for a stateless objective."""

    def logs(self) -> dict[str, torch.Tensor]:
        """The values named in :attr:`log_names` after the last :meth:`update` (on the device);
        the trainer logs their mean over each log interval."""
        return {}

    def sample_latent(
        self, n: int, latent_dim: int, generator: torch.Generator, device: torch.device
    ) -> torch.Tensor:
        """The generator's input, ``[n, latent_dim]``: z ~ N(0, I) — unless the objective gives z
        a structure of its own (InfoGAN's codes)."""
        return torch.randn(n, latent_dim, generator=generator, device=device)

    def generator_modules(self) -> tuple[torch.nn.Module, ...]:
        """Networks of the objective's own whose parameters the generator's optimizer trains
        (they are moved to the trainer's device; their weights are in :meth:`state_dict`)."""
        return ()

    def state_dict(self) -> dict:
        return {}

    def load_state_dict(self, state: dict) -> None:
        if state:
            raise ValueError(
                f"{type(self).__name__} has no state, but was given {sorted(state)}: "
                "the checkpoint was written with another objective"
            )
