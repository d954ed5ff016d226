import math

import pytest
import torch
import torch.nn.functional as F

from gancourse import theory as th
from gancourse.losses import (
    LOSSES,
    get_loss,
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


def test_registry():
    assert set(LOSSES) >= {"minimax", "nonsaturating"}
    assert get_loss("minimax").g_loss is minimax_g_loss
    d_loss, g_loss = get_loss("nonsaturating")
    assert d_loss is minimax_d_loss and g_loss is nonsaturating_g_loss
    with pytest.raises(ValueError, match="unknown loss 'wgan'.*hinge, minimax, nonsaturating"):
        get_loss("wgan")


def test_at_logit_zero_the_d_loss_is_2log2_for_both_objectives():
    zeros = torch.zeros(16)
    for name in ("minimax", "nonsaturating"):
        d_loss, _ = get_loss(name)
        assert d_loss(zeros, zeros).item() == pytest.approx(2 * math.log(2), rel=1e-6)
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
    assert get_loss("hinge") == (hinge_d_loss, hinge_g_loss)
