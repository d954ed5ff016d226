"""The objective interface: one Batch, d_loss/g_loss/update/state_dict, and the registry."""

import math
import re

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from gancourse.datasets import ring
from gancourse.nets import autoencoder_discriminator_points, mlp_discriminator, mlp_generator
from gancourse.objectives import (
    LOSSES,
    Batch,
    CTransformObjective,
    FisherGAN,
    LogitObjective,
    Objective,
    get_loss,
)
from gancourse.train import GANTrainer, TrainConfig


class CountingD(nn.Module):
    def __init__(self, net: nn.Module) -> None:
        super().__init__()
        self.net, self.calls = net, 0

    def forward(self, x, labels=None):  # labels: a conditional D's second input
        self.calls += 1
        return self.net(x)


def small_trainer(objective=None, seed=0, **config):
    torch.manual_seed(seed)
    g, d = mlp_generator(2, 2, width=16, depth=2), mlp_discriminator(2, width=16, depth=2)
    config = {"batch_size": 32, "log_every": 5, **config}
    return GANTrainer(
        g, d, ring(), 2, TrainConfig(**config), device="cpu", progress=False, objective=objective
    )


# ----------------------------------------------------------------------------- the registry
def test_registry_builds_a_fresh_objective_per_call():
    for name in LOSSES:
        first, second = get_loss(name), get_loss(name)
        assert isinstance(first, Objective) and first is not second, name
    fisher = get_loss("fisher", rho=0.25)
    assert isinstance(fisher, FisherGAN) and fisher.rho == 0.25


def test_registry_errors_say_what_is_known():
    with pytest.raises(
        ValueError,
        match="unknown loss .wasserstein.*hinge, infogan, loss-sensitive, magan, mcgan-cov.*nonsat",
    ):
        get_loss("wasserstein")
    with pytest.raises(ValueError, match="the hinge loss takes no options; got rho"):
        get_loss("hinge", rho=1.0)
    with pytest.raises(ValueError, match="the fisher loss takes rho; got colour"):
        get_loss("fisher", colour=1)
    for bad in (0, -1.0, "abc", True):
        with pytest.raises(ValueError, match="rho must be a positive number"):
            get_loss("fisher", rho=bad)


def test_logit_objectives_are_the_formulas_on_the_logits():
    real, fake = torch.tensor([1.0, -2.0, 0.5]), torch.tensor([0.3, 4.0, -1.0])
    batch = Batch.of_logits(real, fake)
    nsgan, mmgan = get_loss("nonsaturating"), get_loss("minimax")
    bce = F.softplus(-real).mean() + F.softplus(fake).mean()
    assert nsgan.d_loss(batch).item() == pytest.approx(bce.item())
    assert mmgan.d_loss(batch).item() == pytest.approx(bce.item())
    assert nsgan.g_loss(batch).item() == pytest.approx(F.softplus(-fake).mean().item())
    assert mmgan.g_loss(batch).item() == pytest.approx(-F.softplus(fake).mean().item())
    assert get_loss("wgan").d_loss(batch).item() == pytest.approx(
        (fake.mean() - real.mean()).item()
    )


# ----------------------------------------------------------------------------- the batch record
def test_batch_scores_each_side_once_and_only_when_read():
    D = CountingD(mlp_discriminator(2, width=8, depth=1))
    real, fake = torch.randn(5, 2), torch.randn(5, 2)
    batch = Batch(D, real, fake)
    assert D.calls == 0
    get_loss("nonsaturating").g_loss(batch)  # reads the fakes only
    assert D.calls == 1
    get_loss("nonsaturating").d_loss(batch)  # the fake logits are reused
    assert D.calls == 2
    torch.testing.assert_close(batch.real_logits, D.net(real))
    assert D.calls == 2


def test_batch_without_samples_says_so():
    with pytest.raises(ValueError, match="on the real samples, but the batch has no real samples"):
        get_loss("mmd").g_loss(Batch(mlp_discriminator(2), None, torch.randn(4, 2)))
    trainer = small_trainer(get_loss("mmd"))
    with pytest.raises(ValueError, match=r"generator_step\(z, real=...\)"):
        trainer.generator_step()  # a loss that compares with the reals needs them


def test_rows_cut_samples_labels_and_logits_alike():
    D = CountingD(nn.Identity())
    real, fake = torch.arange(6.0)[:, None], -torch.arange(6.0)[:, None]
    labels = torch.arange(6)
    rows = Batch(D, real, fake, real_labels=labels, fake_labels=labels.flip(0)).rows(3)
    assert [r.real_labels.tolist() for r in rows] == [[0, 1], [2, 3], [4, 5]]
    assert [r.fake_labels.tolist() for r in rows] == [[5, 4], [3, 2], [1, 0]]
    assert rows[1].fake_logits.flatten().tolist() == [-2.0, -3.0]
    assert rows[2].real.flatten().tolist() == [4.0, 5.0]
    _ = [r.real_logits for r in rows]
    assert D.calls == 2  # D ran once per side on the whole batch


# ----------------------------------------------------------------------------- stateful objectives
def test_fisher_multiplier_update_rule_and_state():
    loss = FisherGAN(rho=0.5)
    batch = Batch.of_logits(torch.tensor([2.0, 2.0]), torch.tensor([0.0, 0.0]))
    # E = 2, Omega = (4 + 0) / 2 = 2, 1 - Omega = -1; with lambda = 0: L_F = 2 - 0.25 * 1
    assert loss.d_loss(batch).item() == pytest.approx(-(2.0 - 0.25))
    loss.update()  # lambda <- 0 - 0.5 * (-1) = 0.5
    assert loss.lam.item() == pytest.approx(0.5)
    assert loss.d_loss(batch).item() == pytest.approx(-(2.0 + 0.5 * -1 - 0.25))
    g_batch = Batch.of_logits(None, torch.tensor([1.0, 3.0]))
    assert loss.g_loss(g_batch).item() == pytest.approx(-2.0)
    fresh = get_loss("fisher")
    assert fresh.lam.item() == 0  # one state per trainer
    fresh.load_state_dict(loss.state_dict())
    assert fresh.lam.item() == pytest.approx(0.5)


def test_fisher_defaults_and_an_update_before_any_critic_loss():
    fisher = get_loss("fisher")
    assert fisher.rho == 1e-6  # the default multiplier step
    fisher.update()  # no critic loss yet: the constraint is 0, lambda stays 0
    assert fisher.lam.item() == 0.0


def test_a_stateless_objective_refuses_someone_elses_state():
    get_loss("hinge").load_state_dict({})
    message = (
        r"^LogitObjective has no state, but was given \['lam'\]: "
        r"the checkpoint was written with another objective$"
    )
    with pytest.raises(ValueError, match=message):
        get_loss("hinge").load_state_dict({"lam": torch.zeros(())})


def test_the_trainer_calls_update_after_every_d_step():
    class Counting(LogitObjective):
        updates = 0

        def update(self):
            Counting.updates += 1

    objective = Counting(*[LOSSES["nonsaturating"]().d_fn, LOSSES["nonsaturating"]().g_fn])
    small_trainer(objective, n_critic=3).train(4)
    assert Counting.updates == 12
    Counting.updates = 0
    small_trainer(Counting(objective.d_fn, objective.g_fn), merged=True).train(4)
    assert Counting.updates == 4


# ----------------------------------------------------------------------------- G's step helps G
def _mean_fake_logit(D, real, fake):
    return -D(fake).mean()


def _mcgan_mean_distance(D, real, fake):
    return (D(real).mean(0) - D(fake).mean(0)).norm()


def _mcgan_cov_distance(D, real, fake):
    r, f = D(real), D(fake)
    second = r.T @ r / len(r) - f.T @ f / len(f)
    return (r.mean(0) - f.mean(0)).norm() + torch.linalg.svdvals(second).sum()


def _mmd2(kernel):
    def distance(D, real, fake):
        x, y = D(real), D(fake)
        m, n = len(x), len(y)
        kxx, kyy, kxy = kernel(x, x), kernel(y, y), kernel(x, y)
        return (
            (kxx.sum() - kxx.trace()) / (m * (m - 1))
            + (kyy.sum() - kyy.trace()) / (n * (n - 1))
            - 2 * kxy.mean()
        )

    return distance


def _laplace(a, b):
    return torch.exp(-torch.cdist(a, b))


def _gaussians(a, b):
    sq = torch.cdist(a, b) ** 2
    return sum(torch.exp(-sq / (2 * s * s)) for s in (1.0, 2.0, 4.0, 8.0, 16.0))


def _c_transform_cost(D, real, fake):
    phi = D(real).flatten()
    return (torch.cdist(fake, real) - phi[None, :]).min(dim=1).values.mean()


def _l2_reconstruction(D, real, fake):
    return (D(fake)[0] - fake).pow(2).mean()


def _l1_reconstruction(D, real, fake):
    return (D(fake)[0] - fake).abs().mean()


def _ebgan_energy_and_pt(D, real, fake):
    codes = D(fake)[1]
    unit = codes / codes.norm(dim=1, keepdim=True)
    n = len(unit)
    squared_cosines = (unit @ unit.T).pow(2)
    pt = (squared_cosines.sum() - n) / (n * (n - 1))  # the diagonal is n ones
    return _l2_reconstruction(D, real, fake) + 0.1 * pt


def _mean_fake_energy(D, real, fake):
    return D(fake).mean()


# What each objective's generator wants, written here independently of the package:
# a quantity one G step against a fixed D must lower.
G_GOALS = {
    "minimax": _mean_fake_logit,  # both push D(G(z)) up
    "nonsaturating": _mean_fake_logit,
    "hinge": _mean_fake_logit,
    "wgan": _mean_fake_logit,
    "fisher": _mean_fake_logit,
    "mcgan-mean": _mcgan_mean_distance,
    "mcgan-cov": _mcgan_cov_distance,
    "mmd": _mmd2(_laplace),
    "mmd-gaussian": _mmd2(_gaussians),
    "wgan-ctransform": _c_transform_cost,
    # the energy view: G lowers the fakes' energy (an autoencoder's reconstruction error, or D's
    # output read as U), plus EBGAN's pulling-away term on the codes
    "ebgan": _ebgan_energy_and_pt,
    "began": _l1_reconstruction,
    "magan": _l2_reconstruction,
    "loss-sensitive": _mean_fake_energy,
    "meg": _mean_fake_energy,  # with mi_weight=0: the entropy bound moves with T (test_energy)
}
AUTOENCODER_D = ("ebgan", "began", "magan")


# ACGAN's and InfoGAN's goals need labels or codes: tests/test_conditional_training.py; pix2pix's
# and CycleGAN's need input images and the generators: tests/test_translation_training.py
CONDITIONAL_GOALS = {"acgan", "infogan", "pix2pix", "cyclegan"}


def test_every_registered_objective_has_a_generator_goal():
    assert set(G_GOALS) | CONDITIONAL_GOALS == set(LOSSES)


@pytest.mark.parametrize("name", sorted(G_GOALS))
def test_every_objective_g_step_against_a_fixed_d_lowers_what_g_wants(name):
    features = 4 if name.startswith(("mcgan", "mmd")) else 1
    torch.manual_seed(0)
    G = mlp_generator(2, 2, width=16, depth=2).double()
    D = mlp_discriminator(2, features, width=16, depth=2).double()
    if name in AUTOENCODER_D:
        D = autoencoder_discriminator_points(2, latent=4, width=16, depth=2).double()
    options = {"mi_weight": 0.0} if name == "meg" else None
    config = TrainConfig(loss=name, loss_options=options, optimizer="sgd", lr_g=1e-3, batch_size=64)
    trainer = GANTrainer(G, D, ring(), 2, config, device="cpu", progress=False)
    g = torch.Generator().manual_seed(1)
    real = ring().sample(64, generator=g, dtype=torch.float64)
    z = torch.randn(64, 2, generator=g, dtype=torch.float64)
    d_before = [p.detach().clone() for p in D.parameters()]
    goal = G_GOALS[name]
    with torch.no_grad():
        before = goal(D, real, G(z)).item()
    trainer.generator_step(z, real=real)
    with torch.no_grad():
        after = goal(D, real, G(z)).item()
    assert after < before, f"{name}: {before} -> {after}"
    assert all(torch.equal(a, b) for a, b in zip(D.parameters(), d_before, strict=True))


# ----------------------------------------------------------------------------- new kinds fit
# Sketches of the objectives later notebooks add. Each is an Objective subclass; none needs a
# change to the training loop.
class RelativisticAverage(Objective):
    """RaGAN (Jolicoeur-Martineau 2018): each side compares with the other's mean logit."""

    def d_loss(self, batch):
        r, f = batch.real_logits, batch.fake_logits
        return F.softplus(-(r - f.mean())).mean() + F.softplus(f - r.mean()).mean()

    def g_loss(self, batch):
        r, f = batch.real_logits, batch.fake_logits
        return F.softplus(r - f.mean()).mean() + F.softplus(-(f - r.mean())).mean()


class AutoencoderEnergy(Objective):
    """EBGAN-like: D is an autoencoder, the energy its per-sample squared reconstruction error."""

    def __init__(self, margin: float = 1.0) -> None:
        self.margin = margin

    @staticmethod
    def energy(D, x):
        return (D(x) - x).pow(2).flatten(1).mean(1)

    def d_loss(self, batch):
        fake_energy = self.energy(batch.D, batch.fake)
        return self.energy(batch.D, batch.real).mean() + F.relu(self.margin - fake_energy).mean()

    def g_loss(self, batch):
        return self.energy(batch.D, batch.fake).mean()


class NearestRealDistance(Objective):
    """Reads the samples themselves: G is pulled toward the nearest real point."""

    def d_loss(self, batch):
        return F.softplus(-batch.real_logits).mean() + F.softplus(batch.fake_logits).mean()

    def g_loss(self, batch):
        adversarial = F.softplus(-batch.fake_logits).mean()
        return adversarial + torch.cdist(batch.fake, batch.real).min(dim=1).values.mean()


@pytest.mark.parametrize("merged", [False, True])
def test_a_relativistic_objective_trains_without_touching_the_loop(merged):
    trainer = small_trainer(RelativisticAverage(), merged=merged)
    counting = CountingD(trainer.D)
    trainer.D = counting
    trainer.train(10)
    assert all(math.isfinite(v) for v in trainer.history.values("g_loss"))
    if not merged:  # per step: D scores real and fake in its step, and again in G's step
        assert counting.calls == 10 * 4


def test_an_energy_objective_with_an_autoencoder_d_trains_its_energy_down_on_the_reals():
    torch.manual_seed(0)
    G = mlp_generator(2, 2, width=16, depth=2)
    autoencoder = nn.Sequential(nn.Linear(2, 16), nn.ReLU(), nn.Linear(16, 2))
    objective = AutoencoderEnergy(margin=1.0)
    trainer = GANTrainer(
        G,
        autoencoder,
        ring(),
        2,
        TrainConfig(batch_size=64, log_every=10),
        device="cpu",
        progress=False,
        objective=objective,
    )
    x = ring().sample(256, generator=torch.Generator().manual_seed(3))
    with torch.no_grad():
        before = objective.energy(autoencoder, x).mean().item()
    trainer.train(200)
    with torch.no_grad():
        after = objective.energy(autoencoder, x).mean().item()
    assert after < 0.5 * before


def test_objectives_that_read_the_samples_train_without_touching_the_loop():
    for objective in (NearestRealDistance(), CTransformObjective()):
        trainer = small_trainer(objective)
        trainer.train(10)
        assert all(math.isfinite(v) for v in trainer.history.values("d_loss"))


def test_the_c_transform_never_scores_the_fakes():
    trainer = small_trainer(CTransformObjective())
    counting = CountingD(trainer.D)
    trainer.D = counting
    trainer.train(5)
    assert counting.calls == 5 * 2  # D(real) in D's step and in G's step, nothing else


def test_rows_refuse_sides_that_do_not_cut_alike():
    real, fake = torch.zeros(6, 1), torch.zeros(4, 1)  # 4 rows cut in 3 give 2 blocks, not 3
    with pytest.raises(ValueError, match="zip"):
        Batch(None, real, fake).rows(3)


def test_fisher_multiplier_follows_the_logits_device():
    # "meta" stands in for an accelerator: the multiplier must move to where the logits are
    fisher = get_loss("fisher")
    fisher.d_loss(Batch.of_logits(torch.zeros(2, device="meta"), torch.zeros(2, device="meta")))
    assert fisher.lam.device.type == "meta"
    fresh = get_loss("fisher")
    fresh.load_state_dict({"lam": torch.ones((), device="meta")})
    assert fresh.lam.device.type == "meta"


def test_objectives_whose_generator_compares_with_the_reals_say_what_is_missing():
    mmd = get_loss("mmd")
    assert mmd.g_uses_real is True and get_loss("hinge").g_uses_real is False
    D = nn.Linear(2, 1)
    fake = torch.zeros(4, 2)
    tail = ": pass them (e.g. generator_step(z, real=...) for a loss that compares with the reals)"
    cases = (
        (Batch(D, None, fake), "real", "no real samples"),
        (Batch(None, fake, fake), "fake", "no discriminator"),
    )
    for batch, which, missing in cases:
        message = (
            f"this objective reads D's output on the {which} samples, but the batch has {missing}"
        )
        with pytest.raises(ValueError, match=f"^{re.escape(message + tail)}$"):
            mmd.g_loss(batch)


def test_unknown_options_are_all_named():
    with pytest.raises(ValueError, match=r"^the fisher loss takes rho; got colour, size$"):
        get_loss("fisher", colour=1, size=2)
