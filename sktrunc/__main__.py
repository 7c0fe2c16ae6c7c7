"""Command line: ``python -m sktrunc compare``."""

import argparse
import sys
import time


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog="python -m sktrunc",
        description="Constructed ReLU networks against scikit-learn, side by side.",
    )
    sub = parser.add_subparsers(dest="command", required=True)
    cmp_ = sub.add_parser(
        "compare",
        help="training L2 cost, training and cross-validated accuracy, fit time and "
             "parameter count of every sktrunc classifier and its scikit-learn peers",
    )
    from ._compare import DATASETS, ESTIMATORS

    cmp_.add_argument("--datasets", nargs="+", choices=list(DATASETS), default=None,
                      help="datasets to run (default: all)")
    cmp_.add_argument("--estimators", nargs="+", choices=list(ESTIMATORS), default=None,
                      help="estimators to run (default: all)")
    cmp_.add_argument("--cv", type=int, default=5, help="cross-validation folds (default 5)")
    cmp_.add_argument("--n-jobs", type=int, default=None,
                      help="parallel cross-validation folds (default: 1)")
    exp = sub.add_parser(
        "explain",
        help="fit a constructed network on a bundled dataset (standardized) and print what "
             "each layer does",
    )
    exp.add_argument("--dataset", choices=list(DATASETS), default="iris",
                     help="dataset (default: iris)")
    exp.add_argument("--estimator", choices=[k for k in ESTIMATORS if _explains(k)],
                     default="ClusteredTruncation", help="sktrunc estimator to explain")
    args = parser.parse_args(argv)

    if args.command == "compare":
        from ._compare import compare, format_table

        start = time.perf_counter()
        rows = compare(args.datasets, args.estimators, cv=args.cv, n_jobs=args.n_jobs)
        print(format_table(rows))
        print(f"\nL2 cost/N: eq. (14) of the training data divided by N, from the network's "
              f"forward pass (sktrunc) or predict_proba vs one-hot targets; '-' where the "
              f"estimator has no output vector. Total {time.perf_counter() - start:.1f} s.")
    elif args.command == "explain":
        from ._compare import explain

        print(explain(args.dataset, args.estimator))
    return 0


def _explains(name):
    from ._compare import ESTIMATORS

    return hasattr(ESTIMATORS[name](), "describe")


if __name__ == "__main__":
    sys.exit(main())
