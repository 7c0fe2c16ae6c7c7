"""Fit time of SequentialSeparableClassifier against scikit-learn, side by side.

    OPENBLAS_NUM_THREADS=1 python benchmarks/bench_sequential.py          # all rows
    OPENBLAS_NUM_THREADS=1 python benchmarks/bench_sequential.py --quick  # smaller blobs

Targets from issue 16: fit <= 0.25x one-vs-rest LinearSVC.fit on Gaussian blobs
(N = 1e5, M = 50, Q = 10), <= 1x LogisticRegression.fit on digits, within 3x
of LinearSVC.fit on non-separable tables (5,000 x 17 and 2,000 x 56), and
``n_jobs=2`` >= 1.6x faster than ``n_jobs=1`` for ``order="margin"`` with the
same network.  Each row prints both times, the ratio and the peak memory of one
fit (``tracemalloc``); times are the best of ``--repeat`` runs.  The
non-separable rows are timed with the default ``n_prototypes="auto"`` and with
``n_prototypes=1`` (the held-out choice of the number of prototypes fits the
construction five more times).  Run with ``OPENBLAS_NUM_THREADS=1`` on a shared
machine: read the ratios, not the seconds.
"""

import argparse
import os
import time
import tracemalloc
import warnings

import numpy as np
from sklearn.datasets import load_digits, make_blobs, make_classification
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import StandardScaler
from sklearn.svm import LinearSVC

from sktrunc import SequentialSeparableClassifier


def best_time(fn, repeat):
    best, result = float("inf"), None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - start)
    return best, result


def peak_mib(fn):
    tracemalloc.start()
    fn()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak / 2 ** 20


def row(label, ours, peer, peer_name, X, y, repeat, target):
    t_ours, est = best_time(lambda: ours().fit(X, y), repeat)
    t_peer, ref = best_time(lambda: peer().fit(X, y), repeat)
    m_ours, m_peer = peak_mib(lambda: ours().fit(X, y)), peak_mib(lambda: peer().fit(X, y))
    print(f"{label:40s} ours {t_ours:8.3f} s  {peer_name} {t_peer:7.3f} s  ratio "
          f"{t_ours / t_peer:7.2f} ({target})  peak {m_ours:7.1f} / {m_peer:6.1f} MiB  "
          f"train acc {est.training_accuracy_:.3f} / {ref.score(X, y):.3f}", flush=True)
    return est


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--repeat", type=int, default=1)
    args = parser.parse_args()
    warnings.simplefilter("ignore")  # ConvergenceWarning, AssumptionWarning
    print(f"OPENBLAS_NUM_THREADS={os.environ.get('OPENBLAS_NUM_THREADS')}")
    r = args.repeat
    Seq = SequentialSeparableClassifier

    X, y = load_digits(return_X_y=True)
    X = StandardScaler().fit_transform(X)
    row("digits (standardized)", lambda: Seq(random_state=0),
        lambda: LogisticRegression(max_iter=1000), "LogReg", X, y, r, "target <= 1")

    for n, m in ((5000, 17), (2000, 56)):
        X, y = make_classification(n, m, n_informative=8, flip_y=0.05, random_state=0)
        for k in (1, "auto"):
            row(f"table {n}x{m}, n_prototypes={k!r}", lambda k=k: Seq(n_prototypes=k,
                                                                      random_state=0),
                LinearSVC, "LinearSVC", X, y, r, "target <= 3")

    n = 10_000 if args.quick else 100_000
    X, y = make_blobs(n_samples=n, n_features=50, centers=10, random_state=0)
    row(f"blobs N={n}, M=50, Q=10", lambda: Seq(random_state=0), LinearSVC, "LinearSVC",
        X, y, r, "target <= 0.25")

    # order="margin" solves every candidate of a step: n_jobs=2 against n_jobs=1
    cases = {f"blobs N={n}, M=50, Q=10": (X, y),
             "table 5000x17": make_classification(5000, 17, n_informative=8, flip_y=0.05,
                                                  random_state=0)}
    for label, data in cases.items():
        t1, e1 = best_time(lambda d=data: Seq(order="margin", n_prototypes=1, n_jobs=1,
                                              random_state=0).fit(*d), r)
        t2, e2 = best_time(lambda d=data: Seq(order="margin", n_prototypes=1, n_jobs=2,
                                              random_state=0).fit(*d), r)
        same = all(np.array_equal(a, b) for a, b in zip(e1.coefs_, e2.coefs_))
        print(f"{label + ', order=margin':40s} n_jobs=1 {t1:7.3f} s  n_jobs=2 {t2:7.3f} s  "
              f"speed-up {t1 / t2:5.2f} (target >= 1.6)  same network: {same}", flush=True)


if __name__ == "__main__":
    main()
