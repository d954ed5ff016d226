r"""M independent MLPs evaluated as one network, for training many small GANs at once.

A toy GAN's networks are so small that a step costs far less arithmetic than Python and
kernel-launch overhead. Stacking the weights of M networks of one architecture,
:math:`W \in \mathbb R^{M \times \text{out} \times \text{in}}`, turns M matrix products into
one batched product (``torch.baddbmm``):

.. math:: y_m = x_m W_m^\top + b_m, \qquad m = 1, \dots, M.

The models share no parameter and no activation, so the gradient of
:math:`\sum_m L_m` with respect to :math:`W_m` is :math:`\nabla_{W_m} L_m` — and Adam, which is
elementwise, over the stacked tensors is exactly M independent Adams.

From outside a :class:`StackedMLP` looks like one MLP on a batch of :math:`M \cdot B` points:
it takes ``[M·B, in]``, reads rows ``m·B … (m+1)·B − 1`` as model m's batch and returns
``[M·B, out]``. Everything that works per sample (gradient penalties, gradient
normalisation, weight clipping) therefore works on it unchanged.
"""

from __future__ import annotations

import copy

import torch
import torch.nn.functional as F
from torch import nn

from .mlp import MLP

__all__ = ["StackedLinear", "StackedMLP"]


def _plain_linear(layer: nn.Module) -> tuple[torch.Tensor, torch.Tensor | None, tuple | None]:
    """A linear layer's weight, bias and (for a spectrally normalised one) its power-iteration
    vectors ``(u, v)``."""
    parametrized = getattr(layer, "parametrizations", None)
    if parametrized is not None and "weight" in parametrized:
        sn = parametrized.weight[0]
        return parametrized.weight.original, layer.bias, (sn._u, sn._v)
    return layer.weight, layer.bias, None


class StackedLinear(nn.Module):
    r"""M linear layers of one shape, :math:`y_m = x_m W_m^\top + b_m` on ``[M, B, in]``.

    With spectral normalisation (the layers were wrapped by
    ``torch.nn.utils.parametrizations.spectral_norm``) it does what that parametrisation
    does, per model: in training mode one power-iteration round
    :math:`u \leftarrow \frac{W v}{\|W v\|},\ v \leftarrow \frac{W^\top u}{\|W^\top u\|}`, then
    :math:`\bar W = W / \sigma`, :math:`\sigma = u^\top W v`.
    """

    def __init__(self, layers: list[nn.Module]) -> None:
        super().__init__()
        parts = [_plain_linear(layer) for layer in layers]
        if len({p[0].shape for p in parts}) != 1:
            raise ValueError("stacked layers must all have the same shape")
        self.weight = nn.Parameter(torch.stack([p[0].detach() for p in parts]).clone())
        self.bias = nn.Parameter(torch.stack([p[1].detach() for p in parts]).clone())
        sn = [p[2] for p in parts]
        self.spectral_norm = sn[0] is not None
        if any((s is not None) != self.spectral_norm for s in sn):
            raise ValueError("either every stacked layer is spectrally normalised or none is")
        if self.spectral_norm:
            self.register_buffer("u", torch.stack([s[0].detach() for s in sn]).clone())
            self.register_buffer("v", torch.stack([s[1].detach() for s in sn]).clone())

    def effective_weight(self) -> torch.Tensor:
        """``[M, out, in]``: the weights as applied (divided by σ under spectral norm)."""
        if not self.spectral_norm:
            return self.weight
        w = self.weight
        if self.training:
            with torch.no_grad():  # the vectors are buffers, not part of the graph
                self.u.copy_(
                    F.normalize(torch.bmm(w, self.v[:, :, None])[..., 0], dim=1, eps=1e-12)
                )
                self.v.copy_(
                    F.normalize(
                        torch.bmm(w.transpose(1, 2), self.u[:, :, None])[..., 0], dim=1, eps=1e-12
                    )
                )
        # clones: the next forward updates u and v in place, and this graph must keep these
        u, v = self.u.clone(), self.v.clone()
        sigma = (u * torch.bmm(w, v[:, :, None])[..., 0]).sum(dim=1)
        return w / sigma[:, None, None]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.baddbmm(self.bias[:, None, :], x, self.effective_weight().transpose(1, 2))


class StackedMLP(nn.Module):
    """M copies of one :class:`~gancourse.nets.MLP` architecture with their own weights (taken
    from ``mlps``), applied as one network to ``[M·B, in]`` (see the module's docstring)."""

    def __init__(self, mlps: list[MLP]) -> None:
        super().__init__()
        if not mlps:
            raise ValueError("need at least one MLP to stack")
        shapes = {
            tuple(
                (type(layer).__name__, *(tuple(p.shape) for p in layer.parameters()))
                for layer in m.net
            )
            for m in mlps
        }
        if len(shapes) != 1:
            raise ValueError(f"the MLPs must share one architecture, got {sorted(shapes)}")
        self.n_models = len(mlps)
        self.in_features, self.out_features = mlps[0].in_features, mlps[0].out_features
        layers: list[nn.Module] = []
        for i, layer in enumerate(mlps[0].net):
            if isinstance(layer, nn.Linear) or hasattr(layer, "parametrizations"):
                layers.append(StackedLinear([m.net[i] for m in mlps]))
            else:  # an activation: elementwise, shape-agnostic, shared
                layers.append(copy.deepcopy(layer))
        self.net = nn.Sequential(*layers)
        # an unnormalised copy of the architecture, filled with model m's weights by unstack()
        self._template = MLP(self.in_features, self.out_features)
        self._template.net = nn.Sequential(
            *(
                nn.Linear(layer.weight.shape[2], layer.weight.shape[1])
                if isinstance(layer, StackedLinear)
                else copy.deepcopy(layer)
                for layer in layers
            )
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.dim() != 2 or x.shape[1] != self.in_features or x.shape[0] % self.n_models:
            raise ValueError(
                f"expected input [M·B, {self.in_features}] with M = {self.n_models} models, "
                f"got {tuple(x.shape)}"
            )
        out = self.net(x.reshape(self.n_models, -1, self.in_features))
        return out.reshape(-1, self.out_features)

    @torch.no_grad()
    def unstack(self, m: int) -> MLP:
        """Model ``m`` as an ordinary :class:`MLP` (a copy, with its effective weights: a
        spectrally normalised layer's weight divided by its current σ)."""
        if not 0 <= m < self.n_models:
            raise IndexError(f"model {m} of {self.n_models}")
        net = copy.deepcopy(self._template).to(self.net[0].weight.device)
        was_training = self.training
        self.eval()  # read σ without another power-iteration round
        try:
            for stacked, plain in zip(self.net, net.net, strict=True):
                if isinstance(stacked, StackedLinear):
                    plain.weight.copy_(stacked.effective_weight()[m])
                    plain.bias.copy_(stacked.bias[m])
        finally:
            self.train(was_training)
        return net
