import pytest
import torch

from gancourse import checkpoint
from gancourse.history import History


def test_history_round_trip_and_errors():
    h = History()
    h.append("d_loss", 10, 1.5)
    h.append("d_loss", 20, 1.25)
    assert (
        h.steps("d_loss") == [10, 20]
        and h.values("d_loss") == [1.5, 1.25]
        and h.last("d_loss") == 1.25
    )
    copy = History()
    copy.load_state_dict(h.state_dict())
    assert copy == h and "d_loss" in copy
    with pytest.raises(KeyError, match="no series 'fid'.*d_loss"):
        h.values("fid")


def test_atomic_save_replaces_and_loads_weights_only(tmp_path):
    path = tmp_path / "deep" / "c.pt"
    checkpoint.atomic_save({"w": torch.ones(3), "step": 1}, path)
    checkpoint.atomic_save({"w": torch.zeros(3), "step": 2}, path)
    state = checkpoint.load_checkpoint(path)
    assert state["step"] == 2 and torch.equal(state["w"], torch.zeros(3))
    assert [p.name for p in path.parent.iterdir()] == ["c.pt"]  # no temporary files left


def test_interrupted_save_keeps_the_previous_checkpoint(tmp_path, monkeypatch):
    path = tmp_path / "c.pt"
    checkpoint.atomic_save({"step": 1}, path)

    def crash(obj, f):
        f.write(b"half a checkpoint")
        raise KeyboardInterrupt

    monkeypatch.setattr(torch, "save", crash)
    with pytest.raises(KeyboardInterrupt):
        checkpoint.atomic_save({"step": 2}, path)
    monkeypatch.undo()
    assert checkpoint.load_checkpoint(path)["step"] == 1
    assert [p.name for p in tmp_path.iterdir()] == ["c.pt"]


def test_loading_refuses_pickled_code(tmp_path):
    path = tmp_path / "evil.pt"
    torch.save({"f": print}, path)  # a function is not a weight
    with pytest.raises(checkpoint.CheckpointError, match="weights_only=True.*refuses to run"):
        checkpoint.load_checkpoint(path)
    with pytest.raises(FileNotFoundError, match="no checkpoint"):
        checkpoint.load_checkpoint(tmp_path / "missing.pt")
