r"""Lipschitz control of the discriminator (critic): clipping, gradient penalties, spectral
norm and gradient normalisation.

The Wasserstein critic must be 1-Lipschitz (Kantorovich–Rubinstein duality, notebook 05);
other objectives train better with a smooth discriminator (notebook 06). The ways to get there:

* :func:`weight_clipping` — WGAN's crude box: every weight in :math:`[-c, c]`;
* :func:`gradient_penalty` — soft constraints on :math:`\|\nabla_x D(x)\|` at chosen points:
  WGAN-GP, DRAGAN, R1, R2, WGAN-div;
* :func:`power_iteration_sigma`, :func:`conv_operator_norm`, :func:`conv_matrix` — the
  operator norms spectral normalisation controls (in :mod:`gancourse.operator_norms`, and
  importable from here);
* :class:`GradientNormalized` (GN-GAN) and :class:`PiecewiseGradientNormalized` (GraN-GAN) —
  wrappers that *rescale D's output by its own input gradient*.

Gradients with respect to inputs are taken **per sample**: each sample's gradient is flattened
and its norm taken separately, so everything here works for 2-D points and for images with any
number of channels. A critic with k > 1 outputs per sample (the feature maps of McGAN and
MMD GAN) has a Jacobian, not a gradient; the penalties then act on its Frobenius norm (see
:func:`input_gradient_norms`). Random draws take an optional ``generator``; by default they use
torch's global generator, which ``seed_everything`` seeds, checkpoints save, and CUDA graphs can
replay.
"""

from __future__ import annotations

import inspect
import math
from collections.abc import Callable

import torch
from torch import nn

from .operator_norms import conv_matrix, conv_operator_norm, power_iteration_sigma

__all__ = [
    "NORMALIZERS",
    "PENALTIES",
    "Clip",
    "CriticControl",
    "GradientNormalized",
    "Normalize",
    "Penalty",
    "PiecewiseGradientNormalized",
    "conv_matrix",
    "conv_operator_norm",
    "critic_controls",
    "dragan_penalty",
    "gradient_penalty",
    "input_gradient_norms",
    "interpolates",
    "power_iteration_sigma",
    "r1_penalty",
    "r2_penalty",
    "wgan_div_penalty",
    "wgan_gp_penalty",
    "weight_clipping",
]


@torch.no_grad()
def weight_clipping(module: nn.Module, c: float) -> None:
    """Clamp every parameter of ``module`` into ``[-c, c]`` in place (WGAN, Arjovsky et al. 2017:
    a crude way to keep the critic K-Lipschitz for some K that depends on c and the architecture).

    The trainer does it after every D update when given the control ``Clip(c)``."""
    if not c > 0:
        raise ValueError(f"the clipping bound c must be positive, got {c}")
    for p in module.parameters():
        p.clamp_(-c, c)


def input_gradient_norms(
    D,
    x: torch.Tensor,
    create_graph: bool = True,
    jacobian: str = "projection",
    generator: torch.Generator | None = None,
) -> torch.Tensor:
    r"""Per-sample :math:`\|\nabla_x D(x)\|_2`, shape ``[B]``, for ``x`` of any shape ``[B, ...]``.

    For a critic with k > 1 outputs per sample, :math:`D(x) \in \mathbb R^k`, it returns the
    Frobenius norm of the Jacobian :math:`J = \partial D/\partial x` (k × d),

    .. math:: \|J\|_F = \Big(\sum_{j=1}^k \|\nabla_x D_j(x)\|^2\Big)^{1/2} \;\ge\; \|J\|_2 = \mathrm{Lip}_x,

    which is :math:`\|\nabla D\|` when k = 1 and bounds the local Lipschitz constant
    :math:`\|J\|_2` otherwise. (The gradient of :math:`\sum_j D_j`, i.e. :math:`J^\top\mathbf 1`, is
    *not* a measure of smoothness: features that cancel have a zero sum and any slope.)
    ``jacobian`` picks how :math:`\|J\|_F` is computed when k > 1:

    * ``"exact"`` — k backward passes, one per output;
    * ``"projection"`` (default) — one backward pass: a random unit :math:`v \in \mathbb R^k` per
      sample (drawn from ``generator``) and :math:`\sqrt{k}\,\|J^\top v\|`, whose *square* is
      unbiased, :math:`\mathbb E_v\, k\|J^\top v\|^2 = \operatorname{tr}(J J^\top) = \|J\|_F^2`
      (:math:`\mathbb E\, v v^\top = I/k`). The norm itself is biased low by Jensen.

    With k = 1 both are exact and no random number is drawn. Samples do not interact (true
    without batch norm in D, which gradient penalties forbid anyway), so the gradient of a sum
    over the batch gives each sample's own. ``create_graph=True`` keeps the result
    differentiable, so a penalty built on it can be minimised. Norms are taken in float32 at
    least, also under autocast (float64 stays float64).
    """
    if jacobian not in ("projection", "exact"):
        raise ValueError(f"jacobian must be 'projection' or 'exact', got {jacobian!r}")
    with torch.enable_grad():
        if not x.requires_grad:
            x = x.detach().requires_grad_(True)
        out = D(x)
        dtype = torch.promote_types(out.dtype, torch.float32)  # float32 at least (autocast)
        out = out.to(dtype)
        out = out.flatten(1) if out.dim() > 1 else out[:, None]
        k = out.shape[1]
        if k == 1:
            (grad,) = torch.autograd.grad(out.sum(), x, create_graph=create_graph)
            return grad.to(dtype).flatten(1).norm(dim=1)
        if jacobian == "exact":
            squares = 0
            for j in range(k):
                (row,) = torch.autograd.grad(
                    out[:, j].sum(), x, create_graph=create_graph, retain_graph=True
                )
                squares = squares + row.to(dtype).flatten(1).pow(2).sum(dim=1)
            return squares.sqrt()
        v = torch.randn(out.shape, generator=generator, device=out.device, dtype=dtype)
        v = nn.functional.normalize(v, dim=1)  # uniform on the unit sphere, one per sample
        (grad,) = torch.autograd.grad((out * v).sum(), x, create_graph=create_graph)
    return math.sqrt(k) * grad.to(dtype).flatten(1).norm(dim=1)


def _uniform(shape_like: torch.Tensor, generator: torch.Generator | None) -> torch.Tensor:
    """One U[0, 1) number per sample, broadcastable against ``shape_like``."""
    shape = (shape_like.shape[0],) + (1,) * (shape_like.dim() - 1)
    return torch.rand(shape, generator=generator, device=shape_like.device, dtype=shape_like.dtype)


def interpolates(
    real: torch.Tensor, fake: torch.Tensor, generator: torch.Generator | None = None
) -> torch.Tensor:
    r""":math:`\hat x = \epsilon x + (1 - \epsilon)\tilde x` with one :math:`\epsilon \sim U[0, 1]`
    per sample: points on the segments between paired real and fake samples (WGAN-GP)."""
    _check_pair(real, fake, "interpolating")
    eps = _uniform(real, generator)
    return eps * real.detach() + (1 - eps) * fake.detach()


def _check_pair(real: torch.Tensor, fake: torch.Tensor | None, what: str) -> None:
    if fake is None:
        raise ValueError(f"{what} needs the fake batch: pass fake=G(z).detach()")
    if fake.shape != real.shape:
        raise ValueError(
            f"real {tuple(real.shape)} and fake {tuple(fake.shape)} batches must have one shape"
        )


def wgan_gp_penalty(
    D, real, fake, weight: float = 10.0, generator=None, jacobian: str = "projection"
) -> torch.Tensor:
    r"""WGAN-GP (Gulrajani et al. 2017): :math:`\lambda\,\mathbb E(\|\nabla D(\hat x)\| - 1)^2` at
    the :func:`interpolates` :math:`\hat x` of real and fake samples, λ = 10."""
    _check_pair(real, fake, "the wgan-gp penalty")
    points = interpolates(real, fake, generator)
    norms = input_gradient_norms(D, points, jacobian=jacobian, generator=generator)
    return weight * ((norms - 1.0) ** 2).mean()


def dragan_penalty(
    D,
    real,
    fake=None,
    weight: float = 10.0,
    generator=None,
    jacobian: str = "projection",
    scale: float = 0.5,
) -> torch.Tensor:
    r"""DRAGAN (Kodali et al. 2017): :math:`\lambda\,\mathbb E(\|\nabla D(\hat x)\| - 1)^2` around
    the *reals* only, :math:`\hat x = x + \alpha\,\delta` with :math:`\delta = c\,\mathrm{std}(x)\,u`
    and :math:`u, \alpha \sim U[0, 1]` (the authors' code: uniform noise scaled by ``scale`` = c
    times the batch's standard deviation), λ = 10. ``fake`` is not used."""
    real = real.detach()
    noise = torch.rand(real.shape, generator=generator, device=real.device, dtype=real.dtype)
    perturbed = real + scale * real.std() * noise
    points = real + _uniform(real, generator) * (perturbed - real)
    norms = input_gradient_norms(D, points, jacobian=jacobian, generator=generator)
    return weight * ((norms - 1.0) ** 2).mean()


def r1_penalty(
    D, real, fake=None, weight: float = 10.0, generator=None, jacobian: str = "projection"
) -> torch.Tensor:
    r"""R1 (Mescheder et al. 2018): :math:`\tfrac\gamma2\,\mathbb E\|\nabla D(x)\|^2` at the real
    samples, γ = 10. ``fake`` is not used."""
    norms = input_gradient_norms(D, real.detach(), jacobian=jacobian, generator=generator)
    return 0.5 * weight * (norms**2).mean()


def r2_penalty(
    D, real, fake, weight: float = 10.0, generator=None, jacobian: str = "projection"
) -> torch.Tensor:
    r"""R2: :math:`\tfrac\gamma2\,\mathbb E\|\nabla D(\tilde x)\|^2` at the fake samples, γ = 10."""
    _check_pair(real, fake, "the r2 penalty")
    norms = input_gradient_norms(D, fake.detach(), jacobian=jacobian, generator=generator)
    return 0.5 * weight * (norms**2).mean()


def wgan_div_penalty(
    D,
    real,
    fake,
    weight: float = 2.0,
    generator=None,
    jacobian: str = "projection",
    power: float = 6.0,
) -> torch.Tensor:
    r"""WGAN-div (Wu et al. 2018): :math:`k\,\mathbb E\|\nabla D(\hat x)\|^p` at the
    :func:`interpolates`, k = 2, p = 6. (The authors' released code penalises at the
    reals and at the fakes separately; we use the interpolates, as WGAN-GP does.)"""
    _check_pair(real, fake, "the wgan-div penalty")
    points = interpolates(real, fake, generator)
    norms = input_gradient_norms(D, points, jacobian=jacobian, generator=generator)
    return weight * (norms**power).mean()


PENALTIES: dict[str, Callable[..., torch.Tensor]] = {
    "wgan-gp": wgan_gp_penalty,
    "dragan": dragan_penalty,
    "r1": r1_penalty,
    "r2": r2_penalty,
    "wgan-div": wgan_div_penalty,
}
"""The gradient penalties by name. Each is ``f(D, real, fake, weight=…, generator=None,
jacobian="projection")`` with its default weight (λ, γ or k) in its signature; adding one is
one function and one line here."""


def gradient_penalty(
    D,
    real: torch.Tensor,
    fake: torch.Tensor | None = None,
    kind: str = "wgan-gp",
    weight: float | None = None,
    generator: torch.Generator | None = None,
    jacobian: str = "projection",
    **options,
) -> torch.Tensor:
    r"""The gradient penalty called ``kind`` on the discriminator ``D``, to *add* to its loss.

    ========  ==================================================  ===========================================
    kind      where                                               penalty (default weight)
    ========  ==================================================  ===========================================
    wgan-gp   :math:`\hat x = \epsilon x + (1-\epsilon)\tilde x`,  :math:`\lambda\,\mathbb E(\|\nabla D(\hat x)\| - 1)^2` (λ = 10;
              :math:`\epsilon \sim U[0,1]` per sample            Gulrajani et al. 2017)
    dragan    :math:`\hat x = x + \alpha\,\delta`,                 :math:`\lambda\,\mathbb E(\|\nabla D(\hat x)\| - 1)^2` (λ = 10;
              :math:`\delta = c\,\mathrm{std}(x)\,u`,              Kodali et al. 2017) — around the *reals* only
              :math:`u, \alpha \sim U[0,1]`
    r1        the real samples :math:`x`                          :math:`\tfrac\gamma2\,\mathbb E\|\nabla D(x)\|^2` (γ = 10; Mescheder et al. 2018)
    r2        the fake samples :math:`\tilde x`                   :math:`\tfrac\gamma2\,\mathbb E\|\nabla D(\tilde x)\|^2` (γ = 10)
    wgan-div  :math:`\hat x` as for wgan-gp                        :math:`k\,\mathbb E\|\nabla D(\hat x)\|^p` (k = 2, p = 6; Wu et al. 2018)
    ========  ==================================================  ===========================================

    ``fake`` is needed by wgan-gp, r2 and wgan-div (pass it detached from G). ``weight`` replaces
    the default λ, γ or k; ``options`` are a penalty's own (DRAGAN's ``scale``, WGAN-div's
    ``power``). Random draws come from ``generator`` (default: torch's global generator).

    A critic with k > 1 outputs (a feature map :math:`\Phi`, as in MMD GAN and McGAN) has a
    Jacobian :math:`J_\Phi`; every norm above is then :math:`\|J_\Phi(\hat x)\|_F`, which bounds
    :math:`\Phi`'s local Lipschitz constant — computed as :func:`input_gradient_norms` says
    (``jacobian="projection"``: one random unit projection per sample, unbiased for the
    squared norm, so r1 and r2 are unbiased estimates; ``"exact"``: k backward passes).
    """
    if kind not in PENALTIES:
        raise ValueError(f"unknown gradient penalty {kind!r}; known: {', '.join(PENALTIES)}")
    if weight is not None:
        options["weight"] = weight
    penalty = PENALTIES[kind]
    try:
        inspect.signature(penalty).bind(D, real, fake, generator=generator, **options)
    except TypeError:
        own = [p for p in inspect.signature(penalty).parameters if p not in ("D", "real", "fake")]
        raise ValueError(
            f"the {kind} penalty takes the options {', '.join(own)}; got {', '.join(options)}"
        ) from None
    return penalty(D, real, fake, generator=generator, jacobian=jacobian, **options)


# ----------------------------------------------------------------------------- critic controls
class CriticControl:
    """One way of keeping the critic in check. The trainer calls each hook at its place, and
    every hook takes the discriminator: :meth:`wrap` once when the trainer is built,
    :meth:`penalty` in every D loss (its value is added), :meth:`after_step` after every D
    update. A control overrides the hooks it needs."""

    def wrap(self, D: nn.Module) -> nn.Module:
        return D

    def penalty(self, D, real: torch.Tensor, fake: torch.Tensor) -> torch.Tensor | None:
        return None

    def after_step(self, D: nn.Module) -> None:
        return None


class Penalty(CriticControl):
    """A gradient penalty from :data:`PENALTIES`, at ``weight`` (``None``: its default), times
    ``scale`` (stacked models, :mod:`gancourse.batched`, sum their penalties)."""

    def __init__(self, kind: str, weight: float | None = None, scale: float = 1.0) -> None:
        if kind not in PENALTIES:
            raise ValueError(f"unknown penalty {kind!r}; known: {', '.join(PENALTIES)}")
        if weight is not None and (isinstance(weight, bool) or not isinstance(weight, int | float)):
            raise ValueError(f"the penalty weight must be a number, got {weight!r}")
        self.kind, self.weight, self.scale = kind, weight, scale

    def penalty(self, D, real: torch.Tensor, fake: torch.Tensor) -> torch.Tensor:
        value = gradient_penalty(D, real, fake, kind=self.kind, weight=self.weight)
        return value if self.scale == 1 else self.scale * value

    def __repr__(self) -> str:
        return f"Penalty({self.kind!r}, weight={self.weight}, scale={self.scale})"


class Clip(CriticControl):
    """WGAN's weight clipping into [-c, c] after every D update."""

    def __init__(self, c: float) -> None:
        if isinstance(c, bool) or not isinstance(c, int | float) or not c > 0:
            raise ValueError(f"the clipping bound must be a positive number, got {c!r}")
        self.c = c

    def after_step(self, D: nn.Module) -> None:
        weight_clipping(D, self.c)

    def __repr__(self) -> str:
        return f"Clip({self.c})"


class Normalize(CriticControl):
    """Gradient normalisation: D replaced by a wrapper (``"gn"``: :class:`GradientNormalized`,
    ``"gran"``: :class:`PiecewiseGradientNormalized`) when the trainer is built."""

    def __init__(self, kind: str) -> None:
        if kind not in NORMALIZERS:
            raise ValueError(f"normalize must be one of {', '.join(NORMALIZERS)}, got {kind!r}")
        self.kind = kind

    def wrap(self, D: nn.Module) -> nn.Module:
        return NORMALIZERS[self.kind](D)

    def __repr__(self) -> str:
        return f"Normalize({self.kind!r})"


def critic_controls(
    penalty: str | None = None,
    penalty_weight: float | None = None,
    clip: float | None = None,
    normalize: str | None = None,
) -> list[CriticControl]:
    """The controls named by the builders' keywords: a gradient penalty (a name in
    :data:`PENALTIES`, at ``penalty_weight``), weight clipping at ``clip``, gradient
    normalisation (a name in :data:`NORMALIZERS`)."""
    controls: list[CriticControl] = []
    if normalize is not None:
        controls.append(Normalize(normalize))
    if penalty is not None:
        controls.append(Penalty(penalty, penalty_weight))
    elif penalty_weight is not None:
        raise ValueError("penalty_weight needs a penalty: name one with penalty=...")
    if clip is not None:
        controls.append(Clip(clip))
    return controls


def _value_and_gradient_norm(net: nn.Module, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """``f = net(x)`` and each sample's ``||grad_x f||``, shaped to broadcast against ``f``; the
    gradient stays differentiable (``create_graph``), so both networks can be trained through it."""
    with torch.enable_grad():
        x = x if x.requires_grad else x.detach().requires_grad_(True)
        f = net(x)
        if f[0].numel() != 1:
            raise ValueError(
                f"gradient normalisation needs one output per sample, got {tuple(f.shape)}: wrap a "
                "scalar critic (a feature map has a Jacobian, not a gradient)"
            )
        (grad,) = torch.autograd.grad(f.sum(), x, create_graph=True)
    return f, grad.flatten(1).norm(dim=1).reshape(-1, *([1] * (f.dim() - 1)))


class GradientNormalized(nn.Module):
    r"""GN-GAN (Wu et al. 2021): the discriminator :math:`f` rescaled by its own input gradient,

    .. math:: \hat f(x) = \frac{f(x)}{\|\nabla_x f(x)\| + |f(x)|}.

    :math:`|\hat f| < 1` everywhere. For piecewise-linear :math:`f` (ReLU/LeakyReLU nets),
    :math:`\nabla f = w` is constant on each linear piece, where
    :math:`\nabla\hat f = \|w\|\,w/(\|w\| + |f|)^2` has norm at most 1: :math:`\hat f` is
    **piecewise** 1-Lipschitz. It is *not* 1-Lipschitz, nor even continuous: where
    :math:`\|\nabla f\|` changes across a piece boundary and :math:`f \ne 0`, :math:`\hat f`
    jumps. Example: :math:`f(x) = x + 2\,\mathrm{relu}(x - 1)` has :math:`f(1) = 1` and slopes 1
    and 3, so :math:`\hat f` jumps from 1/2 to 1/4 at x = 1. No layer is touched; the cost:
    every forward pass differentiates :math:`f` with respect to its input (with
    ``create_graph``), so a D step costs about two. Wrap the *unnormalised* scalar critic:
    ``D = GradientNormalized(mlp_discriminator(2))``.
    """

    def __init__(self, net: nn.Module) -> None:
        super().__init__()
        self.net = net

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        f, norm = _value_and_gradient_norm(self.net, x)
        return f / (norm + f.abs())


class PiecewiseGradientNormalized(nn.Module):
    r"""GraN-GAN (Bhaskara et al. 2022), gradient normalisation with a small :math:`\epsilon`
    instead of GN's :math:`|f|`:

    .. math:: \hat f(x) = K\,\frac{f(x)\,\|\nabla_x f(x)\|}{\|\nabla_x f(x)\|^2 + \epsilon}
              \;\approx\; K\,\frac{f(x)}{\|\nabla_x f(x)\|} \quad (\|\nabla f\|^2 \gg \epsilon).

    For piecewise-linear :math:`f` the gradient :math:`\nabla f = w` is constant on each linear
    piece, where :math:`\nabla\hat f = K\,w\|w\|/(\|w\|^2 + \epsilon)` has norm
    :math:`K\|w\|^2/(\|w\|^2 + \epsilon) < K`: :math:`\hat f` is *piecewise* K-Lipschitz. Like
    GN it jumps across piece boundaries; unlike GN its output is unbounded: it is about
    :math:`K|f|/\|w\|`, K times the distance from x to where the piece's affine function
    vanishes. On a flat piece
    (:math:`w \to 0`) it goes to 0 instead of dividing by 0. The formula (and the variant
    :math:`K f/(\|\nabla f\| + \epsilon)`, which the authors report slightly worse) follows the
    paper as summarised by Su (kexue.fm/archives/8757, 2021). ``epsilon = 1e-8`` is our default:
    pieces with :math:`\|w\| \lesssim \sqrt\epsilon = 10^{-4}` count as flat.
    """

    def __init__(self, net: nn.Module, K: float = 1.0, epsilon: float = 1e-8) -> None:
        super().__init__()
        if K <= 0 or epsilon <= 0:
            raise ValueError(f"K and epsilon must be positive, got K={K}, epsilon={epsilon}")
        self.net, self.K, self.epsilon = net, K, epsilon

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        f, norm = _value_and_gradient_norm(self.net, x)
        return self.K * f * norm / (norm**2 + self.epsilon)


NORMALIZERS: dict[str, type[nn.Module]] = {
    "gn": GradientNormalized,
    "gran": PiecewiseGradientNormalized,
}
"""The gradient-normalisation wrappers by name (the ``normalize`` option of the builders)."""
