"""Predict time of constructed networks against ``MLPClassifier(100,)``, side by side.

    python benchmarks/bench_predict.py            # digits and blobs N = 1e6, M = 20, Q = 10
    python benchmarks/bench_predict.py --quick    # digits and blobs N = 1e5

Issue 16: the target is a predict time <= 0.5x ``MLPClassifier(100,)``'s on
digits and at N = 1e6 rows, for the networks the estimators construct with
their default parameters.  Each row fits ``ClusteredTruncationClassifier()`` or
``SequentialSeparableClassifier()`` (on at most 10,000 rows) and an MLP on the
same rows (few epochs: only its predict is timed), then times both predicts in
the same process: the best of ``--repeat`` runs, each the mean of enough calls
to last ~0.1 s.  Peak memory of one predict is measured with ``tracemalloc``.
"same" checks that the predictions are those of a plain layer-by-layer pass
through ``coefs_``/``intercepts_`` (on up to 100,000 rows).  Read the ratios,
not the seconds.
"""

import argparse
import time
import tracemalloc
import warnings

import numpy as np
from sklearn.datasets import load_digits, make_blobs
from sklearn.neural_network import MLPClassifier
from sklearn.preprocessing import StandardScaler

from sktrunc import ClusteredTruncationClassifier, SequentialSeparableClassifier


def best_time(fn, repeat):
    start = time.perf_counter()
    fn()
    calls = max(1, int(0.1 / max(time.perf_counter() - start, 1e-6)))
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        for _ in range(calls):
            fn()
        best = min(best, (time.perf_counter() - start) / calls)
    return best


def peak_mib(fn):
    tracemalloc.start()
    fn()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak / 2 ** 20


def plain_predict(est, X):
    """The nearest target of a plain pass through the public layers."""
    a = X
    for W, b in zip(est.coefs_[:-1], est.intercepts_[:-1]):
        a = np.maximum(a @ W + b, 0.0)
    out = a @ est.coefs_[-1] + est.intercepts_[-1]
    Y = est.targets_
    return est.classes_[np.argmax(out @ Y.T - 0.5 * np.einsum("ij,ij->i", Y, Y), axis=1)]


def compare(label, est, mlp, X, repeat):
    t_ours = best_time(lambda: est.predict(X), repeat)
    t_mlp = best_time(lambda: mlp.predict(X), repeat)
    m_ours, m_mlp = peak_mib(lambda: est.predict(X)), peak_mib(lambda: mlp.predict(X))
    check = X[:100_000]
    same = np.array_equal(est.predict(check), plain_predict(est, check))
    sizes = est.network_.layer_sizes
    shape = f"{len(sizes) - 2} hidden, widths {sizes[1]}..{sizes[-2]}, {est.n_params_} params"
    print(f"{label:34s} {shape:38s} ours {t_ours * 1e3:8.2f} ms  MLP(100,) {t_mlp * 1e3:8.2f} ms"
          f"  ratio {t_ours / t_mlp:5.2f}  peak {m_ours:6.1f} / {m_mlp:6.1f} MiB  same {same}",
          flush=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    warnings.simplefilter("ignore")  # ConvergenceWarning, the construction's warnings
    X, y = load_digits(return_X_y=True)
    X = StandardScaler().fit_transform(X)
    mlp = MLPClassifier((100,), max_iter=20, random_state=0).fit(X, y)
    for est in (ClusteredTruncationClassifier(random_state=0),
                SequentialSeparableClassifier(random_state=0)):
        compare(f"digits, {type(est).__name__}", est.fit(X, y), mlp, X, args.repeat)
    n = 100_000 if args.quick else 1_000_000
    X, y = make_blobs(n_samples=n, n_features=20, centers=10, random_state=0)
    fit = slice(0, 10_000)
    mlp = MLPClassifier((100,), max_iter=5, random_state=0).fit(X[fit], y[fit])
    for est in (ClusteredTruncationClassifier(random_state=0),
                SequentialSeparableClassifier(random_state=0)):
        est.fit(X[fit], y[fit])
        compare(f"blobs N={n:.0e}, {type(est).__name__}", est, mlp, X, args.repeat)
    print("ratio = our predict time / MLPClassifier(100,)'s (target <= 0.5); peak = ours / "
          "MLP's; same = predictions equal a plain pass through coefs_/intercepts_")


if __name__ == "__main__":
    main()
