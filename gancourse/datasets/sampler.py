"""Batches of real images drawn on the device, with no DataLoader.

Fashion-MNIST's 60,000 training images are 47 MB as ``uint8``: they fit on any GPU, so
the whole split moves to the device once, and each batch is one random index and one
scaling kernel on the device. There is no worker process, no host→device copy per step
and no Python loop over samples; a training step can even be captured in a CUDA graph.
"""

from __future__ import annotations

import torch

__all__ = ["ImageSampler", "to_unit_range", "to_uint8"]


def to_unit_range(images: torch.Tensor) -> torch.Tensor:
    r"""``uint8`` pixels 0 … 255 → float in [-1, 1]: :math:`x = p / 127.5 - 1`
    (the range of a ``tanh`` generator)."""
    if images.dtype != torch.uint8:
        raise TypeError(f"expected uint8 pixels in 0..255, got {images.dtype}")
    return images.float().div_(127.5).sub_(1.0)


def to_uint8(images: torch.Tensor) -> torch.Tensor:
    """Float images in [-1, 1] → ``uint8`` 0 … 255 (clamped, rounded), the inverse of
    :func:`to_unit_range` up to rounding."""
    return ((images.detach().clamp(-1, 1) + 1) * 127.5).round().to(torch.uint8)


class ImageSampler:
    """Random batches from an image tensor held on the device.

    Args:
        images: ``uint8 [N, C, H, W]`` (as returned by :func:`fashion_mnist`).
        labels: optional ``int64 [N]``, returned with the batch by :meth:`sample_with_labels`.
        device: where to hold the data and draw batches (default: :func:`gancourse.device`).
        seed: seeds the sampler's own generator, which lives on ``device``; the same seed
            gives the same batches on the same device.

    Batches are drawn uniformly *with* replacement, the usual choice for GAN training
    (no epochs to track); :meth:`sample` returns float32 in [-1, 1].
    """

    def __init__(
        self,
        images: torch.Tensor,
        labels: torch.Tensor | None = None,
        device: torch.device | str | None = None,
        seed: int = 0,
    ) -> None:
        if images.dtype != torch.uint8 or images.dim() != 4:
            raise ValueError(
                f"images must be uint8 [N, C, H, W], got {images.dtype} {tuple(images.shape)}; "
                "pass the images returned by fashion_mnist()"
            )
        if labels is not None and labels.shape != (images.shape[0],):
            raise ValueError(
                f"labels must have shape [{images.shape[0]}], got {tuple(labels.shape)}"
            )
        if images.shape[0] == 0:
            raise ValueError("images is empty")
        if device is None:
            from ..config import device as default_device

            device = default_device()
        self.device = torch.device(device)
        self.images = images.to(self.device)
        self.labels = labels.to(self.device) if labels is not None else None
        self.generator = torch.Generator(device=self.device)
        self.generator.manual_seed(seed)

    def __len__(self) -> int:
        return self.images.shape[0]

    def _indices(self, batch_size: int, generator: torch.Generator | None) -> torch.Tensor:
        if batch_size < 1:
            raise ValueError(f"batch_size must be >= 1, got {batch_size}")
        generator = self.generator if generator is None else generator
        return torch.randint(len(self), (batch_size,), generator=generator, device=self.device)

    def sample(self, batch_size: int, generator: torch.Generator | None = None) -> torch.Tensor:
        """A batch ``float32 [B, C, H, W]`` in [-1, 1] on the sampler's device.

        ``generator`` (on the sampler's device) replaces the sampler's own, so that a
        training loop can draw everything from one generator that it checkpoints."""
        return to_unit_range(self.images[self._indices(batch_size, generator)])

    def sample_with_labels(
        self, batch_size: int, generator: torch.Generator | None = None
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """A batch and its labels, ``(float32 [B, C, H, W] in [-1, 1], int64 [B])``."""
        if self.labels is None:
            raise ValueError("this sampler was built without labels; pass labels=...")
        idx = self._indices(batch_size, generator)
        return to_unit_range(self.images[idx]), self.labels[idx]
