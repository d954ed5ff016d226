"""Image-to-image translation parts (#16, first parts): the U-Net and its clear size error, the
PatchGAN and its receptive field (computed, counted by hand, and measured by gradients), the
pix2pix and CycleGAN losses on hand tensors (the identity loss's direction), the image pool."""

import pytest
import torch
from torch.nn import functional as F

from gancourse.nets import PatchGANDiscriminator, UNetGenerator, receptive_field
from gancourse.translation_losses import (
    ImagePool,
    cycle_loss,
    identity_loss,
    lsgan_d_loss,
    lsgan_g_loss,
    pix2pix_d_loss,
    pix2pix_g_loss,
)


@pytest.mark.parametrize("skips", [True, False])
def test_unet_maps_32_by_32_images_to_their_own_shape(skips):
    torch.manual_seed(0)
    G = UNetGenerator(1, 1, width=8, depth=5, skips=skips)
    x = torch.randn(4, 1, 32, 32)
    y = G(x)
    assert y.shape == (4, 1, 32, 32) and y.abs().max() <= 1
    with_skips = sum(p.numel() for p in UNetGenerator(1, 1, 8, 5, skips=True).parameters())
    without = sum(p.numel() for p in UNetGenerator(1, 1, 8, 5, skips=False).parameters())
    assert with_skips > without  # the decoder reads twice the channels where the skips join


def test_unet_skips_carry_detail_past_the_bottleneck():
    # With skips the output depends on the input through the first encoder level directly; cut
    # the bottleneck (zero its weights) and only a U-Net still responds to the input.
    torch.manual_seed(0)
    for skips, responds in ((True, True), (False, False)):
        G = UNetGenerator(1, 1, width=8, depth=3, skips=skips, dropout_levels=0).eval()
        with torch.no_grad():
            G.ups[0][1].weight.zero_()  # the decoder's first layer: nothing leaves the bottleneck
        a, b = torch.randn(1, 1, 32, 32), torch.randn(1, 1, 32, 32)
        assert (not torch.allclose(G(a), G(b))) == responds


def test_unet_says_which_sizes_its_depth_can_divide():
    G = UNetGenerator(1, 1, width=4, depth=5)
    with pytest.raises(ValueError, match=r"multiples of 32; got 28 × 28.*pad.*depth ≤ 2"):
        G(torch.randn(2, 1, 28, 28))
    with pytest.raises(ValueError, match=r"expected images \[batch, 1, side, side\]"):
        G(torch.randn(2, 3, 32, 32))


def test_unet_dropout_is_the_noise_and_stays_on_in_training_mode():
    torch.manual_seed(0)
    G = UNetGenerator(1, 1, width=8, depth=5, dropout_levels=3)
    x = torch.randn(2, 1, 32, 32)
    assert not torch.equal(G(x), G(x))  # two draws of the dropout masks: two outputs
    assert sum(isinstance(m, torch.nn.Dropout) for m in G.modules()) == 3


@pytest.mark.parametrize(("n_layers", "by_hand"), [(1, 16), (2, 34), (3, 70)])
def test_patchgan_receptive_field_is_16_34_70(n_layers, by_hand):
    D = PatchGANDiscriminator(2, width=8, n_layers=n_layers)
    assert D.receptive_field == by_hand
    # the formula on the layers written out: strides 2, ..., 2, 1, 1 with 4 x 4 kernels
    assert receptive_field([(4, 2)] * n_layers + [(4, 1), (4, 1)]) == by_hand


@pytest.mark.parametrize(("n_layers", "size"), [(1, 64), (2, 96), (3, 160)])
def test_patchgan_receptive_field_measured_by_gradients(n_layers, size):
    # The input pixels one central logit depends on: a square of the receptive field's side.
    torch.manual_seed(0)
    D = PatchGANDiscriminator(1, width=4, n_layers=n_layers).double().eval()
    x = torch.randn(1, 1, size, size, dtype=torch.float64, requires_grad=True)
    out = D(x)
    h, w = out.shape[2] // 2, out.shape[3] // 2
    out[0, 0, h, w].backward()
    rows = torch.nonzero(x.grad[0, 0].abs().sum(1))
    cols = torch.nonzero(x.grad[0, 0].abs().sum(0))
    assert rows.max() - rows.min() + 1 == D.receptive_field
    assert cols.max() - cols.min() + 1 == D.receptive_field


def test_patchgan_outputs_a_grid_of_logits_and_checks_its_input():
    D = PatchGANDiscriminator(2, width=8, n_layers=3)
    assert D(torch.randn(2, 2, 32, 32)).shape == (2, 1, 2, 2)
    with pytest.raises(ValueError, match="input and output together"):
        D(torch.randn(2, 1, 32, 32))
    with pytest.raises(ValueError, match="kernel and stride must be positive"):
        receptive_field([(4, 0)])


def test_pix2pix_losses_on_hand_tensors():
    real, fake = torch.tensor([2.0, -1.0]), torch.tensor([0.0, 1.0])
    expected_d = 0.5 * (F.softplus(-real).mean() + F.softplus(fake).mean())
    torch.testing.assert_close(pix2pix_d_loss(real, fake), expected_d)
    g_out, target = torch.tensor([[0.5, -0.5]]), torch.tensor([[0.0, 0.5]])
    # non-saturating GAN term + 100 * mean |y - G(x)| = softplus(-0)=ln 2 and |.| mean = 0.75
    value = pix2pix_g_loss(torch.tensor([0.0]), g_out, target)
    assert value.item() == pytest.approx(torch.log(torch.tensor(2.0)).item() + 75.0)
    with pytest.raises(ValueError, match="one shape"):
        pix2pix_g_loss(torch.tensor([0.0]), g_out, target.T)


def test_lsgan_and_cycle_losses_on_hand_tensors():
    assert lsgan_d_loss(torch.tensor([1.0, 3.0]), torch.tensor([0.0, 2.0])).item() == 0.5 * (
        2.0 + 2.0
    )
    assert lsgan_g_loss(torch.tensor([1.0, -1.0])).item() == 2.0
    a, b = torch.zeros(1, 1, 2, 2), torch.ones(1, 1, 2, 2)
    assert cycle_loss(a, a + 0.5, b, b - 0.25).item() == pytest.approx(0.75)


def test_identity_loss_feeds_each_generator_its_output_domain():
    # G: A -> B and F: B -> A, with A the images near 0 and B those near 1. Take the perfect
    # translators G = "everything to 1" and F = "everything to 0": each leaves an image that is
    # already in its output domain alone, so the identity loss is 0. The known bug feeds each
    # generator its *input* domain (G(a) vs a, F(b) vs b) and punishes these perfect translators.
    a, b = torch.zeros(3, 1, 4, 4), torch.ones(3, 1, 4, 4)

    def G(x):
        return torch.ones_like(x)

    def F_(x):
        return torch.zeros_like(x)

    assert identity_loss(a, F_(a), b, G(b)).item() == 0.0  # |G(b) - b| + |F(a) - a|
    flipped = (G(a) - a).abs().mean() + (F_(b) - b).abs().mean()  # the bug, written out
    assert flipped.item() == 2.0
    # and a translator that changes everything is caught: G = F = "add 0.5"
    half = identity_loss(a, a + 0.5, b, b + 0.5)
    assert half.item() == pytest.approx(1.0)


def test_image_pool_passes_the_first_images_then_swaps_half_the_time():
    pool = ImagePool(size=4)
    g = torch.Generator().manual_seed(0)
    first = torch.arange(4.0).view(4, 1, 1, 1)
    assert torch.equal(pool.query(first, g), first)  # the pool fills: everything passes through
    assert [t.item() for t in pool.images] == [0.0, 1.0, 2.0, 3.0]
    returned_old = 0
    n = 4000
    for step in range(n // 4):
        new = (100.0 + 4 * step + torch.arange(4.0)).view(4, 1, 1, 1)  # every image its own value
        out = pool.query(new, g)
        returned_old += int((out != new).sum())  # a swap returns a stored image, never the new one
        assert len(pool.images) == 4 and all(t.item() < 100 + 4 * (step + 1) for t in pool.images)
    assert abs(returned_old / n - 0.5) < 0.03  # half of the new images are swapped for old ones


def test_image_pool_state_round_trips_and_size_zero_is_off():
    pool = ImagePool(size=2)
    pool.query(torch.ones(2, 1, 2, 2))
    again = ImagePool(size=2)
    again.load_state_dict(pool.state_dict())
    assert all(torch.equal(a, b) for a, b in zip(pool.images, again.images, strict=True))
    x = torch.randn(3, 1, 2, 2)
    assert ImagePool(size=0).query(x) is x
    with pytest.raises(ValueError, match="integer >= 0"):
        ImagePool(size=-1)


# ----------------------------------------------------------------------------- paired metrics
def test_psnr_and_ssim_match_torchmetrics_on_the_same_images():
    tm = pytest.importorskip("torchmetrics.functional.image")
    from gancourse.metrics import psnr, ssim

    g = torch.Generator().manual_seed(0)
    x = torch.rand(6, 1, 32, 32, generator=g, dtype=torch.float64) * 2 - 1
    y = (x + 0.3 * torch.randn(6, 1, 32, 32, generator=g, dtype=torch.float64)).clamp(-1, 1)
    want, full_map = tm.structural_similarity_index_measure(
        y, x, data_range=2.0, return_full_image=True
    )
    assert ssim(y, x, padding="reflect") == pytest.approx(want.item(), abs=1e-9)
    # the valid convention: torchmetrics' map without the 5-pixel border the window overhangs
    assert ssim(y, x) == pytest.approx(full_map[..., 5:-5, 5:-5].mean().item(), abs=1e-9)
    assert abs(ssim(y, x) - want.item()) > 1e-4  # the two conventions do differ
    # torchmetrics' PSNR pools the MSE over the batch; ours averages per-image PSNRs: compare per image
    for i in range(6):
        want = tm.peak_signal_noise_ratio(y[i : i + 1], x[i : i + 1], data_range=2.0).item()
        # (torchmetrics takes the log in float32: agreement to 1e-5 dB)
        assert psnr(y[i : i + 1], x[i : i + 1]) == pytest.approx(want, abs=1e-5)
    assert ssim(x, x) == pytest.approx(1.0) and psnr(x, x) == float("inf")
    assert ssim(y, x) < 0.9 and psnr(y, x) < psnr((x + y) / 2, x)  # closer images score higher


def test_ssim_refuses_images_smaller_than_its_window_and_mismatched_shapes():
    from gancourse.metrics import ssim

    with pytest.raises(ValueError, match="smaller than the 11-pixel window"):
        ssim(torch.zeros(1, 1, 8, 8), torch.zeros(1, 1, 8, 8))
    with pytest.raises(ValueError, match="one shape"):
        ssim(torch.zeros(1, 1, 32, 32), torch.zeros(1, 1, 32, 31))


# ----------------------------------------------------------------------------- the data
def test_edge_maps_by_hand_and_deterministic():
    from gancourse.datasets.translation import edge_maps, pad_to_32

    square = torch.zeros(1, 1, 28, 28, dtype=torch.uint8)
    square[0, 0, 10:18, 10:18] = 255  # a white square: edges on its border only
    edges = edge_maps(pad_to_32(square))
    assert edges.shape == (1, 1, 32, 32) and set(edges.unique().tolist()) == {0, 255}
    inside, outside = edges[0, 0, 15:19, 15:19], edges[0, 0, :8, :8]
    assert inside.sum() == 0 and outside.sum() == 0  # flat regions have no gradient
    assert edges[0, 0, 12:20, 11].all() and edges[0, 0, 12:20, 12].all()  # both sides of the step
    assert torch.equal(edge_maps(pad_to_32(square)), edges)
    with pytest.raises(ValueError, match="threshold"):
        edge_maps(square, threshold=0.0)
    with pytest.raises(ValueError, match=r"\[N, C, 28, 28\]"):
        pad_to_32(torch.zeros(1, 1, 32, 32, dtype=torch.uint8))


def test_edges2fmnist_pairs_each_garment_with_its_own_edges(fashion_folder):
    from gancourse.datasets.translation import edge_maps, edges2fmnist

    pairs = edges2fmnist("test", root=fashion_folder)
    assert pairs.inputs.shape == pairs.targets.shape == (10_000, 1, 32, 32)
    assert torch.equal(pairs.inputs[:50], edge_maps(pairs.targets[:50]))  # pair i: image i's edges
    assert torch.equal(pairs.targets[:, :, 2:30, 2:30].sum(), pairs.targets.sum())  # padding is 0
    again = edges2fmnist("test", root=fashion_folder)
    assert torch.equal(again.inputs, pairs.inputs)  # deterministic
    coverage = (pairs.inputs > 0).double().mean().item()
    assert 0.05 < coverage < 0.4  # an outline, not an empty map nor a filled one


def test_unpaired_domains_are_two_classes_each_shuffled(fashion_folder):
    from gancourse.datasets import fashion_mnist
    from gancourse.datasets.translation import pad_to_32, unpaired_domains

    a, b = unpaired_domains(split="test", root=fashion_folder)
    images, labels = fashion_mnist("test", root=fashion_folder)
    sneakers, boots = pad_to_32(images[labels == 7]), pad_to_32(images[labels == 9])
    assert len(a) == len(sneakers) == 1000 and len(b) == len(boots) == 1000
    assert not torch.equal(a, sneakers)  # shuffled ...
    assert torch.equal(a.flatten(1).sum(1).sort().values, sneakers.flatten(1).sum(1).sort().values)
    again_a, _ = unpaired_domains(split="test", root=fashion_folder)
    assert torch.equal(again_a, a)  # ... with a fixed seed
    with pytest.raises(ValueError, match="unknown class 'Hat'"):
        unpaired_domains("Hat", root=fashion_folder)
    with pytest.raises(ValueError, match="different classes"):
        unpaired_domains("Bag", "Bag", root=fashion_folder)


def test_shape_kept_is_1_for_the_same_outline_and_low_for_unrelated_ones():
    from gancourse.metrics import shape_kept

    g = torch.Generator().manual_seed(0)
    a = torch.zeros(4, 1, 32, 32, dtype=torch.uint8)
    a[:, :, 8:24, 10:22] = 255  # a box
    brighter = a.clone()
    brighter[a > 0] = 200  # same outline, other brightness
    assert shape_kept(a, a) == pytest.approx(1.0)
    assert shape_kept(a, brighter) == pytest.approx(1.0)
    other = torch.zeros_like(a)
    other[:, :, 2:10, 2:30] = 255  # another box elsewhere
    noise = torch.randint(0, 256, (4, 1, 32, 32), generator=g, dtype=torch.uint8)
    assert shape_kept(a, other) < 0.5 and shape_kept(a, noise) < 0.5
    as_floats = a.float() / 127.5 - 1  # [-1, 1] images are taken too
    assert shape_kept(as_floats, a) == pytest.approx(1.0)


def test_sharpness_is_1_for_the_targets_and_falls_with_a_blur():
    from gancourse.metrics import sharpness

    g = torch.Generator().manual_seed(0)
    y = torch.rand(4, 1, 32, 32, generator=g) * 2 - 1
    blurred = torch.nn.functional.avg_pool2d(y, 3, stride=1, padding=1, count_include_pad=False)
    assert sharpness(y, y) == pytest.approx(1.0)
    assert sharpness(blurred, y) < 0.6
    assert sharpness(torch.zeros_like(y), y) == 0
    with pytest.raises(ValueError, match="one shape"):
        sharpness(y, y[:2])
