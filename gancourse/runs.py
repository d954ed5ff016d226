"""A training run on disk: what ``gancourse train`` does, usable from Python too.

A run folder holds

* ``checkpoint.pt`` — the latest state (written atomically every ``checkpoint_minutes``, at
  the end, and when the run is interrupted with Ctrl-C or SIGTERM); ``resume=True`` continues
  it exactly where it stopped;
* ``best.pt`` — the state with the best score so far (lowest FID; on toy
  data the most modes, then the most high-quality samples);
* ``history.json`` — every logged loss and metric, with the training time in
  ``train_seconds`` (evaluation excluded), so FID can be plotted against time;
* ``samples/step_NNNNNNN.png`` — a fixed-noise sample grid (or scatter plot) per evaluation.

A run killed without warning (power cut, SIGKILL) loses at most the steps since its last
checkpoint; a resumed run then replays them identically, since the checkpoint carries the
random state too.
"""

from __future__ import annotations

import json
import math
import signal
import threading
from collections.abc import Callable
from pathlib import Path

from .checkpoint import load_checkpoint
from .recipes import Recipe, get_recipe
from .train import GANTrainer

__all__ = ["RunFolder", "RunInterrupted", "build_from_checkpoint", "train_recipe"]


class RunInterrupted(RuntimeError):
    """Ctrl-C or SIGTERM stopped the run; the checkpoint was saved at a step boundary."""


def build_from_checkpoint(path: str | Path, device=None, data=None) -> tuple[Recipe, GANTrainer]:
    """The recipe and trainer that wrote ``path`` (a ``gancourse train`` checkpoint), restored."""
    state = load_checkpoint(path, map_location="cpu")
    meta = state.get("meta", {})
    if "recipe" not in meta:
        raise ValueError(f"{path} was not written by `gancourse train` (it names no recipe)")
    recipe = get_recipe(meta["recipe"])
    trainer = recipe.build(
        seed=meta["seed"], device=device, data=data, **_decode(meta.get("options", {}))
    )
    trainer.load_checkpoint(path)
    return recipe, trainer


class RunFolder:
    """What a run leaves on disk after each evaluation (an ``on_evaluate`` hook of the trainer):
    the sample picture, ``best.pt`` when the task's score improved, ``history.json`` (with the
    training time so far, ``train_seconds``) and one log line."""

    def __init__(self, recipe: Recipe, out: Path, log: Callable[[str], None] = print) -> None:
        self.recipe, self.out, self.log = recipe, Path(out), log

    def __call__(self, trainer: GANTrainer) -> None:
        trainer.history.append("train_seconds", trainer.step, trainer.train_seconds)
        title = f"{self.recipe.name}, step {trainer.step:,}"
        picture = self.out / "samples" / f"step_{trainer.step:07d}.png"
        picture.parent.mkdir(parents=True, exist_ok=True)
        self.recipe.task.draw_samples(trainer, title).savefig(picture, dpi=80, bbox_inches="tight")
        score = self.recipe.task.score(trainer.history)
        if score < trainer.meta.get("best_score", math.inf):
            trainer.meta["best_score"], trainer.meta["best_step"] = score, trainer.step
            trainer.save_checkpoint(self.out / "best.pt")
        h = trainer.history
        metrics = ", ".join(
            f"{n} {h.last(n):.4g}"
            for n in h.names()
            if n not in ("d_loss", "g_loss", "train_seconds")
            and "grad_norm" not in n
            and h.steps(n)[-1] == trainer.step
        )
        self.log(f"step {trainer.step:,} | {trainer.train_seconds / 60:.1f} min | {metrics}")
        self.write_history(trainer)

    def write_history(self, trainer: GANTrainer) -> None:
        path = self.out / "history.json"
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(trainer.history.state_dict()))
        tmp.replace(path)


def _encode(options: dict) -> dict:
    # checkpoints hold plain containers only (weights_only=True): tuples become lists
    return {k: list(v) if isinstance(v, tuple) else v for k, v in options.items()}


def _decode(options: dict) -> dict:
    return {k: tuple(v) if isinstance(v, list) else v for k, v in options.items()}


class _StopRequest:
    """Turns Ctrl-C / SIGTERM into a flag the loop checks between steps, so that the saved
    checkpoint is always at a step boundary (an exception mid-step would leave D updated and
    G not)."""

    def __init__(self) -> None:
        self.signal: int | None = None

    def __enter__(self) -> _StopRequest:
        self.previous = {}
        if threading.current_thread() is threading.main_thread():  # signals go to main only
            for s in (signal.SIGINT, signal.SIGTERM):
                self.previous[s] = signal.signal(s, self._handle)
        return self

    def _handle(self, signum, frame) -> None:
        self.signal = signum

    def __exit__(self, *exc) -> None:
        for s, handler in self.previous.items():
            signal.signal(s, handler)


def train_recipe(
    name: str,
    out_dir: str | Path,
    steps: int | None = None,
    minutes: float | None = None,
    resume: bool = False,
    seed: int = 0,
    device=None,
    options: dict | None = None,
    eval_every: int | None = None,
    eval_samples: int = 10_000,
    checkpoint_minutes: float = 5.0,
    log: Callable[[str], None] = print,
    progress: bool = True,
) -> GANTrainer:
    """Train recipe ``name`` into ``out_dir`` until ``steps`` generator steps (default: the
    recipe's) or ``minutes`` of training time, whichever comes first.

    With ``resume=True`` an existing ``checkpoint.pt`` is continued (its recipe options and
    seed are used; ``options`` must then be empty or the same); without it an existing run is
    never overwritten. Raises :class:`RunInterrupted` after saving, on Ctrl-C or SIGTERM.
    The schedule (evaluation, checkpoints, time limit) is the trainer's
    (:meth:`GANTrainer.train`); this function sets the run up and reports.
    """
    if minutes is not None and not minutes > 0:
        raise ValueError(f"--minutes must be a positive number, got {minutes}")
    if not checkpoint_minutes >= 0:
        raise ValueError(f"--checkpoint-minutes must be >= 0, got {checkpoint_minutes}")
    if eval_samples < 2:
        raise ValueError(f"--eval-samples must be at least 2, got {eval_samples}")
    recipe = get_recipe(name)
    out = Path(out_dir)
    checkpoint = out / "checkpoint.pt"
    options, seed = _run_options(recipe, checkpoint, resume, dict(options or {}), seed)
    steps = recipe.steps if steps is None else steps
    eval_every = recipe.eval_every if eval_every is None else eval_every
    if steps < 0 or eval_every < 1:
        raise ValueError(f"need steps >= 0 and eval_every >= 1, got {steps} and {eval_every}")
    folder = RunFolder(recipe, out, log)
    with_ema = {**recipe.options, **options}.get("ema_decay") is not None
    trainer = recipe.build(
        seed=seed,
        device=device,
        progress=progress,
        trainer_kwargs={
            "callbacks": recipe.task.metrics(eval_samples, ema=with_ema, device=device),
            "eval_every": eval_every,
            "on_evaluate": [folder],
            "checkpoint_path": checkpoint,
            "checkpoint_minutes": checkpoint_minutes,
        },
        **options,
    )
    trainer.meta = {"recipe": name, "seed": seed, "options": _encode(options)}
    if resume and checkpoint.exists():
        trainer.load_checkpoint(checkpoint)
        log(f"resuming {name} from {checkpoint} at step {trainer.step:,}")
    out.mkdir(parents=True, exist_ok=True)
    with _StopRequest() as stop:
        trainer.train(
            max(steps - trainer.step, 0),
            minutes=minutes,
            should_stop=lambda: stop.signal is not None,
            measure_ends=True,
        )
    folder.write_history(trainer)
    if stop.signal is not None:
        raise RunInterrupted(
            f"stopped by signal {stop.signal} at step {trainer.step:,}; checkpoint saved to "
            f"{checkpoint}. Continue with: gancourse train {name} --out {out} --resume"
        )
    log(
        f"done: step {trainer.step:,}, checkpoint {checkpoint}; best.pt is step "
        f"{trainer.meta.get('best_step', 0):,} (score {trainer.meta.get('best_score', math.inf):.4g})"
    )
    return trainer


def _run_options(
    recipe: Recipe, checkpoint: Path, resume: bool, options: dict, seed: int
) -> tuple[dict, int]:
    """The options and seed of the run: the given ones for a new run, the checkpoint's for a
    resumed one (refusing other options), and never a silent overwrite."""
    recipe.check_options(options)
    if checkpoint.exists() and not resume:
        raise FileExistsError(
            f"{checkpoint} exists: pass --resume to continue that run, or choose another --out"
        )
    if not (resume and checkpoint.exists()):
        return options, seed
    meta = load_checkpoint(checkpoint, map_location="cpu").get("meta", {})
    if meta.get("recipe") != recipe.name:
        raise ValueError(f"{checkpoint} is a run of {meta.get('recipe')!r}, not of {recipe.name!r}")
    saved = _decode(meta.get("options", {}))
    if options and options != saved:
        raise ValueError(
            f"{checkpoint} was trained with options {saved}; resume without --set, "
            "or start a new run in another folder"
        )
    return saved, int(meta["seed"])
