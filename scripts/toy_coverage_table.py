"""The mode-coverage table of notebook 03 at any size: the toy recipe on the ring and the
grid, several seeds, PacGAN's Table 1 columns (modes, high-quality %, reverse KL).

    python scripts/toy_coverage_table.py [--steps 10000] [--seeds 5] [--loss nonsaturating]
"""

from __future__ import annotations

import argparse
import math
import time

from gancourse.datasets import grid, ring
from gancourse.metrics import mode_coverage
from gancourse.recipes import toy_gan


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--steps", type=int, default=10_000)
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--loss", default="nonsaturating")
    parser.add_argument("--device", default=None)
    args = parser.parse_args()
    for name, dist in (("ring", ring()), ("grid", grid())):
        results = []
        for seed in range(args.seeds):
            start = time.perf_counter()
            trainer = toy_gan(dist, seed=seed, device=args.device, loss=args.loss)
            trainer.train(args.steps)
            results.append(mode_coverage(trainer.generate(2500, seed=0), dist))
            print(
                f"{name} seed {seed}: {results[-1]} ({args.steps / (time.perf_counter() - start):.0f} steps/s)"
            )
        finite = [r.reverse_kl for r in results if math.isfinite(r.reverse_kl)]
        print(
            f"{name}: {sum(r.modes_captured for r in results) / len(results):.1f} / {dist.n_modes} modes "
            f"({sum(r.modes_captured == dist.n_modes for r in results)} of {len(results)} seeds all), "
            f"{100 * sum(r.high_quality for r in results) / len(results):.1f} % high quality, "
            f"reverse KL {sum(finite) / max(len(finite), 1):.3f}"
        )


if __name__ == "__main__":
    main()
