"""Steps per second of the toy training loop, two-step alternating vs the merged one-step update.

python benchmarks/bench_toy_loop.py [--steps 2000] [--repeats 2] [--device cpu]
"""

from __future__ import annotations

import argparse
import time

import torch

from gancourse.datasets import ring
from gancourse.recipes import toy_gan


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--steps", type=int, default=2000)
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--device", default="cpu")
    args = parser.parse_args()
    rates: dict[str, list[float]] = {"two-step": [], "merged": []}
    for _ in range(args.repeats):
        for merged in (False, True):
            trainer = toy_gan(ring(), seed=0, device=args.device, merged=merged)
            trainer.train(50)  # warm-up
            if args.device.startswith("cuda"):
                torch.cuda.synchronize()
            start = time.perf_counter()
            trainer.train(args.steps)
            if args.device.startswith("cuda"):
                torch.cuda.synchronize()
            rates["merged" if merged else "two-step"].append(
                args.steps / (time.perf_counter() - start)
            )
    print(
        f"device {args.device}, torch threads {torch.get_num_threads()}, {args.steps} steps per timing"
    )
    for name, values in rates.items():
        print(f"  {name:8s}: {', '.join(f'{v:.0f}' for v in values)} steps/s")


if __name__ == "__main__":
    main()
