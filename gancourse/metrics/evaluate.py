"""All the image metrics in one pass of feature extraction."""

from __future__ import annotations

import torch

from .features import FashionNetFeatures, extract
from .fid import fid
from .inception_score import inception_score
from .kid import kid
from .precision_recall import precision_recall

__all__ = ["evaluate"]


def _images(source, n: int, seed: int) -> torch.Tensor:
    if isinstance(source, torch.Tensor):
        if len(source) < n:
            raise ValueError(
                f"need {n} images, got {len(source)}; pass n={len(source)} or more images"
            )
        return source[:n]
    if hasattr(source, "generate"):  # a GANTrainer
        return source.generate(n, seed=seed)
    if callable(source):
        return source(n)
    raise TypeError("pass images, a GANTrainer, or a function n -> images")


def evaluate(
    generated,
    real_images: torch.Tensor,
    extractor=None,
    n: int = 10_000,
    kid_subset_size: int = 1000,
    with_precision_recall: bool = True,
    seed: int = 0,
    progress: bool = True,
) -> dict[str, float]:
    """FID, KID (mean, std), IS (mean, std, when the extractor has logits) and precision /
    recall of ``generated`` against ``real_images``, on ``n`` images of each.

    ``generated`` is a tensor of images in [-1, 1] (or uint8), a
    :class:`~gancourse.train.GANTrainer` (sampled with a fixed ``seed``), or a function
    ``n -> images``. The extractor defaults to :class:`FashionNetFeatures`.
    """
    extractor = extractor if extractor is not None else FashionNetFeatures()
    fake_features, fake_logits = extract(extractor, _images(generated, n, seed), progress=progress)
    real_features, _ = extract(extractor, _images(real_images, n, seed), progress=progress)
    result = {"fid": fid(real_features, fake_features)}
    result["kid_mean"], result["kid_std"] = kid(
        real_features, fake_features, subset_size=min(kid_subset_size, n // 2), seed=seed
    )
    if fake_logits is not None:
        result["is_mean"], result["is_std"] = inception_score(fake_logits)
    if with_precision_recall:
        result["precision"], result["recall"] = precision_recall(real_features, fake_features)
    return result
