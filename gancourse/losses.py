r"""Adversarial objectives as pure functions of discriminator logits.

Every function returns a scalar to **minimise**. The discriminator outputs a logit
:math:`a = \operatorname{logit} D(x)`, so :math:`D(x) = \sigma(a)`, and we never take
``log(sigmoid(a))``: it underflows to :math:`\log 0 = -\infty` once :math:`a < -104` in
float32. The stable identities are

.. math:: -\log \sigma(a) = \operatorname{softplus}(-a), \qquad -\log\big(1 - \sigma(a)\big) = \operatorname{softplus}(a).

Naming: ``d_loss(real_logits, fake_logits)`` and ``g_loss(fake_logits, real_logits=None)``
(a generator loss that compares with the reals — McGAN, MMD GAN — reads ``real_logits``).
Two read more than logits: the c-transform losses take the samples too
(``(real_logits, real, fake)``), and Fisher GAN's critic loss takes its multiplier and returns
the constraint's gap with the loss.
The training loop does not call these directly: :mod:`gancourse.objectives` wraps each pair
into an objective and names it in its registry (:func:`gancourse.objectives.get_loss`).
"""

from __future__ import annotations

from collections.abc import Callable

import torch
import torch.nn.functional as F

__all__ = [
    "fisher_d_loss",
    "ctransform_d_loss",
    "ctransform_g_loss",
    "exp_distance_kernel",
    "gaussian_kernel",
    "mcgan_cov_d_loss",
    "mcgan_cov_g_loss",
    "mcgan_mean_d_loss",
    "mcgan_mean_g_loss",
    "mmd2",
    "mmd_d_loss",
    "mmd_g_loss",
    "mmd_gaussian_d_loss",
    "mmd_gaussian_g_loss",
    "wgan_d_loss",
    "wgan_g_loss",
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


# ----------------------------------------------------------------------------- IPM objectives
# An integral probability metric  d_F(P, Q) = sup_{f in F} E_P f(x) - E_Q f(y)  for a class F of
# critics; each objective below is one choice of F (and of how to keep the critic inside it).
# The critic maximises the estimate, so its loss is minus the estimate; G minimises it.


def wgan_d_loss(real_logits: torch.Tensor, fake_logits: torch.Tensor) -> torch.Tensor:
    r"""The WGAN critic loss (Arjovsky et al. 2017): the Kantorovich–Rubinstein estimate
    :math:`\hat W = \mathbb E_x f(x) - \mathbb E_z f(G(z))`, negated,

    .. math:: L_f = \mathbb E_z[f(G(z))] - \mathbb E_x[f(x)].

    :math:`f` is the raw critic output (no sigmoid, no log). It estimates :math:`W_1` only when
    :math:`f` is 1-Lipschitz: pair it with clipping, a gradient penalty or spectral norm.
    """
    return fake_logits.mean() - real_logits.mean()


def wgan_g_loss(fake_logits: torch.Tensor, real_logits: torch.Tensor | None = None) -> torch.Tensor:
    r"""The WGAN generator loss :math:`L_G = -\mathbb E_z[f(G(z))]` (the real term is constant in G)."""
    return -fake_logits.mean()


def _features(out: torch.Tensor) -> torch.Tensor:
    return out.flatten(1) if out.dim() > 1 else out[:, None]


def mcgan_mean_d_loss(real_features: torch.Tensor, fake_features: torch.Tensor) -> torch.Tensor:
    r"""McGAN, mean matching (Mroueh, Sercu & Goel 2017). The critic is a feature map
    :math:`\Phi_\omega` (D's output ``[B, k]``) and :math:`f(x) = \langle v, \Phi_\omega(x)\rangle` with
    :math:`\|v\|_2 \le 1`. The supremum over :math:`v` is in closed form:

    .. math:: d_\mu = \max_{\|v\| \le 1} \langle v, \mu_\omega(P) - \mu_\omega(Q)\rangle
                    = \|\mu_\omega(P) - \mu_\omega(Q)\|_2, \qquad L_\Phi = -d_\mu.

    (:math:`\Phi_\omega` must stay bounded — clip its weights as the paper does.)
    """
    return -(_features(real_features).mean(0) - _features(fake_features).mean(0)).norm()


def mcgan_mean_g_loss(
    fake_features: torch.Tensor, real_features: torch.Tensor | None = None
) -> torch.Tensor:
    r""":math:`L_G = d_\mu = \|\mu_\omega(P) - \mu_\omega(Q_G)\|_2` (needs the real features)."""
    return -mcgan_mean_d_loss(real_features, fake_features)


def _mcgan_cov_distance(real: torch.Tensor, fake: torch.Tensor) -> torch.Tensor:
    real, fake = _features(real), _features(fake)
    mean_term = (real.mean(0) - fake.mean(0)).norm()
    # the paper's "covariance" is the uncentred second moment E[Phi Phi^T]
    second = real.T @ real / len(real) - fake.T @ fake / len(fake)
    return mean_term + torch.linalg.svdvals(second).sum()


def mcgan_cov_d_loss(real_features: torch.Tensor, fake_features: torch.Tensor) -> torch.Tensor:
    r"""McGAN, mean and covariance matching: :math:`d_\mu` plus

    .. math:: d_\Sigma = \max_{U, V \text{ orthonormal}} \operatorname{tr}\big(U^\top(\Sigma_\omega(P) - \Sigma_\omega(Q))V\big)
              = \|\Sigma_\omega(P) - \Sigma_\omega(Q)\|_*,

    the nuclear norm (sum of singular values; the paper's rank-k version with k = feature size),
    with :math:`\Sigma_\omega(P) = \mathbb E_P[\Phi_\omega\Phi_\omega^\top]`. Loss :math:`-(d_\mu + d_\Sigma)`.
    """
    return -_mcgan_cov_distance(real_features, fake_features)


def mcgan_cov_g_loss(
    fake_features: torch.Tensor, real_features: torch.Tensor | None = None
) -> torch.Tensor:
    r""":math:`L_G = d_\mu + d_\Sigma` (needs the real features)."""
    return _mcgan_cov_distance(real_features, fake_features)


def exp_distance_kernel(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    r"""The seed's kernel on critic features, :math:`\kappa(u, u') = \exp(-\|u - u'\|_2)`
    (a Laplace-type kernel; characteristic, so MMD = 0 only when the distributions agree)."""
    return torch.exp(-torch.cdist(a, b))


def gaussian_kernel(
    a: torch.Tensor, b: torch.Tensor, sigmas: tuple[float, ...] = (1.0, 2.0, 4.0, 8.0, 16.0)
) -> torch.Tensor:
    r"""A mixture of Gaussian kernels :math:`\sum_\sigma \exp(-\|u - u'\|^2 / 2\sigma^2)`, the
    bandwidths of Li et al. (2017)."""
    sq = torch.cdist(a, b) ** 2
    return sum(torch.exp(-sq / (2 * s * s)) for s in sigmas)


def mmd2(x: torch.Tensor, y: torch.Tensor, kernel: Callable = exp_distance_kernel) -> torch.Tensor:
    r"""The unbiased estimate of the squared maximum mean discrepancy (Gretton et al. 2012),

    .. math:: \widehat{\mathrm{MMD}}^2 = \frac{\sum_{i \ne j}\kappa(x_i, x_j)}{m(m-1)}
              + \frac{\sum_{i \ne j}\kappa(y_i, y_j)}{n(n-1)} - \frac{2}{mn}\sum_{i,j}\kappa(x_i, y_j),

    on features ``[m, k]`` and ``[n, k]`` (it can be slightly negative)."""
    x, y = _features(x), _features(y)
    m, n = len(x), len(y)
    if m < 2 or n < 2:
        raise ValueError(f"the unbiased MMD needs at least 2 samples per set, got {m} and {n}")
    kxx, kyy, kxy = kernel(x, x), kernel(y, y), kernel(x, y)
    return (
        (kxx.sum() - kxx.diagonal().sum()) / (m * (m - 1))
        + (kyy.sum() - kyy.diagonal().sum()) / (n * (n - 1))
        - 2 * kxy.mean()
    )


def mmd_d_loss(real_features: torch.Tensor, fake_features: torch.Tensor) -> torch.Tensor:
    r"""MMD GAN (Li et al. 2017), the critic's side: a kernel on learned features,
    :math:`k(x, x') = \kappa(\Phi(x), \Phi(x'))` with :math:`\Phi = D` (``[B, k]``), chosen to
    *maximise* the MMD: :math:`L_D = -\widehat{\mathrm{MMD}}^2`. The kernel is the seed's
    :math:`\exp(-\|\Phi(x) - \Phi(x')\|)`. Nothing here keeps :math:`\Phi` in check: the paper
    clips its weights and adds an autoencoder term (so that :math:`\Phi` stays injective);
    notebook 06's MMD GAN instead adds ``gradient_penalty`` on :math:`\Phi`, which for a
    k-output critic penalises the Jacobian's Frobenius norm :math:`\|J_\Phi\|_F` (a bound on
    :math:`\Phi`'s local Lipschitz constant), estimated by one random projection per sample.
    That keeps :math:`\Phi` smooth; it does not make it injective."""
    return -mmd2(real_features, fake_features)


def mmd_g_loss(
    fake_features: torch.Tensor, real_features: torch.Tensor | None = None
) -> torch.Tensor:
    r""":math:`L_G = \widehat{\mathrm{MMD}}^2` between real and generated features."""
    return mmd2(real_features, fake_features)


def mmd_gaussian_d_loss(real_features: torch.Tensor, fake_features: torch.Tensor) -> torch.Tensor:
    """:func:`mmd_d_loss` with the Gaussian-mixture kernel :func:`gaussian_kernel`."""
    return -mmd2(real_features, fake_features, gaussian_kernel)


def mmd_gaussian_g_loss(
    fake_features: torch.Tensor, real_features: torch.Tensor | None = None
) -> torch.Tensor:
    """:func:`mmd_g_loss` with the Gaussian-mixture kernel."""
    return mmd2(real_features, fake_features, gaussian_kernel)


def fisher_d_loss(
    real_logits: torch.Tensor, fake_logits: torch.Tensor, lam: torch.Tensor | float, rho: float
) -> tuple[torch.Tensor, torch.Tensor]:
    r"""Fisher GAN (Mroueh & Sercu 2017): the critic is constrained in *second moment*,
    :math:`\hat\Omega(f) = \tfrac12(\mathbb E_P f^2 + \mathbb E_Q f^2) = 1`, by an augmented
    Lagrangian with an explicit multiplier :math:`\lambda`:

    .. math:: \mathcal L_F = \hat{\mathcal E} + \lambda(1 - \hat\Omega) - \frac\rho2 (1 - \hat\Omega)^2,
              \qquad \hat{\mathcal E} = \mathbb E_P f - \mathbb E_Q f.

    The critic ascends :math:`\mathcal L_F`; returns its loss :math:`-\mathcal L_F` and the
    constraint's gap :math:`1 - \hat\Omega`, which the multiplier step needs
    (:class:`gancourse.objectives.FisherGAN` keeps :math:`\lambda` and takes that step). The
    generator minimises :math:`-\mathbb E_Q f` (:func:`wgan_g_loss`).
    """
    e = real_logits.mean() - fake_logits.mean()
    omega = 0.5 * (real_logits.pow(2).mean() + fake_logits.pow(2).mean())
    gap = 1.0 - omega
    return -(e + lam * gap - 0.5 * rho * gap**2), gap


def _c_transform(real_logits: torch.Tensor, real: torch.Tensor, fake: torch.Tensor) -> torch.Tensor:
    # phi^c(y) = min_x [ c(x, y) - phi(x) ] over the batch of reals, c = Euclidean distance
    cost = torch.cdist(fake.flatten(1), real.flatten(1))  # [n_fake, n_real]
    return (cost - real_logits.flatten()[None, :]).min(dim=1).values


def ctransform_d_loss(
    real_logits: torch.Tensor, real: torch.Tensor, fake: torch.Tensor
) -> torch.Tensor:
    r"""WGAN with the c-transform (Mallasto et al. 2019): instead of constraining the critic
    :math:`\varphi`, evaluate the fakes with its **c-transform** over the batch of reals,

    .. math:: \varphi^c(y) = \min_{x \in \text{batch}} \big[\|x - y\| - \varphi(x)\big],
              \qquad \hat W = \mathbb E_x\varphi(x) + \mathbb E_y\varphi^c(y),

    which is the Kantorovich dual with a pair :math:`(\varphi, \varphi^c)` that satisfies the
    constraint :math:`\varphi(x) + \varphi^c(y) \le \|x - y\|` by construction. Loss :math:`-\hat W`.
    Needs the samples themselves (``real``, ``fake``) and the critic's values on the reals only.
    """
    return -(real_logits.mean() + _c_transform(real_logits, real, fake).mean())


def ctransform_g_loss(
    real_logits: torch.Tensor, real: torch.Tensor, fake: torch.Tensor
) -> torch.Tensor:
    r""":math:`L_G = \mathbb E_y \varphi^c(G(z))` (the real term does not depend on G): each fake
    is pulled toward the real sample that its c-transform selects."""
    return _c_transform(real_logits, real, fake).mean()
