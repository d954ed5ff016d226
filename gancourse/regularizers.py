r"""Lipschitz control of the discriminator (critic): clipping, gradient penalties, spectral
norm and gradient normalisation.

The Wasserstein critic must be 1-Lipschitz (Kantorovich–Rubinstein duality, notebook 05);
other objectives train better with a smooth discriminator (notebook 06). The ways to get there:

* :func:`weight_clipping` — WGAN's crude box: every weight in :math:`[-c, c]`;
* :func:`gradient_penalty` — soft constraints on :math:`\|\nabla_x D(x)\|` at chosen points:
  WGAN-GP, DRAGAN, R1, R2, WGAN-div;
* :func:`power_iteration_sigma` — the largest singular value that spectral normalisation
  divides by (the nets use ``torch.nn.utils.parametrizations.spectral_norm``), and
  :func:`conv_operator_norm` — the largest singular value of a *convolution*, which is not
  that of its reshaped kernel (:func:`conv_matrix` writes the convolution out as a matrix);
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

import math

import torch
from torch import nn

__all__ = [
    "PENALTIES",
    "GradientNormalized",
    "PiecewiseGradientNormalized",
    "conv_matrix",
    "conv_operator_norm",
    "gradient_penalty",
    "input_gradient_norms",
    "power_iteration_sigma",
    "weight_clipping",
]


@torch.no_grad()
def weight_clipping(module: nn.Module, c: float) -> None:
    """Clamp every parameter of ``module`` into ``[-c, c]`` in place (WGAN, Arjovsky et al. 2017:
    a crude way to keep the critic K-Lipschitz for some K that depends on c and the architecture).

    Use as the trainer's ``after_d_step``: ``after_d_step=lambda t: weight_clipping(t.D, 0.01)``."""
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


def gradient_penalty(
    D,
    real: torch.Tensor,
    fake: torch.Tensor | None = None,
    kind: str = "wgan-gp",
    weight: float | None = None,
    generator: torch.Generator | None = None,
    dragan_scale: float = 0.5,
    power: float = 6.0,
    jacobian: str = "projection",
) -> torch.Tensor:
    r"""A gradient penalty on the discriminator ``D``, to *add* to its loss.

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
    the default λ, γ or k. Interpolation weights are drawn per sample from ``generator`` (default:
    torch's global generator). The DRAGAN perturbation follows the authors' code: uniform noise
    scaled by ``dragan_scale`` times the batch's standard deviation.

    A critic with k > 1 outputs (a feature map :math:`\Phi`, as in MMD GAN and McGAN) has a
    Jacobian :math:`J_\Phi`; every norm above is then :math:`\|J_\Phi(\hat x)\|_F`, which bounds
    :math:`\Phi`'s local Lipschitz constant — computed as :func:`input_gradient_norms` says
    (``jacobian="projection"``: one random unit projection per sample, unbiased for the
    squared norm, so r1 and r2 are unbiased estimates; ``"exact"``: k backward passes).
    """
    if kind not in PENALTIES:
        raise ValueError(f"unknown gradient penalty {kind!r}; known: {', '.join(PENALTIES)}")
    if kind in ("wgan-gp", "r2", "wgan-div"):
        if fake is None:
            raise ValueError(f"the {kind} penalty needs the fake batch: pass fake=G(z).detach()")
        if fake.shape != real.shape:
            raise ValueError(
                f"real {tuple(real.shape)} and fake {tuple(fake.shape)} batches must have one shape"
            )
    weight = PENALTIES[kind] if weight is None else weight
    real = real.detach()
    if kind in ("wgan-gp", "wgan-div"):
        eps = _uniform(real, generator)
        points = eps * real + (1 - eps) * fake.detach()
    elif kind == "dragan":
        noise = torch.rand(real.shape, generator=generator, device=real.device, dtype=real.dtype)
        perturbed = real + dragan_scale * real.std() * noise
        points = real + _uniform(real, generator) * (perturbed - real)
    elif kind == "r1":
        points = real
    else:  # r2
        points = fake.detach()
    norms = input_gradient_norms(D, points, jacobian=jacobian, generator=generator)
    if kind in ("wgan-gp", "dragan"):
        return weight * ((norms - 1.0) ** 2).mean()
    if kind == "wgan-div":
        return weight * (norms**power).mean()
    return 0.5 * weight * (norms**2).mean()


PENALTIES: dict[str, float] = {
    "wgan-gp": 10.0,
    "dragan": 10.0,
    "r1": 10.0,
    "r2": 10.0,
    "wgan-div": 2.0,
}
"""The gradient penalties by name, with their default weights (λ, γ or k)."""


def power_iteration_sigma(
    weight: torch.Tensor,
    iters: int = 50,
    u: torch.Tensor | None = None,
    generator: torch.Generator | None = None,
) -> tuple[torch.Tensor, torch.Tensor]:
    r"""Estimate the largest singular value :math:`\sigma(W)` by power iteration.

    A layer's weight of any shape is read as the matrix :math:`W` of shape
    ``[out, everything else]`` (as ``spectral_norm`` does). Starting from a random ``u``:

    .. math:: v \leftarrow W^\top u / \|W^\top u\|, \qquad u \leftarrow W v / \|W v\|,
              \qquad \sigma \approx u^\top W v.

    Each round multiplies the error of the singular *vectors* (the tangent of their angle to
    the top pair) by :math:`(\sigma_2/\sigma_1)^2`; the estimate :math:`u^\top W v = \|W v\|` is a
    Rayleigh quotient, whose error is quadratic in the vector error, so the relative error of
    :math:`\sigma` falls by :math:`(\sigma_2/\sigma_1)^4` per round (notebook 06 derives and
    measures both rates). Few rounds suffice unless the top two singular values are close;
    spectral normalisation does *one* round per training step and keeps ``u`` between steps
    (pass it back in to do the same). Returns ``(sigma, u)``.
    """
    if weight.dim() < 2:
        raise ValueError(
            f"need a weight with at least 2 dimensions, got shape {tuple(weight.shape)}"
        )
    if iters < 1:
        raise ValueError(f"iters must be >= 1, got {iters}")
    w = weight.detach().flatten(1)
    if u is None:
        u = torch.randn(w.shape[0], generator=generator, device=w.device, dtype=w.dtype)
    u = u / u.norm()
    for _ in range(iters):
        v = nn.functional.normalize(w.T @ u, dim=0)
        u = nn.functional.normalize(w @ v, dim=0)
    return u @ w @ v, u


def _pair(value, name: str) -> tuple[int, int]:
    pair = (value, value) if isinstance(value, int) else tuple(value)
    if len(pair) != 2 or not all(isinstance(v, int) for v in pair):
        raise ValueError(f"{name} must be an int or a pair of ints, got {value!r}")
    return pair


def _conv_geometry(weight: torch.Tensor, input_shape, stride, padding) -> dict:
    """Check a convolution's arguments; return its stride, padding, output size and the
    ``output_padding`` that makes ``conv_transpose2d`` map back onto the input's exact size."""
    if weight.dim() != 4:
        raise ValueError(
            f"need a Conv2d weight [c_out, c_in, kh, kw], got shape {tuple(weight.shape)}"
        )
    if len(input_shape) != 3:
        raise ValueError(
            f"input_shape is one input's (c_in, H, W), without the batch; got {tuple(input_shape)}"
        )
    c_in, height, width = (int(v) for v in input_shape)
    if c_in != weight.shape[1]:
        raise ValueError(
            f"the kernel takes {weight.shape[1]} input channels, input_shape has {c_in}"
        )
    stride, padding = _pair(stride, "stride"), _pair(padding, "padding")
    if min(stride) < 1 or min(padding) < 0:
        raise ValueError(f"need stride >= 1 and padding >= 0, got {stride} and {padding}")
    out, extra = [], []
    for size, k, s, p in zip((height, width), weight.shape[2:], stride, padding, strict=True):
        n = (size + 2 * p - k) // s + 1
        if size < 1 or n < 1:
            raise ValueError(
                f"a {tuple(weight.shape[2:])} kernel does not fit the input {tuple(input_shape)} "
                f"padded by {padding}"
            )
        out.append(n)
        extra.append(size + 2 * p - k - (n - 1) * s)  # rows/columns the last window skipped
    return {"stride": stride, "padding": padding, "out": tuple(out), "output_padding": tuple(extra)}


def conv_matrix(weight: torch.Tensor, input_shape, stride=1, padding=0) -> torch.Tensor:
    r"""The convolution :math:`x \mapsto \mathrm{conv2d}(x, W)` on inputs of shape
    ``input_shape = (c_in, H, W)``, written out as the matrix :math:`A` of shape
    ``[c_out·H'·W', c_in·H·W]`` (column i is the convolution of the i-th basis image), in the
    weight's dtype. For small inputs: the matrix has :math:`c_\text{in} H W` columns."""
    _conv_geometry(weight, input_shape, stride, padding)
    n = math.prod(input_shape)
    basis = torch.eye(n, device=weight.device, dtype=weight.dtype).reshape(n, *input_shape)
    columns = nn.functional.conv2d(basis, weight.detach(), stride=stride, padding=padding)
    return columns.reshape(n, -1).T


@torch.no_grad()
def conv_operator_norm(
    weight: torch.Tensor,
    input_shape,
    stride=1,
    padding=0,
    iters: int = 2000,
    generator: torch.Generator | None = None,
    tol: float = 1e-10,
) -> torch.Tensor:
    r"""The operator norm :math:`\|A\|_2` (largest singular value) of the convolution
    :math:`A: x \mapsto \mathrm{conv2d}(x, W, \text{stride}, \text{padding})` on inputs of shape
    ``input_shape = (c_in, H, W)`` — the layer's Lipschitz constant (the bias shifts, it does
    not stretch). Power iteration on :math:`A^\top A`, never forming :math:`A`:

    .. math:: y = A^\top A x, \qquad \|A x\|^2 = x^\top y, \qquad x \leftarrow y / \|y\|,

    where the adjoint :math:`A^\top` is ``conv_transpose2d`` with the same weight, stride and
    padding, and the ``output_padding`` that restores the input's exact size (a strided
    convolution may skip the last rows; they get zero). :math:`\|A x\|` rises to
    :math:`\|A\|_2` from below; it stops after ``iters`` rounds or once a round raises
    :math:`\|A x\|^2` by less than ``tol`` relatively.

    This is **not** :math:`\sigma_{\max}` of the kernel reshaped to ``[c_out, c_in·kh·kw]``
    (what ``spectral_norm`` normalises): with :math:`M` that matrix, if some window lies wholly
    inside the unpadded input then :math:`\sigma_{\max}(M) \le \|A\|_2 \le
    \sqrt{\lceil kh/s_h\rceil\lceil kw/s_w\rceil}\;\sigma_{\max}(M)` (an input pixel sits in at most
    that many windows) — up to k times larger for a k × k kernel at stride 1. Groups and
    dilation are not supported. Computed in float64 (float32 on MPS); returns a 0-dim tensor.
    """
    geometry = _conv_geometry(weight, input_shape, stride, padding)
    if iters < 1:
        raise ValueError(f"iters must be >= 1, got {iters}")
    dtype = torch.float32 if weight.device.type == "mps" else torch.float64
    w = weight.detach().to(dtype)
    conv = dict(stride=geometry["stride"], padding=geometry["padding"])
    x = torch.randn((1, *input_shape), generator=generator, device=w.device, dtype=dtype)
    x = x / x.norm()
    previous = torch.zeros((), dtype=dtype, device=w.device)
    for _ in range(iters):
        y = nn.functional.conv_transpose2d(
            nn.functional.conv2d(x, w, **conv), w, output_padding=geometry["output_padding"], **conv
        )
        squared = (x * y).sum()  # ||A x||^2 for the current unit x
        norm = y.norm()
        if norm == 0:  # the kernel is zero (or sees only padding): A = 0
            break
        x = y / norm
        if squared - previous <= tol * squared:
            break
        previous = squared
    return squared.clamp(min=0).sqrt()


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
