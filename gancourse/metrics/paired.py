r"""Paired image metrics for translation (notebooks 12–13): PSNR and SSIM against the ground
truth, our own implementations, tested against torchmetrics on the same images.

* :func:`psnr` — :math:`10\log_{10}(R^2/\mathrm{MSE})` per image, averaged; R is the data range
  (2 for images in [-1, 1]).
* :func:`ssim` — Wang et al. (2004): local means, variances and covariance under an 11 × 11
  Gaussian window (σ = 1.5), :math:`\frac{(2\mu_x\mu_y + C_1)(2\sigma_{xy} + C_2)}
  {(\mu_x^2 + \mu_y^2 + C_1)(\sigma_x^2 + \sigma_y^2 + C_2)}` with :math:`C_1 = (0.01R)^2`,
  :math:`C_2 = (0.03R)^2`, averaged over positions and images. Which positions is a convention:
  ``padding="valid"`` (the default) averages where the whole window fits in the image, as Wang et
  al.'s reference code and scikit-image do; ``padding="reflect"`` pads by reflection and averages
  every pixel, as torchmetrics' ``structural_similarity_index_measure`` does. Both are tested
  against torchmetrics (the valid one on its full SSIM map, cropped).
* :func:`sharpness` — the mean Sobel gradient magnitude of the outputs over that of the targets:
  1 for images with the real ones' edge energy, below 1 for a blur (what a generator trained on a
  pixel loss alone tends to produce), above 1 for noise or bare outlines: read it with the images.
* :func:`shape_kept` — for unpaired translation, the SSIM of the input's and the output's edge
  maps: does a sneaker turned into a boot keep the sneaker's outline?
"""

from __future__ import annotations

import math

import torch
from torch.nn import functional as F

__all__ = ["psnr", "shape_kept", "sharpness", "ssim"]


def _pair(x: torch.Tensor, y: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    if x.shape != y.shape or x.dim() != 4:
        raise ValueError(
            f"need two image batches of one shape [N, C, H, W], got {tuple(x.shape)} and "
            f"{tuple(y.shape)}"
        )
    return x.double(), y.double()


def psnr(x: torch.Tensor, y: torch.Tensor, data_range: float = 2.0) -> float:
    """Peak signal-to-noise ratio in dB, per image then averaged (inf for identical images)."""
    x, y = _pair(x, y)
    mse = (x - y).pow(2).flatten(1).mean(dim=1)
    return float((10 * torch.log10(data_range**2 / mse)).mean())


def _gaussian_window(size: int, sigma: float, channels: int, device) -> torch.Tensor:
    t = torch.arange(size, dtype=torch.float64, device=device) - (size - 1) / 2
    g = torch.exp(-(t**2) / (2 * sigma**2))
    g = g / g.sum()
    return (g[:, None] * g[None, :]).expand(channels, 1, size, size).contiguous()


def ssim(
    x: torch.Tensor,
    y: torch.Tensor,
    data_range: float = 2.0,
    window: int = 11,
    sigma: float = 1.5,
    padding: str = "valid",
) -> float:
    """Mean structural similarity of two image batches (1 for identical images)."""
    x, y = _pair(x, y)
    if min(x.shape[2:]) < window:
        raise ValueError(
            f"images of {tuple(x.shape[2:])} are smaller than the {window}-pixel window"
        )
    if padding not in ("valid", "reflect"):
        raise ValueError(f"padding must be 'valid' or 'reflect', got {padding!r}")
    if padding == "reflect":
        pad = (window - 1) // 2
        x = F.pad(x, (pad, pad, pad, pad), mode="reflect")
        y = F.pad(y, (pad, pad, pad, pad), mode="reflect")
    c = x.shape[1]
    w = _gaussian_window(window, sigma, c, x.device)

    def blur(t: torch.Tensor) -> torch.Tensor:
        return F.conv2d(t, w, groups=c)

    mu_x, mu_y = blur(x), blur(y)
    var_x = blur(x * x) - mu_x**2
    var_y = blur(y * y) - mu_y**2
    cov = blur(x * y) - mu_x * mu_y
    c1, c2 = (0.01 * data_range) ** 2, (0.03 * data_range) ** 2
    index = ((2 * mu_x * mu_y + c1) * (2 * cov + c2)) / (
        (mu_x**2 + mu_y**2 + c1) * (var_x + var_y + c2)
    )
    value = float(index.mean())
    if not math.isfinite(value):
        raise ValueError("SSIM is not finite: the images contain NaN or inf")
    return value


def shape_kept(inputs: torch.Tensor, outputs: torch.Tensor, threshold: float = 0.5) -> float:
    """How much of the input's shape a translation keeps (notebook 13): the SSIM of the two
    images' edge maps (:func:`~gancourse.datasets.edge_maps`, as 0/1 images, data range 1).
    1 when the outlines coincide; near 0 for unrelated outlines. Takes uint8 or [-1, 1] images."""
    from ..datasets.sampler import to_uint8
    from ..datasets.translation import edge_maps

    def outline(images: torch.Tensor) -> torch.Tensor:
        images = images if images.dtype == torch.uint8 else to_uint8(images)
        return edge_maps(images, threshold).double() / 255.0

    return ssim(outline(inputs), outline(outputs), data_range=1.0)


def sharpness(outputs: torch.Tensor, targets: torch.Tensor) -> float:
    r""":math:`\mathbb E\lVert\nabla \hat y\rVert / \mathbb E\lVert\nabla y\rVert`, the Sobel
    gradient magnitude (as :func:`~gancourse.datasets.edge_maps`, before its threshold) of the
    outputs over that of the targets (float in [-1, 1] or uint8). 1: the targets' edge energy;
    below 1: blurred; above 1: speckled, or outlines without fill (an edge map scores about 1.8)."""
    from ..datasets.translation import sobel_magnitude

    def energy(images: torch.Tensor) -> float:
        x = images.double() / 127.5 - 1 if images.dtype == torch.uint8 else images.double()
        return float(sobel_magnitude(x).mean())

    x, y = outputs.detach(), targets.detach()
    if x.shape != y.shape or x.dim() != 4:
        raise ValueError(
            f"need two image batches of one shape [N, C, H, W], got {tuple(x.shape)} and "
            f"{tuple(y.shape)}"
        )
    return energy(x) / energy(y)
