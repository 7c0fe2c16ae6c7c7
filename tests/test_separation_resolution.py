"""Max-margin problems a QP solver fails on: the hulls' closest points, or overlap to working
precision, not a crash."""

import warnings

import numpy as np
import pytest
from sklearn.datasets import make_classification
from sklearn.model_selection import StratifiedKFold

from sktrunc import SequentialSeparableClassifier, _separation
from sktrunc._separation import max_margin_hyperplane
from sktrunc.exceptions import AssumptionWarning

from conftest import forward


def test_a_failing_solver_on_hulls_within_rounding_reports_no_separation(monkeypatch):
    import cvxpy as cp

    def fail(self, *args, **kwargs):
        raise cp.error.SolverError("boom")

    monkeypatch.setattr(cp.Problem, "solve", fail)
    neg = np.array([[0.0, 0.0], [0.0, 1.0]])
    # the closest points give the hyperplane where they can
    w, b = max_margin_hyperplane(neg, neg + [1.0, 0.0], solver="SCS")
    np.testing.assert_allclose(np.r_[w, b], [2.0, 0.0, -1.0], atol=1e-12)
    # where they cannot, hulls 1e-7 apart (data of unit spread) are overlap to working
    # precision, and a separation far above rounding is a clear error
    monkeypatch.setattr(_separation, "_closest_points", lambda Z, y: (None, False))
    assert max_margin_hyperplane(neg, neg + [1e-7, 0.0], solver="SCS") is None
    with pytest.raises(ValueError, match="failed on the max-margin problem.*feasible"):
        max_margin_hyperplane(neg, neg + [1.0, 0.0], solver="SCS")


def test_a_failing_solver_on_a_lifted_separation_takes_the_closest_points(monkeypatch):
    # moons, with the prototype counts searched by 3-fold CV: a candidate of eight
    # prototypes per class lifts the 2-D data to 36 dimensions, where one hard-margin
    # problem has hulls 2.5e-5 apart and Clarabel fails (the fit raised); the hulls'
    # closest points give a hyperplane that holds every constraint
    from sklearn.datasets import make_moons
    from sklearn.preprocessing import StandardScaler

    X, y = make_moons(400, noise=0.25, random_state=0)
    train = list(StratifiedKFold(5, shuffle=True, random_state=0).split(X, y))[4][0]
    X = StandardScaler().fit_transform(X[train])
    rescued = []
    original = _separation._without_the_solver

    def record(A_neg, A_pos, solver, failure):
        found = original(A_neg, A_pos, solver, failure)
        rescued.append((A_neg, A_pos, found))
        return found

    monkeypatch.setattr(_separation, "_without_the_solver", record)
    monkeypatch.setattr(SequentialSeparableClassifier, "_auto_folds", 3)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", AssumptionWarning)
        clf = SequentialSeparableClassifier(random_state=0).fit(X, y[train])
    assert rescued and all(found is not None for _, _, found in rescued)
    for A_neg, A_pos, (w, b) in rescued:
        assert np.all(A_neg @ w + b <= -1.0 + 1e-9) and np.all(A_pos @ w + b >= 1.0 - 1e-9)
    np.testing.assert_array_equal(clf.predict(X),
                                  clf.classes_[np.argmax(forward(clf, X), axis=1)])


def test_features_spread_over_seven_orders_of_magnitude_fit():
    # unscaled features from 1e-3 to 1e4: with eight prototypes per class (lifted to 40
    # dimensions) two prototypes' hulls come within 7e-7 of each other, where CLARABEL
    # failed and the fit raised; the step is now a soft-margin one, and the network is
    # the forward pass of its own weights
    X, y = make_classification(600, 10, n_informative=5, random_state=2)
    X = X * np.logspace(-3, 4, 10)
    train = next(StratifiedKFold(5, shuffle=True, random_state=0).split(X, y))[0]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", AssumptionWarning)
        clf = SequentialSeparableClassifier(random_state=0).fit(X[train], y[train])
    out = forward(clf, X)
    assert np.all(np.isfinite(out))
    np.testing.assert_array_equal(clf.predict(X), clf.classes_[np.argmax(out, axis=1)])
    assert clf.score(X, y) > 0.8
