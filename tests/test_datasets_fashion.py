import gzip
import os
import shutil
from pathlib import Path

import pytest
import torch

import gancourse.datasets.fashion as fm
from gancourse.datasets import (
    CLASS_NAMES,
    DatasetCorruptError,
    DatasetNotFoundError,
    ImageSampler,
    check_fashion_mnist,
    class_names,
    fashion_mnist,
    to_uint8,
    to_unit_range,
)

FILES = list(fm.RAW_MD5)


def _link_copy(src: Path, dst: Path, gz: bool = True) -> Path:
    """A copy of the dataset in ``dst`` made of symlinks (cheap), or of extracted files."""
    dst.mkdir(parents=True, exist_ok=True)
    for name in FILES:
        source = fm._find_file(src, name)
        if gz:
            (dst / source.name).symlink_to(source)
        else:
            data = fm._decompressed_bytes(source)
            (dst / name).write_bytes(data)
    return dst


@pytest.fixture
def nowhere(monkeypatch, tmp_path):
    """No dataset anywhere: every default place points at an empty folder."""
    monkeypatch.setattr(fm, "SYSTEM_DIR", tmp_path / "system")
    monkeypatch.setattr(fm, "default_data_dir", lambda: tmp_path / "repo-data")
    return tmp_path


def test_class_names():
    assert len(class_names) == 10 and tuple(class_names) == CLASS_NAMES
    assert class_names[0] == "T-shirt/top" and class_names[9] == "Ankle boot"


def test_default_data_dir_is_the_repo_data_folder():
    assert fm.default_data_dir() == Path(__file__).resolve().parents[1] / "data"


@pytest.mark.parametrize("split,n", [("train", 60_000), ("test", 10_000)])
def test_real_splits(fashion_folder, split, n):
    images, labels = fashion_mnist(split, root=fashion_folder)
    assert images.shape == (n, 1, 28, 28) and images.dtype == torch.uint8
    assert labels.shape == (n,) and labels.dtype == torch.int64
    # balanced classes: 6,000 / 1,000 images of each
    assert torch.bincount(labels, minlength=10).tolist() == [n // 10] * 10
    assert images.min() == 0 and images.max() == 255


def test_first_training_labels_are_the_published_ones(fashion_folder):
    _, labels = fashion_mnist("train", root=fashion_folder)
    # Read off the published file (its MD5 is checked): a regression test of the IDX
    # parser's offset and order. Label 9, the first image, is the familiar ankle boot.
    assert labels[:10].tolist() == [9, 0, 0, 3, 0, 2, 7, 2, 5, 5]


def test_returned_tensors_are_private_copies(fashion_folder):
    images, _ = fashion_mnist("test", root=fashion_folder)
    images[0] = 0
    again, _ = fashion_mnist("test", root=fashion_folder)
    assert again[0].sum() > 0


def test_bad_split_is_a_clear_error():
    with pytest.raises(ValueError, match="split must be one of"):
        fashion_mnist("validation")


def test_check_reports_published_md5s(fashion_folder):
    _, checks = check_fashion_mnist(fashion_folder)
    assert [c.name for c in checks] == FILES
    assert all(c.ok for c in checks)
    assert {c.name: c.md5 for c in checks} == fm.RAW_MD5


def test_search_order_environment_before_repo_before_system(fashion_folder, nowhere, monkeypatch):
    system = _link_copy(fashion_folder, nowhere / "system")
    assert fm.locate()[1].startswith("the Debian")
    repo = _link_copy(fashion_folder, nowhere / "repo-data" / "FashionMNIST" / "raw")
    folder, what = fm.locate()
    assert what == "the course's data folder" and folder == repo.resolve()
    env = _link_copy(fashion_folder, nowhere / "env", gz=False)  # extracted files work too
    monkeypatch.setenv("GANCOURSE_DATA", str(env))
    assert fm.locate() == (env, "$GANCOURSE_DATA")
    images, _ = fashion_mnist("test")
    reference, _ = fashion_mnist("test", root=system)
    assert torch.equal(images, reference)


def test_explicit_root_is_the_only_place_searched(fashion_folder, tmp_path):
    with pytest.raises(DatasetNotFoundError, match="the root argument"):
        fashion_mnist("test", root=tmp_path)  # the system copy exists but is not used


def test_missing_dataset_names_every_way_to_get_it(nowhere, monkeypatch):
    monkeypatch.setenv("GANCOURSE_DATA", str(nowhere / "env"))
    with pytest.raises(DatasetNotFoundError) as info:
        fashion_mnist("train", download=False)
    message = str(info.value)
    for expected in (
        "apt-get install dataset-fashion-mnist",
        "gancourse data --download",
        "GANCOURSE_DATA",
        "train-images-idx3-ubyte.gz",
        str(nowhere / "env"),
        str(nowhere / "repo-data"),
        str(nowhere / "system"),
    ):
        assert expected in message


def test_failed_download_is_reported_with_the_ways(nowhere, monkeypatch):
    def offline(target):
        raise OSError("network is unreachable")

    monkeypatch.setattr(fm, "_download", offline)
    with pytest.raises(
        DatasetNotFoundError, match="(?s)download into .* failed.*unreachable.*apt-get"
    ):
        fashion_mnist("test", download=True)


def test_download_lands_in_the_data_folder(fashion_folder, nowhere, monkeypatch):
    def fake_download(target):  # stands in for torchvision: same layout, real files
        _link_copy(fashion_folder, target / "FashionMNIST" / "raw")

    monkeypatch.setattr(fm, "_download", fake_download)
    images, _ = fashion_mnist("test", download=True)
    assert images.shape == (10_000, 1, 28, 28)
    assert fm.locate()[0] == (nowhere / "repo-data" / "FashionMNIST" / "raw").resolve()


def test_corrupted_copy_fails_its_checksum(fashion_folder, tmp_path):
    copy = _link_copy(fashion_folder, tmp_path / "copy", gz=False)
    labels = copy / "t10k-labels-idx1-ubyte"
    data = bytearray(labels.read_bytes())
    data[100] = (data[100] + 1) % 10  # one label changed: still a valid IDX file
    labels.write_bytes(bytes(data))
    with pytest.raises(DatasetCorruptError) as info:
        fashion_mnist("test", root=copy)
    message = str(info.value)
    assert "t10k-labels-idx1-ubyte" in message and fm.RAW_MD5["t10k-labels-idx1-ubyte"] in message
    assert "apt-get install" in message
    _, checks = check_fashion_mnist(copy)
    assert [c.ok for c in checks] == [True, True, True, False]
    # the other split is intact and still loads
    assert fashion_mnist("train", root=copy)[0].shape[0] == 60_000


def test_truncated_gzip_is_a_clear_error(fashion_folder, tmp_path):
    copy = tmp_path / "copy"
    copy.mkdir()
    for name in FILES:
        shutil.copy(fm._find_file(fashion_folder, name), copy)
    target = copy / "t10k-images-idx3-ubyte.gz"
    target.write_bytes(target.read_bytes()[:1000])
    with pytest.raises(DatasetCorruptError, match="not a readable gzip"):
        fashion_mnist("test", root=copy)


def test_gzip_wrapper_does_not_matter(fashion_folder, tmp_path):
    """Re-gzipped files (as Debian ships them) pass: the content is what is checked."""
    copy = _link_copy(fashion_folder, tmp_path / "copy", gz=False)
    for name in FILES:
        raw = copy / name
        with gzip.GzipFile(copy / f"{name}.gz", "wb", mtime=0, compresslevel=1) as out:
            out.write(raw.read_bytes())
        os.remove(raw)
    assert all(c.ok for c in check_fashion_mnist(copy)[1])


def test_unit_range_round_trip():
    pixels = torch.arange(256, dtype=torch.uint8).reshape(1, 1, 16, 16)
    x = to_unit_range(pixels)
    assert x.dtype == torch.float32
    assert x.min().item() == -1.0 and x.max().item() == 1.0
    assert torch.equal(to_uint8(x), pixels)
    with pytest.raises(TypeError, match="uint8"):
        to_unit_range(pixels.float())


def test_sampler_range_shape_and_determinism(fashion_folder):
    images, labels = fashion_mnist("test", root=fashion_folder)
    a = ImageSampler(images, labels, device="cpu", seed=5)
    b = ImageSampler(images, labels, device="cpu", seed=5)
    c = ImageSampler(images, labels, device="cpu", seed=6)
    xa, xb, xc = a.sample(64), b.sample(64), c.sample(64)
    assert xa.shape == (64, 1, 28, 28) and xa.dtype == torch.float32
    assert xa.min() >= -1 and xa.max() <= 1 and xa.min() == -1  # background pixels are 0
    assert torch.equal(xa, xb) and not torch.equal(xa, xc)
    # a second batch differs from the first
    assert not torch.equal(a.sample(64), xa)
    # labels belong to their images
    x, y = a.sample_with_labels(256)
    idx = torch.cdist(x.flatten(1), to_unit_range(images).flatten(1)).argmin(dim=1)
    assert torch.equal(labels[idx], y)


def test_sampler_batches_are_uniform_over_the_split(fashion_folder):
    images, labels = fashion_mnist("test", root=fashion_folder)
    sampler = ImageSampler(images, labels, device="cpu", seed=0)
    _, y = sampler.sample_with_labels(50_000)
    freq = torch.bincount(y, minlength=10).double() / 50_000
    assert (freq - 0.1).abs().max() < 5 * (0.1 * 0.9 / 50_000) ** 0.5


def test_sampler_rejects_bad_input():
    with pytest.raises(ValueError, match="uint8"):
        ImageSampler(torch.zeros(4, 1, 28, 28), device="cpu")
    with pytest.raises(ValueError, match="labels must have shape"):
        ImageSampler(torch.zeros(4, 1, 28, 28, dtype=torch.uint8), torch.zeros(3), device="cpu")
    sampler = ImageSampler(torch.zeros(4, 1, 28, 28, dtype=torch.uint8), device="cpu")
    with pytest.raises(ValueError, match="without labels"):
        sampler.sample_with_labels(2)
    with pytest.raises(ValueError, match="batch_size"):
        sampler.sample(0)


def test_sampler_can_draw_from_a_callers_generator():
    images = torch.arange(10, dtype=torch.uint8).reshape(10, 1, 1, 1)
    sampler = ImageSampler(images, device="cpu", seed=0)
    own_state = sampler.generator.get_state()
    a = sampler.sample(8, generator=torch.Generator().manual_seed(4))
    b = sampler.sample(8, generator=torch.Generator().manual_seed(4))
    assert torch.equal(a, b)
    assert torch.equal(sampler.generator.get_state(), own_state)  # its own stream untouched
