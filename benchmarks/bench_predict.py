"""Predict time of constructed networks against ``MLPClassifier(100,)``, side by side.

    python benchmarks/bench_predict.py            # digits and blobs N = 1e6, M = 20
    python benchmarks/bench_predict.py --quick    # blobs N = 1e5

Issue 16: the sequential network on digits (10 hidden layers of 64) predicted
3.65x slower than an ``MLPClassifier(100,)``; the target is <= 0.5x on digits
and at N = 1e6 rows.  The networks are built by the estimators (the
sequential one on digits and on blobs, the clustered one on blobs); the MLP is
fitted on the same data (few epochs: only its predict is timed).  Times are
the best of ``--repeat`` runs; peak memory of one predict is measured with
``tracemalloc``.  Read the ratios, not the seconds.
"""

import argparse
import time
import tracemalloc
import warnings

from sklearn.datasets import load_digits, make_blobs
from sklearn.neural_network import MLPClassifier
from sklearn.preprocessing import StandardScaler

from sktrunc import ClusteredTruncationClassifier, SequentialSeparableClassifier


def best_time(fn, repeat):
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def peak_mib(fn):
    tracemalloc.start()
    fn()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak / 2 ** 20


def compare(label, est, mlp, X, repeat):
    t_ours = best_time(lambda: est.predict(X), repeat)
    t_mlp = best_time(lambda: mlp.predict(X), repeat)
    m_ours, m_mlp = peak_mib(lambda: est.predict(X)), peak_mib(lambda: mlp.predict(X))
    print(f"{label:44s} {est.network_.layer_sizes!s:34.34s} ours {t_ours * 1e3:9.2f} ms  "
          f"MLP(100,) {t_mlp * 1e3:9.2f} ms  ratio {t_ours / t_mlp:5.2f}  "
          f"peak {m_ours:7.1f} / {m_mlp:7.1f} MiB")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    warnings.simplefilter("ignore")  # ConvergenceWarning, the construction's warnings
    X, y = load_digits(return_X_y=True)
    X = StandardScaler().fit_transform(X)
    mlp = MLPClassifier((100,), max_iter=20, random_state=0).fit(X, y)
    compare("digits, SequentialSeparableClassifier", SequentialSeparableClassifier().fit(X, y),
            mlp, X, 10 * args.repeat)
    n = 100_000 if args.quick else 1_000_000
    X, y = make_blobs(n_samples=n, n_features=20, centers=10, random_state=0)
    fit = slice(0, 10_000)
    mlp = MLPClassifier((100,), max_iter=5, random_state=0).fit(X[fit], y[fit])
    for est in (SequentialSeparableClassifier(), ClusteredTruncationClassifier()):
        est.fit(X[fit], y[fit])
        compare(f"blobs N={n:.0e}, M=20, Q=10, {type(est).__name__}", est, mlp, X,
                args.repeat)
    print("ratio = our predict time / MLPClassifier(100,) predict time (target <= 0.5); "
          "peak = ours / MLP's")


if __name__ == "__main__":
    main()
