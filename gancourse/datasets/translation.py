r"""Translation tasks built from Fashion-MNIST (notebooks 12–13, in progress), deterministic.

* **Paired** (pix2pix): :func:`edge_maps` turns each garment into a binary edge map — the Sobel
  gradient magnitude of the image (in [0, 1]), thresholded — and :func:`edges2fmnist` pairs every
  image with its own map, edges → garment, from the train or test split.
* **Unpaired** (CycleGAN): :func:`unpaired_domains` takes two classes (sneakers and ankle boots by
  default), each shuffled on its own with a fixed seed, so no image of one domain is paired with
  one of the other.

Images are padded from 28 × 28 to 32 × 32 with zeros (the background), so that a U-Net of depth 5
can halve them down to 1 × 1.
"""

from __future__ import annotations

from typing import NamedTuple

import torch
from torch.nn import functional as F

from .fashion import CLASS_NAMES, fashion_mnist

__all__ = ["PairedImages", "edge_maps", "edges2fmnist", "pad_to_32", "unpaired_domains"]

SOBEL_X = torch.tensor([[-1.0, 0.0, 1.0], [-2.0, 0.0, 2.0], [-1.0, 0.0, 1.0]])


def pad_to_32(images: torch.Tensor) -> torch.Tensor:
    """uint8 ``[N, C, 28, 28]`` → ``[N, C, 32, 32]``, two pixels of background on every side."""
    if images.dtype != torch.uint8 or images.dim() != 4 or tuple(images.shape[2:]) != (28, 28):
        raise ValueError(
            f"expected uint8 images [N, C, 28, 28] (as fashion_mnist returns), got "
            f"{images.dtype} {tuple(images.shape)}"
        )
    return F.pad(images, (2, 2, 2, 2))


def edge_maps(images: torch.Tensor, threshold: float = 0.5) -> torch.Tensor:
    r"""Binary edge maps, uint8 in {0, 255}: where the Sobel gradient magnitude of the image
    (scaled to [0, 1]) exceeds ``threshold``,

    .. math:: \lVert\nabla I\rVert = \sqrt{(S_x * I)^2 + (S_y * I)^2},\qquad
              S_x = \begin{pmatrix}-1&0&1\\-2&0&2\\-1&0&1\end{pmatrix},\; S_y = S_x^\top,

    with zero padding (the background is 0 anyway). A fixed operator: the same images give the
    same maps on every machine."""
    if images.dtype != torch.uint8 or images.dim() != 4:
        raise ValueError(f"expected uint8 images [N, C, H, W], got {images.dtype} {images.shape}")
    if not 0 < threshold < 4 * 2**0.5:
        raise ValueError(f"threshold must lie in (0, 4√2), the magnitude's range; got {threshold}")
    x = images.double() / 255.0
    c = x.shape[1]
    kx = SOBEL_X.double().view(1, 1, 3, 3).repeat(c, 1, 1, 1)
    gx = F.conv2d(x, kx, padding=1, groups=c)
    gy = F.conv2d(x, kx.transpose(2, 3), padding=1, groups=c)
    return ((gx.pow(2) + gy.pow(2)).sqrt() > threshold).to(torch.uint8) * 255


class PairedImages(NamedTuple):
    """Aligned pairs: ``inputs[i]`` is translated into ``targets[i]``; ``labels[i]`` its class."""

    inputs: torch.Tensor
    targets: torch.Tensor
    labels: torch.Tensor


def edges2fmnist(split: str = "train", threshold: float = 0.5, root=None) -> PairedImages:
    """Edge map → garment pairs from a Fashion-MNIST split, 32 × 32 uint8 (see :func:`edge_maps`)."""
    images, labels = fashion_mnist(split, root=root)
    targets = pad_to_32(images)
    return PairedImages(edge_maps(targets, threshold), targets, labels)


def unpaired_domains(
    class_a: str = "Sneaker",
    class_b: str = "Ankle boot",
    split: str = "train",
    seed: int = 0,
    root=None,
) -> tuple[torch.Tensor, torch.Tensor]:
    """The images of two classes, 32 × 32 uint8, each domain shuffled on its own (``seed``), so
    that the i-th image of A has nothing to do with the i-th of B."""
    for name in (class_a, class_b):
        if name not in CLASS_NAMES:
            raise ValueError(f"unknown class {name!r}; the classes: {', '.join(CLASS_NAMES)}")
    if class_a == class_b:
        raise ValueError(f"the two domains must be different classes, got {class_a!r} twice")
    images, labels = fashion_mnist(split, root=root)
    g = torch.Generator().manual_seed(seed)
    domains = []
    for name in (class_a, class_b):
        chosen = pad_to_32(images[labels == CLASS_NAMES.index(name)])
        domains.append(chosen[torch.randperm(len(chosen), generator=g)])
    return domains[0], domains[1]
