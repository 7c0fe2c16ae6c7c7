"""ConvexReLU{Regressor,Classifier} against MLPRegressor/MLPClassifier, side by side.

    python benchmarks/bench_convex.py            # 5-fold CV on the small tables
    python benchmarks/bench_convex.py --large    # plus one fit on N = 100 000 rows

Each row: 5-fold CV score (R² or accuracy, StandardScaler pipeline) and fit time
of ours and of the scikit-learn peer with default settings, the ratios, and the
peak memory of our fits (tracemalloc).
"""

import argparse
import time
import tracemalloc
import warnings

from sklearn.datasets import (
    load_breast_cancer,
    load_diabetes,
    load_digits,
    make_friedman1,
)
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import RidgeCV
from sklearn.model_selection import KFold, StratifiedKFold, cross_val_score
from sklearn.neural_network import MLPClassifier, MLPRegressor
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sktrunc._convex import ConvexReLUClassifier, ConvexReLURegressor


def cv_score(est, X, y, cv, memory=False):
    if memory:
        tracemalloc.start()
    start = time.perf_counter()
    score = cross_val_score(make_pipeline(StandardScaler(), est), X, y, cv=cv).mean()
    seconds = time.perf_counter() - start
    peak = tracemalloc.get_traced_memory()[1] / 2 ** 20 if memory else float("nan")
    if memory:
        tracemalloc.stop()
    return score, seconds, peak


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--large", action="store_true", help="also fit N = 1e5 rows")
    args = parser.parse_args()
    warnings.simplefilter("ignore", ConvergenceWarning)
    reg_cv = KFold(5, shuffle=True, random_state=0)
    clf_cv = StratifiedKFold(5, shuffle=True, random_state=0)
    tables = [
        ("diabetes", *load_diabetes(return_X_y=True), "reg"),
        ("friedman1", *make_friedman1(n_samples=1000, noise=1.0, random_state=0), "reg"),
        ("breast_cancer", *load_breast_cancer(return_X_y=True), "clf"),
        ("digits", *load_digits(return_X_y=True), "clf"),
    ]
    print(f"{'table':<14} {'ours':>7} {'peer':>7} {'ridge':>7} {'score-peer':>10} "
          f"{'t ours':>7} {'t peer':>7} {'t ratio':>7} {'peak MB':>8}")
    for name, X, y, kind in tables:
        if kind == "reg":
            ours, peer, cv = ConvexReLURegressor(random_state=0), MLPRegressor(
                random_state=0, max_iter=1000), reg_cv
            ridge = cv_score(RidgeCV(), X, y, cv)[0]
        else:
            ours, peer, cv = ConvexReLUClassifier(random_state=0), MLPClassifier(
                random_state=0, max_iter=1000), clf_cv
            ridge = float("nan")
        s_o, t_o, mem = cv_score(ours, X, y, cv, memory=True)
        s_p, t_p, _ = cv_score(peer, X, y, cv)
        print(f"{name:<14} {s_o:>7.4f} {s_p:>7.4f} {ridge:>7.4f} {s_o - s_p:>+10.4f} "
              f"{t_o:>6.1f}s {t_p:>6.1f}s {t_o / t_p:>7.2f} {mem:>8.1f}", flush=True)
    if args.large:
        X, y = make_friedman1(n_samples=100_000, noise=1.0, random_state=0)
        start = time.perf_counter()
        mlp = MLPRegressor(random_state=0, max_iter=200).fit(X, y)
        t_p = time.perf_counter() - start
        print(f"N=100000 friedman1: MLPRegressor {t_p:.1f}s (train R² {mlp.score(X, y):.3f})")
        # the defaults, and a budget that fits in a minute
        for params in ({}, {"n_patterns": 50, "max_iter": 300}):
            tracemalloc.start()
            start = time.perf_counter()
            reg = ConvexReLURegressor(random_state=0, **params).fit(X, y)
            t_o = time.perf_counter() - start
            peak = tracemalloc.get_traced_memory()[1] / 2 ** 20
            tracemalloc.stop()
            print(f"  ours {params or 'defaults'}: {t_o:.1f}s (train R² {reg.score(X, y):.3f}, "
                  f"gap {reg.optimality_gap_:.1e}, peak {peak:.0f} MB): time ratio "
                  f"{t_o / t_p:.2f}", flush=True)

if __name__ == "__main__":
    main()
