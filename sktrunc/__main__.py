"""Command line: ``python -m sktrunc compare`` and ``python -m sktrunc explain``."""

import argparse
import sys
import time


def _folds(text):
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not an integer") from None
    if value < 2:
        raise argparse.ArgumentTypeError(
            f"{value}: cross-validation needs at least 2 folds (one to fit, one to test)")
    return value


def _jobs(text):
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not an integer") from None
    if value == 0:
        raise argparse.ArgumentTypeError(
            "0 jobs cannot run anything: give a positive count, or -1 for all cores")
    return value


def _parser():
    from ._compare import DATASETS, ESTIMATORS, FORMATS

    datasets = [name for name, *_ in DATASETS]
    estimators = [name for name, _ in ESTIMATORS]
    parser = argparse.ArgumentParser(
        prog="python -m sktrunc",
        description="Constructed ReLU networks against scikit-learn, side by side.",
    )
    sub = parser.add_subparsers(dest="command", required=True)
    cmp_ = sub.add_parser(
        "compare",
        help="training L2 cost, training and cross-validated accuracy, fit time and "
             "parameter count of every sktrunc classifier and its scikit-learn peers",
        description="Fit every estimator on every dataset (standardized) and print one row "
                    "per pair as soon as it is computed; the columns are explained under the "
                    "table. The full run takes about a minute.",
    )
    cmp_.add_argument("--datasets", nargs="+", choices=datasets, default=None, metavar="NAME",
                      help=f"datasets to run, in this order (default: all of {datasets})")
    cmp_.add_argument("--estimators", nargs="+", choices=estimators, default=None,
                      metavar="NAME",
                      help=f"estimators to run, in this order (default: all of {estimators})")
    cmp_.add_argument("--cv", type=_folds, default=5,
                      help="stratified cross-validation folds, at least 2 and at most the "
                           "smallest class (default 5)")
    cmp_.add_argument("--n-jobs", type=_jobs, default=None,
                      help="folds fitted in parallel; -1 for all cores (default: 1)")
    cmp_.add_argument("--format", choices=FORMATS, default="text", dest="fmt",
                      help="text for a terminal, rst for the documentation "
                           "(doc/compare_table.inc), markdown (default: text)")
    cmp_.add_argument("-v", "--verbose", action="store_true",
                      help="report each fit, its times and the warnings it raised on stderr")
    exp = sub.add_parser(
        "explain",
        help="fit a constructed network on a bundled dataset (standardized) and print what "
             "each layer does",
    )
    exp.add_argument("--dataset", choices=datasets, default="iris",
                     help="dataset (default: iris)")
    exp.add_argument("--estimator", choices=estimators, default="ClusteredTruncation",
                     metavar="NAME", help="sktrunc estimator to explain (one with a describe() "
                                          "method; default: ClusteredTruncation)")
    return parser, cmp_, exp


def main(argv=None):
    parser, cmp_parser, explain_parser = _parser()
    args = parser.parse_args(argv)

    if args.command == "compare":
        from ._compare import compare, max_folds

        datasets = None if args.datasets is None else list(dict.fromkeys(args.datasets))
        estimators = None if args.estimators is None else list(dict.fromkeys(args.estimators))
        limit, where = max_folds(datasets)
        if args.cv > limit:
            cmp_parser.error(f"argument --cv: {args.cv} folds: the smallest class of {where} "
                             f"has {limit} samples, so at most {limit} folds")
        n_rows = (len(datasets) if datasets else len(_names("DATASETS"))) * (
            len(estimators) if estimators else len(_names("ESTIMATORS")))
        print(f"sktrunc compare: {n_rows} fits, each with {args.cv}-fold cross-validation; "
              "rows are printed as they are computed.", file=sys.stderr, flush=True)
        start = time.perf_counter()
        compare(datasets, estimators, cv=args.cv, n_jobs=args.n_jobs, out=sys.stdout,
                fmt=args.fmt, verbose=int(args.verbose))
        print(f"Done in {time.perf_counter() - start:.1f} s.", file=sys.stderr, flush=True)
    elif args.command == "explain":
        from ._compare import ESTIMATORS, explain

        explainable = [name for name, factory in ESTIMATORS if hasattr(factory(), "describe")]
        if args.estimator not in explainable:
            explain_parser.error(f"argument --estimator: {args.estimator} cannot describe its "
                                 f"layers; choose from {explainable}")
        print(explain(args.dataset, args.estimator))
    return 0


def _names(registry):
    from . import _compare

    return [entry[0] for entry in getattr(_compare, registry)]


if __name__ == "__main__":
    sys.exit(main())
