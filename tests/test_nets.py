import pytest
import torch

from gancourse.nets import MLP, mlp_discriminator, mlp_generator


def test_shapes_and_layers():
    d = mlp_discriminator(2, width=32, depth=3)
    assert d(torch.zeros(5, 2)).shape == (5, 1)
    assert sum(isinstance(m, torch.nn.Linear) for m in d.modules()) == 4
    g = mlp_generator(8, 2, width=16, depth=2, activation="relu")
    assert g(torch.zeros(7, 8)).shape == (7, 2)


def test_depth_zero_is_linear():
    m = MLP(3, 2, depth=0)
    x = torch.randn(4, 3)
    lin = m.net[0]
    assert torch.allclose(m(x), x @ lin.weight.T + lin.bias)


def test_bad_arguments():
    with pytest.raises(ValueError, match="unknown activation 'gelu2'"):
        MLP(2, 1, activation="gelu2")
    with pytest.raises(ValueError, match="positive sizes"):
        MLP(0, 1)
    with pytest.raises(ValueError, match=r"expected input \[batch, 2\]"):
        mlp_discriminator(2)(torch.zeros(5, 3))
