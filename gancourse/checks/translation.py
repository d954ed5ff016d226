"""Checks for notebooks 12-13: image-to-image translation."""

from __future__ import annotations

import operator
from collections.abc import Callable

import torch
import torch.nn.functional as F
from torch import nn

from ._machinery import (
    ExerciseFailed,
    _call,
    _close,
    _differs,
    _exercise,
    _generator,
    _must_carry_gradient,
    _scalar,
)

__all__ = [
    "cycle_consistency_loss",
    "identity_mapping_loss",
    "patch_receptive_field",
    "pix2pix_generator_loss",
]


# --------------------------------------------------------------------------------------------
# notebook 12: pix2pix


def _measured_receptive_field(layers: list[tuple[int, int]]) -> int:
    """The receptive field of a stack of convolutions, measured: the input pixels whose gradient
    reaches the central output unit (no padding, all weights one)."""
    convs = [nn.Conv2d(1, 1, k, s, bias=False) for k, s in layers]
    for conv in convs:
        nn.init.ones_(conv.weight)
    side = 1
    for k, s in reversed(layers):  # the smallest input with a valid output
        side = (side - 1) * s + k
    side += 2 * 8 * max(s for _, s in layers) ** len(layers)  # room on both sides
    x = torch.zeros(1, 1, side, side, requires_grad=True)
    out = nn.Sequential(*convs)(x)
    out[0, 0, out.shape[2] // 2, out.shape[3] // 2].backward()
    rows = x.grad[0, 0].abs().sum(1).nonzero()
    return int(rows.max() - rows.min() + 1)


@_exercise
def patch_receptive_field(fn: Callable) -> str:
    r"""``fn(layers)`` for a list of ``(kernel, stride)``, first layer first: the side of the input
    patch one output unit sees, :math:`r \leftarrow (r - 1)s + k` walking back from r = 1; checked
    against the field measured by gradients through real convolutions (16, 34, 70 for pix2pix's
    PatchGANs)."""
    patchgan = {n: [(4, 2)] * n + [(4, 1), (4, 1)] for n in (1, 2, 3)}
    cases = [
        ("pix2pix's PatchGAN, 1 strided layer", patchgan[1]),
        ("pix2pix's PatchGAN, 2 strided layers", patchgan[2]),
        ("pix2pix's PatchGAN, 3 strided layers (the paper's 70 × 70)", patchgan[3]),
        ("one 3 × 3 convolution", [(3, 1)]),
        ("3 × 3, stride 2, then 5 × 5, stride 1", [(3, 2), (5, 1)]),
        ("5 × 5 stride 1, then 3 × 3 stride 3", [(5, 1), (3, 3)]),
    ]
    for case, layers in cases:
        want = _measured_receptive_field(layers)
        got = _call(fn, list(layers))
        try:
            got = int(operator.index(got))
        except TypeError:
            if not (isinstance(got, float) and got.is_integer()):
                raise ExerciseFailed(f"{case}: return an int, got {got!r}") from None
            got = int(got)
        if got == want:
            continue
        forward = 1
        for k, s in layers:  # walked the wrong way: first layer first
            forward = (forward - 1) * s + k
        no_strides = 1 + sum(k - 1 for k, _ in layers)
        hints = {
            "walk back from the output: start with the last layer (reversed(layers)), since a "
            "layer's stride multiplies the field of the layers after it": forward,
            "the strides are missing: a stride-s layer spreads the next layer's taps s pixels "
            "apart, r ← (r − 1)·s + k": no_strides,
        }
        matching = [hint for hint, value in hints.items() if got == value]
        if matching:  # two mistakes can give one number: name each
            raise ExerciseFailed(
                f"{case}: you return {got}, the field is {want}: " + "; or ".join(matching)
            )
        raise ExerciseFailed(
            f"{case}: you return {got}, the field measured by gradients is {want} "
            "(start from r = 1 at the output; each layer back: r ← (r − 1)·s + k)"
        )
    return "16, 34 and 70 for pix2pix's PatchGANs, and three other stacks, as measured by gradients"


@_exercise
def pix2pix_generator_loss(fn: Callable) -> str:
    r"""``fn(fake_logits, fake, target, l1_weight)``: pix2pix's generator loss
    :math:`\mathbb E[\mathrm{softplus}(-D(x, G(x)))] + \lambda\,\mathbb E|y - G(x)|` (means over
    patches and pixels), against :func:`gancourse.translation_losses.pix2pix_g_loss`."""
    from ..translation_losses import pix2pix_g_loss as reference

    g = _generator(31)
    fake, target = torch.tanh(torch.randn(4, 1, 8, 8, generator=g)), torch.randn(4, 1, 8, 8)
    target = torch.tanh(target)
    cases = [
        ("random patch logits, λ = 100", 2 * torch.randn(4, 1, 3, 3, generator=g), 100.0),
        ("λ = 10", torch.randn(4, 1, 3, 3, generator=g), 10.0),
        ("a D sure the fakes are fake (logits −200), λ = 1", torch.full((4, 1, 3, 3), -200.0), 1.0),
    ]
    for case, logits, lam in cases:
        want = float(reference(logits, fake, target, lam))
        got = _scalar(_call(fn, logits.clone(), fake.clone(), target.clone(), lam), "your loss")
        if _close(got, want):
            continue
        if not torch.isfinite(torch.tensor(got)):
            raise ExerciseFailed(f"{case}: not finite: use softplus, not log(sigmoid)")
        gan = F.softplus(-logits).mean()
        l1 = (fake - target).abs().mean()
        _differs(
            got,
            want,
            case,
            {
                "the L1 term is squared: pix2pix uses L1 (mean |y − G(x)|), which blurs less "
                "than L2": float(gan + lam * (fake - target).pow(2).mean()),
                "λ multiplies the L1 term only, not the GAN term": float(lam * (gan + l1)),
                "the λ · L1 term is missing": float(gan),
                "the GAN term is missing": float(lam * l1),
                "that is the saturating loss log(1 − D): G minimises −log D(x, G(x)) = "
                "softplus(−logit)": float(-F.softplus(logits).mean() + lam * l1),
                "average the L1 over the pixels (mean), do not sum": float(
                    gan + lam * (fake - target).abs().sum()
                ),
            },
        )
    _must_carry_gradient(
        lambda lg, fk: fn(lg, fk, target, 100.0),
        [cases[0][1], fake],
        "your pix2pix generator loss",
    )
    return "matches gancourse.translation_losses.pix2pix_g_loss, extreme logits included"


# --------------------------------------------------------------------------------------------
# notebook 13: CycleGAN


def _translators():
    """Two distinct affine maps for the checks: G: A → B and F: B → A, neither the other's
    inverse, so that every mistake of direction changes the number."""

    def G(x: torch.Tensor) -> torch.Tensor:
        return 0.8 * x + 0.3

    def F_(x: torch.Tensor) -> torch.Tensor:
        return 1.1 * x - 0.2

    g = _generator(33)
    a = torch.rand(3, 1, 6, 6, generator=g) - 1.0  # A in [-1, 0]
    b = torch.rand(3, 1, 6, 6, generator=g)  # B in [0, 1]
    return G, F_, a, b


def _l1(x: torch.Tensor, y: torch.Tensor) -> float:
    return float((x - y).abs().mean())


@_exercise
def cycle_consistency_loss(fn: Callable) -> str:
    r"""``fn(G, F, a, b)`` for generators G: A → B and F: B → A and image batches of each domain:
    both round trips, :math:`\mathbb E|F(G(a)) - a| + \mathbb E|G(F(b)) - b|`, against
    :func:`gancourse.translation_losses.cycle_loss`."""
    from ..translation_losses import cycle_loss

    G, F_, a, b = _translators()
    want = float(cycle_loss(a, F_(G(a)), b, G(F_(b))))
    got = _scalar(_call(fn, G, F_, a.clone(), b.clone()), "your cycle loss")
    if not _close(got, want):
        _differs(
            got,
            want,
            "affine G and F, random a and b",
            {
                "only A's round trip F(G(a)) ≈ a: add B's, G(F(b)) ≈ b": _l1(F_(G(a)), a),
                "only B's round trip G(F(b)) ≈ b: add A's, F(G(a)) ≈ a": _l1(G(F_(b)), b),
                "the round trips are squared: CycleGAN's cycle loss is L1": float(
                    (F_(G(a)) - a).pow(2).mean() + (G(F_(b)) - b).pow(2).mean()
                ),
                "a round trip goes through both generators: F(G(a)), not G(G(a))": _l1(G(G(a)), a)
                + _l1(F_(F_(b)), b),
                "compare the round trip with where it started: F(G(a)) with a, not with b": _l1(
                    F_(G(a)), b
                )
                + _l1(G(F_(b)), a),
                "average over the pixels (mean), do not sum": float(
                    (F_(G(a)) - a).abs().sum() + (G(F_(b)) - b).abs().sum()
                ),
            },
        )
    _must_carry_gradient(lambda x, y: fn(G, F_, x, y), [a, b], "your cycle loss")
    return "both round trips, L1, mean over pixels, as gancourse.translation_losses.cycle_loss"


@_exercise
def identity_mapping_loss(fn: Callable) -> str:
    r"""``fn(G, F, a, b)``: CycleGAN's identity loss, each generator fed an image of its **output**
    domain, :math:`\mathbb E|G(b) - b| + \mathbb E|F(a) - a|`, against
    :func:`gancourse.translation_losses.identity_loss`."""
    from ..translation_losses import identity_loss

    G, F_, a, b = _translators()
    want = float(identity_loss(a, F_(a), b, G(b)))
    got = _scalar(_call(fn, G, F_, a.clone(), b.clone()), "your identity loss")
    if not _close(got, want):
        _differs(
            got,
            want,
            "affine G and F, random a and b",
            {
                "the direction is flipped: each generator must be fed an image of its OUTPUT "
                "domain (G(b) ≈ b for G: A → B), not of its input domain (the known bug)": _l1(
                    G(a), a
                )
                + _l1(F_(b), b),
                "only G(b) ≈ b: add F(a) ≈ a": _l1(G(b), b),
                "only F(a) ≈ a: add G(b) ≈ b": _l1(F_(a), a),
                "that is the cycle loss (a round trip); the identity loss is one generator on an "
                "image it should leave alone": _l1(F_(G(a)), a) + _l1(G(F_(b)), b),
                "the terms are squared: CycleGAN's identity loss is L1": float(
                    (G(b) - b).pow(2).mean() + (F_(a) - a).pow(2).mean()
                ),
            },
        )
    _must_carry_gradient(lambda x, y: fn(G, F_, x, y), [a, b], "your identity loss")
    return "G(b) ≈ b and F(a) ≈ a, L1, as gancourse.translation_losses.identity_loss"
