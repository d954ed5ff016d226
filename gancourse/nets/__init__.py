"""Networks (``nn.Module``s) for the course."""

from .dcgan import DCGANDiscriminator, DCGANGenerator, dcgan_init_, feature_map_sizes
from .mlp import MLP, mlp_discriminator, mlp_generator
from .stacked import StackedLinear, StackedMLP

__all__ = [
    "MLP",
    "StackedLinear",
    "StackedMLP",
    "DCGANDiscriminator",
    "DCGANGenerator",
    "dcgan_init_",
    "feature_map_sizes",
    "mlp_discriminator",
    "mlp_generator",
]
