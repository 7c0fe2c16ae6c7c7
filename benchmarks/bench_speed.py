"""Fit and predict time of every constructed estimator, with its defaults, against the MLP.

    OPENBLAS_NUM_THREADS=1 python benchmarks/bench_speed.py            # all rows
    OPENBLAS_NUM_THREADS=1 python benchmarks/bench_speed.py --quick    # no N >= 1e5 rows

Issue 16: every constructed classifier and regressor, with its default
parameters, should fit at least 5x faster than ``MLPClassifier()`` /
``MLPRegressor()`` on the same data (digits, breast cancer, a 5,000-row
non-separable table, N = 1e5 blobs; a 100 x 10,000 table with more features than
rows is measured too), and predict in at most 0.5x the time of
``MLPClassifier(100,)``.  Both sides run in this process, one after the other;
``fit ratio`` is MLP time / ours (>= 5 is the target), ``predict ratio`` is
ours / MLP (<= 0.5 is the target).  Fit times are the best of up to
``--repeat`` fits (fewer when one fit takes over 20 s).  Peak memory of one
more fit is measured with ``tracemalloc`` (Python and numpy allocations, not
BLAS workspaces).

The regressors are fitted on the class labels as a numeric target (the same
inputs, so the rows are comparable).  At N = 1e6 only the estimators meant to
scale are run (the clustered, sequential and shallow constructions), and the
peers are one epoch of ``MLPClassifier()`` / ``MLPRegressor()`` (which run at
least 11 epochs with their defaults), so the ratio printed there is a lower
bound.  ``OverparamInterpolator`` is fitted at every size: beyond what its
routes allow it refuses before allocating, and the row prints its message.
The convex programs grow with N times the sampled patterns and are run up to
N = 1e5 (``benchmarks/bench_convex.py``).  Run with
``OPENBLAS_NUM_THREADS=1`` on a shared machine: a multi-threaded BLAS on
oversubscribed cores makes small matrix products up to 100x slower and the
ratios meaningless.
"""

import argparse
import os
import time
import tracemalloc
import warnings

import numpy as np
from sklearn.base import clone, is_classifier
from sklearn.datasets import load_breast_cancer, load_digits, make_blobs, make_classification
from sklearn.neural_network import MLPClassifier, MLPRegressor
from sklearn.preprocessing import StandardScaler

import sktrunc


def estimators():
    """Every constructed estimator with its default parameters, seeded (``random_state=0``
    where it has one: the k-means splits, the held-out split of ``n_prototypes="auto"``
    and the sampled patterns would otherwise change from run to run, and with them the
    time)."""
    ests = [sktrunc.ClusteredTruncationClassifier(), sktrunc.SequentialSeparableClassifier(),
            sktrunc.ShallowBoundClassifier(), sktrunc.ShallowBoundRegressor(),
            sktrunc.OverparamInterpolator()]
    for name in ("ConvexReLUClassifier", "ConvexReLURegressor"):
        if hasattr(sktrunc, name):
            ests.append(getattr(sktrunc, name)())
    return [est.set_params(random_state=0) if "random_state" in est.get_params() else est
            for est in ests]


# estimators meant to scale to N = 1e6 rows
SCALES = ("ClusteredTruncationClassifier", "SequentialSeparableClassifier",
          "ShallowBoundClassifier", "ShallowBoundRegressor")
# fitted at every size: they refuse what they cannot do, and the row says so
REFUSES = ("OverparamInterpolator",)
# the convex estimators' scale target is N = 1e5 (0.4-0.9 s there; bench_convex.py --large);
# at N = 1e6 a fit is minutes, so this table stops at 1e5 for them
SMALL_ONLY = ("ConvexReLUClassifier", "ConvexReLURegressor")
# stop repeating a fit once one run took this long (seconds)
REPEAT_BUDGET = 20.0


def timed(fn, repeat=3):
    """Best wall time of up to ``repeat`` calls, the tracemalloc peak (MiB) of one more
    call (tracing slows Python-heavy code down, so it is not timed), and a result."""
    best, result = float("inf"), None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - start)
        if best > REPEAT_BUDGET:
            break
    tracemalloc.start()
    fn()
    peak = tracemalloc.get_traced_memory()[1] / 2 ** 20
    tracemalloc.stop()
    return best, peak, result


def best_time(fn, repeat):
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def datasets(quick):
    X, y = load_digits(return_X_y=True)
    yield "digits", StandardScaler().fit_transform(X), y
    X, y = load_breast_cancer(return_X_y=True)
    yield "breast cancer", StandardScaler().fit_transform(X), y
    X, y = make_classification(5000, 17, n_informative=8, flip_y=0.05, random_state=0)
    yield "table 5000x17", X, y
    # more features than rows (gene expression, spectra): the constructions work in the
    # rows' span, not with n_features² matrices
    X, y = make_classification(100, 10_000, n_informative=20, random_state=0)
    yield "wide 100x10000", StandardScaler().fit_transform(X), y
    if not quick:
        X, y = make_blobs(100_000, n_features=20, centers=10, random_state=0)
        yield "blobs 1e5x20", X, y
        X, y = make_blobs(1_000_000, n_features=20, centers=10, random_state=0)
        yield "blobs 1e6x20", X, y


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--repeat", type=int, default=3, help="fit and predict repeats")
    parser.add_argument("--only", default=None, help="substring of the estimators to run")
    parser.add_argument("--data", default=None, help="substring of the data sets to run")
    args = parser.parse_args()
    warnings.simplefilter("ignore")  # ConvergenceWarning, the constructions' warnings
    print(f"OPENBLAS_NUM_THREADS={os.environ.get('OPENBLAS_NUM_THREADS')} "
          f"OMP_NUM_THREADS={os.environ.get('OMP_NUM_THREADS')}")
    print(f"{'data':14s} {'estimator':30s} {'fit ours':>9s} {'fit MLP':>9s} {'MLP/ours':>8s} "
          f"{'pred ratio':>10s} {'peak ours/MLP MiB':>18s} {'train acc/R2':>12s}")
    for name, X, y in datasets(args.quick):
        if args.data and args.data not in name:
            continue
        huge = len(X) >= 1_000_000
        peers = {}
        for kind, mlp in (("clf", MLPClassifier(max_iter=1 if huge else 200, random_state=0)),
                          ("reg", MLPRegressor(max_iter=1 if huge else 200, random_state=0))):
            target = y if kind == "clf" else y.astype(float)
            t, peak, fitted = timed(lambda m=mlp, X=X, t=target: clone(m).fit(X, t),
                                    args.repeat)
            peers[kind] = (t, peak, fitted)
        t_pred_mlp = best_time(lambda m=peers["clf"][2], X=X: m.predict(X), args.repeat)
        for est in estimators():
            label = type(est).__name__
            if args.only and args.only not in label:
                continue
            if huge and label in SMALL_ONLY:
                print(f"{name:14s} {label:30s} skipped: scale target 1e5 "
                      "(bench_convex.py --large)", flush=True)
                continue
            if huge and label not in SCALES + REFUSES:
                continue
            kind = "clf" if is_classifier(est) else "reg"
            target = y if kind == "clf" else y.astype(float)
            try:
                t, peak, fitted = timed(lambda e=est, X=X, t=target: clone(e).fit(X, t),
                                        args.repeat)
            except ValueError as exc:
                print(f"{name:14s} {label:30s} refused: {str(exc)[:150]}", flush=True)
                continue
            t_mlp, peak_mlp, _ = peers[kind]
            t_pred = best_time(lambda f=fitted, X=X: f.predict(X), args.repeat)
            score = fitted.score(X, target)
            bound = ">=" if huge else "  "
            print(f"{name:14s} {label:30s} {t:8.3f}s {t_mlp:8.3f}s {bound}{t_mlp / t:6.2f} "
                  f"{t_pred / t_pred_mlp:10.2f} {peak:8.1f} /{peak_mlp:8.1f} {score:12.3f}",
                  flush=True)
        mlp_score = peers["clf"][2].score(X, y)
        print(f"{name:14s} {'(MLPClassifier train acc)':30s} {'':>9s} {'':>9s} {'':>8s} "
              f"{'':>10s} {'':>18s} {mlp_score:12.3f}", flush=True)


if __name__ == "__main__":
    np.seterr(all="ignore")
    main()
