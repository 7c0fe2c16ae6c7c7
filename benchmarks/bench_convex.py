"""ConvexReLU{Regressor,Classifier} against MLPRegressor/MLPClassifier, side by side.

    OPENBLAS_NUM_THREADS=1 python benchmarks/bench_convex.py           # 5-fold CV, 4 tables
    OPENBLAS_NUM_THREADS=1 python benchmarks/bench_convex.py --large   # plus N = 100 000 rows

Tables: diabetes, Friedman #1 (1000 rows), breast cancer, digits, and two
held out from the tuning: Friedman #3 (1000 rows, noise 0.1) and a
5,000 x 20 ``make_classification`` table (issue 16's 5,000-row table).
Each table row: 5-fold CV score (R² or accuracy, ``StandardScaler`` pipeline,
shuffled folds) of ours with its defaults, of the scikit-learn peer with its
defaults (``MLPRegressor()`` / ``MLPClassifier()``, ``random_state=0``) and, for
the regressors, of ``MLPRegressor(max_iter=1000)`` (``MLP1k``: the default
stops after 200 epochs on raw targets) and ``RidgeCV``; the mean fit time per fold of both, run one
after the other in this process, and ``t ratio`` = ours / MLP (issue 11 asks
<= 1, issue 16 <= 0.2); the largest certified relative optimality gap over the
folds, how many folds warned, and the peak memory of one fit of ours
(``tracemalloc``: Python and numpy allocations, not BLAS workspaces).

``--large`` fits both once on ``make_friedman1(100_000, n_features=20)`` (and a
classifier on 1e5 blobs) and prints time, peak memory and training score.
Run with ``OPENBLAS_NUM_THREADS=1``: a multi-threaded BLAS on a loaded machine
makes small products up to 100x slower and the ratios meaningless.
"""

import argparse
import time
import tracemalloc
import warnings

import numpy as np
from sklearn.base import clone
from sklearn.datasets import (
    load_breast_cancer,
    load_diabetes,
    load_digits,
    make_blobs,
    make_classification,
    make_friedman1,
    make_friedman3,
)
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import RidgeCV
from sklearn.model_selection import KFold, StratifiedKFold, cross_validate
from sklearn.neural_network import MLPClassifier, MLPRegressor
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sktrunc import ConvexReLUClassifier, ConvexReLURegressor


def cv_run(est, X, y, cv):
    """Mean CV score, mean fit time per fold, largest gap and warned folds (ours only)."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ConvergenceWarning)
        res = cross_validate(make_pipeline(StandardScaler(), est), X, y, cv=cv,
                             return_estimator=True)
    gaps = [getattr(p[-1], "optimality_gap_", np.nan) for p in res["estimator"]]
    warned = sum(issubclass(w.category, ConvergenceWarning) for w in caught)
    return res["test_score"].mean(), res["fit_time"].mean(), max(gaps), warned


def peak_mb(est, X, y):
    tracemalloc.start()
    clone(est).fit(StandardScaler().fit_transform(X), y)
    peak = tracemalloc.get_traced_memory()[1] / 2 ** 20
    tracemalloc.stop()
    return peak


def large_rows():
    Xf, yf = make_friedman1(n_samples=100_000, n_features=20, noise=1.0, random_state=0)
    Xb, yb = make_blobs(n_samples=100_000, n_features=20, centers=5, cluster_std=4.0,
                        random_state=0)
    for name, ours, peer, X_raw, y in [
            ("friedman1 1e5x20", ConvexReLURegressor(random_state=0),
             MLPRegressor(random_state=0), Xf, yf),
            ("blobs 1e5x20, 5", ConvexReLUClassifier(random_state=0),
             MLPClassifier(random_state=0), Xb, yb)]:
        X = StandardScaler().fit_transform(X_raw)
        start = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            peer.fit(X, y)
        t_p = time.perf_counter() - start
        start = time.perf_counter()
        ours.fit(X, y)
        t_o = time.perf_counter() - start
        mem = peak_mb(ours, X, y)
        print(f"{name:<17} ours {t_o:6.1f}s (train {ours.score(X, y):.3f}, gap "
              f"{ours.optimality_gap_:.1e}, {ours.n_iter_} steps, peak {mem:.0f} MB)  MLP "
              f"{t_p:6.1f}s (train {peer.score(X, y):.3f})  t ratio {t_o / t_p:.2f}",
              flush=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--large", action="store_true", help="also fit N = 1e5 rows")
    args = parser.parse_args()
    reg_cv = KFold(5, shuffle=True, random_state=0)
    clf_cv = StratifiedKFold(5, shuffle=True, random_state=0)
    tables = [
        ("diabetes", *load_diabetes(return_X_y=True), "reg"),
        ("friedman1", *make_friedman1(n_samples=1000, noise=1.0, random_state=0), "reg"),
        ("breast_cancer", *load_breast_cancer(return_X_y=True), "clf"),
        ("digits", *load_digits(return_X_y=True), "clf"),
        # held out: not looked at while the defaults were chosen
        ("friedman3", *make_friedman3(n_samples=1000, noise=0.1, random_state=0), "reg"),
        # the 5,000-row table of issue 16
        ("classif 5000", *make_classification(n_samples=5000, n_features=20, n_informative=10,
                                              random_state=0), "clf"),
    ]
    print(f"{'table':<14} {'ours':>7} {'MLP':>7} {'MLP1k':>7} {'ridge':>7} {'ours-MLP':>8} "
          f"{'t ours':>7} {'t MLP':>7} {'t ratio':>7} {'max gap':>8} {'warned':>6} "
          f"{'peak MB':>7}")
    for name, X, y, kind in tables:
        if kind == "reg":
            ours, peer, cv = (ConvexReLURegressor(random_state=0),
                              MLPRegressor(random_state=0), reg_cv)
            ridge = cv_run(RidgeCV(), X, y, cv)[0]
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", ConvergenceWarning)
                mlp1k = cv_run(MLPRegressor(random_state=0, max_iter=1000), X, y, cv)[0]
        else:
            ours, peer, cv = (ConvexReLUClassifier(random_state=0),
                              MLPClassifier(random_state=0), clf_cv)
            ridge = mlp1k = float("nan")
        s_o, t_o, gap, warned = cv_run(ours, X, y, cv)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            s_p, t_p, _, _ = cv_run(peer, X, y, cv)
        mem = peak_mb(ours, X, y)
        print(f"{name:<14} {s_o:>7.4f} {s_p:>7.4f} {mlp1k:>7.4f} {ridge:>7.4f} {s_o - s_p:>+8.4f} "
              f"{t_o:>6.3f}s {t_p:>6.3f}s {t_o / t_p:>7.2f} {gap:>8.1e} {warned:>6d} "
              f"{mem:>7.1f}", flush=True)
    if args.large:
        large_rows()


if __name__ == "__main__":
    main()
