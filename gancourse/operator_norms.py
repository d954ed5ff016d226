r"""Operator norms: the Lipschitz constants that spectral normalisation controls (notebook 06).

* :func:`power_iteration_sigma` — the largest singular value of a weight read as a matrix,
  what ``torch.nn.utils.parametrizations.spectral_norm`` divides by;
* :func:`conv_operator_norm` — the largest singular value of a *convolution* as the linear map
  it is, which is not that of its reshaped kernel;
* :func:`conv_matrix` — a small convolution written out as that matrix, for checking.
"""

from __future__ import annotations

import math

import torch
from torch import nn

__all__ = ["conv_matrix", "conv_operator_norm", "power_iteration_sigma"]


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
