import math

import pytest
import torch
from torch import nn

from gancourse.nets import mlp_discriminator
from gancourse.regularizers import (
    GradientNormalized,
    PiecewiseGradientNormalized,
    gradient_penalty,
    input_gradient_norms,
    power_iteration_sigma,
    weight_clipping,
)


def linear_critic(w: torch.Tensor) -> nn.Module:
    """D(x) = <w, x> + 0.3 for x of w's shape (flattened)."""
    layer = nn.Linear(w.numel(), 1)
    with torch.no_grad():
        layer.weight.copy_(w.flatten()[None])
        layer.bias.fill_(0.3)
    return nn.Sequential(nn.Flatten(), layer)


SHAPES = [(2,), (1, 6, 6), (3, 5, 5)]  # 2-D points, 1-channel and 3-channel images


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("kind", ["wgan-gp", "dragan"])
def test_unit_gradient_penalties_on_a_linear_critic(shape, kind):
    g = torch.Generator().manual_seed(0)
    real, fake = torch.randn(16, *shape, generator=g), torch.randn(16, *shape, generator=g)
    w = torch.randn(shape, generator=g, dtype=torch.float64).float()
    unit = linear_critic(w / w.norm())
    assert gradient_penalty(unit, real, fake, kind=kind).item() == pytest.approx(0.0, abs=1e-9)
    scaled = linear_critic(3 * w / w.norm())  # ||w|| = 3: penalty lambda (3 - 1)^2 = 40
    assert gradient_penalty(scaled, real, fake, kind=kind).item() == pytest.approx(40.0, rel=1e-5)


@pytest.mark.parametrize("shape", SHAPES)
def test_r1_r2_and_wgan_div_on_a_linear_critic(shape):
    g = torch.Generator().manual_seed(1)
    real, fake = torch.randn(8, *shape, generator=g), torch.randn(8, *shape, generator=g)
    w = torch.randn(shape, generator=g)
    critic = linear_critic(w)
    sq = w.norm().item() ** 2
    assert gradient_penalty(critic, real, kind="r1").item() == pytest.approx(
        0.5 * 10 * sq, rel=1e-5
    )
    assert gradient_penalty(critic, real, fake, kind="r2", weight=4.0).item() == pytest.approx(
        2 * sq, rel=1e-5
    )
    assert gradient_penalty(critic, real, fake, kind="wgan-div").item() == pytest.approx(
        2 * sq**3, rel=1e-4
    )


def _fd_penalty(D, points, kind, weight, h=1e-6):
    """The same penalty with gradients by central finite differences, in float64."""
    flat = points.flatten(1)
    grads = torch.zeros_like(flat)
    for j in range(flat.shape[1]):
        e = torch.zeros_like(flat)
        e[:, j] = h
        up = D((flat + e).reshape(points.shape)).squeeze(1)
        down = D((flat - e).reshape(points.shape)).squeeze(1)
        grads[:, j] = (up - down) / (2 * h)
    norms = grads.norm(dim=1)
    if kind == "wgan-gp":
        return weight * ((norms - 1) ** 2).mean()
    return 0.5 * weight * (norms**2).mean()


@pytest.mark.parametrize("kind", ["wgan-gp", "r1"])
def test_penalties_match_finite_differences_on_an_mlp(kind):
    torch.manual_seed(0)
    D = mlp_discriminator(3, width=16, depth=2, activation="tanh").double()
    g = torch.Generator().manual_seed(3)
    real = torch.randn(6, 3, generator=g, dtype=torch.float64)
    fake = torch.randn(6, 3, generator=g, dtype=torch.float64)
    value = gradient_penalty(D, real, fake, kind=kind, generator=torch.Generator().manual_seed(9))
    eps = torch.rand(6, 1, generator=torch.Generator().manual_seed(9), dtype=torch.float64)
    points = eps * real + (1 - eps) * fake if kind == "wgan-gp" else real
    with torch.no_grad():
        expected = _fd_penalty(D, points, kind, 10.0)
    assert value.item() == pytest.approx(expected.item(), rel=1e-6)
    # and the penalty is differentiable in D's weights (double backprop); the output bias
    # does not change the input gradient, so it gets none
    value.backward()
    weights = [p for name, p in D.named_parameters() if name.endswith("weight")]
    assert all(
        p.grad is not None and torch.isfinite(p.grad).all() and p.grad.abs().sum() > 0
        for p in weights
    )


def test_penalty_errors_are_clear():
    D = mlp_discriminator(2)
    x = torch.randn(4, 2)
    with pytest.raises(ValueError, match="unknown gradient penalty 'gp'.*wgan-gp"):
        gradient_penalty(D, x, x, kind="gp")
    with pytest.raises(ValueError, match="needs the fake batch"):
        gradient_penalty(D, x, kind="wgan-gp")
    with pytest.raises(ValueError, match="one shape"):
        gradient_penalty(D, x, torch.randn(5, 2), kind="r2")


def test_penalty_under_autocast_is_float32_and_close():
    torch.manual_seed(0)
    D = mlp_discriminator(2, width=32, depth=2)
    real, fake = torch.randn(64, 2), torch.randn(64, 2)
    reference = gradient_penalty(D, real, fake, generator=torch.Generator().manual_seed(0))
    with torch.autocast("cpu", dtype=torch.bfloat16):
        mixed = gradient_penalty(D, real, fake, generator=torch.Generator().manual_seed(0))
    assert mixed.dtype == torch.float32
    assert mixed.item() == pytest.approx(reference.item(), rel=0.05)


def test_input_gradient_norms_are_per_sample():
    w = torch.tensor([3.0, 4.0])
    norms = input_gradient_norms(linear_critic(w), torch.randn(5, 2))
    assert torch.allclose(norms, torch.full((5,), 5.0))


def test_weight_clipping_bounds_every_parameter():
    torch.manual_seed(0)
    D = mlp_discriminator(2, width=32)
    with torch.no_grad():
        for p in D.parameters():
            p.mul_(100)
    weight_clipping(D, 0.01)
    assert all(p.abs().max() <= 0.01 for p in D.parameters())
    assert any((p.abs() == 0.01).any() for p in D.parameters())  # clipped, not rescaled
    with pytest.raises(ValueError, match="positive"):
        weight_clipping(D, 0)


@pytest.mark.parametrize("shape", [(20, 30), (16, 3, 4, 4)])
def test_power_iteration_matches_the_largest_singular_value(shape):
    g = torch.Generator().manual_seed(0)
    w = torch.randn(shape, generator=g, dtype=torch.float64)
    sigma, u = power_iteration_sigma(w, iters=500, generator=g)
    exact = torch.linalg.matrix_norm(w.flatten(1), ord=2)
    assert abs(sigma.item() - exact.item()) < 1e-4
    # warm-started from the returned u, one more round stays there (as spectral_norm does)
    again, _ = power_iteration_sigma(w, iters=1, u=u)
    assert abs(again.item() - exact.item()) < 1e-4
    with pytest.raises(ValueError, match="at least 2 dimensions"):
        power_iteration_sigma(torch.ones(3))


def test_gradient_normalized_output_is_bounded_by_one():
    torch.manual_seed(0)
    net = mlp_discriminator(2, width=32, activation="leaky_relu")
    with torch.no_grad():
        for p in net.parameters():
            p.mul_(50)  # a wildly non-Lipschitz raw critic
    D = GradientNormalized(net)
    x = torch.randn(512, 2) * 3
    out = D(x)
    assert out.shape == (512, 1) and out.abs().max() <= 1.0
    # piecewise-linear f: f_hat is 1-Lipschitz, so its input gradient norms are at most 1
    assert input_gradient_norms(D, x).max() <= 1.0 + 1e-5


def test_gran_is_piecewise_K_lipschitz():
    torch.manual_seed(0)
    net = mlp_discriminator(2, width=32, activation="leaky_relu")
    D = PiecewiseGradientNormalized(net, K=2.0, epsilon=1e-4)
    x = torch.randn(256, 2)
    norms = input_gradient_norms(D, x)
    raw = input_gradient_norms(net, x)
    # on each linear piece grad f_hat = K grad f / (||grad f|| + eps): norm K r / (r + eps) < K
    assert torch.allclose(norms, 2.0 * raw / (raw + 1e-4), rtol=1e-4)
    assert norms.max() < 2.0
    with pytest.raises(ValueError, match="positive"):
        PiecewiseGradientNormalized(net, K=0)


def test_wrappers_train_in_the_loop():
    from gancourse.datasets import ring
    from gancourse.nets import mlp_generator
    from gancourse.train import GANTrainer, TrainConfig

    torch.manual_seed(0)
    D = GradientNormalized(mlp_discriminator(2, width=32, activation="leaky_relu"))
    trainer = GANTrainer(
        mlp_generator(2, 2, width=32),
        D,
        ring(),
        2,
        TrainConfig(batch_size=64, log_every=10),
        device="cpu",
        progress=False,
    )
    trainer.train(20)
    assert all(math.isfinite(v) for v in trainer.history.values("d_loss"))
