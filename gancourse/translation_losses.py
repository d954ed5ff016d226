r"""The translation models' losses (notebooks 12–13), as pure functions of network
outputs, and CycleGAN's image pool.

* pix2pix (Isola et al. 2017): the generator minimises the vanilla (non-saturating) GAN loss on
  D's patch logits plus :math:`\lambda\,\lVert y - G(x)\rVert_1` (λ = 100); the discriminator's
  loss is halved, "which slows down the rate at which D learns relative to G".
* CycleGAN (Zhu et al. 2017): least-squares GAN losses, the cycle loss
  :math:`\lVert F(G(a)) - a\rVert_1 + \lVert G(F(b)) - b\rVert_1` (λ = 10), and the identity loss
  :math:`\lVert G(b) - b\rVert_1 + \lVert F(a) - a\rVert_1` at 0.5 λ — each generator, fed an image
  that is *already* in its output domain, should leave it alone. Feeding G its own input domain
  instead is a known bug.
* :class:`ImagePool` — D sees a mix of the latest fakes and older ones (50 kept).
"""

from __future__ import annotations

import torch
from torch.nn import functional as F

__all__ = [
    "ImagePool",
    "cycle_loss",
    "identity_loss",
    "lsgan_d_loss",
    "lsgan_g_loss",
    "pix2pix_d_loss",
    "pix2pix_g_loss",
]


def pix2pix_d_loss(real_logits: torch.Tensor, fake_logits: torch.Tensor) -> torch.Tensor:
    r"""Half the binary cross-entropy of the patch logits,
    :math:`\tfrac12\big(\mathbb E[\mathrm{softplus}(-D(x, y))] + \mathbb E[\mathrm{softplus}(D(x, G(x)))]\big)`."""
    return 0.5 * (F.softplus(-real_logits).mean() + F.softplus(fake_logits).mean())


def pix2pix_g_loss(
    fake_logits: torch.Tensor, fake: torch.Tensor, target: torch.Tensor, l1_weight: float = 100.0
) -> torch.Tensor:
    r""":math:`\mathbb E[\mathrm{softplus}(-D(x, G(x)))] + \lambda\,\mathbb E|y - G(x)|` (mean over
    pixels, as in the reference code), λ = 100."""
    if fake.shape != target.shape:
        raise ValueError(
            f"G's output and the target must have one shape, got {tuple(fake.shape)} and "
            f"{tuple(target.shape)}"
        )
    return F.softplus(-fake_logits).mean() + l1_weight * (fake - target).abs().mean()


def lsgan_d_loss(real_logits: torch.Tensor, fake_logits: torch.Tensor) -> torch.Tensor:
    r"""LSGAN's discriminator loss with targets 1 and 0, halved as in CycleGAN:
    :math:`\tfrac12\big(\mathbb E[(D(b) - 1)^2] + \mathbb E[D(G(a))^2]\big)`."""
    return 0.5 * ((real_logits - 1).pow(2).mean() + fake_logits.pow(2).mean())


def lsgan_g_loss(fake_logits: torch.Tensor) -> torch.Tensor:
    r""":math:`\mathbb E[(D(G(a)) - 1)^2]`."""
    return (fake_logits - 1).pow(2).mean()


def cycle_loss(
    real_a: torch.Tensor,
    reconstructed_a: torch.Tensor,
    real_b: torch.Tensor,
    reconstructed_b: torch.Tensor,
) -> torch.Tensor:
    r""":math:`\mathbb E|F(G(a)) - a| + \mathbb E|G(F(b)) - b|`: both round trips, mean over
    pixels (multiply by λ = 10)."""
    return (reconstructed_a - real_a).abs().mean() + (reconstructed_b - real_b).abs().mean()


def identity_loss(
    real_a: torch.Tensor, f_of_a: torch.Tensor, real_b: torch.Tensor, g_of_b: torch.Tensor
) -> torch.Tensor:
    r""":math:`\mathbb E|G(b) - b| + \mathbb E|F(a) - a|` for G: A → B and F: B → A — each
    generator fed an image of its **output** domain (multiply by 0.5 λ)."""
    return (g_of_b - real_b).abs().mean() + (f_of_a - real_a).abs().mean()


class ImagePool:
    """CycleGAN's history of fakes (Shrivastava et al. 2017): D is trained on a mix of the
    newest fakes and older ones, which damps oscillation.

    :meth:`query` takes a batch of new fakes and returns a batch of the same size. While the pool
    holds fewer than ``size`` images, each new image is stored and returned as it is; after that,
    each new image is, with probability 1/2, returned as it is, and otherwise swapped with a
    random stored image (the stored one is returned, the new one takes its place). The images are
    handled one after another, as in the reference code, so two swaps in one batch see each
    other. All randomness comes from ``generator``.
    """

    def __init__(self, size: int = 50) -> None:
        if isinstance(size, bool) or not isinstance(size, int) or size < 0:
            raise ValueError(f"the pool size must be an integer >= 0, got {size!r}")
        self.size = size
        self.images: list[torch.Tensor] = []

    @torch.no_grad()
    def query(self, fakes: torch.Tensor, generator: torch.Generator | None = None) -> torch.Tensor:
        if self.size == 0:
            return fakes
        coins = torch.rand(len(fakes), generator=generator, device=fakes.device).tolist()
        slots = torch.randint(
            self.size, (len(fakes),), generator=generator, device=fakes.device
        ).tolist()
        out = []
        for image, coin, slot in zip(fakes.detach(), coins, slots, strict=True):
            if len(self.images) < self.size:
                self.images.append(image.clone())
                out.append(image)
            elif coin < 0.5:
                out.append(image)
            else:
                out.append(self.images[slot])
                self.images[slot] = image.clone()
        return torch.stack(out)

    def state_dict(self) -> dict:
        return {"images": [t.clone() for t in self.images]}

    def load_state_dict(self, state: dict) -> None:
        self.images = [t.clone() for t in state["images"]]
