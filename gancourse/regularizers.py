r"""Lipschitz control of the discriminator (critic): clipping, gradient penalties, spectral
norm and gradient normalisation.

The Wasserstein critic must be 1-Lipschitz (Kantorovich–Rubinstein duality, notebook 05);
other objectives train better with a smooth discriminator (notebook 06). The ways to get there:

* :func:`weight_clipping` — WGAN's crude box: every weight in :math:`[-c, c]`;
* :func:`gradient_penalty` — soft constraints on :math:`\|\nabla_x D(x)\|` at chosen points:
  WGAN-GP, DRAGAN, R1, R2, WGAN-div;
* :func:`power_iteration_sigma` — the largest singular value that spectral normalisation
  divides by (the nets use ``torch.nn.utils.parametrizations.spectral_norm``);
* :class:`GradientNormalized` (GN-GAN) and :class:`PiecewiseGradientNormalized` (GraN-GAN) —
  wrappers that *rescale D's output by its own input gradient*.

Gradients with respect to inputs are taken **per sample**: each sample's gradient is flattened
and its norm taken separately, so everything here works for 2-D points and for images with any
number of channels. Random draws take an optional ``generator``; by default they use torch's
global generator, which ``seed_everything`` seeds, checkpoints save, and CUDA graphs can replay.
"""

from __future__ import annotations

import torch
from torch import nn

__all__ = [
    "PENALTIES",
    "GradientNormalized",
    "PiecewiseGradientNormalized",
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


def input_gradient_norms(D, x: torch.Tensor, create_graph: bool = True) -> torch.Tensor:
    r"""Per-sample :math:`\|\nabla_x D(x)\|_2`, shape ``[B]``, for ``x`` of any shape ``[B, ...]``.

    The gradient of :math:`\sum_i D(x_i)` with respect to the batch gives each sample's own
    gradient (samples do not interact — true without batch norm in D, which gradient penalties
    forbid anyway). ``create_graph=True`` keeps it differentiable, so a penalty built on it can
    be minimised. The norm is taken in float32, also under autocast.
    """
    with torch.enable_grad():
        if not x.requires_grad:
            x = x.detach().requires_grad_(True)
        out = D(x)
        (grad,) = torch.autograd.grad(out.float().sum(), x, create_graph=create_graph)
    return grad.float().flatten(1).norm(dim=1)


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
    norms = input_gradient_norms(D, points)
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

    Each round multiplies the error by :math:`(\sigma_2/\sigma_1)^2`, so few rounds suffice
    unless the top two singular values are close; spectral normalisation does *one* round per
    training step and keeps ``u`` between steps (pass it back in to do the same). Returns
    ``(sigma, u)``.
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


def _value_and_gradient_norm(net: nn.Module, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """``f = net(x)`` and each sample's ``||grad_x f||``, shaped to broadcast against ``f``; the
    gradient stays differentiable (``create_graph``), so both networks can be trained through it."""
    with torch.enable_grad():
        x = x if x.requires_grad else x.detach().requires_grad_(True)
        f = net(x)
        (grad,) = torch.autograd.grad(f.sum(), x, create_graph=True)
    return f, grad.flatten(1).norm(dim=1).reshape(-1, *([1] * (f.dim() - 1)))


class GradientNormalized(nn.Module):
    r"""GN-GAN (Wu et al. 2021): the discriminator :math:`f` rescaled by its own input gradient,

    .. math:: \hat f(x) = \frac{f(x)}{\|\nabla_x f(x)\| + |f(x)|}.

    :math:`|\hat f| \le 1` everywhere, and for piecewise-linear :math:`f` (ReLU/LeakyReLU nets)
    :math:`\hat f` is 1-Lipschitz — without touching any layer. The cost: every forward pass
    differentiates :math:`f` with respect to its input (with ``create_graph``), so a D step costs
    about two. Wrap the *unnormalised* network: ``D = GradientNormalized(mlp_discriminator(2))``.
    """

    def __init__(self, net: nn.Module) -> None:
        super().__init__()
        self.net = net

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        f, norm = _value_and_gradient_norm(self.net, x)
        return f / (norm + f.abs())


class PiecewiseGradientNormalized(nn.Module):
    r"""GraN-GAN (Bhaskara et al. 2022): for a piecewise-linear :math:`f`, the gradient
    :math:`\nabla_x f` is constant on each linear piece, so

    .. math:: \hat f(x) = K\,\frac{f(x)}{\|\nabla_x f(x)\| + \epsilon}

    has gradient :math:`K\nabla f/(\|\nabla f\| + \epsilon)` there, of norm below :math:`K`:
    :math:`\hat f` is *piecewise* K-Lipschitz (it may jump across piece boundaries, unlike GN).
    ``epsilon`` keeps flat pieces finite.
    """

    def __init__(self, net: nn.Module, K: float = 1.0, epsilon: float = 1e-4) -> None:
        super().__init__()
        if K <= 0 or epsilon <= 0:
            raise ValueError(f"K and epsilon must be positive, got K={K}, epsilon={epsilon}")
        self.net, self.K, self.epsilon = net, K, epsilon

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        f, norm = _value_and_gradient_norm(self.net, x)
        return self.K * f / (norm + self.epsilon)
