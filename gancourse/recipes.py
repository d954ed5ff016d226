"""Named training set-ups shared by the notebooks, the tests and (later) the command line.

A recipe returns a ready :class:`~gancourse.train.GANTrainer`; everything it fixes is in its
docstring, and every keyword of :class:`~gancourse.train.TrainConfig` can be overridden.
"""

from __future__ import annotations

from .config import seed_everything
from .nets import mlp_discriminator, mlp_generator
from .train import GANTrainer, TrainConfig

__all__ = ["TOY_LATENT_DIM", "toy_gan"]

TOY_LATENT_DIM = 2


def toy_gan(
    dist,
    seed: int = 0,
    latent_dim: int = TOY_LATENT_DIM,
    width: int = 128,
    depth: int = 3,
    activation: str = "relu",
    device=None,
    progress: bool = False,
    trainer_kwargs: dict | None = None,
    **config,
) -> GANTrainer:
    """The course's toy recipe: NSGAN with 3 × 128 ReLU MLPs for G and D, z ~ N(0, I_2),
    Adam(β = (0.5, 0.999)) at lr 1e-3 for both, batch 256.

    Measured on the 8-Gaussian ring (radius 2, std 0.02) after 2,000 steps, 2,500 samples:
    seeds 0-2 give 8/8, 6/8 and 8/8 modes with 64%, 54% and 90% high-quality samples.
    Over seeds 0-11, 4 reach 8/8 modes with at least 40% high quality; the usual miss is a
    single dropped mode (7/8). Plain NSGAN drops modes; notebook 03 shows it.

    ``seed`` seeds the weights (through :func:`seed_everything`) and the trainer's generator.
    """
    seed_everything(seed)
    dim = dist.dim
    generator = mlp_generator(latent_dim, dim, width=width, depth=depth, activation=activation)
    discriminator = mlp_discriminator(dim, width=width, depth=depth, activation=activation)
    return GANTrainer(
        generator,
        discriminator,
        dist,
        latent_dim,
        TrainConfig(seed=seed, **config),
        device=device,
        progress=progress,
        **(trainer_kwargs or {}),
    )
