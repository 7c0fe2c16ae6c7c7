"""Fit and predict time of ClusteredTruncationClassifier against scikit-learn peers.

Every estimator runs side by side in the same process on the same data (the
machines are shared and noisy: read the ratios, not the seconds).  Each timing
is the best of ``--repeat`` runs.

    python benchmarks/bench_clustered.py          # N in {1e4,1e5,1e6}, M in {10,50}, Q in {3,10}
    python benchmarks/bench_clustered.py --quick  # N in {1e4, 1e5}

Targets from the issue: fit <= 1.5x NearestCentroid.fit, >= 50x faster than
MLPClassifier.fit, predict <= 0.5x MLPClassifier(hidden_layer_sizes=(100,)).predict.

A second table (issue #16) fits the default estimator and ``MLPClassifier()`` side by
side on digits, breast cancer (both standardised), a 5,000 x 17 ``make_classification``
table and 1e5 blobs (20 features, 10 centers): MLPClassifier's time / ours (target >= 5,
best of 3 for ours, of 2 for MLP; one MLP fit at 1e5), peak traced memory of each fit,
and what ``n_prototypes="auto"`` chose.

    python benchmarks/bench_clustered.py --mlp-only   # only the second table

MLPClassifier's fit time is estimated as (epochs its default settings take to
converge on 1e4 of the points) x (time of one epoch on min(N, 1e5) points) x
N / min(N, 1e5); LogisticRegression.fit runs on min(N, 1e5) points, scaled the
same way.  Both extrapolations are linear in N, a lower bound for these solvers.
"""

import argparse
import time
import tracemalloc
import warnings
from functools import partial

import numpy as np
from sklearn.datasets import load_breast_cancer, load_digits, make_blobs, make_classification
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.neighbors import NearestCentroid
from sklearn.neural_network import MLPClassifier
from sklearn.preprocessing import StandardScaler

from sktrunc import ClusteredTruncationClassifier
from sktrunc.datasets import make_clustered


def best_time(fn, repeat):
    best = np.inf
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def run_config(n, m, q, args):
    X, y = make_clustered(n_samples=n, n_features=m, n_classes=q, clustering_ratio=0.2,
                          random_state=0)
    ours = ClusteredTruncationClassifier()
    t_fit = best_time(lambda: ours.fit(X, y), args.repeat)
    tracemalloc.start()
    ours.fit(X, y)
    peak = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    t_nc = best_time(lambda: NearestCentroid().fit(X, y), args.repeat)
    # the gradient-based peers run on at most 1e5 points, extrapolated linearly (a lower
    # bound: lbfgs and Adam epochs cost at least linear time in N)
    sub = slice(0, min(n, 100_000))
    factor = n / min(n, 100_000)
    t_lr = best_time(lambda: LogisticRegression().fit(X[sub], y[sub]), 1) * factor
    small = slice(0, min(n, 10_000))
    epochs = MLPClassifier(random_state=0).fit(X[small], y[small]).n_iter_
    mlp = MLPClassifier(max_iter=2, random_state=0)
    t_mlp = best_time(lambda: mlp.fit(X[sub], y[sub]), 1) / 2 * epochs * factor
    t_pred = best_time(lambda: ours.predict(X), args.repeat)
    t_mlp_pred = best_time(lambda: mlp.predict(X), args.repeat)
    return (f"{n:>8} {m:>3} {q:>3} | {t_fit:>8.4f} {t_fit / t_nc:>6.2f} "
            f"{t_fit / t_lr:>6.3f} {t_mlp / t_fit:>9.0f} | {t_pred:>8.4f} "
            f"{t_pred / t_mlp_pred:>8.3f} | {str(ours.training_cost_ < 1e-18):>9} "
            f"{peak:>8.0f} {epochs:>10}")


def peak_mb(fn):
    tracemalloc.start()
    fn()
    peak = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    return peak


def mlp_tables():
    X, y = load_digits(return_X_y=True)
    yield "digits", StandardScaler().fit_transform(X), y
    X, y = load_breast_cancer(return_X_y=True)
    yield "breast cancer", StandardScaler().fit_transform(X), y
    yield "table 5000x17", *make_classification(5000, 17, n_informative=8, flip_y=0.05,
                                                random_state=0)
    yield "blobs 1e5x20", *make_blobs(100_000, n_features=20, centers=10, random_state=0)


def mlp_ratios(args):
    print(f"{'data':>14} | {'ours [s]':>8} {'MLP [s]':>8} {'MLP/ours':>8} | {'peak MB':>7} "
          f"{'MLP MB':>7} | chosen")
    for name, X, y in mlp_tables():
        ours = ClusteredTruncationClassifier()
        mlp = MLPClassifier(random_state=0)
        t_ours = best_time(partial(ours.fit, X, y), args.repeat)
        t_mlp = best_time(partial(mlp.fit, X, y), 1 if len(X) > 10_000 else 2)
        p_ours = peak_mb(partial(ClusteredTruncationClassifier().fit, X, y))
        p_mlp = peak_mb(partial(MLPClassifier(random_state=0, max_iter=5).fit, X, y))
        chosen = ("none collapsed" if not ours.collapsed_.any()
                  else f"{ours.n_prototypes_.max()} prototypes/class")
        print(f"{name:>14} | {t_ours:>8.3f} {t_mlp:>8.3f} {t_mlp / t_ours:>8.1f} | "
              f"{p_ours:>7.1f} {p_mlp:>7.1f} | {chosen}, output {ours.output_layer_}",
              flush=True)
    print("(MLP MB: peak of a 5-epoch MLPClassifier fit.)\n")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="skip N = 1e6")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--mlp-only", action="store_true", help="only the MLP table")
    args = parser.parse_args()
    with warnings.catch_warnings():
        # AssumptionWarning on real tables: the warnings are not what is measured here
        warnings.simplefilter("ignore")
        mlp_ratios(args)
    if args.mlp_only:
        return
    warnings.simplefilter("ignore", ConvergenceWarning)
    sizes = [10_000, 100_000] if args.quick else [10_000, 100_000, 1_000_000]
    warnings.simplefilter("ignore", ConvergenceWarning)

    print(f"{'N':>8} {'M':>3} {'Q':>3} | {'fit [s]':>8} {'/NC':>6} {'/LR':>6} "
          f"{'MLP/ours':>9} | {'pred [s]':>8} {'/MLP100':>8} | {'zero loss':>9} "
          f"{'peak MB':>8} {'MLP epochs':>10}")
    for n in sizes:
        for m in (10, 50):
            for q in (3, 10):
                print(run_config(n, m, q, args), flush=True)
    print("\n/NC, /LR, /MLP100: our time divided by the peer's (lower is better); MLP/ours: "
          "MLPClassifier's estimated fit time (see the module docstring) divided by ours (higher "
          "is better). peak MB: peak Python "
          "allocations during our fit (X itself excluded).")


if __name__ == "__main__":
    main()
