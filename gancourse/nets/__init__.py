"""Networks (``nn.Module``s) for the course."""

from .mlp import MLP, mlp_discriminator, mlp_generator

__all__ = ["MLP", "mlp_discriminator", "mlp_generator"]
