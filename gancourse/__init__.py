"""gancourse: the tested companion package of a notebook course on GANs.

The notebooks teach; this package holds the verified implementations they import.
``from gancourse import device, seed_everything, budget`` is how every notebook starts.
"""

from importlib.metadata import PackageNotFoundError
from importlib.metadata import version as _version

from .config import PROFILES, budget, device, profile, seed_everything
from .source import show

try:
    __version__ = _version("gancourse")
except PackageNotFoundError:  # running from a checkout that was never installed
    __version__ = "0.0.0+unknown"

__all__ = ["PROFILES", "__version__", "budget", "device", "profile", "seed_everything", "show"]
