import math

import pytest
import torch

from gancourse.datasets import gaussian_mixture_1d, grid, ring, swiss_roll
from gancourse.datasets.toy import GaussianMixture

N = 100_000


def _assign(samples: torch.Tensor, modes: torch.Tensor) -> torch.Tensor:
    return torch.cdist(samples.double(), modes).argmin(dim=1)


def test_ring_modes_are_on_the_circle():
    dist = ring()
    assert dist.modes.shape == (8, 2)
    assert torch.allclose(dist.modes.norm(dim=1), torch.full((8,), 2.0, dtype=torch.float64))
    assert dist.std == 0.02
    # consecutive modes are 2π/8 apart
    angles = torch.atan2(dist.modes[:, 1], dist.modes[:, 0])
    gaps = torch.diff(torch.sort(angles).values)
    assert torch.allclose(gaps, torch.full((7,), 2 * math.pi / 8, dtype=torch.float64))


def test_grid_modes_cover_minus_four_to_four():
    dist = grid()
    assert dist.modes.shape == (25, 2)
    assert dist.std == 0.05
    assert sorted(set(dist.modes[:, 0].tolist())) == [-4.0, -2.0, 0.0, 2.0, 4.0]
    assert sorted(set(dist.modes[:, 1].tolist())) == [-4.0, -2.0, 0.0, 2.0, 4.0]


@pytest.mark.parametrize("make", [ring, grid])
def test_mixture_samples_match_modes_weights_and_std(make):
    dist = make()
    g = torch.Generator().manual_seed(0)
    x = dist.sample(N, generator=g)
    assert x.shape == (N, 2) and x.dtype == torch.float32
    k = _assign(x, dist.modes)
    counts = torch.bincount(k, minlength=dist.n_modes).double()
    # each mode gets N/K samples up to binomial noise (5 standard errors)
    p = 1 / dist.n_modes
    assert (counts / N - p).abs().max() < 5 * math.sqrt(p * (1 - p) / N)
    offsets = x.double() - dist.modes[k]
    for j in range(dist.n_modes):
        # the mean of each cluster is its mode, to 5 standard errors of the mean
        cluster = offsets[k == j]
        assert cluster.mean(dim=0).abs().max() < 5 * dist.std / math.sqrt(len(cluster))
    empirical_std = offsets.std(dim=0)
    assert ((empirical_std / dist.std) - 1).abs().max() < 0.05


def test_sampling_is_reproducible_with_a_generator():
    dist = ring()
    a = dist.sample(1000, generator=torch.Generator().manual_seed(7))
    b = dist.sample(1000, generator=torch.Generator().manual_seed(7))
    c = dist.sample(1000, generator=torch.Generator().manual_seed(8))
    assert torch.equal(a, b)
    assert not torch.equal(a, c)


def test_sample_device_and_dtype():
    x = grid().sample(10, device="cpu", dtype=torch.float64)
    assert x.device.type == "cpu" and x.dtype == torch.float64
    assert ring().sample(0).shape == (0, 2)
    with pytest.raises(ValueError, match="n must be"):
        ring().sample(-1)


def test_1d_mixture_weights_density_and_samples():
    dist = gaussian_mixture_1d([-2.0, 3.0], [0.5, 1.0], [0.3, 0.7])
    assert dist.dim == 1 and dist.modes.shape == (2, 1)
    with pytest.raises(ValueError, match="different stds"):
        _ = dist.std
    xs = torch.linspace(-10, 12, 20_001, dtype=torch.float64)
    density = dist.pdf(xs)
    assert torch.trapezoid(density, xs).item() == pytest.approx(1.0, abs=1e-9)
    # the density at a point equals the weighted sum of normal densities
    x0 = torch.tensor([0.4], dtype=torch.float64)
    expected = sum(
        w * math.exp(-0.5 * ((0.4 - m) / s) ** 2) / (s * math.sqrt(2 * math.pi))
        for w, m, s in [(0.3, -2.0, 0.5), (0.7, 3.0, 1.0)]
    )
    assert dist.pdf(x0).item() == pytest.approx(expected, rel=1e-12)
    x = dist.sample(N, generator=torch.Generator().manual_seed(1))
    assert x.shape == (N, 1)
    mean = 0.3 * -2.0 + 0.7 * 3.0
    var = 0.3 * (0.25 + 4.0) + 0.7 * (1.0 + 9.0) - mean**2
    assert x.double().mean().item() == pytest.approx(mean, abs=5 * math.sqrt(var / N))
    assert (x > 0.5).double().mean().item() == pytest.approx(0.7, abs=0.01)


def test_mixture_rejects_bad_parameters():
    with pytest.raises(ValueError, match="positive"):
        GaussianMixture([[0.0, 0.0]], 0.0)
    with pytest.raises(ValueError, match="one entry per mode"):
        GaussianMixture([[0.0], [1.0]], [1.0, 1.0, 1.0])
    with pytest.raises(ValueError, match="weights"):
        GaussianMixture([[0.0], [1.0]], 1.0, [-1.0, 2.0])
    with pytest.raises(ValueError, match="shape"):
        GaussianMixture(torch.zeros(0, 2), 1.0)
    with pytest.raises(ValueError, match="x must have shape"):
        ring().log_prob(torch.zeros(3, 3))


def test_swiss_roll_lies_on_its_curve():
    dist = swiss_roll(noise=0.0)
    assert dist.modes is None
    x = dist.sample(5000, generator=torch.Generator().manual_seed(0)).double() * dist.scale
    # without noise every point is (t cos t, t sin t) with t = |x| in [1.5π, 4.5π]
    t = x.norm(dim=1)
    assert t.min() >= 1.5 * math.pi - 1e-4 and t.max() <= 4.5 * math.pi + 1e-4
    assert torch.allclose(x[:, 0], t * torch.cos(t), atol=1e-4)
    assert torch.allclose(x[:, 1], t * torch.sin(t), atol=1e-4)


def test_swiss_roll_noise_std():
    dist = swiss_roll()
    assert dist.std == pytest.approx(0.25 / 7.5)
    g = torch.Generator().manual_seed(3)
    clean_gen = torch.Generator().manual_seed(3)
    noisy = dist.sample(N, generator=g).double()
    clean = swiss_roll(noise=0.0).sample(N, generator=clean_gen).double()
    # same u stream, so the difference is exactly the scaled noise
    residual = noisy - clean
    assert ((residual.std(dim=0) / dist.std) - 1).abs().max() < 0.05
