"""Fit time of SequentialSeparableClassifier against scikit-learn, side by side.

    python benchmarks/bench_sequential.py           # blobs N=1e5, M=50, Q=10 and digits
    python benchmarks/bench_sequential.py --quick   # blobs N=1e4

Targets from the issue: fit <= 0.25x one-vs-rest LinearSVC.fit on Gaussian blobs
(N = 1e5, M = 50, Q = 10) and <= 1x LogisticRegression.fit on digits.  Each time
is the best of ``--repeat`` runs; read the ratios, not the seconds.
"""

import argparse
import time
import warnings

from sklearn.datasets import load_digits, make_blobs
from sklearn.exceptions import ConvergenceWarning
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


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    warnings.simplefilter("ignore", ConvergenceWarning)
    n = 10_000 if args.quick else 100_000
    X, y = make_blobs(n_samples=n, n_features=50, centers=10, random_state=0)
    t_ours, ours = best_time(lambda: SequentialSeparableClassifier().fit(X, y), args.repeat)
    t_svc, _ = best_time(lambda: LinearSVC().fit(X, y), args.repeat)
    print(f"blobs N={n}, M=50, Q=10: ours {t_ours:.3f} s, one-vs-rest LinearSVC {t_svc:.3f} s, "
          f"ratio {t_ours / t_svc:.3f} (target <= 0.25); zero loss: "
          f"{ours.training_cost_ < 1e-18}, order {ours.order_.tolist()}")
    X, y = load_digits(return_X_y=True)
    X = StandardScaler().fit_transform(X)
    t_ours, ours = best_time(lambda: SequentialSeparableClassifier().fit(X, y), args.repeat)
    t_lr, _ = best_time(lambda: LogisticRegression(max_iter=1000).fit(X, y), args.repeat)
    print(f"digits (standardized): ours {t_ours:.3f} s, LogisticRegression {t_lr:.3f} s, "
          f"ratio {t_ours / t_lr:.2f} (target <= 1); training cost {ours.training_cost_:.2g}")


if __name__ == "__main__":
    main()
