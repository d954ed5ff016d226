"""Conditioning parts and losses (notebook 11, #15): conditional batch norm, the projection
discriminator's head, ACGAN's raw-logit head and loss, InfoGAN's bound — on hand tensors."""

import math

import pytest
import torch
from torch.nn import functional as F

from gancourse.conditional_losses import (
    acgan_class_loss,
    infogan_categorical_bound,
    infogan_continuous_bound,
    infogan_loss,
)
from gancourse.nets import (
    AuxiliaryClassifierHead,
    ConditionalBatchNorm2d,
    InfoGANHead,
    LabelConcat,
    ProjectionHead,
)


def test_label_concat_appends_an_embedding_or_a_one_hot():
    x, y = torch.zeros(3, 4), torch.tensor([0, 2, 1])
    one_hot = LabelConcat(3, one_hot=True)(x, y)
    assert one_hot.shape == (3, 7) and torch.equal(one_hot[:, 4:], torch.eye(3)[[0, 2, 1]])
    learnt = LabelConcat(3, dim=5)
    out = learnt(torch.ones(3, 2, 2), y)  # inputs are flattened first
    assert out.shape == (3, 9) and torch.equal(out[:, 4:], learnt.embedding.weight[y])
    with pytest.raises(ValueError, match="integer tensor .*not one-hot"):
        learnt(x, F.one_hot(y, 3).float())
    with pytest.raises(ValueError, match=r"lie in \[0, 3\), got values from 0 to 3"):
        learnt(x, torch.tensor([0, 3, 1]))
    with pytest.raises(ValueError, match=r"one label per sample, shape \[3\]"):
        learnt(x, torch.tensor([0, 1]))


def test_conditional_batch_norm_starts_as_batch_norm_and_scales_per_class():
    torch.manual_seed(0)
    cbn = ConditionalBatchNorm2d(2, num_classes=3)
    assert not cbn.norm.affine
    assert torch.equal(cbn.gamma.weight, torch.ones(3, 2)) and torch.equal(
        cbn.beta.weight, torch.zeros(3, 2)
    )
    x, y = torch.randn(6, 2, 4, 4), torch.tensor([0, 1, 2, 0, 1, 2])
    plain = F.batch_norm(x, None, None, training=True)
    torch.testing.assert_close(cbn(x, y), plain)  # gamma = 1, beta = 0
    with torch.no_grad():
        cbn.gamma.weight[1] = torch.tensor([2.0, 3.0])
        cbn.beta.weight[2] = torch.tensor([-1.0, 0.5])
    out = cbn(x, y)
    torch.testing.assert_close(out[y == 0], plain[y == 0])
    torch.testing.assert_close(
        out[y == 1], plain[y == 1] * torch.tensor([2.0, 3.0])[None, :, None, None]
    )
    torch.testing.assert_close(
        out[y == 2], plain[y == 2] + torch.tensor([-1.0, 0.5])[None, :, None, None]
    )
    # the statistics are the whole batch's, not each class's: batch norm, then a per-class affine map
    assert not torch.allclose(out[y == 0], F.batch_norm(x[y == 0], None, None, training=True))


def test_projection_head_equals_the_formula_on_hand_tensors():
    head = ProjectionHead(3, num_classes=2, spectral_norm=False)
    with torch.no_grad():
        head.psi.weight.copy_(torch.tensor([[1.0, 0.0, -1.0]]))
        head.psi.bias.fill_(0.5)
        head.embed.weight.copy_(torch.tensor([[1.0, 1.0, 1.0], [0.0, 2.0, 0.0]]))
    phi = torch.tensor([[1.0, 2.0, 3.0], [1.0, 2.0, 3.0]])
    out = head(phi, torch.tensor([0, 1]))
    # psi = 1 - 3 + 0.5 = -1.5; <e_0, phi> = 6, <e_1, phi> = 4
    assert out.shape == (2, 1) and out.flatten().tolist() == [4.5, 2.5]


def test_projection_head_is_spectrally_normalised_by_default():
    torch.manual_seed(0)
    head = ProjectionHead(8, num_classes=5)
    for _ in range(30):  # power iteration converges over training-mode forward passes
        head(torch.randn(4, 8), torch.randint(0, 5, (4,)))
    head.eval()
    for weight in (head.psi.weight, head.embed.weight):
        assert torch.linalg.matrix_norm(weight, ord=2).item() == pytest.approx(1.0, abs=1e-3)


def test_acgan_head_gives_raw_logits_and_its_loss_is_cross_entropy():
    torch.manual_seed(0)
    head = AuxiliaryClassifierHead(6, 4)
    features, labels = torch.randn(5, 6), torch.tensor([0, 3, 1, 1, 2])
    logits = head(features)
    torch.testing.assert_close(logits, head.linear(features))  # no softmax inside
    assert not torch.allclose(logits.sum(1), torch.ones(5))
    assert acgan_class_loss(logits, labels).item() == pytest.approx(
        F.cross_entropy(logits, labels).item()
    )
    # the well-known bug, softmax before cross_entropy: a certain, right classifier still pays
    # at least log(1 + 3/e) = 0.74 with four classes, where the right loss goes to 0
    certain = torch.tensor([[8.0, 0.0, 0.0, 0.0]])
    assert acgan_class_loss(certain, torch.tensor([0])).item() < 0.01
    assert (
        F.cross_entropy(certain.softmax(1), torch.tensor([0])).item()
        > math.log(1 + 3 / math.e) - 1e-3
    )
    with pytest.raises(ValueError, match=r"logits \[batch, classes\] and labels \[batch\]"):
        acgan_class_loss(logits, labels[:3])


def test_infogan_categorical_bound_reaches_ln10_for_a_perfect_q_and_0_for_a_blind_one():
    codes = torch.arange(10).repeat(3)
    perfect = 50.0 * F.one_hot(codes, 10).float()
    assert infogan_categorical_bound(perfect, codes).item() == pytest.approx(math.log(10), abs=1e-6)
    blind = torch.zeros(30, 10)
    assert infogan_categorical_bound(blind, codes).item() == pytest.approx(0.0, abs=1e-6)
    # a hand batch: Q gives the right code probability 1/2 for every sample -> log(1/2) + log 10
    logits = torch.full((4, 10), math.log(1 / 18))
    codes = torch.tensor([1, 4, 7, 9])
    logits[torch.arange(4), codes] = math.log(1 / 2)
    assert infogan_categorical_bound(logits, codes).item() == pytest.approx(
        math.log(0.5) + math.log(10)
    )


def test_infogan_continuous_bound_by_hand_and_the_weighted_loss():
    mean, log_sigma = torch.zeros(2, 1), torch.zeros(2, 1)
    codes = torch.tensor([[0.0], [1.0]])
    # log N(0; 0, 1) = -0.919, log N(1; 0, 1) = -1.419; + log 2 each; mean
    expected = (-0.5 * math.log(2 * math.pi) - 0.5 * math.log(2 * math.pi) - 0.5) / 2 + math.log(2)
    assert infogan_continuous_bound(mean, log_sigma, codes).item() == pytest.approx(expected)
    logits, cats = torch.zeros(2, 10), torch.tensor([0, 1])
    loss = infogan_loss(logits, cats, mean, log_sigma, codes)
    assert loss.item() == pytest.approx(-(0.0) - 0.1 * expected, abs=1e-6)
    with pytest.raises(ValueError, match="need Q's mean and log_sigma"):
        infogan_loss(logits, cats, continuous=codes)
    with pytest.raises(ValueError, match="one shape"):
        infogan_continuous_bound(mean, log_sigma, torch.zeros(2, 2))


def test_infogan_head_splits_its_output_and_clamps_log_sigma():
    head = InfoGANHead(4, n_categories=10, n_continuous=2)
    with torch.no_grad():
        head.linear.bias.fill_(100.0)
    out = head(torch.zeros(3, 4))
    assert (
        out.logits.shape == (3, 10) and out.mean.shape == (3, 2) and out.log_sigma.shape == (3, 2)
    )
    assert out.log_sigma.max().item() == 2.0  # clamped
