"""Seeded fingerprints of short training runs, to show that a refactor changed no arithmetic.

Trains 29 small configurations — every objective, every critic control, the merged update,
EMA, batched seeds, DCGANs with batch norm, spectral norm and R1 — for a few steps each, and
prints one number per run (a weighted sum of the final weights). Run it on two checkouts and
diff the outputs: equal lines mean bit-identical runs on this machine.

    python scripts/run_fingerprints.py > after.txt   # in each checkout; then diff
"""

from __future__ import annotations

import torch

from gancourse.batched import toy_gan_batch
from gancourse.datasets import ImageSampler, ring
from gancourse.recipes import dcgan_gan, toy_gan

TOY = {
    "nsgan": {},
    "minimax": {"loss": "minimax"},
    "hinge": {"loss": "hinge"},
    "merged": {"merged": True, "lr_g": 5e-4},
    "wgan-gp": {"loss": "wgan", "penalty": "wgan-gp", "penalty_weight": 0.1, "n_critic": 2},
    "clip": {"loss": "wgan", "clip": 0.05, "optimizer": "rmsprop", "lr_d": 5e-5, "lr_g": 5e-5},
    "merged-clip": {"loss": "wgan", "clip": 0.05, "merged": True},
    "dragan": {"penalty": "dragan", "penalty_weight": 1.0},
    "r1": {"penalty": "r1"},
    "r2": {"penalty": "r2"},
    "wgan-div": {"loss": "wgan", "penalty": "wgan-div"},
    "gn": {"normalize": "gn"},
    "gran": {"normalize": "gran"},
    "sn": {"spectral_norm": True, "loss": "hinge"},
    "fisher": {"loss": "fisher", "loss_options": {"rho": 0.1}},
    "merged-fisher": {"loss": "fisher", "loss_options": {"rho": 0.1}, "merged": True},
    "mcgan": {"loss": "mcgan-cov", "d_features": 4},
    "mmd": {"loss": "mmd", "d_features": 4, "penalty": "wgan-gp", "penalty_weight": 0.1},
    "ctransform": {"loss": "wgan-ctransform"},
    "ema": {"ema_decay": 0.9},
}
BATCHED = ("nsgan", "wgan-gp", "fisher", "mcgan", "mmd", "gn")
DCGAN = {
    "dcgan": {},
    "dcgan-sn-hinge-ema": {
        "spectral_norm": True,
        "d_batch_norm": False,
        "loss": "hinge",
        "ema_decay": 0.99,
    },
    "dcgan-r1": {"penalty": "r1", "d_batch_norm": False},
}


def fingerprint(trainer) -> str:
    total = sum(p.double().sum().item() for p in trainer.G.parameters())
    total += 1e3 * sum(p.double().abs().sum().item() for p in trainer.D.parameters())
    if trainer.G_ema is not None:
        total += 7 * sum(b.double().sum().item() for b in trainer.G_ema.state_dict().values())
    return f"{total:.10e}"


def main() -> None:
    torch.set_num_threads(2)
    for name, options in TOY.items():
        trainer = toy_gan(ring(), seed=3, width=32, batch_size=64, device="cpu", **options)
        trainer.train(30)
        print(name, fingerprint(trainer))
    for name in BATCHED:
        batch = toy_gan_batch(ring(), [0, 1], width=32, batch_size=64, device="cpu", **TOY[name])
        batch.train(30)
        print("batch", name, fingerprint(batch.trainer))
    g = torch.Generator().manual_seed(0)
    images = torch.randint(0, 256, (256, 1, 28, 28), generator=g, dtype=torch.uint8)
    data = ImageSampler(images, torch.zeros(256, dtype=torch.long))
    for name, options in DCGAN.items():
        trainer = dcgan_gan(data, seed=1, width=8, batch_size=16, device="cpu", **options)
        trainer.train(5)
        print(name, fingerprint(trainer))


if __name__ == "__main__":
    main()
