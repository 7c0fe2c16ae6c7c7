"""The comparison behind ``python -m sktrunc compare``.

Every sktrunc classifier against the scikit-learn estimators a user would
otherwise pick, on scikit-learn's bundled datasets and on generated clustered
data, all standardized inside the cross-validation folds.
"""

import time
import warnings

import numpy as np
from sklearn.datasets import load_breast_cancer, load_digits, load_iris, load_wine
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold, cross_val_score
from sklearn.neighbors import NearestCentroid
from sklearn.neural_network import MLPClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import LinearSVC

from ._base import l2_cost
from ._clustered import ClusteredTruncationClassifier
from ._sequential import SequentialSeparableClassifier
from ._shallow import ShallowBoundClassifier
from .datasets import make_clustered, make_sequentially_separable
from .exceptions import AssumptionWarning

__all__ = ["DATASETS", "ESTIMATORS", "compare", "explain", "format_table"]


def _clustered():
    return make_clustered(n_samples=600, n_features=20, n_classes=6,
                          clustering_ratio=0.2, random_state=0)


def _sequential():
    return make_sequentially_separable(n_samples=300, n_features=2, random_state=0)


def _bundled(loader):
    return lambda: loader(return_X_y=True)


DATASETS = {
    "iris": _bundled(load_iris),
    "wine": _bundled(load_wine),
    "breast_cancer": _bundled(load_breast_cancer),
    "digits": _bundled(load_digits),
    "make_clustered": _clustered,
    "make_sequentially_separable": _sequential,
}

# name -> factory; sktrunc estimators first, then the scikit-learn peers
ESTIMATORS = {
    "ClusteredTruncation": lambda: ClusteredTruncationClassifier(random_state=0),
    "SequentialSeparable": lambda: SequentialSeparableClassifier(),
    "ShallowBound": lambda: ShallowBoundClassifier(),
    "MLPClassifier": lambda: MLPClassifier(random_state=0),
    "LogisticRegression": lambda: LogisticRegression(max_iter=1000),
    "LinearSVC": lambda: LinearSVC(),
    "NearestCentroid": lambda: NearestCentroid(),
}


def _n_params(est):
    if hasattr(est, "n_params_"):
        return int(est.n_params_)
    if hasattr(est, "coefs_"):
        return int(sum(c.size for c in est.coefs_) + sum(b.size for b in est.intercepts_))
    if hasattr(est, "coef_"):
        return int(est.coef_.size + np.size(est.intercept_))
    if hasattr(est, "centroids_"):
        return int(est.centroids_.size)
    return None


def _l2_cost_per_sample(est, Xs, y):
    """Eq. (14) divided by N, for estimators with an output vector to compare to targets.

    sktrunc networks: their forward pass against ``targets_``; probabilistic
    scikit-learn classifiers: ``predict_proba`` against one-hot targets.  Margin
    classifiers (LinearSVC) and NearestCentroid have no such output: ``None``.
    """
    idx = np.searchsorted(est.classes_, y)
    if hasattr(est, "network_"):
        return l2_cost(est.network_.forward(Xs), est.targets_[idx]) / len(y)
    if hasattr(est, "predict_proba"):
        return l2_cost(est.predict_proba(Xs), np.eye(len(est.classes_))[idx]) / len(y)
    return None


def compare(datasets=None, estimators=None, cv=5, n_jobs=None):
    """Fit every estimator on every dataset; return one dict per (dataset, estimator).

    Parameters
    ----------
    datasets : list of str, default=None
        Keys of :data:`DATASETS`; all when ``None``.
    estimators : list of str, default=None
        Keys of :data:`ESTIMATORS`; all when ``None``.
    cv : int, default=5
        Folds of the stratified cross-validation.
    n_jobs : int, default=None
        Passed to ``cross_val_score``.

    Returns
    -------
    rows : list of dict
        Keys ``dataset, estimator, n_samples, n_features, n_classes,
        train_l2_cost, train_accuracy, cv_accuracy, cv_std, fit_time, n_params``.
    """
    rows = []
    for dname in datasets or DATASETS:
        X, y = DATASETS[dname]()
        folds = StratifiedKFold(cv, shuffle=True, random_state=0)
        for ename in estimators or ESTIMATORS:
            factory = ESTIMATORS[ename]
            with warnings.catch_warnings():
                # the table reports what those warnings are about (cost, accuracy)
                warnings.simplefilter("ignore", AssumptionWarning)
                warnings.simplefilter("ignore", ConvergenceWarning)
                # NearestCentroid's note on constant features within a class (digits)
                warnings.filterwarnings("ignore", message="self.within_class_std_dev_")
                scaler = StandardScaler().fit(X)
                Xs = scaler.transform(X)
                est = factory()
                start = time.perf_counter()
                est.fit(Xs, y)
                fit_time = time.perf_counter() - start
                scores = cross_val_score(make_pipeline(StandardScaler(), factory()), X, y,
                                         cv=folds, n_jobs=n_jobs)
            rows.append({
                "dataset": dname, "estimator": ename, "n_samples": X.shape[0],
                "n_features": X.shape[1], "n_classes": len(np.unique(y)),
                "train_l2_cost": _l2_cost_per_sample(est, Xs, y),
                "train_accuracy": float(est.score(Xs, y)),
                "cv_accuracy": float(scores.mean()), "cv_std": float(scores.std()),
                "fit_time": fit_time, "n_params": _n_params(est),
            })
    return rows


def format_table(rows):
    """Plain-text table of :func:`compare`'s rows, one block per dataset."""
    header = (f"{'estimator':<22}{'L2 cost/N':>11}{'train acc':>11}{'CV acc':>15}"
              f"{'fit [s]':>10}{'params':>9}")
    lines = []
    for dname in dict.fromkeys(r["dataset"] for r in rows):
        block = [r for r in rows if r["dataset"] == dname]
        r0 = block[0]
        lines.append(f"\n{dname} (N={r0['n_samples']}, M={r0['n_features']}, "
                     f"Q={r0['n_classes']}; standardized)")
        lines.append(header)
        lines.append("-" * len(header))
        for r in block:
            cost = "-" if r["train_l2_cost"] is None else f"{r['train_l2_cost']:.3g}"
            params = "-" if r["n_params"] is None else str(r["n_params"])
            cv = f"{r['cv_accuracy']:.3f}±{r['cv_std']:.3f}"
            lines.append(f"{r['estimator']:<22}{cost:>11}{r['train_accuracy']:>11.3f}"
                         f"{cv:>15}{r['fit_time']:>10.4f}{params:>9}")
    return "\n".join(lines)


def explain(dataset, estimator):
    """Text explaining, layer by layer, the network built on a standardized dataset.

    Parameters
    ----------
    dataset : str
        Key of :data:`DATASETS`.
    estimator : str
        Key of :data:`ESTIMATORS` naming an estimator with a ``describe`` method.

    Returns
    -------
    text : str
    """
    X, y = DATASETS[dataset]()
    Xs = StandardScaler().fit_transform(X)
    est = ESTIMATORS[estimator]()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", AssumptionWarning)
        est.fit(Xs, y)
    lines = [f"{dataset}: N={X.shape[0]}, M={X.shape[1]}, Q={len(np.unique(y))} "
             "(standardized)", "", str(est.describe())]
    for w in caught:
        if issubclass(w.category, AssumptionWarning):
            lines += ["", f"{w.category.__name__}: {w.message}"]
    return "\n".join(lines)
