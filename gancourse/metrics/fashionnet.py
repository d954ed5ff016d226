"""FashionNet: the course's default feature network for FID, KID, IS and precision/recall.

Inception-v3 was trained on ImageNet photographs; its features for 28 × 28 grayscale
clothing are a stretch (and it costs a GPU). FashionNet is a compact CNN trained by this
project on the Fashion-MNIST training split. Its 128-d penultimate layer gives the features
for FID/KID/precision-recall, and its 10 logits the class probabilities for the Inception
Score. The weights ship in the package (``weights/fashionnet.pt``, loaded with
``weights_only=True``) and are reproduced by ``gancourse train-classifier``.
"""

from __future__ import annotations

import time
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import nn

__all__ = [
    "FEATURE_DIM",
    "WEIGHTS",
    "FashionNet",
    "augment",
    "load_fashionnet",
    "train_fashionnet",
]

FEATURE_DIM = 128
WEIGHTS = Path(__file__).with_name("weights") / "fashionnet.pt"


class FashionNet(nn.Module):
    """Two conv blocks (32 and 64 channels, each two 3×3 convs with batch norm, then 2×2
    max-pooling), a 128-unit feature layer and a 10-way classifier.

    Input: images ``[B, 1, 28, 28]`` in [-1, 1] (the range of the course's generators).
    """

    def __init__(self) -> None:
        super().__init__()

        def block(c_in: int, c_out: int) -> nn.Sequential:
            return nn.Sequential(
                nn.Conv2d(c_in, c_out, 3, padding=1, bias=False),
                nn.BatchNorm2d(c_out),
                nn.ReLU(inplace=True),
                nn.Conv2d(c_out, c_out, 3, padding=1, bias=False),
                nn.BatchNorm2d(c_out),
                nn.ReLU(inplace=True),
                nn.MaxPool2d(2),
            )

        self.body = nn.Sequential(block(1, 32), block(32, 64), nn.Flatten())
        self.feature = nn.Sequential(
            nn.Dropout(0.3), nn.Linear(64 * 7 * 7, FEATURE_DIM), nn.ReLU(inplace=True)
        )
        self.classifier = nn.Linear(FEATURE_DIM, 10)

    def features(self, x: torch.Tensor) -> torch.Tensor:
        """The 128-d penultimate-layer features (after ReLU)."""
        if x.dim() != 4 or x.shape[1:] != (1, 28, 28):
            raise ValueError(
                f"FashionNet takes images [B, 1, 28, 28] in [-1, 1], got {tuple(x.shape)}"
            )
        return self.feature(self.body(x))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Class logits ``[B, 10]``."""
        return self.classifier(self.features(x))


def load_fashionnet(
    device: torch.device | str | None = None, path: str | Path = WEIGHTS
) -> FashionNet:
    """The trained FashionNet in eval mode, on ``device``; its ``feature_scale`` attribute is
    the root-mean-square of its features over the training split (see :func:`feature_scale`)."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(
            f"FashionNet weights not found at {path}; train them with `gancourse train-classifier`"
        )
    net = FashionNet()
    state = torch.load(path, map_location="cpu", weights_only=True)
    net.load_state_dict(
        {k: v.float() if v.is_floating_point() else v for k, v in state["weights"].items()}
    )
    net.feature_scale = float(state["feature_scale"])
    return net.eval().to(device if device is not None else "cpu")


@torch.no_grad()
def feature_scale(net: FashionNet, images: torch.Tensor, batch_size: int = 1000) -> float:
    """Root-mean-square of the features over ``images`` (the training split).

    KID's kernel :math:`(x^\top y / d + 1)^3` assumes features of order 1, as Inception's
    pool features are; FashionNet's ReLU features are larger, which would make KID's
    estimates swing wildly. :class:`~gancourse.metrics.FashionNetFeatures` divides by this
    constant, fixed once with the weights.
    """
    from ..datasets import to_unit_range

    net.eval()
    device = next(net.parameters()).device
    total, count = 0.0, 0
    for i in range(0, len(images), batch_size):
        f = net.features(to_unit_range(images[i : i + batch_size].to(device))).double()
        total += float((f**2).sum())
        count += f.numel()
    return (total / count) ** 0.5


@torch.no_grad()
def accuracy(
    net: nn.Module, images: torch.Tensor, labels: torch.Tensor, batch_size: int = 1000
) -> float:
    """Top-1 accuracy of ``net`` on uint8 images ``[N, 1, 28, 28]``."""
    from ..datasets import to_unit_range

    net.eval()
    device = next(net.parameters()).device
    correct = 0
    for i in range(0, len(images), batch_size):
        x = to_unit_range(images[i : i + batch_size].to(device))
        correct += int((net(x).argmax(dim=1) == labels[i : i + batch_size].to(device)).sum())
    return correct / len(images)


def augment(x: torch.Tensor, rng: torch.Generator, max_shift: int = 2) -> torch.Tensor:
    """FashionNet's training augmentation of a batch ``[B, C, H, W]``: each image mirrored left
    to right with probability 1/2, then the whole batch shifted cyclically by one random
    (dy, dx) in [-max_shift, max_shift]² (garments are roughly symmetric and centred).
    The shift is cyclic, so the pixels that wrap round come from the image's outer
    ``max_shift``-pixel border; that border is black in most images, but a garment that touches
    the edge gets a strip of itself on the other side."""
    flip = torch.rand(len(x), generator=rng, device=x.device) < 0.5
    x = torch.where(flip[:, None, None, None], x.flip(3), x)
    dx, dy = torch.randint(-max_shift, max_shift + 1, (2,), generator=rng, device=x.device).tolist()
    return torch.roll(x, shifts=(dy, dx), dims=(2, 3))


def train_fashionnet(
    epochs: int = 12,
    batch_size: int = 128,
    lr: float = 2e-3,
    seed: int = 0,
    device: torch.device | str = "cpu",
    out: str | Path | None = WEIGHTS,
    log=print,
) -> tuple[FashionNet, float]:
    """Train FashionNet from scratch on the training split; returns (net, test accuracy).

    AdamW with a one-cycle learning rate, random horizontal flips and ±2-pixel shifts as
    augmentation; every random draw comes from ``seed``. With ``out`` the weights are saved
    (as float16, with the seed and the accuracy reached) atomically.
    """
    from ..checkpoint import atomic_save
    from ..config import seed_everything
    from ..datasets import fashion_mnist, to_unit_range

    seed_everything(seed)
    device = torch.device(device)
    train_x, train_y = fashion_mnist("train")
    test_x, test_y = fashion_mnist("test")
    train_x, train_y = train_x.to(device), train_y.to(device)
    net = FashionNet().to(device)
    steps_per_epoch = len(train_x) // batch_size
    opt = torch.optim.AdamW(net.parameters(), lr=lr, weight_decay=5e-4)
    schedule = torch.optim.lr_scheduler.OneCycleLR(
        opt, max_lr=lr, total_steps=epochs * steps_per_epoch
    )
    rng = torch.Generator(device=device).manual_seed(seed)
    start = time.perf_counter()
    for epoch in range(epochs):
        net.train()
        order = torch.randperm(len(train_x), generator=rng, device=device)
        for i in range(steps_per_epoch):
            idx = order[i * batch_size : (i + 1) * batch_size]
            x = augment(to_unit_range(train_x[idx]), rng)
            loss = F.cross_entropy(net(x), train_y[idx])
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            schedule.step()
        acc = accuracy(net, test_x, test_y)
        log(
            f"epoch {epoch + 1}/{epochs}: loss {loss.item():.4f}, test accuracy {acc:.4f} "
            f"({time.perf_counter() - start:.0f} s)"
        )
    net.eval()
    if out is not None:
        weights = {k: v.half() if v.is_floating_point() else v for k, v in net.state_dict().items()}
        # the scale is measured with the weights as shipped (float16), so loading reproduces it
        shipped = FashionNet().to(device)
        shipped.load_state_dict(
            {k: v.float() if v.is_floating_point() else v for k, v in weights.items()}
        )
        scale = feature_scale(shipped, train_x)
        atomic_save(
            {
                "weights": weights,
                "feature_scale": scale,
                "seed": seed,
                "epochs": epochs,
                "test_accuracy": acc,
            },
            out,
        )
        log(f"saved {out}")
    return net, acc
