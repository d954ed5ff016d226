"""FID, KID, IS, precision/recall and Parzen: closed forms and reference implementations."""

import math
import os
import warnings

import numpy as np
import pytest
import torch
from torch import nn

from gancourse.metrics import (
    feature_statistics,
    fid,
    fid_from_stats,
    inception_score,
    kid,
    parzen_log_likelihood,
    precision_recall,
    select_parzen_sigma,
)
from gancourse.metrics.kid import kid_blocks, mmd2_unbiased
from gancourse.metrics.nearest import memorisation_check
from gancourse.metrics.precision_recall import inside_knn_balls, knn_radii


def random_features(n, d, seed, shift=0.0, scale=1.0):
    g = torch.Generator().manual_seed(seed)
    mixing = torch.randn(d, d, generator=g, dtype=torch.float64) / math.sqrt(d)
    return (torch.randn(n, d, generator=g, dtype=torch.float64) @ mixing) * scale + shift


A = random_features(600, 32, 0)
B = random_features(500, 32, 1, shift=0.3, scale=1.2)


# ------------------------------------------------------------------ FID
def test_fid_matches_torch_fidelity():
    from torch_fidelity.metric_fid import fid_statistics_to_metric

    (mu1, s1), (mu2, s2) = feature_statistics(A), feature_statistics(B)
    reference = fid_statistics_to_metric(
        {"mu": mu1.numpy(), "sigma": s1.numpy()},
        {"mu": mu2.numpy(), "sigma": s2.numpy()},
        verbose=False,
    )["frechet_inception_distance"]
    assert fid(A, B) == pytest.approx(reference, rel=1e-6)


class Passthrough(nn.Module):
    """A 'feature extractor' that returns its input: lets a reference metric see our features."""

    def __init__(self, d):
        super().__init__()
        self.num_features = d

    def forward(self, x):
        return x


def test_fid_matches_torchmetrics():
    from torchmetrics.image.fid import FrechetInceptionDistance

    metric = FrechetInceptionDistance(feature=Passthrough(32))
    metric.update(A, real=True)
    metric.update(B, real=False)
    assert fid(A, B) == pytest.approx(metric.compute().item(), rel=1e-6)


def test_fid_between_gaussians_is_the_closed_form_frechet_distance():
    # Commuting covariances: FID = |mu1 - mu2|^2 + sum (sqrt(a_i) - sqrt(b_i))^2
    g = torch.Generator().manual_seed(0)
    q, _ = torch.linalg.qr(torch.randn(16, 16, generator=g, dtype=torch.float64))
    a, b = (
        torch.rand(16, generator=g, dtype=torch.float64) + 0.1,
        torch.rand(16, generator=g, dtype=torch.float64) + 0.1,
    )
    mu1, mu2 = (
        torch.randn(16, generator=g, dtype=torch.float64),
        torch.randn(16, generator=g, dtype=torch.float64),
    )
    expected = ((mu1 - mu2) ** 2).sum() + ((a.sqrt() - b.sqrt()) ** 2).sum()
    value = fid_from_stats(mu1, q @ torch.diag(a) @ q.T, mu2, q @ torch.diag(b) @ q.T)
    assert value == pytest.approx(expected.item(), rel=1e-9)
    # 1-D: W2^2 between N(m1, s1^2) and N(m2, s2^2) = (m1 - m2)^2 + (s1 - s2)^2
    assert fid_from_stats([1.0], [[4.0]], [3.0], [[9.0]]) == pytest.approx(4.0 + 1.0)


def test_fid_of_a_set_with_itself_is_zero():
    assert abs(fid(A, A)) < 1e-6


def test_fid_warns_when_fewer_samples_than_dimensions():
    with pytest.warns(UserWarning, match="only 20 samples for 32-dimensional"):
        fid(A[:20], B[:20])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fid(A, B)


def test_fid_bad_input():
    with pytest.raises(ValueError, match="dimensions differ"):
        fid(A, B[:, :8])
    with pytest.raises(ValueError, match="NaN"):
        fid(torch.full((5, 2), math.nan), torch.zeros(5, 2))


# ------------------------------------------------------------------ KID
def test_kid_matches_torch_fidelity_on_one_full_subset():
    from torch_fidelity.metric_kid import kid_features_to_metric

    n = 500
    reference = kid_features_to_metric(
        A[:n], B[:n], kid_subsets=1, kid_subset_size=n, verbose=False
    )
    mean, std = kid(A[:n], B[:n], subsets=1, subset_size=n)
    assert mean == pytest.approx(reference["kernel_inception_distance_mean"], rel=1e-6)
    assert std == 0.0


@pytest.mark.filterwarnings("ignore:Metric `Kernel Inception Distance` will save")
def test_kid_matches_torchmetrics():
    from torchmetrics.image.kid import KernelInceptionDistance

    n = 500
    metric = KernelInceptionDistance(feature=Passthrough(32), subsets=1, subset_size=n)
    metric.update(A[:n], real=True)
    metric.update(B[:n], real=False)
    reference_mean, _ = metric.compute()
    assert kid(A[:n], B[:n], subsets=1, subset_size=n)[0] == pytest.approx(
        reference_mean.item(), rel=1e-6
    )


def test_kid_is_about_zero_for_two_halves_of_one_sample():
    x = random_features(4000, 16, 5)
    mean, std = kid(x[:2000], x[2000:], subsets=50, subset_size=1000)
    # unbiased: zero within the spread of one subset's estimate (the subsets overlap, so
    # their average is not 50 independent estimates)
    assert abs(mean) < std
    different = random_features(2000, 16, 6, shift=0.3)
    assert kid(x[:2000], different, subsets=50, subset_size=1000)[0] > 10 * std


def test_kid_blocks_is_the_mean_over_disjoint_blocks():
    estimate = kid_blocks(A, B, block_size=100, seed=3)
    assert (estimate.blocks, estimate.block_size) == (5, 100)  # min(600, 500) // 100
    g = torch.Generator().manual_seed(3)  # the same shuffles, by hand
    order_a, order_b = torch.randperm(600, generator=g), torch.randperm(500, generator=g)
    by_hand = torch.stack(
        [
            mmd2_unbiased(A[order_a[i * 100 : (i + 1) * 100]], B[order_b[i * 100 : (i + 1) * 100]])
            for i in range(5)
        ]
    )
    assert estimate.mean == pytest.approx(float(by_hand.mean()), rel=1e-12)
    assert estimate.std == pytest.approx(float(by_hand.std()), rel=1e-12)
    assert estimate.standard_error == pytest.approx(float(by_hand.std()) / math.sqrt(5), rel=1e-12)


def test_kid_blocks_standard_error_matches_the_spread_over_independent_datasets():
    # 200 independent pairs of datasets: the reported SE must match the actual spread of the
    # estimate across datasets (the subsets of `kid` report a spread that does not shrink with N)
    means, errors, subset_stds = [], [], []
    g = torch.Generator().manual_seed(0)
    for seed in range(200):  # one fixed pair of distributions: N(0, I) and N(0.1, I) in 8-d
        x = torch.randn(800, 8, generator=g, dtype=torch.float64)
        y = torch.randn(800, 8, generator=g, dtype=torch.float64) + 0.1
        estimate = kid_blocks(x, y, block_size=100, seed=seed)
        means.append(estimate.mean)
        errors.append(estimate.standard_error)
        if seed < 20:
            subset_stds.append(kid(x, y, subsets=20, subset_size=100, seed=seed)[1])
    actual = float(np.std(means, ddof=1))
    # the mean SE is within 15% of the true spread (which 200 datasets measure to about 5%)
    assert np.mean(errors) == pytest.approx(actual, rel=0.15)
    # the subset std is the spread of ONE subset's estimate: about sqrt(8) times larger
    assert np.mean(subset_stds) > 2 * actual


def test_kid_blocks_errors():
    with pytest.raises(ValueError, match="at least 2 disjoint blocks"):
        kid_blocks(A, B, block_size=300)  # only one block of 300 in B
    with pytest.raises(ValueError, match="block_size must be >= 2"):
        kid_blocks(A, B, block_size=1)


def test_kid_errors():
    with pytest.raises(ValueError, match="subset_size 1000"):
        kid(A, B)  # only 500 in B


# ------------------------------------------------------------------ IS
def test_inception_score_matches_torch_fidelity():
    from torch_fidelity.metric_isc import isc_features_to_metric

    logits = 3 * random_features(1000, 10, 2).float()
    ref = isc_features_to_metric(logits, splits=10, shuffle=False)
    mean, std = inception_score(logits, splits=10)
    assert mean == pytest.approx(ref["inception_score_mean"], rel=1e-6)
    assert std == pytest.approx(ref["inception_score_std"], rel=1e-6)


def test_inception_score_extremes():
    confident = torch.full((1000, 10), -1e4)
    confident[torch.arange(1000), torch.arange(1000) % 10] = 1e4  # sure, and every class equally
    assert inception_score(confident, splits=10)[0] == pytest.approx(10.0, rel=1e-9)
    constant = torch.randn(1, 10).expand(1000, 10)  # the same prediction for every sample
    assert inception_score(constant, splits=10)[0] == pytest.approx(1.0, abs=1e-9)


# ------------------------------------------------------------------ precision / recall
def test_precision_recall_on_identical_and_disjoint_sets():
    x = random_features(400, 8, 3)
    assert precision_recall(x, x, k=3) == (1.0, 1.0)
    far = x + 100.0
    assert precision_recall(x, far, k=3) == (0.0, 0.0)


def test_precision_recall_detects_dropped_modes():
    g = torch.Generator().manual_seed(0)
    centres = 10 * torch.eye(4, dtype=torch.float64)
    labels = torch.arange(2000) % 4
    real = centres[labels] + torch.randn(2000, 4, generator=g, dtype=torch.float64)
    fake = centres[labels % 2] + torch.randn(
        2000, 4, generator=g, dtype=torch.float64
    )  # half the modes
    precision, recall = precision_recall(real, fake, k=3)
    assert precision > 0.9 and 0.4 < recall < 0.6


def test_inside_knn_balls_gives_precision_and_recall_and_the_radii_are_kth_neighbours():
    real, fake = random_features(300, 6, 11), random_features(250, 6, 12, shift=0.5)
    precision, recall = precision_recall(real, fake, k=3)
    assert inside_knn_balls(fake, real, k=3).double().mean().item() == precision
    assert inside_knn_balls(real, fake, k=3).double().mean().item() == recall
    brute = torch.cdist(real, real).sort(dim=1).values[:, 3]  # column 0 is the point itself
    assert torch.allclose(knn_radii(real, k=3, batch_size=64), brute, rtol=1e-12, atol=0)


def test_duplicated_samples_zero_the_radii_and_the_recall():
    real = random_features(500, 6, 13)
    distinct = random_features(500, 6, 14)
    _, recall_distinct = precision_recall(real, distinct, k=3)
    copies = distinct[:100].repeat(5, 1)  # 100 features, 5 copies each: k-th neighbour is a copy
    with pytest.warns(UserWarning, match="500 of the 500 generated k-NN radii are 0"):
        _, recall_copies = precision_recall(real, copies, k=3)
    assert recall_distinct > 0.5 and recall_copies == 0.0
    # 3 copies (k = 3 needs 4 for a zero radius) keep a nonzero radius: no warning
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        precision_recall(real, distinct[:100].repeat(3, 1), k=3)


# ------------------------------------------------------------------ memorisation
def test_memorisation_check_counts_below_the_test_quantile():
    test = torch.arange(1.0, 101.0)  # 100 test distances 1..100: the 1% cutoff is 1, 5% is 5
    generated = torch.tensor([0.5, 0.9, 3.0, 4.5, 50.0, 60.0, 70.0, 80.0])
    check = memorisation_check(generated, test, quantile=0.05)
    assert check.cutoff == 5.0 and check.copy_rate == 4 / 8 and check.chance_rate == 5 / 101
    assert check.median_ratio == pytest.approx(((4.5 + 50) / 2) / 50.5)
    check = memorisation_check(generated, test, quantile=0.01)
    assert check.cutoff == 1.0 and check.copy_rate == 2 / 8


def test_memorisation_check_false_alarm_rate_is_at_most_alpha():
    # generated distances drawn like the test ones: flagged in at most ~alpha of the trials
    g = torch.Generator().manual_seed(0)
    flagged = [
        memorisation_check(
            torch.rand(300, generator=g), torch.rand(300, generator=g), quantile=0.02, alpha=0.05
        ).memorising
        for _ in range(2000)
    ]
    assert np.mean(flagged) < 0.05 + 3 * math.sqrt(0.05 * 0.95 / 2000)


def test_memorisation_check_flags_a_few_copies_that_the_median_misses():
    from gancourse.metrics import nearest_neighbours

    g = torch.Generator().manual_seed(1)
    train = torch.rand(2000, 1, 6, 6, generator=g) * 2 - 1
    test = torch.rand(300, 1, 6, 6, generator=g) * 2 - 1
    honest = torch.rand(300, 1, 6, 6, generator=g) * 2 - 1
    copier = honest.clone()
    copier[:30] = train[:30] + 0.01 * torch.randn(30, 1, 6, 6, generator=g)  # 10% copies
    test_d, _ = nearest_neighbours(test, train)
    check_honest = memorisation_check(nearest_neighbours(honest, train)[0], test_d)
    check_copier = memorisation_check(nearest_neighbours(copier, train)[0], test_d)
    assert not check_honest.memorising and check_copier.memorising
    assert check_copier.median_ratio > 0.9  # the median alone would not have noticed
    assert "MEMORISING" in str(check_copier) and "no evidence" in str(check_honest)


def test_memorisation_check_errors():
    with pytest.raises(ValueError, match="quantile"):
        memorisation_check(torch.ones(3), torch.ones(3), quantile=1.0)
    with pytest.raises(ValueError, match="at least one"):
        memorisation_check(torch.ones(0), torch.ones(3))


# ------------------------------------------------------------------ Parzen
def test_parzen_log_likelihood_closed_form_for_one_kernel():
    samples = torch.zeros(1, 3, dtype=torch.float64)
    test = torch.tensor([[1.0, 0.0, 0.0], [0.0, 2.0, 0.0]], dtype=torch.float64)
    sigma = 0.5
    expected = [-1.5 * math.log(2 * math.pi * sigma**2) - 0.5 * r2 / sigma**2 for r2 in (1.0, 4.0)]
    mean, se = parzen_log_likelihood(samples, test, sigma)
    assert mean == pytest.approx(np.mean(expected), rel=1e-12)
    assert se == pytest.approx(np.std(expected, ddof=1) / math.sqrt(2), rel=1e-12)


def test_parzen_bandwidth_selection_finds_the_true_scale():
    g = torch.Generator().manual_seed(0)
    data = lambda n: 0.3 * torch.randn(n, 2, generator=g, dtype=torch.float64)  # noqa: E731
    best, scores = select_parzen_sigma(data(2000), data(500), [0.01, 0.03, 0.1, 0.3, 1.0])
    assert best in (0.03, 0.1) and len(scores) == 5 and scores[-1] < max(scores)
    with pytest.raises(ValueError, match="sigma must be positive"):
        parzen_log_likelihood(data(5), data(5), 0.0)


def test_nearest_neighbours_match_brute_force_across_chunks():
    from gancourse.metrics import nearest_neighbours

    g = torch.Generator().manual_seed(0)
    reference = torch.randint(0, 256, (1000, 1, 8, 8), dtype=torch.uint8, generator=g)
    queries = torch.rand(37, 1, 8, 8, generator=g) * 2 - 1
    queries[5] = reference[777].float() / 127.5 - 1  # an exact copy is found at distance 0
    dist, idx = nearest_neighbours(queries, reference, chunk_size=128)
    full = torch.cdist(queries.flatten(1).double(), (reference.double() / 127.5 - 1).flatten(1))
    assert torch.equal(idx, full.argmin(dim=1))
    assert torch.allclose(dist.double(), full.min(dim=1).values, atol=1e-4)
    assert idx[5] == 777 and dist[5] < 1e-3
    with pytest.raises(ValueError, match="trailing shape"):
        nearest_neighbours(queries, reference[:, :, :4])


# ------------------------------------------------------------------ edges found by mutation testing
def test_fid_from_stats_takes_python_lists_in_float64():
    # 1e8 + 1 is not a float32 number: a list read as float32 would lose the whole distance
    zero = [[0.0]]
    assert fid_from_stats([1e8 + 1.0], zero, [1e8], zero) == 1.0
    assert fid_from_stats([1e8], zero, [1e8 + 1.0], zero) == 1.0


def test_fid_feature_checks_name_the_argument_and_accept_one_dimension():
    with pytest.raises(
        ValueError, match=r"^features_a must be \[N, d\] features with N >= 2, got \(2, 2, 2\)$"
    ):
        fid(torch.zeros(2, 2, 2), B)
    with pytest.raises(
        ValueError, match=r"^features_b must be \[N, d\] features with N >= 2, got \(1, 32\)$"
    ):
        fid(A, torch.zeros(1, 32))
    with pytest.raises(ValueError, match=r"^features must be \[N, d\]"):
        feature_statistics(torch.zeros(1, 3))
    # one-dimensional features are fine (d = 1): FID is then (mu1 - mu2)^2 + (s1 - s2)^2
    x = torch.tensor([[0.0], [2.0]], dtype=torch.float64)  # mean 1, variance 2
    y = torch.tensor([[3.0], [3.0], [6.0], [6.0]], dtype=torch.float64)  # mean 4.5, variance 3
    assert fid(x, y) == pytest.approx(3.5**2 + (math.sqrt(2) - math.sqrt(3)) ** 2, rel=1e-12)


def test_too_few_samples_warning_points_at_the_caller():
    with pytest.warns(UserWarning, match="only 3 samples for 4-dimensional features") as caught:
        feature_statistics(torch.randn(3, 4))
    # stacklevel=2: the warning names the caller's line, not fid.py's own (under mutmut the
    # caller is its trampoline, so the test asks only that it is not fid.py)
    assert not caught[0].filename.endswith("fid.py")


def test_kid_blocks_defaults_and_smallest_sizes():
    x = random_features(2000, 4, 7)
    y = random_features(2000, 4, 8, shift=0.1)
    default = kid_blocks(x, y)
    assert (default.blocks, default.block_size) == (2, 1000)
    assert default == kid_blocks(x, y, block_size=1000, seed=0)
    assert default != kid_blocks(x, y, block_size=1000, seed=1)
    # the smallest block size, 2, and the smallest number of blocks, 2, are allowed
    assert kid_blocks(x[:4], y[:4], block_size=2).blocks == 2
    assert kid_blocks(x[:6], y[:6], block_size=3).blocks == 2


def test_as_many_samples_as_dimensions_does_not_warn_and_the_warning_says_what_to_do():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        feature_statistics(torch.randn(4, 4))  # n = d: singular-free enough, no warning
    with pytest.warns(UserWarning) as caught:
        feature_statistics(torch.randn(3, 4))
    assert str(caught[0].message) == (
        "only 3 samples for 4-dimensional features: the covariance is singular and FID "
        "is strongly biased; use at least as many samples as dimensions (10,000 is standard)"
    )


@pytest.mark.parametrize("wrong", ["mu1", "mu2", "sigma1", "sigma2"])
def test_fid_from_stats_names_every_shape_when_one_is_wrong(wrong):
    stats = {
        "mu1": torch.zeros(3),
        "sigma1": torch.eye(3),
        "mu2": torch.zeros(3),
        "sigma2": torch.eye(3),
    }
    stats[wrong] = torch.zeros(2) if wrong.startswith("mu") else torch.eye(2)
    shapes = {k: tuple(v.shape) for k, v in stats.items()}
    with pytest.raises(ValueError) as failure:
        fid_from_stats(stats["mu1"], stats["sigma1"], stats["mu2"], stats["sigma2"])
    assert str(failure.value) == (
        f"need means [d] and covariances [d, d] of one d; got {shapes['mu1']}, "
        f"{shapes['sigma1']}, {shapes['mu2']}, {shapes['sigma2']}"
    )


def test_kid_subsets_by_hand_with_its_defaults():
    x = random_features(1000, 3, 11)
    y = random_features(1000, 3, 12, shift=0.2)
    g = torch.Generator().manual_seed(0)  # the default seed's subsets, drawn by hand
    by_hand = []
    for _ in range(100):  # the default number of subsets, of the default size 1000
        ia, ib = torch.randperm(1000, generator=g), torch.randperm(1000, generator=g)
        by_hand.append(float(mmd2_unbiased(x[ia], y[ib])))
    mean, std = kid(x, y)
    assert mean == pytest.approx(float(np.mean(by_hand)), rel=1e-13)
    assert std == pytest.approx(float(np.std(by_hand)), rel=1e-10)
    assert kid(x[:50], y[:50], subsets=7, subset_size=20, seed=4) == kid(
        x[:50], y[:50], subsets=7, subset_size=20, seed=4
    )
    # subsets of 2, the smallest the unbiased estimate allows, are the whole sets in some order
    assert kid(x[:2], y[:2], subsets=3, subset_size=2)[0] == pytest.approx(
        float(mmd2_unbiased(x[:2], y[:2])), rel=1e-12
    )


def test_kid_feature_pairs_must_be_two_dimensional_with_one_width():
    for a, b in [(A[:, :, None], B), (A, B[:, :, None]), (A, B[:, :5])]:
        with pytest.raises(ValueError) as failure:
            kid(a, b, subset_size=10)
        assert (
            str(failure.value)
            == f"need [N, d] and [M, d] features, got {tuple(a.shape)} and {tuple(b.shape)}"
        )


# ------------------------------------------------------------------ nearest, precision/recall,
# Parzen and IS: edges found by mutation testing
import re  # noqa: E402

from gancourse.metrics import nearest_neighbours  # noqa: E402


def test_nearest_neighbours_finds_the_first_item_and_the_first_of_ties_across_chunks():
    reference = torch.tensor([[0.0], [5.0], [9.0], [0.0], [5.0]])
    queries = torch.tensor([[0.2], [4.9], [8.0]])
    dist, idx = nearest_neighbours(queries, reference, chunk_size=2)
    assert idx.tolist() == [0, 1, 2] and idx.dtype == torch.int64  # ties go to the first
    torch.testing.assert_close(dist, torch.tensor([0.2, 0.1, 1.0]))
    # default chunking gives the same; on another device, both results stay there
    assert nearest_neighbours(queries, reference)[1].tolist() == [0, 1, 2]
    d_meta, i_meta = nearest_neighbours(queries.to("meta"), reference.to("meta"), chunk_size=2)
    assert d_meta.device.type == i_meta.device.type == "meta" and i_meta.dtype == torch.int64
    message = "need at least one query and one reference item"
    for q, r in ((queries[:0], reference), (queries, reference[:0]), (queries[:1], reference[:0])):
        with pytest.raises(ValueError, match=f"^{message}$"):
            nearest_neighbours(q, r)
    nearest_neighbours(queries[:1], reference[:1])  # one of each is enough
    with pytest.raises(
        ValueError,
        match=re.escape("queries (3, 1) and reference (5, 2) must share their trailing shape"),
    ):
        nearest_neighbours(queries, torch.zeros(5, 2))


def test_memorisation_verdict_in_words():
    test = torch.arange(1.0, 101.0)
    copying = memorisation_check(torch.full((50,), 0.5), test)
    honest = memorisation_check(torch.arange(1.5, 101.5), test)
    assert str(copying).endswith(": MEMORISING") and copying.memorising
    assert str(honest).endswith(": no evidence of copying") and not honest.memorising


def test_a_point_on_a_balls_surface_is_inside():
    centres = torch.tensor([[0.0], [1.0], [2.0], [3.0]], dtype=torch.float64)  # k=1: radii 1
    points = torch.tensor([[4.0], [4.5], [-1.0], [0.5]], dtype=torch.float64)
    assert inside_knn_balls(points, centres, k=1).tolist() == [True, False, True, True]
    # points in several batches, the first included
    assert inside_knn_balls(points, centres, k=1, batch_size=1).tolist() == [
        True,
        False,
        True,
        True,
    ]
    # k = 3 by default
    wide = torch.tensor([[0.0], [1.0], [2.0], [10.0], [11.0]], dtype=torch.float64)
    # the radius of centre 11 is 9, 10, 11 for k = 2, 3, 4 (more than k points are needed too)
    far = torch.tensor([[20.5], [22.0], [0.0], [1.0], [2.0]], dtype=torch.float64)
    assert inside_knn_balls(far, wide).tolist()[:2] == [True, False]
    assert inside_knn_balls(far, wide, k=2).tolist()[:2] == [False, False]
    assert inside_knn_balls(far, wide, k=4).tolist()[:2] == [True, True]


def test_precision_recall_in_batches_and_with_its_default_k():
    real, fake = random_features(60, 4, 21), random_features(50, 4, 22, shift=0.7)
    whole = precision_recall(real, fake)
    assert precision_recall(real, fake, batch_size=7) == whole == precision_recall(real, fake, k=3)
    assert precision_recall(real, fake, k=4) != whole


def test_precision_recall_input_messages():
    ok = torch.zeros(5, 4)
    for real, fake in (
        (torch.zeros(5, 4, 1), ok),
        (ok, torch.zeros(5, 4, 1)),
        (ok, torch.zeros(5, 3)),
    ):
        message = (
            f"need [N, d] and [M, d] features, got {tuple(real.shape)} and {tuple(fake.shape)}"
        )
        with pytest.raises(ValueError, match=f"^{re.escape(message)}$"):
            precision_recall(real, fake)
    with pytest.raises(ValueError, match=r"^need more than k=3 features in each set$"):
        precision_recall(torch.rand(3, 4), torch.rand(10, 4))


def test_zero_radius_warnings_name_the_set_and_point_at_the_caller():
    distinct = random_features(40, 3, 23)
    copies = distinct[:10].repeat(4, 1)  # 4 copies each: the 3rd neighbour is a copy
    cases = (
        (lambda: precision_recall(copies, distinct), "real"),
        (lambda: precision_recall(distinct, copies), "generated"),
        (lambda: inside_knn_balls(distinct, copies), "centre"),
    )
    for call, which in cases:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            call()
        assert len(caught) == 1
        # stacklevel=3: the warning names the caller's line (under mutmut, whose trampolines
        # add frames, the caller cannot be located this way)
        if "MUTANT_UNDER_TEST" not in os.environ:
            assert caught[0].filename == __file__
        assert str(caught[0].message) == (
            f"40 of the 40 {which} k-NN radii are 0: those features occur at least k + 1 = 4 "
            "times (duplicated samples?), so their balls cover nothing; use distinct samples"
        )


def test_parzen_closed_form_for_two_kernels_in_batches():
    samples = torch.tensor([[0.0, 0.0], [2.0, 0.0]], dtype=torch.float64)
    test = torch.tensor([[1.0, 0.0], [0.0, 0.0], [2.0, 1.0]], dtype=torch.float64)
    sigma = 0.7

    def density(x):
        return sum(
            math.exp(-0.5 * float(((x - s) ** 2).sum()) / sigma**2) / (2 * math.pi * sigma**2)
            for s in samples
        ) / len(samples)

    expected = [math.log(density(x)) for x in test]
    for batch_size in (1, 2, 500):
        mean, se = parzen_log_likelihood(samples, test, sigma, batch_size=batch_size)
        assert mean == pytest.approx(np.mean(expected), rel=1e-12)
        assert se == pytest.approx(np.std(expected, ddof=1) / math.sqrt(3), rel=1e-12)
    assert math.isnan(parzen_log_likelihood(samples, test[:1], sigma)[1])  # one point: no error bar
    best, scores = select_parzen_sigma(samples, test, [sigma, 5.0], batch_size=1)
    assert scores[0] == pytest.approx(np.mean(expected), rel=1e-12)
    message = "samples and points have different dimensions: 2 and 3"
    with pytest.raises(ValueError, match=f"^{message}$"):
        parzen_log_likelihood(samples, torch.zeros(2, 3), sigma)


def test_inception_score_split_bounds():
    logits = torch.randn(20, 3, generator=torch.Generator().manual_seed(0))
    inception_score(logits, splits=10)  # more splits than classes is fine
    inception_score(logits[:10], splits=10)  # one sample per split
    inception_score(logits, splits=1)
    for bad, splits in ((logits[:9], 10), (logits, 0), (logits[0], 1)):
        message = f"need logits [N, classes] with N >= splits >= 1, got {tuple(bad.shape)}, splits={splits}"
        with pytest.raises(ValueError, match=f"^{re.escape(message)}$"):
            inception_score(bad, splits=splits)


def negative_hypergeometric_sf(x: int, m: int, n: int, r: int) -> float:
    """P(X >= x) for X = red balls drawn before the r-th blue one, m red and n blue, written
    from the counting argument: P(X = j) = C(j + r - 1, j) C(m - j + n - r, m - j) / C(m + n, m)."""
    total = math.comb(m + n, m)
    return (
        sum(math.comb(j + r - 1, j) * math.comb(m - j + n - r, m - j) for j in range(x, m + 1))
        / total
    )


def test_memorisation_check_p_value_by_counting_and_its_cutoff_is_strict():
    test = torch.arange(1.0, 101.0)  # quantile 0.05: r = 5, cutoff 5
    two = memorisation_check(torch.tensor([5.0, 1.0, 2.0, 50.0]), test, quantile=0.05)
    assert two.copy_rate == 2 / 4  # the sample at the cutoff itself is not below it
    assert two.p_value == pytest.approx(negative_hypergeometric_sf(2, 4, 100, 5), rel=1e-9)
    one = memorisation_check(torch.tensor([1.0, 50.0, 60.0]), test, quantile=0.05)
    assert one.p_value == pytest.approx(negative_hypergeometric_sf(1, 3, 100, 5), rel=1e-9)
    assert one.p_value < 1.0
    none = memorisation_check(torch.tensor([50.0, 60.0]), test, quantile=0.05)
    assert none.copy_rate == 0.0 and none.p_value == 1.0
    assert str(two) == (
        " 50.0% closer than the cutoff (chance 5.0%), p = "
        f"{two.p_value:.2g}, median distance ratio {two.median_ratio:.2f}: no evidence of copying"
    )
    # one test distance is enough; quantile 0 is not a quantile
    assert memorisation_check(torch.tensor([1.0]), torch.tensor([3.0])).cutoff == 3.0
    with pytest.raises(ValueError, match=r"^quantile must be in \(0, 1\), got 0$"):
        memorisation_check(test, test, quantile=0)
    with pytest.raises(ValueError, match=r"^need at least one generated and one test distance$"):
        memorisation_check(torch.ones(3), torch.ones(0))


def test_nearest_neighbours_bring_the_reference_to_the_queries_device():
    reference = torch.tensor([[0.0], [5.0], [9.0]])
    dist, idx = nearest_neighbours(torch.zeros(2, 1, device="meta"), reference, chunk_size=2)
    assert dist.device.type == idx.device.type == "meta"
