"""`gancourse train` / `evaluate` and the run folder: checkpoints, best, history, resume."""

import json
import signal
import subprocess
import sys
import time

import pytest
import torch

from gancourse.cli import main
from gancourse.recipes import RECIPES, get_recipe
from gancourse.runs import build_from_checkpoint, train_recipe

TOY = "toy-nsgan-ring"
QUIET = {"log": lambda line: None, "progress": False, "device": "cpu", "eval_samples": 500}


def _weights(path):
    state = torch.load(path, weights_only=True)
    return state["step"], state["generator"], state["discriminator"]


def test_recipe_registry_and_option_errors():
    assert {"dcgan-nsgan-fmnist", "dcgan-sn-hinge-fmnist", TOY, "toy-nsgan-grid"} <= set(RECIPES)
    with pytest.raises(ValueError, match="unknown recipe 'nope'.*dcgan-nsgan-fmnist"):
        get_recipe("nope")
    recipe = get_recipe("dcgan-sn-hinge-fmnist")
    assert {"width", "levels", "spectral_norm", "lr_d", "ema_decay"} <= recipe.option_names()
    with pytest.raises(ValueError, match="has no option colour; its options: "):
        recipe.check_options({"colour": 1})


def test_flagship_recipe_is_what_it_says(fashion_folder):
    trainer = get_recipe("dcgan-sn-hinge-fmnist").build(device="cpu", width=8)
    c = trainer.config
    assert (c.loss, c.betas, c.ema_decay, c.batch_size, c.lr_d) == (
        "hinge",
        (0.0, 0.9),
        0.999,
        64,
        2e-4,
    )
    assert not any(isinstance(m, torch.nn.BatchNorm2d) for m in trainer.D.modules())
    assert any(hasattr(m, "parametrizations") for m in trainer.D.modules())
    assert trainer.G_ema is not None


def test_run_folder_and_exact_resume(tmp_path):
    straight = train_recipe(TOY, tmp_path / "a", steps=120, eval_every=40, **QUIET)
    train_recipe(TOY, tmp_path / "b", steps=60, eval_every=40, **QUIET)
    resumed = train_recipe(TOY, tmp_path / "b", steps=120, eval_every=40, resume=True, **QUIET)
    assert resumed.step == straight.step == 120
    step_a, g_a, d_a = _weights(tmp_path / "a" / "checkpoint.pt")
    step_b, g_b, d_b = _weights(tmp_path / "b" / "checkpoint.pt")
    assert step_a == step_b == 120
    for a, b in [
        *zip(g_a.values(), g_b.values(), strict=True),
        *zip(d_a.values(), d_b.values(), strict=True),
    ]:
        assert torch.equal(a, b)  # bit for bit: the checkpoint carries the random state
    for name in ("d_loss", "g_loss"):
        assert straight.history.values(name) == resumed.history.values(name)
    # the interrupted run also measured its end point, step 60; the others agree
    assert resumed.history.steps("coverage.modes") == [0, 40, 60, 80, 120]
    measured = dict(
        zip(
            resumed.history.steps("coverage.modes"),
            resumed.history.values("coverage.modes"),
            strict=True,
        )
    )
    assert [measured[s] for s in (0, 40, 80, 120)] == straight.history.values("coverage.modes")
    # the run folder
    history = json.loads((tmp_path / "a" / "history.json").read_text())
    assert history["coverage.modes"]["step"] == [0, 40, 80, 120]
    times = history["train_seconds"]["value"]
    assert times[0] == 0 and all(b > a for a, b in zip(times, times[1:], strict=False))
    samples = sorted(p.name for p in (tmp_path / "a" / "samples").iterdir())
    assert samples == [f"step_{s:07d}.png" for s in (0, 40, 80, 120)]
    best = torch.load(tmp_path / "a" / "best.pt", weights_only=True)
    assert best["meta"]["best_step"] in (40, 80, 120)
    # never overwrite, and never resume with other options
    with pytest.raises(FileExistsError, match="--resume"):
        train_recipe(TOY, tmp_path / "a", steps=10, **QUIET)
    with pytest.raises(ValueError, match="trained with options"):
        train_recipe(TOY, tmp_path / "a", steps=130, resume=True, options={"width": 8}, **QUIET)


def test_time_limit_stops_the_run(tmp_path):
    trainer = train_recipe(TOY, tmp_path, steps=100_000, minutes=0.02, eval_every=10_000, **QUIET)
    assert 0 < trainer.step < 100_000
    assert trainer.train_seconds >= 1.2
    # the time limit is not an interruption: the end point is measured and saved
    assert trainer.history.steps("coverage.modes") == [0, trainer.step]
    assert torch.load(tmp_path / "checkpoint.pt", weights_only=True)["step"] == trainer.step


def _start(args):
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gancourse",
            "train",
            TOY,
            "--no-progress",
            "--device",
            "cpu",
            *args,
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _wait_for_checkpoint(path, proc, min_step=100, timeout=120):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert proc.poll() is None, proc.communicate()
        if path.exists():
            step = torch.load(path, weights_only=True)["step"]
            if step >= min_step:
                return step
        time.sleep(0.2)
    raise AssertionError("no checkpoint appeared")


@pytest.mark.parametrize("how", ["kill", "interrupt"])
def test_killed_or_interrupted_cli_run_resumes(tmp_path, how):
    args = ["--out", str(tmp_path), "--eval-every", "100000", "--checkpoint-minutes", "0"]
    proc = _start(["--steps", "100000", *args])
    saved = _wait_for_checkpoint(tmp_path / "checkpoint.pt", proc)
    if how == "kill":  # no warning: the last periodic checkpoint is what survives
        proc.kill()
        proc.wait()
        stopped_at = torch.load(tmp_path / "checkpoint.pt", weights_only=True)["step"]
        assert stopped_at >= saved
    else:  # Ctrl-C: the run stops at a step boundary and saves
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=60)
        assert proc.returncode == 130, err
        stopped_at = torch.load(tmp_path / "checkpoint.pt", weights_only=True)["step"]
        assert f"at step {stopped_at:,}" in err and "--resume" in err
    target = stopped_at + 50
    proc = _start(["--steps", str(target), "--resume", *args])
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err
    assert f"at step {stopped_at:,}" in out
    assert torch.load(tmp_path / "checkpoint.pt", weights_only=True)["step"] == target


def test_evaluate_command(tmp_path, capsys):
    train_recipe(TOY, tmp_path, steps=50, eval_every=50, **QUIET)
    assert main(["evaluate", str(tmp_path / "checkpoint.pt"), "--n", "500", "--device", "cpu"]) == 0
    out = capsys.readouterr().out
    assert "toy-nsgan-ring, step 50" in out and "modes" in out
    recipe, trainer = build_from_checkpoint(tmp_path / "checkpoint.pt", device="cpu")
    assert recipe.name == TOY and trainer.step == 50
    assert main(["evaluate", str(tmp_path / "missing.pt")]) == 2
    torch.save({"step": 1}, tmp_path / "foreign.pt")
    assert main(["evaluate", str(tmp_path / "foreign.pt"), "--device", "cpu"]) == 2
    assert "names no recipe" in capsys.readouterr().err


def test_train_command_usage_errors(tmp_path, capsys):
    assert main(["train", "--list"]) == 0
    assert "dcgan-sn-hinge-fmnist" in capsys.readouterr().out
    assert main(["train", TOY, "--out", str(tmp_path), "--set", "colour=red"]) == 2
    assert "no option colour" in capsys.readouterr().err
    assert main(["train", TOY, "--out", str(tmp_path), "--set", "width"]) == 2
    assert "KEY=VALUE" in capsys.readouterr().err


def test_image_recipe_cli_run_and_evaluate(tmp_path, capsys, fashion_folder):
    # a tiny DCGAN for a few steps: FID is logged, samples written, evaluate prints FID/KID/IS
    settings = ["--set", "width=4", "latent_dim=8", "batch_size=16"]
    args = ["--steps", "20", "--eval-every", "10", "--eval-samples", "200", "--device", "cpu"]
    assert (
        main(
            [
                "train",
                "dcgan-nsgan-fmnist",
                "--out",
                str(tmp_path),
                "--no-progress",
                *args,
                *settings,
            ]
        )
        == 0
    )
    history = json.loads((tmp_path / "history.json").read_text())
    assert history["fid"]["step"] == [0, 10, 20]
    assert all(v > 0 for v in history["fid"]["value"])
    assert main(["evaluate", str(tmp_path / "checkpoint.pt"), "--n", "300", "--device", "cpu"]) == 0
    out = capsys.readouterr().out
    assert "fashionnet  FID" in out and "KID" in out and "IS" in out


def test_a_run_leaves_the_matplotlib_backend_alone(tmp_path):
    # a notebook calling train_recipe keeps its inline plots: the sample PNGs use no pyplot
    import matplotlib

    before = matplotlib.get_backend()
    matplotlib.use("svg")
    try:
        train_recipe(TOY, tmp_path, steps=10, eval_every=10, **QUIET)
        assert matplotlib.get_backend() == "svg"
        assert (tmp_path / "samples" / "step_0000010.png").stat().st_size > 0
    finally:
        matplotlib.use(before)
