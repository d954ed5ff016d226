"""Named training set-ups shared by the notebooks, the tests and the command line.

A *builder* (:func:`toy_gan`, :func:`dcgan_gan`) returns a ready
:class:`~gancourse.train.GANTrainer`; every keyword of :class:`~gancourse.train.TrainConfig`
can be overridden. A :class:`Recipe` names one complete configuration — data, networks,
objective, optimizer, length, what to measure — so that ``gancourse train dcgan-nsgan-fmnist``
and notebook 04 train the same thing. :data:`RECIPES` lists them.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass, field, fields

from torch import nn

from .config import seed_everything
from .nets import (
    ConditionalDCGANDiscriminator,
    ConditionalDCGANGenerator,
    CycleGANDiscriminators,
    CycleGANGenerators,
    DCGANDiscriminator,
    DCGANGenerator,
    InfoGANDiscriminator,
    PatchGANDiscriminator,
    ResNetGenerator,
    UNetGenerator,
    autoencoder_discriminator_images,
    autoencoder_discriminator_points,
    mlp_discriminator,
    mlp_generator,
)
from .regularizers import critic_controls
from .tasks import Task, get_task
from .train import GANTrainer, TrainConfig

__all__ = [
    "RECIPES",
    "TOY_LATENT_DIM",
    "Recipe",
    "conditional_dcgan",
    "cyclegan",
    "dcgan_gan",
    "energy_dcgan",
    "get_recipe",
    "pix2pix",
    "toy_energy_gan",
    "toy_gan",
]

AUTOENCODER_OBJECTIVES = ("ebgan", "began", "magan")  # the energy is a reconstruction error

TOY_LATENT_DIM = 2


def toy_gan(
    dist,
    seed: int = 0,
    latent_dim: int = TOY_LATENT_DIM,
    width: int = 128,
    depth: int = 3,
    activation: str = "relu",
    d_features: int = 1,
    spectral_norm: bool = False,
    penalty: str | None = None,
    penalty_weight: float | None = None,
    clip: float | None = None,
    normalize: str | None = None,
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
    The critic options (``d_features`` outputs, ``spectral_norm``, ``penalty``, ``clip``,
    ``normalize``) are those of notebooks 05-06; see
    :func:`gancourse.regularizers.critic_controls`.
    """
    seed_everything(seed)
    dim = dist.dim
    generator = mlp_generator(latent_dim, dim, width=width, depth=depth, activation=activation)
    discriminator = mlp_discriminator(
        dim, d_features, spectral_norm, width=width, depth=depth, activation=activation
    )
    return _trainer(
        generator,
        discriminator,
        dist,
        latent_dim,
        TrainConfig(seed=seed, **config),
        critic_controls(penalty, penalty_weight, clip, normalize),
        device=device,
        progress=progress,
        trainer_kwargs=trainer_kwargs,
    )


def toy_energy_gan(
    dist,
    loss: str,
    seed: int = 0,
    latent_dim: int = TOY_LATENT_DIM,
    width: int = 128,
    depth: int = 3,
    code_size: int = 8,
    loss_options: dict | None = None,
    penalty: str | None = None,
    penalty_weight: float | None = None,
    device=None,
    progress: bool = False,
    trainer_kwargs: dict | None = None,
    **config,
) -> GANTrainer:
    """The toy recipe for notebook 08's energy objectives: G as in :func:`toy_gan`; D an
    autoencoder for EBGAN, BEGAN and MAGAN (MLP encoder to ``code_size`` units and back, ``depth``
    − 1 hidden layers each, so D has about as many layers as :func:`toy_gan`'s), or
    :func:`toy_gan`'s MLP read as the energy for the loss-sensitive GAN and MEG (MEG is told
    the data and latent sizes). Options as in :func:`toy_gan`."""
    seed_everything(seed)
    dim = dist.dim
    generator = mlp_generator(latent_dim, dim, width=width, depth=depth, activation="relu")
    if loss in AUTOENCODER_OBJECTIVES:
        discriminator = autoencoder_discriminator_points(
            dim, latent=code_size, width=width, depth=max(depth - 1, 1)
        )
    else:
        discriminator = mlp_discriminator(dim, 1, width=width, depth=depth, activation="relu")
    options = _energy_loss_options(loss, loss_options, dim, latent_dim)
    return _trainer(
        generator,
        discriminator,
        dist,
        latent_dim,
        TrainConfig(seed=seed, loss=loss, loss_options=options, **config),
        critic_controls(penalty, penalty_weight),
        device=device,
        progress=progress,
        trainer_kwargs=trainer_kwargs,
    )


def dcgan_gan(
    data,
    seed: int = 0,
    latent_dim: int = 100,
    width: int = 64,
    levels: int = 3,
    g_batch_norm: bool = True,
    d_batch_norm: bool = True,
    spectral_norm: bool = False,
    penalty: str | None = None,
    penalty_weight: float | None = None,
    clip: float | None = None,
    normalize: str | None = None,
    device=None,
    progress: bool = False,
    trainer_kwargs: dict | None = None,
    **config,
) -> GANTrainer:
    """A DCGAN on an image sampler (``data.images`` is ``[N, C, H, W]``): the networks of
    :mod:`gancourse.nets.dcgan` with the DCGAN paper's optimizer, Adam(lr 2e-4, β = (0.5, 0.999)),
    batch 64 and NSGAN — each overridable. ``seed`` seeds the weights and the trainer; the
    critic options are those of :func:`gancourse.regularizers.critic_controls`."""
    seed_everything(seed)
    _, channels, height, width_px = data.images.shape
    if height != width_px:
        raise ValueError(f"DCGAN expects square images, got {height} × {width_px}")
    generator = DCGANGenerator(latent_dim, channels, width, levels, height, g_batch_norm)
    discriminator = DCGANDiscriminator(
        channels, width, levels, height, batch_norm=d_batch_norm, spectral_norm=spectral_norm
    )
    return _trainer(
        generator,
        discriminator,
        data,
        latent_dim,
        TrainConfig(seed=seed, **{**DCGAN_DEFAULTS, **config}),
        critic_controls(penalty, penalty_weight, clip, normalize),
        device=device,
        progress=progress,
        trainer_kwargs=trainer_kwargs,
    )


def _energy_loss_options(
    loss: str, loss_options: dict | None, data_dim: int, latent_dim: int
) -> dict | None:
    """The objective's options; MEG's statistics network is also told the sizes of x and z."""
    options = dict(loss_options or {})
    if loss == "meg":
        options = {"data_dim": data_dim, "latent_dim": latent_dim, **options}
    return options or None


def energy_dcgan(
    data,
    loss: str,
    seed: int = 0,
    latent_dim: int = 64,
    width: int = 32,
    levels: int = 2,
    code_size: int = 64,
    loss_options: dict | None = None,
    penalty: str | None = None,
    penalty_weight: float | None = None,
    device=None,
    progress: bool = False,
    trainer_kwargs: dict | None = None,
    **config,
) -> GANTrainer:
    """Notebook 08's image set-up: the DCGAN generator and, for EBGAN, BEGAN and MAGAN, an
    autoencoder discriminator (:func:`~gancourse.nets.autoencoder_discriminator_images`, a
    ``code_size`` code); for the loss-sensitive GAN and MEG the DCGAN discriminator without batch
    norm, read as the energy (MEG is told the image and latent sizes). Optimizer as in
    :func:`dcgan_gan`."""
    seed_everything(seed)
    _, channels, height, width_px = data.images.shape
    if height != width_px:
        raise ValueError(f"the energy DCGAN expects square images, got {height} × {width_px}")
    generator = DCGANGenerator(latent_dim, channels, width, levels, height)
    if loss in AUTOENCODER_OBJECTIVES:
        discriminator = autoencoder_discriminator_images(channels, width, levels, height, code_size)
    else:
        discriminator = DCGANDiscriminator(channels, width, levels, height, batch_norm=False)
    options = _energy_loss_options(loss, loss_options, channels * height * height, latent_dim)
    return _trainer(
        generator,
        discriminator,
        data,
        latent_dim,
        TrainConfig(seed=seed, loss=loss, loss_options=options, **{**DCGAN_DEFAULTS, **config}),
        critic_controls(penalty, penalty_weight),
        device=device,
        progress=progress,
        trainer_kwargs=trainer_kwargs,
    )


DCGAN_DEFAULTS = {"batch_size": 64, "lr_d": 2e-4, "lr_g": 2e-4, "betas": (0.5, 0.999)}
"""The DCGAN paper's optimizer and batch, :func:`dcgan_gan`'s TrainConfig defaults."""

CONDITIONAL_MODELS = ("cgan", "acgan", "projection", "infogan")


def conditional_dcgan(
    data,
    model: str = "projection",
    seed: int = 0,
    latent_dim: int = 100,
    width: int = 64,
    levels: int = 3,
    embed_dim: int = 10,
    conditioning: str = "",
    n_continuous: int = 2,
    loss_options: dict | None = None,
    device=None,
    progress: bool = False,
    trainer_kwargs: dict | None = None,
    **config,
) -> GANTrainer:
    """Notebook 11's conditional DCGANs on a labelled image sampler, by ``model``:

    * ``"cgan"``: G(z ⊕ embed(y)), D with one-hot label planes on its input, NSGAN;
    * ``"acgan"``: G(z ⊕ embed(y)), D with an auxiliary classifier (it does not see y), the ACGAN
      loss (class weights 1, NSGAN);
    * ``"projection"``: G with conditional batch norm, the projection D with spectral norm (no
      batch norm), hinge loss, Adam β = (0, 0.9);
    * ``"infogan"``: unconditional — the DCGAN G on z = [noise, a 10-way code, ``n_continuous``
      uniform codes], D with InfoGAN's Q head, λ = 1 and 0.1.

    ``conditioning`` replaces the generator's way in (``"concat"`` or ``"batchnorm"``; empty: the
    model's own), for ablations. The number of classes is read from the data's labels. Other
    options as in :func:`dcgan_gan`.
    """
    if model not in CONDITIONAL_MODELS:
        raise ValueError(f"model must be one of {', '.join(CONDITIONAL_MODELS)}, got {model!r}")
    seed_everything(seed)
    _, channels, height, width_px = data.images.shape
    if height != width_px:
        raise ValueError(f"the conditional DCGAN expects square images, got {height} × {width_px}")
    if getattr(data, "labels", None) is None:
        raise ValueError("conditional models train on labelled data: pass ImageSampler(labels=...)")
    num_classes = int(data.labels.max()) + 1
    sizes = {"channels": channels, "width": width, "levels": levels, "image_size": height}
    defaults = dict(DCGAN_DEFAULTS)
    options = dict(loss_options or {})
    if model == "infogan":
        options = {"n_categories": num_classes, "n_continuous": n_continuous, **options}
        generator: nn.Module = DCGANGenerator(latent_dim, **sizes)
        discriminator: nn.Module = InfoGANDiscriminator(
            **sizes, n_categories=options["n_categories"], n_continuous=options["n_continuous"]
        )
        defaults.update(loss="infogan")
    else:
        conditioning = conditioning or ("batchnorm" if model == "projection" else "concat")
        generator = ConditionalDCGANGenerator(
            latent_dim, num_classes, **sizes, conditioning=conditioning, embed_dim=embed_dim
        )
        head = {"cgan": "concat", "acgan": "acgan", "projection": "projection"}[model]
        sn = model == "projection"
        discriminator = ConditionalDCGANDiscriminator(
            num_classes, **sizes, head=head, batch_norm=not sn, spectral_norm=sn
        )
        defaults.update(num_classes=num_classes)
        defaults.update({"cgan": {}, "acgan": {"loss": "acgan"}}.get(model, {}))
        if model == "projection":
            defaults.update(loss="hinge", betas=(0.0, 0.9))
    return _trainer(
        generator,
        discriminator,
        data,
        latent_dim,
        TrainConfig(seed=seed, loss_options=options or None, **{**defaults, **config}),
        [],
        device=device,
        progress=progress,
        trainer_kwargs=trainer_kwargs,
    )


TRANSLATION_DEFAULTS = {"batch_size": 64, "lr_d": 2e-4, "lr_g": 2e-4, "betas": (0.5, 0.999)}
"""pix2pix's and CycleGAN's Adam(2e-4, β = (0.5, 0.999)); the papers train with batch 1 on
256 × 256 images, our 32 × 32 ones take batch 64."""


def pix2pix(
    data,
    seed: int = 0,
    width: int = 64,
    depth: int = 5,
    skips: bool = True,
    dropout_levels: int = 3,
    d_width: int = 64,
    d_layers: int = 1,
    l1_weight: float = 100.0,
    gan_weight: float = 1.0,
    device=None,
    progress: bool = False,
    trainer_kwargs: dict | None = None,
    **config,
) -> GANTrainer:
    """pix2pix (notebook 12) on a :class:`~gancourse.datasets.PairedSampler`: a U-Net of
    ``depth`` levels (``skips=False``: the encoder-decoder ablation) with dropout as its noise, a
    PatchGAN of ``d_layers`` strided layers on (input, output) pairs — one layer, a 16-pixel
    receptive field, is half our 32-pixel images, as the paper's 70 pixels are about a quarter of
    its 256 — and :class:`~gancourse.translation_objectives.Pix2Pix` with λ = ``l1_weight``."""
    seed_everything(seed)
    channels_in, channels_out = data.inputs.shape[1], data.targets.shape[1]
    generator = UNetGenerator(
        channels_in, channels_out, width, depth, skips=skips, dropout_levels=dropout_levels
    )
    discriminator = PatchGANDiscriminator(channels_in + channels_out, d_width, d_layers)
    defaults = {**TRANSLATION_DEFAULTS, "loss": "pix2pix", "paired": True}
    options = {"l1_weight": l1_weight, "gan_weight": gan_weight}
    return _trainer(
        generator,
        discriminator,
        data,
        0,  # no z: dropout is pix2pix's only noise
        TrainConfig(seed=seed, loss_options=options, **{**defaults, **config}),
        [],
        device=device,
        progress=progress,
        trainer_kwargs=trainer_kwargs,
    )


def cyclegan(
    data,
    seed: int = 0,
    width: int = 64,
    blocks: int = 6,
    d_width: int = 64,
    d_layers: int = 1,
    cycle_weight: float = 10.0,
    identity_weight: float = 0.5,
    pool_size: int = 50,
    device=None,
    progress: bool = False,
    trainer_kwargs: dict | None = None,
    **config,
) -> GANTrainer:
    """CycleGAN (notebook 13) on an :class:`~gancourse.datasets.UnpairedSampler`: two ResNet
    generators of ``blocks`` residual blocks, two PatchGANs, the LSGAN, cycle (λ =
    ``cycle_weight``) and identity (``identity_weight`` · λ) losses, image pools of
    ``pool_size`` (:class:`~gancourse.translation_objectives.CycleGAN`)."""
    seed_everything(seed)
    c = data.channels
    generator = CycleGANGenerators(
        ResNetGenerator(c, width, blocks), ResNetGenerator(c, width, blocks), c
    )
    discriminator = CycleGANDiscriminators(
        PatchGANDiscriminator(c, d_width, d_layers), PatchGANDiscriminator(c, d_width, d_layers), c
    )
    defaults = {**TRANSLATION_DEFAULTS, "loss": "cyclegan", "paired": True}
    options = {
        "cycle_weight": cycle_weight,
        "identity_weight": identity_weight,
        "pool_size": pool_size,
        "channels": c,
    }
    return _trainer(
        generator,
        discriminator,
        data,
        0,
        TrainConfig(seed=seed, loss_options=options, **{**defaults, **config}),
        [],
        device=device,
        progress=progress,
        trainer_kwargs=trainer_kwargs,
    )


def _trainer(
    generator: nn.Module,
    discriminator: nn.Module,
    data,
    latent_dim: int,
    config: TrainConfig,
    controls: list,
    *,
    device,
    progress: bool,
    trainer_kwargs: dict | None,
) -> GANTrainer:
    """What every builder ends with (``trainer_kwargs`` go to :class:`GANTrainer` as they are)."""
    return GANTrainer(
        generator,
        discriminator,
        data,
        latent_dim,
        config,
        device=device,
        progress=progress,
        controls=controls,
        **(trainer_kwargs or {}),
    )


def _same_kind(value, default) -> bool:
    """Whether an override can stand in for a default: bools for bools, integers for integers,
    numbers for floats, strings for strings, sequences of like items for tuples."""
    if isinstance(default, bool) or isinstance(value, bool):
        return isinstance(value, bool) and isinstance(default, bool)
    if isinstance(default, int):
        return isinstance(value, int)
    if isinstance(default, float):
        return isinstance(value, int | float)
    if isinstance(default, str):
        return isinstance(value, str)
    if isinstance(default, tuple | list):
        return (
            isinstance(value, tuple | list)
            and len(value) == len(default)
            and all(_same_kind(v, d) for v, d in zip(value, default, strict=True))
        )
    return True


def _kind(default) -> str:
    if isinstance(default, bool):
        return "True or False"
    if isinstance(default, int):
        return "an integer"
    if isinstance(default, float):
        return "a number"
    if isinstance(default, str):
        return "a string"
    if isinstance(default, tuple | list):
        return f"a sequence of {len(default)}"
    return f"a {type(default).__name__}"


# ----------------------------------------------------------------------------- named recipes
# builder arguments that are not part of a recipe (the run gives them)
_NOT_OPTIONS = {"dist", "data", "seed", "device", "progress", "trainer_kwargs", "config"}


@dataclass(frozen=True)
class Recipe:
    """A named, complete training configuration.

    ``data`` names the data task (:func:`gancourse.tasks.get_task`): ``"fashion-mnist"``, its
    labelled (``"fashion-mnist-classes"``) and translation (``"edges2fmnist"``,
    ``"sneaker2boot"``) variants, or a toy distribution's name (``"ring"``, ``"grid"``);
    ``options`` are the builder's keyword arguments (architecture and :class:`TrainConfig`
    fields), each overridable (``gancourse train NAME --set width=32``); ``steps`` is the
    default length and ``eval_every`` how often the run is measured — FashionNet-FID for
    images, mode coverage for toy data.
    """

    name: str
    summary: str
    data: str
    builder: Callable[..., GANTrainer]
    options: dict = field(default_factory=dict)
    steps: int = 10_000
    eval_every: int = 1_000

    @property
    def task(self) -> Task:
        """The data task: loading, the metric, the sample pictures (:mod:`gancourse.tasks`)."""
        return get_task(self.data)

    def option_names(self) -> set[str]:
        """What can be overridden: the builder's own keywords and the TrainConfig fields."""
        own = set(inspect.signature(self.builder).parameters) - _NOT_OPTIONS
        return own | {f.name for f in fields(TrainConfig)} - {"seed"}

    def check_options(self, overrides: dict) -> None:
        """Raise a clear error for an override the recipe does not know, or of the wrong type
        (an integer where the default is one, a number where it is a float)."""
        known = self.option_names()
        unknown = sorted(set(overrides) - known)
        if unknown:
            raise ValueError(
                f"recipe {self.name} has no option {', '.join(unknown)}; "
                f"its options: {', '.join(sorted(known))}"
            )
        defaults = self.option_defaults()
        for key, value in overrides.items():
            default = defaults.get(key)
            if default is None or value is None:
                continue  # an optional setting: its own check (TrainConfig, the controls) decides
            if not _same_kind(value, default):
                raise ValueError(
                    f"option {key} of recipe {self.name} must be {_kind(default)} (default "
                    f"{default!r}), got {value!r}"
                )

    def option_defaults(self) -> dict:
        """Each option's value when not overridden: the recipe's, else the builder's default,
        else TrainConfig's."""
        config = {f.name: f.default for f in fields(TrainConfig)}
        own = {
            name: p.default
            for name, p in inspect.signature(self.builder).parameters.items()
            if p.default is not inspect.Parameter.empty
        }
        return {**config, **own, **self.options}

    def load_data(self, device=None):
        """The training data on ``device``: an image sampler or a toy distribution."""
        return self.task.load(device)

    def build(
        self,
        seed: int = 0,
        device=None,
        progress: bool = False,
        data=None,
        trainer_kwargs: dict | None = None,
        **overrides,
    ) -> GANTrainer:
        """The trainer, with the recipe's options updated by ``overrides`` (``trainer_kwargs``
        go to :class:`GANTrainer` as they are: callbacks, checkpoint paths, ...)."""
        self.check_options(overrides)
        data = self.load_data(device) if data is None else data
        options = {**self.options, **overrides}
        return self.builder(
            data,
            seed=seed,
            device=device,
            progress=progress,
            trainer_kwargs=trainer_kwargs,
            **options,
        )


_DCGAN_NSGAN = Recipe(
    name="dcgan-nsgan-fmnist",
    summary="DCGAN 64/128/256, NSGAN, Adam(2e-4, β=(0.5, 0.999)), batch 64 on Fashion-MNIST",
    data="fashion-mnist",
    builder=dcgan_gan,
    options={"cuda_graph": True},  # the rest are dcgan_gan's defaults
    steps=50_000,
    eval_every=2_500,
)
_DCGAN_SN_HINGE = Recipe(
    name="dcgan-sn-hinge-fmnist",
    summary=(
        "the course's flagship: DCGAN 64/128/256 with spectral norm in D (no batch norm), hinge "
        "loss, Adam(2e-4, β=(0, 0.9)), EMA of G (0.999), batch 64 on Fashion-MNIST"
    ),
    data="fashion-mnist",
    builder=dcgan_gan,
    options={  # and dcgan_gan's defaults: latent 100, width 64, 3 levels
        "d_batch_norm": False,
        "spectral_norm": True,
        "loss": "hinge",
        "betas": (0.0, 0.9),
        "ema_decay": 0.999,
        "cuda_graph": True,
    },
    steps=50_000,
    eval_every=2_500,
)
_TOY_RING = Recipe(
    name="toy-nsgan-ring",
    summary="notebook 03's toy GAN: NSGAN, 3 × 128 ReLU MLPs, on the 8-Gaussian ring",
    data="ring",
    builder=toy_gan,
    steps=2_000,
    eval_every=500,
)
_TOY_WGANGP_RING = Recipe(
    name="toy-wgangp-ring",
    summary=(
        "WGAN-GP on the 8-Gaussian ring: 3 × 128 ReLU MLPs, penalty λ = 0.1, n_critic 2, "
        "Adam(1e-3, β=(0.5, 0.9)); 8/8 modes for seeds 0-2 at 1,500 steps"
    ),
    data="ring",
    builder=toy_gan,
    options={
        "loss": "wgan",
        "penalty": "wgan-gp",
        "penalty_weight": 0.1,
        "n_critic": 2,
        "betas": (0.5, 0.9),
    },
    steps=1_500,
    eval_every=500,
)
_TOY_GRID = Recipe(
    name="toy-nsgan-grid",
    summary="notebook 03's toy GAN: NSGAN, 3 × 128 ReLU MLPs, on the 25-Gaussian grid",
    data="grid",
    builder=toy_gan,
    steps=5_000,
    eval_every=1_000,
)

_CGAN = Recipe(
    name="cgan-fmnist",
    summary="CGAN: label embedding on z, one-hot label planes on D's input, DCGAN 64/128/256, NSGAN",
    data="fashion-mnist-classes",
    builder=conditional_dcgan,
    options={"model": "cgan"},
    steps=20_000,
    eval_every=2_500,
)
_ACGAN = Recipe(
    name="acgan-fmnist",
    summary="ACGAN: label embedding on z, D with an auxiliary classifier, NSGAN + class loss",
    data="fashion-mnist-classes",
    builder=conditional_dcgan,
    options={"model": "acgan"},
    steps=20_000,
    eval_every=2_500,
)
_PROJECTION = Recipe(
    name="projection-sn-hinge-fmnist",
    summary=(
        "the flagship conditional model: conditional batch norm in G, the projection "
        "discriminator with spectral norm, hinge loss, Adam(2e-4, β=(0, 0.9)), EMA of G (0.999)"
    ),
    data="fashion-mnist-classes",
    builder=conditional_dcgan,
    options={"model": "projection", "ema_decay": 0.999},
    steps=20_000,
    eval_every=2_500,
)
_INFOGAN = Recipe(
    name="infogan-fmnist",
    summary=(
        "InfoGAN: z = 62 noise + a 10-way code + 2 uniform codes, Q on D's trunk, λ = 1 / 0.1, "
        "NSGAN; the code is matched to FashionNet's classes"
    ),
    data="fashion-mnist-classes",
    builder=conditional_dcgan,
    options={"model": "infogan", "latent_dim": 74},
    steps=20_000,
    eval_every=2_500,
)

_PIX2PIX = Recipe(
    name="pix2pix-edges2fmnist",
    summary=(
        "pix2pix: U-Net (depth 5, dropout as the noise), PatchGAN on (edges, garment) pairs "
        "(16-pixel patches), NSGAN + 100 · L1, D's loss halved, Adam(2e-4, β=(0.5, 0.999))"
    ),
    data="edges2fmnist",
    builder=pix2pix,
    steps=10_000,
    eval_every=1_000,
)
_CYCLEGAN = Recipe(
    name="cyclegan-sneaker2boot",
    summary=(
        "CycleGAN: sneakers ↔ ankle boots, unpaired; two ResNet generators (6 blocks), two "
        "PatchGANs, LSGAN + 10 · cycle + 5 · identity, image pools of 50, Adam(2e-4, β=(0.5, 0.999))"
    ),
    data="sneaker2boot",
    builder=cyclegan,
    options={"width": 32},
    steps=10_000,
    eval_every=1_000,
)

RECIPES: dict[str, Recipe] = {
    r.name: r
    for r in (
        _DCGAN_NSGAN,
        _DCGAN_SN_HINGE,
        _TOY_RING,
        _TOY_GRID,
        _TOY_WGANGP_RING,
        _CGAN,
        _ACGAN,
        _PROJECTION,
        _INFOGAN,
        _PIX2PIX,
        _CYCLEGAN,
    )
}
"""Every named recipe, by name."""


def get_recipe(name: str) -> Recipe:
    """The recipe called ``name`` (a clear error lists the known ones)."""
    try:
        return RECIPES[name]
    except KeyError:
        raise ValueError(f"unknown recipe {name!r}; known recipes: {', '.join(RECIPES)}") from None
