r"""Adversarial objectives as pure functions of discriminator logits.

Every function returns a scalar to **minimise**. The discriminator outputs a logit
:math:`a = \operatorname{logit} D(x)`, so :math:`D(x) = \sigma(a)`, and we never take
``log(sigmoid(a))``: it underflows to :math:`\log 0 = -\infty` once :math:`a < -104` in
float32. The stable identities are

.. math:: -\log \sigma(a) = \operatorname{softplus}(-a), \qquad -\log\big(1 - \sigma(a)\big) = \operatorname{softplus}(a).

Naming: ``d_loss(real_logits, fake_logits)`` and ``g_loss(fake_logits, real_logits=None)``.
:func:`get_loss` maps a name to its (discriminator loss, generator loss) pair. A generator
loss that needs the real logits too (relativistic objectives) says so with the attribute
``needs_real_logits = True``; the training loop then passes them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

import torch
import torch.nn.functional as F

__all__ = [
    "LOSSES",
    "LossPair",
    "get_loss",
    "hinge_d_loss",
    "hinge_g_loss",
    "minimax_d_loss",
    "minimax_g_loss",
    "nonsaturating_g_loss",
]


def minimax_d_loss(real_logits: torch.Tensor, fake_logits: torch.Tensor) -> torch.Tensor:
    r"""The discriminator's side of :math:`\max_D V(G, D)`, as a loss to minimise:

    .. math:: L_D = -\mathbb E_{x \sim P_\text{data}}[\log D(x)] - \mathbb E_{z}[\log(1 - D(G(z)))]
                  = \overline{\operatorname{softplus}(-a_\text{real})} + \overline{\operatorname{softplus}(a_\text{fake})},

    the binary cross-entropy with label 1 for real and 0 for fake. It is :math:`-V(G, D)`, so
    its minimum over :math:`D` is :math:`-V(G, D^*)`. Shared by MMGAN and NSGAN.
    """
    return F.softplus(-real_logits).mean() + F.softplus(fake_logits).mean()


def minimax_g_loss(
    fake_logits: torch.Tensor, real_logits: torch.Tensor | None = None
) -> torch.Tensor:
    r"""The generator's side of the original (saturating) game, MMGAN:

    .. math:: L_G = \mathbb E_z[\log(1 - D(G(z)))] = -\overline{\operatorname{softplus}(a_\text{fake})}.

    Its gradient with respect to the logit is :math:`-D(G(z))`: it vanishes when the
    discriminator confidently rejects the fakes (notebook 02).
    """
    return -F.softplus(fake_logits).mean()


def nonsaturating_g_loss(
    fake_logits: torch.Tensor, real_logits: torch.Tensor | None = None
) -> torch.Tensor:
    r"""The non-saturating generator loss of NSGAN (Goodfellow et al. 2014, §3):

    .. math:: L_G = -\mathbb E_z[\log D(G(z))] = \overline{\operatorname{softplus}(-a_\text{fake})}.

    Same fixed point as :func:`minimax_g_loss`, but its logit gradient :math:`-(1 - D(G(z)))`
    is largest exactly when the generator is worst.
    """
    return F.softplus(-fake_logits).mean()


def hinge_d_loss(real_logits: torch.Tensor, fake_logits: torch.Tensor) -> torch.Tensor:
    r"""The hinge loss of the discriminator (Lim & Ye 2017; Miyato et al. 2018, SN-GAN):

    .. math:: L_D = \mathbb E_{x}[\max(0, 1 - D(x))] + \mathbb E_{z}[\max(0, 1 + D(G(z)))],

    with :math:`D` the raw critic output (the logit). A real sample scored above +1, or a
    fake one below −1, contributes nothing: D stops pushing on points it already separates
    by the margin, which keeps its outputs bounded. The minimum, 0, needs a margin of 2.
    """
    return F.relu(1.0 - real_logits).mean() + F.relu(1.0 + fake_logits).mean()


def hinge_g_loss(
    fake_logits: torch.Tensor, real_logits: torch.Tensor | None = None
) -> torch.Tensor:
    r"""The generator's side of the hinge game: :math:`L_G = -\mathbb E_z[D(G(z))]`, the raw
    critic score of the fakes pushed up (no margin: G always gets a gradient of :math:`-1/B`
    per sample's logit)."""
    return -fake_logits.mean()


class LossPair(NamedTuple):
    """A discriminator loss and a generator loss that belong together."""

    d_loss: Callable[[torch.Tensor, torch.Tensor], torch.Tensor]
    g_loss: Callable[..., torch.Tensor]


LOSSES: dict[str, LossPair] = {
    "minimax": LossPair(minimax_d_loss, minimax_g_loss),
    "nonsaturating": LossPair(minimax_d_loss, nonsaturating_g_loss),
    "hinge": LossPair(hinge_d_loss, hinge_g_loss),
}
"""The registry: name → (d_loss, g_loss). Later objectives add themselves here."""


def get_loss(name: str) -> LossPair:
    """The (discriminator loss, generator loss) pair called ``name``."""
    try:
        return LOSSES[name]
    except KeyError:
        raise ValueError(
            f"unknown loss {name!r}; known losses: {', '.join(sorted(LOSSES))}"
        ) from None
