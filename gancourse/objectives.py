r"""The objective interface: how the training loop asks for a loss.

Every objective is called the same way, with one :class:`Batch`:

.. code-block:: python

    d_loss = objective.d_loss(batch)   # batch.fake is detached from G
    g_loss = objective.g_loss(batch)   # batch.D is D held fixed
    objective.update()                 # after every D step (a no-op unless it has state)

A :class:`Batch` carries the samples, the discriminator as a function and the labels when the
data has them; D's outputs on the real and the fake samples are computed the first time an
objective reads them and then kept. So an objective that never looks at the real batch in
its generator step costs no extra forward pass, one that needs the samples themselves
(the c-transform) reads them, an energy objective can call ``batch.D`` on anything
(an autoencoder's reconstruction error), and a conditional one reads ``batch.real_labels`` —
and the loop asks nothing about which kind it is.

Beneath the interface the formulas stay pure functions of logits, tested against closed forms
(:mod:`gancourse.losses`); :class:`LogitObjective` joins such a pair into an objective.
Stateful objectives (Fisher GAN's multiplier; later BEGAN's :math:`k_t` and MAGAN's margin)
keep their state in the object, change it only in :meth:`Objective.update`, and save it with
:meth:`Objective.state_dict`, which the trainer's checkpoint holds.

:data:`LOSSES` maps a name to the objective's constructor; :func:`get_loss` builds one.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property

import torch

from . import losses as L

__all__ = [
    "LOSSES",
    "Batch",
    "CTransformObjective",
    "FisherGAN",
    "LogitObjective",
    "Objective",
    "get_loss",
]


class Batch:
    r"""What one loss evaluation sees.

    Args:
        D: the discriminator as a function of samples (in the generator step of the merged
            update, D with its parameters detached); ``None`` when the logits are given.
        real, fake: the samples, ``[B, ...]`` (``fake`` detached from G in a D step).
        real_labels, fake_labels: class labels ``[B]`` when the data has them.

    ``real_logits`` and ``fake_logits`` are ``D(real)`` and ``D(fake)``, computed on first use
    and kept. :meth:`of_logits` builds a batch from given logits, for checking a formula by
    hand; :meth:`rows` splits a batch into the row blocks of stacked models.
    """

    def __init__(
        self,
        D: Callable[[torch.Tensor], torch.Tensor] | None,
        real: torch.Tensor | None,
        fake: torch.Tensor | None,
        real_labels: torch.Tensor | None = None,
        fake_labels: torch.Tensor | None = None,
    ) -> None:
        self.D, self.real, self.fake = D, real, fake
        self.real_labels, self.fake_labels = real_labels, fake_labels

    @cached_property
    def real_logits(self) -> torch.Tensor:
        return self._discriminate(self.real, "real")

    @cached_property
    def fake_logits(self) -> torch.Tensor:
        return self._discriminate(self.fake, "fake")

    def _discriminate(self, x: torch.Tensor | None, which: str) -> torch.Tensor:
        if self.D is None or x is None:
            raise ValueError(
                f"this objective reads D's output on the {which} samples, but the batch has "
                f"{'no discriminator' if self.D is None else f'no {which} samples'}: pass them "
                f"(e.g. generator_step(z, real=...) for a loss that compares with the reals)"
            )
        return self.D(x)

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
        for m, (real, fake, real_y, fake_y) in enumerate(
            zip(
                cut(self.real),
                cut(self.fake),
                cut(self.real_labels),
                cut(self.fake_labels),
                strict=True,
            )
        ):
            blocks.append(_RowBlock(parent, m, n, real, fake, real_y, fake_y))
        return blocks


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
    D step), :meth:`state_dict` and :meth:`load_state_dict`."""

    def d_loss(self, batch: Batch) -> torch.Tensor:
        raise NotImplementedError

    def g_loss(self, batch: Batch) -> torch.Tensor:
        raise NotImplementedError

    def update(self) -> None:
        """Change the objective's state after a D step; nothing for a stateless objective."""

    def state_dict(self) -> dict:
        return {}

    def load_state_dict(self, state: dict) -> None:
        if state:
            raise ValueError(
                f"{type(self).__name__} has no state, but was given {sorted(state)}: "
                "the checkpoint was written with another objective"
            )


class LogitObjective(Objective):
    r"""An objective made of two pure functions of D's outputs: ``d_fn(real_logits,
    fake_logits)`` and ``g_fn(fake_logits)`` — or, with ``g_uses_real=True``, ``g_fn(fake_logits,
    real_logits)`` for generator losses that compare with the reals (McGAN, MMD GAN,
    relativistic objectives). The generator step then scores the real batch too."""

    def __init__(self, d_fn: Callable, g_fn: Callable, g_uses_real: bool = False) -> None:
        self.d_fn, self.g_fn, self.g_uses_real = d_fn, g_fn, g_uses_real

    def d_loss(self, batch: Batch) -> torch.Tensor:
        return self.d_fn(batch.real_logits, batch.fake_logits)

    def g_loss(self, batch: Batch) -> torch.Tensor:
        if self.g_uses_real:
            return self.g_fn(batch.fake_logits, batch.real_logits)
        return self.g_fn(batch.fake_logits)

    def __repr__(self) -> str:
        return f"LogitObjective({self.d_fn.__name__}, {self.g_fn.__name__})"


class CTransformObjective(Objective):
    r"""WGAN with the c-transform (Mallasto et al. 2019): reads the samples themselves, since
    :math:`\varphi^c(y) = \min_x \|x - y\| - \varphi(x)` is a minimum over the real batch (see
    :func:`gancourse.losses.ctransform_d_loss`). D is never evaluated on the fakes."""

    def d_loss(self, batch: Batch) -> torch.Tensor:
        return L.ctransform_d_loss(batch.real_logits, batch.real, batch.fake)

    def g_loss(self, batch: Batch) -> torch.Tensor:
        return L.ctransform_g_loss(batch.real_logits, batch.real, batch.fake)


class FisherGAN(Objective):
    r"""Fisher GAN (Mroueh & Sercu 2017) with its Lagrange multiplier :math:`\lambda` as state.

    The critic loss is :func:`gancourse.losses.fisher_d_loss` at the current :math:`\lambda`;
    after each critic step :meth:`update` moves the multiplier against its gradient,
    :math:`\lambda \leftarrow \lambda - \rho\,(1 - \hat\Omega)`, with :math:`\hat\Omega` the second
    moment of the last critic loss. The generator minimises :math:`-\mathbb E_Q f`.
    """

    def __init__(self, rho: float = 1e-6) -> None:
        if isinstance(rho, bool) or not isinstance(rho, int | float) or not rho > 0:
            raise ValueError(f"Fisher GAN's rho must be a positive number, got {rho!r}")
        self.rho = rho
        self.lam = torch.zeros(())
        self.constraint = torch.zeros(())  # 1 - Omega at the last critic loss

    def d_loss(self, batch: Batch) -> torch.Tensor:
        real_logits, fake_logits = batch.real_logits, batch.fake_logits
        if self.lam.device != real_logits.device:
            self.lam = self.lam.to(real_logits.device)
        loss, gap = L.fisher_d_loss(real_logits, fake_logits, self.lam, self.rho)
        self.constraint = gap.detach()
        return loss

    def g_loss(self, batch: Batch) -> torch.Tensor:
        return L.wgan_g_loss(batch.fake_logits)

    @torch.no_grad()
    def update(self) -> None:
        """The multiplier step :math:`\\lambda \\leftarrow \\lambda - \\rho(1 - \\hat\\Omega)`, in place."""
        self.lam.sub_(self.rho * self.constraint.to(self.lam.device))

    def state_dict(self) -> dict:
        return {"lam": self.lam.detach().clone()}

    def load_state_dict(self, state: dict) -> None:
        self.lam = self.lam.to(state["lam"].device)
        self.lam.copy_(state["lam"])


@dataclass(frozen=True)
class _LogitPair:
    """A registry entry: builds a :class:`LogitObjective` of two formulas when asked for one."""

    d_fn: Callable
    g_fn: Callable
    g_uses_real: bool = False

    def __call__(self) -> Objective:
        return LogitObjective(self.d_fn, self.g_fn, self.g_uses_real)


LOSSES: dict[str, Callable[..., Objective]] = {
    "minimax": _LogitPair(L.minimax_d_loss, L.minimax_g_loss),
    "nonsaturating": _LogitPair(L.minimax_d_loss, L.nonsaturating_g_loss),
    "hinge": _LogitPair(L.hinge_d_loss, L.hinge_g_loss),
    "wgan": _LogitPair(L.wgan_d_loss, L.wgan_g_loss),
    "mcgan-mean": _LogitPair(L.mcgan_mean_d_loss, L.mcgan_mean_g_loss, g_uses_real=True),
    "mcgan-cov": _LogitPair(L.mcgan_cov_d_loss, L.mcgan_cov_g_loss, g_uses_real=True),
    "mmd": _LogitPair(L.mmd_d_loss, L.mmd_g_loss, g_uses_real=True),
    "mmd-gaussian": _LogitPair(L.mmd_gaussian_d_loss, L.mmd_gaussian_g_loss, g_uses_real=True),
    "wgan-ctransform": CTransformObjective,
    "fisher": FisherGAN,
}
"""The registry: name → a constructor of the objective (its keyword arguments are the
objective's options, e.g. Fisher GAN's ``rho``). Adding an objective is one class or one pair
of formulas, and one line here; the training loop does not change."""


def get_loss(name: str, **options) -> Objective:
    """A new objective called ``name``, built with ``options`` (e.g. Fisher GAN's ``rho``)."""
    try:
        build = LOSSES[name]
    except KeyError:
        raise ValueError(
            f"unknown loss {name!r}; known losses: {', '.join(sorted(LOSSES))}"
        ) from None
    try:
        inspect.signature(build).bind(**options)
    except TypeError:
        takes = ", ".join(inspect.signature(build).parameters) or "no options"
        raise ValueError(f"the {name} loss takes {takes}; got {', '.join(options)}") from None
    return build(**options)
