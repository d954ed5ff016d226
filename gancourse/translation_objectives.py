r"""pix2pix and CycleGAN as objectives of the one training loop (notebooks 12–13).

Both train in a paired run (``TrainConfig(paired=True)``): the loop hands G the real batch's own
inputs and D the inputs with the samples (:mod:`gancourse.train`), so these classes only say what
to minimise.

* :class:`Pix2Pix` — the real sample is the target ``y``, its "label" the input ``x``; D judges
  pairs, :math:`D(y, x)`:

  .. math:: L_D = \tfrac12\big(\mathbb E[\mathrm{softplus}(-D(y, x))]
                 + \mathbb E[\mathrm{softplus}(D(G(x), x))]\big),\qquad
            L_G = w_{\mathrm{GAN}}\,\mathbb E[\mathrm{softplus}(-D(G(x), x))]
                 + \lambda\,\mathbb E|y - G(x)|

  with λ = 100 and :math:`w_{\mathrm{GAN}} = 1`; notebook 12's ablations set λ = 0 (GAN only) or
  :math:`w_{\mathrm{GAN}} = 0` (L1 only).
* :class:`CycleGAN` — the sample is ``[a | b]`` (one image of each domain, unpaired), the networks
  are :class:`~gancourse.nets.translation.CycleGANGenerators` and
  :class:`~gancourse.nets.translation.CycleGANDiscriminators`; with G: A → B and F: B → A,

  .. math:: L_D = \tfrac12\big(\mathbb E[(D_B(b) - 1)^2] + \mathbb E[D_B(\tilde b)^2]\big)
                 + \tfrac12\big(\mathbb E[(D_A(a) - 1)^2] + \mathbb E[D_A(\tilde a)^2]\big),

  .. math:: L_G = \mathbb E[(D_B(G(a)) - 1)^2] + \mathbb E[(D_A(F(b)) - 1)^2]
                 + \lambda\big(\mathbb E|F(G(a)) - a| + \mathbb E|G(F(b)) - b|\big)
                 + \lambda_{\mathrm{id}}\lambda\big(\mathbb E|G(b) - b| + \mathbb E|F(a) - a|\big),

  λ = 10, :math:`\lambda_{\mathrm{id}}` = 0.5; :math:`\tilde a, \tilde b` are fakes from the image
  pools (50 each), not the newest fakes.
"""

from __future__ import annotations

import torch
from torch.nn import functional as F

from .objective_base import Batch, Objective
from .translation_losses import (
    ImagePool,
    cycle_loss,
    identity_loss,
    lsgan_d_loss,
    lsgan_g_loss,
    pix2pix_d_loss,
)

__all__ = ["TRANSLATION_LOSSES", "CycleGAN", "Pix2Pix"]


def _weight(value, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        raise ValueError(f"{name} must be a number >= 0, got {value!r}")
    return float(value)


class Pix2Pix(Objective):
    """pix2pix's losses (see the module docstring); logs ``l1``, the generator step's mean
    :math:`|y - G(x)|`."""

    log_names = ("l1",)

    def __init__(self, l1_weight: float = 100.0, gan_weight: float = 1.0) -> None:
        self.l1_weight = _weight(l1_weight, "l1_weight")
        self.gan_weight = _weight(gan_weight, "gan_weight")
        if self.l1_weight == 0 and self.gan_weight == 0:
            raise ValueError(
                "l1_weight and gan_weight are both 0: the generator would learn nothing"
            )
        self._l1 = torch.zeros(())

    def d_loss(self, batch: Batch) -> torch.Tensor:
        return pix2pix_d_loss(batch.real_logits, batch.fake_logits)

    def g_loss(self, batch: Batch) -> torch.Tensor:
        if batch.fake.shape != batch.real.shape:
            raise ValueError(
                f"G's output and the target must have one shape, got {tuple(batch.fake.shape)} "
                f"and {tuple(batch.real.shape)}"
            )
        l1 = (batch.fake - batch.real).abs().mean()
        self._l1 = l1.detach()
        loss = self.l1_weight * l1
        if self.gan_weight:  # an L1-only generator does not read D at all
            loss = loss + self.gan_weight * F.softplus(-batch.fake_logits).mean()
        return loss

    def logs(self) -> dict[str, torch.Tensor]:
        return {"l1": self._l1}


class CycleGAN(Objective):
    """CycleGAN's losses (see the module docstring) on stacked ``[a | b]`` images of ``channels``
    channels each. Logs ``cycle`` (both round trips' mean absolute error) and ``identity``.

    The pools keep the fakes on the host side of the loop (a Python list), so a CUDA graph cannot
    replay the D step; their random choices come from torch's global generator, which a
    checkpoint saves, so a resumed run continues exactly."""

    log_names = ("cycle", "identity")
    cuda_graph_safe = False

    def __init__(
        self,
        cycle_weight: float = 10.0,
        identity_weight: float = 0.5,
        pool_size: int = 50,
        channels: int = 1,
    ) -> None:
        self.cycle_weight = _weight(cycle_weight, "cycle_weight")
        self.identity_weight = _weight(identity_weight, "identity_weight")
        if isinstance(channels, bool) or not isinstance(channels, int) or channels < 1:
            raise ValueError(f"channels must be a positive integer, got {channels!r}")
        self.channels = channels
        self.pools = (ImagePool(pool_size), ImagePool(pool_size))  # fakes of A, fakes of B
        self._cycle = self._identity = torch.zeros(())

    def _split(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        c = self.channels
        if x.dim() != 4 or x.shape[1] != 2 * c:
            raise ValueError(
                f"CycleGAN reads both domains stacked, [a | b] with {2 * c} channels; got "
                f"{tuple(x.shape)}"
            )
        return x[:, :c], x[:, c:]

    def d_loss(self, batch: Batch) -> torch.Tensor:
        fake_a, fake_b = self._split(batch.fake)
        pooled = torch.cat([self.pools[0].query(fake_a), self.pools[1].query(fake_b)], dim=1)
        real_logits = batch.real_logits
        fake_logits = batch.D(pooled, batch.fake_labels)
        return lsgan_d_loss(real_logits[:, :1], fake_logits[:, :1]) + lsgan_d_loss(
            real_logits[:, 1:], fake_logits[:, 1:]
        )

    def g_loss(self, batch: Batch) -> torch.Tensor:
        if batch.generator is None:
            raise ValueError(
                "CycleGAN's generator loss translates the fakes back, so it needs the generators: "
                "train it in a paired run (TrainConfig(paired=True))"
            )
        logits = batch.fake_logits
        loss = lsgan_g_loss(logits[:, :1]) + lsgan_g_loss(logits[:, 1:])  # D_A(F(b)), D_B(G(a))
        real_a, real_b = self._split(batch.real)
        # the round trips [F(G(a)) | G(F(b))] and the identity mappings [b | a] -> [F(a) | G(b)]
        # (each generator fed an image of its OUTPUT domain) in one call of the generators: the
        # norms are per image (instance norm), so stacking along the batch changes nothing
        inputs = [batch.fake]
        if self.identity_weight:
            inputs.append(torch.cat([real_b, real_a], dim=1))
        outputs = batch.generator(torch.cat(inputs)).split(len(batch.fake))
        rec_a, rec_b = self._split(outputs[0])
        cycle = cycle_loss(real_a, rec_a, real_b, rec_b)
        self._cycle = cycle.detach()
        loss = loss + self.cycle_weight * cycle
        if self.identity_weight:
            f_of_a, g_of_b = self._split(outputs[1])
            identity = identity_loss(real_a, f_of_a, real_b, g_of_b)
            self._identity = identity.detach()
            loss = loss + self.identity_weight * self.cycle_weight * identity
        return loss

    def logs(self) -> dict[str, torch.Tensor]:
        return {"cycle": self._cycle, "identity": self._identity}

    def state_dict(self) -> dict:
        return {"pool_a": self.pools[0].state_dict(), "pool_b": self.pools[1].state_dict()}

    def load_state_dict(self, state: dict) -> None:
        self.pools[0].load_state_dict(state["pool_a"])
        self.pools[1].load_state_dict(state["pool_b"])


TRANSLATION_LOSSES = {"pix2pix": Pix2Pix, "cyclegan": CycleGAN}
