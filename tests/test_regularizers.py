import math

import pytest
import torch
from torch import nn

from gancourse.nets import mlp_discriminator
from gancourse.regularizers import (
    PENALTIES,
    Clip,
    GradientNormalized,
    Penalty,
    PiecewiseGradientNormalized,
    critic_controls,
    gradient_penalty,
    input_gradient_norms,
    interpolates,
    r2_penalty,
    weight_clipping,
    wgan_div_penalty,
    wgan_gp_penalty,
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


class HalfSquaredNorm(nn.Module):
    """D(x) = ||x||^2 / 2 per sample: grad D(x) = x, so ||grad D|| = ||x|| tells *where* a
    penalty was evaluated (a linear critic has the same gradient everywhere)."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return 0.5 * x.flatten(1).pow(2).sum(dim=1, keepdim=True)


def _norms(points: torch.Tensor) -> torch.Tensor:
    return points.flatten(1).norm(dim=1)


def _batches(shape, seed):
    g = torch.Generator().manual_seed(seed)
    real = 0.3 * torch.randn(16, *shape, generator=g, dtype=torch.float64) + 0.2
    fake = 0.3 * torch.randn(16, *shape, generator=g, dtype=torch.float64) - 0.1
    return real, fake


@pytest.mark.parametrize("shape", SHAPES)
def test_dragan_penalty_is_evaluated_at_the_perturbed_reals(shape):
    # x_hat = x + alpha * c * std(x) * u, u ~ U[0,1) per entry then alpha ~ U[0,1) per sample,
    # both drawn from `generator`: reproduced here with a generator seeded the same way
    real, fake = _batches(shape, seed=4)
    value = gradient_penalty(
        HalfSquaredNorm(), real, fake, kind="dragan", generator=torch.Generator().manual_seed(7)
    )
    g = torch.Generator().manual_seed(7)
    u = torch.rand(real.shape, generator=g, dtype=real.dtype)
    alpha = torch.rand((16,) + (1,) * len(shape), generator=g, dtype=real.dtype)
    perturbed = real + alpha * 0.5 * real.std() * u
    expected = 10 * ((_norms(perturbed) - 1) ** 2).mean()
    at_reals = 10 * ((_norms(real) - 1) ** 2).mean()
    assert abs(expected - at_reals) > 0.05 * at_reals  # the perturbation is visible
    assert value.item() == pytest.approx(expected.item(), rel=1e-10)


@pytest.mark.parametrize("shape", SHAPES)
def test_wgan_div_penalty_is_evaluated_at_the_interpolates(shape):
    # x_hat = eps * x + (1 - eps) * x_fake with eps ~ U[0,1) per sample, as for WGAN-GP;
    # penalty k E||grad D(x_hat)||^p with k = 2, p = 6
    real, fake = _batches(shape, seed=5)
    value = gradient_penalty(
        HalfSquaredNorm(), real, fake, kind="wgan-div", generator=torch.Generator().manual_seed(8)
    )
    eps = torch.rand(
        (16,) + (1,) * len(shape), generator=torch.Generator().manual_seed(8), dtype=real.dtype
    )
    expected = 2 * (_norms(eps * real + (1 - eps) * fake) ** 6).mean()
    for elsewhere in (real, fake):
        assert abs(expected - 2 * (_norms(elsewhere) ** 6).mean()) > 0.05 * expected
    assert value.item() == pytest.approx(expected.item(), rel=1e-10)


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
    eps = 1e-4  # large enough, against these gradient norms (~0.003-0.07), to matter
    D = PiecewiseGradientNormalized(net, K=2.0, epsilon=eps)
    x = torch.randn(256, 2)
    norms = input_gradient_norms(D, x)
    raw = input_gradient_norms(net, x)
    # the paper's form: f_hat = K f r / (r^2 + eps), r = ||grad f||
    with torch.no_grad():
        assert torch.allclose(D(x), 2.0 * net(x) * raw[:, None] / (raw[:, None] ** 2 + eps))
    # on each linear piece grad f_hat = K w r / (r^2 + eps): norm K r^2 / (r^2 + eps) < K
    assert torch.allclose(norms, 2.0 * raw**2 / (raw**2 + eps), rtol=1e-4)
    assert norms.max() < 2.0
    with pytest.raises(ValueError, match="positive"):
        PiecewiseGradientNormalized(net, K=0)


class KinkedLine(nn.Module):
    """f(x) = x + 2 relu(x - 1) on [B, 1]: slope 1 left of x = 1, slope 3 right of it."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + 2 * torch.relu(x - 1)


@pytest.mark.parametrize("wrapper", [GradientNormalized, PiecewiseGradientNormalized])
def test_gradient_normalisation_jumps_across_a_kink(wrapper):
    D = wrapper(KinkedLine()).double()
    h = 1e-6
    x = torch.tensor([[1 - h], [1 + h]], dtype=torch.float64)
    left, right = D(x).detach().squeeze(1).tolist()
    # f(1) = 1: GN gives 1/(1 + 1) and 1/(3 + 1); GraN (K = 1) 1/1 and 1/3
    expected = (0.5, 0.25) if wrapper is GradientNormalized else (1.0, 1 / 3)
    assert left == pytest.approx(expected[0], abs=1e-5)
    assert right == pytest.approx(expected[1], abs=1e-5)
    assert abs(right - left) / (2 * h) > 1e4  # a jump: no Lipschitz constant at all
    # ... although each piece is 1-Lipschitz: the pointwise gradient stays at most 1
    grid = torch.linspace(-3, 3, 601, dtype=torch.float64)[:, None]
    assert input_gradient_norms(D, grid).max() <= 1 + 1e-9
    # the same secant check on a kink-free f passes: it can tell the two apart
    smooth = wrapper(nn.Linear(1, 1).double())
    with torch.no_grad():
        smooth.net.weight.fill_(3.0)
        smooth.net.bias.fill_(-2.0)
        gap = (smooth(x)[1] - smooth(x)[0]).abs().item()
    assert gap / (2 * h) <= 1 + 1e-6


def test_gradient_normalisation_refuses_a_feature_map():
    D = GradientNormalized(mlp_discriminator(2, 4, width=8))
    with pytest.raises(ValueError, match="one output per sample"):
        D(torch.randn(3, 2))


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


# ------------------------------------------------------------------ multi-output critics


def _fd_jacobian_frobenius(D, points, h=1e-6):
    """Per-sample ||J||_F of x -> D(x) (k outputs), by central finite differences, float64."""
    flat = points.flatten(1)
    squares = torch.zeros(len(flat), dtype=flat.dtype)
    with torch.no_grad():
        for j in range(flat.shape[1]):
            e = torch.zeros_like(flat)
            e[:, j] = h
            up = D((flat + e).reshape(points.shape)).flatten(1)
            down = D((flat - e).reshape(points.shape)).flatten(1)
            squares += ((up - down) / (2 * h)).pow(2).sum(dim=1)
    return squares.sqrt()


def feature_critic(shape, k: int) -> nn.Module:
    """A small non-linear (tanh) feature map from inputs of ``shape`` to k features, float64."""
    torch.manual_seed(0)
    d = math.prod(shape)
    return nn.Sequential(nn.Flatten(), nn.Linear(d, 8), nn.Tanh(), nn.Linear(8, k)).double()


@pytest.mark.parametrize("shape", [(2,), (1, 3, 3)])
def test_exact_jacobian_norm_matches_finite_differences(shape):
    D = feature_critic(shape, k=3)
    x = torch.randn(5, *shape, generator=torch.Generator().manual_seed(1), dtype=torch.float64)
    exact = input_gradient_norms(D, x, jacobian="exact").double()
    assert torch.allclose(exact, _fd_jacobian_frobenius(D, x), rtol=1e-6)


def test_projected_jacobian_norm_is_unbiased_in_the_square():
    D = feature_critic((2,), k=4)
    point = torch.randn(1, 2, generator=torch.Generator().manual_seed(2), dtype=torch.float64)
    exact = input_gradient_norms(D, point, jacobian="exact", create_graph=False).item()
    many = point.expand(40_000, 2)  # one point, 40,000 independent projections
    g = torch.Generator().manual_seed(3)
    squares = input_gradient_norms(D, many, create_graph=False, generator=g).double() ** 2
    mean, se = squares.mean().item(), squares.std().item() / math.sqrt(len(squares))
    assert abs(mean - exact**2) < 4 * se and abs(mean / exact**2 - 1) < 0.02
    # a single projection is a random quantity, not ||J||_F itself
    assert squares.std().item() > 0.1 * exact**2


def test_scalar_critics_are_exact_and_draw_no_random_numbers():
    D = feature_critic((2,), k=1)
    x = torch.randn(6, 2, dtype=torch.float64)
    g = torch.Generator().manual_seed(4)
    before = g.get_state()
    projected = input_gradient_norms(D, x, generator=g)
    assert torch.equal(g.get_state(), before)
    assert torch.allclose(projected, input_gradient_norms(D, x, jacobian="exact"))
    with pytest.raises(ValueError, match="'projection' or 'exact'"):
        input_gradient_norms(D, x, jacobian="sum")


class CancellingFeatures(nn.Module):
    """Phi(x) = (h(x), -h(x)): steep features whose sum is identically 0."""

    def __init__(self) -> None:
        super().__init__()
        torch.manual_seed(0)
        self.h = nn.Sequential(nn.Linear(2, 8), nn.Tanh(), nn.Linear(8, 1)).double()
        with torch.no_grad():
            self.h[2].weight.mul_(20)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = self.h(x)
        return torch.cat([h, -h], dim=1)


def test_penalties_see_the_jacobian_not_the_gradient_of_the_sum():
    D = CancellingFeatures()
    x = torch.randn(64, 2, generator=torch.Generator().manual_seed(5), dtype=torch.float64)
    x.requires_grad_(True)
    (of_sum,) = torch.autograd.grad(D(x).sum(), x)
    assert of_sum.abs().max() == 0  # what a penalty on grad(sum Phi) would see: nothing
    slope = input_gradient_norms(D.h, x, jacobian="exact").double()
    r1_exact = gradient_penalty(D, x, kind="r1", jacobian="exact").item()
    assert r1_exact == pytest.approx(0.5 * 10 * (2 * slope**2).mean().item(), rel=1e-9)
    assert r1_exact > 10  # steep features: far from the zero the sum suggests
    # the projected penalty estimates the same number (both features have the same slope,
    # so here every projection v = (a, b) gives (a - b)^2 k ||grad h||^2: mean 2 ||grad h||^2)
    g = torch.Generator().manual_seed(6)
    many = x.detach().repeat(200, 1)
    r1_projected = gradient_penalty(D, many, kind="r1", generator=g).item()
    assert r1_projected == pytest.approx(r1_exact, rel=0.03)


def test_multi_output_penalty_matches_finite_differences_and_trains():
    D = feature_critic((3,), k=4)
    g = torch.Generator().manual_seed(7)
    real = torch.randn(6, 3, generator=g, dtype=torch.float64)
    fake = torch.randn(6, 3, generator=g, dtype=torch.float64)
    value = gradient_penalty(
        D, real, fake, jacobian="exact", generator=torch.Generator().manual_seed(9)
    )
    eps = torch.rand(6, 1, generator=torch.Generator().manual_seed(9), dtype=torch.float64)
    norms = _fd_jacobian_frobenius(D, eps * real + (1 - eps) * fake)
    assert value.item() == pytest.approx(10 * ((norms - 1) ** 2).mean().item(), rel=1e-6)
    value.backward()  # double backprop through every output's gradient
    assert D[1].weight.grad is not None and D[1].weight.grad.abs().sum() > 0


# ------------------------------------------------------------------ convolutions


# ----------------------------------------------------------------------------- what mutation testing asked for
def _tanh_critic(out_features=1, seed=0):
    torch.manual_seed(seed)
    return nn.Sequential(nn.Linear(2, 8), nn.Tanh(), nn.Linear(8, out_features))


@pytest.mark.parametrize("kind", sorted(PENALTIES))
@pytest.mark.parametrize("features", [1, 3])
def test_penalties_draw_only_from_the_generator_they_are_given(kind, features):
    D = _tanh_critic(features)
    real, fake = torch.randn(16, 2), torch.randn(16, 2) + 1
    values = []
    for global_seed in (1, 2):  # torch's global stream differs; the given generator does not
        torch.manual_seed(global_seed)
        gen = torch.Generator().manual_seed(5)
        values.append(gradient_penalty(D, real, fake, kind=kind, generator=gen).item())
    assert values[0] == values[1]


@pytest.mark.parametrize("kind", sorted(PENALTIES))
def test_each_penalty_function_has_its_documented_default_weight(kind):
    D = _tanh_critic()
    real, fake = torch.randn(16, 2), torch.randn(16, 2) + 1
    direct = PENALTIES[kind](D, real, fake, generator=torch.Generator().manual_seed(3))
    defaults = {"wgan-gp": 10.0, "dragan": 10.0, "r1": 10.0, "r2": 10.0, "wgan-div": 2.0}
    one = gradient_penalty(
        D, real, fake, kind, weight=1.0, generator=torch.Generator().manual_seed(3)
    )
    assert direct.item() == pytest.approx(defaults[kind] * one.item(), rel=1e-6)


@pytest.mark.parametrize(
    ("function", "message"),
    [
        (wgan_gp_penalty, "the wgan-gp penalty needs the fake batch"),
        (r2_penalty, "the r2 penalty needs the fake batch"),
        (wgan_div_penalty, "the wgan-div penalty needs the fake batch"),
    ],
)
def test_penalties_that_need_fakes_say_so(function, message):
    with pytest.raises(ValueError, match=f"^{message}: pass fake=G\\(z\\).detach\\(\\)$"):
        function(_tanh_critic(), torch.randn(4, 2), None)
    with pytest.raises(ValueError, match="^interpolating needs the fake batch"):
        interpolates(torch.randn(4, 2), None)


def test_penalty_option_errors_name_the_options():
    D, x = _tanh_critic(), torch.randn(4, 2)
    message = r"^the r1 penalty takes the options weight, generator, jacobian; got power$"
    with pytest.raises(ValueError, match=message):
        gradient_penalty(D, x, kind="r1", power=3)
    known = "wgan-gp, dragan, r1, r2, wgan-div"
    with pytest.raises(ValueError, match=f"^unknown gradient penalty 'gp'; known: {known}$"):
        gradient_penalty(D, x, x, kind="gp")
    with pytest.raises(ValueError, match=f"^unknown penalty 'gp'; known: {known}$"):
        Penalty("gp")


def test_a_critic_with_one_output_as_a_vector_is_a_scalar_critic():
    D = _tanh_critic()
    flat = nn.Sequential(D, nn.Flatten(0))  # [B] instead of [B, 1]
    x = torch.randn(8, 2)
    torch.testing.assert_close(input_gradient_norms(flat, x), input_gradient_norms(D, x))


def test_the_projected_jacobian_penalty_is_differentiable_in_the_critic():
    D = _tanh_critic(3)
    gradient_penalty(
        D, torch.randn(8, 2), kind="r1", generator=torch.Generator().manual_seed(0)
    ).backward()
    # every weight moves the penalty (the last bias shifts D, not its slope)
    weights = [p for name, p in D.named_parameters() if name.endswith("weight")]
    assert all(p.grad is not None and p.grad.abs().sum() > 0 for p in weights)


@pytest.mark.parametrize("kind", sorted(PENALTIES))
def test_exact_jacobian_penalties_of_a_linear_feature_map_are_closed_forms(kind):
    # D(x) = W x with W 3 x 2: J = W everywhere, ||J||_F exact; the projected estimate is not
    W = torch.tensor([[1.0, 2.0], [0.5, -1.0], [0.0, 3.0]], dtype=torch.float64)
    D = nn.Linear(2, 3, bias=False).double()
    with torch.no_grad():
        D.weight.copy_(W)
    real = torch.randn(16, 2, dtype=torch.float64)
    fake = torch.randn(16, 2, dtype=torch.float64) + 1
    f = W.norm().item()  # Frobenius norm
    expected = {
        "wgan-gp": 10 * (f - 1) ** 2,
        "dragan": 10 * (f - 1) ** 2,
        "r1": 0.5 * 10 * f**2,
        "r2": 0.5 * 10 * f**2,
        "wgan-div": 2 * f**6,
    }[kind]
    value = PENALTIES[kind](
        D, real, fake, jacobian="exact", generator=torch.Generator().manual_seed(0)
    )
    assert value.item() == pytest.approx(expected, rel=1e-10)
    projected = PENALTIES[kind](D, real, fake, generator=torch.Generator().manual_seed(0))
    assert projected.item() != pytest.approx(expected, rel=1e-3)  # the check can fail


def test_penalty_control_applies_its_weight_and_scale():
    D, real, fake = _tanh_critic(), torch.randn(8, 2), torch.randn(8, 2)
    torch.manual_seed(0)
    one = gradient_penalty(D, real, fake, kind="r1", weight=1.0)
    torch.manual_seed(0)
    assert Penalty("r1", weight=0.5, scale=2.0).penalty(D, real, fake).item() == pytest.approx(
        one.item()
    )
    torch.manual_seed(0)
    assert Penalty("r1", weight=0.5).penalty(D, real, fake).item() == pytest.approx(
        0.5 * one.item()
    )


def test_controls_refuse_zero_and_name_what_they_need():
    with pytest.raises(ValueError, match="clipping bound must be a positive number, got 0"):
        Clip(0)
    with pytest.raises(ValueError, match="K and epsilon must be positive"):
        PiecewiseGradientNormalized(_tanh_critic(), epsilon=0.0)
    with pytest.raises(
        ValueError, match="^penalty_weight needs a penalty: name one with penalty=...$"
    ):
        critic_controls(penalty_weight=1.0)
    with pytest.raises(
        ValueError, match=r"wrap a scalar critic \(a feature map has a Jacobian, not a gradient\)$"
    ):
        GradientNormalized(_tanh_critic(3))(torch.randn(4, 2))
