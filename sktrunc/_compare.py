"""The comparison behind ``python -m sktrunc compare``.

Every sktrunc classifier against the scikit-learn estimators a user would
otherwise pick, on scikit-learn's bundled datasets, on nonlinear generated data
(moons, circles, XOR) where a linear model must fail, and on data built to
satisfy the papers' assumptions; everything standardized inside the
cross-validation folds.

Both registries are plain lists of ``(name, factory)`` entries so that a new
estimator is one line in :data:`ESTIMATORS`.
"""

import sys
import textwrap
import time
import warnings

import numpy as np
from sklearn.datasets import (
    load_breast_cancer,
    load_digits,
    load_iris,
    load_wine,
    make_blobs,
    make_circles,
    make_moons,
)
from sklearn.ensemble import RandomForestClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold, cross_val_score
from sklearn.neighbors import NearestCentroid
from sklearn.neural_network import MLPClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC, LinearSVC

from ._base import l2_cost
from ._clustered import ClusteredTruncationClassifier
from ._convex import ConvexReLUClassifier
from ._sequential import SequentialSeparableClassifier
from ._shallow import ShallowBoundClassifier
from .datasets import make_clustered, make_sequentially_separable
from .exceptions import AssumptionWarning

__all__ = ["DATASETS", "ESTIMATORS", "FORMATS", "compare", "explain", "format_table",
           "load_dataset", "max_folds"]

# One line per estimator: (name on the command line and in the table, factory).
# sktrunc's constructed classifiers first, then the scikit-learn estimators a user would
# otherwise pick.  Seeds are fixed so that two runs print the same table.
ESTIMATORS = [
    ("ClusteredTruncation", lambda: ClusteredTruncationClassifier(random_state=0)),
    ("SequentialSeparable", lambda: SequentialSeparableClassifier(random_state=0)),
    ("ShallowBound", ShallowBoundClassifier),
    ("ConvexReLU", lambda: ConvexReLUClassifier(random_state=0)),
    ("MLPClassifier", lambda: MLPClassifier(random_state=0)),
    ("LogisticRegression", lambda: LogisticRegression(max_iter=1000)),
    ("LinearSVC", LinearSVC),
    ("SVC", SVC),  # RBF kernel
    ("RandomForest", lambda: RandomForestClassifier(random_state=0)),
    ("NearestCentroid", NearestCentroid),
]


def _bundled(loader):
    return lambda: loader(return_X_y=True)


def _xor():
    # four blobs at the corners of a square; the label is the XOR of the signs
    X, corner = make_blobs(n_samples=400, centers=[(-1, -1), (1, 1), (-1, 1), (1, -1)],
                           cluster_std=0.35, random_state=0)
    return X, (corner >= 2).astype(int)


# One line per dataset: (name, loader returning X, y, what it shows).
DATASETS = [
    ("iris", _bundled(load_iris), "scikit-learn's bundled iris"),
    ("wine", _bundled(load_wine), "scikit-learn's bundled wine"),
    ("breast_cancer", _bundled(load_breast_cancer), "scikit-learn's bundled breast cancer"),
    ("digits", _bundled(load_digits), "scikit-learn's bundled 8x8 digits"),
    ("moons", lambda: make_moons(n_samples=300, noise=0.2, random_state=0),
     "two interleaved half circles: no line separates them"),
    ("circles", lambda: make_circles(n_samples=300, noise=0.1, factor=0.5, random_state=0),
     "one ring inside another: no line separates them"),
    ("xor", _xor, "four blobs labelled by the XOR of the signs: no line does better than chance"),
    ("make_clustered",
     lambda: make_clustered(n_samples=600, n_features=20, n_classes=6, clustering_ratio=0.2,
                            random_state=0),
     "classes in small balls (clustering ratio 0.2 < 1/4): Proposition 4.1 applies"),
    ("make_sequentially_separable",
     lambda: make_sequentially_separable(n_samples=300, n_features=2, random_state=0),
     "classes peeled off one by one by hyperplanes (Definition 5.1), not clustered"),
]

FORMATS = ("text", "rst", "markdown")
_COST = "½ Σ_i |f(x_i) − y_i|²"


def _select(registry, names, kind):
    """``[(name, entry...)]`` for ``names`` in the given order, duplicates dropped."""
    by_name = {entry[0]: entry for entry in registry}
    if names is None:
        return list(by_name.values())
    if isinstance(names, str):
        names = [names]
    unknown = [n for n in names if n not in by_name]
    if unknown:
        raise ValueError(f"unknown {kind} {unknown}; choose from {list(by_name)}")
    return [by_name[n] for n in dict.fromkeys(names)]


def load_dataset(name):
    """``X, y`` of the dataset called ``name`` in :data:`DATASETS`."""
    return _select(DATASETS, [name], "dataset")[0][1]()


def max_folds(datasets=None):
    """The largest valid number of stratified folds, and the dataset that limits it.

    Stratified k-fold needs at least k samples in every class.

    Returns
    -------
    n_folds : int
        Size of the smallest class over the chosen datasets.
    dataset : str
        The dataset holding that class.
    """
    sizes = {name: int(np.unique(load()[1], return_counts=True)[1].min())
             for name, load, _ in _select(DATASETS, datasets, "dataset")}
    limit = min(sizes, key=sizes.get)
    return sizes[limit], limit


def _n_params(est):
    """Numbers the fitted model keeps in order to predict (None when not meaningful)."""
    if hasattr(est, "n_params_"):
        return int(est.n_params_)
    if hasattr(est, "coefs_"):
        return int(sum(c.size for c in est.coefs_) + sum(b.size for b in est.intercepts_))
    if hasattr(est, "coef_"):
        return int(est.coef_.size + np.size(est.intercept_))
    if hasattr(est, "support_vectors_"):
        return int(est.support_vectors_.size + est.dual_coef_.size + est.intercept_.size)
    if hasattr(est, "estimators_") and hasattr(est.estimators_[0], "tree_"):
        return int(sum(t.tree_.node_count for t in est.estimators_))
    if hasattr(est, "centroids_"):
        return int(est.centroids_.size)
    return None


def _l2_cost_per_sample(est, Xs, y):
    """Eq. (14) divided by N, for estimators with an output vector to compare to targets.

    sktrunc networks: their forward pass against ``targets_`` (one-hot without); probabilistic
    scikit-learn classifiers: ``predict_proba`` against one-hot targets.  Margin
    classifiers (LinearSVC, SVC) and NearestCentroid have no such output: ``None``.
    """
    idx = np.searchsorted(est.classes_, y)
    one_hot = np.eye(len(est.classes_))[idx]
    if hasattr(est, "network_"):
        targets = est.targets_[idx] if hasattr(est, "targets_") else one_hot
        return l2_cost(est.network_.forward(Xs), targets) / len(y)
    if hasattr(est, "predict_proba"):
        return l2_cost(est.predict_proba(Xs), one_hot) / len(y)
    return None


def _evaluate(factory, X, y, folds, n_jobs):
    """One row's numbers: a fit on all of X (standardized) and a cross-validation."""
    Xs = StandardScaler().fit_transform(X)
    with warnings.catch_warnings(record=True) as caught:
        # recorded, not printed: the table reports what they are about (cost, accuracy),
        # ``verbose`` lists them
        warnings.simplefilter("always")
        est = factory()
        start = time.perf_counter()
        est.fit(Xs, y)
        fit_time = time.perf_counter() - start
        row = {"train_l2_cost": _l2_cost_per_sample(est, Xs, y),
               "train_accuracy": float(est.score(Xs, y)), "fit_time": fit_time,
               "n_params": _n_params(est)}
    row["warnings"] = list(dict.fromkeys(
        f"{w.category.__name__}: {str(w.message).splitlines()[0]}" for w in caught))
    with warnings.catch_warnings():
        # the same warnings again, once per fold
        warnings.simplefilter("ignore")
        start = time.perf_counter()
        scores = cross_val_score(make_pipeline(StandardScaler(), factory()), X, y, cv=folds,
                                 n_jobs=n_jobs, error_score="raise")
        row["cv_time"] = time.perf_counter() - start
    row.update(cv_accuracy=float(scores.mean()), cv_std=float(scores.std()))
    return row


def compare(datasets=None, estimators=None, cv=5, n_jobs=None, *, out=None, fmt="text",
            verbose=0):
    """Fit every estimator on every dataset; return one dict per (dataset, estimator).

    Parameters
    ----------
    datasets : list of str, default=None
        Names in :data:`DATASETS` (duplicates ignored); all when ``None``.
    estimators : list of str, default=None
        Names in :data:`ESTIMATORS` (duplicates ignored); all when ``None``.
    cv : int, default=5
        Folds of the stratified, shuffled cross-validation (seed 0); at least 2 and at most
        the size of the smallest class (:func:`max_folds`).
    n_jobs : int, default=None
        Passed to ``cross_val_score``: folds fitted in parallel.
    out : file-like, default=None
        When given, the table is written to it as the rows are computed, one flushed line at
        a time, followed by the explanation of its columns.
    fmt : {"text", "rst", "markdown"}, default="text"
        Format of the table written to ``out``.
    verbose : int, default=0
        When positive, each fit, its times and the warnings it raised go to ``sys.stderr``.

    Returns
    -------
    rows : list of dict
        Keys ``dataset, estimator, n_samples, n_features, n_classes, train_l2_cost,
        train_accuracy, cv_accuracy, cv_std, fit_time, cv_time, n_params, warnings, error``;
        an estimator that raises gets NaN numbers and the exception's text in ``error``.
    """
    if fmt not in FORMATS:
        raise ValueError(f"fmt must be one of {FORMATS}, got {fmt!r}")
    if isinstance(cv, bool) or not isinstance(cv, int | np.integer) or cv < 2:
        raise ValueError(f"cv must be an integer of at least 2, got {cv!r}")
    if n_jobs is not None and (isinstance(n_jobs, bool) or n_jobs == 0):
        raise ValueError("n_jobs must be a nonzero integer or None, got 0")
    data = _select(DATASETS, datasets, "dataset")
    models = _select(ESTIMATORS, estimators, "estimator")
    limit, where = max_folds([d[0] for d in data])
    if cv > limit:
        raise ValueError(f"cv={cv} folds: the smallest class of {where} has {limit} samples; "
                         f"use at most {limit} folds")
    table = _Table(fmt, [name for name, _ in models])
    rows = []
    for dname, load, about in data:
        X, y = load()
        n_classes = len(np.unique(y))
        _write(out, table.header(dname, X.shape[0], X.shape[1], n_classes, about))
        folds = StratifiedKFold(cv, shuffle=True, random_state=0)
        for ename, factory in models:
            if verbose:
                _write(sys.stderr, f"[{len(rows) + 1}/{len(data) * len(models)}] "
                                   f"{dname} / {ename} ...")
            row = {"dataset": dname, "estimator": ename, "n_samples": X.shape[0],
                   "n_features": X.shape[1], "n_classes": n_classes, "error": None}
            try:
                row.update(_evaluate(factory, X, y, folds, n_jobs))
            except Exception as exc:  # one failing estimator must not hide the others
                row.update(dict.fromkeys(("train_l2_cost", "train_accuracy", "cv_accuracy",
                                          "cv_std", "fit_time", "cv_time"), float("nan")),
                           n_params=None, warnings=[],
                           error=f"{type(exc).__name__}: {str(exc).splitlines()[0]}")
            rows.append(row)
            _write(out, table.row(row))
            if verbose:
                _write(sys.stderr, _progress(row, cv))
        _write(out, table.footer())
    _write(out, table.legend(cv))
    return rows


def _progress(row, cv):
    if row["error"]:
        return f"    failed: {row['error']}"
    lines = [f"    fit {row['fit_time']:.3f} s, {cv}-fold cross-validation "
             f"{row['cv_time']:.2f} s"]
    lines += [f"    {w}" for w in row["warnings"]]
    return "\n".join(lines)


def _write(stream, text):
    if stream is not None and text is not None:
        print(text, file=stream, flush=True)


class _Table:
    """The table in one of :data:`FORMATS`, piece by piece so that it can be streamed."""

    # (title, width, formatter of a row); fixed widths so that a row can be printed
    # before the next one is known
    columns = [
        ("L2 cost/N", 11, lambda r: "-" if r["train_l2_cost"] is None
         else f"{r['train_l2_cost']:.3g}"),
        ("train acc", 11, lambda r: f"{r['train_accuracy']:.3f}"),
        ("CV acc", 15, lambda r: f"{r['cv_accuracy']:.3f}±{r['cv_std']:.3f}"),
        ("fit [s]", 10, lambda r: f"{r['fit_time']:.4f}"),
        ("params", 9, lambda r: "-" if r["n_params"] is None else str(r["n_params"])),
    ]

    def __init__(self, fmt, names):
        self.fmt = fmt
        self.name_width = max(len("estimator"), *map(len, names)) + 2

    def _cells(self, row):
        if row["error"]:
            return [row["estimator"], "error", "-", "-", "-", row["error"]]
        return [row["estimator"], *(cell(row) for _, _, cell in self.columns)]

    def _widths(self):
        # rst simple-table columns: the title widths less the two spaces between columns
        return [self.name_width - 2, *(w - 2 for _, w, _ in self.columns)]

    def _rule(self):
        return "  ".join("=" * w for w in self._widths())

    def header(self, dname, n, m, q, about):
        titles = ["estimator", *(t for t, _, _ in self.columns)]
        if self.fmt == "text":
            head = f"{titles[0]:<{self.name_width}}" + "".join(
                f"{t:>{w}}" for t, w, _ in self.columns)
            return f"\n{dname} (N={n}, M={m}, Q={q}): {about}\n{head}\n{'-' * len(head)}"
        title = f"\n**{dname}** (N={n}, M={m}, Q={q}): {about}\n\n"
        if self.fmt == "markdown":
            return title + "| " + " | ".join(titles) + " |\n|---" + "|--:" * len(self.columns) + "|"
        return title + "\n".join([self._rule(), self._line(titles), self._rule()])

    def _line(self, cells):
        # every cell but the last fits its column (an error message may run past the table)
        return "  ".join(f"{c:<{w}}" for c, w in zip(cells, self._widths())).rstrip()

    def row(self, row):
        cells = self._cells(row)
        if self.fmt == "markdown":
            return "| " + " | ".join(cells) + " |"
        if self.fmt == "rst":
            # a lone "-" in a cell would be an empty bullet list
            return self._line([r"\-" if c == "-" else c for c in cells])
        if row["error"]:
            return f"{cells[0]:<{self.name_width}}error: {row['error']}"
        return f"{cells[0]:<{self.name_width}}" + "".join(
            f"{c:>{w}}" for c, (_, w, _) in zip(cells[1:], self.columns))

    def footer(self):
        return self._rule() if self.fmt == "rst" else None

    def legend(self, cv):
        items = [
            ("N, M, Q", "samples, features and classes of the dataset. Every estimator sees it "
                        "standardized (StandardScaler, refitted inside each fold)."),
            ("L2 cost/N", f"eq. (14) of the papers, {_COST}, on the training data, "
                          "divided by N: f is the network's forward pass and y_i its class "
                          "target (sktrunc), or predict_proba against one-hot targets "
                          "(scikit-learn). About 1e-30 is zero to float precision. '-': no "
                          "such output (LinearSVC, SVC, NearestCentroid)."),
            ("train acc", "accuracy on the training data, after one fit on all N samples."),
            ("CV acc", f"mean ± standard deviation of the accuracy on held-out data over {cv} "
                       "stratified folds (shuffled, seed 0): judge a model by this column."),
            ("fit [s]", "wall-clock seconds of that one fit on all N samples."),
            ("params", "numbers the fitted model keeps to predict: weights and biases "
                       "(networks, linear models), centroids (NearestCentroid), support "
                       "vectors, dual coefficients and intercepts (SVC), tree nodes "
                       "(RandomForest)."),
        ]
        if self.fmt == "text":
            lines = ["", "Columns:"]
            for key, text in items:
                wrapped = textwrap.wrap(text, 86)
                lines.append(f"  {key:<11}{wrapped[0]}")
                lines += [f"  {'':<11}{w}" for w in wrapped[1:]]
            return "\n".join(lines)
        if self.fmt == "markdown":
            return "\nColumns:\n\n" + "\n".join(f"- **{k}**: {t}" for k, t in items)
        # rst: the formula as maths ("|" would start a substitution reference)
        items = [(k, t.replace(_COST, r":math:`\tfrac12 \sum_i \|f(x_i) - y_i\|^2`"))
                 for k, t in items]
        return "\nColumns:\n\n" + "\n".join(f"{k}\n   {t}" for k, t in items)


def format_table(rows, fmt="text", cv=5):
    """The table of :func:`compare`'s rows (one block per dataset) and its legend.

    Parameters
    ----------
    rows : list of dict
        Output of :func:`compare`.
    fmt : {"text", "rst", "markdown"}, default="text"
    cv : int, default=5
        Number of folds the rows were computed with (quoted in the legend).

    Returns
    -------
    text : str
    """
    table = _Table(fmt, [r["estimator"] for r in rows])
    about = {name: text for name, _, text in DATASETS}
    parts = []
    for dname in dict.fromkeys(r["dataset"] for r in rows):
        block = [r for r in rows if r["dataset"] == dname]
        r0 = block[0]
        parts.append(table.header(dname, r0["n_samples"], r0["n_features"], r0["n_classes"],
                                  about.get(dname, "")))
        parts += [table.row(r) for r in block]
        parts.append(table.footer())
    parts.append(table.legend(cv))
    return "\n".join(p for p in parts if p is not None)


def explain(dataset, estimator):
    """Text explaining, layer by layer, the network built on a standardized dataset.

    Parameters
    ----------
    dataset : str
        Name in :data:`DATASETS`.
    estimator : str
        Name in :data:`ESTIMATORS` of an estimator with a ``describe`` method.

    Returns
    -------
    text : str
    """
    X, y = load_dataset(dataset)
    Xs = StandardScaler().fit_transform(X)
    est = _select(ESTIMATORS, [estimator], "estimator")[0][1]()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", AssumptionWarning)
        est.fit(Xs, y)
    lines = [f"{dataset}: N={X.shape[0]}, M={X.shape[1]}, Q={len(np.unique(y))} "
             "(standardized)", "", str(est.describe())]
    for w in caught:
        if issubclass(w.category, AssumptionWarning):
            lines += ["", f"{w.category.__name__}: {w.message}"]
    return "\n".join(lines)
