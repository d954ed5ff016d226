"""Networks (``nn.Module``s) for the course."""

from .conditional import (
    AuxiliaryClassifierHead,
    ConditionalBatchNorm2d,
    InfoGANHead,
    LabelConcat,
    ProjectionHead,
)
from .conditional_dcgan import (
    ConditionalDCGANDiscriminator,
    ConditionalDCGANGenerator,
    InfoGANDiscriminator,
)
from .dcgan import DCGANDiscriminator, DCGANGenerator, dcgan_init_, feature_map_sizes
from .energy import (
    AutoencoderDiscriminator,
    AutoencoderOutput,
    autoencoder_discriminator_images,
    autoencoder_discriminator_points,
)
from .mlp import MLP, mlp_discriminator, mlp_generator
from .stacked import StackedLinear, StackedMLP
from .translation import (
    CycleGANDiscriminators,
    CycleGANGenerators,
    PatchGANDiscriminator,
    ResNetGenerator,
    UNetGenerator,
    receptive_field,
)

__all__ = [
    "AuxiliaryClassifierHead",
    "ConditionalBatchNorm2d",
    "ConditionalDCGANDiscriminator",
    "ConditionalDCGANGenerator",
    "InfoGANDiscriminator",
    "InfoGANHead",
    "LabelConcat",
    "ProjectionHead",
    "AutoencoderDiscriminator",
    "AutoencoderOutput",
    "autoencoder_discriminator_images",
    "autoencoder_discriminator_points",
    "MLP",
    "StackedLinear",
    "StackedMLP",
    "CycleGANDiscriminators",
    "CycleGANGenerators",
    "PatchGANDiscriminator",
    "ResNetGenerator",
    "UNetGenerator",
    "receptive_field",
    "DCGANDiscriminator",
    "DCGANGenerator",
    "dcgan_init_",
    "feature_map_sizes",
    "mlp_discriminator",
    "mlp_generator",
]
