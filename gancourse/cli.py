"""The ``gancourse`` command.

    gancourse --version
    gancourse data [--root DIR] [--download]
    gancourse course [--only NN …] [--profile fast|full] [--out DIR] [--in-place]
    gancourse train RECIPE [--steps N] [--minutes M] [--out DIR] [--resume] [--set KEY=VALUE …]
    gancourse train --list
    gancourse evaluate CHECKPOINT [--n N] [--inception] [--no-ema]
    gancourse train-classifier [--epochs N] [--seed S] [--out FILE]
    gancourse assignments build [--only NN …] [--out DIR] [--publish DIR]
    gancourse assignments grade SUBMISSIONS [--autograder DIR] [--out FILE] [--timeout S]

Exit status: 0 on success, 1 when the data is missing/corrupt, a notebook failed or a training
run diverged, 2 for a usage error, 130 when a training run was interrupted (and saved).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from . import __version__

__all__ = ["main"]


def _cmd_data(args: argparse.Namespace) -> int:
    from .datasets.fashion import (
        DatasetCorruptError,
        DatasetNotFoundError,
        check_fashion_mnist,
        fashion_mnist,
    )

    try:
        if args.download:
            fashion_mnist("test", root=args.root, download=True)
        where, checks = check_fashion_mnist(args.root)
    except (DatasetNotFoundError, DatasetCorruptError) as err:
        print(err, file=sys.stderr)
        return 1
    print(f"Fashion-MNIST found in {where}: {checks[0].path.parent}")
    for check in checks:
        verdict = "OK" if check.ok else f"CORRUPT (published MD5 {check.expected_md5})"
        print(f"  {check.path.name:28s} content MD5 {check.md5}  {verdict}")
    if not all(c.ok for c in checks):
        print(
            "Delete the corrupt file(s) and get them again (see data/README.md).", file=sys.stderr
        )
        return 1
    print("checksums OK")
    return 0


def _cmd_course(args: argparse.Namespace) -> int:
    from .course import run_course

    try:
        results = run_course(
            notebooks_dir=args.notebooks,
            out_dir=args.out,
            only=args.only,
            profile=args.profile,
            timeout=args.timeout,
            in_place=args.in_place,
        )
    except (FileNotFoundError, ValueError) as err:
        print(f"gancourse course: {err}", file=sys.stderr)
        return 2
    except ImportError as err:
        print(
            f"gancourse course needs nbclient, nbconvert and ipykernel ({err}); "
            "install them with: pip install 'gancourse[course]'",
            file=sys.stderr,
        )
        return 2
    failed = [r.name for r in results if not r.passed]
    if failed:
        print(
            f"{len(failed)} of {len(results)} notebook(s) failed: {', '.join(failed)}",
            file=sys.stderr,
        )
        return 1
    print(f"all {len(results)} notebook(s) passed")
    return 0


def _parse_settings(pairs: list[str]) -> dict:
    """``["width=32", "loss=hinge", "betas=(0.0, 0.9)"]`` → a dict; values are Python literals,
    anything else is kept as a string."""
    import ast

    options = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise ValueError(f"--set takes KEY=VALUE, got {pair!r}")
        try:
            options[key] = ast.literal_eval(value)
        except (ValueError, SyntaxError):
            options[key] = value
    return options


def _check_device_option(name: str | None) -> None:
    if name is not None:
        from .config import checked_device

        checked_device(name, f"--device {name!r}")


def _cmd_train(args: argparse.Namespace) -> int:
    from .recipes import RECIPES

    if args.list or args.recipe is None:
        for recipe in RECIPES.values():
            print(f"{recipe.name:24s} {recipe.summary}")
        return 0 if args.list else 2
    from .datasets.fashion import DatasetCorruptError, DatasetNotFoundError
    from .runs import RunInterrupted, train_recipe
    from .train import TrainingDiverged

    try:
        _check_device_option(args.device)
        train_recipe(
            args.recipe,
            args.out if args.out is not None else Path("runs") / args.recipe,
            steps=args.steps,
            minutes=args.minutes,
            resume=args.resume,
            seed=args.seed,
            device=args.device,
            options=_parse_settings(args.set or []),
            eval_every=args.eval_every,
            eval_samples=args.eval_samples,
            checkpoint_minutes=args.checkpoint_minutes,
            progress=not args.no_progress,
        )
    except (DatasetNotFoundError, DatasetCorruptError, TrainingDiverged) as err:
        print(f"gancourse train: {err}", file=sys.stderr)
        return 1
    except (ValueError, FileExistsError) as err:
        print(f"gancourse train: {err}", file=sys.stderr)
        return 2
    except RunInterrupted as err:
        print(f"gancourse train: {err}", file=sys.stderr)
        return 130
    return 0


def _cmd_evaluate(args: argparse.Namespace) -> int:
    from .runs import build_from_checkpoint

    if not args.checkpoint.is_file():
        print(f"gancourse evaluate: no checkpoint at {args.checkpoint}", file=sys.stderr)
        return 2
    from .datasets.fashion import DatasetCorruptError, DatasetNotFoundError

    try:
        _check_device_option(args.device)
        if args.n < 2:
            raise ValueError(f"--n must be at least 2 samples, got {args.n}")
        recipe, trainer = build_from_checkpoint(args.checkpoint, device=args.device)
    except (DatasetNotFoundError, DatasetCorruptError) as err:
        print(f"gancourse evaluate: {err}", file=sys.stderr)
        return 1
    except ValueError as err:
        print(f"gancourse evaluate: {err}", file=sys.stderr)
        return 2
    ema = False if args.no_ema else None
    which = "EMA generator" if (trainer.G_ema is not None and ema is None) else "generator"
    print(f"{recipe.name}, step {trainer.step:,}, {which}, {args.n:,} samples (seed {args.seed})")
    try:
        lines = recipe.task.report(trainer, args.n, ema, args.seed, inception=args.inception)
    except (DatasetNotFoundError, DatasetCorruptError) as err:
        print(f"gancourse evaluate: {err}", file=sys.stderr)
        return 1
    except (ImportError, FileNotFoundError, ValueError) as err:
        print(f"gancourse evaluate: {err}", file=sys.stderr)
        return 2
    print("\n".join(lines))
    return 0


def _cmd_train_classifier(args: argparse.Namespace) -> int:
    from .config import device
    from .metrics.fashionnet import WEIGHTS, train_fashionnet

    out = args.out if args.out is not None else WEIGHTS
    _, acc = train_fashionnet(
        epochs=args.epochs, seed=args.seed, device=args.device or device(), out=out
    )
    print(f"FashionNet test accuracy {acc:.4f} (seed {args.seed}, {args.epochs} epochs) -> {out}")
    if acc < 0.92:
        print("below the 0.92 the course requires of its feature network", file=sys.stderr)
        return 1
    return 0


def _cmd_assignments(args: argparse.Namespace) -> int:
    from . import assignments

    try:
        if args.action == "build":
            written = assignments.build(args.out, only=args.only, source=args.notebooks)
            for student in written:
                print(f"{student}  (+ {student.parent.parent / 'autograder'})")
            print(f"{len(written)} student notebooks and autograder bundles in {args.out}")
            if args.publish:
                copied = assignments.publish_students(args.out, args.publish)
                print(f"student notebooks copied to {args.publish}/ ({len(copied)} folders)")
            return 0
        rows = assignments.grade(args.submissions, args.autograder, args.out, timeout=args.timeout)
    except (ValueError, RuntimeError, FileNotFoundError) as err:
        print(f"gancourse assignments {args.action}: {err}", file=sys.stderr)
        return 2
    totals: dict[str, list[float]] = {}
    for row in rows:
        total = totals.setdefault(row.submission, [0.0, 0.0])
        total[0] += row.points
        total[1] += row.possible
    for submission, (points, possible) in totals.items():
        print(f"{submission}: {points:g} / {possible:g}")
    print(f"grades of {len(totals)} submissions in {args.out}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="gancourse", description="The GAN course: data, notebooks, training and evaluation."
    )
    parser.add_argument("--version", action="version", version=f"gancourse {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    data = sub.add_parser("data", help="where Fashion-MNIST was found and whether it is intact")
    data.add_argument("--root", type=Path, help="look only in this folder")
    data.add_argument(
        "--download", action="store_true", help="download with torchvision if missing"
    )
    data.set_defaults(func=_cmd_data)

    course = sub.add_parser("course", help="execute the notebooks into HTML with an index page")
    course.add_argument(
        "--only", nargs="+", metavar="NN", help="notebooks whose names start with these"
    )
    course.add_argument(
        "--profile", choices=["fast", "full"], help="default: full with a GPU, else fast"
    )
    course.add_argument("--out", type=Path, default=Path("build/course"), help="output folder")
    course.add_argument("--notebooks", type=Path, help="folder of notebooks (default: the repo's)")
    course.add_argument("--timeout", type=int, default=1800, help="seconds allowed per cell")
    course.add_argument(
        "--in-place", action="store_true", help="also write passing notebooks back with outputs"
    )
    course.set_defaults(func=_cmd_course)

    train = sub.add_parser(
        "train", help="train a named recipe with checkpoints, samples, FID and resume"
    )
    train.add_argument("recipe", nargs="?", help="a recipe name (see --list)")
    train.add_argument("--list", action="store_true", help="list the recipes and exit")
    train.add_argument("--steps", type=int, help="generator steps in all (default: the recipe's)")
    train.add_argument("--minutes", type=float, help="stop after this much training time")
    train.add_argument("--out", type=Path, help="run folder (default: runs/RECIPE)")
    train.add_argument("--resume", action="store_true", help="continue the run in --out")
    train.add_argument("--seed", type=int, default=0)
    train.add_argument("--device", help="default: gancourse.device()")
    train.add_argument(
        "--set",
        nargs="+",
        action="extend",
        metavar="KEY=VALUE",
        help="override recipe options, e.g. width=32 (repeatable)",
    )
    train.add_argument("--eval-every", type=int, help="steps between evaluations")
    train.add_argument(
        "--eval-samples", type=int, default=10_000, help="generated samples per FID (default 10k)"
    )
    train.add_argument(
        "--checkpoint-minutes", type=float, default=5.0, help="minutes between checkpoints"
    )
    train.add_argument("--no-progress", action="store_true", help="no progress bar")
    train.set_defaults(func=_cmd_train)

    ev = sub.add_parser("evaluate", help="FID/KID/IS of a `gancourse train` checkpoint")
    ev.add_argument("checkpoint", type=Path)
    ev.add_argument("--n", type=int, default=10_000, help="samples (default 10k vs 10k test)")
    ev.add_argument("--inception", action="store_true", help="also Inception features (extra)")
    ev.add_argument("--no-ema", action="store_true", help="the raw generator, not its EMA")
    ev.add_argument("--seed", type=int, default=0, help="noise seed of the samples")
    ev.add_argument("--device", help="default: gancourse.device()")
    ev.set_defaults(func=_cmd_evaluate)

    clf = sub.add_parser(
        "train-classifier", help="train FashionNet, the feature network of the image metrics"
    )
    clf.add_argument("--epochs", type=int, default=12)
    clf.add_argument("--seed", type=int, default=0)
    clf.add_argument("--device", help="default: gancourse.device()")
    clf.add_argument("--out", type=Path, help="default: the weights file shipped in the package")
    clf.set_defaults(func=_cmd_train_classifier)

    assign = sub.add_parser(
        "assignments", help="student notebooks and autograder bundles; grade submissions"
    )
    actions = assign.add_subparsers(dest="action", metavar="ACTION", required=True)
    build = actions.add_parser("build", help="write student notebooks and autograder bundles")
    build.add_argument("--only", nargs="+", metavar="NN", help="only these notebook numbers")
    build.add_argument("--out", type=Path, default=Path("build/assignments"), help="output folder")
    build.add_argument("--notebooks", type=Path, help="solution notebooks (default: the repo's)")
    build.add_argument(
        "--publish",
        type=Path,
        metavar="DIR",
        help="also copy the student versions to DIR/NN_topic/",
    )
    grade = actions.add_parser("grade", help="grade a folder of submitted notebooks into a CSV")
    grade.add_argument(
        "submissions", type=Path, help="folder of submitted .ipynb (searched deeply)"
    )
    grade.add_argument(
        "--autograder", type=Path, default=Path("build/assignments"), help="what `build` wrote"
    )
    grade.add_argument("--out", type=Path, default=Path("grades.csv"), help="the CSV to write")
    grade.add_argument(
        "--timeout", type=float, default=900.0, help="seconds allowed per submission"
    )
    assign.set_defaults(func=_cmd_assignments)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not hasattr(args, "func"):
        parser.print_help()
        return 2
    return args.func(args)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
