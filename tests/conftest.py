"""Shared fixtures: the GPU marker, and the real dataset when it is installed."""

from __future__ import annotations

import os

import pytest
import torch


def pytest_collection_modifyitems(config, items):
    if torch.cuda.is_available():
        return
    skip_gpu = pytest.mark.skip(reason="needs CUDA (run on a GPU machine with `pytest -m gpu`)")
    for item in items:
        if item.get_closest_marker("gpu") is not None:
            item.add_marker(skip_gpu)


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch):
    """Each test starts without the course's variables, whatever the shell had."""
    for name in ("GANCOURSE_PROFILE", "GANCOURSE_DEVICE", "GANCOURSE_DATA"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture(scope="session")
def fashion_folder():
    """The folder holding the real Fashion-MNIST files.

    Skips where the dataset is not installed, except under ``make test`` / CI, which set
    GANCOURSE_REQUIRE_DATA=1: there a missing dataset is a failure, not a silent skip.
    """
    from gancourse.datasets.fashion import DatasetNotFoundError, locate

    try:
        folder, _ = locate(None, download=False)
    except DatasetNotFoundError as err:
        if os.environ.get("GANCOURSE_REQUIRE_DATA") == "1":
            pytest.fail(f"GANCOURSE_REQUIRE_DATA=1 but the dataset is missing:\n{err}")
        pytest.skip("Fashion-MNIST is not installed (gancourse data tells how to get it)")
    return folder
