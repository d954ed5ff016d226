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
import time
from collections.abc import Callable
from pathlib import Path

import torch

from .checkpoint import load_checkpoint
from .recipes import Recipe, get_recipe
from .train import GANTrainer

__all__ = [
    "RunInterrupted",
    "build_from_checkpoint",
    "evaluation_callbacks",
    "run_score",
    "train_recipe",
]

SAMPLE_SEED = 1234  # the fixed noise of the sample grids


class RunInterrupted(RuntimeError):
    """Ctrl-C or SIGTERM stopped the run; the checkpoint was saved at a step boundary."""


def evaluation_callbacks(
    recipe: Recipe, trainer: GANTrainer, eval_samples: int, device=None
) -> dict[str, Callable]:
    """The recipe's metrics as trainer callbacks: FashionNet-FID against the 10,000 test images
    (for the EMA generator and the raw one when there is an EMA), or mode coverage on toy data."""
    if recipe.is_image:
        from .datasets import fashion_mnist
        from .metrics import FashionNetFeatures, FIDTracker

        test_images, _ = fashion_mnist("test")
        fid = FIDTracker(test_images, n=eval_samples, extractor=FashionNetFeatures(device))
        callbacks = {"fid": fid}
        if trainer.G_ema is not None:
            raw = FIDTracker(test_images, n=eval_samples, ema=False)
            callbacks["fid_no_ema"] = raw.share_real_statistics(fid)
        return callbacks
    from .metrics import mode_coverage

    def coverage(t: GANTrainer) -> dict[str, float]:
        result = mode_coverage(t.generate(eval_samples, seed=SAMPLE_SEED), t.data)
        return {
            "modes": result.modes_captured,
            "high_quality": result.high_quality,
            "reverse_kl": result.reverse_kl,
        }

    return {"coverage": coverage}


def run_score(recipe: Recipe, trainer: GANTrainer) -> float:
    """The number ``best.pt`` minimises: the latest FID, or on toy data minus (modes captured
    + fraction of high-quality samples) — more modes first, then cleaner ones."""
    h = trainer.history
    if recipe.is_image:
        return h.last("fid")
    return -(h.last("coverage.modes") + h.last("coverage.high_quality"))


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


def _encode(options: dict) -> dict:
    # checkpoints hold plain containers only (weights_only=True): tuples become lists
    return {k: list(v) if isinstance(v, tuple) else v for k, v in options.items()}


def _decode(options: dict) -> dict:
    return {k: tuple(v) if isinstance(v, list) else v for k, v in options.items()}


def _write_samples(recipe: Recipe, trainer: GANTrainer, path: Path) -> None:
    # A pyplot-free Figure: saving PNGs must not switch the backend of a notebook that calls us.
    from matplotlib.figure import Figure

    from .viz import plot_samples, show_images

    path.parent.mkdir(parents=True, exist_ok=True)
    if recipe.is_image:
        fig = Figure(figsize=(8, 8))
        ax = fig.subplots()
        show_images(trainer.generate(64, seed=SAMPLE_SEED), nrow=8, ax=ax)
    else:
        fig = Figure(figsize=(5, 5))
        ax = fig.subplots()
        plot_samples(trainer.generate(2500, seed=SAMPLE_SEED), trainer.data, ax=ax)
    ax.set_title(f"{recipe.name}, step {trainer.step:,}")
    fig.savefig(path, dpi=80, bbox_inches="tight")


def _write_history(trainer: GANTrainer, path: Path) -> None:
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(trainer.history.state_dict()))
    tmp.replace(path)


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
    """
    from tqdm.auto import tqdm

    recipe = get_recipe(name)
    out = Path(out_dir)
    checkpoint, best = out / "checkpoint.pt", out / "best.pt"
    options = dict(options or {})
    recipe.check_options(options)
    if checkpoint.exists() and not resume:
        raise FileExistsError(
            f"{checkpoint} exists: pass --resume to continue that run, or choose another --out"
        )
    if resume and checkpoint.exists():
        meta = load_checkpoint(checkpoint, map_location="cpu").get("meta", {})
        if meta.get("recipe") != name:
            raise ValueError(f"{checkpoint} is a run of {meta.get('recipe')!r}, not of {name!r}")
        saved = _decode(meta.get("options", {}))
        if options and options != saved:
            raise ValueError(
                f"{checkpoint} was trained with options {saved}; resume without --set, "
                "or start a new run in another folder"
            )
        options, seed = saved, int(meta["seed"])
    steps = recipe.steps if steps is None else steps
    eval_every = recipe.eval_every if eval_every is None else eval_every
    if steps < 0 or eval_every < 1:
        raise ValueError(f"need steps >= 0 and eval_every >= 1, got {steps} and {eval_every}")

    trainer = recipe.build(seed=seed, device=device, **options)
    trainer.callbacks = evaluation_callbacks(recipe, trainer, eval_samples, trainer.device)
    trainer.meta = {"recipe": name, "seed": seed, "options": _encode(options), "train_seconds": 0.0}
    if resume and checkpoint.exists():
        trainer.load_checkpoint(checkpoint)
        log(f"resuming {name} from {checkpoint} at step {trainer.step:,}")
    out.mkdir(parents=True, exist_ok=True)
    trainer.meta.setdefault("best_score", math.inf)

    def sync() -> None:
        if trainer.device.type == "cuda":
            torch.cuda.synchronize(trainer.device)

    def measure() -> None:
        trainer.evaluate()
        trainer.history.append("train_seconds", trainer.step, trainer.meta["train_seconds"])
        _write_samples(recipe, trainer, out / "samples" / f"step_{trainer.step:07d}.png")
        value = run_score(recipe, trainer)
        metrics = ", ".join(
            f"{n} {trainer.history.last(n):.4g}"
            for n in trainer.history.names()
            if n not in ("d_loss", "g_loss", "train_seconds")
            and "grad_norm" not in n
            and trainer.history.steps(n)[-1] == trainer.step
        )
        if value < trainer.meta["best_score"]:
            trainer.meta["best_score"] = value
            trainer.meta["best_step"] = trainer.step
            trainer.save_checkpoint(best)
        log(f"step {trainer.step:,} | {trainer.meta['train_seconds'] / 60:.1f} min | {metrics}")
        _write_history(trainer, out / "history.json")

    def time_left() -> bool:
        return minutes is None or trainer.meta["train_seconds"] < 60 * minutes

    if trainer.step == 0 and steps > 0:
        measure()  # where it starts from
    last_save = time.monotonic()
    bar = tqdm(total=steps, initial=min(trainer.step, steps), desc=name, disable=not progress)
    with _StopRequest() as stop:
        while trainer.step < steps and time_left() and stop.signal is None:
            # chunks end on log steps, so every chunk ends with the loss check (one sync)
            log_every = trainer.config.log_every
            chunk = min(log_every - trainer.step % log_every, steps - trainer.step)
            chunk = min(chunk, eval_every - trainer.step % eval_every)
            started = time.perf_counter()
            trainer.train(chunk)
            sync()
            trainer.meta["train_seconds"] += time.perf_counter() - started
            bar.update(chunk)
            if trainer.step % eval_every == 0:
                measure()
            if time.monotonic() - last_save >= 60 * checkpoint_minutes:
                trainer.save_checkpoint(checkpoint)
                last_save = time.monotonic()
        bar.close()
        if trainer.step % eval_every != 0 and stop.signal is None:
            measure()  # the end point
        trainer.save_checkpoint(checkpoint)
        _write_history(trainer, out / "history.json")
        if stop.signal is not None:
            raise RunInterrupted(
                f"stopped by signal {stop.signal} at step {trainer.step:,}; checkpoint saved to "
                f"{checkpoint}. Continue with: gancourse train {name} --out {out} --resume"
            )
    log(
        f"done: step {trainer.step:,}, checkpoint {checkpoint}; best.pt is step "
        f"{trainer.meta.get('best_step', 0):,} (score {trainer.meta['best_score']:.4g})"
    )
    return trainer
