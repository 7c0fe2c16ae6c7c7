import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.datasets import load_diabetes, load_iris, make_friedman1
from sklearn.linear_model import LinearRegression
from sklearn.model_selection import cross_val_score
from sklearn.neighbors import NearestCentroid
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sktrunc import (
    AssumptionWarning,
    ShallowBoundClassifier,
    ShallowBoundRegressor,
    shallow_bound_experiment,
)
from sktrunc._shallow import theorem_3_2_cost, truncated_shallow_network

from conftest import forward


def mixture(n_classes, n_features, std, seed, per_class=10):
    """Section 4's data: orthonormal means, Gaussian noise, one-hot targets."""
    rng = np.random.default_rng(seed)
    means = np.linalg.qr(rng.normal(size=(n_features, n_classes)))[0].T
    X = np.repeat(means, per_class, axis=0) + std * rng.normal(size=(per_class * n_classes,
                                                                        n_features))
    return X, np.repeat(np.arange(n_classes), per_class)


def bound_3_15(X, y, centred):
    """(3.15) computed here from the class means: ||Y Pen(X0red) ΔX0||_F / sqrt(N)."""
    Q = y.max() + 1
    means = np.array([X[y == j].mean(0) for j in range(Q)])
    Y = np.eye(Q)
    if centred:
        c, yc = means.mean(0), Y.mean(0)
        A = np.linalg.pinv(means - c) @ (Y - yc)
    else:
        A = np.linalg.pinv(means) @ Y
    return np.linalg.norm((X - means[y]) @ A) / np.sqrt(len(y))


def constructive(**kw):
    return ShallowBoundClassifier(output_layer="constructive", **kw)


@pytest.mark.parametrize("n_classes", [2, 3, 4])
@pytest.mark.parametrize("centering", ["means", "none"])
@pytest.mark.parametrize("seed", range(3))
def test_constructive_rms_equals_the_bound_3_15(n_classes, centering, seed):
    X, y = mixture(n_classes, 4, 0.2, seed)
    clf = constructive(centering=centering).fit(X, y)
    residual = forward(clf, X) - np.eye(n_classes)[y]
    rms = np.sqrt(np.sum(residual ** 2) / len(y))
    # the paper's (3.15) and the centred variant, each from an independent computation
    assert clf.bound_3_15_ == pytest.approx(bound_3_15(X, y, False), rel=1e-10)
    assert clf.bound_centred_ == pytest.approx(bound_3_15(X, y, True), rel=1e-10)
    attained = clf.bound_centred_ if centering == "means" else clf.bound_3_15_
    assert rms == pytest.approx(attained, rel=1e-10)
    assert clf.training_rms_ == pytest.approx(rms, rel=1e-10)
    assert clf.training_cost_ == pytest.approx(0.5 * np.sum(residual ** 2), rel=1e-10)  # (14)
    assert clf.bound_3_15_ <= clf.bound_3_16_ * (1 + 1e-12)  # (3.16)
    lstsq = ShallowBoundClassifier(centering=centering, output_layer="lstsq").fit(X, y)
    assert lstsq.training_cost_ <= clf.training_cost_ * (1 + 1e-12)


def test_delta_P_and_the_opnorm_bound_from_an_independent_computation():
    X, y = mixture(3, 5, 0.3, 7)
    clf = ShallowBoundClassifier().fit(X, y)
    means = np.array([X[y == j].mean(0) for j in range(3)])
    proj = (X - means[y]) @ np.linalg.pinv(means)
    delta = np.sqrt((proj ** 2).sum(1)).max()
    assert clf.delta_P_ == pytest.approx(delta, rel=1e-10)
    assert clf.bound_3_16_ == pytest.approx(np.linalg.norm(np.eye(3), 2) * delta, rel=1e-10)


def test_centred_bound_is_translation_invariant_and_lower_here():
    X, y = mixture(3, 4, 0.2, 0)
    a = ShallowBoundClassifier().fit(X, y)
    b = ShallowBoundClassifier().fit(X + 10.0, y)
    assert a.bound_centred_ == pytest.approx(b.bound_centred_, rel=1e-9)
    assert b.bound_3_15_ != pytest.approx(a.bound_3_15_, rel=1e-3)  # (3.15) is not
    assert ShallowBoundClassifier().fit(3 * X, y).bound_3_15_ == pytest.approx(a.bound_3_15_)
    assert a.bound_centred_ < a.bound_3_15_


def test_theorem_3_3_metric_equals_the_constructive_decision():
    X, y = mixture(4, 4, 0.3, 1)
    clf = constructive().fit(X, y)
    X_test = np.random.default_rng(2).normal(scale=2.0, size=(400, 4))
    np.testing.assert_array_equal(clf.metric_predict(X_test), clf.predict(X_test))
    np.testing.assert_array_equal(clf.metric_predict(X), clf.predict(X))


def _weighted_fit(X, y, free_bias):
    w = 1.0 / np.bincount(y)[y]
    D = np.column_stack([X, np.ones(len(X))]) if free_bias else X
    sol = np.linalg.lstsq(D * np.sqrt(w)[:, None], np.eye(3)[y] * np.sqrt(w)[:, None],
                          rcond=None)[0]
    residual = D @ sol - np.eye(3)[y]
    return np.sqrt(np.sum(w * np.sum(residual ** 2, axis=1))), residual, w


def test_theorem_3_2_value_is_the_best_bias_free_layer_and_a_free_bias_is_lower():
    rng = np.random.default_rng(3)
    X = np.repeat(np.eye(3), [5, 10, 15], axis=0) + 0.1 * rng.normal(size=(30, 3))
    y = np.repeat([0, 1, 2], [5, 10, 15])
    pinned, _, _ = _weighted_fit(X, y, free_bias=False)
    free, _, _ = _weighted_fit(X, y, free_bias=True)
    assert theorem_3_2_cost(X, y, np.eye(3)) == pytest.approx(pinned, rel=1e-10)
    clf = ShallowBoundClassifier(centering="none", output_layer="lstsq").fit(X, y)
    assert clf.theorem_3_2_value_ == pytest.approx(pinned, rel=1e-10)
    assert free < pinned * (1 - 1e-3)  # the free output bias does strictly better ...
    # ... so the bias-free optimum is not critical: the weighted cost's gradient in b2
    _, residual, w = _weighted_fit(X, y, free_bias=False)
    grad_b2 = 2 * (w[:, None] * residual).sum(axis=0)
    assert np.linalg.norm(grad_b2) > 1e-3


def test_theorem_3_5_truncated_network_attains_its_value():
    X, y = mixture(3, 3, 0.2, 11)
    X = X + 0.5  # means positive-ish; the bias truncates part of the data
    b = np.array([-0.6, -0.55, -0.5])
    net, value = truncated_shallow_network(X, y, np.eye(3), np.eye(3), b)
    out = net.forward(X)
    w = 1.0 / np.bincount(y)[y]
    weighted = np.sqrt(np.sum(w * np.sum((out - np.eye(3)[y]) ** 2, axis=1)))
    assert weighted == pytest.approx(value, rel=1e-9)
    assert np.any(X @ np.eye(3) + b < 0)  # ReLU does truncate some coordinates
    tau = np.maximum(X + b, 0) - b
    assert value == pytest.approx(theorem_3_2_cost(tau, y, np.eye(3)), rel=1e-12)
    with pytest.raises(ValueError, match="invertible"):
        truncated_shallow_network(X, y, np.eye(3), np.zeros((3, 3)), b)


def test_regressor_default_generalises_at_least_like_linear_regression():
    X, y = make_friedman1(n_samples=300, noise=1.0, random_state=0)
    ours = cross_val_score(make_pipeline(StandardScaler(), ShallowBoundRegressor()), X, y,
                           cv=5).mean()
    linear = cross_val_score(LinearRegression(), X, y, cv=5).mean()
    assert ours > linear + 0.05  # Friedman #1 is nonlinear: the hinge units help
    X, y = load_diabetes(return_X_y=True)
    ours = cross_val_score(ShallowBoundRegressor(), X, y, cv=5).mean()
    linear = cross_val_score(LinearRegression(), X, y, cv=5).mean()
    assert ours >= linear - 1e-9
    assert ours >= 0.47  # issue 11's target
    reg = ShallowBoundRegressor().fit(X, y)
    np.testing.assert_allclose(reg.predict(X), forward(reg, X).ravel())
    assert reg.training_cost_ == pytest.approx(0.5 * np.sum((forward(reg, X).ravel() - y) ** 2))


def test_regressor_alpha_inf_is_linear_regression_and_alpha_tunes():
    X, y = make_friedman1(n_samples=120, noise=1.0, random_state=1)
    # one group and no pairs: no hinge units; unpenalised linear units: linear regression
    lin = ShallowBoundRegressor(n_groups=1, pair_knots=0, alpha_linear=0).fit(X, y)
    np.testing.assert_allclose(lin.predict(X), LinearRegression().fit(X, y).predict(X),
                               rtol=1e-8, atol=1e-8)
    assert lin.n_hinge_units_ == 0
    a = ShallowBoundRegressor(alpha=1e-3).fit(X, y)
    b = ShallowBoundRegressor(alpha=10.0).fit(X, y)
    assert a.n_hinge_units_ > 0 and a.alpha_ == 1e-3
    assert a.training_cost_ < b.training_cost_ < lin.training_cost_


def test_linear_penalty_by_leave_one_out_on_few_rows():
    # 20 rows, 3 features, 3 outputs: least squares on the linear units overfits
    from sklearn.datasets import load_linnerud
    from sklearn.linear_model import Ridge
    from sklearn.model_selection import KFold

    X, Y = load_linnerud(return_X_y=True)
    cv = KFold(5)
    for y in (Y, Y[:, 0]):
        ours = cross_val_score(make_pipeline(StandardScaler(), ShallowBoundRegressor()), X, y,
                               cv=cv).mean()
        ridge = cross_val_score(make_pipeline(StandardScaler(), Ridge()), X, y, cv=cv).mean()
        linear = cross_val_score(LinearRegression(), X, y, cv=cv).mean()
        assert ours > ridge > linear
    reg = ShallowBoundRegressor().fit(X, Y)
    assert reg.alpha_linear_ > 0
    # the same penalty by hand: ridge on the centred linear units, lam = alpha ||Zc||²
    Xc = X - X.mean(axis=0)
    lam = reg.alpha_linear_ * np.sum(Xc ** 2)
    coef = np.linalg.solve(Xc.T @ Xc + lam * np.eye(3), Xc.T @ (Y - Y.mean(axis=0)))
    if reg.n_hinge_units_ == 0:
        np.testing.assert_allclose(reg.predict(X), Xc @ coef + Y.mean(axis=0), rtol=1e-8)


def test_blocked_ridge_output_equals_the_dense_solution():
    # more rows than one block: the Gram blocks and the GCV choice must give the network
    # that dense ridge on the same units gives
    from sktrunc import _shallow

    rng = np.random.default_rng(0)
    X = rng.uniform(-1, 1, (3000, 3))
    y = np.sin(3 * X[:, 0]) + X[:, 1] * X[:, 2] + 0.1 * rng.normal(size=3000)
    whole = ShallowBoundRegressor().fit(X, y)  # one block, penalties chosen by GCV
    old = _shallow._BLOCK_FLOATS
    try:
        _shallow._BLOCK_FLOATS = 256 * 40  # blocks of 256 rows
        reg = ShallowBoundRegressor(alpha=1e-3, alpha_linear=1e-4).fit(X, y)
        blocked = ShallowBoundRegressor().fit(X, y)
    finally:
        _shallow._BLOCK_FLOATS = old
    assert (blocked.alpha_, blocked.alpha_linear_) == (whole.alpha_, whole.alpha_linear_)
    np.testing.assert_allclose(blocked.predict(X), whole.predict(X), rtol=1e-8, atol=1e-8)
    H = np.maximum(X @ reg.coefs_[0] + reg.intercepts_[0], 0.0)
    m, p = 3, H.shape[1] - 3
    Zc, Hh = H[:, :m] - H[:, :m].mean(axis=0), H[:, m:]
    P = np.column_stack([np.ones(len(X)), H[:, :m]])  # the linear units, projected out
    Ht = Hh - P @ np.linalg.lstsq(P, Hh, rcond=None)[0]
    pen = np.r_[0.0, np.full(m, 1e-4 * np.sum(Zc ** 2)), np.full(p, 1e-3 * np.sum(Ht ** 2))]
    F = np.column_stack([np.ones(len(X)), H])
    yn = y / np.abs(y).max()
    beta = np.linalg.solve(F.T @ F + np.diag(pen), F.T @ yn) * np.abs(y).max()
    np.testing.assert_allclose(reg.predict(X), F @ beta, rtol=1e-7, atol=1e-7)
    assert reg.score(X, y) > 0.9 and reg.n_hinge_units_ > 0


def test_continuous_constructive_output_is_measured_against_the_actual_y():
    X, y = load_diabetes(return_X_y=True)
    reg = ShallowBoundRegressor(output_layer="constructive").fit(X, y)
    out = forward(reg, X).ravel()
    assert reg.training_cost_ == pytest.approx(0.5 * np.sum((out - y) ** 2), rel=1e-10)
    group_targets = reg.targets_.ravel()
    # the group RMS is against the group averages, and it is the (centred) bound
    assert reg.group_rms_ == pytest.approx(reg.bound_centred_, rel=1e-8)
    assert reg.training_rms_ > reg.group_rms_
    assert group_targets.shape == (reg.n_groups_,)


def test_few_points_each_their_own_group_interpolate():
    rng = np.random.default_rng(4)
    X, y = rng.normal(size=(6, 8)), rng.normal(size=(6, 2))
    reg = ShallowBoundRegressor(output_layer="constructive").fit(X, y)
    assert reg.n_groups_ == 6
    np.testing.assert_allclose(forward(reg, X), y, atol=1e-10)


def test_target_vectors_and_labels_in_the_regressor():
    X, y = mixture(3, 4, 0.1, 5)
    Y = np.array([[0.0, 1.0], [2.0, 0.0], [1.0, 1.0]])[y]
    reg = ShallowBoundRegressor(output_layer="constructive").fit(X, Y)
    assert reg.target_type_ == "vectors" and reg.predict(X).shape == (30, 2)
    assert reg.training_rms_ == pytest.approx(reg.bound_centred_)
    labels = ShallowBoundRegressor(target_type="labels").fit(X, y)
    assert labels.predict(X).shape == (30, 3) and labels.targets_.shape == (3, 3)
    assert not hasattr(labels, "classes_")  # a regressor
    np.testing.assert_array_equal(labels.labels_, [0, 1, 2])
    assert labels.score(X, y) > 0.9  # labels scored through their target vectors
    with pytest.raises(ValueError, match="not seen"):
        labels.score(X, y + 5)


def test_classifier_default_is_at_least_nearest_centroid():
    from sklearn.datasets import make_classification

    X, y = load_iris(return_X_y=True)
    cases = [(X, y)]
    X, y = make_classification(n_samples=300, n_features=12, n_informative=4,
                               n_redundant=2, n_classes=6, n_clusters_per_class=1,
                               random_state=0)
    cases.append((X, y))
    for X, y in cases:
        ours = cross_val_score(make_pipeline(StandardScaler(), ShallowBoundClassifier()),
                               X, y, cv=5).mean()
        nc = cross_val_score(make_pipeline(StandardScaler(), NearestCentroid()), X, y,
                             cv=5).mean()
        assert ours >= nc


def _imbalanced(seed=0):
    from sklearn.datasets import make_classification

    return make_classification(n_samples=600, n_features=8, n_informative=5, n_redundant=0,
                               n_classes=3, n_clusters_per_class=1, weights=[.75, .2, .05],
                               class_sep=0.6, random_state=seed)


def test_shrinkage_one_and_equal_priors_is_nearest_centroid():
    X, y = mixture(4, 6, 0.6, 3, per_class=20)
    # unequal class sizes: the class proportions would move the decision
    X, y = X[np.r_[0:20, 20:30, 40:45, 60:80]], y[np.r_[0:20, 20:30, 40:45, 60:80]]
    clf = ShallowBoundClassifier(shrinkage=1.0, priors="equal").fit(X, y)
    X_test = np.random.default_rng(1).normal(size=(300, 6))
    nc = NearestCentroid().fit(X, y).predict(X_test)
    np.testing.assert_array_equal(clf.predict(X_test), nc)
    assert clf.training_accuracy_ == pytest.approx(np.mean(clf.predict(X) == y))
    assert not np.array_equal(ShallowBoundClassifier(shrinkage=1.0).fit(X, y).predict(X_test),
                              nc)


def test_default_priors_are_lda_with_class_proportions():
    from sklearn.discriminant_analysis import LinearDiscriminantAnalysis

    X, y = _imbalanced()
    clf = ShallowBoundClassifier(shrinkage=0.3).fit(X, y)
    lda = LinearDiscriminantAnalysis(solver="lsqr", shrinkage=0.3).fit(X, y)
    np.testing.assert_allclose(clf.priors_, np.bincount(y) / len(y), rtol=1e-15)
    # near the data (no unit truncated) the network's output differences are LDA's
    # decision differences times one positive scale
    X_test = X + 0.1 * np.random.default_rng(2).normal(size=X.shape)
    f, d = forward(clf, X_test), lda.decision_function(X_test)
    df, dd = (f[:, 1:] - f[:, :1]).ravel(), (d[:, 1:] - d[:, :1]).ravel()
    scale = df @ dd / (df @ df)
    assert scale > 0
    np.testing.assert_allclose(scale * df, dd, rtol=0, atol=1e-10 * np.abs(dd).max())
    np.testing.assert_array_equal(clf.predict(X_test), lda.predict(X_test))
    # given priors are normalised; equal ones are the "equal" rule
    a = ShallowBoundClassifier(priors=[2.0, 2.0, 2.0]).fit(X, y)
    b = ShallowBoundClassifier(priors="equal").fit(X, y)
    np.testing.assert_allclose(a.priors_, np.full(3, 1 / 3), rtol=1e-15)
    np.testing.assert_allclose(forward(a, X_test), forward(b, X_test), rtol=1e-12)


def test_class_proportions_help_on_imbalanced_tables():
    X, y = _imbalanced(1)
    cv = [cross_val_score(make_pipeline(StandardScaler(), ShallowBoundClassifier(priors=p)),
                          X, y, cv=5).mean() for p in (None, "equal")]
    assert cv[0] > cv[1] + 0.02


@pytest.mark.parametrize("priors, match", [
    ([0.5, 0.5], r"shape \(2,\); 3 classes"),
    ([0.5, 0.5, 0.0], "positive"),
    ([0.5, 0.7, -0.2], "positive"),
    ([0.5, np.nan, 0.5], "finite"),
])
def test_bad_priors_are_refused(priors, match):
    X, y = _imbalanced()
    with pytest.raises(ValueError, match=match):
        ShallowBoundClassifier(priors=priors).fit(X, y)


def test_assumption_violation_is_named():
    X, y = mixture(4, 4, 0.1, 6)
    X = X[:, :2]  # 4 classes in 2 dimensions: means affinely dependent
    with pytest.warns(AssumptionWarning, match=r"not affinely independent \(rank 2 < 3"):
        constructive().fit(X, y)
    with pytest.raises(ValueError, match="1 class"):
        ShallowBoundClassifier().fit(X, np.zeros(len(X)))


def test_iris_and_beta():
    X, y = load_iris(return_X_y=True)
    clf = constructive().fit(X, y)
    assert clf.network_.layer_sizes == (4, 2, 3)
    assert constructive(width="full").fit(X, y).network_.layer_sizes == (4, 4, 3)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert constructive(beta=100.0).fit(X, y).beta_ == pytest.approx(100.0)
    assert constructive().fit(10 * X, y).beta_ == pytest.approx(10 * clf.beta_)
    with pytest.warns(AssumptionWarning, match=r"beta = 0.001 does not exceed max \|P\(x - c\)\| "
                                               r"= 3\.\d"):
        constructive(beta=1e-3).fit(X, y)
    with pytest.raises(ValueError, match="erases"):
        constructive(beta=1e300).fit(X, y)


@pytest.mark.parametrize("make", [
    lambda: ShallowBoundRegressor(),
    lambda: ShallowBoundRegressor(output_layer="constructive"),
    lambda: ShallowBoundRegressor(output_layer="lstsq"),
    lambda: ShallowBoundRegressor(n_groups=1),
])
def test_degenerate_regression_inputs_give_finite_outputs(make):
    X, y = load_diabetes(return_X_y=True)
    for Xf, yf in [(X[:1], y[:1]), (np.ones((20, 3)), y[:20]), (X[:40], np.full(40, 3.0))]:
        pred = make().fit(Xf, yf).predict(Xf)
        assert np.all(np.isfinite(pred))
        np.testing.assert_allclose(pred.mean(), yf.mean(), rtol=1e-8)


@pytest.mark.parametrize("output_layer", ["nearest_mean", "constructive", "lstsq"])
def test_degenerate_classification_inputs_give_finite_outputs(output_layer):
    clf = ShallowBoundClassifier(output_layer=output_layer).fit(np.ones((4, 2)), [0, 1, 0, 1])
    assert np.all(np.isfinite(clf.decision_function(np.ones((3, 2)))))


def test_huge_targets_are_refused():
    X, y = load_diabetes(return_X_y=True)
    with pytest.raises(ValueError, match="overflow"):
        ShallowBoundRegressor().fit(X, y * 1e300)
    Xi, yi = load_iris(return_X_y=True)
    with pytest.raises(ValueError, match="overflow"):
        ShallowBoundClassifier(targets=np.eye(3) * 1e300).fit(Xi, yi)


@settings(max_examples=15, deadline=None)
@given(st.sampled_from(["nearest_mean", "constructive", "lstsq"]), st.floats(-10, 10))
def test_classifier_is_scale_invariant(output_layer, log_scale):
    X, y = load_iris(return_X_y=True)
    s = 10.0 ** log_scale
    a = ShallowBoundClassifier(output_layer=output_layer).fit(X, y)
    b = ShallowBoundClassifier(output_layer=output_layer).fit(X * s, y)
    np.testing.assert_allclose(b.decision_function(X * s), a.decision_function(X),
                               rtol=1e-8, atol=1e-10)
    np.testing.assert_array_equal(b.predict(X * s), a.predict(X))


@settings(max_examples=15, deadline=None)
@given(st.sampled_from(["ridge", "constructive", "lstsq"]), st.floats(-10, 10))
def test_regressor_is_scale_invariant(output_layer, log_scale):
    X, y = load_diabetes(return_X_y=True)
    X, y = X[:150], y[:150]
    s = 10.0 ** log_scale
    a = ShallowBoundRegressor(output_layer=output_layer).fit(X, y).predict(X)
    b = ShallowBoundRegressor(output_layer=output_layer).fit(X * s, y).predict(X * s)
    np.testing.assert_allclose(b, a, rtol=1e-7 * 1, atol=1e-9 * np.abs(a).max())


def test_extreme_scales_do_not_overflow():
    X, y = load_iris(return_X_y=True)
    clf = ShallowBoundClassifier().fit(X * 1e300, y)
    assert np.all(np.isfinite(clf.decision_function(X * 1e300)))
    Xd, yd = load_diabetes(return_X_y=True)
    reg = ShallowBoundRegressor(output_layer="lstsq").fit(Xd * 1e300, yd)
    assert np.all(np.isfinite(reg.predict(Xd * 1e300)))


@settings(max_examples=25, deadline=None)
@given(st.integers(2, 5), st.integers(0, 3), st.floats(0.01, 1.0), st.integers(0, 10_000))
def test_lstsq_output_never_above_the_constructive_cost(n_classes, extra_dims, std, seed):
    X, y = mixture(n_classes, n_classes + extra_dims, std, seed, per_class=6)
    lstsq = ShallowBoundClassifier(output_layer="lstsq").fit(X, y)
    paper = constructive().fit(X, y)
    assert lstsq.training_cost_ <= paper.training_cost_ * (1 + 1e-9) + 1e-12
    assert paper.training_rms_ == pytest.approx(paper.bound_centred_, rel=1e-9)


def test_the_section_4_experiment():
    from sktrunc.datasets import make_gaussian_mixture

    X, y, means = make_gaussian_mixture(5, 4, 3, cluster_std=0.0, return_means=True,
                                        random_state=0)
    np.testing.assert_allclose(means @ means.T, np.eye(3), atol=1e-12)
    np.testing.assert_allclose(X, means[y])
    res = shallow_bound_experiment(n_classes=(2, 4), cluster_std=(0.2,), n_inits=3,
                                   max_epochs=200, random_state=np.random.RandomState(1))
    np.testing.assert_allclose(res["constructed_cost"], res["bound"], rtol=1e-10)
    assert np.all(res["constructed_cost_centred"] <= res["bound"] + 1e-12)
    assert np.all(res["gd_final_mean"] < res["gd_init_mean"])
    assert res["n_classes"].tolist() == [2.0, 4.0]
    with pytest.raises(ValueError, match="n_inits"):
        shallow_bound_experiment(n_inits=0)


def test_gradient_descent_divides_the_loss_by_n():
    from sktrunc._shallow import _gradient_descent, _init_layers

    X, y = mixture(3, 4, 0.2, 0)
    Y = np.eye(3)[y]
    # one step of plain gradient descent on (1/N) Σ |f - y|², checked by finite differences
    start, end = _gradient_descent(X, Y, 4, 5, lr=1e-3, momentum=0.0, max_epochs=1,
                                   patience=1)
    W1, b1, W2, b2 = _init_layers(np.random.RandomState(5), 4, 4, 3)

    def loss(b2_):
        out = np.maximum(X @ W1 + b1, 0) @ W2 + b2_
        return np.sum((out - Y) ** 2) / len(X)

    eps = 1e-6
    grad = np.array([(loss(b2 + eps * e) - loss(b2 - eps * e)) / (2 * eps) for e in np.eye(3)])
    out = np.maximum(X @ W1 + b1, 0) @ W2 + b2
    assert start == pytest.approx(np.sqrt(np.sum((out - Y) ** 2) / len(X)))
    np.testing.assert_allclose(grad, 2 * (out - Y).sum(0) / len(X), rtol=1e-6)
    assert end < start


def test_pipeline_and_grid_search():
    from sklearn.model_selection import GridSearchCV

    X, y = load_diabetes(return_X_y=True)
    grid = GridSearchCV(make_pipeline(StandardScaler(), ShallowBoundRegressor()),
                        {"shallowboundregressor__alpha": [1e-3, 1e-1, 10.0]}, cv=3).fit(X, y)
    assert grid.best_score_ > 0.4
    X, y = load_iris(return_X_y=True)
    grid = GridSearchCV(make_pipeline(StandardScaler(), ShallowBoundClassifier()),
                        {"shallowboundclassifier__shrinkage": ["auto", 1.0]}, cv=3).fit(X, y)
    assert grid.best_score_ > 0.9


def test_whitening_with_more_features_than_rows_is_the_inverse_square_root():
    # n < p: the spectrum from the n x n Gram matrix, mu lam on the rest
    from sklearn.covariance import ledoit_wolf_shrinkage

    from sktrunc._shallow import _ledoit_wolf_spectrum, _whiten, _within_whitening

    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 120)) * rng.uniform(0.1, 3.0, 120)
    group = np.repeat(np.arange(4), 10)
    means = np.array([X[group == j].mean(axis=0) for j in range(4)])
    dev = X - means[group]
    lam_sk = ledoit_wolf_shrinkage(dev, assume_centered=True)
    ev = np.linalg.svd(dev, compute_uv=False) ** 2 / len(dev)
    assert _ledoit_wolf_spectrum(dev, ev) == pytest.approx(lam_sk, rel=1e-10)
    A = rng.normal(size=(7, 120))
    for shrinkage in ("auto", 0.4, 1.0):
        W, lam = _within_whitening(X, group, means, shrinkage)
        assert W[0].shape[1] <= 40
        lam_ref = lam_sk if shrinkage == "auto" else shrinkage
        assert lam == pytest.approx(lam_ref, rel=1e-10)
        cov = dev.T @ dev / len(dev)
        S = (1 - lam_ref) * cov + lam_ref * np.trace(cov) / 120 * np.eye(120)
        ev, V = np.linalg.eigh(S)
        np.testing.assert_allclose(_whiten(A, W), A @ (V / np.sqrt(ev)) @ V.T, rtol=0,
                                   atol=1e-10 * np.abs(A @ (V / np.sqrt(ev))).max())


def test_regressor_with_more_features_than_rows_is_ridge_on_the_rows_span():
    # one group (no hinge units): the network is ridge regression, on at most n - 1
    # linear units instead of a 300 x 300 rotation, with the same outputs
    from sklearn.linear_model import Ridge

    X, y = make_friedman1(n_samples=40, n_features=300, random_state=0)
    reg = ShallowBoundRegressor().fit(X, y)
    assert reg.n_hinge_units_ == 0 and reg.coefs_[0].shape[1] <= 39
    penalty = reg.alpha_linear_ * np.sum((X - X.mean(axis=0)) ** 2)
    ref = (Ridge(alpha=penalty) if penalty > 0 else LinearRegression()).fit(X, y)
    X_test = np.random.default_rng(1).uniform(size=(30, 300))
    np.testing.assert_allclose(forward(reg, X_test)[:, 0], ref.predict(X_test), rtol=1e-8)
    np.testing.assert_allclose(forward(reg, X)[:, 0], ref.predict(X), rtol=1e-8)
