r"""The energy view's formulas, as pure functions of energies (notebook 08).

In the energy view the discriminator is an **energy** :math:`U(x)`: low on data, high on what
the generator makes. The models of notebook 08 differ in how they keep the energies bounded —
without a bound, :math:`\min_D \mathbb E_{data}[U] - \mathbb E_G[U]` drives U to −∞ on the data
and +∞ on the fakes:

* EBGAN bounds the fakes' energy by a **margin** m (a hinge);
* BEGAN balances the two energies with a **control variable** :math:`k_t \in [0, 1]`;
* MAGAN lowers EBGAN's margin as training goes;
* the loss-sensitive GAN asks only for a **data-dependent margin** :math:`\Delta(x, G(z))`;
* MEG penalises the energy's gradient on the data.

Energies here are per-sample tensors ``[B]``; every function returns a scalar to *minimise*.
The autoencoder energies (EBGAN, BEGAN, MAGAN) are reconstruction errors,
:func:`reconstruction_energy`; the margin of an EBGAN must be on the **same scale** as that
energy (a mean over pixels is 784 times smaller than a sum — a common bug is to tune m for one
and use the other).
"""

from __future__ import annotations

import torch
from torch.nn import functional as F

__all__ = [
    "began_convergence",
    "began_d_loss",
    "began_k_update",
    "ebgan_d_loss",
    "ebgan_g_loss",
    "energy_d_loss",
    "loss_sensitive_d_loss",
    "magan_margin_update",
    "pulling_away_term",
    "reconstruction_energy",
]


def reconstruction_energy(
    x: torch.Tensor, reconstruction: torch.Tensor, norm: str = "l2", reduction: str = "mean"
) -> torch.Tensor:
    r"""The autoencoder energy :math:`U(x) = \|x - \mathrm{Dec}(\mathrm{Enc}(x))\|`, per sample.

    ``norm="l2"`` gives squared errors (EBGAN, MAGAN), ``"l1"`` absolute errors (BEGAN);
    ``reduction="mean"`` averages them over the sample's entries (2 for a point, 784 for a
    Fashion-MNIST image), ``"sum"`` adds them. Returns ``[B]``.
    """
    if x.shape != reconstruction.shape:
        raise ValueError(
            f"the reconstruction has shape {tuple(reconstruction.shape)} but the input "
            f"{tuple(x.shape)}: the autoencoder must give back what it was given"
        )
    diff = (x - reconstruction).flatten(1)
    if norm == "l2":
        errors = diff.pow(2)
    elif norm == "l1":
        errors = diff.abs()
    else:
        raise ValueError(f"norm must be 'l2' or 'l1', got {norm!r}")
    if reduction == "mean":
        return errors.mean(1)
    if reduction == "sum":
        return errors.sum(1)
    raise ValueError(f"reduction must be 'mean' or 'sum', got {reduction!r}")


def energy_d_loss(real_energy: torch.Tensor, fake_energy: torch.Tensor) -> torch.Tensor:
    r"""The unbounded energy game :math:`\mathbb E_{data}[U(x)] - \mathbb E_G[U(G(z))]`:
    lower the energy of the data, raise that of the fakes (MEG adds a gradient penalty)."""
    return real_energy.mean() - fake_energy.mean()


def ebgan_d_loss(
    real_energy: torch.Tensor, fake_energy: torch.Tensor, margin: float | torch.Tensor
) -> torch.Tensor:
    r"""EBGAN (Zhao et al. 2017): :math:`L_D = \mathbb E[U(x)] + \mathbb E[m - U(G(z))]^+`.

    The hinge stops pushing a fake's energy up once it reaches the margin m, so the optimal
    energies lie in [0, m] (notebook 08 derives :math:`D^*`). ``margin`` must be on the scale of
    the energies (see :func:`reconstruction_energy`)."""
    return real_energy.mean() + F.relu(margin - fake_energy).mean()


def pulling_away_term(codes: torch.Tensor) -> torch.Tensor:
    r"""EBGAN's pulling-away term on a batch of encoder codes :math:`s_1, …, s_N`:

    .. math:: \mathrm{PT} = \frac{1}{N(N-1)} \sum_{i \ne j}
              \Big(\frac{s_i^\top s_j}{\|s_i\|\,\|s_j\|}\Big)^2,

    the mean **squared** cosine similarity of distinct codes (0 for orthogonal codes, 1 for
    parallel ones). Added to the generator's loss it pushes the fakes' codes apart — against
    mode collapse. Dropping the square lets opposite codes cancel similar ones: a known bug."""
    if codes.dim() < 2 or len(codes) < 2:
        raise ValueError(
            f"the pulling-away term compares codes in pairs: need a batch of at least 2 codes "
            f"[N, ...], got shape {tuple(codes.shape)}"
        )
    s = F.normalize(codes.flatten(1), dim=1)
    n = len(s)
    cosines = s @ s.T
    off_diagonal = cosines.pow(2).sum() - cosines.diagonal().pow(2).sum()
    return off_diagonal / (n * (n - 1))


def ebgan_g_loss(
    fake_energy: torch.Tensor, fake_codes: torch.Tensor | None = None, pt_weight: float = 0.0
) -> torch.Tensor:
    r"""EBGAN's generator: :math:`L_G = \mathbb E[U(G(z))] + \lambda_{PT}\,\mathrm{PT}` (the
    paper's EBGAN-PT uses :math:`\lambda_{PT} = 0.1`)."""
    loss = fake_energy.mean()
    if pt_weight:
        if fake_codes is None:
            raise ValueError("pt_weight > 0 needs the fakes' codes for the pulling-away term")
        loss = loss + pt_weight * pulling_away_term(fake_codes)
    return loss


def began_d_loss(
    real_energy: torch.Tensor, fake_energy: torch.Tensor, k: float | torch.Tensor
) -> torch.Tensor:
    r"""BEGAN (Berthelot et al. 2017): :math:`L_D = \mathcal L(x) - k_t\,\mathcal L(G(z))`,
    with :math:`\mathcal L` the L1 reconstruction energy and :math:`k_t \in [0, 1]` the control
    variable of :func:`began_k_update`. (The generator minimises :math:`\mathcal L(G(z))`.)"""
    return real_energy.mean() - k * fake_energy.mean()


def began_k_update(
    k: torch.Tensor,
    real_energy: torch.Tensor,
    fake_energy: torch.Tensor,
    gamma: float = 0.5,
    lambda_k: float = 1e-3,
) -> torch.Tensor:
    r"""BEGAN's proportional control of the equilibrium :math:`\mathbb E[\mathcal L(G(z))] =
    \gamma\,\mathbb E[\mathcal L(x)]`:

    .. math:: k_{t+1} = \mathrm{clip}\big(k_t + \lambda_k(\gamma\mathcal L(x) - \mathcal L(G(z))),
              \,0,\,1\big).

    When the fakes are reconstructed too well (their energy is below γ times the reals'), k
    grows and D pushes the fakes' energy up harder; γ (the *diversity ratio*) trades diversity
    (high γ) for quality (low γ). Returns the new k (no gradient)."""
    step = lambda_k * (gamma * real_energy.detach().mean() - fake_energy.detach().mean())
    return (k + step).clamp(0.0, 1.0)


def began_convergence(
    real_energy: torch.Tensor, fake_energy: torch.Tensor, gamma: float = 0.5
) -> torch.Tensor:
    r"""BEGAN's convergence measure
    :math:`\mathcal M_{global} = \mathcal L(x) + |\gamma\mathcal L(x) - \mathcal L(G(z))|`:
    small when the reals are reconstructed well *and* the equilibrium holds."""
    real, fake = real_energy.detach().mean(), fake_energy.detach().mean()
    return real + (gamma * real - fake).abs()


def magan_margin_update(
    margin: float,
    real_total: float,
    fake_total: float,
    previous_fake_total: float,
    count: int,
) -> float:
    r"""MAGAN's margin rule (Wang et al. 2017), applied at the end of each epoch.

    With :math:`S_{real}` and :math:`S_{fake}` the epoch's total energies over ``count``
    samples each, the margin falls to the mean real energy,
    :math:`m \leftarrow S_{real}/N`, when three things hold:

    1. :math:`S_{real}/N < m` — the data already sit below the margin;
    2. :math:`S_{real} < S_{fake}` — the discriminator still tells the data from the fakes;
    3. :math:`S_{fake} \ge S_{fake}^{prev}` — the fakes' energy did not fall since the last
       epoch (the generator is no longer gaining on this margin).

    Otherwise m stays. The margin never rises."""
    mean_real = real_total / count
    if mean_real < margin and real_total < fake_total and fake_total >= previous_fake_total:
        return mean_real
    return margin


def loss_sensitive_d_loss(
    real_energy: torch.Tensor,
    fake_energy: torch.Tensor,
    distance: torch.Tensor,
    weight: float = 1.0,
) -> torch.Tensor:
    r"""The loss-sensitive GAN (Qi 2017):

    .. math:: L_U = \mathbb E[U(x)] + \lambda\,\mathbb E\big[\Delta(x, G(z)) + U(x) - U(G(z))\big]^+,

    i.e. a fake's energy need only exceed a real's by the **data-dependent margin**
    :math:`\Delta(x, G(z))` — far-off fakes must be far above the data, near-perfect ones hardly
    at all. ``distance`` is :math:`\Delta` per pair ``[B]``; the generator minimises
    :math:`\mathbb E[U(G(z))]`."""
    return real_energy.mean() + weight * F.relu(distance + real_energy - fake_energy).mean()
