"""Data for the course: toy distributions, Fashion-MNIST, and an on-device image sampler.

``config`` and ``datasets`` depend on nothing else in the package.
"""

from .fashion import (
    CLASS_NAMES,
    DatasetCorruptError,
    DatasetNotFoundError,
    check_fashion_mnist,
    class_names,
    default_data_dir,
    fashion_mnist,
)
from .sampler import ImageSampler, to_uint8, to_unit_range
from .toy import GaussianMixture, SwissRoll, gaussian_mixture_1d, grid, ring, swiss_roll

__all__ = [
    "CLASS_NAMES",
    "DatasetCorruptError",
    "DatasetNotFoundError",
    "GaussianMixture",
    "ImageSampler",
    "SwissRoll",
    "check_fashion_mnist",
    "class_names",
    "default_data_dir",
    "fashion_mnist",
    "gaussian_mixture_1d",
    "grid",
    "ring",
    "swiss_roll",
    "to_uint8",
    "to_unit_range",
]
