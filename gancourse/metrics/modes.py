r"""Mode coverage on toy mixtures: the protocol of VEEGAN (Srivastava et al. 2017) and
PacGAN (Lin et al. 2018).

Draw 2,500 generated samples and compare them with the true mixture:

* a sample is **high quality** if it lies within 3 standard deviations of its nearest mode;
* a mode is **captured** if it is the nearest mode of at least one high-quality sample;
* the **reverse KL** compares the histogram :math:`\hat p` of nearest modes over the
  high-quality samples with the uniform distribution over the :math:`K` modes,
  :math:`\mathrm{KL}(\hat p\,\|\,U) = \sum_k \hat p_k \log(K \hat p_k)` — 0 for a perfectly
  balanced generator, :math:`\log K` when everything falls on one mode.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch

__all__ = ["ModeCoverage", "mode_coverage"]

PROTOCOL_SAMPLES = 2500
"""The number of generated samples the protocol evaluates."""


@dataclass(frozen=True)
class ModeCoverage:
    """The three numbers of the protocol, and the histogram behind them."""

    modes_captured: int
    n_modes: int
    high_quality: float  # fraction of samples within `threshold` std of their nearest mode
    reverse_kl: float  # KL(histogram of high-quality samples' modes || uniform)
    counts: tuple[int, ...]  # high-quality samples nearest to each mode

    def __str__(self) -> str:
        return (
            f"{self.modes_captured}/{self.n_modes} modes, {100 * self.high_quality:.1f}% high quality, "
            f"reverse KL {self.reverse_kl:.3f}"
        )


def mode_coverage(samples: torch.Tensor, dist, threshold: float = 3.0) -> ModeCoverage:
    """Mode coverage of ``samples`` ``[n, d]`` against a mixture ``dist`` (which knows its
    ``modes`` ``[K, d]`` and common ``std``).

    The protocol uses 2,500 samples; other counts are accepted (the fractions stay
    comparable, the number of captured modes does not). With no high-quality sample at
    all the histogram is undefined and the reverse KL is reported as ``inf``.
    """
    modes = getattr(dist, "modes", None)
    if modes is None:
        raise ValueError(f"{dist!r} has no modes to cover (a swiss roll is a curve, not a mixture)")
    if samples.dim() != 2 or samples.shape[1] != modes.shape[1]:
        raise ValueError(
            f"samples must be [n, {modes.shape[1]}] like the modes, got {tuple(samples.shape)}"
        )
    if samples.shape[0] == 0:
        raise ValueError("no samples given; the protocol draws 2,500")
    if not bool(torch.isfinite(samples).all()):
        raise ValueError("samples contain NaN or inf: the generator diverged")
    x = samples.detach().to(dtype=torch.float64)
    distances = torch.cdist(x, modes.to(x.device))  # [n, K]
    nearest_distance, nearest = distances.min(dim=1)
    good = nearest_distance <= threshold * dist.std
    k = modes.shape[0]
    counts = torch.bincount(nearest[good], minlength=k).cpu()
    n_good = int(counts.sum())
    if n_good == 0:
        reverse_kl = math.inf
    else:
        p = counts.double() / n_good
        reverse_kl = float(torch.xlogy(p, p * k).sum())
    return ModeCoverage(
        modes_captured=int((counts > 0).sum()),
        n_modes=k,
        high_quality=n_good / x.shape[0],
        reverse_kl=max(reverse_kl, 0.0),
        counts=tuple(int(c) for c in counts),
    )
