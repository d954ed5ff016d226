"""pix2pix and CycleGAN in the one loop (notebooks 12-13, #16): the paired run's plumbing, the two
objectives against their formulas (the identity loss's direction, the cycle through the
generators, the pools), exact resume, the translation metrics and the command line."""

import math

import pytest
import torch
from torch import nn
from torch.nn import functional as F

from gancourse.datasets import ImageSampler, PairedImages, PairedSampler, UnpairedSampler
from gancourse.nets import (
    CycleGANDiscriminators,
    CycleGANGenerators,
    PatchGANDiscriminator,
    ResNetGenerator,
)
from gancourse.objective_base import Batch
from gancourse.recipes import cyclegan, pix2pix
from gancourse.train import GANTrainer, TrainConfig
from gancourse.translation_objectives import CycleGAN, Pix2Pix


def random_pairs(n=40, seed=0):
    """Inputs and targets that differ per pair (target = 255 - input), with labels 0..9 in turn."""
    g = torch.Generator().manual_seed(seed)
    inputs = torch.randint(0, 256, (n, 1, 32, 32), generator=g, dtype=torch.uint8)
    return PairedImages(inputs, 255 - inputs, torch.arange(n) % 10)


def two_domains(n=30, seed=0):
    g = torch.Generator().manual_seed(seed)
    a = torch.randint(0, 128, (n, 1, 32, 32), generator=g, dtype=torch.uint8)
    b = torch.randint(128, 256, (n + 7, 1, 32, 32), generator=g, dtype=torch.uint8)
    return a, b


def tiny_pix2pix(seed=0, **config):
    data = PairedSampler(random_pairs(), device="cpu")
    config = {"batch_size": 8, "log_every": 2, **config}
    return pix2pix(data, seed=seed, width=4, depth=5, d_width=4, device="cpu", **config)


def tiny_cyclegan(seed=0, **config):
    data = UnpairedSampler(*two_domains(), device="cpu")
    config = {"batch_size": 8, "log_every": 2, "pool_size": 10, **config}
    return cyclegan(data, seed=seed, width=4, blocks=1, d_width=4, device="cpu", **config)


# ----------------------------------------------------------------------------- data and networks
def test_paired_sampler_keeps_each_input_with_its_target():
    data = PairedSampler(random_pairs(), device="cpu")
    targets, inputs = data.sample_with_labels(64, torch.Generator().manual_seed(1))
    assert targets.shape == inputs.shape == (64, 1, 32, 32)
    assert torch.allclose(targets, -inputs, atol=1e-6)  # 255 - p maps to -x in [-1, 1]
    with pytest.raises(ValueError, match="pairs come in twos"):
        PairedSampler(
            PairedImages(
                torch.zeros(3, 1, 32, 32, dtype=torch.uint8),
                torch.zeros(4, 1, 32, 32, dtype=torch.uint8),
                torch.zeros(3),
            ),
            device="cpu",
        )


def test_unpaired_sampler_stacks_independent_draws_of_each_domain():
    a, b = two_domains()
    data = UnpairedSampler(a, b, device="cpu")
    x, inputs = data.sample_with_labels(500, torch.Generator().manual_seed(0))
    assert x is inputs and x.shape == (500, 2, 32, 32)
    assert x[:, 0].max() < 0 <= x[:, 1].min()  # A's pixels < 128, B's >= 128
    # which image of each domain was drawn: independent, so the indices do not move together
    ia = torch.cdist(x[:, 0].flatten(1), ((a.float() / 127.5) - 1).flatten(1)).argmin(1)
    ib = torch.cdist(x[:, 1].flatten(1), ((b.float() / 127.5) - 1).flatten(1)).argmin(1)
    assert abs(float(torch.corrcoef(torch.stack([ia.float(), ib.float()]))[0, 1])) < 0.15
    with pytest.raises(ValueError, match="one image shape"):
        UnpairedSampler(a, b[:, :, :28, :28], device="cpu")


def test_resnet_generator_keeps_the_shape_and_says_what_it_needs():
    G = ResNetGenerator(1, width=4, blocks=2)
    y = G(torch.randn(3, 1, 32, 32))
    assert y.shape == (3, 1, 32, 32) and y.abs().max() <= 1
    assert sum(isinstance(m, nn.InstanceNorm2d) for m in G.modules()) == 2 * 2 + 3 + 2
    with pytest.raises(ValueError, match="multiples of 4"):
        G(torch.randn(1, 1, 30, 30))


def test_the_cyclegan_pairs_keep_the_layout_a_then_b():
    def a_to_b(x):
        return x + 1

    def b_to_a(x):
        return 10 * x

    class Wrap(nn.Module):
        def __init__(self, f):
            super().__init__()
            self.f = f

        def forward(self, x):
            return self.f(x)

    gens = CycleGANGenerators(Wrap(a_to_b), Wrap(b_to_a), channels=1)
    a, b = torch.full((2, 1, 16, 16), 2.0), torch.full((2, 1, 16, 16), 3.0)
    out = gens(torch.cat([a, b], 1))
    assert torch.equal(out[:, :1], 10 * b) and torch.equal(out[:, 1:], a + 1)  # [F(b) | G(a)]
    again = gens(out)
    assert torch.equal(again[:, :1], 10 * (a + 1)) and torch.equal(again[:, 1:], 10 * b + 1)
    ds = CycleGANDiscriminators(PatchGANDiscriminator(1, 4, 1), PatchGANDiscriminator(1, 4, 1))
    logits = ds(torch.cat([a, b], 1), "ignored")
    assert torch.equal(logits[:, :1], ds.d_a(a)) and torch.equal(logits[:, 1:], ds.d_b(b))
    with pytest.raises(ValueError, match=r"stacked along the channels, \[a \| b\]"):
        gens(a)


def test_patchgan_judges_the_pair_input_first():
    D = PatchGANDiscriminator(2, 4, 1)
    x, y = torch.randn(2, 1, 32, 32), torch.randn(2, 1, 32, 32)
    assert torch.equal(D(y, x), D(torch.cat([x, y], 1)))
    with pytest.raises(ValueError, match="match in batch and size"):
        D(y, x[:1])


# ----------------------------------------------------------------------------- the loop
def test_a_paired_run_translates_the_real_batchs_own_inputs():
    trainer = tiny_pix2pix()
    seen_by_g, seen_by_d = [], []
    G, D = trainer.G, trainer.D
    g_hook = G.register_forward_hook(lambda m, args, out: seen_by_g.append(args[0].clone()))
    d_hook = D.register_forward_hook(
        lambda m, args, out: seen_by_d.append((args[0].clone(), args[1].clone()))
    )
    trainer.train(2)
    g_hook.remove(), d_hook.remove()
    assert trainer.latent_dim == 0 and len(seen_by_g) == 4  # a D step and a G step, twice
    for x, condition in seen_by_d:  # D sees (target, its input) or (G(input), input)
        if torch.allclose(x, -condition, atol=1e-6):
            continue  # a real pair: target = -input
        assert any(torch.equal(condition, inputs) for inputs in seen_by_g)
    reals = [pair for pair in seen_by_d if torch.allclose(pair[0], -pair[1], atol=1e-6)]
    assert len(reals) == 2  # one real batch per D step, each with its own inputs


def test_paired_runs_refuse_what_they_cannot_use():
    with pytest.raises(ValueError, match="either paired"):
        TrainConfig(paired=True, num_classes=10)
    images = ImageSampler(torch.zeros(8, 1, 32, 32, dtype=torch.uint8), device="cpu")
    with pytest.raises(ValueError, match="gives no inputs"):
        GANTrainer(
            nn.Identity(),
            PatchGANDiscriminator(2, 4, 1),
            object(),
            0,
            TrainConfig(paired=True, loss="pix2pix"),
            device="cpu",
        )
    trainer = tiny_pix2pix()
    with pytest.raises(ValueError, match="translates inputs"):
        trainer.generate(4)
    with pytest.raises(ValueError, match="class-conditional run only"):
        trainer.sample_fake_labels(4)
    del images


def test_generate_translates_given_inputs_in_whole_batches_and_keeps_buffers():
    trainer = tiny_pix2pix()
    trainer.G.eval()  # no dropout: a deterministic map
    inputs = PairedSampler(random_pairs(), device="cpu").sample(19)
    buffers = [b.clone() for b in trainer.G.buffers()]
    out = trainer.generate(19, labels=inputs)
    assert out.shape == (19, 1, 32, 32)
    assert torch.allclose(out[:8], trainer.G(inputs[:8]), atol=1e-6)
    assert all(torch.equal(b, c) for b, c in zip(buffers, trainer.G.buffers(), strict=True))


# ----------------------------------------------------------------------------- the objectives
def test_pix2pix_objective_is_the_halved_bce_and_gan_plus_100_l1():
    g = torch.Generator().manual_seed(0)
    x, y, fake = (torch.randn(4, 1, 8, 8, generator=g) for _ in range(3))
    D = PatchGANDiscriminator(2, 4, 1)
    batch = Batch(D, y, fake, x, x)
    real_l, fake_l = D(y, x), D(fake, x)
    want_d = 0.5 * (F.softplus(-real_l).mean() + F.softplus(fake_l).mean())
    want_g = F.softplus(-fake_l).mean() + 100 * (fake - y).abs().mean()
    assert torch.allclose(Pix2Pix().d_loss(batch), want_d)
    assert torch.allclose(Pix2Pix().g_loss(Batch(D, y, fake, x, x)), want_g)
    l1_only = Pix2Pix(gan_weight=0.0).g_loss(Batch(None, y, fake, x, x))  # never calls D
    assert torch.allclose(l1_only, 100 * (fake - y).abs().mean())
    gan_only = Pix2Pix(l1_weight=0.0).g_loss(Batch(D, y, fake, x, x))
    assert torch.allclose(gan_only, F.softplus(-fake_l).mean())
    with pytest.raises(ValueError, match="both 0"):
        Pix2Pix(l1_weight=0, gan_weight=0)


class _Shift(nn.Module):
    def __init__(self, by):
        super().__init__()
        self.by = by

    def forward(self, x):
        return x + self.by


def _cycle_batch(a_to_b, b_to_a, a, b, D=None):
    gens = CycleGANGenerators(a_to_b, b_to_a, 1)
    real = torch.cat([a, b], 1)
    batch = Batch(D, real, gens(real), real, real)
    batch.generator = gens
    return batch


def test_cyclegan_identity_term_feeds_each_generator_its_output_domain():
    # A is all -1, B all +1; G paints everything +1, F everything -1: perfect translators. Fed an
    # image of its output domain each leaves it alone (identity 0); the flipped loss, which feeds
    # each its input domain, would punish them with |1 - (-1)| twice = 4.
    class Paint(nn.Module):
        def __init__(self, value):
            super().__init__()
            self.value = value

        def forward(self, x):
            return torch.full_like(x, self.value)

    a, b = -torch.ones(2, 1, 32, 32), torch.ones(2, 1, 32, 32)
    D = CycleGANDiscriminators(PatchGANDiscriminator(1, 4, 1), PatchGANDiscriminator(1, 4, 1))
    objective = CycleGAN()
    objective.g_loss(_cycle_batch(Paint(1.0), Paint(-1.0), a, b, D))
    assert float(objective.logs()["identity"]) == 0.0
    assert float(objective.logs()["cycle"]) == 0.0
    flipped = (Paint(1.0)(a) - a).abs().mean() + (Paint(-1.0)(b) - b).abs().mean()
    assert float(flipped) == 4.0


def test_cyclegan_generator_loss_is_lsgan_plus_10_cycle_plus_5_identity():
    g = torch.Generator().manual_seed(3)
    a, b = torch.randn(2, 1, 32, 32, generator=g), torch.randn(2, 1, 32, 32, generator=g)
    G, F_ = _Shift(1.0), _Shift(-0.5)  # the round trips miss by +0.5 each
    D = CycleGANDiscriminators(PatchGANDiscriminator(1, 4, 1), PatchGANDiscriminator(1, 4, 1))
    objective = CycleGAN()
    loss = objective.g_loss(_cycle_batch(G, F_, a, b, D))
    fake_b, fake_a = G(a), F_(b)
    adversarial = (D.d_b(fake_b) - 1).pow(2).mean() + (D.d_a(fake_a) - 1).pow(2).mean()
    cycle = (F_(G(a)) - a).abs().mean() + (G(F_(b)) - b).abs().mean()  # 0.5 + 0.5
    identity = (G(b) - b).abs().mean() + (F_(a) - a).abs().mean()  # 1 + 0.5
    assert math.isclose(float(cycle), 1.0, rel_tol=1e-6)
    assert math.isclose(float(identity), 1.5, rel_tol=1e-6)
    assert torch.allclose(loss, adversarial + 10 * cycle + 5 * identity)
    no_identity = CycleGAN(identity_weight=0).g_loss(_cycle_batch(G, F_, a, b, D))
    assert torch.allclose(no_identity, adversarial + 10 * cycle)
    with pytest.raises(ValueError, match="paired run"):
        CycleGAN().g_loss(Batch(D, torch.cat([a, b], 1), torch.cat([a, b], 1)))


def test_cyclegan_discriminator_loss_sees_the_pools_fakes():
    g = torch.Generator().manual_seed(4)
    D = CycleGANDiscriminators(PatchGANDiscriminator(1, 4, 1), PatchGANDiscriminator(1, 4, 1))
    real = torch.randn(4, 2, 32, 32, generator=g)
    objective = CycleGAN(pool_size=4)
    first = torch.randn(4, 2, 32, 32, generator=g)
    loss = objective.d_loss(Batch(D, real, first, real, first))
    rl, fl = D(real), D(first)  # the pool is filling: the new fakes pass through
    want = 0.5 * ((rl[:, :1] - 1).pow(2).mean() + fl[:, :1].pow(2).mean()) + 0.5 * (
        (rl[:, 1:] - 1).pow(2).mean() + fl[:, 1:].pow(2).mean()
    )
    assert torch.allclose(loss, want)
    torch.manual_seed(0)
    second = torch.randn(4, 2, 32, 32, generator=g)
    objective.d_loss(Batch(D, real, second, real, second))
    stored = torch.stack(objective.pools[0].images)
    # about half of the second batch's A fakes went into the pool, swapping out first-batch ones
    assert any(torch.equal(s, f) for s in stored for f in first[:, :1])
    assert any(torch.equal(s, f) for s in stored for f in second[:, :1])


# ----------------------------------------------------------------------------- resume
@pytest.mark.parametrize("build", [tiny_pix2pix, tiny_cyclegan], ids=["pix2pix", "cyclegan"])
@pytest.mark.parametrize("merged", [False, True])
def test_each_translation_model_trains_and_resumes_exactly(tmp_path, build, merged):
    straight = build(merged=merged)
    straight.train(6)
    first = build(merged=merged)
    first.train(3)
    first.save_checkpoint(tmp_path / "c.pt")
    resumed = build(merged=merged)
    resumed.train(2)  # weights, optimizer state, pools and random streams elsewhere: load restores
    resumed.load_checkpoint(tmp_path / "c.pt")
    resumed.train(3)
    for net in ("G", "D"):
        a, b = getattr(straight, net), getattr(resumed, net)
        for x, y in zip(a.state_dict().values(), b.state_dict().values(), strict=True):
            assert torch.equal(x, y), net
    assert straight.history == resumed.history
    logged = "l1" if build is tiny_pix2pix else "cycle"
    assert len(straight.history.values(logged)) == 3
    assert all(math.isfinite(v) for v in straight.history.values("g_loss"))


def test_dropout_is_seeded_so_two_runs_agree():
    a, b = tiny_pix2pix(seed=5), tiny_pix2pix(seed=5)
    a.train(3), b.train(3)
    assert a.history == b.history
    c = tiny_pix2pix(seed=6)
    c.train(3)
    assert c.history != a.history


# ----------------------------------------------------------------------------- metrics and CLI
def test_paired_scores_of_the_truth_and_of_a_blank(fashion_folder):
    from gancourse.datasets import edges2fmnist
    from gancourse.metrics import FashionNetFeatures
    from gancourse.metrics.translation import crop_to_28, paired_scores

    pairs = edges2fmnist("test")
    targets, labels = pairs.targets[:300], pairs.labels[:300]
    extractor = FashionNetFeatures("cpu")
    truth = paired_scores(targets, targets, labels, extractor)
    assert truth["l1"] == 0 and truth["psnr"] == math.inf and truth["ssim"] == pytest.approx(1)
    assert truth["fid"] < 1e-6 and truth["accuracy"] > 0.85
    blank = paired_scores(torch.zeros_like(targets), targets, labels, extractor)
    assert blank["fid"] > 100 and blank["ssim"] < 0.2 and blank["accuracy"] < 0.3
    with pytest.raises(ValueError, match="32 × 32"):
        crop_to_28(torch.zeros(1, 1, 28, 28))


def test_unpaired_scores_of_an_identity_translator_keep_the_shape_and_miss_the_target(
    fashion_folder,
):
    from gancourse.datasets import CLASS_NAMES, unpaired_domains
    from gancourse.metrics import FashionNetFeatures
    from gancourse.metrics.translation import unpaired_scores

    a, b = unpaired_domains(split="test")
    trainer = tiny_cyclegan()
    trainer.G = CycleGANGenerators(nn.Identity(), nn.Identity(), 1)  # translates nothing
    ka, kb = CLASS_NAMES.index("Sneaker"), CLASS_NAMES.index("Ankle boot")
    s = unpaired_scores(trainer, a[:200], b[:200], ka, kb, FashionNetFeatures("cpu"))
    for key in ("a2b", "b2a"):
        assert s[f"{key}.cycle"] == 0 and s[f"{key}.shape_kept"] == pytest.approx(1)
        assert s[f"{key}.target"] < 0.1 and s[f"{key}.fid"] > 20


@pytest.mark.parametrize(
    ("recipe", "settings", "printed"),
    [
        ("pix2pix-edges2fmnist", ["width=4", "d_width=4", "batch_size=8"], "edges → garment"),
        (
            "cyclegan-sneaker2boot",
            ["width=4", "blocks=1", "d_width=4", "batch_size=8"],
            "Sneaker → Ankle boot",
        ),
    ],
)
def test_translation_recipes_train_and_evaluate_on_the_command_line(
    tmp_path, capsys, fashion_folder, recipe, settings, printed
):
    import json

    from gancourse.cli import main

    args = ["--steps", "4", "--eval-every", "2", "--eval-samples", "64", "--device", "cpu"]
    out = str(tmp_path)
    assert main(["train", recipe, "--out", out, "--no-progress", *args, "--set", *settings]) == 0
    history = json.loads((tmp_path / "history.json").read_text())
    key = "translation.fid" if recipe.startswith("pix2pix") else "translation.a2b.target"
    assert history[key]["step"] == [0, 2, 4]
    assert (tmp_path / "samples" / "step_0000004.png").stat().st_size > 0
    assert main(["evaluate", str(tmp_path / "checkpoint.pt"), "--n", "64", "--device", "cpu"]) == 0
    assert printed in capsys.readouterr().out


def test_the_translation_recipes_are_what_they_say(fashion_folder):
    from gancourse.recipes import get_recipe

    p = get_recipe("pix2pix-edges2fmnist").build(device="cpu", width=4, d_width=4)
    c = p.config
    assert (c.loss, c.paired, c.lr_d, c.lr_g, c.betas) == (
        "pix2pix",
        True,
        2e-4,
        2e-4,
        (0.5, 0.999),
    )
    assert (p.objective.l1_weight, p.objective.gan_weight) == (100.0, 1.0)
    assert p.G.skips and p.G.depth == 5 and p.D.receptive_field == 16
    assert any(isinstance(m, nn.Dropout) for m in p.G.modules())
    cg = get_recipe("cyclegan-sneaker2boot").build(device="cpu", d_width=4)
    o = cg.objective
    assert (cg.config.loss, o.cycle_weight, o.identity_weight, o.pools[0].size) == (
        "cyclegan",
        10.0,
        0.5,
        50,
    )
    assert isinstance(cg.G.a_to_b, ResNetGenerator) and isinstance(cg.G.b_to_a, ResNetGenerator)
    assert (
        sum(
            isinstance(m, nn.Module) and type(m).__name__ == "ResidualBlock"
            for m in cg.G.a_to_b.modules()
        )
        == 6
    )


# What each translation generator wants, written here independently of the package: one G step
# against a fixed D (SGD, a small step) must lower it.
def _pix2pix_goal(trainer, target, inputs):
    fake = trainer.G(inputs)
    logits = trainer.D(torch.cat([inputs, fake], 1))
    return F.softplus(-logits).mean() + 100 * (target - fake).abs().mean()


def _cyclegan_goal(trainer, real, inputs):
    a, b = real[:, :1], real[:, 1:]
    G, F_ = trainer.G.a_to_b, trainer.G.b_to_a
    D_A, D_B = trainer.D.d_a, trainer.D.d_b
    adversarial = (D_B(G(a)) - 1).pow(2).mean() + (D_A(F_(b)) - 1).pow(2).mean()
    cycle = (F_(G(a)) - a).abs().mean() + (G(F_(b)) - b).abs().mean()
    identity = (G(b) - b).abs().mean() + (F_(a) - a).abs().mean()
    return adversarial + 10 * cycle + 5 * identity


@pytest.mark.parametrize(
    ("build", "goal"), [(tiny_pix2pix, _pix2pix_goal), (tiny_cyclegan, _cyclegan_goal)]
)
def test_a_translation_g_step_against_a_fixed_d_lowers_what_g_wants(build, goal):
    trainer = build(optimizer="sgd", lr_g=1e-3)
    trainer.G.double(), trainer.D.double()
    real, inputs = trainer.data.sample_with_labels(8, torch.Generator().manual_seed(2))
    real, inputs = real.double(), inputs.double()
    d_before = [p.detach().clone() for p in trainer.D.parameters()]
    trainer.D.eval()  # fixed functions: no batch statistics, no dropout between evaluations
    trainer.G.eval()
    with torch.no_grad():
        before = goal(trainer, real, inputs).item()
    trainer.generator_step(torch.zeros(8, 0), real=real, real_labels=inputs, fake_labels=inputs)
    with torch.no_grad():
        after = goal(trainer, real, inputs).item()
    assert after < before, f"{before} -> {after}"
    assert all(torch.equal(a, b) for a, b in zip(trainer.D.parameters(), d_before, strict=True))
