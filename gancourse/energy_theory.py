r"""The energy view on a 1-D grid (notebook 08): Gibbs densities, the two phases of the
likelihood gradient, the generator's KL split into energy and entropy, and EBGAN's optimal
energy.

An energy :math:`U(x)` defines the **Gibbs density** :math:`q_U(x) = e^{-U(x)}/Z`,
:math:`Z = \int e^{-U}`. Everything here is evaluated on a uniform grid with the trapezoid rule,
in float64, like :mod:`gancourse.theory` (whose :func:`~gancourse.theory.integrate` it uses);
:math:`\log Z` is computed with a shift by :math:`\min U`, so large energies cannot overflow.
"""

from __future__ import annotations

import math

import torch

from .theory import _as64, _density, _spacing, integrate

__all__ = [
    "ebgan_optimal_energy",
    "ebgan_value",
    "entropy",
    "generator_kl_terms",
    "gibbs_density",
    "log_likelihood_phases",
    "log_partition",
]


def _energy(U, x: torch.Tensor) -> torch.Tensor:
    U = _as64(U, "U")
    if U.shape != x.shape:
        raise ValueError(
            f"U has {U.numel()} values but the grid x has {x.numel()}: evaluate it on x"
        )
    return U


def log_partition(U, x) -> float:
    r""":math:`\log Z = \log \int e^{-U(x)}\,dx`, as :math:`-\min U + \log\int e^{-(U - \min U)}`."""
    x = _as64(x, "x")
    _spacing(x)
    U = _energy(U, x)
    low = float(U.min())
    return -low + math.log(integrate(torch.exp(-(U - low)), x))


def gibbs_density(U, x) -> torch.Tensor:
    r"""The Gibbs density :math:`q_U(x) = e^{-U(x)}/Z` on the grid (float64)."""
    x = _as64(x, "x")
    U = _energy(U, x)
    return torch.exp(-U - log_partition(U, x))


def entropy(p, x) -> float:
    r"""Differential entropy :math:`H(p) = -\int p \log p\,dx` (with :math:`0 \log 0 = 0`)."""
    x = _as64(x, "x")
    _spacing(x)
    p = _density(p, x, "p", normalised=True)
    plogp = torch.where(p > 0, p * torch.log(torch.where(p > 0, p, 1.0)), 0.0)
    return -integrate(plogp, x)


def generator_kl_terms(p_g, U, x) -> dict[str, float]:
    r"""The generator's divergence from the energy's Gibbs density, and its three parts:

    .. math:: \mathrm{KL}(P_G \,\|\, q_U) = \underbrace{\mathbb E_{P_G}[U]}_{\text{energy}}
              \;-\; \underbrace{H(P_G)}_{\text{entropy}} \;+\; \log Z.

    Returns ``kl`` (computed directly as :math:`\int p_g \log(p_g/q_U)`), ``energy``,
    ``entropy`` and ``log_z``, so the identity can be checked by numbers. Minimising the KL in
    :math:`P_G` means low energy **and** high entropy; drop the entropy and the minimiser is a
    point mass at :math:`\arg\min U`."""
    x = _as64(x, "x")
    _spacing(x)
    p_g = _density(p_g, x, "p_g", normalised=True)
    U = _energy(U, x)
    log_z = log_partition(U, x)
    log_q = -U - log_z
    safe = torch.where(p_g > 0, p_g, 1.0)
    kl = integrate(torch.where(p_g > 0, p_g * (torch.log(safe) - log_q), 0.0), x)
    return {
        "kl": kl,
        "energy": integrate(p_g * U, x),
        "entropy": entropy(p_g, x),
        "log_z": log_z,
    }


def log_likelihood_phases(U_of_theta, theta: torch.Tensor, p_data, x) -> dict[str, torch.Tensor]:
    r"""The gradient of the expected log-likelihood of an energy model, in its two phases.

    For :math:`q_\theta = e^{-U_\theta}/Z_\theta`,

    .. math:: \nabla_\theta\,\mathbb E_{data}[\log q_\theta(x)]
              = \underbrace{-\mathbb E_{data}[\nabla_\theta U_\theta(x)]}_{\text{positive phase}}
              \;+\; \underbrace{\mathbb E_{q_\theta}[\nabla_\theta U_\theta(x)]}_{\text{negative phase}},

    since :math:`\nabla_\theta \log Z_\theta = -\mathbb E_{q_\theta}[\nabla_\theta U_\theta]`:
    push the energy down on the data, up where the model puts its mass. ``U_of_theta(theta, x)``
    returns the energy on the grid. Returns ``positive``, ``negative``, their sum ``phases``
    and ``autograd``, the gradient of :math:`\mathbb E_{data}[\log q_\theta]` computed by
    differentiating the grid integral itself — the number the phases must match."""
    x = _as64(x, "x")
    h = _spacing(x)
    p_data = _density(p_data, x, "p_data", normalised=True)
    theta = _as64(theta, "theta").detach().requires_grad_(True)
    weights = torch.full_like(x, h)  # trapezoid weights
    weights[0] = weights[-1] = h / 2

    def expect(p: torch.Tensor, f: torch.Tensor) -> torch.Tensor:
        return (weights * p * f).sum()

    U = U_of_theta(theta, x)
    log_z = torch.logsumexp(-U + torch.log(weights), 0)
    log_likelihood = expect(p_data, -U - log_z)
    (autograd,) = torch.autograd.grad(log_likelihood, theta, retain_graph=True)
    q = torch.exp(-U - log_z).detach()  # the model's density on the grid
    # dU/dtheta at every grid point: [grid, parameters]
    jacobian = torch.autograd.functional.jacobian(lambda t: U_of_theta(t, x), theta.detach())
    jacobian = jacobian.reshape(len(x), -1)  # [grid, parameters]
    positive = -torch.stack([expect(p_data, jacobian[:, i]) for i in range(jacobian.shape[1])])
    negative = torch.stack([expect(q, jacobian[:, i]) for i in range(jacobian.shape[1])])
    return {
        "positive": positive.reshape(theta.shape),
        "negative": negative.reshape(theta.shape),
        "phases": (positive + negative).reshape(theta.shape),
        "autograd": autograd.detach(),
    }


def ebgan_optimal_energy(p_data, p_g, margin: float) -> torch.Tensor:
    r"""EBGAN's optimal discriminator for a fixed generator, with energies in :math:`[0, m]`:

    .. math:: D^*(x) = \begin{cases} 0 & p_{data}(x) \ge p_g(x) \\ m & p_{data}(x) < p_g(x)\end{cases}

    Pointwise, D minimises :math:`p_{data} D + p_g [m - D]^+`, linear in :math:`D \in [0, m]`
    with slope :math:`p_{data} - p_g`: it sits at 0 where the data dominate and at m where the
    generator does (where the two are equal any value is optimal; we take 0)."""
    if not margin > 0:
        raise ValueError(f"the margin must be positive, got {margin}")
    p_data, p_g = _as64(p_data, "p_data"), _as64(p_g, "p_g")
    if p_data.shape != p_g.shape:
        raise ValueError(f"p_data has shape {tuple(p_data.shape)} but p_g {tuple(p_g.shape)}")
    return torch.where(p_data >= p_g, 0.0, float(margin)).to(torch.float64)


def ebgan_value(p_data, p_g, D, margin: float, x) -> float:
    r"""EBGAN's discriminator objective :math:`V(G, D) = \int p_{data} D + \int p_g [m - D]^+`.

    At :math:`D^*` (:func:`ebgan_optimal_energy`) it equals
    :math:`m \int \min(p_{data}, p_g) = m\,(1 - \delta(p_{data}, p_g))` with δ the total
    variation: the generator, playing against :math:`D^*`, faces the total variation distance
    (the paper's Theorem 1: at equilibrium :math:`p_g = p_{data}` and V = m)."""
    x = _as64(x, "x")
    _spacing(x)
    p_data = _density(p_data, x, "p_data", normalised=True)
    p_g = _density(p_g, x, "p_g", normalised=True)
    D = _energy(D, x)
    return integrate(p_data * D, x) + integrate(p_g * torch.clamp(margin - D, min=0.0), x)
