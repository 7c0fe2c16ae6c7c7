"""Speed of the landscape tools, against the obvious alternatives, side by side.

    python benchmarks/bench_landscape.py           # all measurements
    python benchmarks/bench_landscape.py --quick   # smaller grids

* rank of one Jacobian: eigenvalues of ``J Jᵀ`` (Hadamard of Gram matrices)
  against ``np.linalg.matrix_rank`` (an SVD) of ``J``, n = 100, d0 = 2, d1 = 100;
* the Fig 2 grid (3 panels x 100 cells x 100 trials; target < 60 s on 2 cores);
* a 12-cell x 50-region Fig 6/7 grid (target < 2 minutes);
* parallel efficiency of 2 workers on QP-sized tasks (target >= 1.6).
"""

import argparse
import time

import numpy as np

from sktrunc.landscape import (
    activation_pattern,
    full_rank_fraction,
    global_minimum_fraction,
    jacobian_rank,
    region_jacobian,
)


def timed(fn):
    start = time.perf_counter()
    out = fn()
    return time.perf_counter() - start, out


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    X = rng.normal(size=(100, 2))
    W, b = rng.uniform(-1.7, 1.7, (2, 100)), rng.uniform(-1.7, 1.7, 100)
    A, v = activation_pattern(X, W, b), np.where(np.arange(100) % 2, -1.0, 1.0)
    reps = 200
    t_eig, _ = timed(lambda: [jacobian_rank(X, A, v) for _ in range(reps)])
    t_svd, _ = timed(lambda: [np.linalg.matrix_rank(region_jacobian(X, A, v))
                              for _ in range(reps)])
    print(f"rank of one Jacobian (n=100, d0=2, d1=100): eig(J Jᵀ) {1e3 * t_eig / reps:.3f} ms, "
          f"SVD {1e3 * t_svd / reps:.3f} ms, speed-up {t_svd / t_eig:.2f}x")

    n_grid = np.linspace(5, 100, 10 if args.quick else 10).astype(int)
    w_grid = np.linspace(10, 400, 10).astype(int)
    trials = 20 if args.quick else 100
    t_fig2, _ = timed(lambda: [full_rank_fraction(n_grid, w_grid, n_features=d0,
                                                  n_trials=trials, random_state=0, n_jobs=2)
                               for d0 in (1, 2, 5)])
    print(f"Fig 2 grid: 3 panels x {len(n_grid) * len(w_grid)} cells x {trials} trials on 2 "
          f"workers: {t_fig2:.1f} s (target < 60 s)")

    regions = 10 if args.quick else 50
    t_fig6, _ = timed(lambda: global_minimum_fraction([10, 20, 40], [10, 20, 40, 80],
                                                      n_trials=regions, random_state=0, n_jobs=2))
    print(f"Fig 6/7 grid: 12 cells x {regions} regions on 2 workers: {t_fig6:.1f} s "
          f"(target < 120 s)")

    cells = ([20, 40], [40, 80])
    t1, _ = timed(lambda: global_minimum_fraction(*cells, n_trials=regions // 2 or 5,
                                                  random_state=1, n_jobs=1))
    t2, _ = timed(lambda: global_minimum_fraction(*cells, n_trials=regions // 2 or 5,
                                                  random_state=1, n_jobs=2))
    print(f"parallel efficiency on QP tasks: 1 worker {t1:.1f} s, 2 workers {t2:.1f} s, "
          f"speed-up {t1 / t2:.2f}x (target >= 1.6)")


if __name__ == "__main__":
    main()
