"""Separations finer than float64 resolves: a solver failure reads as overlap, not a crash."""

import warnings

import numpy as np
import pytest
from sklearn.datasets import make_classification
from sklearn.model_selection import StratifiedKFold

from sktrunc import SequentialSeparableClassifier
from sktrunc._separation import max_margin_hyperplane
from sktrunc.exceptions import AssumptionWarning

from conftest import forward


def test_a_failing_solver_on_hulls_within_rounding_reports_no_separation(monkeypatch):
    import cvxpy as cp

    def fail(self, *args, **kwargs):
        raise cp.error.SolverError("boom")

    monkeypatch.setattr(cp.Problem, "solve", fail)
    neg = np.array([[0.0, 0.0], [0.0, 1.0]])
    # hulls 1e-7 apart (data of unit spread): overlap to working precision
    assert max_margin_hyperplane(neg, neg + [1e-7, 0.0], solver="SCS") is None
    # a separation far above rounding is still the solver's to find: a clear error
    with pytest.raises(ValueError, match="failed on the max-margin problem.*feasible"):
        max_margin_hyperplane(neg, neg + [1.0, 0.0], solver="SCS")


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
