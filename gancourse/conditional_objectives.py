r"""The conditional models' objectives (notebook 11): ACGAN and InfoGAN, through the one objective
interface (:mod:`gancourse.objectives`).

CGAN and the projection discriminator need no objective of their own: the label is inside D,
so any adversarial loss (``nonsaturating``, ``hinge``) on ``D(x, y)`` is already the
conditional game. ACGAN and InfoGAN add a second term, read from D's second head
(:class:`~gancourse.objective_base.DiscriminatorOutput`):

* **ACGAN** (Odena et al. 2017): the class cross-entropy :math:`L_C` on real images (their
  labels) and on fakes (the labels G was given). D minimises :math:`L_{adv} + w_r L_C^{real} +
  w_f L_C^{fake}`, G minimises :math:`L_{adv}^G + w_g L_C^{fake}`. The paper's weights are all 1;
  ``fake_class_weight=0`` keeps D's classifier off the fakes.
* **InfoGAN** (Chen et al. 2016): z carries a categorical code c (one-hot, uniform over K values)
  and continuous codes (uniform on [-1, 1]); Q, a head on D's trunk, guesses them from G(z).
  Both D's step (which trains Q) and G's step subtract :math:`\lambda L_I`, the mutual-information
  lower bound of :func:`~gancourse.conditional_losses.infogan_loss`.
"""

from __future__ import annotations

import math

import torch

from .conditional_losses import acgan_class_loss, infogan_categorical_bound, infogan_loss
from .objective_base import Batch, Objective

__all__ = ["ACGAN", "CONDITIONAL_LOSSES", "InfoGAN"]


def _weight(name: str, value) -> None:
    ok = not isinstance(value, bool) and isinstance(value, int | float)
    if not (ok and value >= 0 and math.isfinite(value)):
        raise ValueError(f"{name} must be a non-negative number, got {value!r}")


def _base_objective(base: str) -> Objective:
    from .objectives import get_loss  # the registry imports this module

    objective = get_loss(base)
    if objective.log_names or objective.state_dict() or objective.generator_modules():
        raise ValueError(
            f"the base loss of ACGAN/InfoGAN must be a plain adversarial loss (nonsaturating, "
            f"hinge, wgan, ...), not the stateful {base!r}"
        )
    return objective


class ACGAN(Objective):
    r"""ACGAN: ``base``'s adversarial loss plus the auxiliary classifier's cross-entropy.

    .. math::
        L_D = L_D^{adv} + w_r\,\mathrm{CE}(C(x), y) + w_f\,\mathrm{CE}(C(G(z, y')), y'),
        \qquad L_G = L_G^{adv} + w_g\,\mathrm{CE}(C(G(z, y')), y').

    D must return a :class:`~gancourse.objective_base.DiscriminatorOutput` whose ``aux`` are raw
    class logits (:class:`~gancourse.nets.ConditionalDCGANDiscriminator` with ``head="acgan"``).
    """

    def __init__(
        self,
        base: str = "nonsaturating",
        real_class_weight: float = 1.0,
        fake_class_weight: float = 1.0,
        generator_class_weight: float = 1.0,
    ) -> None:
        for name, value in (
            ("real_class_weight", real_class_weight),
            ("fake_class_weight", fake_class_weight),
            ("generator_class_weight", generator_class_weight),
        ):
            _weight(name, value)
        self.base = _base_objective(base)
        self.real_class_weight = real_class_weight
        self.fake_class_weight = fake_class_weight
        self.generator_class_weight = generator_class_weight

    def d_loss(self, batch: Batch) -> torch.Tensor:
        if batch.real_labels is None or batch.fake_labels is None:
            raise _no_labels()
        loss = self.base.d_loss(batch)
        loss = loss + self.real_class_weight * acgan_class_loss(batch.real_aux, batch.real_labels)
        if self.fake_class_weight:
            fake = acgan_class_loss(batch.fake_aux, batch.fake_labels)
            loss = loss + self.fake_class_weight * fake
        return loss

    def g_loss(self, batch: Batch) -> torch.Tensor:
        if batch.fake_labels is None:
            raise _no_labels()
        fake = acgan_class_loss(batch.fake_aux, batch.fake_labels)
        return self.base.g_loss(batch) + self.generator_class_weight * fake

    def __repr__(self) -> str:
        return (
            f"ACGAN({self.base!r}, real={self.real_class_weight}, fake={self.fake_class_weight}, "
            f"generator={self.generator_class_weight})"
        )


def _no_labels() -> ValueError:
    return ValueError(
        "ACGAN reads the labels of the real and the fake images: train with num_classes > 0"
    )


class InfoGAN(Objective):
    r"""InfoGAN: ``base``'s adversarial loss minus :math:`\lambda L_I` in both players' losses.

    The last ``n_categories + n_continuous`` entries of z are the codes (see
    :meth:`sample_latent`): a one-hot categorical code, uniform over ``n_categories`` values, then
    continuous codes uniform on [-1, 1]; the rest is N(0, I) noise. D returns a
    :class:`~gancourse.objective_base.DiscriminatorOutput` whose ``aux`` is Q's
    :class:`~gancourse.nets.conditional.InfoGANOutput`
    (:class:`~gancourse.nets.InfoGANDiscriminator`). Q is part of D, so D's optimizer trains it
    (on the detached fakes); G's step moves G to make the codes readable. Logs ``mi_categorical``,
    the categorical bound :math:`\mathbb E \log Q(c \mid x) + \ln K \le \ln K` on the D step's fakes.
    """

    log_names = ("mi_categorical",)

    def __init__(
        self,
        base: str = "nonsaturating",
        n_categories: int = 10,
        n_continuous: int = 2,
        categorical_weight: float = 1.0,
        continuous_weight: float = 0.1,
    ) -> None:
        if isinstance(n_categories, bool) or not isinstance(n_categories, int) or n_categories < 2:
            raise ValueError(f"n_categories must be an integer >= 2, got {n_categories!r}")
        if isinstance(n_continuous, bool) or not isinstance(n_continuous, int) or n_continuous < 0:
            raise ValueError(f"n_continuous must be an integer >= 0, got {n_continuous!r}")
        _weight("categorical_weight", categorical_weight)
        _weight("continuous_weight", continuous_weight)
        self.base = _base_objective(base)
        self.n_categories, self.n_continuous = n_categories, n_continuous
        self.categorical_weight, self.continuous_weight = categorical_weight, continuous_weight
        self.last_bound = torch.zeros(())

    @property
    def code_size(self) -> int:
        """How many entries at the end of z are codes."""
        return self.n_categories + self.n_continuous

    def sample_latent(
        self, n: int, latent_dim: int, generator: torch.Generator, device: torch.device
    ) -> torch.Tensor:
        """z = [noise ~ N(0, I), one-hot c ~ uniform over K, continuous ~ U[-1, 1]]."""
        noise_dim = latent_dim - self.code_size
        if noise_dim < 1:
            raise ValueError(
                f"latent_dim {latent_dim} leaves no room for noise next to {self.code_size} "
                f"code entries: use latent_dim > {self.code_size}"
            )
        noise = torch.randn(n, noise_dim, generator=generator, device=device)
        c = torch.randint(self.n_categories, (n,), generator=generator, device=device)
        one_hot = torch.nn.functional.one_hot(c, self.n_categories).to(noise.dtype)
        u = torch.rand(n, self.n_continuous, generator=generator, device=device) * 2 - 1
        return torch.cat([noise, one_hot, u], dim=1)

    def with_codes(
        self, z: torch.Tensor, categories: torch.Tensor, continuous: torch.Tensor | None = None
    ) -> torch.Tensor:
        """``z`` with its codes replaced: category indices ``[B]`` and continuous values
        ``[B, n_continuous]`` (kept when ``None``) — for the notebook's code grids."""
        z = z.clone()
        k = self.n_categories
        start = z.shape[1] - self.code_size
        z[:, start : start + k] = torch.nn.functional.one_hot(categories.long(), k).to(z.dtype)
        if continuous is not None:
            z[:, start + k :] = continuous.to(z.dtype)
        return z

    def codes(self, z: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """The codes in ``z``: category indices ``[B]`` and continuous values ``[B, C]``."""
        start = z.shape[1] - self.code_size
        one_hot = z[:, start : start + self.n_categories]
        return one_hot.argmax(dim=1), z[:, start + self.n_categories :]

    def information_loss(self, batch: Batch) -> torch.Tensor:
        r""":math:`-\lambda_{cat} L_I^{cat} - \lambda_{cont} L_I^{cont}` on the fakes."""
        if batch.latent is None:
            raise ValueError("InfoGAN reads the codes in z: the batch needs latent=z")
        q = batch.fake_aux
        categories, continuous = self.codes(batch.latent)
        return infogan_loss(
            q.logits,
            categories,
            q.mean if self.n_continuous else None,
            q.log_sigma if self.n_continuous else None,
            continuous if self.n_continuous else None,
            self.categorical_weight,
            self.continuous_weight,
        )

    def d_loss(self, batch: Batch) -> torch.Tensor:
        loss = self.base.d_loss(batch) + self.information_loss(batch)
        categories, _ = self.codes(batch.latent)
        self.last_bound = infogan_categorical_bound(batch.fake_aux.logits, categories).detach()
        return loss

    def g_loss(self, batch: Batch) -> torch.Tensor:
        return self.base.g_loss(batch) + self.information_loss(batch)

    def logs(self) -> dict[str, torch.Tensor]:
        return {"mi_categorical": self.last_bound}

    def __repr__(self) -> str:
        return (
            f"InfoGAN({self.base!r}, K={self.n_categories}, continuous={self.n_continuous}, "
            f"λ=({self.categorical_weight}, {self.continuous_weight}))"
        )


CONDITIONAL_LOSSES = {"acgan": ACGAN, "infogan": InfoGAN}
"""The conditional objectives, by name (merged into :data:`gancourse.objectives.LOSSES`)."""
