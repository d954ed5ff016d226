"""The same properties on CUDA; skipped without a GPU (run with ``pytest -m gpu``)."""

import pytest
import torch

from gancourse import device
from gancourse.datasets import ImageSampler, fashion_mnist, ring

pytestmark = pytest.mark.gpu


def test_device_prefers_cuda():
    assert device().type == "cuda"


def test_toy_sampling_on_cuda_is_seeded_and_matches_cpu_statistics():
    dist = ring()
    g = torch.Generator(device="cuda").manual_seed(0)
    x = dist.sample(100_000, generator=g, device="cuda")
    assert x.device.type == "cuda"
    again = dist.sample(
        100_000, generator=torch.Generator(device="cuda").manual_seed(0), device="cuda"
    )
    assert torch.equal(x, again)
    k = torch.cdist(x.double(), dist.modes.cuda()).argmin(dim=1)
    offsets = x.double() - dist.modes.cuda()[k]
    assert ((offsets.std(dim=0) / dist.std) - 1).abs().max() < 0.05


def test_cpu_generator_gives_the_same_samples_on_cuda():
    a = ring().sample(1000, generator=torch.Generator().manual_seed(3), device="cuda")
    b = ring().sample(1000, generator=torch.Generator().manual_seed(3))
    assert torch.equal(a.cpu(), b)


def test_image_sampler_on_cuda(fashion_folder):
    images, labels = fashion_mnist("test", root=fashion_folder)
    sampler = ImageSampler(images, labels, device="cuda", seed=1)
    x, y = sampler.sample_with_labels(128)
    assert x.device.type == "cuda" and y.device.type == "cuda"
    assert x.min() >= -1 and x.max() <= 1
    assert torch.equal(x, ImageSampler(images, labels, device="cuda", seed=1).sample(128))


def test_metrics_on_cuda_equal_cpu():
    from gancourse.metrics import fid, inception_score, kid, precision_recall

    g = torch.Generator().manual_seed(0)
    a = torch.randn(3000, 64, generator=g, dtype=torch.float64)
    b = torch.randn(3000, 64, generator=g, dtype=torch.float64) * 1.1 + 0.1
    assert fid(a.cuda(), b.cuda()) == pytest.approx(fid(a, b), rel=1e-9)
    assert kid(a.cuda(), b.cuda(), subsets=5, subset_size=500) == pytest.approx(
        kid(a, b, subsets=5, subset_size=500), rel=1e-9
    )
    assert inception_score(a[:, :10].cuda()) == pytest.approx(inception_score(a[:, :10]), rel=1e-9)
    assert precision_recall(a.cuda(), b.cuda()) == precision_recall(a, b)


def test_fashionnet_features_on_cuda(fashion_folder):
    from gancourse.metrics import FashionNetFeatures

    images, _ = fashion_mnist("test")
    on_gpu, logits = FashionNetFeatures("cuda")(images[:64])
    on_cpu, _ = FashionNetFeatures("cpu")(images[:64])
    assert on_gpu.device.type == "cuda" and logits.shape == (64, 10)
    assert torch.allclose(on_gpu.cpu(), on_cpu, atol=1e-3)
