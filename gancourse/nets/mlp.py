"""Multi-layer perceptrons for low-dimensional data (1-D and 2-D toy problems)."""

from __future__ import annotations

import torch
from torch import nn

from .spectral import spectral_normalize_layers

__all__ = ["ACTIVATIONS", "MLP", "mlp_discriminator", "mlp_generator"]

ACTIVATIONS = {
    "relu": nn.ReLU,
    "leaky_relu": lambda: nn.LeakyReLU(0.2),
    "elu": nn.ELU,
    "tanh": nn.Tanh,
    "silu": nn.SiLU,
}


class MLP(nn.Module):
    """``depth`` hidden layers of ``width`` units with an activation, then a linear output.

    Args:
        in_features: input dimension (the latent size for a generator, the data dimension
            for a discriminator).
        out_features: output dimension (the data dimension, or 1 logit).
        width: units per hidden layer.
        depth: number of hidden layers (0 gives a linear map).
        activation: one of :data:`ACTIVATIONS`.
    """

    def __init__(
        self,
        in_features: int,
        out_features: int,
        width: int = 128,
        depth: int = 3,
        activation: str = "leaky_relu",
    ) -> None:
        super().__init__()
        if activation not in ACTIVATIONS:
            raise ValueError(
                f"unknown activation {activation!r}; use one of {', '.join(ACTIVATIONS)}"
            )
        if min(in_features, out_features, width) < 1 or depth < 0:
            raise ValueError(
                f"need positive sizes and depth >= 0, got in={in_features}, out={out_features}, "
                f"width={width}, depth={depth}"
            )
        layers: list[nn.Module] = []
        size = in_features
        for _ in range(depth):
            layers += [nn.Linear(size, width), ACTIVATIONS[activation]()]
            size = width
        layers.append(nn.Linear(size, out_features))
        self.net = nn.Sequential(*layers)
        self.in_features = in_features
        self.out_features = out_features

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.dim() != 2 or x.shape[1] != self.in_features:
            raise ValueError(f"expected input [batch, {self.in_features}], got {tuple(x.shape)}")
        return self.net(x)


def mlp_discriminator(
    data_dim: int, out_features: int = 1, spectral_norm: bool = False, **kwargs
) -> MLP:
    """An MLP from data points ``[B, data_dim]`` to one logit per point, ``[B, 1]`` — or to
    ``out_features`` critic features for the feature-matching objectives (McGAN, MMD GAN).
    ``spectral_norm`` wraps every linear layer in spectral normalisation."""
    net = MLP(data_dim, out_features, **kwargs)
    if spectral_norm:
        spectral_normalize_layers(net.net, nn.Linear)
    return net


def mlp_generator(latent_dim: int, data_dim: int, **kwargs) -> MLP:
    """An MLP from latent codes ``[B, latent_dim]`` to points ``[B, data_dim]`` (no output
    activation: toy data is unbounded)."""
    return MLP(latent_dim, data_dim, **kwargs)
