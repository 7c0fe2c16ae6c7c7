import pickle
import warnings

import numpy as np
import pytest
from sklearn.datasets import make_regression

from sktrunc import AssumptionWarning, NotInterpolableError, OverparamInterpolator

from conftest import forward


@pytest.mark.parametrize("activation", ["relu", "tanh", "softplus"])
@pytest.mark.parametrize("depth", [1, 5, 20])
def test_explicit_construction_interpolates_at_any_depth(activation, depth):
    rng = np.random.default_rng(depth)
    X, Y = rng.normal(size=(30, 40)), rng.normal(size=(30, 3))
    reg = OverparamInterpolator(n_hidden_layers=depth, activation=activation,
                                random_state=0).fit(X, Y)
    assert reg.strategy_ == "explicit" and len(reg.coefs_) == depth + 1
    out = forward(reg, X, activation)
    assert np.abs(out - Y).max() < 1e-9 * np.abs(Y).max()
    np.testing.assert_allclose(reg.predict(X), out, rtol=1e-12, atol=1e-12)


def test_to_mlp_predicts_identically():
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(15, 20)), rng.normal(size=15)
    for activation in ("relu", "tanh"):
        reg = OverparamInterpolator(n_hidden_layers=3, activation=activation,
                                    random_state=0).fit(X, y)
        np.testing.assert_allclose(reg.to_mlp().predict(X), reg.predict(X), atol=1e-12)
    with pytest.raises(ValueError, match="softplus"):
        OverparamInterpolator(activation="softplus", random_state=0).fit(X, y).to_mlp()


def test_rank_deficient_inputs_get_the_named_error():
    rng = np.random.default_rng(1)
    X, y = rng.normal(size=(50, 5)), rng.normal(size=50)
    with pytest.raises(NotInterpolableError, match=r"rank \[X 1\] = 6 with n_samples = 50 and "
                                                   r"n_features = 5.*strategy='knots'"):
        OverparamInterpolator(strategy="explicit").fit(X, y)
    X = rng.normal(size=(10, 20))
    with pytest.raises(NotInterpolableError, match="rank"):
        OverparamInterpolator(strategy="explicit").fit(np.vstack([X, X[:1]]),
                                                       np.arange(11.0))
    assert issubclass(NotInterpolableError, ValueError)


pytestmark = pytest.mark.filterwarnings("ignore:Interpolating:sktrunc.AssumptionWarning")


def test_lift_interpolates_dependent_inputs_and_refuses_conflicting_duplicates():
    X, y = make_regression(n_samples=200, n_features=10, noise=20, random_state=42)
    reg = OverparamInterpolator(strategy="lift", random_state=0).fit(X, y)
    assert reg.strategy_ == "lift" and reg.interpolates_
    assert np.abs(forward(reg, X).ravel() - y).max() < 1e-6 * np.abs(y).max()
    X2 = np.vstack([X, X[:3]])
    ok = OverparamInterpolator(strategy="lift", random_state=0).fit(X2, np.r_[y, y[:3]])
    assert ok.interpolates_  # duplicates with equal targets are fine
    with pytest.raises(NotInterpolableError, match="3 input rows occur more than once"):
        OverparamInterpolator(strategy="lift").fit(X2, np.r_[y, y[:3] + 1])


def test_region_strategy_on_small_data_and_determinism():
    rng = np.random.default_rng(0)
    X = rng.uniform(-1, 1, (10, 2))
    y = np.sum(X ** 2, axis=1)  # the paper's 'polynomial' labels
    a = OverparamInterpolator(strategy="region", hidden_width=40, max_regions=10,
                              random_state=3).fit(X, y)
    assert a.interpolates_ and a.n_regions_tried_ >= 1
    assert np.abs(forward(a, X).ravel() - y).max() < 1e-6
    # the network lives in the region it was solved in
    pre = X @ a.coefs_[0] + a.intercepts_[0]
    assert np.all(pre[a.activation_pattern_] >= -1e-7) and np.all(pre[~a.activation_pattern_]
                                                                    <= 1e-7)
    b = OverparamInterpolator(strategy="region", hidden_width=40, max_regions=10,
                              random_state=3, n_jobs=2).fit(X, y)
    assert b.n_regions_tried_ == a.n_regions_tried_
    np.testing.assert_allclose(b.coefs_[0], a.coefs_[0])


def test_region_failure_warns_or_raises():
    rng = np.random.default_rng(1)
    X, y = rng.uniform(-1, 1, (30, 1)), rng.normal(size=30)  # 2 units cannot fit 30 points
    with pytest.warns(AssumptionWarning, match="No activation region among the 2 tried"):
        reg = OverparamInterpolator(strategy="region", hidden_width=2, max_regions=2,
                                    random_state=0).fit(X, y)
    assert not reg.interpolates_ and reg.n_regions_tried_ == 2
    with pytest.raises(NotInterpolableError, match="best loss"):
        OverparamInterpolator(strategy="region", hidden_width=2, max_regions=2, strict=True,
                              random_state=0).fit(X, y)
    with pytest.raises(ValueError, match="ReLU networks"):
        OverparamInterpolator(strategy="region", activation="tanh").fit(X, y)


def test_class_labels_through_one_hot_targets_and_pickle():
    rng = np.random.default_rng(2)
    X, labels = rng.normal(size=(12, 15)), rng.integers(0, 3, 12)
    reg = OverparamInterpolator(random_state=0).fit(X, np.eye(3)[labels])
    np.testing.assert_array_equal(reg.predict(X).argmax(1), labels)
    restored = pickle.loads(pickle.dumps(reg))
    np.testing.assert_array_equal(restored.predict(X), reg.predict(X))


def test_verbose_region_search_prints_only_when_asked(capsys):
    rng = np.random.default_rng(5)
    X, y = rng.uniform(-1, 1, (8, 2)), rng.normal(size=8)
    OverparamInterpolator(strategy="region", hidden_width=30, random_state=0).fit(X, y)
    assert capsys.readouterr().out == ""
    OverparamInterpolator(strategy="region", hidden_width=30, random_state=0, verbose=1).fit(X, y)
    assert "region 1/" in capsys.readouterr().out


def test_region_strategy_interpolates_the_sklearn_regression_check_data():
    # the data of scikit-learn's check_regressors_train: n = 200, 10 features, noisy
    X, y = make_regression(n_samples=200, n_features=10, n_informative=1, bias=5.0, noise=20,
                           random_state=42)
    reg = OverparamInterpolator(strategy="region", random_state=0).fit(X, y)
    assert reg.strategy_ == "region" and reg.interpolates_
    assert reg.network_.layer_sizes == (10, 300, 1)
    assert np.abs(forward(reg, X).ravel() - y).max() < 1e-6 * np.abs(y).max()
    pre = X @ reg.coefs_[0] + reg.intercepts_[0]
    assert np.all(pre[reg.activation_pattern_] >= -1e-6)  # the network lives in its region


def test_interpolating_noisy_data_warns_and_alpha_trades_exactness():
    X, y = make_regression(n_samples=80, n_features=5, noise=10, random_state=0)
    with pytest.warns(AssumptionWarning, match="Interpolating 80 distinct samples"):
        exact = OverparamInterpolator(random_state=0).fit(X, y)
    assert exact.interpolates_
    assert exact.training_cost_ == pytest.approx(0.5 * np.sum((forward(exact, X).ravel() - y)
                                                              ** 2), abs=1e-12)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        smooth = OverparamInterpolator(alpha=1e-2, random_state=0).fit(X, y)
    assert smooth.strategy_ == "lift" and not smooth.interpolates_
    assert smooth.training_cost_ == pytest.approx(
        0.5 * np.sum((forward(smooth, X).ravel() - y) ** 2), rel=1e-10)
    with pytest.raises(ValueError, match="alpha > 0 needs"):
        OverparamInterpolator(strategy="region", alpha=1.0).fit(X, y)


def test_alpha_tuned_is_at_least_ridge_on_diabetes():
    from sklearn.datasets import load_diabetes
    from sklearn.linear_model import Ridge
    from sklearn.model_selection import GridSearchCV, cross_val_score
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    X, y = load_diabetes(return_X_y=True)
    ours = GridSearchCV(make_pipeline(StandardScaler(), OverparamInterpolator(random_state=0)),
                        {"overparaminterpolator__alpha": [1e-3, 1e-2, 1e-1, 1.0]}, cv=3)
    ridge = GridSearchCV(make_pipeline(StandardScaler(), Ridge()),
                         {"ridge__alpha": [0.1, 1.0, 10.0, 100.0]}, cv=3)
    assert (cross_val_score(ours, X, y, cv=3).mean()
            >= cross_val_score(ridge, X, y, cv=3).mean())


def test_identical_rows_with_a_constant_target_interpolate():
    X, y = np.ones((30, 4)), np.full(30, 7.0)
    reg = OverparamInterpolator(random_state=0).fit(X, y)
    assert reg.interpolates_ and reg.training_residual_ < 1e-12
    np.testing.assert_allclose(reg.predict(X[:2]), [7.0, 7.0])
    assert np.all(np.isfinite(OverparamInterpolator(alpha=1.0).fit(X[:1], y[:1]).predict(X)))


def test_sizes_that_cannot_fit_are_refused_before_allocating():
    n = 200_000
    X = np.column_stack([np.arange(n, dtype=float), np.zeros(n)])
    with pytest.raises(ValueError, match=r"strategy='lift' on 200000 distinct samples would "
                                         r"need about .* GB .*200000 x 200004 floats"):
        OverparamInterpolator(strategy="lift").fit(X, np.zeros(n))
    with pytest.raises(ValueError, match="strategy='region'.*constraint nonzeros"):
        OverparamInterpolator(strategy="region", max_memory_gb=0.01).fit(X[:300], np.zeros(300))


def test_auto_takes_the_cheap_route():
    rng = np.random.default_rng(0)
    small = OverparamInterpolator(random_state=0).fit(rng.uniform(-1, 1, (30, 3)),
                                                      rng.normal(size=30))
    assert small.strategy_ == "knots" and small.interpolates_
    X = rng.uniform(-1, 1, (600, 10))
    big = OverparamInterpolator(random_state=0).fit(X, rng.normal(size=600))
    assert big.strategy_ == "knots" and big.interpolates_
    assert big.network_.layer_sizes == (10, 600, 1) and big.memory_estimate_gb_ < 0.01
    # with alpha > 0 the lift's random units are capped: a ridge network, not n wide
    X = rng.uniform(-1, 1, (1500, 3))
    ridge = OverparamInterpolator(alpha=1e-3, random_state=0).fit(X, rng.normal(size=1500))
    assert ridge.strategy_ == "lift" and ridge.network_.layer_sizes[1] == 1000 + 3


@pytest.mark.parametrize("depth", [1, 3])
def test_knots_interpolate_by_an_independent_forward_pass(depth):
    X, Y = make_regression(n_samples=300, n_features=6, n_targets=2, noise=30, random_state=1)
    X = np.vstack([X, X[:5]])  # repeated rows with equal targets are merged
    Y = np.vstack([Y, Y[:5]])
    reg = OverparamInterpolator(strategy="knots", n_hidden_layers=depth, hidden_width=4,
                                random_state=0).fit(X, Y)
    out = forward(reg, X)
    assert np.abs(out - Y).max() < 1e-8 * np.abs(Y).max() and reg.interpolates_
    assert len(reg.coefs_) == depth + 1 and reg.coefs_[0].shape == (6, 300)
    # every first-layer unit is sigma(±(x·u) - t): one projection, knots at the rows
    u = reg.projection_
    np.testing.assert_allclose(np.abs(reg.coefs_[0]), np.abs(u)[:, None] * np.ones(300))
    # beyond the data the polyline continues linearly: no blow-up far away
    far = forward(reg, 2 * X[:3])
    assert np.all(np.isfinite(far))


def test_knots_on_one_and_two_rows_and_a_smooth_default():
    X1 = np.array([[1.0, 2.0]])
    one = OverparamInterpolator(strategy="knots").fit(X1, [3.0])
    np.testing.assert_allclose(one.predict([[5.0, -1.0], [1.0, 2.0]]), [3.0, 3.0])
    two = OverparamInterpolator(strategy="knots", random_state=0).fit(
        np.array([[0.0, 0.0], [1.0, 1.0]]), [0.0, 2.0])
    np.testing.assert_allclose(two.predict([[0.5, 0.5], [0.0, 0.0]]), [1.0, 0.0], atol=1e-12)
    # on a noiseless linear target the polyline along the fitted direction is that line
    rng = np.random.default_rng(3)
    X = rng.normal(size=(200, 4))
    y = X @ np.array([1.0, -2.0, 0.5, 0.0]) + 1.0
    reg = OverparamInterpolator(random_state=0).fit(X, y)
    X_new = rng.normal(size=(50, 4))
    error = np.abs(reg.predict(X_new) - (X_new @ np.array([1.0, -2.0, 0.5, 0.0]) + 1.0))
    assert error.max() < 0.02 * np.ptp(y)  # along a random direction: 0.48 ptp


def test_knots_refused_by_cost_before_allocating():
    n = 200_000
    X = np.column_stack([np.arange(n, dtype=float), np.zeros(n)])
    with pytest.raises(ValueError, match=r"strategy='knots' on 200000 distinct samples .*"
                                         r"multiply-adds"):
        OverparamInterpolator().fit(X, np.zeros(n))


from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402


@settings(max_examples=15, deadline=None)
@given(st.sampled_from([{}, {"strategy": "lift"}, {"strategy": "knots"}, {"alpha": 0.1}]),
       st.floats(-10, 10))
def test_scale_invariance(params, log_scale):
    rng = np.random.default_rng(0)
    X, y = (rng.normal(size=(20, 30)), rng.normal(size=20)) if not params else (
        rng.normal(size=(60, 4)), rng.normal(size=60))
    s = 10.0 ** log_scale
    X_new = 1.3 * X[:10] + 0.1
    a = OverparamInterpolator(random_state=0, **params).fit(X, y).predict(X_new)
    b = OverparamInterpolator(random_state=0, **params).fit(X * s, y).predict(X_new * s)
    np.testing.assert_allclose(b, a, rtol=1e-8, atol=1e-9 * np.abs(a).max())
