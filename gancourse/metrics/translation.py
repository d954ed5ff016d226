r"""Scores of the translation models (notebooks 12–13), on the test split.

**Paired** (pix2pix, :func:`paired_scores`): against the ground truth, the mean absolute error
(L1, on [-1, 1] pixels), PSNR, SSIM and the sharpness ratio (:mod:`gancourse.metrics.paired`); FashionNet's accuracy on
the outputs against the classes of the pairs (does the edge map of a bag become a bag?); and the
FashionNet-FID of the outputs to the targets (sharpness and variety: a blurry mean image scores a
good L1 and a bad FID).

**Unpaired** (CycleGAN, :func:`unpaired_scores`), in each direction: the fraction of translated
images FashionNet assigns to the target class; the FashionNet-FID to the target domain's test
images; the cycle error :math:`\mathbb E|F(G(a)) - a|`; and the shape kept, the SSIM of the
edge maps of input and output (:func:`~gancourse.metrics.paired.shape_kept`).

The images are 32 × 32 (padded Fashion-MNIST); FashionNet reads the central 28 × 28.
"""

from __future__ import annotations

import torch

from .features import _as_unit_range, extract
from .fid import fid
from .paired import psnr, shape_kept, sharpness, ssim

__all__ = ["crop_to_28", "paired_scores", "translate", "unpaired_scores"]


def crop_to_28(images: torch.Tensor) -> torch.Tensor:
    """``[N, C, 32, 32]`` → the central ``[N, C, 28, 28]`` (undoes :func:`pad_to_32`)."""
    if images.dim() != 4 or tuple(images.shape[2:]) != (32, 32):
        raise ValueError(f"expected 32 × 32 images [N, C, 32, 32], got {tuple(images.shape)}")
    return images[:, :, 2:30, 2:30]


def _float(images: torch.Tensor) -> torch.Tensor:
    """uint8 or float images as float in [-1, 1], where they are."""
    return _as_unit_range(images, images.device)


def translate(trainer, inputs: torch.Tensor, ema: bool | None = None) -> torch.Tensor:
    """G applied to ``inputs`` (uint8, or float in [-1, 1]) by a paired trainer, in its batches."""
    x = _float(inputs).to(trainer.device)
    return trainer.generate(len(x), ema=ema, labels=x)


def _fashionnet(images: torch.Tensor, extractor) -> tuple[torch.Tensor, torch.Tensor]:
    features, logits = extract(extractor, crop_to_28(_float(images)))
    if logits is None:
        raise ValueError(f"the {extractor.name} extractor has no class logits: use FashionNet")
    return features, logits.argmax(dim=1)


def paired_scores(
    outputs: torch.Tensor, targets: torch.Tensor, labels: torch.Tensor, extractor
) -> dict[str, float]:
    """``l1``, ``psnr``, ``ssim``, ``sharpness`` of ``outputs`` against ``targets`` (one shape; uint8 or float in
    [-1, 1]), FashionNet's ``accuracy`` on the outputs against ``labels``, and the ``fid`` of the
    outputs to the targets (FashionNet features of ``extractor``)."""
    x, y = _float(outputs).cpu(), _float(targets).cpu()
    if x.shape != y.shape:
        raise ValueError(f"outputs {tuple(x.shape)} and targets {tuple(y.shape)} must match")
    if labels.shape != (len(x),):
        raise ValueError(f"need one label per output, got {tuple(labels.shape)} for {len(x)}")
    out_features, predicted = _fashionnet(x, extractor)
    target_features, _ = _fashionnet(y, extractor)
    return {
        "l1": float((x.double() - y.double()).abs().mean()),
        "psnr": psnr(x, y),
        "ssim": ssim(x, y),
        "sharpness": sharpness(x, y),
        "accuracy": float((predicted.cpu() == labels.cpu()).double().mean()),
        "fid": fid(out_features, target_features),
    }


def unpaired_scores(
    trainer,
    domain_a: torch.Tensor,
    domain_b: torch.Tensor,
    class_a: int,
    class_b: int,
    extractor,
    ema: bool | None = None,
) -> dict[str, float]:
    """A CycleGAN trainer's scores on test images of both domains (the same number of each,
    uint8 or float), in each direction: ``a2b.target`` (the share of G(a) that FashionNet calls
    ``class_b``), ``a2b.fid`` (G(a) to the B images), ``a2b.cycle`` (mean |F(G(a)) − a|),
    ``a2b.shape_kept``; and the same for ``b2a``."""
    if len(domain_a) != len(domain_b):
        raise ValueError(
            f"give as many images of A as of B, got {len(domain_a)} and {len(domain_b)}"
        )
    a, b = _float(domain_a).to(trainer.device), _float(domain_b).to(trainer.device)
    c = a.shape[1]
    stacked = torch.cat([a, b], dim=1)
    fakes = translate(trainer, stacked, ema)  # [F(b) | G(a)]
    back = translate(trainer, fakes, ema)  # [F(G(a)) | G(F(b))]
    scores = {}
    for key, real, fake, rec, target, target_class in (
        ("a2b", a, fakes[:, c:], back[:, :c], b, class_b),
        ("b2a", b, fakes[:, :c], back[:, c:], a, class_a),
    ):
        fake_features, predicted = _fashionnet(fake, extractor)
        target_features, _ = _fashionnet(target, extractor)
        scores[f"{key}.target"] = float((predicted == target_class).double().mean())
        scores[f"{key}.fid"] = fid(fake_features, target_features)
        scores[f"{key}.cycle"] = float((rec.double() - real.double()).abs().mean())
        scores[f"{key}.shape_kept"] = shape_kept(real.cpu(), fake.cpu())
    return scores
