r"""The energy view's objectives (notebook 08): EBGAN, BEGAN, MAGAN, the loss-sensitive GAN and
MEG, through the one objective interface (:mod:`gancourse.objectives`).

EBGAN, BEGAN and MAGAN need an **autoencoder discriminator**
(:mod:`gancourse.nets.energy`): D returns ``(reconstruction, code)`` and the objective turns it
into the energy with :func:`~gancourse.energy_losses.reconstruction_energy`. The loss-sensitive
GAN and MEG take any discriminator with one output per sample and read that output as the
energy U(x). The formulas are the pure functions of :mod:`gancourse.energy_losses`; the classes
here only fetch the energies and keep the state.

State (BEGAN's :math:`k_t`, MAGAN's margin and epoch totals) changes only in ``update()``,
after each D step, from the energies of that step, and is saved by ``state_dict()`` — so a
resumed run continues exactly.
"""

from __future__ import annotations

import math

import torch
from torch import nn
from torch.nn import functional as F

from . import energy_losses as E
from .nets.mlp import MLP
from .objective_base import Batch, Objective
from .regularizers import input_gradient_norms

__all__ = [
    "BEGAN",
    "EBGAN",
    "ENERGY_LOSSES",
    "MAGAN",
    "MEG",
    "LossSensitiveGAN",
    "jsd_mutual_information",
]


def _positive(name: str, value, allow_zero: bool = False) -> None:
    ok = not isinstance(value, bool) and isinstance(value, int | float)
    ok = ok and (value >= 0 if allow_zero else value > 0) and math.isfinite(value)
    if not ok:
        raise ValueError(
            f"{name} must be a {'non-negative' if allow_zero else 'positive'} number, got {value!r}"
        )


def _autoencoder_output(output, which: str):
    if not (isinstance(output, tuple) and len(output) == 2):
        raise ValueError(
            f"this energy objective needs an autoencoder discriminator that returns "
            f"(reconstruction, code), but D's output on the {which} samples is "
            f"{type(output).__name__}: use gancourse.nets.autoencoder_discriminator_points or "
            "autoencoder_discriminator_images"
        )
    return output


def _scalar_energy(output: torch.Tensor, which: str) -> torch.Tensor:
    if not isinstance(output, torch.Tensor) or output.flatten(1).shape[1] != 1:
        shape = tuple(output.shape) if isinstance(output, torch.Tensor) else type(output).__name__
        raise ValueError(
            f"this objective reads D's output as one energy per sample, [B] or [B, 1], but D "
            f"gave {shape} on the {which} samples: use a discriminator with one output"
        )
    return output.flatten()


class _AutoencoderEnergy(Objective):
    """Shared by EBGAN, BEGAN and MAGAN: the reconstruction energy of a batch's samples."""

    def __init__(self, norm: str, reduction: str) -> None:
        E.reconstruction_energy(torch.zeros(1, 1), torch.zeros(1, 1), norm, reduction)  # checks
        self.norm, self.reduction = norm, reduction

    def energy(self, batch: Batch, which: str) -> tuple[torch.Tensor, torch.Tensor]:
        """U of the batch's ``which`` samples ``[B]`` and their codes ``[B, latent]``."""
        x = batch.real if which == "real" else batch.fake
        output = _autoencoder_output(
            batch.real_logits if which == "real" else batch.fake_logits, which
        )
        reconstruction, code = output
        return E.reconstruction_energy(x, reconstruction, self.norm, self.reduction), code


class EBGAN(_AutoencoderEnergy):
    r"""EBGAN (Zhao, Mathieu & LeCun 2017) with an autoencoder energy
    :math:`U(x) = \mathrm{mean}\,(x - \hat x)^2` (``norm``, ``reduction``):

    .. math:: L_D = \mathbb E[U(x)] + \mathbb E[m - U(G(z))]^+, \qquad
              L_G = \mathbb E[U(G(z))] + \lambda_{PT}\,\mathrm{PT}(\mathrm{Enc}(G(z))).

    ``margin`` m is on the scale of U (with ``reduction="sum"`` over 784 pixels, 784 times the
    mean's). ``pt_weight`` :math:`\lambda_{PT}` (0.1 in the paper's EBGAN-PT; 0 switches the
    pulling-away term off)."""

    def __init__(
        self,
        margin: float = 1.0,
        pt_weight: float = 0.1,
        norm: str = "l2",
        reduction: str = "mean",
    ) -> None:
        super().__init__(norm, reduction)
        _positive("EBGAN's margin", margin)
        _positive("EBGAN's pt_weight", pt_weight, allow_zero=True)
        self.margin, self.pt_weight = margin, pt_weight

    def d_loss(self, batch: Batch) -> torch.Tensor:
        real_energy, _ = self.energy(batch, "real")
        fake_energy, _ = self.energy(batch, "fake")
        return E.ebgan_d_loss(real_energy, fake_energy, self.margin)

    def g_loss(self, batch: Batch) -> torch.Tensor:
        fake_energy, codes = self.energy(batch, "fake")
        return E.ebgan_g_loss(fake_energy, codes, self.pt_weight)


class BEGAN(_AutoencoderEnergy):
    r"""BEGAN (Berthelot, Schumm & Metz 2017) with the L1 energy
    :math:`\mathcal L(x) = \mathrm{mean}\,|x - \hat x|`:

    .. math:: L_D = \mathcal L(x) - k_t\,\mathcal L(G(z)),\qquad L_G = \mathcal L(G(z)),\qquad
              k_{t+1} = \mathrm{clip}(k_t + \lambda_k(\gamma\mathcal L(x) - \mathcal L(G(z))), 0, 1)

    with :math:`k_0 = 0`, the diversity ratio γ = 0.5 and :math:`\lambda_k = 10^{-3}` (the paper's
    code). After each D step ``update()`` moves :math:`k_t` and computes the convergence measure
    :math:`\mathcal M_{global} = \mathcal L(x) + |\gamma\mathcal L(x) - \mathcal L(G(z))|` from
    that step's energies; both are logged (``k``, ``M_global``), with the step's mean energies
    (``real_energy``, ``fake_energy``) whose ratio the controller drives to γ."""

    log_names = ("k", "M_global", "real_energy", "fake_energy")

    def __init__(
        self, gamma: float = 0.5, lambda_k: float = 1e-3, norm: str = "l1", reduction: str = "mean"
    ) -> None:
        super().__init__(norm, reduction)
        _positive("BEGAN's gamma", gamma)
        _positive("BEGAN's lambda_k", lambda_k)
        self.gamma, self.lambda_k = gamma, lambda_k
        self.k = torch.zeros(())
        self.convergence = torch.zeros(())
        self._last: tuple[torch.Tensor, torch.Tensor] | None = None

    def d_loss(self, batch: Batch) -> torch.Tensor:
        real_energy, _ = self.energy(batch, "real")
        fake_energy, _ = self.energy(batch, "fake")
        if self.k.device != real_energy.device:
            self.k = self.k.to(real_energy.device)
            self.convergence = self.convergence.to(real_energy.device)
        self._last = (real_energy.detach(), fake_energy.detach())
        return E.began_d_loss(real_energy, fake_energy, self.k)

    def g_loss(self, batch: Batch) -> torch.Tensor:
        fake_energy, _ = self.energy(batch, "fake")
        return fake_energy.mean()

    @torch.no_grad()
    def update(self) -> None:
        if self._last is None:
            raise RuntimeError("BEGAN.update() follows a D step: call d_loss first")
        real_energy, fake_energy = self._last
        self.k.copy_(E.began_k_update(self.k, real_energy, fake_energy, self.gamma, self.lambda_k))
        self.convergence.copy_(E.began_convergence(real_energy, fake_energy, self.gamma))

    def logs(self) -> dict[str, torch.Tensor]:
        if self._last is None:
            raise RuntimeError("BEGAN.logs() reads the last D step's energies: call d_loss first")
        real_energy, fake_energy = (e.mean() for e in self._last)
        return {
            "k": self.k.clone(),
            "M_global": self.convergence.clone(),
            "real_energy": real_energy.clone(),
            "fake_energy": fake_energy.clone(),
        }

    def state_dict(self) -> dict:
        return {"k": self.k.detach().clone(), "M_global": self.convergence.detach().clone()}

    def load_state_dict(self, state: dict) -> None:
        self.k = state["k"].detach().clone()
        self.convergence = state["M_global"].detach().clone()


class MAGAN(EBGAN):
    r"""MAGAN (Wang, Cully, Chang & Bharath 2017): EBGAN whose margin falls as training goes.

    * **Warm-up**: for the first ``warmup_epochs`` epochs D is trained as a plain autoencoder
      on the data, :math:`L_D = \mathbb E[U(x)]` — EBGAN with margin 0, since
      :math:`[0 - U]^+ = 0` (so ``margin`` reads 0 then); the margin then starts at the mean
      real energy of the last warm-up epoch, :math:`m_0 = S_{real}/N`.
    * **Adaptation**: at the end of every later epoch,
      :func:`~gancourse.energy_losses.magan_margin_update` lowers m to the mean real energy when
      it is below m, the real total is below the fake total, and the fake total did not fall
      since the last epoch.

    An epoch is ``epoch_steps`` D steps (the data size over the batch size); the totals are over
    the samples of those steps. The margin, the totals and the step count are the state;
    ``margin`` and ``epoch`` are logged. ``pt_weight`` defaults to 0 (MAGAN's paper does not use
    the pulling-away term)."""

    log_names = ("margin",)
    cuda_graph_safe = False  # the epoch's end is decided on the host

    def __init__(
        self,
        epoch_steps: int = 100,
        warmup_epochs: int = 1,
        pt_weight: float = 0.0,
        norm: str = "l2",
        reduction: str = "mean",
    ) -> None:
        super().__init__(1.0, pt_weight, norm, reduction)
        for name, value in (("epoch_steps", epoch_steps), ("warmup_epochs", warmup_epochs)):
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"MAGAN's {name} must be a positive integer, got {value!r}")
        self.epoch_steps, self.warmup_epochs = epoch_steps, warmup_epochs
        self.margin = 0.0  # the warm-up: L_D = E[U(x)] + E[0 - U(G(z))]^+ = E[U(x)]
        self.steps = 0  # D steps done
        self.previous_fake_total = math.inf
        self._reset_totals()
        self._last: tuple[torch.Tensor, torch.Tensor] | None = None

    def _reset_totals(self) -> None:
        self.real_total, self.fake_total, self.count = torch.zeros(()), torch.zeros(()), 0

    @property
    def warming_up(self) -> bool:
        return self.steps < self.warmup_epochs * self.epoch_steps

    def d_loss(self, batch: Batch) -> torch.Tensor:
        real_energy, _ = self.energy(batch, "real")
        fake_energy, _ = self.energy(batch, "fake")
        self._last = (real_energy.detach(), fake_energy.detach())
        return E.ebgan_d_loss(real_energy, fake_energy, self.margin)

    @torch.no_grad()
    def update(self) -> None:
        if self._last is None:
            raise RuntimeError("MAGAN.update() follows a D step: call d_loss first")
        real_energy, fake_energy = self._last
        self.record(real_energy, fake_energy)

    def record(self, real_energy: torch.Tensor, fake_energy: torch.Tensor) -> None:
        """Add one D step's energies to the epoch's totals and, at an epoch's end, set or adapt
        the margin (the one host sync per epoch)."""
        self.real_total = self.real_total.to(real_energy.device) + real_energy.sum()
        self.fake_total = self.fake_total.to(fake_energy.device) + fake_energy.sum()
        self.count += len(real_energy)
        self.steps += 1
        if self.steps % self.epoch_steps:
            return
        real_total, fake_total = float(self.real_total), float(self.fake_total)
        if self.steps == self.warmup_epochs * self.epoch_steps:
            self.margin = real_total / self.count  # m0: the warmed-up autoencoder's data energy
        elif not self.warming_up:
            self.margin = E.magan_margin_update(
                self.margin, real_total, fake_total, self.previous_fake_total, self.count
            )
        self.previous_fake_total = fake_total
        self._reset_totals()

    def logs(self) -> dict[str, torch.Tensor]:
        return {"margin": torch.tensor(self.margin, device=self.real_total.device)}

    def state_dict(self) -> dict:
        return {
            "margin": self.margin,
            "steps": self.steps,
            "previous_fake_total": self.previous_fake_total,
            "real_total": self.real_total.detach().clone(),
            "fake_total": self.fake_total.detach().clone(),
            "count": self.count,
        }

    def load_state_dict(self, state: dict) -> None:
        self.margin, self.steps = state["margin"], state["steps"]
        self.previous_fake_total = state["previous_fake_total"]
        self.real_total = state["real_total"].detach().clone()
        self.fake_total = state["fake_total"].detach().clone()
        self.count = state["count"]


class LossSensitiveGAN(Objective):
    r"""The loss-sensitive GAN (Qi 2017) on a discriminator with one output per sample, read as a
    **non-negative** energy :math:`U(x) = |D(x)|` (the paper's loss function is non-negative:
    without a floor, :math:`\mathbb E[U(x)]` falls forever — a constant shift of U leaves the
    hinge unchanged and lowers the first term). The absolute value rather than a softplus: a
    softplus saturates where the data push D down, and its vanishing slope then stops D from
    raising the fakes' energy and G from moving (measured on the ring: no mode found):

    .. math:: L_U = \mathbb E[U(x)] + \lambda\,\mathbb E\big[\Delta(x, G(z)) + U(x) - U(G(z))\big]^+,
              \qquad L_G = \mathbb E[U(G(z))],

    with :math:`\Delta(x, G(z)) = \mathrm{mean}\,|x - G(z)|` (the L1 distance per entry, times
    ``distance_scale``) between the i-th real and the i-th fake of the batch.

    **Lipschitz regularisation.** The theory needs U Lipschitz. The paper names two ways — weight
    decay, which it adopts "for its simplicity", and a penalty on :math:`\|\nabla_x U\|` — and
    this objective does the first: ``weight_decay`` :math:`\mu` adds
    :math:`\tfrac\mu2 \sum_\theta \theta^2` over D's parameters to :math:`L_U` (which, with Adam,
    is the weight decay of the paper's Torch code; 0 switches it off). The second is a critic
    control (``penalty=`` of the recipes, :func:`gancourse.regularizers.critic_controls`)."""

    def __init__(
        self, weight: float = 1.0, distance_scale: float = 1.0, weight_decay: float = 1e-4
    ) -> None:
        _positive("the loss-sensitive weight", weight)
        _positive("the loss-sensitive distance_scale", distance_scale)
        _positive("the loss-sensitive weight_decay", weight_decay, allow_zero=True)
        self.weight, self.distance_scale = weight, distance_scale
        self.weight_decay = weight_decay

    @staticmethod
    def energy(output: torch.Tensor, which: str) -> torch.Tensor:
        r""":math:`U = |D(x)| \ge 0`, per sample ``[B]``."""
        return _scalar_energy(output, which).abs()

    def d_loss(self, batch: Batch) -> torch.Tensor:
        real_energy = self.energy(batch.real_logits, "real")
        fake_energy = self.energy(batch.fake_logits, "fake")
        if batch.real.shape != batch.fake.shape:
            raise ValueError(
                f"the loss-sensitive margin pairs each real with a fake: got real "
                f"{tuple(batch.real.shape)} and fake {tuple(batch.fake.shape)}"
            )
        distance = self.distance_scale * (batch.real - batch.fake).flatten(1).abs().mean(1)
        loss = E.loss_sensitive_d_loss(real_energy, fake_energy, distance, self.weight)
        if self.weight_decay:
            parameters = getattr(batch.D, "parameters", None)
            if parameters is None:
                raise ValueError(
                    "the loss-sensitive GAN's weight decay needs D as an nn.Module (its "
                    "parameters); pass weight_decay=0 to train a plain function"
                )
            squares = sum(p.pow(2).sum() for p in parameters())
            loss = loss + 0.5 * self.weight_decay * squares
        return loss

    def g_loss(self, batch: Batch) -> torch.Tensor:
        return self.energy(batch.fake_logits, "fake").mean()


def jsd_mutual_information(joint: torch.Tensor, marginal: torch.Tensor) -> torch.Tensor:
    r"""The Jensen–Shannon mutual-information estimator (Hjelm et al. 2019, used by MEG),
    from a statistics network's scores on pairs drawn from the joint and from the product of
    the marginals:

    .. math:: \hat I_{JSD} = \mathbb E_{joint}[-\mathrm{softplus}(-T)]
              - \mathbb E_{marginal}[\mathrm{softplus}(T)].

    At the best T it equals :math:`2\,\mathrm{JS}(joint \,\|\, marginals) - 2\log 2`, so it
    lies in :math:`[-2\log 2, 0]` there: :math:`-2\log 2` for independent x and z (T ≡ 0 is then
    optimal), up to 0 when T separates the two kinds of pairs perfectly."""
    return -F.softplus(-joint).mean() - F.softplus(marginal).mean()


class MEG(Objective):
    r"""Maximum Entropy Generators (Kumar, Ozair, Goyal, Courville & Bengio 2019): the energy
    game with a penalty on the energy, and a generator that maximises its entropy too.

    .. math:: L_U = \mathbb E[U(x)] - \mathbb E[U(G(z))] + \lambda\,\mathbb E\|\nabla_x U(x)\|^2,
    .. math:: L_G = \mathbb E[U(G(z))] - \beta\,\hat I_{JSD}(z;\,G(z)).

    The penalty is zero-centred and at the data (it keeps U from falling without bound there).
    For a deterministic G plus a little independent noise ε, :math:`x = G(z) + \varepsilon` has
    :math:`H(x) = I(z; x) + H(\varepsilon)`, so raising the mutual information raises the
    entropy. MEG measures the dependence of x on z with the Jensen–Shannon estimator of Deep
    InfoMax — a surrogate that rises with the dependence rather than a tight bound on I (it
    lies in [−2 log 2, 0]): a statistics network :math:`T(x, z)` scores the pairs
    :math:`(G(z_i), z_i)` against mismatched ones :math:`(G(z_i), z_{i-1})`
    (:func:`jsd_mutual_information`); T is trained *with G*, by the generator's optimizer, since
    both want the estimate high (:meth:`generator_modules`).

    Args:
        data_dim: numbers per sample (2 for the course's 2-D toys, 784 for a 28×28 image).
        latent_dim: size of z (2 for the toys).
        gp_weight: λ.
        mi_weight: β (named apart from ``get_loss``'s ``entropy_weight``, the nearest-neighbour
            entropy term any objective can add).
        width: hidden units of T (an MLP on the concatenation of x and z).
    """

    def __init__(
        self,
        data_dim: int = 2,
        latent_dim: int = 2,
        gp_weight: float = 1.0,
        mi_weight: float = 1.0,
        width: int = 256,
    ) -> None:
        for name, value in (("data_dim", data_dim), ("latent_dim", latent_dim), ("width", width)):
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"MEG's {name} must be a positive integer, got {value!r}")
        _positive("MEG's gp_weight", gp_weight, allow_zero=True)
        _positive("MEG's mi_weight", mi_weight, allow_zero=True)
        self.gp_weight, self.mi_weight = gp_weight, mi_weight
        self.data_dim, self.latent_dim = data_dim, latent_dim
        self.statistics = MLP(data_dim + latent_dim, 1, width=width, depth=2)

    def d_loss(self, batch: Batch) -> torch.Tensor:
        real_energy = _scalar_energy(batch.real_logits, "real")
        fake_energy = _scalar_energy(batch.fake_logits, "fake")
        loss = E.energy_d_loss(real_energy, fake_energy)
        if self.gp_weight:
            norms = input_gradient_norms(batch.D, batch.real.detach())
            loss = loss + self.gp_weight * norms.pow(2).mean()
        return loss

    def mutual_information(self, fake: torch.Tensor, latent: torch.Tensor) -> torch.Tensor:
        """:math:`\\hat I_{JSD}(z; G(z))` on a batch: joint pairs (x_i, z_i), marginal pairs
        (x_i, z_{i-1}) — a fixed shift rather than a random permutation, so no random number
        is drawn (the batch's samples are independent, so a shift pairs independent ones)."""
        x = fake.flatten(1)
        if x.shape[1] != self.data_dim or latent.shape[1:] != (self.latent_dim,):
            raise ValueError(
                f"MEG was built for samples of {self.data_dim} numbers and z of size "
                f"{self.latent_dim}, but got samples of {x.shape[1]} and z of shape "
                f"{tuple(latent.shape)}: pass data_dim and latent_dim in the loss options"
            )
        joint = self.statistics(torch.cat([x, latent], 1))
        marginal = self.statistics(torch.cat([x, latent.roll(1, 0)], 1))
        return jsd_mutual_information(joint, marginal)

    def g_loss(self, batch: Batch) -> torch.Tensor:
        loss = _scalar_energy(batch.fake_logits, "fake").mean()
        if self.mi_weight:
            if batch.latent is None:
                raise ValueError(
                    "MEG's generator loss estimates the entropy from the noise z: the batch has "
                    "no latent (the trainer passes it; by hand, Batch(..., latent=z))"
                )
            loss = loss - self.mi_weight * self.mutual_information(batch.fake, batch.latent)
        return loss

    def generator_modules(self) -> tuple[nn.Module, ...]:
        return (self.statistics,)

    def state_dict(self) -> dict:
        return {"statistics": self.statistics.state_dict()}

    def load_state_dict(self, state: dict) -> None:
        self.statistics.load_state_dict(state["statistics"])


ENERGY_LOSSES = {
    "ebgan": EBGAN,
    "began": BEGAN,
    "magan": MAGAN,
    "loss-sensitive": LossSensitiveGAN,
    "meg": MEG,
}
"""Registered in :data:`gancourse.objectives.LOSSES`."""
