"""Checks for notebook 11: conditional models."""

from __future__ import annotations

import math
from collections.abc import Callable

import torch
import torch.nn.functional as F

from ._machinery import (
    ExerciseFailed,
    _as_tensor,
    _call,
    _close,
    _differs,
    _exercise,
    _generator,
    _must_carry_gradient,
    _scalar,
)

__all__ = ["acgan_class_loss", "infogan_categorical_bound", "projection_logit"]


# --------------------------------------------------------------------------------------------
# notebook 11: conditional models


@_exercise
def acgan_class_loss(fn: Callable) -> str:
    r"""``fn(logits, labels)``: ACGAN's class loss, the mean cross-entropy
    :math:`-\mathbb E[\log \mathrm{softmax}(\ell)_y]` of raw class logits ``[B, K]`` against
    labels ``[B]``, against :func:`gancourse.conditional_losses.acgan_class_loss`."""
    from ..conditional_losses import acgan_class_loss as reference

    g = _generator(21)
    cases = [
        (
            "random logits, 10 classes",
            3 * torch.randn(16, 10, generator=g),
            torch.randint(10, (16,), generator=g),
        ),
        (
            "confident, mostly right logits, 3 classes",
            torch.tensor([[6.0, -2.0, 0.0], [0.0, 5.0, -1.0], [1.0, 0.0, 4.0], [3.0, 2.5, -4.0]]),
            torch.tensor([0, 1, 2, 1]),
        ),
    ]
    for case, logits, labels in cases:
        want = float(reference(logits, labels))
        got = _scalar(_call(fn, logits.clone(), labels.clone()), "your acgan_class_loss")
        if _close(got, want):
            continue
        log_p = F.log_softmax(logits, dim=1)
        picked = log_p.gather(1, labels[:, None])[:, 0]
        p = log_p.exp()
        _differs(
            got,
            want,
            case,
            {
                "softmax applied twice: cross_entropy takes raw logits and applies its own "
                "log-softmax, so pass the logits, not softmax(logits)": float(
                    F.cross_entropy(p, labels)
                ),
                "average over the batch (mean), do not sum": float(-picked.sum()),
                "the log-softmax is missing: -logit_y is not -log p(y | x)": float(
                    -logits.gather(1, labels[:, None]).mean()
                ),
                "take the log of the probability: -E[log p(y | x)], not -E[p(y | x)]": float(
                    -p.gather(1, labels[:, None]).mean()
                ),
                "the sign: a loss to minimise is minus the log-likelihood": float(picked.mean()),
            },
        )
    _must_carry_gradient(lambda lg: fn(lg, cases[0][2]), [cases[0][1]], "your acgan_class_loss")
    return "matches gancourse.conditional_losses.acgan_class_loss (raw logits, mean over the batch)"


@_exercise
def projection_logit(fn: Callable) -> str:
    r"""``fn(phi, psi_weight, psi_bias, embedding, labels)``: the projection discriminator's
    output :math:`\psi(\phi) + \langle e_y, \phi\rangle = w \cdot \phi + b + e_y \cdot \phi`, one
    number per sample ``[B]``, for features ``phi`` ``[B, F]``, ``psi_weight`` ``[F]``, a number
    ``psi_bias``, ``embedding`` ``[K, F]`` (row y is e_y) and labels ``[B]``."""
    g = _generator(23)
    b, f, k = 6, 5, 4
    phi = torch.randn(b, f, generator=g)
    w, bias = torch.randn(f, generator=g), 0.7
    embedding = torch.randn(k, f, generator=g)
    labels = torch.tensor([0, 3, 1, 1, 2, 3])
    want = phi @ w + bias + (embedding[labels] * phi).sum(1)
    got = _as_tensor(
        _call(fn, phi.clone(), w.clone(), bias, embedding.clone(), labels.clone()),
        "your projection_logit",
    ).detach()
    if got.numel() == 1:
        raise ExerciseFailed(
            "your projection_logit returned one number: D scores each sample, return [B] "
            "(sum over the feature dimension only)"
        )
    got = got.reshape(-1).double()
    if got.shape != want.shape:
        raise ExerciseFailed(f"return one logit per sample, shape [{b}]; got {tuple(got.shape)}")
    if torch.allclose(got, want.double(), rtol=1e-5, atol=1e-6):
        _must_carry_gradient(
            lambda p: fn(p, w, bias, embedding, labels), [phi], "your projection_logit"
        )
        return "ψ(φ) + ⟨e_y, φ⟩ on hand tensors, one logit per sample"
    hints = {
        "the projection term ⟨e_y, φ⟩ is missing: that is where the label enters": phi @ w + bias,
        "the unconditional term ψ(φ) = w·φ + b is missing": (embedding[labels] * phi).sum(1),
        "use the embedding of each sample's own class, e_y = embedding[y], not all classes "
        "summed": phi @ w + bias + phi @ embedding.sum(0),
        "the bias b belongs to ψ: w·φ + b": phi @ w + (embedding[labels] * phi).sum(1),
    }
    for hint, value in hints.items():
        if torch.allclose(got, value.double(), rtol=1e-4, atol=1e-6):
            raise ExerciseFailed(f"{hint}")
    raise ExerciseFailed(
        f"your logits {got[:3].tolist()} … differ from ψ(φ) + ⟨e_y, φ⟩ = {want[:3].tolist()} …"
    )


@_exercise
def infogan_categorical_bound(fn: Callable) -> str:
    r"""``fn(logits, codes)``: InfoGAN's lower bound for a uniform K-way code,
    :math:`L_I = \mathbb E[\log Q(c \mid x)] + \ln K`, from Q's raw logits ``[B, K]`` and the codes
    ``[B]``, against :func:`gancourse.conditional_losses.infogan_categorical_bound`."""
    from ..conditional_losses import infogan_categorical_bound as reference

    g = _generator(25)
    codes = torch.arange(10).repeat(2)
    cases = [
        ("random logits, K = 10", 2 * torch.randn(20, 10, generator=g), codes),
        (
            "a perfect Q (certain and right): the bound is ln 10",
            30 * F.one_hot(codes, 10).float(),
            codes,
        ),
        ("a blind Q (equal logits): the bound is 0", torch.zeros(20, 10), codes),
        ("random logits, K = 4 (H(c) = ln 4)", torch.randn(12, 4, generator=g), codes[:12] % 4),
    ]
    for case, logits, c in cases:
        want = float(reference(logits, c))
        got = _scalar(_call(fn, logits.clone(), c.clone()), "your infogan_categorical_bound")
        if _close(got, want, atol=1e-5):
            continue
        log_q = F.log_softmax(logits, dim=1).gather(1, c[:, None])[:, 0]
        ln_k = math.log(logits.shape[1])
        _differs(
            got,
            want,
            case,
            {
                "add the code's entropy H(c) = ln K: the bound is E[log Q(c|x)] + H(c)": float(
                    log_q.mean()
                ),
                "the sign: the bound is +E[log Q], i.e. minus the cross-entropy, plus ln K": float(
                    -log_q.mean() + ln_k
                ),
                "use log Q(c|x), not Q(c|x) itself": float(log_q.exp().mean() + ln_k),
                "the logits are raw: take log_softmax once, not of a softmax": float(
                    -F.cross_entropy(F.softmax(logits, 1), c) + ln_k
                ),
                "H(c) = ln K for a uniform code, not ln B (the batch size)": float(
                    log_q.mean() + math.log(len(c))
                ),
                "H(c) = ln K with K = logits.shape[1], the number of code values; not always "
                "ln 10": float(log_q.mean() + math.log(10)),
            },
        )
    _must_carry_gradient(lambda lg: fn(lg, codes), [cases[0][1]], "your infogan_categorical_bound")
    return "matches the bound: ln 10 for a perfect Q, 0 for a blind one"
