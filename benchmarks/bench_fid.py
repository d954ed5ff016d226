"""Time FID on 10k x 10k features of 2,048 dimensions: the package's symmetric route
against torch-fidelity's (eigenvalues of the non-symmetric product) and the classic
scipy.linalg.sqrtm route, on the same statistics in the same run.

    python benchmarks/bench_fid.py [--n 10000] [--dim 2048] [--device cpu|cuda]

Needs the dev extra (torch-fidelity, which brings scipy).
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import scipy.linalg
import torch
from torch_fidelity.metric_fid import fid_statistics_to_metric

from gancourse.metrics import feature_statistics, fid_from_stats


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=10_000)
    parser.add_argument("--dim", type=int, default=2048)
    parser.add_argument("--device", default="cpu")
    args = parser.parse_args()
    g = torch.Generator().manual_seed(0)
    # Features with a realistic, non-trivial covariance (ReLU of mixed Gaussians).
    mixing = torch.randn(args.dim, args.dim, generator=g) / args.dim**0.5
    a = torch.relu(torch.randn(args.n, args.dim, generator=g) @ mixing).to(args.device)
    b = torch.relu(torch.randn(args.n, args.dim, generator=g) @ mixing + 0.05).to(args.device)

    def sync():
        if args.device.startswith("cuda"):
            torch.cuda.synchronize()

    sync()
    start = time.perf_counter()
    (mu1, s1), (mu2, s2) = feature_statistics(a), feature_statistics(b)
    sync()
    stats_s = time.perf_counter() - start

    start = time.perf_counter()
    ours = fid_from_stats(mu1, s1, mu2, s2)
    sync()
    ours_s = time.perf_counter() - start

    m1, c1, m2, c2 = (t.cpu().numpy() for t in (mu1, s1, mu2, s2))
    start = time.perf_counter()
    tf = fid_statistics_to_metric({"mu": m1, "sigma": c1}, {"mu": m2, "sigma": c2}, verbose=False)
    tf = tf["frechet_inception_distance"]
    tf_s = time.perf_counter() - start

    start = time.perf_counter()
    covmean = scipy.linalg.sqrtm(c1 @ c2)
    diff = m1 - m2
    sq = float(diff @ diff + np.trace(c1) + np.trace(c2) - 2 * np.trace(covmean.real))
    sq_s = time.perf_counter() - start

    print(
        f"{args.n} x {args.n} features of dimension {args.dim} on {args.device}; "
        f"statistics (mean, covariance, float64): {stats_s:.2f} s"
    )
    print(f"  gancourse symmetric eigh route : FID {ours:.6f} in {ours_s:.2f} s")
    print(f"  torch-fidelity eigvals route   : FID {tf:.6f} in {tf_s:.2f} s")
    print(f"  scipy.linalg.sqrtm route       : FID {sq:.6f} in {sq_s:.2f} s")


if __name__ == "__main__":
    main()
