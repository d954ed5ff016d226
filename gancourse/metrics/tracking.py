"""FID during training: a :class:`~gancourse.train.GANTrainer` callback with cached real statistics."""

from __future__ import annotations

import torch

from .features import FashionNetFeatures, extract
from .fid import feature_statistics, fid_from_stats

__all__ = ["FIDTracker"]


class FIDTracker:
    """``tracker(trainer) -> FID`` of ``n`` generated samples against fixed real images.

    The real images' feature mean and covariance are computed once, on first use; each call
    then costs ``n`` generated samples through the extractor. Samples come from
    ``trainer.generate(n, seed=seed, ema=ema)``: a fixed noise seed makes successive values
    comparable, and the trainer's random stream is left alone.

    FID is biased upwards at small ``n`` (the bias shrinks like 1/n): compare values only at
    the same ``n``; 10,000 against the 10,000 test images is the standard.

    Args:
        real_images: ``uint8`` or [-1, 1] images ``[N, C, H, W]``, e.g. the test split.
        n: generated samples per evaluation (all of ``real_images`` give the real statistics).
        extractor: default :class:`~gancourse.metrics.FashionNetFeatures`.
        ema: ``None`` uses the EMA generator when there is one; ``False`` the raw G.
    """

    def __init__(
        self,
        real_images: torch.Tensor,
        n: int = 10_000,
        extractor=None,
        seed: int = 0,
        ema: bool | None = None,
    ) -> None:
        if n < 2:
            raise ValueError(f"n must be >= 2 samples, got {n}")
        self.real_images, self.n, self.seed, self.ema = real_images, n, seed, ema
        self.extractor = extractor
        self._real_stats: tuple[torch.Tensor, torch.Tensor] | None = None

    def _ready(self) -> None:
        if self.extractor is None:
            self.extractor = FashionNetFeatures()
        if self._real_stats is None:
            features, _ = extract(self.extractor, self.real_images)
            self._real_stats = feature_statistics(features)

    def real_statistics(self) -> tuple[torch.Tensor, torch.Tensor]:
        """The cached (mean, covariance) of the real features, float64."""
        self._ready()
        return self._real_stats

    def share_real_statistics(self, other: FIDTracker) -> FIDTracker:
        """Use ``other``'s extractor and cached real statistics (same real images); returns self."""
        self.extractor, self._real_stats = other.extractor, other.real_statistics()
        return self

    def __call__(self, trainer) -> float:
        self._ready()
        images = trainer.generate(self.n, seed=self.seed, ema=self.ema)
        features, _ = extract(self.extractor, images)
        return fid_from_stats(*self._real_stats, *feature_statistics(features))
