r"""Class metrics for conditional generators (notebook 11): does G obey the label, and is each
class's distribution right?

* :func:`class_accuracy` — the fraction of samples of class y that FashionNet calls y. Real
  images score FashionNet's own accuracy (0.94 on the test set, 0.95 on the training set): about
  what a generator that matched the data would score; 0.1 is chance.
* :func:`class_histogram` — the share of each predicted class among the samples.
* :func:`intra_fid` — FID within each class (class-y samples against class-y real images) and
  its mean (Miyato & Koyama 2018). A model that draws one good image per class obeys the label
  and scores a high accuracy, but not a low intra-FID.
* :func:`match_codes` — for InfoGAN, which has no labels: the best one-to-one matching of its
  categorical code to FashionNet's classes (the Hungarian assignment on the code × class
  counts), with the accuracy under that matching and the purity (each code's commonest class).
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np
import torch

from .features import FashionNetFeatures, extract
from .fid import fid

__all__ = [
    "CodeMatch",
    "IntraFID",
    "by_class",
    "class_accuracy",
    "class_conditional_samples",
    "class_histogram",
    "conditional_scores",
    "infogan_bound_on",
    "infogan_samples",
    "intra_fid",
    "match_codes",
    "predicted_classes",
]


def predicted_classes(images: torch.Tensor, extractor=None) -> torch.Tensor:
    """FashionNet's class for each image (in [-1, 1] or uint8), int64 ``[N]``."""
    extractor = extractor if extractor is not None else FashionNetFeatures()
    _, logits = extract(extractor, images)
    if logits is None:
        raise ValueError(f"the {extractor.name} extractor has no class logits: use FashionNet")
    return logits.argmax(dim=1)


def _labels(labels: torch.Tensor, n: int, what: str) -> torch.Tensor:
    if not isinstance(labels, torch.Tensor) or labels.shape != (n,):
        shape = tuple(labels.shape) if isinstance(labels, torch.Tensor) else type(labels).__name__
        raise ValueError(f"{what} must be a tensor of {n} class indices, got {shape}")
    return labels.long()


def class_accuracy(predicted: torch.Tensor, labels: torch.Tensor) -> float:
    """The fraction of samples whose predicted class is the label they were generated with."""
    if len(predicted) == 0:
        raise ValueError("no samples to score")
    labels = _labels(labels, len(predicted), "labels")
    return float((predicted.long() == labels.to(predicted.device)).double().mean())


def class_histogram(predicted: torch.Tensor, num_classes: int) -> torch.Tensor:
    """The share of each class among the predictions, float64 ``[num_classes]`` (sums to 1)."""
    if len(predicted) == 0:
        raise ValueError("no samples to count")
    counts = torch.bincount(predicted.long().cpu(), minlength=num_classes)
    if len(counts) > num_classes:
        raise ValueError(f"a predicted class lies outside [0, {num_classes})")
    return counts.double() / counts.sum()


class IntraFID(NamedTuple):
    """FID within each class and its mean over the classes."""

    per_class: list[float]
    mean: float


def intra_fid(
    fake_features: torch.Tensor,
    fake_labels: torch.Tensor,
    real_features: torch.Tensor,
    real_labels: torch.Tensor,
    num_classes: int,
) -> IntraFID:
    r"""Intra-FID: :math:`\mathrm{FID}_y` between the features of the samples generated with
    label y and those of the real images of class y, for each class, and their mean.

    Each class needs at least two samples on each side; with few per class FID is biased
    upwards (as every FID is), so compare runs only at equal numbers, against real-vs-real."""
    fake_labels = _labels(fake_labels, len(fake_features), "fake_labels").to(fake_features.device)
    real_labels = _labels(real_labels, len(real_features), "real_labels").to(real_features.device)
    scores = []
    for y in range(num_classes):
        fake_y, real_y = fake_features[fake_labels == y], real_features[real_labels == y]
        if len(fake_y) < 2 or len(real_y) < 2:
            raise ValueError(
                f"class {y} has {len(fake_y)} generated and {len(real_y)} real samples; intra-FID "
                "needs at least 2 of each: generate more per class"
            )
        scores.append(fid(real_y, fake_y))
    return IntraFID(scores, float(np.mean(scores)))


class CodeMatch(NamedTuple):
    """How InfoGAN's categorical code lines up with the classes.

    ``mapping[c]`` is the class matched to code c; ``accuracy`` the fraction of samples whose
    class is their code's match (one class per code); ``purity`` the fraction in their code's
    commonest class (codes may share a class); ``counts`` the code × class table."""

    mapping: list[int]
    accuracy: float
    purity: float
    counts: np.ndarray


def match_codes(codes: torch.Tensor, predicted: torch.Tensor, num_classes: int) -> CodeMatch:
    """The Hungarian matching of code values to classes that agrees with the most samples."""
    from scipy.optimize import linear_sum_assignment

    if len(predicted) == 0:
        raise ValueError("no samples to match")
    codes = _labels(codes, len(predicted), "codes").cpu().numpy()
    classes = predicted.long().cpu().numpy()
    n_codes = int(codes.max()) + 1
    counts = np.zeros((max(n_codes, num_classes), num_classes), dtype=np.int64)
    np.add.at(counts, (codes, classes), 1)
    rows, cols = linear_sum_assignment(counts, maximize=True)
    mapping = [-1] * n_codes
    for r, c in zip(rows, cols, strict=True):
        if r < n_codes:
            mapping[r] = int(c)
    total = counts.sum()
    return CodeMatch(
        mapping,
        float(counts[rows, cols].sum() / total),
        float(counts.max(axis=1).sum() / total),
        counts[:n_codes],
    )


# ----------------------------------------------------------------------------- a trainer's scores
def class_conditional_samples(
    trainer, per_class: int, seed: int, ema: bool | None = None
) -> tuple[torch.Tensor, torch.Tensor]:
    """``per_class`` samples of every class from a conditional trainer, ``(images, labels)``,
    the classes in turn (0, 1, …, K−1, 0, 1, …).

    In turn, not class by class: the generator runs in training mode, so its batch norm
    normalises each batch with that batch's statistics, and in training every batch mixed the
    classes. A batch of one class is an input G never saw (for a G that adds a label embedding
    to z, the first batch norm would even remove the label's offset). Sort afterwards to show
    one class per row (:func:`by_class`)."""
    if not trainer.conditional:
        raise ValueError("class-conditional samples need a conditional run (num_classes > 0)")
    k = trainer.config.num_classes
    labels = torch.arange(k, device=trainer.device).repeat(per_class)
    return trainer.generate_with_labels(len(labels), ema, seed, labels)


def by_class(images: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
    """The images reordered class by class (stable: the order within a class is kept)."""
    return images[torch.argsort(labels.to(images.device), stable=True)]


def infogan_samples(
    trainer, per_code: int, seed: int, ema: bool | None = None
) -> tuple[torch.Tensor, torch.Tensor]:
    """``per_code`` samples of every value of an InfoGAN's categorical code, the values in turn
    as in :func:`class_conditional_samples` (the rest of z drawn with ``seed``):
    ``(images, codes)``."""
    objective = trainer.objective
    if not hasattr(objective, "with_codes"):
        raise ValueError(f"code samples need an InfoGAN run, not {type(objective).__name__}")
    codes = torch.arange(objective.n_categories, device=trainer.device).repeat(per_code)
    rng = torch.Generator(device=trainer.device)
    rng.manual_seed(seed)
    z = objective.sample_latent(len(codes), trainer.latent_dim, rng, trainer.device)
    z = objective.with_codes(z, codes)
    return trainer.generate(len(codes), ema, latent=z), codes


def conditional_scores(
    trainer,
    real_images: torch.Tensor | None,
    real_labels: torch.Tensor | None,
    per_class: int = 100,
    seed: int = 0,
    ema: bool | None = None,
    extractor=None,
    with_intra_fid: bool = True,
) -> dict:
    """The class metrics of a conditional run — ``accuracy``, ``histogram`` and (with
    ``with_intra_fid``) ``intra_fid`` per class and ``intra_fid_mean`` against ``real_images``,
    which may be ``None`` without it — or, for an InfoGAN run, the code's match to FashionNet's
    classes (``code_accuracy``, ``code_purity``, ``mapping``) and the information term
    (``info_bound`` against ``info_ceiling``), on ``per_class`` samples per class or code value."""
    extractor = extractor if extractor is not None else FashionNetFeatures(trainer.device)
    if trainer.conditional:
        images, labels = class_conditional_samples(trainer, per_class, seed, ema)
        features, logits = extract(extractor, images)
        predicted = logits.argmax(dim=1)
        k = trainer.config.num_classes
        scores = {
            "accuracy": class_accuracy(predicted, labels),
            "histogram": class_histogram(predicted, k).tolist(),
        }
        if with_intra_fid:
            if real_images is None or real_labels is None:
                raise ValueError("intra-FID needs the real images and their labels")
            real_features, _ = extract(extractor, real_images)
            within = intra_fid(features, labels, real_features, real_labels, k)
            scores.update(intra_fid=within.per_class, intra_fid_mean=within.mean)
        return scores
    images, codes = infogan_samples(trainer, per_class, seed, ema)
    predicted = predicted_classes(images, extractor)
    match = match_codes(codes, predicted, trainer.objective.n_categories)
    return {
        "code_accuracy": match.accuracy,
        "code_purity": match.purity,
        "mapping": match.mapping,
        "histogram": class_histogram(predicted, match.counts.shape[1]).tolist(),
        "info_bound": infogan_bound_on(trainer, images, codes),
        "info_ceiling": math.log(trainer.objective.n_categories),
    }


@torch.no_grad()
def infogan_bound_on(trainer, images: torch.Tensor, codes: torch.Tensor) -> float:
    r"""InfoGAN's categorical bound :math:`\mathbb E[\log Q(c \mid x)] + \ln K` of the run's Q on
    ``images`` generated with ``codes`` (at most :math:`\ln K`), in batches of the run's size;
    D's batch-norm buffers are left as they were."""
    from ..conditional_losses import infogan_categorical_bound
    from ..train import preserved_buffers

    size, logits = trainer.config.batch_size, []
    with preserved_buffers(trainer.D):
        for start in range(0, len(images), size):
            logits.append(trainer.D(images[start : start + size].to(trainer.device)).aux.logits)
    return float(infogan_categorical_bound(torch.cat(logits), codes.to(trainer.device)))
