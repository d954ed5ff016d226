"""The energy view (notebook 08): energies, EBGAN/BEGAN/MAGAN/loss-sensitive/MEG objectives,
the entropy term, autoencoder discriminators and the grid identities — on hand-computed values."""

import math

import pytest
import torch
from torch.nn import functional as F

from gancourse import energy_losses as E
from gancourse import energy_theory as ET
from gancourse.datasets import ring
from gancourse.energy_objectives import (
    BEGAN,
    EBGAN,
    MAGAN,
    MEG,
    LossSensitiveGAN,
    jsd_mutual_information,
)
from gancourse.entropy import EntropyRegularised, knn_entropy
from gancourse.nets import (
    autoencoder_discriminator_images,
    autoencoder_discriminator_points,
    mlp_discriminator,
    mlp_generator,
)
from gancourse.objectives import Batch, get_loss
from gancourse.theory import gaussian_pdf, total_variation
from gancourse.train import GANTrainer, TrainConfig


# ----------------------------------------------------------------------------- energies
def test_reconstruction_energy_by_hand():
    x = torch.tensor([[1.0, 2.0], [0.0, 0.0]])
    x_hat = torch.tensor([[0.0, 0.0], [3.0, -1.0]])
    assert E.reconstruction_energy(x, x_hat).tolist() == [2.5, 5.0]  # (1 + 4)/2, (9 + 1)/2
    assert E.reconstruction_energy(x, x_hat, reduction="sum").tolist() == [5.0, 10.0]
    assert E.reconstruction_energy(x, x_hat, norm="l1").tolist() == [1.5, 2.0]
    assert E.reconstruction_energy(x, x_hat, norm="l1", reduction="sum").tolist() == [3.0, 4.0]
    with pytest.raises(ValueError, match=r"reconstruction has shape \(2, 1\) but the input"):
        E.reconstruction_energy(x, x_hat[:, :1])
    with pytest.raises(ValueError, match="norm must be 'l2' or 'l1', got 'l3'"):
        E.reconstruction_energy(x, x_hat, norm="l3")
    with pytest.raises(ValueError, match="reduction must be 'mean' or 'sum'"):
        E.reconstruction_energy(x, x_hat, reduction="max")


def test_sum_and_mean_energies_differ_by_the_number_of_pixels():
    # the common margin bug: a margin tuned for one reduction is 784 times off for the other
    g = torch.Generator().manual_seed(0)
    x, x_hat = torch.rand(3, 1, 28, 28, generator=g), torch.rand(3, 1, 28, 28, generator=g)
    mean = E.reconstruction_energy(x, x_hat)
    torch.testing.assert_close(E.reconstruction_energy(x, x_hat, reduction="sum"), 784 * mean)


def test_ebgan_d_loss_is_the_hinge_on_the_margin():
    real, fake = torch.tensor([0.2, 0.4]), torch.tensor([0.5, 1.5])
    # 0.3 + mean(relu(1 - 0.5), relu(1 - 1.5)) = 0.3 + 0.25
    assert E.ebgan_d_loss(real, fake, 1.0).item() == pytest.approx(0.55)
    assert E.ebgan_d_loss(real, fake, 2.0).item() == pytest.approx(0.3 + (1.5 + 0.5) / 2)


def test_pulling_away_term_is_the_mean_squared_cosine_of_distinct_codes():
    codes = torch.tensor([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
    # cosines 0, 1/sqrt2, 1/sqrt2; squares 0, 1/2, 1/2 twice over 3*2 ordered pairs
    assert E.pulling_away_term(codes).item() == pytest.approx(1 / 3)
    # the unsquared version would give 2*sqrt2/6 = 0.471 here, and -1 for opposite codes
    assert E.pulling_away_term(torch.tensor([[1.0, 0.0], [-2.0, 0.0]])).item() == pytest.approx(1)
    assert E.pulling_away_term(torch.eye(4)).item() == 0.0
    scaled = torch.tensor([[3.0, 0.0], [0.0, 0.5], [2.0, 2.0]])  # lengths do not matter
    assert E.pulling_away_term(scaled).item() == pytest.approx(1 / 3)
    with pytest.raises(ValueError, match="at least 2 codes"):
        E.pulling_away_term(torch.ones(1, 3))


def test_ebgan_g_loss_adds_the_weighted_pulling_away_term():
    fake = torch.tensor([0.5, 1.5])
    codes = torch.tensor([[1.0, 0.0], [1.0, 1.0]])  # cosine^2 = 1/2
    assert E.ebgan_g_loss(fake).item() == 1.0
    assert E.ebgan_g_loss(fake, codes, 0.1).item() == pytest.approx(1.0 + 0.1 * 0.5)
    with pytest.raises(ValueError, match="needs the fakes' codes"):
        E.ebgan_g_loss(fake, None, 0.1)


def test_began_losses_k_update_clipping_and_convergence_by_hand():
    real, fake = torch.tensor([0.2, 0.4]), torch.tensor([0.05, 0.15])  # means 0.3, 0.1
    assert E.began_d_loss(real, fake, 0.5).item() == pytest.approx(0.3 - 0.05)
    k = torch.tensor(0.5)
    # k + 1e-3 (0.5 * 0.3 - 0.1) = 0.5 + 5e-5
    assert E.began_k_update(k, real, fake).item() == pytest.approx(0.50005)
    assert E.began_k_update(k, real, fake, gamma=1.0, lambda_k=0.1).item() == pytest.approx(0.52)
    assert E.began_k_update(torch.tensor(0.999), real, fake, lambda_k=1.0).item() == 1.0  # clip
    assert E.began_k_update(torch.tensor(0.001), real, 10 * fake, lambda_k=1.0).item() == 0.0
    assert E.began_convergence(real, fake).item() == pytest.approx(0.3 + abs(0.15 - 0.1))
    assert E.began_convergence(real, 3 * fake, gamma=1.0).item() == pytest.approx(0.3 + 0.0)


def test_magan_rule_needs_all_three_conditions():
    # mean real 0.5 < m = 0.8; S_real 50 < S_fake 70; S_fake 70 >= previous 60
    assert E.magan_margin_update(0.8, 50.0, 70.0, 60.0, 100) == 0.5
    assert E.magan_margin_update(0.4, 50.0, 70.0, 60.0, 100) == 0.4  # data above the margin
    assert E.magan_margin_update(0.8, 50.0, 40.0, 30.0, 100) == 0.8  # D cannot tell them apart
    assert E.magan_margin_update(0.8, 50.0, 70.0, 80.0, 100) == 0.8  # fakes still improving
    assert E.magan_margin_update(0.8, 50.0, 70.0, 70.0, 100) == 0.5  # "did not fall": equal


def test_loss_sensitive_d_loss_by_hand():
    real, fake = torch.tensor([0.0, 1.0]), torch.tensor([0.5, 3.0])
    distance = torch.tensor([1.0, 1.0])
    # 0.5 + mean(relu(1 + 0 - 0.5), relu(1 + 1 - 3)) = 0.5 + 0.25
    assert E.loss_sensitive_d_loss(real, fake, distance).item() == pytest.approx(0.75)
    assert E.loss_sensitive_d_loss(real, fake, distance, 2.0).item() == pytest.approx(1.0)


# ----------------------------------------------------------------------------- objectives
class FixedAutoencoder(torch.nn.Module):
    """x -> (0.5 x, x): energies are known by hand."""

    def forward(self, x):
        return 0.5 * x, x.flatten(1)


def test_ebgan_objective_on_an_autoencoder():
    real = torch.tensor([[2.0, 0.0], [0.0, 2.0]])  # energy mean((x/2)^2) = 0.5 each
    fake = torch.tensor([[1.0, 1.0], [2.0, 2.0]])  # energies 0.25, 1.0
    batch = Batch(FixedAutoencoder(), real, fake)
    ebgan = EBGAN(margin=0.75, pt_weight=0.1)
    assert ebgan.d_loss(batch).item() == pytest.approx(0.5 + (0.5 + 0.0) / 2)
    # the two fake codes are parallel: PT = 1
    assert ebgan.g_loss(batch).item() == pytest.approx(0.625 + 0.1)
    summed = EBGAN(margin=0.75, pt_weight=0.0, reduction="sum")
    assert summed.d_loss(batch).item() == pytest.approx(1.0 + (0.25 + 0.0) / 2)


def test_autoencoder_objectives_need_an_autoencoder():
    batch = Batch(mlp_discriminator(2), torch.zeros(4, 2), torch.ones(4, 2))
    for objective in (EBGAN(), BEGAN(), MAGAN()):
        with pytest.raises(ValueError, match=r"returns \(reconstruction, code\).*Tensor"):
            objective.d_loss(batch)


def test_energy_objectives_check_their_options():
    with pytest.raises(ValueError, match="EBGAN's margin must be a positive number"):
        EBGAN(margin=0)
    with pytest.raises(ValueError, match="pt_weight must be a non-negative number"):
        EBGAN(pt_weight=-0.1)
    with pytest.raises(ValueError, match="BEGAN's gamma must be a positive number"):
        BEGAN(gamma=0.0)
    with pytest.raises(ValueError, match="epoch_steps must be a positive integer"):
        MAGAN(epoch_steps=0)
    with pytest.raises(ValueError, match="norm must be 'l2' or 'l1'"):
        BEGAN(norm="l0")
    with pytest.raises(ValueError, match="MEG's latent_dim must be a positive integer"):
        MEG(2, 0)
    with pytest.raises(ValueError, match="loss-sensitive weight must be a positive number"):
        LossSensitiveGAN(weight=-1)


def test_began_objective_updates_k_and_the_convergence_measure():
    began = BEGAN(gamma=0.5, lambda_k=0.1)
    real = torch.tensor([[2.0, 0.0], [0.0, 2.0]])  # L1 energy mean|x/2| = 0.5
    fake = torch.tensor([[0.2, 0.2], [0.4, 0.4]])  # 0.1, 0.2: mean 0.15
    batch = Batch(FixedAutoencoder(), real, fake)
    assert began.d_loss(batch).item() == pytest.approx(0.5)  # k_0 = 0
    began.update()
    assert began.k.item() == pytest.approx(0.1 * (0.25 - 0.15))
    logs = began.logs()
    assert logs["M_global"].item() == pytest.approx(0.5 + 0.1)
    assert logs["real_energy"].item() == pytest.approx(0.5)
    assert logs["fake_energy"].item() == pytest.approx(0.15)
    assert began.d_loss(Batch(FixedAutoencoder(), real, fake)).item() == pytest.approx(
        0.5 - 0.01 * 0.15
    )
    assert began.g_loss(batch).item() == pytest.approx(0.15)
    with pytest.raises(RuntimeError, match="follows a D step"):
        BEGAN().update()


def _feed(magan, real_mean, fake_mean, n=4):
    magan.record(torch.full((n,), real_mean), torch.full((n,), fake_mean))


def test_magan_margin_on_a_scripted_sequence_of_energies():
    magan = MAGAN(epoch_steps=2, warmup_epochs=1)
    assert magan.warming_up and magan.margin == 0.0 and magan.logs()["margin"].item() == 0.0
    script = [  # (real mean, fake mean) for two D steps = one epoch; the margin after it
        ((0.9, 0.7), (2.0, 2.0), 0.8),  # warm-up ends: m0 = mean real energy = 0.8
        ((0.5, 0.5), (2.0, 2.0), 0.5),  # all three hold (fake total 16 >= 16)
        ((0.4, 0.4), (1.0, 1.0), 0.5),  # fake total fell (8 < 16): kept
        ((0.3, 0.3), (1.5, 1.5), 0.3),  # fell? no (12 >= 8), real 0.3 < 0.5, 2.4 < 12: lowered
        ((0.2, 0.2), (0.1, 0.1), 0.3),  # real total above the fake total: kept
        ((0.6, 0.6), (5.0, 5.0), 0.3),  # data above the margin: kept
    ]
    for reals, fakes, margin in script:
        for r, f in zip(reals, fakes, strict=True):
            _feed(magan, r, f)
        assert magan.margin == pytest.approx(margin)
    assert not magan.warming_up and magan.steps == 12


def test_magan_warms_up_as_an_autoencoder_then_uses_the_margin():
    real = torch.tensor([[2.0, 0.0], [0.0, 2.0]])  # energy 0.5
    fake = torch.tensor([[1.0, 1.0], [2.0, 2.0]])  # energies 0.25, 1.0
    magan = MAGAN(epoch_steps=1, warmup_epochs=1)
    assert magan.d_loss(Batch(FixedAutoencoder(), real, fake)).item() == pytest.approx(0.5)
    magan.update()
    assert magan.margin == pytest.approx(0.5)  # m0
    loss = magan.d_loss(Batch(FixedAutoencoder(), real, fake)).item()
    assert loss == pytest.approx(0.5 + (0.25 + 0.0) / 2)


def test_loss_sensitive_objective_pairs_reals_and_fakes():

    class Energy(torch.nn.Module):
        """D(x) = -x_0 (negative): the objective's energy |D(x)| is x_0."""

        def forward(self, x):
            return -x[:, :1]

    real = torch.tensor([[0.5, 0.0], [1.0, 0.0]])  # U 0.5, 1
    fake = torch.tensor([[2.0, 1.0], [3.0, 1.0]])  # U 2, 3; L1 mean distances 1.25, 1.5
    objective = LossSensitiveGAN()
    batch = Batch(Energy(), real, fake)
    # 0.75 + mean(relu(1.25 + 0.5 - 2), relu(1.5 + 1 - 3)) = 0.75
    assert objective.d_loss(batch).item() == pytest.approx(0.75)
    scaled = LossSensitiveGAN(distance_scale=4.0)  # margins 5 and 6: relu(3.5), relu(4)
    assert scaled.d_loss(Batch(Energy(), real, fake)).item() == pytest.approx(0.75 + 3.75)
    assert objective.g_loss(batch).item() == pytest.approx(2.5)
    with pytest.raises(ValueError, match="one energy per sample.*gave \\(2, 2\\)"):
        objective.d_loss(Batch(torch.nn.Identity(), real, fake))


def test_jsd_mutual_information_bounds():
    zero = torch.zeros(8)
    assert jsd_mutual_information(zero, zero).item() == pytest.approx(-2 * math.log(2))
    big = torch.full((8,), 30.0)
    assert jsd_mutual_information(big, -big).item() == pytest.approx(0.0, abs=1e-12)
    assert jsd_mutual_information(-big, big).item() == pytest.approx(-60.0, abs=1e-6)


def test_meg_losses_by_hand():
    w = torch.tensor([[3.0, 4.0]])

    class Linear(torch.nn.Module):
        def forward(self, x):
            return x @ w.T  # |grad U| = 5 everywhere

    real, fake = torch.tensor([[1.0, 0.0], [0.0, 1.0]]), torch.tensor([[1.0, 1.0], [2.0, 0.0]])
    meg = MEG(2, 3, gp_weight=0.1, mi_weight=0.5)
    batch = Batch(Linear(), real, fake)
    assert meg.d_loss(batch).item() == pytest.approx(3.5 - 6.5 + 0.1 * 25)
    z = torch.randn(2, 3, generator=torch.Generator().manual_seed(0))
    g_batch = Batch(Linear(), real, fake, latent=z)
    info = meg.mutual_information(fake, z)
    x = fake.flatten(1)
    joint = meg.statistics(torch.cat([x, z], 1))
    marginal = meg.statistics(torch.cat([x, z.roll(1, 0)], 1))
    assert info.item() == pytest.approx(
        (-F.softplus(-joint).mean() - F.softplus(marginal).mean()).item()
    )
    assert meg.g_loss(g_batch).item() == pytest.approx(6.5 - 0.5 * info.item())
    with pytest.raises(ValueError, match="no latent"):
        meg.g_loss(batch)
    with pytest.raises(ValueError, match="built for samples of 2 numbers and z of size 3"):
        meg.g_loss(Batch(Linear(), real, fake, latent=z[:, :2]))
    assert meg.generator_modules() == (meg.statistics,)


# ----------------------------------------------------------------------------- entropy
def test_knn_entropy_matches_closed_forms():
    g = torch.Generator().manual_seed(0)
    gaussian = torch.randn(2000, 2, generator=g, dtype=torch.float64)
    assert knn_entropy(gaussian).item() == pytest.approx(math.log(2 * math.pi * math.e), abs=0.05)
    uniform = torch.rand(2000, 2, generator=g, dtype=torch.float64)  # H = 0
    assert knn_entropy(uniform).item() == pytest.approx(0.0, abs=0.05)
    wide = 3.0 * gaussian  # H grows by d log 3
    assert (knn_entropy(wide) - knn_entropy(gaussian)).item() == pytest.approx(2 * math.log(3))
    collapsed = torch.zeros(5, 2, requires_grad=True)  # rho = eps: finite, and so is the gradient
    h = knn_entropy(collapsed)
    log_ball = math.log(math.pi)  # V_2 = pi
    digamma_gap = sum(1 / k for k in range(1, 5))  # psi(5) - psi(1)
    assert h.item() == pytest.approx(digamma_gap + log_ball + 2 * math.log(1e-6))
    h.backward()
    assert torch.isfinite(collapsed.grad).all()
    with pytest.raises(ValueError, match="at least 2 samples"):
        knn_entropy(torch.zeros(1, 2))


def test_entropy_term_is_added_to_any_generator_loss():
    inner = get_loss("nonsaturating")
    wrapped = get_loss("nonsaturating", entropy_weight=0.5)
    assert isinstance(wrapped, EntropyRegularised)
    D = mlp_discriminator(2)
    g = torch.Generator().manual_seed(1)
    real, fake = torch.randn(16, 2, generator=g), torch.randn(16, 2, generator=g)
    expected = inner.g_loss(Batch(D, real, fake)) - 0.5 * knn_entropy(fake)
    assert wrapped.g_loss(Batch(D, real, fake)).item() == pytest.approx(expected.item())
    assert wrapped.d_loss(Batch(D, real, fake)).item() == pytest.approx(
        inner.d_loss(Batch(D, real, fake)).item()
    )
    with pytest.raises(ValueError, match="entropy weight must be a positive number"):
        get_loss("hinge", entropy_weight=0)
    began = get_loss("began", entropy_weight=0.1, gamma=0.7)
    assert began.objective.gamma == 0.7 and began.log_names[:2] == ("k", "M_global")


def test_entropy_term_spreads_a_collapsed_generator():
    # G maps all z near one point; steps on -H alone spread the samples out
    torch.manual_seed(0)
    G = mlp_generator(2, 2, width=16, depth=1)
    opt = torch.optim.SGD(G.parameters(), lr=0.01)
    z = torch.randn(256, 2, generator=torch.Generator().manual_seed(0))
    before = knn_entropy(G(z)).item()
    for _ in range(20):
        loss = -knn_entropy(G(z))
        opt.zero_grad()
        loss.backward()
        opt.step()
    assert knn_entropy(G(z)).item() > before + 0.5


# ----------------------------------------------------------------------------- nets
def test_autoencoder_discriminators_shapes_and_errors():
    D = autoencoder_discriminator_points(2, latent=5)
    out = D(torch.randn(7, 2))
    assert out.reconstruction.shape == (7, 2) and out.code.shape == (7, 5)
    D = autoencoder_discriminator_images(latent=16)
    x = torch.rand(3, 1, 28, 28) * 2 - 1
    reconstruction, code = D(x)
    assert reconstruction.shape == x.shape and code.shape == (3, 16)
    assert reconstruction.abs().max() <= 1  # Tanh, like the data
    with pytest.raises(ValueError, match=r"expected images \[batch, 1, 28, 28\]"):
        D(torch.zeros(3, 1, 32, 32))
    # no batch norm: a sample's energy does not depend on its batch
    torch.testing.assert_close(D(x[:1]).reconstruction, reconstruction[:1])


# ----------------------------------------------------------------------------- in the loop
def energy_trainer(loss, seed=0, **config):
    torch.manual_seed(seed)
    G = mlp_generator(2, 2, width=16, depth=2)
    if loss in ("ebgan", "began", "magan"):
        D = autoencoder_discriminator_points(2, latent=4, width=16, depth=1)
    else:
        D = mlp_discriminator(2, width=16, depth=2)
    config = {"loss": loss, "batch_size": 32, "log_every": 5, **config}
    return GANTrainer(G, D, ring(), 2, TrainConfig(**config), device="cpu", progress=False)


def test_began_logs_k_and_m_global_every_log_step():
    trainer = energy_trainer("began", loss_options={"lambda_k": 0.01})
    trainer.train(10)
    assert trainer.history.steps("k") == [5, 10] and trainer.history.steps("M_global") == [5, 10]
    assert 0.0 <= trainer.history.last("k") <= 1.0 and trainer.history.last("M_global") > 0


@pytest.mark.parametrize(
    "loss, options, state",
    [
        ("began", {"lambda_k": 0.01}, "k"),
        ("magan", {"epoch_steps": 3, "warmup_epochs": 1}, "margin"),
        ("meg", {"latent_dim": 2}, "statistics"),
    ],
)
def test_stateful_energy_objectives_resume_exactly(tmp_path, loss, options, state):
    straight = energy_trainer(loss, loss_options=options)
    straight.train(20)
    first = energy_trainer(loss, loss_options=options)
    first.train(11)
    first.save_checkpoint(tmp_path / "c.pt")
    resumed = energy_trainer(loss, seed=5, loss_options=options)
    resumed.load_checkpoint(tmp_path / "c.pt")
    resumed.train(9)
    a, b = straight.objective.state_dict(), resumed.objective.state_dict()
    assert set(a) == set(b) and state in a
    for key in a:
        if isinstance(a[key], torch.Tensor):
            assert torch.equal(a[key], b[key]), key
        elif isinstance(a[key], dict):
            assert all(torch.equal(a[key][k], b[key][k]) for k in a[key]), key
        else:
            assert a[key] == b[key], key
    for x, y in zip(straight.G.parameters(), resumed.G.parameters(), strict=True):
        assert torch.equal(x, y)
    assert straight.history == resumed.history


def test_magan_margin_moves_during_training():
    trainer = energy_trainer("magan", loss_options={"epoch_steps": 5, "warmup_epochs": 2})
    trainer.train(10)
    m0 = trainer.objective.margin
    assert math.isfinite(m0) and m0 > 0
    trainer.train(40)
    assert trainer.objective.margin <= m0  # never rises
    assert len(trainer.history.steps("margin")) == 10


def test_meg_statistics_network_trains_with_the_generator():
    trainer = energy_trainer("meg", loss_options={"latent_dim": 2})
    statistics = trainer.objective.statistics
    in_g = {id(p) for group in trainer.opt_g.param_groups for p in group["params"]}
    in_d = {id(p) for group in trainer.opt_d.param_groups for p in group["params"]}
    assert all(id(p) in in_g and id(p) not in in_d for p in statistics.parameters())
    before = [p.detach().clone() for p in statistics.parameters()]
    trainer.train(3)
    assert any(not torch.equal(a, b) for a, b in zip(before, statistics.parameters(), strict=True))


# ----------------------------------------------------------------------------- grid identities
GRID = torch.linspace(-8, 8, 4001, dtype=torch.float64)


def double_well(x):
    return 0.25 * x**4 - x**2


def test_gibbs_density_and_log_partition():
    q = ET.gibbs_density(double_well(GRID), GRID)
    assert ET.integrate(q, GRID) == pytest.approx(1.0, abs=1e-9)
    # a Gaussian energy x^2/2 has Z = sqrt(2 pi)
    assert ET.log_partition(GRID**2 / 2, GRID) == pytest.approx(0.5 * math.log(2 * math.pi))
    # shifting the energy by c changes log Z by -c and nothing else; huge energies do not overflow
    assert ET.log_partition(GRID**2 / 2 + 1000.0, GRID) == pytest.approx(
        0.5 * math.log(2 * math.pi) - 1000.0
    )
    assert ET.entropy(gaussian_pdf(GRID, 0, 1.2), GRID) == pytest.approx(
        0.5 * math.log(2 * math.pi * math.e * 1.44)
    )


@pytest.mark.parametrize("mu, sigma", [(0.0, 1.0), (1.0, 0.5), (-1.5, 0.3)])
def test_generator_kl_is_energy_minus_entropy_plus_log_z(mu, sigma):
    terms = ET.generator_kl_terms(gaussian_pdf(GRID, mu, sigma), double_well(GRID), GRID)
    identity = terms["energy"] - terms["entropy"] + terms["log_z"]
    assert terms["kl"] == pytest.approx(identity, abs=1e-6)
    assert terms["kl"] > 0
    # and against an independent KL on the grid
    from gancourse.theory import kl_divergence

    q = ET.gibbs_density(double_well(GRID), GRID)
    assert terms["kl"] == pytest.approx(kl_divergence(gaussian_pdf(GRID, mu, sigma), q, GRID))


def test_log_likelihood_gradient_is_positive_plus_negative_phase():
    def U(theta, x):
        return theta[0] * x**2 + theta[1] * x**4 + theta[2] * x

    phases = ET.log_likelihood_phases(
        U, torch.tensor([-1.0, 0.25, 0.3]), gaussian_pdf(GRID, 1.0, 0.7), GRID
    )
    torch.testing.assert_close(phases["phases"], phases["autograd"], atol=1e-6, rtol=0)
    assert not torch.allclose(phases["positive"], phases["autograd"], atol=1e-2)  # both needed


def test_ebgan_optimal_energy_and_total_variation():
    p_data, p_g = gaussian_pdf(GRID, 0.0, 1.0), gaussian_pdf(GRID, 1.0, 1.2)
    m = 2.0
    d_star = ET.ebgan_optimal_energy(p_data, p_g, m)
    assert set(d_star.unique().tolist()) == {0.0, m}
    assert torch.equal(d_star == 0, p_data >= p_g)
    value = ET.ebgan_value(p_data, p_g, d_star, m, GRID)
    assert value == pytest.approx(m * (1 - total_variation(p_data, p_g, GRID)), abs=1e-6)
    # D* is optimal: random energies in [0, m] do no better
    g = torch.Generator().manual_seed(0)
    for _ in range(20):
        other = m * torch.rand(len(GRID), generator=g, dtype=torch.float64)
        assert ET.ebgan_value(p_data, p_g, other, m, GRID) >= value
    with pytest.raises(ValueError, match="margin must be positive"):
        ET.ebgan_optimal_energy(p_data, p_g, 0.0)


def test_stacked_models_refuse_objectives_they_cannot_split():
    from gancourse.batched import PerModelObjective

    with pytest.raises(ValueError, match="the began objective logs values.*one at a time"):
        PerModelObjective("began", None, 3)
    with pytest.raises(ValueError, match="the meg objective"):
        PerModelObjective("meg", None, 3)
    assert len(PerModelObjective("loss-sensitive", None, 3).parts) == 3


def test_batch_rows_cut_the_latent_too():
    z = torch.arange(6.0)[:, None]
    rows = Batch(None, torch.zeros(6, 2), torch.ones(6, 2), latent=z).rows(3)
    assert [r.latent.flatten().tolist() for r in rows] == [[0, 1], [2, 3], [4, 5]]


# ----------------------------------------------------------------------------- recipes
@pytest.mark.parametrize("loss", ["ebgan", "began", "magan", "loss-sensitive", "meg"])
def test_energy_dcgan_trains_each_objective_and_resumes_exactly(tmp_path, loss):
    from gancourse.datasets import ImageSampler
    from gancourse.recipes import energy_dcgan

    g = torch.Generator().manual_seed(0)
    images = ImageSampler(
        torch.randint(0, 256, (64, 1, 28, 28), generator=g, dtype=torch.uint8), device="cpu"
    )
    options = {"epoch_steps": 2} if loss == "magan" else None

    def build():
        return energy_dcgan(
            images,
            loss,
            seed=0,
            width=4,
            latent_dim=8,
            code_size=4,
            device="cpu",
            batch_size=8,
            log_every=2,
            loss_options=options,
        )

    straight = build()
    straight.train(6)
    first = build()
    first.train(3)
    first.save_checkpoint(tmp_path / "c.pt")
    resumed = build()
    with torch.no_grad():  # other weights, which the load must overwrite
        for p in resumed.G.parameters():
            p.add_(1.0)
    resumed.load_checkpoint(tmp_path / "c.pt")
    resumed.train(3)
    for x, y in zip(straight.G.parameters(), resumed.G.parameters(), strict=True):
        assert torch.equal(x, y)
    assert straight.history == resumed.history
    assert math.isfinite(straight.history.last("d_loss"))


def test_toy_energy_gan_picks_the_discriminator_the_objective_reads():
    from gancourse.nets import AutoencoderDiscriminator
    from gancourse.recipes import toy_energy_gan

    for loss in ("ebgan", "began", "magan"):
        trainer = toy_energy_gan(ring(), loss, width=8, code_size=3, device="cpu")
        assert isinstance(trainer.D, AutoencoderDiscriminator) and trainer.D.latent == 3
    meg = toy_energy_gan(ring(), "meg", width=8, latent_dim=3, device="cpu")
    assert (meg.objective.data_dim, meg.objective.latent_dim) == (2, 3)
    assert not isinstance(
        toy_energy_gan(ring(), "loss-sensitive", width=8, device="cpu").D, AutoencoderDiscriminator
    )


def test_loss_sensitive_weight_decay_is_half_mu_times_the_squared_parameters():
    D = torch.nn.Linear(2, 1)
    with torch.no_grad():
        D.weight.copy_(torch.tensor([[1.0, -2.0]]))
        D.bias.fill_(3.0)  # sum of squares 1 + 4 + 9 = 14
    g = torch.Generator().manual_seed(0)
    real, fake = torch.randn(8, 2, generator=g), torch.randn(8, 2, generator=g)
    plain = LossSensitiveGAN(weight_decay=0.0).d_loss(Batch(D, real, fake))
    decayed = LossSensitiveGAN(weight_decay=0.1).d_loss(Batch(D, real, fake))
    assert (decayed - plain).item() == pytest.approx(0.5 * 0.1 * 14)
    assert LossSensitiveGAN().weight_decay == 1e-4  # on by default, as the paper regularises
    with pytest.raises(ValueError, match="needs D as an nn.Module"):
        LossSensitiveGAN().d_loss(Batch(lambda x: x[:, :1], real, fake))


def test_magan_refuses_a_cuda_graph_and_others_do_not():
    with pytest.raises(
        ValueError, match="the magan objective keeps state on the host.*cuda_graph=False"
    ):
        energy_trainer("magan", cuda_graph=True)
    with pytest.raises(ValueError, match="keeps state on the host"):
        energy_trainer("magan", cuda_graph=True, loss_options={"entropy_weight": 0.1})
    energy_trainer("began", cuda_graph=True)  # on a CPU the flag is ignored; BEGAN is graph-safe
