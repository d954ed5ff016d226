r"""Translation tasks built from Fashion-MNIST (notebooks 12–13), deterministic.

* **Paired** (pix2pix): :func:`edge_maps` turns each garment into a binary edge map — the Sobel
  gradient magnitude of the image (in [0, 1]), thresholded — and :func:`edges2fmnist` pairs every
  image with its own map, edges → garment, from the train or test split.
* **Unpaired** (CycleGAN): :func:`unpaired_domains` takes two classes (sneakers and ankle boots by
  default), each shuffled on its own with a fixed seed, so no image of one domain is paired with
  one of the other.

Images are padded from 28 × 28 to 32 × 32 with zeros (the background), so that a U-Net of depth 5
can halve them down to 1 × 1.

The training loop reads them through :class:`PairedSampler` (a target batch and its inputs, drawn
together) and :class:`UnpairedSampler` (one image of each domain, drawn independently, stacked
along the channels), both on the device like :class:`~gancourse.datasets.ImageSampler`.
"""

from __future__ import annotations

from typing import NamedTuple

import torch
from torch.nn import functional as F

from .fashion import CLASS_NAMES, fashion_mnist
from .sampler import to_unit_range

__all__ = [
    "PairedImages",
    "PairedSampler",
    "UnpairedSampler",
    "edge_maps",
    "edges2fmnist",
    "pad_to_32",
    "sobel_magnitude",
    "unpaired_domains",
]

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
    return (sobel_magnitude(images.double() / 255.0) > threshold).to(torch.uint8) * 255


def sobel_magnitude(x: torch.Tensor) -> torch.Tensor:
    r""":math:`\sqrt{(S_x * x)^2 + (S_y * x)^2}` per channel, zero padding, same shape as ``x``
    (float ``[N, C, H, W]``); :func:`edge_maps` thresholds it, and
    :func:`gancourse.metrics.paired.sharpness` averages it."""
    c = x.shape[1]
    kx = SOBEL_X.to(x).view(1, 1, 3, 3).repeat(c, 1, 1, 1)
    gx = F.conv2d(x, kx, padding=1, groups=c)
    gy = F.conv2d(x, kx.transpose(2, 3), padding=1, groups=c)
    return (gx.pow(2) + gy.pow(2)).sqrt()


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


def _on_device(images: torch.Tensor, what: str, device) -> torch.Tensor:
    if images.dtype != torch.uint8 or images.dim() != 4 or len(images) == 0:
        raise ValueError(
            f"{what} must be a non-empty uint8 batch [N, C, H, W], got {images.dtype} "
            f"{tuple(images.shape)}"
        )
    if device is None:
        from ..config import device as default_device

        device = default_device()
    return images.to(device)


class PairedSampler:
    """Random aligned pairs on the device, for pix2pix: :meth:`sample_with_labels` returns a batch
    of targets and, as its "labels", the inputs of the same pairs (float in [-1, 1]).

    Args:
        pairs: a :class:`PairedImages` (uint8 inputs and targets of one shape).
        device: where to hold the data (default :func:`gancourse.device`).
    """

    def __init__(self, pairs: PairedImages, device=None) -> None:
        if pairs.inputs.shape[0] != pairs.targets.shape[0]:
            raise ValueError(
                f"{len(pairs.inputs)} inputs but {len(pairs.targets)} targets: pairs come in twos"
            )
        self.inputs = _on_device(pairs.inputs, "inputs", device)
        self.targets = _on_device(pairs.targets, "targets", device)
        self.labels = pairs.labels.to(self.inputs.device)  # the classes, for FashionNet's check
        self.device = self.inputs.device
        self.images = self.targets  # what an image sampler calls its images (shapes, FID)

    def __len__(self) -> int:
        return len(self.targets)

    def sample(self, n: int, generator: torch.Generator | None = None) -> torch.Tensor:
        """``n`` targets, float in [-1, 1]."""
        return self.sample_with_labels(n, generator)[0]

    def sample_with_labels(
        self, n: int, generator: torch.Generator | None = None
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """``(targets, inputs)`` of ``n`` pairs drawn with replacement: ``inputs[i]`` is
        translated into ``targets[i]``."""
        idx = torch.randint(len(self), (n,), generator=generator, device=self.device)
        return to_unit_range(self.targets[idx]), to_unit_range(self.inputs[idx])


class UnpairedSampler:
    """Two domains on the device, for CycleGAN. A sample is one image of A and one of B, drawn
    independently and stacked along the channels, ``[n, 2C, H, W]`` = ``[a | b]``; it is also its
    own input (``sample_with_labels`` returns it twice), since CycleGAN's generators translate
    the real images of both domains.
    """

    def __init__(self, domain_a: torch.Tensor, domain_b: torch.Tensor, device=None) -> None:
        self.domain_a = _on_device(domain_a, "domain A", device)
        self.domain_b = _on_device(domain_b, "domain B", device)
        if self.domain_a.shape[1:] != self.domain_b.shape[1:]:
            raise ValueError(
                f"the two domains must have one image shape, got {tuple(domain_a.shape[1:])} and "
                f"{tuple(domain_b.shape[1:])}"
            )
        self.device = self.domain_a.device
        self.channels = self.domain_a.shape[1]

    def sample(self, n: int, generator: torch.Generator | None = None) -> torch.Tensor:
        """``[a | b]``: ``n`` images of each domain, drawn independently, float in [-1, 1]."""
        ia = torch.randint(len(self.domain_a), (n,), generator=generator, device=self.device)
        ib = torch.randint(len(self.domain_b), (n,), generator=generator, device=self.device)
        return torch.cat([to_unit_range(self.domain_a[ia]), to_unit_range(self.domain_b[ib])], 1)

    def sample_with_labels(
        self, n: int, generator: torch.Generator | None = None
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """The sample and its input, which is the sample itself."""
        x = self.sample(n, generator)
        return x, x
