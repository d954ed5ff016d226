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


# ----------------------------------------------------------------- the chance baseline
from gancourse.metrics import chance_coverage  # noqa: E402
from gancourse.metrics.modes import _moment_matched_gaussian  # noqa: E402


@pytest.fixture(scope="module")
def grid_chance():
    return chance_coverage(grid(), seeds=(0, 1, 2))


def test_chance_baselines_score_many_modes_on_the_raw_protocol(grid_chance):
    # the reason the baseline exists: a blob "captures" most of the grid under the raw protocol
    gaussian = grid_chance.summary("moment-matched Gaussian")
    box = grid_chance.summary("uniform box")
    assert 12 <= gaussian[0] <= 22 and 0.005 < gaussian[1] < 0.03
    assert box[0] >= 19 and box[1] < 0.05
    assert len(grid_chance.baselines["uniform box"]) == 3


def test_chance_samplers_capture_no_mode_above_chance(grid_chance):
    dist = grid()
    passed = 0
    for seed in range(100, 110):  # seeds unseen by the probe
        g = torch.Generator().manual_seed(seed)
        for sampler in ("gaussian", "box"):
            if sampler == "gaussian":
                x = _moment_matched_gaussian(dist, 2500, g)
            else:
                from gancourse.metrics.modes import _uniform_box

                x = _uniform_box(dist, 2500, g, 3.0)
            raw = mode_coverage(x, dist, chance=grid_chance)
            assert raw.modes_captured >= 10  # raw protocol fooled ...
            passed += raw.modes_above_chance  # ... the rule is not
    # 20 evaluations x 25 modes at alpha = 1e-3 each: about 0.5 false passes expected
    assert passed <= 3


def test_true_samples_pass_every_mode(grid_chance):
    dist = grid()
    result = mode_coverage(
        dist.sample(2500, generator=torch.Generator().manual_seed(5)), dist, chance=grid_chance
    )
    assert result.modes_above_chance == 25 and "25 above chance" in str(result)


def test_rule_counts_only_modes_above_their_binomial_threshold(grid_chance):
    from scipy.stats import binom

    dist = grid()
    needed = grid_chance.count_thresholds(2500)
    for t, p in zip(needed, grid_chance.mode_probability, strict=True):
        # t is the smallest count a chance sampler reaches with probability <= alpha
        assert binom.sf(t - 1, 2500, p) <= 1e-3 < binom.sf(t - 2, 2500, p)
    # three modes well covered, two with a few samples (captured by the raw protocol, not
    # above chance), the rest of the samples far from every mode
    counts = {0: 50, 7: 40, 12: needed[12], 20: 2, 24: needed[24] - 1}
    parts = [dist.modes[k].repeat(c, 1) for k, c in counts.items()]
    filler = torch.full((2500 - sum(counts.values()), 2), 1.0, dtype=torch.float64)  # between modes
    result = mode_coverage(torch.cat(parts + [filler]), dist, chance=grid_chance)
    assert result.modes_captured == 5
    assert result.modes_above_chance == 3


def test_moment_matched_gaussian_has_the_mixture_moments():
    dist = ring()
    x = _moment_matched_gaussian(dist, 200_000, torch.Generator().manual_seed(0))
    data = dist.sample(200_000, generator=torch.Generator().manual_seed(1), dtype=torch.float64)
    assert torch.allclose(x.mean(0), data.mean(0), atol=0.02)
    assert torch.allclose(torch.cov(x.T), torch.cov(data.T), atol=0.03)
    # the ring's covariance is (r^2 / 2 + std^2) I = 2.0004 I
    assert torch.allclose(torch.cov(x.T), 2.0004 * torch.eye(2, dtype=torch.float64), atol=0.03)


def test_chance_coverage_is_reproducible_and_checked():
    a, b = chance_coverage(ring(), seeds=(0,)), chance_coverage(ring(), seeds=(0,))
    assert a == b
    with pytest.raises(ValueError, match="25 modes"):
        mode_coverage(torch.zeros(10, 2), ring(), chance=chance_coverage(grid(), seeds=(0,)))
    with pytest.raises(ValueError, match="no modes"):
        chance_coverage(swiss_roll())
    with pytest.raises(ValueError, match="alpha"):
        chance_coverage(ring(), alpha=0)


def test_summaries_and_table_report_mean_sd_and_the_baseline_rows():
    from gancourse.metrics import coverage_table, summarize_coverage

    dist = ring()
    chance = chance_coverage(dist, seeds=(0, 1))
    perfect = mode_coverage(dist.modes.repeat(10, 1), dist, chance=chance)
    collapsed = mode_coverage(dist.modes[:1].repeat(80, 1), dist, chance=chance)
    s = summarize_coverage([perfect, collapsed])
    assert s.modes == (4.5, 3.5) and s.modes_above_chance == (4.5, 3.5)
    assert s.all_modes_above_chance == 1 and s.n_seeds == 2
    assert s.reverse_kl == pytest.approx((math.log(8) / 2, math.log(8) / 2))
    table = coverage_table({"two runs": [perfect, collapsed]}, chance).splitlines()
    assert len(table) == 4 and table[1].startswith("chance: moment-matched Gaussian")
    assert table[3].startswith("two runs") and "4.5 ± 3.5/8" in table[3]
    with pytest.raises(ValueError, match="no results"):
        summarize_coverage([])


# ----------------------------------------------------------------- edges found by mutation testing
import re  # noqa: E402
from types import SimpleNamespace  # noqa: E402

from gancourse.metrics.modes import (  # noqa: E402
    CHANCE_SAMPLERS,
    ChanceCoverage,
    ModeCoverage,
    coverage_table,
    summarize_coverage,
)


def two_modes():
    """A hand-made mixture: modes (0, 0) and (10, 0), std 0.5, weights 1/4 and 3/4."""
    return SimpleNamespace(
        modes=torch.tensor([[0.0, 0.0], [10.0, 0.0]], dtype=torch.float64),
        std=0.5,
        stds=torch.tensor([0.1, 0.3], dtype=torch.float64),
        weights=torch.tensor([0.25, 0.75], dtype=torch.float64),
        dim=2,
        n_modes=2,
    )


def coverage(captured, hq, kl, above=None, counts=(1, 1, 1, 1, 1, 1, 1, 1)):
    return ModeCoverage(captured, 8, hq, kl, counts, above)


def test_mode_coverage_in_words_and_at_exactly_three_standard_deviations():
    assert str(coverage(7, 0.5, 0.1234)) == "7/8 modes, 50.0% high quality, reverse KL 0.123"
    assert str(coverage(7, 0.5, 0.1234, above=5)) == (
        "7/8 modes (5 above chance), 50.0% high quality, reverse KL 0.123"
    )
    dist = two_modes()
    on_the_edge = torch.tensor([[1.5, 0.0], [10.0, 1.6]], dtype=torch.float64)
    result = mode_coverage(on_the_edge, dist)  # 1.5 = 3 x 0.5 counts; 1.6 does not
    assert result.counts == (1, 0) and result.high_quality == 0.5
    with pytest.raises(ValueError, match=r"^no samples given; the protocol draws 2,500$"):
        mode_coverage(torch.zeros(0, 2), dist)
    with pytest.raises(ValueError, match=r"^samples contain NaN or inf: the generator diverged$"):
        mode_coverage(torch.tensor([[math.inf, 0.0]]), dist)


def test_moment_matched_gaussian_of_an_unbalanced_mixture_off_the_origin():
    dist = two_modes()
    dist.modes = torch.tensor([[0.0, 0.0], [2.0, 0.0]], dtype=torch.float64)
    x = _moment_matched_gaussian(dist, 400_000, torch.Generator().manual_seed(0))
    # mean 0.75 * (2, 0); covariance sum_k w_k (s_k^2 I + m_k m_k^T) - mean mean^T
    assert torch.allclose(x.mean(0), torch.tensor([1.5, 0.0], dtype=torch.float64), atol=0.005)
    expected = torch.tensor([[0.82, 0.0], [0.0, 0.07]], dtype=torch.float64)
    assert torch.allclose(torch.cov(x.T), expected, atol=0.005)


def hand_chance(**kwargs):
    kwargs.setdefault("baselines", {})
    return ChanceCoverage(n_modes=2, n=100, threshold=3.0, alpha=1e-3, **kwargs)


def test_count_thresholds_are_at_least_one_and_follow_the_number_of_samples():
    chance = hand_chance(mode_probability=(0.0, 0.2))
    assert chance.count_thresholds(100)[0] == 1  # a mode chance never reaches: one sample shows it
    t100, t10 = chance.count_thresholds(100)[1], chance.count_thresholds(10)[1]
    assert t10 < t100
    assert chance.above_chance((1, t10)) == 1  # default: the chance's own n = 100 samples
    assert chance.above_chance((1, t10), n_samples=10) == 2
    with pytest.raises(ValueError, match=r"^need 2 per-mode counts, got 3$"):
        chance.above_chance((1, 2, 3))


def test_mode_coverage_judges_its_counts_at_its_own_number_of_samples(grid_chance):
    dist = grid()
    t_small, t_full = grid_chance.count_thresholds(100)[0], grid_chance.count_thresholds(2500)[0]
    assert t_small < t_full
    samples = torch.cat(
        [
            dist.modes[:1].repeat(t_small, 1),
            torch.full((100 - t_small, 2), 1.0, dtype=torch.float64),
        ]
    )
    assert mode_coverage(samples, dist, chance=grid_chance).modes_above_chance == 1


def test_chance_summary_and_words():
    rows = (coverage(6, 0.5, 0.1), coverage(7, 0.25, 0.2), coverage(8, 0.0, math.inf))
    chance = hand_chance(
        mode_probability=(0.1, 0.1),
        baselines={"blob": rows, "nothing": (coverage(0, 0.0, math.inf),)},
    )
    modes, hq, kl = chance.summary("blob")
    assert (modes, hq) == (7.0, 0.25) and kl == pytest.approx(0.15)  # KL over the finite seeds
    assert chance.summary("nothing") == (0.0, 0.0, math.inf)
    assert str(chance) == (
        "chance (blob): 7.0/2 modes, 25.0% high quality, reverse KL 0.150\n"
        "chance (nothing): 0.0/2 modes, 0.0% high quality, reverse KL inf"
    )


def test_chance_coverage_arguments_and_its_threshold():
    for n, seeds in ((0, (0,)), (10, ())):
        message = f"need n > 0 samples and at least one seed, got n={n}, seeds={seeds}"
        with pytest.raises(ValueError, match=f"^{re.escape(message)}$"):
            chance_coverage(ring(), n=n, seeds=seeds, probe=100)
    for alpha in (1.0, 1.5):
        with pytest.raises(ValueError, match=rf"^alpha is a probability in \(0, 1\), got {alpha}$"):
            chance_coverage(ring(), alpha=alpha, probe=100)
    assert len(chance_coverage(ring(), n=1, seeds=(0,), probe=100).baselines["uniform box"]) == 1
    dist = ring()
    tight = chance_coverage(dist, n=500, seeds=(0, 1), threshold=2.0, probe=50_000)
    loose = chance_coverage(dist, n=500, seeds=(0, 1), threshold=3.0, probe=50_000)
    for name, sampler in CHANCE_SAMPLERS.items():
        g = torch.Generator().manual_seed(1)
        assert tight.baselines[name][1] == mode_coverage(sampler(dist, 500, g, 2.0), dist, 2.0)
    # smaller balls catch fewer chance samples, in the probe too
    assert sum(tight.mode_probability) < 0.8 * sum(loose.mode_probability)
    assert all(isinstance(p, float) for p in tight.mode_probability)


def test_summaries_of_one_seed_and_of_seeds_without_a_baseline():
    one = summarize_coverage([coverage(8, 0.5, 0.2, above=8)])
    assert one.n_seeds == 1 and one.modes == (8.0, 0.0) and one.all_modes_above_chance == 1
    assert one.high_quality == (50.0, 0.0)
    mixed = summarize_coverage([coverage(8, 0.5, 0.2, above=8), coverage(6, 0.25, 0.3, above=None)])
    assert all(math.isnan(v) for v in mixed.modes_above_chance)
    assert mixed.all_modes_above_chance == 1 and mixed.high_quality == (37.5, 12.5)
    with pytest.raises(ValueError, match=r"^no results to summarise$"):
        summarize_coverage([])


def test_coverage_table_layout():
    # a baseline that cannot reach any mode by chance: its one seed passes every mode it hits
    chance = ChanceCoverage(
        n_modes=8,
        n=100,
        threshold=3.0,
        alpha=1e-3,
        mode_probability=(0.0,) * 8,
        baselines={"blob": (coverage(8, 0.5, math.inf),)},
    )
    table = coverage_table(
        {
            "two runs": [coverage(8, 0.5, 0.25, above=8), coverage(6, 0.25, 0.75, above=4)],
            "unjudged": [coverage(3, 0.1, math.inf)],
        },
        chance,
    ).splitlines()
    assert table[0].split() == (
        "setting seeds modes (raw) above chance all high quality % reverse KL".split()
    )
    assert table[0].startswith("setting" + " " * 28 + "seeds")
    assert table[1] == (
        f"{'chance: blob':34s}     1   8.0 ± 0.0/8    8.0 ± 0.0      1     50.0 ±  0.0          inf"
    )
    assert table[2] == (
        f"{'two runs':34s}     2   7.0 ± 1.0/8    6.0 ± 2.0      1     37.5 ± 12.5   0.50 ±0.25"
    )
    assert table[3] == (
        f"{'unjudged':34s}     1   3.0 ± 0.0/8        -          0     10.0 ±  0.0          inf"
    )


def test_an_object_without_modes_is_refused_in_words():
    for call in (
        lambda: mode_coverage(torch.zeros(3, 2), object()),
        lambda: chance_coverage(object()),
    ):
        with pytest.raises(ValueError, match="has no modes to cover"):
            call()
