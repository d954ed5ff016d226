import math

import pytest
import torch

from gancourse import theory as th
from gancourse.losses import minimax_g_loss, nonsaturating_g_loss

X = torch.linspace(-30, 30, 120_001, dtype=torch.float64)  # h = 5e-4


def mixture(x, means, stds, weights):
    return sum(w * th.gaussian_pdf(x, m, s) for m, s, w in zip(means, stds, weights, strict=True))


def random_mixture(g: torch.Generator, k: int = 3):
    means = (torch.rand(k, generator=g, dtype=torch.float64) * 10 - 5).tolist()
    stds = (torch.rand(k, generator=g, dtype=torch.float64) * 1.5 + 0.3).tolist()
    w = torch.rand(k, generator=g, dtype=torch.float64) + 0.1
    return mixture(X, means, stds, (w / w.sum()).tolist())


def box(x, a, b):
    p = ((x >= a) & (x <= b)).double()
    return p / torch.trapezoid(p, x)


GAUSSIAN_PAIRS = [(0, 1, 1, 1), (0, 1, 0, 2), (0, 2, 0, 1), (-1.5, 0.5, 2.0, 1.7), (3, 2, -1, 0.8)]
NARROW = torch.linspace(-20, 20, 80_001, dtype=torch.float64)  # nothing underflows on it
WIDE = torch.linspace(-60, 60, 120_001, dtype=torch.float64)  # both tails underflow to 0


def gaussian_jsd_reference(mu1, s1, mu2, s2) -> float:
    """JSD of two Gaussians by adaptive quadrature (scipy) of the log-space integrand, which
    cannot underflow; agrees with 40-digit mpmath to ~1e-15 for the pairs used here."""
    from scipy import integrate

    def log_pdf(t, mu, s):
        return -0.5 * ((t - mu) / s) ** 2 - math.log(math.sqrt(2 * math.pi) * s)

    def integrand(t):
        log_p, log_q = log_pdf(t, mu1, s1), log_pdf(t, mu2, s2)
        log_m = max(log_p, log_q) + math.log1p(math.exp(-abs(log_p - log_q))) - math.log(2)
        return 0.5 * (math.exp(log_p) * (log_p - log_m) + math.exp(log_q) * (log_q - log_m))

    # beyond 40 standard deviations both densities are below e^-800: nothing left to add
    lo, hi = min(mu1 - 40 * s1, mu2 - 40 * s2), max(mu1 + 40 * s1, mu2 + 40 * s2)
    cuts = sorted({mu1 - 3 * s1, mu1, mu1 + 3 * s1, mu2 - 3 * s2, mu2, mu2 + 3 * s2})
    edges = [lo, *cuts, hi]
    return math.fsum(
        integrate.quad(integrand, a, b, epsabs=1e-16, epsrel=1e-13, limit=200)[0]
        for a, b in zip(edges[:-1], edges[1:], strict=True)
    )


def test_jsd_reference_against_known_values():
    # 40-digit mpmath quadrature, computed once: the reference itself is checked
    assert gaussian_jsd_reference(0, 1, 1, 1) == pytest.approx(0.11142148218473617972, rel=1e-13)
    assert gaussian_jsd_reference(0, 1, 0.5, 1) == pytest.approx(0.030311300520838980579, rel=1e-13)
    assert gaussian_jsd_reference(0, 1, 5, 1) == pytest.approx(0.67594257738097986840, rel=1e-13)
    assert gaussian_jsd_reference(1, 2, 1, 2) == pytest.approx(0, abs=1e-15)


@pytest.mark.parametrize("mu1,s1,mu2,s2", GAUSSIAN_PAIRS)
@pytest.mark.parametrize("grid", ["narrow", "wide"])
def test_gaussian_kl_and_jsd_match_closed_forms_on_narrow_and_wide_grids(grid, mu1, s1, mu2, s2):
    x = NARROW if grid == "narrow" else WIDE
    p, q = th.gaussian_pdf(x, mu1, s1), th.gaussian_pdf(x, mu2, s2)
    if grid == "wide":  # the grid really reaches where a density underflows
        assert bool(((p == 0) | (q == 0)).any())
    kl = th.gaussian_kl(mu1, s1, mu2, s2)
    assert th.kl_divergence(p, q, x) == pytest.approx(kl, rel=1e-9)
    jsd = gaussian_jsd_reference(mu1, s1, mu2, s2)
    assert th.js_divergence(p, q, x) == pytest.approx(jsd, rel=1e-9)
    # log-densities give the same, with nothing left to underflow
    log_p, log_q = th.gaussian_log_pdf(x, mu1, s1), th.gaussian_log_pdf(x, mu2, s2)
    assert th.kl_divergence(log_p, log_q, x, log_densities=True) == pytest.approx(kl, rel=1e-9)
    assert th.js_divergence(log_p, log_q, x, log_densities=True) == pytest.approx(jsd, rel=1e-9)


@pytest.mark.parametrize(
    "x,mu,expected_jsd",
    [
        (torch.linspace(-40, 40, 80_001, dtype=torch.float64), 1.0, 0.11142148218473617972),
        (torch.linspace(-30, 40, 700_001, dtype=torch.float64), 0.5, 0.030311300520838980579),
    ],
)
def test_the_grids_that_broke_the_old_divergences(x, mu, expected_jsd):
    # Issue 11: here KL came out inf and JSD log 2, because p is a subnormal where q has
    # underflowed to 0 (an infinite KL integrand) and m = (p + q)/2 rounds to 0 where p > 0.
    p, q = th.gaussian_pdf(x, 0, 1), th.gaussian_pdf(x, mu, 1)
    tiny = torch.finfo(torch.float64).tiny
    subnormal_over_zero = ((p > 0) & (p < tiny) & (q == 0)) | ((q > 0) & (q < tiny) & (p == 0))
    assert bool(subnormal_over_zero.any())
    assert bool(((p + q > 0) & ((p + q) / 2 == 0)).any())
    assert th.js_divergence(p, q, x) == pytest.approx(expected_jsd, rel=1e-9)
    assert th.kl_divergence(p, q, x) == pytest.approx(mu**2 / 2, rel=1e-9)
    assert th.kl_divergence(q, p, x) == pytest.approx(mu**2 / 2, rel=1e-9)


def test_the_other_grid_quantities_on_a_wide_grid():
    x = torch.linspace(-40, 40, 80_001, dtype=torch.float64)
    p, q = th.gaussian_pdf(x, 0, 1), th.gaussian_pdf(x, 1, 1)
    jsd = gaussian_jsd_reference(0, 1, 1, 1)
    a_star = th.optimal_discriminator(p, q, logit=True)
    assert not bool(torch.isnan(a_star).any())
    assert th.gan_value(p, q, a_star, x, logit=True) == pytest.approx(
        2 * jsd - 2 * math.log(2), abs=1e-9
    )
    # |p - q| has a kink at x = 1/2, so the trapezoid rule is good to O(h^2) there, not better
    assert th.total_variation(p, q, x) == pytest.approx(math.erf(0.5 / math.sqrt(2)), rel=1e-6)
    assert th.wasserstein1(p, q, x) == pytest.approx(1.0, rel=1e-9)
    # and the far tails change nothing: the same numbers as on a grid where nothing underflows
    xn = x[20_000:60_001]  # [-20, 20], the same points
    pn, qn = p[20_000:60_001], q[20_000:60_001]
    assert th.total_variation(p, q, x) == pytest.approx(th.total_variation(pn, qn, xn), abs=1e-15)
    assert th.wasserstein1(p, q, x) == pytest.approx(th.wasserstein1(pn, qn, xn), abs=1e-12)
    a_narrow = th.optimal_discriminator(pn, qn, logit=True)
    assert th.gan_value(p, q, a_star, x, logit=True) == pytest.approx(
        th.gan_value(pn, qn, a_narrow, xn, logit=True), abs=1e-14
    )


def test_a_coarse_grid_still_tells_an_underflowed_tail_from_a_gap():
    # h = 1: the last nonzero values of the tails are far from 0, yet below 2**-511
    x = torch.linspace(-40, 40, 81, dtype=torch.float64)
    p, q = th.gaussian_pdf(x, 0, 1), th.gaussian_pdf(x, 1, 1)
    assert bool(((p > 0) & (q == 0)).any())
    assert th.kl_divergence(p, q, x) == pytest.approx(0.5, rel=1e-6)
    assert th.js_divergence(p, q, x) == pytest.approx(gaussian_jsd_reference(0, 1, 1, 1), rel=1e-5)


def test_far_tails_need_log_densities_and_say_so():
    # N(0,1) vs N(60,1): q underflows to 0 where p is of order 1, so the density arrays lose
    # most of KL = 1800; the call refuses rather than answer wrongly. The log path is exact.
    x = torch.linspace(-50, 110, 160_001, dtype=torch.float64)
    with pytest.raises(ValueError, match="log-densities"):
        th.kl_divergence(th.gaussian_pdf(x, 0, 1), th.gaussian_pdf(x, 60, 1), x)
    log_p, log_q = th.gaussian_log_pdf(x, 0, 1), th.gaussian_log_pdf(x, 60, 1)
    assert th.kl_divergence(log_p, log_q, x, log_densities=True) == pytest.approx(1800, rel=1e-9)
    # JSD is bounded, so the density arrays suffice: log 2 minus a number far below rounding
    assert th.js_divergence(
        th.gaussian_pdf(x, 0, 1), th.gaussian_pdf(x, 60, 1), x
    ) == pytest.approx(math.log(2), rel=1e-12)
    # a narrow q under a broad p: q underflows at 3.9 standard deviations of p
    xn = torch.linspace(-25, 25, 50_001, dtype=torch.float64)
    with pytest.raises(ValueError, match="log-densities"):
        th.kl_divergence(th.gaussian_pdf(xn, 0, 1), th.gaussian_pdf(xn, 0, 0.1), xn)
    assert th.kl_divergence(
        th.gaussian_log_pdf(xn, 0, 1), th.gaussian_log_pdf(xn, 0, 0.1), xn, log_densities=True
    ) == pytest.approx(th.gaussian_kl(0, 1, 0, 0.1), rel=1e-9)


def test_gaussian_log_pdf():
    x = torch.linspace(-30, 30, 601, dtype=torch.float64)
    log_p, p = th.gaussian_log_pdf(x, 1.5, 0.7), th.gaussian_pdf(x, 1.5, 0.7)
    normal = p >= torch.finfo(torch.float64).tiny
    assert bool((~normal).any()) and bool(torch.isfinite(log_p).all())
    assert torch.allclose(log_p[normal], torch.log(p[normal]), rtol=1e-13)
    assert th.gaussian_log_pdf(torch.tensor([1000.0]), 0, 1).item() == pytest.approx(
        -5e5 - 0.5 * math.log(2 * math.pi)
    )


def truncated_gaussian(x, lower):
    p = th.gaussian_pdf(x, 0, 1) * (x >= lower)
    return p / torch.trapezoid(p, x)


def test_kl_is_zero_for_equal_and_infinite_where_q_vanishes():
    p = th.gaussian_pdf(X, 0, 1)
    assert th.kl_divergence(p, p, X) == 0.0
    assert th.kl_divergence(box(X, 0, 2), box(X, 1, 3), X) == math.inf
    # genuine gaps in q's support, even where p has almost no mass: a truncated Gaussian
    # (p's mass below -20 is 3e-89), a uniform box that p's tails overhang
    assert th.kl_divergence(p, truncated_gaussian(X, -3.0), X) == math.inf
    assert th.kl_divergence(p, truncated_gaussian(X, -20.0), X) == math.inf
    assert th.kl_divergence(p, box(X, -10, 10), X) == math.inf
    # and with log-densities: -inf marks the gap
    assert (
        th.kl_divergence(torch.log(p), torch.log(box(X, -10, 10)), X, log_densities=True)
        == math.inf
    )
    # the other way round is finite when q covers p
    assert math.isfinite(th.kl_divergence(box(X, 1, 2), box(X, 0, 3), X))
    assert th.kl_divergence(box(X, 1, 2), box(X, 0, 3), X) == pytest.approx(math.log(3), rel=1e-3)


def test_kl_is_asymmetric():
    p, q = th.gaussian_pdf(X, 0, 1), th.gaussian_pdf(X, 0, 2)
    assert th.kl_divergence(p, q, X) != pytest.approx(th.kl_divergence(q, p, X), rel=1e-2)


def test_js_symmetric_zero_and_log2():
    g = torch.Generator().manual_seed(0)
    p, q = random_mixture(g), random_mixture(g)
    assert th.js_divergence(p, q, X) == pytest.approx(th.js_divergence(q, p, X), rel=1e-12)
    assert 0 < th.js_divergence(p, q, X) < math.log(2)
    assert th.js_divergence(p, p, X) == pytest.approx(0, abs=1e-12)
    assert th.js_divergence(box(X, -2, -1), box(X, 1, 5), X) == pytest.approx(
        math.log(2), abs=1e-12
    )


def test_js_never_exceeds_log2_even_far_apart():
    for mu in (5, 10, 20):
        assert th.js_divergence(th.gaussian_pdf(X, 0, 1), th.gaussian_pdf(X, mu, 1), X) <= math.log(
            2
        )


def test_js_is_log2_for_disjoint_supports_and_not_clipped_otherwise():
    # disjoint: exactly log 2, from densities and from log-densities (-inf off the support)
    p, q = box(X, -2, -1), box(X, 1, 5)
    assert th.js_divergence(p, q, X) == pytest.approx(math.log(2), abs=1e-15)
    assert th.js_divergence(torch.log(p), torch.log(q), X, log_densities=True) == pytest.approx(
        math.log(2), abs=1e-15
    )
    # a grid whose normalisation is off by 5e-4 can pass log 2 only by that much; clipped
    x = torch.linspace(0, 10, 10_001, dtype=torch.float64)
    p, q = 1.0005 * box(x, 0, 1), 1.0005 * box(x, 5, 6)
    assert th.js_divergence(p, q, x) == math.log(2)
    # just below log 2 the value is kept, not rounded up to log 2
    for mu in (6.0, 8.0):
        jsd = th.js_divergence(th.gaussian_pdf(X, 0, 1), th.gaussian_pdf(X, mu, 1), X)
        assert jsd == pytest.approx(gaussian_jsd_reference(0, 1, mu, 1), rel=1e-12)
        assert jsd < math.log(2)


def test_js_keeps_its_digits_for_nearly_equal_densities():
    # JSD(N(0,1), N(eps,1)) = eps^2 / 8 + O(eps^4): a cancellation-prone regime
    for eps in (1e-3, 1e-5):
        jsd = th.js_divergence(th.gaussian_pdf(X, 0, 1), th.gaussian_pdf(X, eps, 1), X)
        assert jsd == pytest.approx(eps**2 / 8, rel=1e-5)


def test_js_equals_half_kl_to_the_mixture():
    g = torch.Generator().manual_seed(1)
    p, q = random_mixture(g), random_mixture(g)
    m = 0.5 * (p + q)
    expected = 0.5 * th.kl_divergence(p, m, X) + 0.5 * th.kl_divergence(q, m, X)
    assert th.js_divergence(p, q, X) == pytest.approx(expected, rel=1e-10)


@pytest.mark.parametrize("seed", range(5))
def test_value_at_optimal_discriminator_is_2jsd_minus_2log2(seed):
    g = torch.Generator().manual_seed(seed)
    p_data, p_g = random_mixture(g), random_mixture(g)
    a_star = th.optimal_discriminator(p_data, p_g, logit=True)
    value = th.gan_value(p_data, p_g, a_star, X, logit=True)
    assert value == pytest.approx(2 * th.js_divergence(p_data, p_g, X) - 2 * math.log(2), abs=1e-6)


def test_probability_and_logit_forms_agree_where_nothing_rounds():
    x = torch.linspace(-8, 9, 20_001, dtype=torch.float64)
    p_data, p_g = th.gaussian_pdf(x, 0, 1), th.gaussian_pdf(x, 1, 1.3)
    d_star = th.optimal_discriminator(p_data, p_g)
    a_star = th.optimal_discriminator(p_data, p_g, logit=True)
    assert torch.allclose(torch.sigmoid(a_star), d_star, rtol=1e-12)
    v_prob = th.gan_value(p_data, p_g, d_star, x)
    assert v_prob == pytest.approx(th.gan_value(p_data, p_g, a_star, x, logit=True), abs=1e-12)
    assert v_prob == pytest.approx(2 * th.js_divergence(p_data, p_g, x) - 2 * math.log(2), abs=1e-6)


def test_probabilities_round_to_one_in_the_tails_but_logits_do_not():
    # Far in the left tail p_g / p_data < 1e-16, so D* is exactly 1.0 in float64 while
    # p_g > 0: the probability form gives -inf, the logit form the right value.
    x = torch.linspace(-25, 27, 52_001, dtype=torch.float64)
    p_data, p_g = th.gaussian_pdf(x, 0, 1), th.gaussian_pdf(x, 2, 1)
    assert th.gan_value(p_data, p_g, th.optimal_discriminator(p_data, p_g), x) == -math.inf
    v = th.gan_value(p_data, p_g, th.optimal_discriminator(p_data, p_g, logit=True), x, logit=True)
    assert v == pytest.approx(2 * th.js_divergence(p_data, p_g, x) - 2 * math.log(2), abs=1e-6)


def test_optimal_discriminator_formula_and_maximality():
    g = torch.Generator().manual_seed(2)
    p_data, p_g = random_mixture(g), random_mixture(g)
    d_star = th.optimal_discriminator(p_data, p_g)
    assert torch.allclose(d_star, p_data / (p_data + p_g), rtol=1e-12, atol=0)
    a_star = th.optimal_discriminator(p_data, p_g, logit=True)
    best = th.gan_value(p_data, p_g, a_star, X, logit=True)
    for _ in range(5):  # any other discriminator does worse
        other = a_star + 0.3 * torch.randn(X.shape, generator=g, dtype=torch.float64)
        assert th.gan_value(p_data, p_g, other, X, logit=True) < best
    # where both densities vanish D* is 1/2 by convention
    assert th.optimal_discriminator(
        torch.tensor([0.0, 1.0]), torch.tensor([0.0, 3.0])
    ).tolist() == [0.5, 0.25]


def test_equal_distributions_give_one_half_and_minus_2log2():
    p = th.gaussian_pdf(X, 0.3, 1.2)
    d_star = th.optimal_discriminator(p, p)
    assert torch.all(d_star == 0.5)
    assert th.gan_value(p, p, d_star, X) == pytest.approx(-2 * math.log(2), abs=1e-10)
    assert torch.all(th.optimal_discriminator(p, p, logit=True) == 0)


def test_gan_value_is_minus_infinity_for_a_certain_wrong_discriminator():
    p = box(X, 0, 1)
    assert th.gan_value(p, box(X, 2, 3), torch.zeros_like(X), X) == -math.inf


@pytest.mark.parametrize("shift", [0.5, 1.0, 3.0, -2.0])
def test_w1_of_a_shifted_density_is_the_shift(shift):
    g = torch.Generator().manual_seed(3)
    means, stds, w = [-1.0, 2.0], [0.5, 1.0], [0.3, 0.7]
    p = mixture(X, means, stds, w)
    q = mixture(X, [m + shift for m in means], stds, w)
    assert th.wasserstein1(p, q, X) == pytest.approx(abs(shift), rel=1e-6)
    assert th.gaussian_w1_shift(shift) == abs(shift)
    del g


def test_w1_of_disjoint_boxes_is_the_distance_between_them():
    assert th.wasserstein1(box(X, 0, 1), box(X, 4, 5), X) == pytest.approx(4.0, rel=1e-3)


def test_total_variation_closed_form():
    # TV(N(0,1), N(mu,1)) = 2 Phi(mu/2) - 1
    for mu in (0.5, 2.0):
        expected = math.erf(mu / 2 / math.sqrt(2))
        assert th.total_variation(
            th.gaussian_pdf(X, 0, 1), th.gaussian_pdf(X, mu, 1), X
        ) == pytest.approx(expected, rel=1e-6)
    assert th.total_variation(box(X, 0, 1), box(X, 2, 3), X) == pytest.approx(1.0, abs=1e-12)


def test_integrate_is_the_trapezoid_rule():
    x = torch.linspace(0, 1, 11, dtype=torch.float64)
    assert th.integrate(x**2, x) == pytest.approx(
        0.1 * (sum((i / 10) ** 2 for i in range(11)) - 0.5), rel=1e-12
    )


@pytest.mark.parametrize(
    "call,match",
    [
        (lambda: th.kl_divergence(-th.gaussian_pdf(X), th.gaussian_pdf(X), X), "negative"),
        (lambda: th.js_divergence(th.gaussian_pdf(X), th.gaussian_pdf(X[:-1]), X), "grid x has"),
        (lambda: th.wasserstein1(th.gaussian_pdf(X), 2 * th.gaussian_pdf(X), X), "integrates to 2"),
        (
            lambda: th.total_variation(th.gaussian_pdf(X), th.gaussian_pdf(X), X.flip(0)),
            "increasing",
        ),
        (
            lambda: th.kl_divergence(
                torch.ones(3) / 3, torch.ones(3) / 3, torch.tensor([0.0, 1.0, 3.0])
            ),
            "uniform",
        ),
        (lambda: th.js_divergence(torch.full_like(X, math.nan), th.gaussian_pdf(X), X), "NaN"),
        (
            lambda: th.js_divergence(
                torch.full_like(X, math.inf), th.gaussian_log_pdf(X), X, log_densities=True
            ),
            r"NaN or \+inf",
        ),
        (
            lambda: th.kl_divergence(th.gaussian_pdf(X), th.gaussian_pdf(X), X, log_densities=True),
            "integrates to",
        ),
        (
            lambda: th.gan_value(
                th.gaussian_pdf(X), th.gaussian_pdf(X), torch.full_like(X, 1.5), X
            ),
            r"\[0, 1\]",
        ),
        (lambda: th.optimal_discriminator(torch.ones(3), torch.ones(4)), "same shape"),
        (lambda: th.gaussian_kl(0, -1, 0, 1), "positive"),
        (lambda: th.generator_logit_gradient(0.5, "wasserstein"), "minimax"),
        (lambda: th.integrate(torch.ones(2, 2), X), "1-D"),
    ],
)
def test_bad_input_is_a_clear_error(call, match):
    with pytest.raises(ValueError, match=match):
        call()


@pytest.mark.parametrize(
    "loss_name,loss_fn", [("minimax", minimax_g_loss), ("nonsaturating", nonsaturating_g_loss)]
)
def test_generator_logit_gradient_matches_autograd_of_the_loss(loss_name, loss_fn):
    logits = torch.linspace(-8, 8, 33, dtype=torch.float64, requires_grad=True)
    # sum of per-sample losses: loss_fn averages, so scale back by N
    (loss_fn(logits) * logits.numel()).backward()
    expected = th.generator_logit_gradient(torch.sigmoid(logits.detach()), loss_name)
    assert torch.allclose(logits.grad, expected, atol=1e-12)


def test_saturation_at_confident_rejection():
    d = torch.tensor([1e-4])
    assert th.generator_logit_gradient(d, "minimax").abs().item() == pytest.approx(1e-4)
    assert th.generator_logit_gradient(d, "nonsaturating").abs().item() == pytest.approx(1 - 1e-4)


def test_bilinear_game_simultaneous_spirals_out_at_the_closed_form_rate():
    lr, steps = 0.2, 100
    path = th.bilinear_game(1.0, 0.5, lr, steps)
    radius = path.norm(dim=1)
    t = torch.arange(steps + 1, dtype=torch.float64)
    assert torch.allclose(radius, radius[0] * (1 + lr**2) ** (t / 2), rtol=1e-12)


def test_bilinear_game_alternating_conserves_its_invariant():
    lr = 0.3
    path = th.bilinear_game(1.0, 0.5, lr, 500, alternating=True)
    q = path[:, 0] ** 2 + path[:, 1] ** 2 - lr * path[:, 0] * path[:, 1]
    assert torch.allclose(q, q[0].expand_as(q), rtol=1e-10)
    assert path.norm(dim=1).max() < 2 * path[0].norm()


# ----------------------------------------------------------------------------- exact W1 of samples
def test_w1_of_1d_samples_known_cases():
    x = torch.tensor([0.0, 1.0, 2.0])
    assert th.wasserstein1_samples_1d(x, x + 0.7) == pytest.approx(0.7)  # a shift moves every grain
    # two-point distributions: mass 1/2 at 0 and 1 vs mass 1 at 0 -> half the earth moves 1
    assert th.wasserstein1_samples_1d(
        torch.tensor([0.0, 1.0]), torch.tensor([0.0])
    ) == pytest.approx(0.5)
    # unequal sizes against the sorted-matching formula on a common refinement
    a, b = torch.tensor([0.0, 2.0]), torch.tensor([1.0, 1.0, 4.0, 4.0])
    aa = torch.tensor([0.0, 0.0, 2.0, 2.0])  # the same distribution as a, with 4 atoms
    assert th.wasserstein1_samples_1d(a, b) == pytest.approx(
        (aa.sort().values - b.sort().values).abs().mean().item()
    )
    with pytest.raises(ValueError, match="non-empty"):
        th.wasserstein1_samples_1d(torch.tensor([]), x)


def test_w1_by_assignment_known_cases_and_1d_agreement():
    g = torch.Generator().manual_seed(0)
    x = torch.randn(50, 2, generator=g, dtype=torch.float64)
    shift = torch.tensor([3.0, 4.0], dtype=torch.float64)
    assert th.wasserstein1_assignment(x, x + shift) == pytest.approx(
        5.0
    )  # every point moves by |shift|
    perm = torch.randperm(50, generator=g)
    value, plan = th.wasserstein1_assignment(x, x[perm], return_plan=True)
    assert value == pytest.approx(0.0, abs=1e-12) and torch.equal(perm[plan], torch.arange(50))
    u, v = torch.rand(200, generator=g), torch.rand(200, generator=g) * 2
    assert th.wasserstein1_assignment(u, v) == pytest.approx(
        th.wasserstein1_samples_1d(u, v), rel=1e-9
    )
    images = torch.rand(10, 1, 4, 4, generator=g)
    assert th.wasserstein1_assignment(images, images + 0.5) == pytest.approx(0.5 * 4)  # 16 pixels
    with pytest.raises(ValueError, match="equal size"):
        th.wasserstein1_assignment(x, x[:10])
