import math

import pytest
import torch

from gancourse.datasets import grid, ring, swiss_roll
from gancourse.metrics import mode_coverage


def test_perfect_samples_cover_every_mode_uniformly():
    dist = ring()
    samples = dist.modes.repeat(10, 1)  # every mode ten times, exactly on it
    result = mode_coverage(samples, dist)
    assert (result.modes_captured, result.n_modes, result.high_quality) == (8, 8, 1.0)
    assert result.reverse_kl == pytest.approx(0.0, abs=1e-12)
    assert result.counts == (10,) * 8


def test_collapse_on_one_mode_has_reverse_kl_log_k():
    dist = grid()
    samples = dist.modes[3].repeat(100, 1)
    result = mode_coverage(samples, dist)
    assert result.modes_captured == 1 and result.high_quality == 1.0
    assert result.reverse_kl == pytest.approx(math.log(25), rel=1e-12)


def test_threshold_is_three_standard_deviations():
    dist = ring()  # std 0.02: high quality within 0.06 of a mode
    mode = dist.modes[0]
    inside = mode + torch.tensor([0.059, 0.0], dtype=torch.float64)
    outside = mode + torch.tensor([0.0, 0.061], dtype=torch.float64)
    result = mode_coverage(torch.stack([inside, outside, outside, outside]), dist)
    assert result.high_quality == 0.25 and result.modes_captured == 1


def test_low_quality_samples_capture_nothing():
    dist = ring()
    result = mode_coverage(torch.zeros(50, 2), dist)  # the centre: 2 away from every mode
    assert (result.modes_captured, result.high_quality, result.reverse_kl) == (0, 0.0, math.inf)


def test_unbalanced_histogram_has_the_closed_form_kl():
    dist = ring()
    counts = [4, 2, 1, 1, 0, 0, 0, 0]
    samples = torch.cat([dist.modes[k].repeat(c, 1) for k, c in enumerate(counts)])
    result = mode_coverage(samples, dist)
    p = [c / 8 for c in counts if c]
    assert result.modes_captured == 4
    assert result.reverse_kl == pytest.approx(sum(q * math.log(8 * q) for q in p), rel=1e-12)


def test_true_samples_score_well():
    dist = ring()
    result = mode_coverage(dist.sample(2500, generator=torch.Generator().manual_seed(0)), dist)
    assert result.modes_captured == 8
    # In 2-D the radius of a Gaussian sample is Rayleigh: P(r <= 3 std) = 1 - exp(-9/2)
    expected = 1 - math.exp(-4.5)
    assert abs(result.high_quality - expected) < 3 * math.sqrt(expected * (1 - expected) / 2500)
    assert result.reverse_kl < 0.01


def test_bad_input():
    with pytest.raises(ValueError, match="no modes"):
        mode_coverage(torch.zeros(3, 2), swiss_roll())
    with pytest.raises(ValueError, match=r"\[n, 2\]"):
        mode_coverage(torch.zeros(3, 3), ring())
    with pytest.raises(ValueError, match="NaN"):
        mode_coverage(torch.full((3, 2), math.nan), ring())
    with pytest.raises(ValueError, match="no samples"):
        mode_coverage(torch.zeros(0, 2), ring())
