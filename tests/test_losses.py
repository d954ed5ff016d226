import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from gancourse import theory as th
from gancourse.losses import (
    hinge_d_loss,
    hinge_g_loss,
    minimax_d_loss,
    minimax_g_loss,
    nonsaturating_g_loss,
)


def _logits(n=64, seed=0):
    g = torch.Generator().manual_seed(seed)
    return 3 * torch.randn(n, generator=g, dtype=torch.float64), 3 * torch.randn(
        n, generator=g, dtype=torch.float64
    )


def test_d_loss_is_binary_cross_entropy():
    real, fake = _logits()
    reference = F.binary_cross_entropy_with_logits(
        real, torch.ones_like(real)
    ) + F.binary_cross_entropy_with_logits(fake, torch.zeros_like(fake))
    assert minimax_d_loss(real, fake).item() == pytest.approx(reference.item(), rel=1e-12)
    naive = -(torch.log(torch.sigmoid(real)).mean() + torch.log(1 - torch.sigmoid(fake)).mean())
    assert minimax_d_loss(real, fake).item() == pytest.approx(naive.item(), rel=1e-10)


def test_g_losses_closed_forms():
    _, fake = _logits()
    d = torch.sigmoid(fake)
    assert minimax_g_loss(fake).item() == pytest.approx(torch.log(1 - d).mean().item(), rel=1e-10)
    assert nonsaturating_g_loss(fake).item() == pytest.approx(
        -torch.log(d).mean().item(), rel=1e-10
    )


def test_stable_at_extreme_logits_in_float32():
    extreme = torch.tensor([-200.0, 200.0])
    for value in (
        minimax_d_loss(extreme, extreme),
        minimax_g_loss(extreme),
        nonsaturating_g_loss(extreme),
    ):
        assert torch.isfinite(value)
    # real logit -200 means D(x) = e^-200: its loss is -log D = 200, not inf
    assert minimax_d_loss(torch.tensor([-200.0]), torch.tensor([-200.0])).item() == pytest.approx(
        200.0
    )
    logits = torch.tensor([-200.0, 200.0], requires_grad=True)
    nonsaturating_g_loss(logits).backward()
    assert torch.isfinite(logits.grad).all()


@pytest.mark.parametrize("loss", [minimax_g_loss, nonsaturating_g_loss])
def test_generator_gradients_match_finite_differences(loss):
    _, fake = _logits(8)
    fake = fake.clone().requires_grad_(True)
    loss(fake).backward()
    eps = 1e-6
    for i in range(8):
        up, down = fake.detach().clone(), fake.detach().clone()
        up[i] += eps
        down[i] -= eps
        fd = (loss(up) - loss(down)).item() / (2 * eps)
        assert fake.grad[i].item() == pytest.approx(fd, rel=1e-6, abs=1e-10)


def test_d_loss_at_the_optimal_discriminator_is_minus_the_value():
    # p_data = N(0,1), p_g = N(1,1): the optimal logit is log p_data/p_g = 1/2 - x.
    g = torch.Generator().manual_seed(0)
    n = 1_000_000
    real = torch.randn(n, generator=g, dtype=torch.float64)
    fake = 1 + torch.randn(n, generator=g, dtype=torch.float64)
    loss = minimax_d_loss(0.5 - real, 0.5 - fake).item()
    x = torch.linspace(-15, 16, 62_001, dtype=torch.float64)
    js = th.js_divergence(th.gaussian_pdf(x, 0, 1), th.gaussian_pdf(x, 1, 1), x)
    assert loss == pytest.approx(2 * math.log(2) - 2 * js, abs=3e-3)  # Monte Carlo, ~5 std errors


def test_at_logit_zero_the_d_loss_is_2log2_for_both_objectives():
    zeros = torch.zeros(16)
    assert minimax_d_loss(zeros, zeros).item() == pytest.approx(2 * math.log(2), rel=1e-6)
    assert minimax_g_loss(zeros).item() == pytest.approx(-math.log(2), rel=1e-6)
    assert nonsaturating_g_loss(zeros).item() == pytest.approx(math.log(2), rel=1e-6)


@pytest.mark.parametrize("scale", [1e4, -1e4])
def test_no_inf_or_nan_at_logits_1e4(scale):
    logits = torch.full((8,), scale, requires_grad=True)
    for value in (
        minimax_d_loss(logits, logits),
        minimax_g_loss(logits),
        nonsaturating_g_loss(logits),
    ):
        assert torch.isfinite(value)
        (grad,) = torch.autograd.grad(value, logits)
        assert torch.isfinite(grad).all()
    # the values are the exact limits: softplus(1e4) = 1e4
    assert minimax_d_loss(logits, logits).item() == pytest.approx(abs(scale))


def test_hinge_losses_on_hand_computed_logits():
    real = torch.tensor([2.0, 0.5, -1.0])  # margins: 0, 0.5, 2 -> mean 2.5 / 3
    fake = torch.tensor([-3.0, 0.0, 1.0])  # margins: 0, 1, 2 -> mean 1
    assert hinge_d_loss(real, fake).item() == pytest.approx(2.5 / 3 + 1.0, rel=1e-6)
    assert hinge_g_loss(fake).item() == pytest.approx(2.0 / 3, rel=1e-6)
    # beyond the margin D gets no gradient; G always gets -1/B per logit
    real.requires_grad_(True)
    fake.requires_grad_(True)
    hinge_d_loss(real, fake).backward()
    assert real.grad.tolist() == pytest.approx([0.0, -1 / 3, -1 / 3])
    assert fake.grad.tolist() == pytest.approx([0.0, 1 / 3, 1 / 3])
    fake.grad = None
    hinge_g_loss(fake).backward()
    assert fake.grad.tolist() == pytest.approx([-1 / 3] * 3)


# ----------------------------------------------------------------------------- IPM objectives
from gancourse.losses import (  # noqa: E402
    ctransform_d_loss,
    ctransform_g_loss,
    exp_distance_kernel,
    fisher_d_loss,
    gaussian_kernel,
    mcgan_cov_d_loss,
    mcgan_cov_g_loss,
    mcgan_mean_d_loss,
    mcgan_mean_g_loss,
    mmd2,
    mmd_d_loss,
    mmd_g_loss,
    mmd_gaussian_d_loss,
    mmd_gaussian_g_loss,
    wgan_d_loss,
    wgan_g_loss,
)


def test_wgan_losses_on_hand_computed_logits():
    real, fake = torch.tensor([1.0, 3.0]), torch.tensor([-2.0, 0.0, 4.0])
    assert wgan_d_loss(real, fake).item() == pytest.approx(2 / 3 - 2.0)
    assert wgan_g_loss(fake).item() == pytest.approx(-2 / 3)


def test_mcgan_mean_and_covariance_matching_closed_forms():
    real = torch.tensor([[1.0, 0.0], [3.0, 0.0]])  # mean (2, 0), second moment diag(5, 0)
    fake = torch.tensor([[0.0, 1.0], [0.0, -1.0]])  # mean (0, 0), second moment diag(0, 1)
    assert mcgan_mean_d_loss(real, fake).item() == pytest.approx(-2.0)
    assert mcgan_mean_g_loss(fake, real).item() == pytest.approx(2.0)
    # ||(2, 0)|| + nuclear norm of diag(5, -1) = 2 + 6
    assert mcgan_cov_d_loss(real, fake).item() == pytest.approx(-8.0, rel=1e-6)
    assert mcgan_cov_g_loss(fake, real).item() == pytest.approx(8.0, rel=1e-6)


def test_mcgan_covariance_distance_against_numpy():
    # non-zero means on both sides and different second moments: a sign error in either term
    # changes the value (the closed-form example above is symmetric enough to hide one)
    g = torch.Generator().manual_seed(3)
    real = torch.randn(40, 3, generator=g, dtype=torch.float64) + torch.tensor([1.0, -2.0, 0.5])
    fake = 0.5 * torch.randn(30, 3, generator=g, dtype=torch.float64) + torch.tensor(
        [0.3, 1.0, 2.0]
    )
    r, f = real.numpy(), fake.numpy()
    expected = (
        np.linalg.norm(r.mean(0) - f.mean(0))
        + np.linalg.svd(r.T @ r / len(r) - f.T @ f / len(f), compute_uv=False).sum()
    )
    assert mcgan_cov_g_loss(fake, real).item() == pytest.approx(expected, rel=1e-10)
    assert mcgan_cov_d_loss(real, fake).item() == pytest.approx(-expected, rel=1e-10)


def test_feature_losses_take_one_output_per_sample_as_a_vector():
    # a critic with one output may return [B] or [B, 1]: both are one feature
    real, fake = torch.tensor([1.0, 3.0, 2.0]), torch.tensor([0.0, -1.0])
    assert mcgan_mean_g_loss(fake, real).item() == pytest.approx(2.0 + 0.5)
    assert mcgan_mean_g_loss(fake[:, None], real[:, None]).item() == pytest.approx(2.5)
    assert mmd_g_loss(fake, real).item() == pytest.approx(
        mmd_g_loss(fake[:, None], real[:, None]).item()
    )


def test_mcgan_mean_distance_is_the_supremum_over_unit_directions():
    # d_mu = sup_{||v|| <= 1} <v, mu(P) - mu(Q)>: the package's closed form against a dense
    # search over the unit circle (the grid's worst angle, pi/3600, costs 4e-7 relatively)
    g = torch.Generator().manual_seed(0)
    real = torch.randn(50, 2, generator=g, dtype=torch.float64) + torch.tensor([2.0, -1.0])
    fake = torch.randn(50, 2, generator=g, dtype=torch.float64)
    angle = torch.linspace(0, 2 * math.pi, 3601, dtype=torch.float64)
    v = torch.stack([angle.cos(), angle.sin()], dim=1)
    search = (v @ (real.mean(0) - fake.mean(0))).max().item()
    assert mcgan_mean_g_loss(fake, real).item() == pytest.approx(search, rel=1e-6)
    assert mcgan_mean_d_loss(real, fake).item() == pytest.approx(-search, rel=1e-6)


def test_mmd_unbiased_estimate_by_hand():
    x = torch.tensor([[0.0], [1.0]])
    y = torch.tensor([[0.0], [3.0]])
    e = math.exp
    kxx = e(-1)  # the one off-diagonal pair, counted twice over 2*1
    kyy = e(-3)
    kxy = (e(0) + e(-3) + e(-1) + e(-2)) / 4
    assert mmd2(x, y).item() == pytest.approx(kxx + kyy - 2 * kxy, rel=1e-6)
    assert exp_distance_kernel(x, y)[1, 1].item() == pytest.approx(e(-2))
    g = gaussian_kernel(x, y, sigmas=(1.0,))
    assert g[0, 1].item() == pytest.approx(e(-9 / 2))
    with pytest.raises(ValueError, match="at least 2 samples"):
        mmd2(x[:1], y)


def _unbiased_mmd2_reference(x, y, kernel):
    """Gretton et al.'s unbiased MMD^2, written with explicit sums over the index pairs."""
    m, n = len(x), len(y)
    same_x = sum(kernel(x[i], x[j]) for i in range(m) for j in range(m) if i != j)
    same_y = sum(kernel(y[i], y[j]) for i in range(n) for j in range(n) if i != j)
    cross = sum(kernel(x[i], y[j]) for i in range(m) for j in range(n))
    return same_x / (m * (m - 1)) + same_y / (n * (n - 1)) - 2 * cross / (m * n)


def _laplace(a, b):
    return math.exp(-math.dist(a.tolist(), b.tolist()))


def _gaussian_mixture(a, b):
    sq = math.dist(a.tolist(), b.tolist()) ** 2
    return sum(math.exp(-sq / (2 * s * s)) for s in (1.0, 2.0, 4.0, 8.0, 16.0))


@pytest.mark.parametrize(
    ("pair", "kernel"),
    [
        ((mmd_d_loss, mmd_g_loss), _laplace),
        ((mmd_gaussian_d_loss, mmd_gaussian_g_loss), _gaussian_mixture),
    ],
)
def test_mmd_generator_loss_is_plus_the_unbiased_mmd2(pair, kernel):
    # G minimises the MMD, D maximises it: L_G = +MMD^2, L_D = -MMD^2
    g = torch.Generator().manual_seed(0)
    real = torch.randn(7, 3, generator=g, dtype=torch.float64)
    fake = torch.randn(6, 3, generator=g, dtype=torch.float64) + 1.5
    expected = _unbiased_mmd2_reference(real, fake, kernel)
    assert expected > 0.1  # two different distributions: a clearly positive MMD^2
    d_loss, g_loss = pair
    assert g_loss(fake, real).item() == pytest.approx(expected, rel=1e-10)
    assert d_loss(real, fake).item() == pytest.approx(-expected, rel=1e-10)


def test_mmd_gaussian_generator_loss_falls_as_the_fakes_move_onto_the_reals():
    g = torch.Generator().manual_seed(1)
    real = torch.randn(16, 2, generator=g, dtype=torch.float64)
    offset = torch.randn(16, 2, generator=g, dtype=torch.float64) + 3.0
    losses = [mmd_gaussian_g_loss(real + t * offset, real).item() for t in (1.0, 0.5, 0.0)]
    assert losses[0] > losses[1] > losses[2]


def test_mmd_is_near_zero_for_one_distribution_and_positive_for_two():
    g = torch.Generator().manual_seed(0)
    a, b = torch.randn(400, 3, generator=g), torch.randn(400, 3, generator=g)
    assert abs(mmd2(a, b).item()) < 0.01
    assert mmd2(a, b + 2.0).item() > 0.1  # 20 times the same-distribution level


def test_fisher_critic_loss_on_asymmetric_logits():
    # L_F = E + lam (1 - Omega) - rho/2 (1 - Omega)^2, by plain arithmetic
    real, fake, lam, rho = [1.0, 3.0], [0.5, -1.5], 0.3, 0.2
    e = sum(real) / 2 - sum(fake) / 2
    omega = 0.5 * (sum(v * v for v in real) / 2 + sum(v * v for v in fake) / 2)
    expected = -(e + lam * (1 - omega) - rho / 2 * (1 - omega) ** 2)
    loss, gap = fisher_d_loss(torch.tensor(real), torch.tensor(fake), lam=lam, rho=rho)
    assert loss.item() == pytest.approx(expected, rel=1e-6)
    assert gap.item() == pytest.approx(1 - omega, rel=1e-6)


def test_fisher_critic_loss_by_hand():
    real, fake = torch.tensor([2.0, 2.0]), torch.tensor([0.0, 0.0])
    # E = 2, Omega = (4 + 0) / 2 = 2, 1 - Omega = -1; L_F = E + lam (1 - Omega) - rho/2 (1 - Omega)^2
    loss, gap = fisher_d_loss(real, fake, lam=0.0, rho=0.5)
    assert loss.item() == pytest.approx(-(2.0 - 0.25)) and gap.item() == pytest.approx(-1.0)
    loss, _ = fisher_d_loss(real, fake, lam=0.5, rho=0.5)
    assert loss.item() == pytest.approx(-(2.0 + 0.5 * -1 - 0.25))


def test_c_transform_losses_by_hand():
    real = torch.tensor([[0.0, 0.0], [4.0, 0.0]])
    fake = torch.tensor([[1.0, 0.0], [4.0, 3.0]])
    phi = torch.tensor([0.5, 2.0])
    # phi^c(y1) = min(1 - 0.5, 3 - 2) = 0.5 ; phi^c(y2) = min(5 - 0.5, 3 - 2) = 1
    expected_w = phi.mean() + (0.5 + 1.0) / 2
    assert ctransform_d_loss(phi, real, fake).item() == pytest.approx(-expected_w.item())
    assert ctransform_g_loss(phi, real, fake).item() == pytest.approx(0.75)


def _c_transform_per_fake(phi, real, fake):
    """phi^c(y) for each fake y, from the package: the G loss of a batch of one fake."""
    return torch.stack([ctransform_g_loss(phi, real, y[None]) for y in fake])


def test_c_transform_by_hand_per_sample():
    real = torch.tensor([[0.0, 0.0], [4.0, 0.0]])
    fake = torch.tensor([[1.0, 0.0], [4.0, 3.0]])
    phi = torch.tensor([0.5, 2.0])
    assert _c_transform_per_fake(phi, real, fake).tolist() == pytest.approx([0.5, 1.0])


def test_c_transform_satisfies_the_dual_constraint_with_equality_somewhere():
    # phi(x) + phi^c(y) <= ||x - y|| for every pair, and for each y some x attains it
    # (phi^c is the largest function under the constraint)
    g = torch.Generator().manual_seed(0)
    real = torch.randn(12, 3, generator=g, dtype=torch.float64)
    fake = torch.randn(9, 3, generator=g, dtype=torch.float64) + 1.0
    phi = 2 * torch.randn(12, generator=g, dtype=torch.float64)
    phi_c = _c_transform_per_fake(phi, real, fake)
    slack = torch.cdist(fake, real) - phi[None, :] - phi_c[:, None]  # [fake, real]
    assert slack.min().item() >= -1e-12
    assert torch.allclose(slack.min(dim=1).values, torch.zeros(9, dtype=torch.float64), atol=1e-12)
