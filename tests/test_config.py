import random

import numpy as np
import pytest
import torch

import gancourse
from gancourse import config


def test_reexported_from_package():
    for name in ("device", "seed_everything", "profile", "budget"):
        assert getattr(gancourse, name) is getattr(config, name)


def test_profile_default_follows_cuda(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    assert config.profile() == "fast"
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    assert config.profile() == "full"


@pytest.mark.parametrize("value,expected", [("fast", "fast"), ("full", "full"), (" FULL ", "full")])
def test_profile_from_environment(monkeypatch, value, expected):
    monkeypatch.setenv("GANCOURSE_PROFILE", value)
    assert config.profile() == expected


def test_unknown_profile_is_a_clear_error(monkeypatch):
    monkeypatch.setenv("GANCOURSE_PROFILE", "quick")
    with pytest.raises(ValueError, match=r"'quick'.*fast, full"):
        config.profile()


def test_budget_picks_the_size_of_the_profile(monkeypatch):
    monkeypatch.setenv("GANCOURSE_PROFILE", "fast")
    assert config.budget(fast=10, full=1000) == 10
    monkeypatch.setenv("GANCOURSE_PROFILE", "full")
    assert config.budget(fast=10, full=1000) == 1000
    assert config.budget(fast=(1, "a"), full=(2, "b")) == (2, "b")


def test_budget_requires_both_sizes_by_keyword():
    with pytest.raises(TypeError):
        config.budget(10, 1000)  # type: ignore[misc]
    with pytest.raises(TypeError):
        config.budget(fast=10)  # type: ignore[call-arg]


def test_device_automatic_choice(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    monkeypatch.setattr(config, "_mps_available", lambda: False)
    assert config.device() == torch.device("cpu")
    monkeypatch.setattr(config, "_mps_available", lambda: True)
    assert config.device() == torch.device("mps")
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    assert config.device() == torch.device("cuda")


def test_device_override_to_cpu(monkeypatch):
    monkeypatch.setenv("GANCOURSE_DEVICE", "cpu")
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)  # even with a GPU present
    assert config.device() == torch.device("cpu")


def test_device_override_to_missing_cuda_is_an_error(monkeypatch):
    monkeypatch.setenv("GANCOURSE_DEVICE", "cuda")
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    with pytest.raises(ValueError, match="CUDA is not available"):
        config.device()


def test_device_override_to_missing_mps_is_an_error(monkeypatch):
    monkeypatch.setenv("GANCOURSE_DEVICE", "mps")
    monkeypatch.setattr(config, "_mps_available", lambda: False)
    with pytest.raises(ValueError, match="MPS is not available"):
        config.device()


@pytest.mark.parametrize("value", ["gpu", "tpu"])
def test_device_override_nonsense_is_an_error(monkeypatch, value):
    monkeypatch.setenv("GANCOURSE_DEVICE", value)
    with pytest.raises(ValueError, match="GANCOURSE_DEVICE"):
        config.device()


def _draws():
    return (
        random.random(),
        float(np.random.rand()),
        torch.rand(3).tolist(),
        torch.nn.Linear(4, 2).weight.detach().clone(),
    )


def test_seed_everything_reproduces_every_generator():
    assert config.seed_everything(123) == 123
    first = _draws()
    config.seed_everything(123)
    second = _draws()
    assert first[:3] == second[:3]
    assert torch.equal(first[3], second[3])
    config.seed_everything(124)
    third = _draws()
    assert first[0] != third[0] and first[1] != third[1] and first[2] != third[2]


@pytest.mark.parametrize("bad", [-1, 2**32, 1.5, "0", True])
def test_seed_everything_rejects_bad_seeds(bad):
    with pytest.raises(ValueError, match="seed"):
        config.seed_everything(bad)
