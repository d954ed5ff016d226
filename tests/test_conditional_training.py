"""Conditional models in the one loop (notebook 11, #15): the conditional DCGANs, ACGAN's and
InfoGAN's objectives, the labels the loop draws, exact resume, and the class metrics."""

import math

import numpy as np
import pytest
import torch
from torch.nn import functional as F

from gancourse.conditional_objectives import ACGAN, InfoGAN
from gancourse.datasets import ImageSampler
from gancourse.metrics.classes import (
    class_accuracy,
    class_histogram,
    intra_fid,
    match_codes,
)
from gancourse.nets import (
    ConditionalDCGANDiscriminator,
    ConditionalDCGANGenerator,
    DCGANDiscriminator,
    InfoGANDiscriminator,
)
from gancourse.objective_base import Batch, DiscriminatorOutput
from gancourse.recipes import conditional_dcgan
from gancourse.train import GANTrainer, TrainConfig


def labelled_images(n=60, classes=3, seed=0, weights=None):
    """Random 28 × 28 images with labels 0..classes-1 (in turn, or drawn with ``weights``)."""
    g = torch.Generator().manual_seed(seed)
    images = torch.randint(0, 256, (n, 1, 28, 28), generator=g, dtype=torch.uint8)
    if weights is None:
        labels = torch.arange(n) % classes
    else:
        labels = torch.multinomial(torch.tensor(weights), n, replacement=True, generator=g)
    return ImageSampler(images, labels, device="cpu")


def tiny(model, data=None, seed=0, **config):
    data = labelled_images() if data is None else data
    config = {"batch_size": 8, "log_every": 2, **config}
    latent = 16 if model == "infogan" else 8
    return conditional_dcgan(
        data, model, seed=seed, width=4, levels=2, latent_dim=latent, device="cpu", **config
    )


# ----------------------------------------------------------------------------- the networks
@pytest.mark.parametrize("conditioning", ["concat", "batchnorm"])
def test_conditional_generator_obeys_its_label(conditioning):
    torch.manual_seed(0)
    G = ConditionalDCGANGenerator(8, 3, width=4, levels=2, conditioning=conditioning)
    if conditioning == "batchnorm":  # starts as plain BN: give the classes different γ, β
        for norm in G.norms:
            torch.nn.init.normal_(norm.gamma.weight, 1.0, 0.5)
            torch.nn.init.normal_(norm.beta.weight, 0.0, 0.5)
    z = torch.randn(6, 8)
    a = G(z, torch.tensor([0, 0, 0, 1, 1, 1]))
    b = G(z, torch.tensor([2, 2, 2, 1, 1, 1]))
    assert a.shape == (6, 1, 28, 28) and a.abs().max() <= 1
    assert not torch.allclose(a[:3], b[:3])  # other labels, other images
    with pytest.raises(ValueError, match="integer tensor"):
        G(z, torch.zeros(6))
    with pytest.raises(ValueError, match="conditioning must be"):
        ConditionalDCGANGenerator(8, 3, conditioning="film")


def test_conditional_batch_norm_generator_starts_with_gamma_1_and_beta_0():
    G = ConditionalDCGANGenerator(8, 3, width=4, levels=2, conditioning="batchnorm")
    for norm in G.norms:
        assert torch.equal(norm.gamma.weight, torch.ones_like(norm.gamma.weight))
        assert torch.equal(norm.beta.weight, torch.zeros_like(norm.beta.weight))
        assert not norm.norm.affine


@pytest.mark.parametrize("head", ["concat", "projection", "acgan"])
def test_conditional_discriminator_heads(head):
    torch.manual_seed(0)
    D = ConditionalDCGANDiscriminator(3, width=4, levels=2, head=head, spectral_norm=False)
    x, y = torch.randn(4, 1, 28, 28), torch.tensor([0, 1, 2, 0])
    out = D(x, y)
    if head == "acgan":
        assert isinstance(out, DiscriminatorOutput)
        assert out.logits.shape == (4, 1) and out.aux.shape == (4, 3)
        assert torch.equal(D(x, y.roll(1)).logits, out.logits)  # ACGAN's D does not read y
    else:
        assert out.shape == (4, 1)
        assert not torch.allclose(D(x, y.roll(1)), out)  # the answer depends on the label


def test_projection_discriminator_output_is_psi_plus_the_inner_product():
    torch.manual_seed(0)
    D = ConditionalDCGANDiscriminator(3, width=4, levels=2, head="projection")
    D.eval()  # freeze the power iteration: the same weights in both evaluations
    x, y = torch.randn(4, 1, 28, 28), torch.tensor([2, 0, 1, 2])
    phi = D.trunk(x)
    expected = D.projection.psi(phi) + (D.projection.embed.weight[y] * phi).sum(1, keepdim=True)
    torch.testing.assert_close(D(x, y), expected)
    names = {n for n, _ in D.named_modules() if n.endswith("parametrizations")}
    assert {"trunk.0.parametrizations", "projection.psi.parametrizations"} <= names
    assert "projection.embed.parametrizations" in names


def test_infogan_discriminator_returns_logits_and_q():
    D = InfoGANDiscriminator(width=4, levels=2, n_categories=10, n_continuous=2)
    out = D(torch.randn(3, 1, 28, 28))
    assert out.logits.shape == (3, 1)
    assert out.aux.logits.shape == (3, 10) and out.aux.mean.shape == (3, 2)


# ----------------------------------------------------------------------------- the objectives
def test_acgan_losses_are_the_adversarial_loss_plus_the_class_cross_entropies():
    torch.manual_seed(0)
    D = ConditionalDCGANDiscriminator(3, width=4, levels=2, head="acgan", spectral_norm=False)
    real, fake = torch.randn(6, 1, 28, 28), torch.randn(6, 1, 28, 28)
    ry, fy = torch.tensor([0, 1, 2, 0, 1, 2]), torch.tensor([2, 2, 1, 1, 0, 0])
    D.eval()
    r, f = D(real, ry), D(fake, fy)
    adversarial = F.softplus(-r.logits).mean() + F.softplus(f.logits).mean()
    objective = ACGAN(fake_class_weight=0.5)
    loss = objective.d_loss(Batch(D, real, fake, ry, fy))
    expected = adversarial + F.cross_entropy(r.aux, ry) + 0.5 * F.cross_entropy(f.aux, fy)
    torch.testing.assert_close(loss, expected)
    g = objective.g_loss(Batch(D, None, fake, None, fy))
    torch.testing.assert_close(g, F.softplus(-f.logits).mean() + F.cross_entropy(f.aux, fy))
    # the wrong labels give another loss: the labels are read
    assert objective.d_loss(Batch(D, real, fake, ry.roll(1), fy)).item() != pytest.approx(
        loss.item()
    )


def test_acgan_refuses_a_discriminator_without_a_class_head_and_a_batch_without_labels():
    D = DCGANDiscriminator(width=4, levels=2)
    real = fake = torch.randn(2, 1, 28, 28)
    y = torch.tensor([0, 1])
    with pytest.raises(ValueError, match="second head"):
        ACGAN().d_loss(Batch(lambda x, labels: D(x), real, fake, y, y))
    with pytest.raises(ValueError, match="num_classes > 0"):
        ACGAN().d_loss(Batch(D, real, fake))
    with pytest.raises(ValueError, match="plain adversarial loss"):
        ACGAN(base="fisher")


def test_infogan_latent_has_noise_a_one_hot_code_and_uniform_codes():
    objective = InfoGAN(n_categories=10, n_continuous=2)
    g = torch.Generator().manual_seed(0)
    z = objective.sample_latent(4000, 74, g, torch.device("cpu"))
    noise, one_hot, u = z[:, :62], z[:, 62:72], z[:, 72:]
    assert abs(noise.std().item() - 1) < 0.02
    assert torch.equal(one_hot.sum(1), torch.ones(4000)) and set(one_hot.unique().tolist()) == {
        0.0,
        1.0,
    }
    shares = one_hot.mean(0)
    assert shares.min() > 0.08 and shares.max() < 0.12  # uniform over the 10 values
    assert u.min() >= -1 and u.max() <= 1 and abs(u.mean().item()) < 0.03
    assert abs(u.var().item() - 1 / 3) < 0.02  # Var U[-1, 1] = 1/3
    categories, continuous = objective.codes(z)
    assert torch.equal(categories, one_hot.argmax(1)) and torch.equal(continuous, u)
    moved = objective.with_codes(z[:5], torch.tensor([3, 3, 3, 3, 3]), torch.zeros(5, 2))
    assert objective.codes(moved)[0].tolist() == [3] * 5 and torch.equal(moved[:, :62], z[:5, :62])
    with pytest.raises(ValueError, match="no room for noise"):
        objective.sample_latent(2, 12, g, torch.device("cpu"))


def test_infogan_losses_subtract_the_bound_in_both_players():
    torch.manual_seed(0)
    objective = InfoGAN(n_categories=3, n_continuous=1)
    D = InfoGANDiscriminator(width=4, levels=2, n_categories=3, n_continuous=1)
    D.eval()
    z = objective.sample_latent(6, 8, torch.Generator().manual_seed(1), torch.device("cpu"))
    real, fake = torch.randn(6, 1, 28, 28), torch.randn(6, 1, 28, 28)
    r, f = D(real), D(fake)
    c, u = z[:, 4:7].argmax(1), z[:, 7:]
    q = f.aux
    log_q_cont = (
        -0.5 * ((u - q.mean) / q.log_sigma.exp()) ** 2 - q.log_sigma - 0.5 * math.log(2 * math.pi)
    )
    bound_cat = -F.cross_entropy(q.logits, c) + math.log(3)
    bound_cont = (log_q_cont + math.log(2)).sum(1).mean()
    info = -(bound_cat + 0.1 * bound_cont)
    d = objective.d_loss(Batch(D, real, fake, latent=z))
    torch.testing.assert_close(d, F.softplus(-r.logits).mean() + F.softplus(f.logits).mean() + info)
    torch.testing.assert_close(objective.logs()["mi_categorical"], bound_cat.detach())
    g = objective.g_loss(Batch(D, None, fake, latent=z))
    torch.testing.assert_close(g, F.softplus(-f.logits).mean() + info)
    with pytest.raises(ValueError, match="latent=z"):
        objective.g_loss(Batch(D, None, fake))


# ----------------------------------------------------------------------------- the loop
def test_the_loop_gives_d_each_batch_with_its_labels():
    seen = []

    class Spy(torch.nn.Module):
        def __init__(self, D):
            super().__init__()
            self.D = D

        def forward(self, x, labels):
            seen.append((x.detach().clone(), labels.clone()))
            return self.D(x, labels)

    data = labelled_images()
    trainer = tiny("cgan", data)
    trainer.D = Spy(trainer.D)
    trainer.opt_d.param_groups[0]["params"] = list(trainer.D.parameters())
    inputs = trainer.draw_step_inputs()
    trainer.update(inputs)
    (real_x, real_y), (_, fake_y) = seen[0], seen[1]
    assert torch.equal(real_x, inputs.reals[0]) and torch.equal(real_y, inputs.real_labels[0])
    # the real labels are those of the real images: find each image in the data
    flat = data.images.flatten(1).float() / 127.5 - 1
    rows = torch.cdist(real_x.flatten(1), flat).argmin(1)
    assert torch.equal(data.labels[rows], real_y)
    assert torch.equal(fake_y, inputs.d_fake_labels[0])
    assert torch.equal(seen[2][1], inputs.g_fake_labels)  # G's step: D on the fakes, G's labels


@pytest.mark.parametrize("kind", ["uniform", "frequencies"])
def test_fake_labels_follow_the_chosen_distribution(kind):
    weights = [0.7, 0.2, 0.1]
    data = labelled_images(n=3000, weights=weights, seed=1)
    trainer = tiny("cgan", data, fake_labels=kind)
    drawn = torch.cat([trainer.sample_fake_labels(1000) for _ in range(20)])
    shares = torch.bincount(drawn, minlength=3).double() / len(drawn)
    data_shares = torch.bincount(data.labels, minlength=3).double() / len(data.labels)
    target = torch.full((3,), 1 / 3, dtype=torch.float64) if kind == "uniform" else data_shares
    assert (shares - target).abs().max() < 0.01  # 20,000 draws: 3 standard errors ≈ 0.01
    assert (shares - data_shares).abs().max() > 0.2 if kind == "uniform" else True


def test_a_conditional_run_refuses_unlabelled_data_bad_labels_and_penalties():
    images = torch.randint(0, 256, (8, 1, 28, 28), dtype=torch.uint8)
    trainer = tiny("cgan")
    G, D = trainer.G, trainer.D
    with pytest.raises(ValueError, match="no labels"):
        GANTrainer(G, D, ImageSampler(images, device="cpu"), 8, TrainConfig(num_classes=3))
    labelled = ImageSampler(images, torch.arange(8), device="cpu")
    with pytest.raises(ValueError, match="outside"):
        GANTrainer(G, D, labelled, 8, TrainConfig(num_classes=3), device="cpu")
    from gancourse.regularizers import Penalty

    with pytest.raises(ValueError, match="without labels"):
        GANTrainer(
            G,
            D,
            labelled_images(),
            8,
            TrainConfig(num_classes=3),
            device="cpu",
            controls=[Penalty("wgan-gp")],
        )
    with pytest.raises(ValueError, match="fake_labels must be"):
        TrainConfig(num_classes=3, fake_labels="balanced")
    with pytest.raises(ValueError, match="pass the real batch's labels"):
        trainer.discriminator_step(torch.zeros(8, 1, 28, 28))


def test_generate_gives_the_classes_asked_for():
    trainer = tiny("cgan")  # (an untrained conditional-BN G would ignore its labels: γ=1, β=0)
    labels = torch.tensor([0, 1, 2, 2, 1, 0, 0, 1, 2, 0, 1])  # 11: a short last batch
    images, back = trainer.generate_with_labels(11, seed=3, labels=labels)
    assert images.shape == (11, 1, 28, 28) and torch.equal(back, labels)
    again = trainer.generate(11, seed=3, labels=labels)
    assert torch.equal(images, again)
    assert not torch.equal(images, trainer.generate(11, seed=3, labels=(labels + 1) % 3))
    drawn = trainer.generate_with_labels(40, seed=0)[1]
    assert drawn.shape == (40,) and set(drawn.tolist()) == {0, 1, 2}
    with pytest.raises(ValueError, match="expected 11 labels"):
        trainer.generate(11, labels=labels[:5])
    with pytest.raises(ValueError, match="unconditional"):
        tiny("infogan").generate(4, labels=torch.zeros(4, dtype=torch.long))


@pytest.mark.parametrize("model", ["cgan", "acgan", "projection", "infogan"])
@pytest.mark.parametrize("merged", [False, True])
def test_each_conditional_model_trains_and_resumes_exactly(tmp_path, model, merged):
    straight = tiny(model, merged=merged, ema_decay=0.9)
    straight.train(6)
    first = tiny(model, merged=merged, ema_decay=0.9)
    first.train(3)
    first.save_checkpoint(tmp_path / "c.pt")
    resumed = tiny(model, merged=merged, ema_decay=0.9)
    resumed.train(2)  # weights, optimizer state and random stream all elsewhere: load restores
    resumed.load_checkpoint(tmp_path / "c.pt")
    resumed.train(3)
    for net in ("G", "D", "G_ema"):
        a, b = getattr(straight, net), getattr(resumed, net)
        for x, y in zip(a.state_dict().values(), b.state_dict().values(), strict=True):
            assert torch.equal(x, y), net
    assert straight.history == resumed.history
    assert all(math.isfinite(v) for v in straight.history.values("d_loss"))
    if model == "infogan":
        assert len(straight.history.values("mi_categorical")) == 3


def test_infogan_q_learns_the_code_on_a_few_steps():
    # Q and G cooperate on L_I: a few dozen steps raise the categorical bound from ~0 toward ln 3
    trainer = tiny(
        "infogan", loss_options={"n_categories": 3, "n_continuous": 1}, lr_d=2e-3, lr_g=2e-3
    )
    trainer.train(60)
    bounds = trainer.history.values("mi_categorical")
    assert bounds[-1] > bounds[0] + 0.3 and bounds[-1] <= math.log(3) + 1e-6


# ----------------------------------------------------------------------------- class metrics
def test_a_perfect_labeller_scores_accuracy_1_and_a_shifted_one_0():
    labels = torch.arange(50) % 10
    assert class_accuracy(labels, labels) == 1.0
    assert class_accuracy((labels + 1) % 10, labels) == 0.0
    assert class_accuracy(torch.where(labels < 5, labels, 0), labels) == 0.5
    with pytest.raises(ValueError, match="50 class indices"):
        class_accuracy(labels, labels[:10])


def test_class_histogram_counts_shares():
    h = class_histogram(torch.tensor([0, 0, 1, 3]), 4)
    assert h.dtype == torch.float64 and h.tolist() == [0.5, 0.25, 0.0, 0.25]
    with pytest.raises(ValueError, match="outside"):
        class_histogram(torch.tensor([5]), 4)


def test_intra_fid_of_each_class_with_itself_is_0_and_grows_with_a_shift():
    g = torch.Generator().manual_seed(0)
    features = torch.randn(600, 4, generator=g, dtype=torch.float64)
    labels = torch.arange(600) % 3
    same = intra_fid(features, labels, features, labels, 3)
    assert max(abs(v) for v in same.per_class) < 1e-6 and abs(same.mean) < 1e-6
    shifted = features + (labels == 1)[:, None] * 2.0  # class 1 moved by 2 in each of 4 dims
    moved = intra_fid(shifted, labels, features, labels, 3)
    assert moved.per_class[1] == pytest.approx(16.0, abs=1e-6)  # ||Δμ||² = 4 × 2²
    assert abs(moved.per_class[0]) < 1e-6 and moved.mean == pytest.approx(16 / 3, abs=1e-6)
    with pytest.raises(ValueError, match="class 2 has 0 generated"):
        intra_fid(features[labels < 2], labels[labels < 2], features, labels, 3)


def test_code_matching_finds_the_permutation_and_purity_counts_majorities():
    classes = torch.arange(100) % 10
    perm = torch.tensor([3, 7, 0, 1, 9, 2, 8, 4, 6, 5])
    codes = perm[classes]  # code = a relabelling of the class
    match = match_codes(codes, classes, 10)
    assert match.accuracy == 1.0 and match.purity == 1.0
    assert all(match.mapping[int(perm[c])] == c for c in range(10))
    # two codes for one class: purity still 1, but a one-to-one matching loses one code's samples
    merged = torch.where(classes == 1, torch.tensor(0), classes)
    m = match_codes(classes, merged, 10)
    assert m.purity == 1.0 and m.accuracy == pytest.approx(0.9)
    assert np.array_equal(m.counts.sum(1), np.full(10, 10))


# ----------------------------------------------------------------------------- the command line
@pytest.mark.parametrize(
    ("recipe", "line"),
    [
        ("cgan-fmnist", "classes"),
        ("acgan-fmnist", "classes"),
        ("projection-sn-hinge-fmnist", "classes"),
        ("infogan-fmnist", "codes"),
    ],
)
def test_conditional_recipes_train_and_evaluate_on_the_command_line(
    tmp_path, capsys, fashion_folder, recipe, line
):
    import json

    from gancourse.cli import main

    settings = ["--set", "width=4", "levels=2", "latent_dim=16", "batch_size=16"]
    args = ["--steps", "6", "--eval-every", "3", "--eval-samples", "100", "--device", "cpu"]
    out = str(tmp_path)
    assert main(["train", recipe, "--out", out, "--no-progress", *args, *settings]) == 0
    history = json.loads((tmp_path / "history.json").read_text())
    key = "classes.code_accuracy" if line == "codes" else "classes.accuracy"
    assert history[key]["step"] == [0, 3, 6]
    assert all(0 <= v <= 1 for v in history[key]["value"])
    assert (tmp_path / "samples" / "step_0000006.png").stat().st_size > 0
    checkpoint = str(tmp_path / "checkpoint.pt")
    assert main(["evaluate", checkpoint, "--n", "200", "--device", "cpu"]) == 0
    printed = capsys.readouterr().out
    assert "fashionnet  FID" in printed and f"\n{line}" in printed and "predicted" in printed
    if line == "classes":
        assert "FashionNet accuracy on samples" in printed and "mean intra-FID" in printed
    else:
        assert "matched accuracy" in printed and "purity" in printed
        assert "of its ceiling H(c) = ln 10 = 2.303" in printed


def test_the_recipes_are_what_they_say(fashion_folder):
    from gancourse.recipes import get_recipe

    flagship = get_recipe("projection-sn-hinge-fmnist").build(device="cpu", width=4, levels=2)
    c = flagship.config
    assert (c.loss, c.betas, c.num_classes, c.ema_decay) == ("hinge", (0.0, 0.9), 10, 0.999)
    assert flagship.G.conditioning == "batchnorm" and flagship.D.head == "projection"
    assert not any(isinstance(m, torch.nn.BatchNorm2d) for m in flagship.D.modules())
    acgan = get_recipe("acgan-fmnist").build(device="cpu", width=4, levels=2)
    assert isinstance(acgan.objective, ACGAN) and acgan.D.head == "acgan"
    info = get_recipe("infogan-fmnist").build(device="cpu", width=4, levels=2)
    assert info.config.num_classes == 0 and info.latent_dim == 74
    assert isinstance(info.objective, InfoGAN) and info.objective.code_size == 12


# What each conditional generator wants, written here independently of the package: one G step
# against a fixed D (SGD, a small step) must lower it.
def _acgan_goal(D, fake, labels, z):
    out = D(fake, labels)
    log_p = out.aux - torch.logsumexp(out.aux, dim=1, keepdim=True)
    return F.softplus(-out.logits).mean() - log_p[torch.arange(len(labels)), labels].mean()


def _infogan_goal(D, fake, labels, z):
    out, k = D(fake), 3
    codes, u = z[:, -4:-1].argmax(1), z[:, -1:]
    log_q = out.aux.logits - torch.logsumexp(out.aux.logits, dim=1, keepdim=True)
    bound = log_q[torch.arange(len(codes)), codes].mean() + math.log(k)
    mean, log_sigma = out.aux.mean, out.aux.log_sigma
    gauss = -0.5 * ((u - mean) / log_sigma.exp()) ** 2 - log_sigma - 0.5 * math.log(2 * math.pi)
    return F.softplus(-out.logits).mean() - bound - 0.1 * (gauss + math.log(2)).sum(1).mean()


@pytest.mark.parametrize(("model", "goal"), [("acgan", _acgan_goal), ("infogan", _infogan_goal)])
def test_a_conditional_g_step_against_a_fixed_d_lowers_what_g_wants(model, goal):
    options = {"n_categories": 3, "n_continuous": 1} if model == "infogan" else None
    trainer = tiny(model, optimizer="sgd", lr_g=1e-2, loss_options=options)
    trainer.G.double(), trainer.D.double()  # (in place: the optimizers keep their parameters)
    g = torch.Generator().manual_seed(1)
    z = trainer.sample_latent(8).double()
    labels = torch.randint(3, (8,), generator=g) if trainer.conditional else None
    d_before = [p.detach().clone() for p in trainer.D.parameters()]
    trainer.D.eval()  # a fixed function: no batch statistics moving between the two evaluations
    trainer.G.eval()
    with torch.no_grad():
        before = goal(trainer.D, trainer._generate(z, labels), labels, z).item()
    trainer.generator_step(z, fake_labels=labels)
    with torch.no_grad():
        after = goal(trainer.D, trainer._generate(z, labels), labels, z).item()
    assert after < before, f"{model}: {before} -> {after}"
    assert all(torch.equal(a, b) for a, b in zip(trainer.D.parameters(), d_before, strict=True))


def test_class_samples_take_the_classes_in_turn_and_sort_back():
    from gancourse.metrics.classes import by_class, class_conditional_samples, infogan_samples

    trainer = tiny("cgan")
    images, labels = class_conditional_samples(trainer, 4, seed=0)
    # every generator batch mixes the classes, as in training (batch norm sees mixed statistics)
    assert labels.tolist() == [0, 1, 2] * 4
    sorted_images = by_class(images, labels)
    assert torch.equal(sorted_images[:4], images[labels == 0])
    assert torch.equal(sorted_images[8:], images[labels == 2])
    info = tiny("infogan", loss_options={"n_categories": 3, "n_continuous": 1})
    _, codes = infogan_samples(info, 2, seed=0)
    assert codes.tolist() == [0, 1, 2, 0, 1, 2]


def test_infogan_bound_on_samples_reaches_ln_k_for_a_q_that_reads_the_code():
    from gancourse.metrics.classes import infogan_bound_on, infogan_samples

    trainer = tiny("infogan", loss_options={"n_categories": 3, "n_continuous": 1})
    images, codes = infogan_samples(trainer, 4, seed=0)
    buffers = [b.clone() for b in trainer.D.buffers()]
    bound = infogan_bound_on(trainer, images, codes)
    assert bound <= math.log(3) + 1e-6
    # measuring leaves D's batch-norm statistics as they were
    assert all(torch.equal(a, b) for a, b in zip(buffers, trainer.D.buffers(), strict=True))

    class Reader(torch.nn.Module):  # a Q that reads the code off the image: certain and right
        def forward(self, x):
            from gancourse.nets.conditional import InfoGANOutput

            k = torch.as_tensor([int(v) for v in x.flatten(1)[:, 0]])
            logits = 50.0 * F.one_hot(k, 3).float()
            zero = torch.zeros(len(x), 1)
            return DiscriminatorOutput(torch.zeros(len(x), 1), InfoGANOutput(logits, zero, zero))

    marked = torch.zeros(12, 1, 28, 28)
    marked[:, 0, 0, 0] = (torch.arange(12) % 3).float()
    trainer.D = Reader()
    assert infogan_bound_on(trainer, marked, torch.arange(12) % 3) == pytest.approx(math.log(3))
    assert infogan_bound_on(trainer, marked, (torch.arange(12) + 1) % 3) < -10  # wrong codes
