"""The mode-coverage table of notebook 03 at any size: the toy recipe on the ring and the
grid, several seeds trained as one batched model, with the chance rows (a moment-matched
Gaussian and a uniform box) and the count of modes captured above chance.

    python scripts/toy_coverage_table.py [--steps 10000] [--seeds 5] [--loss nonsaturating]
"""

from __future__ import annotations

import argparse
import time

from gancourse.batched import toy_gan_batch
from gancourse.datasets import grid, ring
from gancourse.metrics import chance_coverage, coverage_table, mode_coverage


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--steps", type=int, default=10_000)
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--loss", default="nonsaturating")
    parser.add_argument("--device", default=None)
    args = parser.parse_args()
    for name, dist in (("ring", ring()), ("grid", grid())):
        chance = chance_coverage(dist)
        start = time.perf_counter()
        batch = toy_gan_batch(dist, range(args.seeds), device=args.device, loss=args.loss)
        batch.train(args.steps)
        results = [
            mode_coverage(batch.generate(m, 2500, seed=0), dist, chance=chance)
            for m in range(len(batch))
        ]
        seconds = time.perf_counter() - start
        print(f"\n{name}: {args.seeds} seeds x {args.steps} steps in {seconds:.0f} s")
        print(coverage_table({f"{args.loss}": results}, chance))


if __name__ == "__main__":
    main()
