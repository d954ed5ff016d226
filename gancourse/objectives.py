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
Stateful objectives (Fisher GAN's multiplier here; BEGAN's :math:`k_t` and MAGAN's margin in
:mod:`gancourse.energy_objectives`)
keep their state in the object, change it only in :meth:`Objective.update`, and save it with
:meth:`Objective.state_dict`, which the trainer's checkpoint holds.

:data:`LOSSES` maps a name to the objective's constructor; :func:`get_loss` builds one.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass

import torch

from . import losses as L
from .conditional_objectives import CONDITIONAL_LOSSES
from .energy_objectives import ENERGY_LOSSES
from .objective_base import Batch, Objective
from .translation_objectives import TRANSLATION_LOSSES

__all__ = [
    "LOSSES",
    "Batch",
    "CTransformObjective",
    "FisherGAN",
    "LogitObjective",
    "Objective",
    "get_loss",
]


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
    **ENERGY_LOSSES,  # EBGAN, BEGAN, MAGAN, loss-sensitive, MEG (notebook 08)
    **CONDITIONAL_LOSSES,  # ACGAN, InfoGAN (notebook 11)
    **TRANSLATION_LOSSES,  # pix2pix, CycleGAN (notebooks 12-13)
}
"""The registry: name → a constructor of the objective (its keyword arguments are the
objective's options, e.g. Fisher GAN's ``rho``). Adding an objective is one class or one pair
of formulas, and one line here; the training loop does not change."""


def get_loss(name: str, entropy_weight: float | None = None, **options) -> Objective:
    r"""A new objective called ``name``, built with ``options`` (e.g. Fisher GAN's ``rho``).
    With ``entropy_weight`` β its generator loss also maximises the fakes' entropy,
    :math:`L_G - \beta \hat H(G(z))` (:class:`gancourse.entropy.EntropyRegularised`)."""
    if entropy_weight is not None:
        from .entropy import EntropyRegularised

        return EntropyRegularised(get_loss(name, **options), entropy_weight)
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
