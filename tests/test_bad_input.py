"""Bad input, tried as a new user would: each gets one clear line (what was wrong, what to do),
exit status 2 for a usage error, and nothing in the run folder is lost or overwritten."""

import hashlib
import shutil
import warnings
from pathlib import Path

import pytest

import gancourse.datasets.fashion as fm
from gancourse.checkpoint import load_checkpoint
from gancourse.cli import main
from gancourse.runs import train_recipe
from gancourse.train import TrainConfig

TOY = "toy-nsgan-ring"


@pytest.fixture(scope="module")
def run_folder(tmp_path_factory) -> Path:
    """A real (tiny) toy run: checkpoint.pt, best.pt, history.json, samples."""
    out = tmp_path_factory.mktemp("run")
    train_recipe(
        TOY,
        out,
        steps=4,
        eval_every=2,
        eval_samples=200,
        log=lambda _: None,
        progress=False,
        options={"width": 16, "batch_size": 32, "log_every": 2},
    )
    return out


def _snapshot(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.md5(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def _one_clear_line(capsys, *phrases: str) -> str:
    err = capsys.readouterr().err.strip()
    assert "Traceback" not in err
    assert len(err.splitlines()) == 1, err
    for phrase in phrases:
        assert phrase in err, err
    return err


def _copy(run_folder: Path, tmp_path: Path) -> Path:
    out = tmp_path / "run"
    shutil.copytree(run_folder, out)
    assert (out / "samples").is_dir() and (out / "best.pt").is_file()
    return out


def _truncated_copy(run_folder: Path, tmp_path: Path) -> Path:
    out = _copy(run_folder, tmp_path)
    good = (run_folder / "checkpoint.pt").read_bytes()
    (out / "checkpoint.pt").write_bytes(good[: len(good) // 2])
    return out


# Each entry: argv (with {run} for a copy of the run folder) and phrases the message must hold.
USAGE_ERRORS = {
    "a learning rate that is not a number": (
        ["train", TOY, "--out", "{new}", "--set", "lr_d=abc"],
        ["option lr_d of recipe toy-nsgan-ring must be a number (default 0.001), got 'abc'"],
    ),
    "a width that is not an integer": (
        ["train", TOY, "--out", "{new}", "--set", "width=1.5"],
        ["option width of recipe toy-nsgan-ring must be an integer (default 128), got 1.5"],
    ),
    "betas that are not a pair": (
        ["train", TOY, "--out", "{new}", "--set", "betas=0.5"],
        ["option betas of recipe toy-nsgan-ring must be a sequence of 2 (default (0.5, 0.999))"],
    ),
    "an unknown option": (
        ["train", TOY, "--out", "{new}", "--set", "widht=32"],
        ["has no option widht", "its options:"],
    ),
    "--set without =": (["train", TOY, "--out", "{new}", "--set", "width"], ["KEY=VALUE"]),
    "an unknown loss": (
        ["train", TOY, "--out", "{new}", "--set", "loss='wasserstein'"],
        ["unknown loss 'wasserstein'", "known losses"],
    ),
    "an unknown penalty": (
        ["train", TOY, "--out", "{new}", "--set", "penalty='gp'"],
        ["unknown penalty 'gp'", "wgan-gp"],
    ),
    "a loss option the loss does not take": (
        ["train", TOY, "--out", "{new}", "--set", "loss_options={'rho': 1}"],
        ["the nonsaturating loss takes no options; got rho"],
    ),
    "an unknown recipe": (["train", "dcgan", "--out", "{new}"], ["unknown recipe 'dcgan'"]),
    "training over an existing run": (
        ["train", TOY, "--out", "{run}"],
        ["checkpoint.pt exists", "--resume"],
    ),
    "resuming with other options": (
        ["train", TOY, "--out", "{run}", "--resume", "--set", "width=32"],
        ["was trained with options", "resume without --set"],
    ),
    "a device that does not exist": (
        ["train", TOY, "--out", "{new}", "--device", "gpu"],
        ["--device 'gpu' is not a device torch knows", "use cpu, cuda"],
    ),
    "too few samples to evaluate": (
        ["train", TOY, "--out", "{new}", "--eval-samples", "0"],
        ["--eval-samples must be at least 2, got 0"],
    ),
    "a negative time limit": (
        ["train", TOY, "--out", "{new}", "--minutes", "-1"],
        ["--minutes must be a positive number, got -1.0"],
    ),
    "a negative checkpoint interval": (
        ["train", TOY, "--out", "{new}", "--checkpoint-minutes", "-5"],
        ["--checkpoint-minutes must be >= 0, got -5.0"],
    ),
    "evaluating with no samples": (
        ["evaluate", "{run}/checkpoint.pt", "--n", "0"],
        ["--n must be at least 2"],
    ),
    "evaluating on a device that does not exist": (
        ["evaluate", "{run}/checkpoint.pt", "--device", "cuda:7"],
        ["--device 'cuda:7'"],
    ),
    "evaluating a missing checkpoint": (
        ["evaluate", "{run}/nothing.pt"],
        ["no checkpoint at"],
    ),
}


@pytest.mark.parametrize("case", sorted(USAGE_ERRORS))
def test_usage_errors_give_one_clear_line_and_status_2(case, run_folder, tmp_path, capsys):
    argv, phrases = USAGE_ERRORS[case]
    run = _copy(run_folder, tmp_path)
    before = _snapshot(run)
    argv = [a.replace("{run}", str(run)).replace("{new}", str(tmp_path / "new")) for a in argv]
    assert main([*argv, "--no-progress"] if argv[0] == "train" else argv) == 2
    _one_clear_line(capsys, *phrases)
    assert _snapshot(run) == before  # nothing lost or overwritten
    assert not (tmp_path / "new" / "checkpoint.pt").exists()


def test_resuming_a_truncated_checkpoint(run_folder, tmp_path, capsys):
    run = _truncated_copy(run_folder, tmp_path)
    before = _snapshot(run)
    assert main(["train", TOY, "--out", str(run), "--resume", "--no-progress"]) == 2
    _one_clear_line(capsys, "checkpoint.pt is not a readable checkpoint", "truncated or corrupt")
    assert _snapshot(run) == before


def test_evaluating_a_truncated_or_foreign_checkpoint(run_folder, tmp_path, capsys):
    run = _truncated_copy(run_folder, tmp_path)
    assert main(["evaluate", str(run / "checkpoint.pt")]) == 2
    _one_clear_line(capsys, "is not a readable checkpoint", "best.pt")
    text = tmp_path / "notes.pt"
    text.write_text("not a checkpoint")
    assert main(["evaluate", str(text)]) == 2
    _one_clear_line(capsys, "notes.pt is not a readable checkpoint")


def test_the_intact_checkpoint_still_evaluates(run_folder, capsys):
    # the catalogue's runs are real: the same folder, unharmed, works
    assert main(["evaluate", str(run_folder / "checkpoint.pt"), "--n", "200"]) == 0
    assert "modes" in capsys.readouterr().out


def test_load_checkpoint_names_the_file():
    with pytest.raises(FileNotFoundError, match="no checkpoint at"):
        load_checkpoint("/nonexistent/c.pt")


def test_a_corrupt_dataset_is_exit_status_1_not_a_usage_error(monkeypatch, tmp_path, capsys):
    # files that claim to be gzip and are not: the data is damaged, the command line is fine
    for name in (
        "train-images-idx3-ubyte",
        "train-labels-idx1-ubyte",
        "t10k-images-idx3-ubyte",
        "t10k-labels-idx1-ubyte",
    ):
        (tmp_path / f"{name}.gz").write_bytes(b"\x1f\x8b" + b"damaged" * 10)
    monkeypatch.setenv("GANCOURSE_DATA", str(tmp_path))
    argv = ["train", "dcgan-nsgan-fmnist", "--out", str(tmp_path / "run"), "--no-progress"]
    assert main(argv) == 1
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert "is not a readable gzip file" in err.splitlines()[0]
    assert not (tmp_path / "run").exists()


def test_repeated_set_options_add_up(tmp_path):
    from gancourse.cli import build_parser

    args = build_parser().parse_args(
        ["train", TOY, "--set", "width=16", "--set", "loss='hinge'", "batch_size=32"]
    )
    assert args.set == ["width=16", "loss='hinge'", "batch_size=32"]


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("lr_d", "abc", "lr_d must be a number"),
        ("batch_size", 32.0, "batch_size must be an integer"),
        ("merged", "yes", "merged must be True or False"),
        ("betas", (0.5,), "betas must be a pair of numbers"),
        ("ema_decay", "0.9", "ema_decay must be a number or None"),
        ("loss_options", 0.1, "loss_options must be a dict"),
        ("seed", True, "seed must be an integer"),
    ],
)
def test_train_config_names_the_field_of_the_wrong_type(field, value, message):
    with pytest.raises(ValueError, match=message):
        TrainConfig(**{field: value})


def test_a_gancourse_data_folder_without_the_data_is_reported(monkeypatch, tmp_path):
    try:
        fm.locate()
    except fm.DatasetNotFoundError:
        pytest.skip("Fashion-MNIST is not installed here: nothing to fall back to")
    monkeypatch.setenv("GANCOURSE_DATA", str(tmp_path / "nonexistent"))
    with pytest.warns(UserWarning, match="GANCOURSE_DATA=.*nonexistent holds no Fashion-MNIST"):
        folder, what = fm.locate()
    assert what != "$GANCOURSE_DATA"
    monkeypatch.delenv("GANCOURSE_DATA")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fm.locate()  # not named: no warning
