"""Stacked networks and batched toy runs: model m of a batch is run m trained alone."""

import pytest
import torch

from gancourse.batched import PerModelObjective, toy_gan_batch
from gancourse.datasets import ring
from gancourse.losses import minimax_d_loss
from gancourse.nets import StackedMLP, mlp_discriminator, mlp_generator
from gancourse.objectives import Batch
from gancourse.recipes import toy_gan
from gancourse.regularizers import gradient_penalty
from gancourse.train import StepInputs

SEEDS = (0, 1, 2)


def _mlps(n, spectral_norm=False, out=1):
    nets = []
    for seed in range(n):
        torch.manual_seed(seed)
        nets.append(mlp_discriminator(2, out, spectral_norm, width=16, depth=2, activation="relu"))
    return nets


def test_stacked_mlp_is_the_models_side_by_side():
    nets = _mlps(3, out=2)
    stacked = StackedMLP(nets)
    x = torch.randn(3 * 5, 2)
    expected = torch.cat([net(x[5 * m : 5 * (m + 1)]) for m, net in enumerate(nets)])
    torch.testing.assert_close(stacked(x), expected)
    for m, net in enumerate(nets):
        torch.testing.assert_close(stacked.unstack(m)(x), net(x))


def test_stacked_spectral_norm_follows_torchs_power_iteration():
    nets = _mlps(2, spectral_norm=True)
    stacked = StackedMLP(nets)
    x = torch.randn(2 * 8, 2)
    for _ in range(5):  # each training-mode forward does one power-iteration round
        expected = torch.cat([net(x[8 * m : 8 * (m + 1)]) for m, net in enumerate(nets)])
        torch.testing.assert_close(stacked(x), expected)
    # unstack reads sigma without another round
    nets[1].eval()
    torch.testing.assert_close(stacked.unstack(1)(x), nets[1](x))


def test_stacked_mlp_rejects_bad_input():
    stacked = StackedMLP(_mlps(3))
    with pytest.raises(ValueError, match="M = 3"):
        stacked(torch.zeros(4, 2))
    with pytest.raises(ValueError, match="one architecture"):
        StackedMLP([mlp_generator(2, 2, width=8), mlp_generator(2, 2, width=16)])
    with pytest.raises(IndexError):
        stacked.unstack(3)


def _slice(batch: StepInputs, m: int, n: int) -> StepInputs:
    def rows(t):
        return None if t is None else t.chunk(n)[m]

    return StepInputs(
        tuple(rows(r) for r in batch.reals),
        tuple(rows(z) for z in batch.d_latents),
        rows(batch.g_latent),
    )


def _train_side_by_side(options, steps=6, batch_size=32):
    """Model m of a batch and ``toy_gan(seed=m)``, stepped on the same batches."""
    dist = ring()
    batch = toy_gan_batch(dist, SEEDS, width=16, batch_size=batch_size, device="cpu", **options)
    alone = [
        toy_gan(dist, seed=s, width=16, batch_size=batch_size, device="cpu", **options)
        for s in SEEDS
    ]
    for _ in range(steps):
        inputs = batch.trainer.draw_step_inputs()
        batch.trainer.update(inputs)
        for m, run in enumerate(alone):
            run.update(_slice(inputs, m, len(SEEDS)))
    return dist, batch, alone


def _assert_same_models(dist, batch, alone, **close):
    x = dist.sample(64, generator=torch.Generator().manual_seed(9))
    for m, run in enumerate(alone):
        for a, b in zip(batch.generator(m).parameters(), run.G.parameters(), strict=True):
            torch.testing.assert_close(a, b, **close)
        run.D.eval()
        torch.testing.assert_close(batch.discriminator(m).eval()(x), run.D(x), **close)
        if run.G_ema is not None:
            ema = batch.trainer.G_ema.unstack(m).parameters()
            for a, b in zip(ema, run.G_ema.parameters(), strict=True):
                torch.testing.assert_close(a, b, **close)


SGD = {"optimizer": "sgd", "lr_d": 0.05, "lr_g": 0.05}


@pytest.mark.parametrize(
    "options",
    [
        {"loss": "nonsaturating", "n_critic": 2},
        {"loss": "minimax"},
        {"loss": "hinge", "spectral_norm": True},
        {"loss": "wgan", "clip": 0.05},
        # batch-level statistics, real logits in the G loss. (Not "mmd": its kernel
        # exp(-||a - b||) has a kink at a = b, and the direction of a near-zero difference is
        # rounding noise, so two correct runs drift apart by more than float32 rounding.)
        {"loss": "mmd-gaussian", "d_features": 4},
        {"loss": "mcgan-cov", "d_features": 4},
        {"loss": "fisher", "loss_options": {"rho": 0.5}},  # stateful: one multiplier per model
        {"loss": "nonsaturating", "merged": True},
        {"loss": "nonsaturating", "normalize": "gn"},
        {"loss": "nonsaturating", "ema_decay": 0.9},
    ],
)
def test_batched_run_m_is_run_m_alone(options):
    """Same batches, same steps: every model's gradients are those of its separate run.
    (Plain SGD, so that a difference in a gradient shows as a difference in the weights.)"""
    dist, batch, alone = _train_side_by_side({**SGD, **options})
    _assert_same_models(dist, batch, alone, rtol=1e-4, atol=1e-5)  # float32 rounding
    if options["loss"] == "fisher":
        lams = [p.lam.item() for p in batch.trainer.objective.parts]
        assert lams == pytest.approx([run.objective.lam.item() for run in alone], rel=1e-5)
        assert len(set(lams)) == 3  # one multiplier per model, not a shared one


def test_one_adam_over_the_stack_is_one_adam_per_model():
    # Adam's first steps are about lr * sign(gradient): a rounding difference in a near-zero
    # gradient can flip one, so the tolerance is one step (lr 1e-3); different models differ
    # by far more than that.
    dist, batch, alone = _train_side_by_side({"betas": (0.9, 0.999)}, steps=10)
    _assert_same_models(dist, batch, alone, rtol=0, atol=1e-3)
    with pytest.raises(AssertionError):  # the check can fail: model 1 is not run 0
        _assert_same_models(dist, batch, [alone[1], alone[0], alone[2]], rtol=0, atol=1e-3)


def test_a_penalty_on_the_stack_is_the_sum_of_the_models_penalties():
    nets = _mlps(3)
    stacked = StackedMLP(nets)
    real = torch.randn(3 * 10, 2)
    per_model = sum(
        gradient_penalty(net, real.chunk(3)[m], kind="r1") for m, net in enumerate(nets)
    )
    batch = toy_gan_batch(ring(), SEEDS, width=16, batch_size=10, penalty="r1", device="cpu")
    (control,) = batch.trainer.controls
    torch.testing.assert_close(control.penalty(stacked, real, None), per_model)


def test_generate_matches_a_separate_run():
    dist = ring()
    batch = toy_gan_batch(dist, SEEDS, width=32, device="cpu")
    alone = toy_gan(dist, seed=1, width=32, device="cpu")
    torch.testing.assert_close(batch.generate(1, 600, seed=0), alone.generate(600, seed=0))
    assert not torch.allclose(batch.generate(0, 600, seed=0), alone.generate(600, seed=0))


def test_the_c_transform_objective_stacks_too():
    # it reads the samples themselves: each model gets its own rows of the real and fake batch
    dist, batch, alone = _train_side_by_side({**SGD, "loss": "wgan-ctransform"})
    _assert_same_models(dist, batch, alone, rtol=1e-4, atol=1e-5)


def test_per_model_objective_sums_the_models_losses():
    objective = PerModelObjective("nonsaturating", None, 2)
    real, fake = torch.tensor([1.0, 2.0, -1.0, 0.0]), torch.tensor([0.0, -3.0, 2.0, 1.0])
    expected = minimax_d_loss(real[:2], fake[:2]) + minimax_d_loss(real[2:], fake[2:])
    assert objective.d_loss(Batch.of_logits(real, fake)).item() == pytest.approx(expected.item())
