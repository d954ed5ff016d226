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
