"""Steps per second of a DCGAN training step, the conventional way and the course's ways.

    python benchmarks/bench_dcgan_step.py [--recipe dcgan-nsgan-fmnist] [--width 64] [--levels 3]
        [--batch 64] [--steps 500] [--device cuda] [--modes conventional device graph bf16 compile]

Modes (same networks, same seed, NSGAN, Adam(2e-4, (0.5, 0.999)), fp32 unless stated):

* ``conventional``: what most tutorials write — a ``torch.utils.data.DataLoader`` (shuffled,
  no workers) over the images as float tensors on the host, each batch moved with
  ``.to(device)``, ``.item()`` on both losses every step. (A generous baseline: torchvision's
  dataset class would add a PIL conversion per image.)
* ``device``: the course's trainer, eager — the dataset on the device, batches indexed there,
  losses read every ``log_every`` steps.
* ``graph``: the same trainer with ``cuda_graph=True`` — each step one CUDA graph replay.
* ``bf16``: ``device`` under ``torch.autocast(dtype=torch.bfloat16)``.
* ``compile``: ``device`` with ``torch.compile`` on G and D (compilation time excluded).

Graph, bf16 and compile modes need CUDA and are skipped elsewhere. Every mode runs
``--warmup`` steps first, then the timed ``--steps`` with the device synchronised around them.
"""

from __future__ import annotations

import argparse
import contextlib
import time

import torch
import torch.nn.functional as F

from gancourse.datasets import ImageSampler
from gancourse.recipes import get_recipe

CUDA_ONLY = {"graph", "bf16", "compile"}


def load_images(random_data: bool) -> torch.Tensor:
    if random_data:
        g = torch.Generator().manual_seed(0)
        return torch.randint(0, 256, (60_000, 1, 28, 28), dtype=torch.uint8, generator=g)
    from gancourse.datasets import fashion_mnist

    return fashion_mnist("train")[0]


def build(args, images: torch.Tensor, **config):
    recipe = get_recipe(args.recipe)
    data = ImageSampler(images, device=args.device)
    return recipe.build(
        seed=0,
        device=args.device,
        data=data,
        width=args.width,
        levels=args.levels,
        batch_size=args.batch,
        **config,
    )


def time_trainer(trainer, args, autocast: bool = False) -> float:
    ctx = (
        torch.autocast(device_type="cuda", dtype=torch.bfloat16)
        if autocast
        else contextlib.nullcontext()
    )
    with ctx:
        trainer.train(args.warmup)
        sync(args.device)
        start = time.perf_counter()
        trainer.train(args.steps)
        sync(args.device)
    return args.steps / (time.perf_counter() - start)


def time_conventional(args, images: torch.Tensor) -> float:
    """The tutorial loop on the recipe's networks (built by the recipe, so the same init)."""
    from torch.utils.data import DataLoader, TensorDataset

    trainer = build(args, images[:1])  # only for its networks
    G, D = trainer.G, trainer.D
    opt_d = torch.optim.Adam(D.parameters(), lr=2e-4, betas=(0.5, 0.999))
    opt_g = torch.optim.Adam(G.parameters(), lr=2e-4, betas=(0.5, 0.999))
    dataset = TensorDataset(images.float() / 127.5 - 1.0)
    loader = DataLoader(dataset, batch_size=args.batch, shuffle=True, drop_last=True)
    batches = iter(loader)
    latent = trainer.latent_dim

    def step() -> tuple[float, float]:
        nonlocal batches
        try:
            (real,) = next(batches)
        except StopIteration:
            batches = iter(loader)
            (real,) = next(batches)
        real = real.to(args.device)
        fake = G(torch.randn(args.batch, latent, device=args.device))
        d_loss = F.softplus(-D(real)).mean() + F.softplus(D(fake.detach())).mean()
        opt_d.zero_grad()
        d_loss.backward()
        opt_d.step()
        fake = G(torch.randn(args.batch, latent, device=args.device))
        g_loss = F.softplus(-D(fake)).mean()
        opt_g.zero_grad()
        g_loss.backward()
        opt_g.step()
        return d_loss.item(), g_loss.item()  # logged every step, as tutorials do

    for _ in range(args.warmup):
        step()
    sync(args.device)
    start = time.perf_counter()
    for _ in range(args.steps):
        step()
    sync(args.device)
    return args.steps / (time.perf_counter() - start)


def sync(device: str) -> None:
    if torch.device(device).type == "cuda":
        torch.cuda.synchronize()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--recipe", default="dcgan-nsgan-fmnist")
    parser.add_argument("--width", type=int, default=64)
    parser.add_argument("--levels", type=int, default=3)
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--steps", type=int, default=500)
    parser.add_argument("--warmup", type=int, default=30)
    parser.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    parser.add_argument(
        "--modes", nargs="+", default=["conventional", "device", "graph", "bf16", "compile"]
    )
    parser.add_argument("--random-data", action="store_true", help="no Fashion-MNIST needed")
    args = parser.parse_args()

    images = load_images(args.random_data)
    on_cuda = torch.device(args.device).type == "cuda"
    name = torch.cuda.get_device_name() if on_cuda else f"CPU, {torch.get_num_threads()} threads"
    widths = "/".join(str(args.width * 2**i) for i in range(args.levels))
    print(
        f"{args.recipe}: DCGAN {widths}, batch {args.batch}, {args.steps} timed steps "
        f"after {args.warmup} warm-up | {name} | torch {torch.__version__}"
    )
    rates: dict[str, float] = {}
    for mode in args.modes:
        if mode in CUDA_ONLY and not on_cuda:
            print(f"  {mode:12s} skipped (needs CUDA)")
            continue
        if mode == "conventional":
            rate = time_conventional(args, images)
        elif mode == "graph":
            rate = time_trainer(build(args, images, cuda_graph=True), args)
        elif mode == "compile":
            trainer = build(args, images, cuda_graph=False)
            trainer.G, trainer.D = torch.compile(trainer.G), torch.compile(trainer.D)
            rate = time_trainer(trainer, args)
        else:
            trainer = build(args, images, cuda_graph=False)
            rate = time_trainer(trainer, args, autocast=mode == "bf16")
        rates[mode] = rate
        speedup = (
            f"  {rate / rates['conventional']:5.2f}× conventional"
            if "conventional" in rates
            else ""
        )
        print(f"  {mode:12s} {rate:9.1f} steps/s{speedup}", flush=True)


if __name__ == "__main__":
    main()
