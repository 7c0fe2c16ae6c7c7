"""Fit and predict time of the shallow construction against scikit-learn peers.

    python benchmarks/bench_shallow.py           # N in {1e4, 1e5, 1e6}, M = 50, Q = 10
    python benchmarks/bench_shallow.py --quick   # N in {1e4, 1e5}

Side by side in one process on Gaussian-mixture data (orthonormal means, std 0.2):
ShallowBoundClassifier against NearestCentroid, LogisticRegression and
MLPClassifier(hidden_layer_sizes=(50,)) (the same width, 10 epochs: a lower bound on
its time), and ShallowBoundRegressor(output_layer="lstsq") against LinearRegression
on continuous targets.  Best of ``--repeat`` runs; read the ratios.
"""

import argparse
import time
import warnings

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LinearRegression, LogisticRegression
from sklearn.neighbors import NearestCentroid
from sklearn.neural_network import MLPClassifier

from sktrunc import ShallowBoundClassifier, ShallowBoundRegressor
from sktrunc.datasets import make_gaussian_mixture


def best_time(fn, repeat):
    best = np.inf
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def row(n, repeat):
    X, y = make_gaussian_mixture(n // 10, 50, 10, cluster_std=0.2, random_state=0)
    ours = ShallowBoundClassifier()
    t_fit = best_time(lambda: ours.fit(X, y), repeat)
    t_nc = best_time(lambda: NearestCentroid().fit(X, y), repeat)
    sub = slice(0, min(n, 100_000))
    t_lr = best_time(lambda: LogisticRegression().fit(X[sub], y[sub]), 1) * n / min(n, 100_000)
    mlp = MLPClassifier(hidden_layer_sizes=(50,), max_iter=10, random_state=0)
    t_mlp = best_time(lambda: mlp.fit(X[sub], y[sub]), 1) * n / min(n, 100_000)
    t_pred = best_time(lambda: ours.predict(X), repeat)
    t_mlp_pred = best_time(lambda: mlp.predict(X), repeat)
    target = X @ np.random.default_rng(0).normal(size=50)
    reg = ShallowBoundRegressor(output_layer="lstsq")
    t_reg = best_time(lambda: reg.fit(X, target), repeat)
    t_lin = best_time(lambda: LinearRegression().fit(X, target), repeat)
    return (f"{n:>8} | {t_fit:>8.4f} {t_fit / t_nc:>6.2f} {t_fit / t_lr:>6.3f} "
            f"{t_mlp / t_fit:>8.0f} | {t_pred / t_mlp_pred:>8.3f} | {t_reg:>8.4f} "
            f"{t_reg / t_lin:>6.2f} | cost = bound: {np.isclose(ours.training_cost_, ours.bound_)}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    warnings.simplefilter("ignore", ConvergenceWarning)
    print(f"{'N':>8} | {'fit [s]':>8} {'/NC':>6} {'/LR':>6} {'MLP/ours':>8} | "
          f"{'pred/MLP':>8} | {'reg [s]':>8} {'/LinR':>6} |")
    for n in ([10_000, 100_000] if args.quick else [10_000, 100_000, 1_000_000]):
        print(row(n, args.repeat), flush=True)
    print("\n/NC, /LR, /LinR, pred/MLP: our time over the peer's (lower is better); MLP/ours: "
          "MLPClassifier(50,) time for 10 epochs (extrapolated linearly above 1e5 points) "
          "over ours.")


if __name__ == "__main__":
    main()
