"""Fit time of the shallow construction against gradient descent and LinearRegression.

    python benchmarks/bench_shallow.py           # Section 4 data, then N in {1e3, 1e4}
    python benchmarks/bench_shallow.py --quick   # Section 4 data only

Side by side in one process:

* ShallowBoundClassifier(output_layer="constructive") (the paper's network) against
  MLPRegressor on the same data and one-hot targets,
  the same ``M -> M -> Q`` ReLU architecture, trained until its plateau (full-batch
  SGD, learning rate 0.05, momentum 0.9, at most 1000 epochs, stopped after 30
  epochs without improvement, as in Section 4), with the training cost each reaches;
* ShallowBoundRegressor() (ridge output with hinge units) against LinearRegression on
  continuous targets (cross-validated accuracy: benchmarks/bench_regression.py).

Best of ``--repeat`` runs; read the ratios, not the seconds.
"""

import argparse
import time
import warnings

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LinearRegression
from sklearn.neural_network import MLPRegressor

from sktrunc import ShallowBoundClassifier, ShallowBoundRegressor
from sktrunc.datasets import make_gaussian_mixture


def best_time(fn, repeat):
    best, result = np.inf, None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - start)
    return best, result


def rms(pred, Y):
    return float(np.sqrt(np.sum((pred - Y) ** 2) / len(Y)))


def row(per_class, n_features, n_classes, repeat):
    X, y = make_gaussian_mixture(per_class, n_features, n_classes, cluster_std=0.2,
                                 random_state=0)
    Y = np.eye(n_classes)[y]
    t_ours, ours = best_time(
        lambda: ShallowBoundClassifier(output_layer="constructive").fit(X, y), repeat)
    mlp = MLPRegressor(hidden_layer_sizes=(n_features,), solver="sgd", learning_rate_init=0.05,
                       momentum=0.9, nesterovs_momentum=False, batch_size=len(X), max_iter=1000,
                       n_iter_no_change=30, tol=0.0, alpha=0.0, random_state=0)
    t_mlp, _ = best_time(lambda: mlp.fit(X, Y), 1)
    target = X @ np.random.default_rng(0).normal(size=n_features)
    t_reg, _ = best_time(lambda: ShallowBoundRegressor().fit(X, target), repeat)
    t_lin, _ = best_time(lambda: LinearRegression().fit(X, target), repeat)
    return (f"{len(X):>7} {n_features:>3} {n_classes:>3} | {t_ours:>9.5f} {t_mlp:>8.3f} "
            f"{t_mlp / t_ours:>8.0f} | {ours.training_rms_:>7.3f} {rms(mlp.predict(X), Y):>7.3f} "
            f"{mlp.n_iter_:>6} | {t_reg / t_lin:>6.2f}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    warnings.simplefilter("ignore", ConvergenceWarning)
    print(f"{'N':>7} {'M':>3} {'Q':>3} | {'ours [s]':>9} {'GD [s]':>8} {'GD/ours':>8} | "
          f"{'cost':>7} {'GD cost':>7} {'epochs':>6} | {'reg/LinR':>6}")
    configs = [(10, 4, q) for q in (2, 3, 4)]
    if not args.quick:
        configs += [(100, 50, 10), (1000, 50, 10)]
    for per_class, m, q in configs:
        print(row(per_class, m, q, args.repeat), flush=True)
    print("\nGD/ours: MLPRegressor's time to its plateau over our construction time (higher "
          "is better); cost: sqrt(mean |f(x) - y|²) on the training data (ours equals the "
          "centred bound (3.15)); reg/LinR: ShallowBoundRegressor() fit over LinearRegression "
          "fit.")


if __name__ == "__main__":
    main()
