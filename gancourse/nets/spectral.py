"""Spectral normalisation of a network's layers (Miyato et al. 2018)."""

from __future__ import annotations

from torch import nn
from torch.nn.utils.parametrizations import spectral_norm

__all__ = ["spectral_normalize_layers"]


def spectral_normalize_layers(net: nn.Sequential, layer_type: type[nn.Module]) -> None:
    r"""Wrap every layer of ``net`` that is a ``layer_type`` (``nn.Linear``, ``nn.Conv2d``) in
    spectral normalisation, in place: the layer then uses :math:`W / \sigma(W)`, with
    :math:`\sigma(W)` estimated by one round of power iteration per training forward pass
    (``torch.nn.utils.parametrizations.spectral_norm``; notebook 06 checks it)."""
    for i, layer in enumerate(net):
        if isinstance(layer, layer_type):
            net[i] = spectral_norm(layer)
