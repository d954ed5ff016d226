"""Data for the course: toy distributions, Fashion-MNIST, an on-device image sampler, and the
translation tasks built from Fashion-MNIST (edges → garment pairs, two unpaired classes).

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
from .translation import (
    PairedImages,
    PairedSampler,
    UnpairedSampler,
    edge_maps,
    edges2fmnist,
    unpaired_domains,
)

__all__ = [
    "CLASS_NAMES",
    "DatasetCorruptError",
    "DatasetNotFoundError",
    "GaussianMixture",
    "ImageSampler",
    "PairedImages",
    "PairedSampler",
    "UnpairedSampler",
    "SwissRoll",
    "check_fashion_mnist",
    "class_names",
    "default_data_dir",
    "edge_maps",
    "edges2fmnist",
    "fashion_mnist",
    "gaussian_mixture_1d",
    "grid",
    "ring",
    "swiss_roll",
    "unpaired_domains",
    "to_uint8",
    "to_unit_range",
]
