import math

import pytest
import torch

from gancourse.latent import chi_mean, interpolate, lerp, slerp


def test_chi_mean_closed_form_and_monte_carlo():
    assert chi_mean(1) == pytest.approx(math.sqrt(2 / math.pi))  # E|z| of a standard normal
    assert chi_mean(2) == pytest.approx(math.sqrt(math.pi / 2))  # Rayleigh mean
    z = torch.randn(200_000, 64, generator=torch.Generator().manual_seed(0), dtype=torch.float64)
    assert z.norm(dim=1).mean().item() == pytest.approx(chi_mean(64), rel=2e-3)


def test_slerp_keeps_the_norm_and_moves_the_angle_uniformly():
    z0 = torch.tensor([3.0, 0.0], dtype=torch.float64)
    z1 = torch.tensor([0.0, 3.0], dtype=torch.float64)
    t = torch.linspace(0, 1, 7, dtype=torch.float64)
    path = slerp(z0, z1, t)
    assert torch.allclose(path.norm(dim=1), torch.full((7,), 3.0, dtype=torch.float64))
    angles = torch.atan2(path[:, 1], path[:, 0])
    assert torch.allclose(angles, t * math.pi / 2)
    assert torch.allclose(path[0], z0) and torch.allclose(path[-1], z1)


def test_linear_midpoint_of_independent_gaussians_has_norm_sqrt_d_over_2():
    g = torch.Generator().manual_seed(1)
    d = 100
    z0, z1 = (
        torch.randn(5000, d, generator=g, dtype=torch.float64),
        torch.randn(5000, d, generator=g, dtype=torch.float64),
    )
    mid_linear = lerp(z0, z1, torch.tensor([0.5], dtype=torch.float64))[0]
    mid_sphere = slerp(z0, z1, torch.tensor([0.5], dtype=torch.float64))[0]
    assert (mid_linear.norm(dim=1) ** 2).mean().item() == pytest.approx(d / 2, rel=0.01)
    # batched slerp: the midpoint's norm lies between the endpoints' norms
    lo = torch.minimum(z0.norm(dim=1), z1.norm(dim=1))
    hi = torch.maximum(z0.norm(dim=1), z1.norm(dim=1))
    assert bool(
        ((mid_sphere.norm(dim=1) >= lo - 1e-9) & (mid_sphere.norm(dim=1) <= hi + 1e-9)).all()
    )


def test_parallel_endpoints_fall_back_to_linear():
    z0 = torch.tensor([1.0, 2.0])
    path = slerp(z0, 2 * z0, torch.linspace(0, 1, 5))
    assert torch.isfinite(path).all()
    assert torch.allclose(path, lerp(z0, 2 * z0, torch.linspace(0, 1, 5)))


def test_interpolate_errors():
    z = torch.zeros(3)
    assert interpolate(z, z + 1, 4, "linear").shape == (4, 3)
    with pytest.raises(ValueError, match="linear' or 'spherical"):
        interpolate(z, z, 4, "cubic")
    with pytest.raises(ValueError, match="steps"):
        interpolate(z, z, 1)
    with pytest.raises(ValueError, match="one shape"):
        lerp(z, torch.zeros(4), torch.tensor([0.5]))
