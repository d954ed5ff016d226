"""Checks for notebook 08: the energy view."""

from __future__ import annotations

from collections.abc import Callable

import torch
import torch.nn.functional as F

from .. import energy_losses
from ._machinery import (
    _call,
    _close,
    _differs,
    _exercise,
    _generator,
    _must_carry_gradient,
    _scalar,
)

__all__ = ["began_k_update", "ebgan_d_loss", "pulling_away_term"]


# --------------------------------------------------------------------------------------------
# notebook 08: the energy view
@_exercise
def ebgan_d_loss(fn: Callable) -> str:
    r"""``fn(real_energy, fake_energy, margin)``: EBGAN's
    :math:`L_D = \mathbb E[U(x)] + \mathbb E[m - U(G(z))]^+` on per-sample energies ``[B]``,
    against :func:`gancourse.energy_losses.ebgan_d_loss`."""
    g = _generator(11)
    cases = [
        (
            "random energies, the fakes' in [0, 3) (mean above the margin), m = 1",
            2 * torch.rand(32, generator=g),
            3 * torch.rand(32, generator=g),
            1.0,
        ),
        (
            "every fake above the margin (the hinge is off), m = 0.5",
            0.3 * torch.rand(8, generator=g),
            1 + torch.rand(8, generator=g),
            0.5,
        ),
        (
            "real and fake batches of different sizes, m = 2",
            torch.rand(5, generator=g),
            torch.rand(9, generator=g),
            2.0,
        ),
    ]
    for case, real, fake, m in cases:
        want = float(energy_losses.ebgan_d_loss(real, fake, m))
        got = _scalar(_call(fn, real.clone(), fake.clone(), m), "your ebgan_d_loss")
        if _close(got, want):
            continue
        _differs(
            got,
            want,
            case,
            {
                "the hinge is [m - U(G(z))]⁺: D is paid for fakes *below* the margin, not above": float(
                    real.mean() + F.relu(fake - m).mean()
                ),
                "the hinge is missing: without [·]⁺, D pushes the fakes' energy up forever": float(
                    real.mean() + (m - fake).mean()
                ),
                "average over the batch (mean), do not sum": float(
                    real.sum() + F.relu(m - fake).sum()
                ),
                "the margin applies to the fakes; the reals' energy is simply lowered": float(
                    F.relu(m - real).mean() + fake.mean()
                ),
                "only the fake term: add the reals' energy E[U(x)]": float(F.relu(m - fake).mean()),
                "the hinge is per sample, then averaged: E[(m - U(G(z)))⁺], not (m - E[U(G(z))])⁺": float(
                    real.mean() + F.relu(m - fake.mean())
                ),
            },
        )
    _must_carry_gradient(
        lambda r, f: fn(r, f, 1.0), [cases[0][1], cases[0][2]], "your ebgan_d_loss"
    )
    return "matches gancourse.energy_losses.ebgan_d_loss with the hinge on and off"


@_exercise
def pulling_away_term(fn: Callable) -> str:
    r"""``fn(codes)``: EBGAN's pulling-away term, the mean squared cosine similarity of distinct
    codes ``[N, k]``, against :func:`gancourse.energy_losses.pulling_away_term`."""
    g = _generator(12)
    cases = [
        ("random codes, N = 16, k = 8", torch.randn(16, 8, generator=g)),
        (
            "codes of very different lengths, N = 5",
            torch.randn(5, 3, generator=g) * torch.tensor([[0.01], [1.0], [100.0], [3.0], [0.5]]),
        ),
        ("opposite codes (cosine -1)", torch.tensor([[1.0, 0.0], [-1.0, 0.0], [0.0, 2.0]])),
    ]
    for case, codes in cases:
        want = float(energy_losses.pulling_away_term(codes))
        got = _scalar(_call(fn, codes.clone()), "your pulling_away_term")
        if _close(got, want):
            continue
        n = len(codes)
        unit = F.normalize(codes, dim=1)
        cos = unit @ unit.T
        dots = codes @ codes.T
        _differs(
            got,
            want,
            case,
            {
                "square the cosines: without the square, opposite codes cancel similar ones": float(
                    (cos.sum() - cos.trace()) / (n * (n - 1))
                ),
                "leave out i = j: a code's cosine with itself is always 1": float(
                    cos.pow(2).sum() / (n * (n - 1))
                ),
                "leave out i = j and average over the N(N - 1) pairs, not N²": float(
                    cos.pow(2).sum() / n**2
                ),
                "you left out i = j but divided by N² instead of N(N - 1)": float(
                    (cos.pow(2).sum() - n) / n**2
                ),
                "normalise the codes first: it is the cosine, not the dot product": float(
                    (dots.pow(2).sum() - dots.diagonal().pow(2).sum()) / (n * (n - 1))
                ),
            },
        )
    _must_carry_gradient(fn, [cases[0][1]], "your pulling_away_term")
    return "matches gancourse.energy_losses.pulling_away_term on random, scaled and opposite codes"


@_exercise
def began_k_update(fn: Callable) -> str:
    r"""``fn(k, real_energy, fake_energy, gamma, lambda_k)``: BEGAN's
    :math:`k_{t+1} = \mathrm{clip}(k_t + \lambda_k(\gamma\mathcal L(x) - \mathcal L(G(z))), 0, 1)`
    with batch means of the energies, against :func:`gancourse.energy_losses.began_k_update`."""
    g = _generator(13)
    cases = [
        (
            "k = 0.3, a small step",
            0.3,
            torch.rand(16, generator=g),
            0.2 * torch.rand(16, generator=g),
            0.5,
            1e-3,
        ),
        (
            "k = 0.3, λ_k = 0.5 and γ = 0.7",
            0.3,
            torch.rand(16, generator=g),
            0.1 * torch.rand(16, generator=g),
            0.7,
            0.5,
        ),
        ("k = 0.99 pushed above 1", 0.99, torch.ones(8), torch.zeros(8), 0.5, 1.0),
        ("k = 0.01 pushed below 0", 0.01, torch.zeros(8), torch.ones(8), 0.5, 1.0),
    ]
    for case, k, real, fake, gamma, lambda_k in cases:
        want = float(energy_losses.began_k_update(torch.tensor(k), real, fake, gamma, lambda_k))
        got = _scalar(
            _call(fn, torch.tensor(k), real.clone(), fake.clone(), gamma, lambda_k),
            "your began_k_update",
        )
        if _close(got, want):
            continue
        r, f = float(real.mean()), float(fake.mean())
        _differs(
            got,
            want,
            case,
            {
                "clip k to [0, 1]: it is a proportion of the fakes' energy": k
                + lambda_k * (gamma * r - f),
                "the step is λ_k(γ L(x) - L(G(z))): you have its sign flipped": min(
                    max(k - lambda_k * (gamma * r - f), 0.0), 1.0
                ),
                "γ multiplies the reals' energy, L(x), not the fakes'": min(
                    max(k + lambda_k * (r - gamma * f), 0.0), 1.0
                ),
                "the new k adds to the old one: k + λ_k(…), not λ_k(…) alone": min(
                    max(lambda_k * (gamma * r - f), 0.0), 1.0
                ),
            },
        )
    return "matches gancourse.energy_losses.began_k_update, clipping at both ends included"
