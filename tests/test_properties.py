"""Property-based tests (hypothesis): every public estimator under bad and extreme input.

For each estimator found by discovery (as in ``test_common.py``): a model fitted on
``s X`` predicts on ``s X`` what a model fitted on ``X`` predicts on ``X``, for ``s``
from 1e-300 to 1e300, and keeps zero loss where it had it; duplicated rows, constant
rows, a class of one point and extreme values give a clear ``ValueError`` or finite
outputs that the independent forward pass of ``conftest`` reproduces.
"""

import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.base import clone, is_classifier
from test_common import _public_estimators

from sktrunc.datasets import make_clustered

from conftest import cost, forward

ESTIMATORS = [cls(**({"random_state": 0} if "random_state" in cls().get_params() else {}))
              for cls in _public_estimators()]
IDS = [type(est).__name__ for est in ESTIMATORS]
FAST = settings(max_examples=4, deadline=None, derandomize=True)

SCALE_CASES = [pytest.param(est, id=name) for est, name in zip(ESTIMATORS, IDS)]


def _data(n_samples=30, n_features=3, seed=0):
    """Three clustered classes; a regressor gets each class's label as its target."""
    X, y = make_clustered(n_samples=n_samples, n_features=n_features, n_classes=3,
                          clustering_ratio=0.1, random_state=seed)
    return X, y


def _fit(est, X, y):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return clone(est).fit(X, y if is_classifier(est) else y.astype(float))


def _outputs(est, X):
    """The independent forward pass; it must match the estimator's own network."""
    out = forward(est, X)
    np.testing.assert_allclose(out, est.network_.forward(X), rtol=1e-9,
                               atol=1e-9 * max(1.0, np.abs(out).max(initial=0.0)))
    return out


@pytest.mark.parametrize("est", SCALE_CASES)
@FAST
@given(exponent=st.integers(-300, 300), seed=st.integers(0, 3))
def test_predictions_do_not_depend_on_the_units(est, exponent, seed):
    X, y = _data(seed=seed)
    s = 10.0 ** exponent
    ref, scaled = _fit(est, X, y), _fit(est, X * s, y)
    out = _outputs(scaled, X * s)
    assert np.all(np.isfinite(out))
    if is_classifier(est):
        np.testing.assert_array_equal(scaled.predict(X * s), ref.predict(X))
        if cost(ref, X, y) < 1e-20:
            assert cost(scaled, X * s, y) < 1e-18
    else:
        np.testing.assert_allclose(scaled.predict(X * s), ref.predict(X), rtol=1e-6,
                                   atol=1e-6 * np.abs(ref.predict(X)).max())


def _clear_or_finite(est, X, y):
    """A ``ValueError`` (a clear message, no deep numpy error), or finite outputs."""
    try:
        fitted = _fit(est, X, y)
    except ValueError as exc:
        assert str(exc) and type(exc).__module__.split(".")[0] in {"sklearn", "builtins",
                                                                   "sktrunc"}
        return None
    out = _outputs(fitted, X)
    assert np.all(np.isfinite(out))
    return fitted


@pytest.mark.parametrize("est", ESTIMATORS, ids=IDS)
@FAST
@given(copies=st.integers(2, 4), seed=st.integers(0, 3))
def test_duplicated_rows(est, copies, seed):
    X, y = _data(seed=seed)
    fitted = _clear_or_finite(est, np.tile(X, (copies, 1)), np.tile(y, copies))
    if fitted is not None and is_classifier(est):
        # duplicates change no class's points: the training data is still classified
        ref = _fit(est, X, y)
        if ref.score(X, y) == 1.0:
            assert fitted.score(X, y) == 1.0


@pytest.mark.parametrize("est", ESTIMATORS, ids=IDS)
@FAST
@given(value=st.floats(-1e6, 1e6, allow_nan=False, allow_subnormal=False),
       n_minority=st.integers(1, 9))
def test_identical_rows(est, value, n_minority):
    # rows that cannot be told apart: at best the majority class
    X = np.full((20, 3), value)
    y = np.r_[np.zeros(20 - n_minority, int), np.ones(n_minority, int)]
    fitted = _clear_or_finite(est, X, y)
    if fitted is not None and is_classifier(est) and n_minority < 10:
        np.testing.assert_array_equal(fitted.predict(X[:1]), [0])


@pytest.mark.parametrize("est", ESTIMATORS, ids=IDS)
@FAST
@given(column=st.integers(0, 2), value=st.floats(-1e3, 1e3, allow_nan=False),
       seed=st.integers(0, 3))
def test_constant_feature(est, column, value, seed):
    X, y = _data(n_features=4, seed=seed)
    X[:, column] = value
    _clear_or_finite(est, X, y)


@pytest.mark.parametrize("est", ESTIMATORS, ids=IDS)
@FAST
@given(seed=st.integers(0, 3), where=st.floats(-5, 5))
def test_a_class_of_one_point(est, seed, where):
    X, y = _data(seed=seed)
    X = np.vstack([X, np.full(3, where)])
    y = np.r_[y, 3]
    _clear_or_finite(est, X, y)


@pytest.mark.parametrize("est", ESTIMATORS, ids=IDS)
@FAST
@given(exponent=st.sampled_from([-300, -150, 150, 300]), seed=st.integers(0, 3))
def test_features_of_very_different_scales(est, exponent, seed):
    X, y = _data(seed=seed)
    X[:, 0] *= 10.0 ** exponent
    _clear_or_finite(est, X, y)
