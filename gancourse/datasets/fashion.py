"""Fashion-MNIST: 70,000 grayscale 28 × 28 images of clothing in 10 classes (Xiao et al. 2017).

Found, in this order (``data/README.md`` says the same for people):

1. an explicit ``root`` argument (then only there);
2. the folder named by ``$GANCOURSE_DATA``;
3. the repository's ``data/`` folder (or ``~/.cache/gancourse`` for an installed package);
4. the Debian/Ubuntu package ``dataset-fashion-mnist`` (``/usr/share/datasets/fashion-mnist``);
5. a download through torchvision into the folder of 2 or 3.

In each place the four IDX files may be gzipped or not, directly in the folder, in
``fashion-mnist/`` or in torchvision's ``FashionMNIST/raw/``. Every file is checked against
the published MD5 of its *decompressed* content: that is what identifies the data, whatever
gzip wrote around it (Debian's package re-gzips the files without their names, so the MD5s
of its ``.gz`` files differ from Zalando's while the content is identical).
"""

from __future__ import annotations

import functools
import gzip
import hashlib
import os
import warnings
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

__all__ = [
    "CLASS_NAMES",
    "DatasetCorruptError",
    "DatasetNotFoundError",
    "FileCheck",
    "check_fashion_mnist",
    "class_names",
    "default_data_dir",
    "fashion_mnist",
]

CLASS_NAMES = (
    "T-shirt/top",
    "Trouser",
    "Pullover",
    "Dress",
    "Coat",
    "Sandal",
    "Shirt",
    "Sneaker",
    "Bag",
    "Ankle boot",
)
class_names = list(CLASS_NAMES)
"""The 10 class names, indexed by label."""

SPLITS = {
    "train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
    "test": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"),
}
SPLIT_SIZES = {"train": 60_000, "test": 10_000}

# Published MD5s of the decompressed IDX files (Zalando's data, as listed by torchvision's
# raw checks and others; the .gz MD5s Zalando publishes are in data/README.md).
RAW_MD5 = {
    "train-images-idx3-ubyte": "f4a8712d7a061bf5bd6d2ca38dc4d50a",
    "train-labels-idx1-ubyte": "9018921c3c673c538a1fc5bad174d6f9",
    "t10k-images-idx3-ubyte": "8181f5470baa50b63fa0f6fddb340f0a",
    "t10k-labels-idx1-ubyte": "15d484375f8d13e6eb1aabb0c3f46965",
}

SYSTEM_DIR = Path("/usr/share/datasets/fashion-mnist")
_SUBFOLDERS = (".", "fashion-mnist", "FashionMNIST/raw")


class DatasetNotFoundError(FileNotFoundError):
    """Fashion-MNIST is in none of the places searched; the message says how to get it."""


class DatasetCorruptError(ValueError):
    """A Fashion-MNIST file was found but its content is not the published one."""


def default_data_dir() -> Path:
    """Where the course keeps data: the repository's ``data/`` when the package runs from a
    checkout, else ``$XDG_CACHE_HOME/gancourse`` (``~/.cache/gancourse``)."""
    repo = Path(__file__).resolve().parents[2]
    if (repo / "pyproject.toml").is_file() and (repo / "gancourse").is_dir():
        return repo / "data"
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return cache / "gancourse"


def _search_places(root: str | os.PathLike | None) -> list[tuple[str, Path | None]]:
    """(description, folder) in search order; folder None = not configured."""
    if root is not None:
        return [("the root argument", Path(root).expanduser())]
    env = os.environ.get("GANCOURSE_DATA", "").strip()
    return [
        ("$GANCOURSE_DATA", Path(env).expanduser() if env else None),
        ("the course's data folder", default_data_dir()),
        ("the Debian/Ubuntu package dataset-fashion-mnist", SYSTEM_DIR),
    ]


def _find_file(folder: Path, name: str) -> Path | None:
    for candidate in (folder / f"{name}.gz", folder / name):
        if candidate.is_file():
            return candidate
    return None


def _find_in(place: Path) -> Path | None:
    """The folder under ``place`` holding all four files, if any."""
    for sub in _SUBFOLDERS:
        folder = (place / sub).resolve() if sub != "." else place
        if all(_find_file(folder, name) for name in RAW_MD5):
            return folder
    return None


def how_to_get(searched: list[tuple[str, Path | None]] | None = None) -> str:
    """The ways to get Fashion-MNIST, with the places that were searched."""
    searched = searched if searched is not None else _search_places(None)
    lines = ["Searched:"]
    for what, place in searched:
        lines.append(f"  - {what}: {place if place is not None else '(not set)'}")
    target = os.environ.get("GANCOURSE_DATA") or default_data_dir()
    lines += [
        "Get it in any one of these ways:",
        "  1. Debian/Ubuntu: sudo apt-get install dataset-fashion-mnist"
        f"  (installs to {SYSTEM_DIR})",
        f"  2. Download with torchvision into {target}: gancourse data --download"
        "  (or fashion_mnist(..., download=True))",
        "  3. Copy the four IDX files (train-images-idx3-ubyte.gz, train-labels-idx1-ubyte.gz,"
        " t10k-images-idx3-ubyte.gz, t10k-labels-idx1-ubyte.gz) into the data/ folder, or into"
        " any folder and set GANCOURSE_DATA to it, or pass root=that folder.",
        "See data/README.md for sources, licence and checksums.",
    ]
    return "\n".join(lines)


def _download(target: Path) -> None:
    """Fetch the dataset with torchvision into ``target/FashionMNIST/raw``."""
    from torchvision.datasets import FashionMNIST

    target.mkdir(parents=True, exist_ok=True)
    FashionMNIST(root=str(target), train=True, download=True)
    FashionMNIST(root=str(target), train=False, download=True)


def locate(root: str | os.PathLike | None = None, download: bool = False) -> tuple[Path, str]:
    """The folder that holds the four files and a description of where it came from.

    Raises :class:`DatasetNotFoundError` naming every way to get the data.
    """
    searched = _search_places(root)
    for what, place in searched:
        if place is not None and (folder := _find_in(place)) is not None:
            _say_if_the_named_folder_was_passed_over(searched, folder, what)
            return folder, what
    download_error = ""
    if download and root is None:
        env = os.environ.get("GANCOURSE_DATA", "").strip()
        target = Path(env).expanduser() if env else default_data_dir()
        try:
            _download(target)
        except Exception as err:  # any network or disk failure: explain, don't crash mid-way
            download_error = f"\nThe torchvision download into {target} failed: {err!r}"
        else:
            if (folder := _find_in(target)) is not None:
                return folder, "a torchvision download"
            download_error = f"\nThe torchvision download ran but {target} lacks the files."
    raise DatasetNotFoundError(
        "Fashion-MNIST was not found." + download_error + "\n" + how_to_get(searched)
    )


def _say_if_the_named_folder_was_passed_over(searched, folder: Path, what: str) -> None:
    """``$GANCOURSE_DATA`` names where the user wants the data read from: falling back to
    another copy silently would hide a typo, so say so (once per call, as a warning)."""
    named = dict(searched).get("$GANCOURSE_DATA")
    if named is not None and what != "$GANCOURSE_DATA":
        warnings.warn(
            f"GANCOURSE_DATA={named} holds no Fashion-MNIST (the four IDX files); using {folder} "
            f"({what}) instead. Fix or unset GANCOURSE_DATA to silence this.",
            stacklevel=3,
        )


def _decompressed_bytes(path: Path) -> bytes:
    raw = path.read_bytes()
    if raw[:2] != b"\x1f\x8b":  # not gzip: an already extracted IDX file
        return raw
    try:
        return gzip.decompress(raw)
    except (OSError, EOFError, zlib.error) as err:
        raise DatasetCorruptError(
            f"{path} is not a readable gzip file ({err}). It is damaged: delete it and get the "
            f"file again.\n{how_to_get()}"
        ) from err


@dataclass(frozen=True)
class FileCheck:
    """The result of checking one IDX file."""

    name: str
    path: Path
    md5: str
    expected_md5: str

    @property
    def ok(self) -> bool:
        return self.md5 == self.expected_md5


@functools.lru_cache(maxsize=8)
def _read_idx(path_str: str, mtime_ns: int, size: int) -> tuple[FileCheck, np.ndarray]:
    # Keyed on (path, mtime, size) so a replaced file is read again.
    path = Path(path_str)
    name = path.name.removesuffix(".gz")
    data = _decompressed_bytes(path)
    check = FileCheck(name, path, hashlib.md5(data).hexdigest(), RAW_MD5[name])
    if not check.ok:
        return check, np.empty(0, dtype=np.uint8)
    # IDX header: 2 zero bytes, a type code (0x08 = uint8), the number of dimensions,
    # then one big-endian int32 per dimension.
    ndim = data[3]
    shape = tuple(int.from_bytes(data[4 + 4 * i : 8 + 4 * i], "big") for i in range(ndim))
    array = np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim).reshape(shape)
    array.setflags(write=False)
    return check, array


def _read_checked(path: Path) -> tuple[FileCheck, np.ndarray]:
    stat = path.stat()
    return _read_idx(str(path), stat.st_mtime_ns, stat.st_size)


def check_fashion_mnist(root: str | os.PathLike | None = None) -> tuple[str, list[FileCheck]]:
    """Locate the dataset (no download) and check the MD5 of all four files.

    Returns ``(where it was found, [FileCheck, …])``; raises :class:`DatasetNotFoundError`.
    """
    folder, what = locate(root, download=False)
    return what, [_read_checked(_find_file(folder, name))[0] for name in RAW_MD5]


def fashion_mnist(
    split: str = "train",
    root: str | os.PathLike | None = None,
    download: bool = True,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Load one split of Fashion-MNIST on the CPU.

    Args:
        split: ``"train"`` (60,000 images) or ``"test"`` (10,000).
        root: a folder holding the four IDX files; if given, only it is searched.
        download: if the data is nowhere to be found, download it with torchvision.

    Returns:
        ``(images, labels)``: ``uint8 [N, 1, 28, 28]`` in 0 … 255 and ``int64 [N]`` in 0 … 9.
        Class ``k`` is called ``class_names[k]``. Move them to a device with
        :class:`~gancourse.datasets.ImageSampler`.

    Raises:
        DatasetNotFoundError: nowhere to be found (the message names every way to get it).
        DatasetCorruptError: a file's content does not match its published MD5.
    """
    if split not in SPLITS:
        raise ValueError(f"split must be one of {sorted(SPLITS)}, got {split!r}")
    folder, _ = locate(root, download=download)
    arrays = []
    for name in SPLITS[split]:
        check, array = _read_checked(_find_file(folder, name))
        if not check.ok:
            raise DatasetCorruptError(
                f"{check.path} is corrupt or not Fashion-MNIST: the MD5 of its content is "
                f"{check.md5}, the published one is {check.expected_md5}. Delete it and get the "
                f"file again.\n{how_to_get()}"
            )
        arrays.append(array)
    images, labels = arrays
    if images.shape != (SPLIT_SIZES[split], 28, 28) or labels.shape != (SPLIT_SIZES[split],):
        raise DatasetCorruptError(f"unexpected shapes {images.shape}, {labels.shape} in {folder}")
    # Copies, so that callers may modify them without touching the cache.
    return (
        torch.from_numpy(images.copy()).unsqueeze(1),
        torch.from_numpy(labels.astype(np.int64)),
    )
