import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import pytest
import torch

from gancourse import show
from gancourse.config import budget
from gancourse.datasets import grid, swiss_roll
from gancourse.viz import image_grid, plot_samples, show_images


def test_image_grid_layout_and_range():
    images = torch.linspace(-1, 1, 6 * 28 * 28).reshape(6, 1, 28, 28)
    g = image_grid(images, nrow=3, padding=2)
    # 3 columns and 2 rows of 28 px with 2 px padding around each
    assert g.shape == (2 * 30 + 2, 3 * 30 + 2, 3)
    assert g.min() >= 0 and g.max() <= 1
    assert torch.allclose(g[2:30, 2:30, 0], (images[0, 0] + 1) / 2)
    u8 = image_grid(torch.full((1, 1, 4, 4), 255, dtype=torch.uint8), padding=0)
    assert torch.all(u8 == 1.0)
    with pytest.raises(ValueError, match=r"\[B, C, H, W\]"):
        image_grid(torch.zeros(28, 28))


def test_show_images_and_plot_samples_label_their_axes():
    ax = show_images(torch.zeros(4, 1, 28, 28), nrow=2, title="zeros")
    assert ax.get_title() == "zeros"
    dist = grid()
    ax = plot_samples(dist.sample(100), dist)
    assert ax.get_title() == "grid of 25"
    assert ax.get_xlabel() and ax.get_ylabel()
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["samples", "true modes"]
    ax = plot_samples(swiss_roll().sample(100), swiss_roll())
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["samples", "centre line"]
    with pytest.raises(ValueError, match=r"\[n, 2\]"):
        plot_samples(torch.zeros(5, 3))
    plt.close("all")


def test_show_prints_the_source(capsys):
    assert show(budget) is None
    out = capsys.readouterr().out
    assert out.startswith("def budget(") and "return fast if profile()" in out
    with pytest.raises(TypeError, match="cannot show"):
        show(42)


def test_discriminator_density_history_and_animation():
    from gancourse.history import History
    from gancourse.nets import mlp_discriminator
    from gancourse.viz import animate_samples, plot_density, plot_discriminator, plot_history

    dist = grid()
    ax = plot_discriminator(mlp_discriminator(2, width=8, depth=1), dist, fake=dist.sample(50))
    assert ax.get_title().startswith("Discriminator") and ax.get_xlabel() == "$x_1$"
    assert ax.get_xlim()[1] == pytest.approx(4.5)
    ax = plot_density(dist.sample(1000), dist)
    assert ax.get_title() == "Sample density"
    h = History()
    for step in (10, 20):
        h.append("d_loss", step, 1.0)
        h.append("g_loss", step, 0.5)
    ax = plot_history(h)
    assert [line.get_label() for line in ax.get_lines()] == ["d_loss", "g_loss"]
    html = animate_samples([dist.sample(20), dist.sample(20)], [0, 100], dist)
    assert "<script" in html and html.count("data:image/png;base64") == 2  # one image per frame
    with pytest.raises(ValueError, match="one step number per frame"):
        animate_samples([dist.sample(5)], [0, 1])
    plt.close("all")


def test_plot_critic_shows_the_raw_values_also_for_a_normalised_critic():
    from gancourse.nets import mlp_discriminator
    from gancourse.regularizers import GradientNormalized
    from gancourse.viz import plot_critic

    dist = grid()
    critic = GradientNormalized(mlp_discriminator(2, width=8, depth=1))
    ax = plot_critic(critic, dist, fake=dist.sample(50), resolution=20)
    assert ax.get_title() == "Critic value f(x)" and ax.get_ylabel() == "$x_2$"
    labels = ax.get_legend_handles_labels()[1]
    assert labels == ["generated", "true modes"]
    # the colour scale spans the critic's raw values (GN keeps them inside [-1, 1])
    lo, hi = ax.collections[0].get_clim()
    assert -1.0 <= lo < hi <= 1.0
    plt.close("all")
