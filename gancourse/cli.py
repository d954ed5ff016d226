"""The ``gancourse`` command.

    gancourse --version
    gancourse data [--root DIR] [--download]
    gancourse course [--only NN …] [--profile fast|full] [--out DIR] [--in-place]
    gancourse train-classifier [--epochs N] [--seed S] [--out FILE]

Exit status: 0 on success, 1 when the data is missing/corrupt or a notebook failed,
2 for a usage error.
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


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="gancourse", description="The GAN course: data, notebooks and (later) training."
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

    clf = sub.add_parser(
        "train-classifier", help="train FashionNet, the feature network of the image metrics"
    )
    clf.add_argument("--epochs", type=int, default=12)
    clf.add_argument("--seed", type=int, default=0)
    clf.add_argument("--device", help="default: gancourse.device()")
    clf.add_argument("--out", type=Path, help="default: the weights file shipped in the package")
    clf.set_defaults(func=_cmd_train_classifier)
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
