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


def _tiny_dcgan(cuda_graph, **config):
    from gancourse.recipes import dcgan_gan

    images = torch.randint(
        0, 256, (512, 1, 28, 28), dtype=torch.uint8, generator=torch.Generator().manual_seed(0)
    )
    data = ImageSampler(images, device="cuda")
    return dcgan_gan(
        data,
        seed=0,
        device="cuda",
        width=8,
        latent_dim=16,
        cuda_graph=cuda_graph,
        log_every=5,
        **config,
    )


FLAGSHIP = {
    "loss": "hinge",
    "spectral_norm": True,
    "d_batch_norm": False,
    "betas": (0.0, 0.9),
    "ema_decay": 0.99,
}


@pytest.mark.parametrize(
    "config",
    [{}, FLAGSHIP, {"n_critic": 2}, {"merged": True}],
    ids=["nsgan", "sn-hinge-ema", "n_critic-2", "merged"],
)
def test_cuda_graph_step_equals_the_eager_step(tmp_path, config):
    """From the same state and the same inputs, one replayed graph and one eager step give the
    same parameters (and then the same few steps, to float tolerance)."""
    torch.backends.cudnn.deterministic = True
    torch.backends.cudnn.benchmark = False
    try:
        graphed = _tiny_dcgan(True, **config)
        graphed.train(5)  # 3 eager warm-up steps on a side stream, the capture, a replay
        assert graphed.graphed_step.graph is not None
        graphed.save_checkpoint(tmp_path / "c.pt")
        eager = _tiny_dcgan(False, **config)
        eager.load_checkpoint(tmp_path / "c.pt")
        for steps in (1, 4):
            graphed.train(steps)
            eager.train(steps)
            pairs = [(graphed.G, eager.G), (graphed.D, eager.D)]
            if graphed.G_ema is not None:
                pairs.append((graphed.G_ema, eager.G_ema))
            for a, b in pairs:
                for (name, x), y in zip(
                    a.state_dict().items(), b.state_dict().values(), strict=True
                ):
                    assert torch.allclose(x.float(), y.float(), rtol=1e-4, atol=1e-5), name
        assert graphed.history.values("d_loss") == pytest.approx(
            eager.history.values("d_loss"), rel=1e-4
        )
    finally:
        torch.backends.cudnn.deterministic = False


def test_cuda_graph_run_resumes_from_a_checkpoint(tmp_path):
    straight = _tiny_dcgan(True)
    straight.train(20)
    first = _tiny_dcgan(True)
    first.train(10)
    first.save_checkpoint(tmp_path / "c.pt")
    resumed = _tiny_dcgan(True)
    resumed.load_checkpoint(tmp_path / "c.pt")
    resumed.train(10)
    for x, y in zip(straight.G.parameters(), resumed.G.parameters(), strict=True):
        assert torch.allclose(x, y, rtol=1e-4, atol=1e-5)


def test_generate_leaves_batch_norm_statistics_alone():
    trainer = _tiny_dcgan(True)
    trainer.train(6)
    before = {k: v.clone() for k, v in trainer.G.state_dict().items()}
    trainer.generate(200, seed=0)
    for k, v in trainer.G.state_dict().items():
        assert torch.equal(v, before[k]), k
    trainer.train(2)  # the captured graph still points at the same tensors
    assert trainer.step == 8


@pytest.mark.parametrize("model", ["projection", "acgan", "infogan"])
def test_conditional_cuda_graph_step_equals_the_eager_step(tmp_path, model):
    """Labels and InfoGAN's codes are step inputs like z: a replayed graph and the eager step
    agree (notebook 11's models)."""
    from gancourse.recipes import conditional_dcgan

    g = torch.Generator().manual_seed(0)
    images = torch.randint(0, 256, (256, 1, 28, 28), generator=g, dtype=torch.uint8)
    data = ImageSampler(images, torch.arange(256) % 10, device="cuda")
    torch.backends.cudnn.deterministic = True
    torch.backends.cudnn.benchmark = False
    try:

        def build(cuda_graph):
            return conditional_dcgan(
                data,
                model,
                width=8,
                levels=2,
                latent_dim=32,
                batch_size=16,
                log_every=2,
                device="cuda",
                cuda_graph=cuda_graph,
            )

        graphed = build(True)
        graphed.train(5)
        assert graphed.graphed_step.graph is not None
        graphed.save_checkpoint(tmp_path / "c.pt")
        eager = build(False)
        eager.load_checkpoint(tmp_path / "c.pt")
        graphed.train(4)
        eager.train(4)
        for a, b in ((graphed.G, eager.G), (graphed.D, eager.D)):
            for (name, x), y in zip(a.state_dict().items(), b.state_dict().values(), strict=True):
                assert torch.allclose(x.float(), y.float(), rtol=1e-4, atol=1e-5), name
        assert graphed.history.values("d_loss") == pytest.approx(
            eager.history.values("d_loss"), rel=1e-4
        )
    finally:
        torch.backends.cudnn.deterministic = False
