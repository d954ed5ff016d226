import pytest
import torch

from gancourse.nets import DCGANDiscriminator, DCGANGenerator, feature_map_sizes


@pytest.mark.parametrize(
    ("image_size", "levels", "expected"),
    [
        (28, 3, [4, 7, 14, 28]),
        (28, 2, [7, 14, 28]),
        (32, 3, [4, 8, 16, 32]),
        (64, 4, [4, 8, 16, 32, 64]),
    ],
)
def test_feature_map_sizes(image_size, levels, expected):
    assert feature_map_sizes(image_size, levels) == expected


def test_feature_map_sizes_errors():
    with pytest.raises(ValueError, match="below 2 pixels"):
        feature_map_sizes(28, 5)
    with pytest.raises(ValueError, match="levels"):
        feature_map_sizes(28, 0)


@pytest.mark.parametrize(("image_size", "channels", "levels"), [(28, 1, 3), (28, 1, 2), (32, 3, 3)])
def test_shapes_and_ranges(image_size, channels, levels):
    torch.manual_seed(0)
    g = DCGANGenerator(
        latent_dim=16, channels=channels, width=8, levels=levels, image_size=image_size
    )
    d = DCGANDiscriminator(channels=channels, width=8, levels=levels, image_size=image_size)
    x = g(torch.randn(5, 16))
    assert x.shape == (5, channels, image_size, image_size)
    assert x.abs().max() <= 1.0  # tanh output
    assert d(x).shape == (5, 1)


def test_widths_double_per_level_and_follow_the_guidelines():
    g = DCGANGenerator(latent_dim=100, width=64, levels=3)
    d = DCGANDiscriminator(width=64, levels=3)
    g_convs = [m for m in g.modules() if isinstance(m, torch.nn.ConvTranspose2d)]
    d_convs = [m for m in d.modules() if isinstance(m, torch.nn.Conv2d)]
    assert [m.out_channels for m in g_convs] == [256, 128, 64, 1]
    assert [m.out_channels for m in d_convs] == [64, 128, 256, 1]
    kinds = {type(m) for m in [*g.modules(), *d.modules()]}
    assert not kinds & {
        torch.nn.Linear,
        torch.nn.MaxPool2d,
        torch.nn.AvgPool2d,
    }  # no dense, no pooling
    assert all(m.stride == (2, 2) for m in d_convs[:-1])  # strided convolutions downsample
    # batch norm everywhere except G's output and D's input layer
    g_layers, d_layers = list(g.net), list(d.net)
    assert isinstance(g_layers[-1], torch.nn.Tanh) and isinstance(
        g_layers[-2], torch.nn.ConvTranspose2d
    )
    assert isinstance(d_layers[1], torch.nn.LeakyReLU)  # no batch norm after D's first conv
    assert sum(isinstance(m, torch.nn.BatchNorm2d) for m in g_layers) == 3
    assert sum(isinstance(m, torch.nn.BatchNorm2d) for m in d_layers) == 2
    assert all(m.negative_slope == 0.2 for m in d_layers if isinstance(m, torch.nn.LeakyReLU))


def test_initialisation_is_normal_0_002():
    torch.manual_seed(0)
    g = DCGANGenerator(latent_dim=100, width=64, levels=3)
    w = torch.cat(
        [m.weight.flatten() for m in g.modules() if isinstance(m, torch.nn.ConvTranspose2d)]
    )
    assert w.mean().abs() < 1e-3
    assert w.std().item() == pytest.approx(0.02, rel=0.02)
    bn = torch.cat([m.weight for m in g.modules() if isinstance(m, torch.nn.BatchNorm2d)])
    assert bn.mean().item() == pytest.approx(1.0, abs=0.01)


def test_spectral_norm_makes_every_layer_1_lipschitz():
    torch.manual_seed(0)
    d = DCGANDiscriminator(width=8, levels=3, batch_norm=False, spectral_norm=True)
    assert not any(isinstance(m, torch.nn.BatchNorm2d) for m in d.modules())
    for _ in range(30):  # each training-mode forward runs one power iteration
        d(torch.randn(4, 1, 28, 28))
    convs = [m for m in d.modules() if isinstance(m, torch.nn.Conv2d)]
    assert len(convs) == 4
    for conv in convs:
        sigma = torch.linalg.matrix_norm(conv.weight.detach().flatten(1), ord=2)
        assert sigma.item() == pytest.approx(1.0, abs=1e-3)


def test_bad_inputs_say_what_is_expected():
    g = DCGANGenerator(latent_dim=16, width=8)
    d = DCGANDiscriminator(width=8)
    with pytest.raises(ValueError, match=r"\[batch, 16\]"):
        g(torch.randn(4, 8))
    with pytest.raises(ValueError, match=r"\[batch, 1, 28, 28\]"):
        d(torch.randn(4, 3, 28, 28))
    with pytest.raises(ValueError, match="positive"):
        DCGANGenerator(latent_dim=0)


def test_removing_batch_norm_keeps_biases():
    g = DCGANGenerator(latent_dim=16, width=8, batch_norm=False)
    assert not any(isinstance(m, torch.nn.BatchNorm2d) for m in g.modules())
    assert all(m.bias is not None for m in g.modules() if isinstance(m, torch.nn.ConvTranspose2d))
