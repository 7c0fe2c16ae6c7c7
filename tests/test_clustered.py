import pickle
import warnings
from types import SimpleNamespace

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.base import clone
from sklearn.datasets import load_breast_cancer, load_digits, load_iris, load_wine
from sklearn.exceptions import NotFittedError
from sklearn.model_selection import GridSearchCV, cross_val_score
from sklearn.neighbors import NearestCentroid
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sktrunc import AssumptionWarning, ClusteredTruncationClassifier, ConditioningWarning
from sktrunc.datasets import make_clustered

from conftest import cost, forward

# (n_features, n_classes, width): M = Q, M > Q, Q = M + 1, M = 100, Q up to 30
CASES = [(3, 3, w) for w in ("reduced", "full")] + [
    (4, 3, "reduced"), (10, 3, "full"), (5, 6, "reduced"), (5, 6, "full"),
    (100, 10, "reduced"), (30, 30, "reduced"), (40, 30, "full"),
]


@pytest.mark.parametrize("n_features, n_classes, width", CASES)
@pytest.mark.parametrize("seed", range(3))
def test_zero_loss_on_clustered_data(n_features, n_classes, width, seed):
    X, y = make_clustered(n_samples=15 * n_classes, n_features=n_features,
                          n_classes=n_classes, clustering_ratio=0.2, random_state=seed)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # clustered data must need no warning
        clf = ClusteredTruncationClassifier(width=width).fit(X, y)
    assert clf.collapsed_.all()
    scale = np.sum(clf.targets_[y] ** 2)
    assert cost(clf, X, y) <= 1e-20 * scale
    assert np.isclose(clf.training_cost_, cost(clf, X, y), atol=1e-20 * scale)
    assert clf.clustering_ratio_ == pytest.approx(0.2)
    assert clf.theta_star_ < np.pi
    assert len(clf.coefs_) == n_classes + 1
    assert clf.n_params_ == sum(W.size + b.size for W, b in zip(clf.coefs_, clf.intercepts_))
    hidden = n_classes - 1 if width == "reduced" else n_features
    assert all(W.shape[1] == hidden for W in clf.coefs_[:-1])


def test_reduced_width_is_smaller_and_better_conditioned_than_full():
    X, y = make_clustered(n_samples=500, n_features=100, n_classes=10,
                          clustering_ratio=0.2, random_state=0)
    red = ClusteredTruncationClassifier().fit(X, y)
    full = ClusteredTruncationClassifier(width="full").fit(X, y)
    assert red.n_params_ < full.n_params_ / 20
    assert red.condition_numbers_.max() < full.condition_numbers_.max()
    assert cost(full, X, y) < 1e-18 and cost(red, X, y) < 1e-18


def test_truncation_collapses_each_class_to_its_base_point():
    X, y = make_clustered(n_samples=90, n_features=6, n_classes=4, random_state=1)
    clf = ClusteredTruncationClassifier().fit(X, y)
    Xt = clf.truncate(X)
    np.testing.assert_allclose(Xt, clf.base_points_[y], atol=1e-9)
    # the base point lies on the segment from the class mean toward the barycenter (eq. 61)
    means = np.array([((X[y == j] - clf.center_) @ clf.components_).mean(axis=0)
                      for j in range(4)])
    for j in range(4):
        m = means[j]
        t = (clf.base_points_[j] - m) @ clf.axes_[j] / np.linalg.norm(m)
        assert 0 < t < 1
        np.testing.assert_allclose(clf.base_points_[j], m + t * np.linalg.norm(m) * clf.axes_[j],
                                   atol=1e-9)


def test_prediction_is_the_metric_rule_2_61():
    X, y = make_clustered(n_samples=60, n_features=4, n_classes=3, clustering_ratio=0.2,
                          random_state=2)
    clf = ClusteredTruncationClassifier().fit(X, y)
    X_test = np.random.default_rng(0).normal(scale=1.5, size=(500, 4))
    # the last layer is the affine map sending base point p_j to y_j; d(x, x') = |(x - x') A|
    P = np.column_stack([clf.base_points_, np.ones(3)])
    A = np.linalg.lstsq(P, clf.targets_, rcond=None)[0][:-1]
    t = clf.truncate(X_test)
    d = np.linalg.norm((t[:, None, :] - clf.base_points_[None]) @ A, axis=2)
    np.testing.assert_array_equal(clf.predict(X_test), clf.classes_[d.argmin(axis=1)])
    dec = clf.decision_function(X_test)
    np.testing.assert_array_equal(clf.classes_[dec.argmax(axis=1)], clf.predict(X_test))


def test_custom_targets_reach_zero_loss():
    X, y = make_clustered(n_samples=60, n_features=3, n_classes=3, random_state=3)
    targets = np.array([[0.0, 0.0], [2.0, 0.0], [0.0, -1.0]])
    clf = ClusteredTruncationClassifier(targets=targets).fit(X, y)
    np.testing.assert_allclose(forward(clf, X), targets[y], atol=1e-10)
    assert clf.score(X, y) == 1.0
    with pytest.raises(ValueError, match="shape"):
        ClusteredTruncationClassifier(targets=np.eye(2)).fit(X, y)
    with pytest.raises(ValueError, match="distinct"):
        ClusteredTruncationClassifier(targets=np.ones((3, 2))).fit(X, y)


def test_collapse_pattern_gives_theorem_2_5_local_minima():
    X, y = make_clustered(n_samples=90, n_features=5, n_classes=3, random_state=4)
    pattern = np.array([True, False, True])
    clf = ClusteredTruncationClassifier(collapse=pattern, output_layer="lstsq").fit(X, y)
    np.testing.assert_array_equal(clf.collapsed_, pattern)
    Xt = clf.truncate(X)
    z = (X - clf.center_) @ clf.components_
    # s_j = 1: the class is a fixed point of the truncation; s_j = 0: collapsed
    np.testing.assert_allclose(Xt[y == 1], z[y == 1], atol=1e-9)
    np.testing.assert_allclose(Xt[y == 0], np.tile(clf.base_points_[0], ((y == 0).sum(), 1)),
                               atol=1e-9)
    # the last layer is the least-squares one, so the cost is that of the best affine map of Xt
    A = np.column_stack([Xt, np.ones(len(Xt))])
    resid = A @ np.linalg.lstsq(A, clf.targets_[y], rcond=None)[0] - clf.targets_[y]
    assert cost(clf, X, y) == pytest.approx(0.5 * np.sum(resid ** 2), rel=1e-8)
    assert cost(clf, X, y) > 1e-6  # a local, not the global, minimum
    with pytest.raises(ValueError, match="collapse"):
        ClusteredTruncationClassifier(collapse=[True, False]).fit(X, y)


def test_more_classes_than_dimensions_lifts_the_input():
    rng = np.random.default_rng(0)
    X = np.concatenate([rng.uniform(0, 1, 30), rng.uniform(2, 3, 30), rng.uniform(4, 5, 30)])
    y = np.repeat(["a", "b", "c"], 30)
    clf = ClusteredTruncationClassifier(random_state=0).fit(X[:, None], y)
    assert clf.lifted_ and clf.collapsed_.all()
    assert cost(clf, X[:, None], y) < 1e-18
    assert clf.score(X[:, None], y) == 1.0


def _standardized(loader):
    X, y = loader(return_X_y=True)
    return StandardScaler().fit_transform(X), y


@pytest.mark.parametrize("loader", [load_iris, load_wine, load_breast_cancer, load_digits])
def test_best_effort_never_below_nearest_centroid_in_training_accuracy(loader):
    X, y = _standardized(loader)
    with pytest.warns(AssumptionWarning, match=r"\(55\) needs < 0.25"):
        one = ClusteredTruncationClassifier(n_prototypes=1).fit(X, y)
    # the default chooses by held-out accuracy; when that is the network that collapses
    # nothing, it says so (zero loss is given up), unless collapse="none" asked for it
    with pytest.warns(AssumptionWarning, match=r"\(55\) needs < 0.25"):
        default = ClusteredTruncationClassifier(random_state=0).fit(X, y)
    with warnings.catch_warnings():
        warnings.simplefilter("error", AssumptionWarning)
        ClusteredTruncationClassifier(collapse="none").fit(X, y)
    for clf in (one, default):
        assert clf.score(X, y) >= NearestCentroid().fit(X, y).score(X, y)
        assert clf.training_accuracy_ == clf.score(X, y)
        assert clf.training_cost_ == pytest.approx(cost(clf, X, y))


def test_warning_names_assumption_and_measured_values_and_strict_raises():
    X, y = _standardized(load_wine)
    with pytest.warns(AssumptionWarning) as record:
        clf = ClusteredTruncationClassifier(n_prototypes=1).fit(X, y)
    # one short warning per fit, naming the assumption and the measured value; the
    # details live in the fitted attributes
    assert len(record) == 1
    msg = str(record[0].message)
    assert len(msg) < 300
    assert "Lemma 3.4" in msg and f"{clf.clustering_ratio_:.3g}" in msg
    assert f"{clf.training_cost_:.3g}" in msg
    assert clf.clustering_ratio_ == pytest.approx(3.32, abs=0.01)
    assert set(clf.failed_) == set(np.flatnonzero(~clf.collapsed_))
    assert all(n_in + n_out > 0 for n_in, n_out in clf.failed_.values())
    strict = ClusteredTruncationClassifier(n_prototypes=1, strict=True)
    with pytest.raises(ValueError, match=r"cone condition fails.*\(55\) needs < 0.25"):
        strict.fit(X, y)
    # a fit that raised leaves no network behind (only what input validation sets)
    assert not hasattr(strict, "network_") and not hasattr(strict, "coefs_")


def test_conditioning_warning():
    X, y = make_clustered(n_samples=60, n_features=5, n_classes=3, random_state=0)
    with pytest.warns(ConditioningWarning, match="condition number"):
        ClusteredTruncationClassifier(angle_margin=1 - 1e-12).fit(X, y)


def test_pipeline_gridsearch_cross_val_clone_pickle():
    X, y = load_iris(return_X_y=True)
    pipe = make_pipeline(StandardScaler(), ClusteredTruncationClassifier())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", AssumptionWarning)
        scores = cross_val_score(pipe, X, y, cv=5)
        assert scores.mean() > 0.8
        Xw, yw = load_wine(return_X_y=True)
        assert cross_val_score(pipe, Xw, yw, cv=5).mean() > 0.9
        grid = GridSearchCV(pipe, {"clusteredtruncationclassifier__angle_margin": [0.2, 0.8]},
                            cv=3).fit(X, y)
    best = int(np.argmax(grid.cv_results_["mean_test_score"]))
    assert grid.best_params_ == grid.cv_results_["params"][best]
    # the tuned parameter reaches the construction: different networks, same data
    nets = [clone(pipe).set_params(clusteredtruncationclassifier__angle_margin=a,
                                   clusteredtruncationclassifier__n_prototypes=1).fit(X, y)
            [-1].coefs_ for a in (0.2, 0.8)]
    assert any(not np.allclose(a, b) for a, b in zip(*nets))
    X, y = make_clustered(n_samples=60, n_features=4, n_classes=3, random_state=0)
    clf = ClusteredTruncationClassifier(angle_margin=0.3).fit(X, y)
    assert clone(clf).get_params() == clf.get_params()
    restored = pickle.loads(pickle.dumps(clf))
    X_test = np.random.default_rng(1).normal(size=(50, 4))
    np.testing.assert_array_equal(restored.predict(X_test), clf.predict(X_test))
    np.testing.assert_array_equal(restored.decision_function(X_test),
                                  clf.decision_function(X_test))


def test_to_mlp_equals_the_network():
    X, y = make_clustered(n_samples=60, n_features=4, n_classes=3, random_state=0)
    clf = ClusteredTruncationClassifier().fit(X, y)
    # a classifier exports as an MLPClassifier with the same predictions and probabilities
    mlp = clf.to_mlp()
    assert type(mlp).__name__ == "MLPClassifier"
    X_test = np.random.default_rng(0).normal(size=(200, 4))
    np.testing.assert_array_equal(mlp.predict(X_test), clf.predict(X_test))
    np.testing.assert_allclose(mlp.predict_proba(X_test), clf.predict_proba(X_test), atol=1e-10)
    wide = clf.to_mlp(widen=8, random_state=0)
    np.testing.assert_array_equal(wide.predict(X_test), clf.predict(X_test))
    # the network itself exports as the regressor on the target vectors
    np.testing.assert_allclose(clf.network_.to_mlp().predict(X), forward(clf, X), atol=1e-12)


@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_non_finite_input_is_rejected(bad):
    X, y = make_clustered(n_samples=30, n_features=3, n_classes=3, random_state=0)
    X[3, 1] = bad
    with pytest.raises(ValueError, match="NaN|infinity"):
        ClusteredTruncationClassifier().fit(X, y)


def test_bad_inputs():
    X, y = make_clustered(n_samples=30, n_features=3, n_classes=3, random_state=0)
    with pytest.raises(ValueError, match="1 class"):
        ClusteredTruncationClassifier().fit(X, np.zeros(30))
    with pytest.raises(ValueError, match="0 sample"):
        ClusteredTruncationClassifier().fit(np.empty((0, 3)), np.empty(0))
    with pytest.raises(ValueError, match="inconsistent numbers of samples"):
        ClusteredTruncationClassifier().fit(X, y[:-1])
    with pytest.raises(TypeError, match="[Ss]parse"):
        ClusteredTruncationClassifier().fit(sp.csr_matrix(X), y)
    with pytest.raises(ValueError, match="Unknown label type"):
        ClusteredTruncationClassifier().fit(X, np.linspace(0, 1, 30))
    with pytest.raises(NotFittedError):
        ClusteredTruncationClassifier().predict(X)
    clf = ClusteredTruncationClassifier().fit(X, y)
    with pytest.raises(ValueError, match="features"):
        clf.predict(X[:, :2])


def test_string_labels_float32_and_single_sample_class():
    X, y = make_clustered(n_samples=[1, 20, 20], n_features=3, n_classes=3, random_state=0)
    labels = np.array(["setosa", "versicolor", "virginica"])[y]
    clf = ClusteredTruncationClassifier().fit(X.astype(np.float32), labels)
    assert clf.collapsed_.all()
    assert set(clf.predict(X)) <= set(labels)
    assert clf.score(X, labels) == 1.0
    assert cost(clf, X.astype(np.float32), labels) < 1e-10


def test_duplicate_class_means_warn_and_still_classify():
    rng = np.random.default_rng(0)
    angle = rng.uniform(0, 2 * np.pi, 200)
    inner = rng.normal(scale=0.3, size=(200, 2))
    ring = 2.0 * np.column_stack([np.cos(angle), np.sin(angle)])
    X = np.vstack([inner - inner.mean(0), ring - ring.mean(0)])  # exactly equal means
    y = np.repeat([0, 1], 200)
    with pytest.warns(AssumptionWarning):
        clf = ClusteredTruncationClassifier(random_state=0).fit(X, y)
    assert clf.score(X, y) >= NearestCentroid().fit(X, y).score(X, y)
    with pytest.raises(ValueError, match="cone condition"):
        ClusteredTruncationClassifier(strict=True, random_state=0).fit(X, y)


def test_layer_by_layer_truncation_follows_the_induction_of_prop_4_1():
    X, y = make_clustered(n_samples=80, n_features=5, n_classes=4, random_state=5)
    clf = ClusteredTruncationClassifier().fit(X, y)
    z = (X - clf.center_) @ clf.components_
    for ell in range(1, 5):
        Xt = clf.truncate(X, layer=ell)
        for j in range(4):
            if j < ell:  # eq. (76): classes 1..l are at their base points
                np.testing.assert_allclose(Xt[y == j], np.tile(clf.base_points_[j],
                                                               ((y == j).sum(), 1)), atol=1e-9)
            else:  # the others are untouched
                np.testing.assert_allclose(Xt[y == j], z[y == j], atol=1e-9)
    with pytest.raises(ValueError, match="layer must be between"):
        clf.truncate(X, layer=0)


@pytest.mark.parametrize("seed", range(4))
def test_point_wise_cones_reach_zero_loss_where_balls_and_condition_55_fail(seed):
    X, y = make_clustered(n_samples=120, n_features=10, n_classes=4, clustering_ratio=0.9,
                          random_state=seed)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        # one cone per class, as asked (the default keeps it only when it also predicts
        # held-out data as well as the alternatives: (55) fails here)
        clf = ClusteredTruncationClassifier(n_prototypes=1).fit(X, y)
    assert clf.clustering_ratio_ > 0.25  # Prop 4.1 does not apply ...
    assert not clf.from_balls_.all()  # ... nor do enclosing balls fit every cone ...
    assert clf.collapsed_.all()  # ... yet every class has a cone, found point by point
    assert cost(clf, X, y) < 1e-18
    np.testing.assert_allclose(clf.truncate(X), clf.base_points_[y], atol=1e-9)


def test_ball_cones_on_clustered_data():
    X, y = make_clustered(n_samples=100, n_features=6, n_classes=5, clustering_ratio=0.2,
                          random_state=0)
    clf = ClusteredTruncationClassifier().fit(X, y)
    assert clf.from_balls_.all()
    z = (X - clf.center_) @ clf.components_
    for j in range(5):
        # the enclosing ball of class j lies in the backward cone: every point makes an
        # angle of at most theta/2 with -axis as seen from the base point
        d = z[y == j] - clf.base_points_[j]
        cos = -(d @ clf.axes_[j]) / np.linalg.norm(d, axis=1)
        assert np.all(cos >= np.cos(clf.angles_[j] / 2))


@pytest.mark.parametrize("ratio", [0.2, 0.9])
def test_margins_are_the_distances_to_the_cone_boundaries(ratio):
    X, y = make_clustered(n_samples=120, n_features=10, n_classes=4, clustering_ratio=ratio,
                          random_state=0)
    clf = ClusteredTruncationClassifier(random_state=0).fit(X, y)
    z = (X - clf.center_) @ clf.components_
    for j in range(4):
        p, f, half = clf.base_points_[j], clf.axes_[j], clf.angles_[j] / 2
        current = np.vstack([z[y >= j], clf.base_points_[:j]])  # state before layer j
        labels = np.concatenate([y[y >= j], np.arange(j)])
        d = current - p
        a = d @ f
        rho = np.sqrt(np.maximum((d ** 2).sum(1) - a ** 2, 0))
        own = labels == j
        dist = np.where(own, -a * np.sin(half) - rho * np.cos(half),
                        a * np.sin(half) - rho * np.cos(half))
        assert dist.min() > 0  # every point strictly on its side (Lemma 3.4 applies)
        if clf.from_balls_[j]:
            assert clf.cone_margins_[j] <= dist.min() + 1e-12  # balls: a lower bound
        else:
            assert clf.cone_margins_[j] == pytest.approx(dist.min(), rel=1e-9)


def test_widest_cotangent_is_the_edge_of_feasibility():
    from sktrunc._geometry import cone_interval as _feasible_interval
    from sktrunc._geometry import widest_cone_cotangent as _widest_cotangent

    rng = np.random.default_rng(0)
    found = 0
    for _ in range(300):
        a_in, r_in, R_in = rng.normal(size=3) - 3, rng.uniform(0, 1, 3), rng.uniform(0, .3, 3)
        a_out, r_out = rng.normal(size=5) + 3, rng.uniform(0, 1, 5)
        R_out = rng.uniform(0, .3, 5)
        c = _widest_cotangent(a_in, r_in, a_out, r_out, 5.0, R_in, R_out)
        args = (a_in, r_in, a_out, r_out, 5.0, R_in, R_out)
        if c == 0:
            lo, hi = _feasible_interval(0.0, *args[:5], *args[5:])
            assert lo >= hi  # not even a hyperplane separates them
            continue
        found += 1
        lo, hi = _feasible_interval(c * (1 - 1e-9), *args[:5], *args[5:])
        assert lo < hi
        lo, hi = _feasible_interval(c * (1 + 1e-6), *args[:5], *args[5:])
        assert lo >= hi
    assert found > 100


@pytest.mark.parametrize("scale", [1e-300, 1e-200, 1e-16, 1e14, 1e200, 1e300])
def test_units_of_the_data_change_nothing(scale):
    # the construction runs on X / max|X|: at 1e-16 it used to predict one class, at 1e14
    # it lost the zero loss, at 1e200 the least-squares SVD did not converge
    X, y = make_clustered(n_samples=60, n_features=4, n_classes=3, random_state=0)
    ref = ClusteredTruncationClassifier(random_state=0).fit(X, y)
    clf = ClusteredTruncationClassifier(random_state=0).fit(X * scale, y)
    assert clf.output_layer_ == "exact" and clf.collapsed_.all()
    np.testing.assert_array_equal(clf.predict(X * scale), ref.predict(X))
    assert cost(clf, X * scale, y) < 1e-18
    # in the input space (the cone coordinates' basis is an SVD's, defined up to signs)
    def apexes(est):
        return est.base_points_ @ est.components_.T + est.center_

    np.testing.assert_allclose(apexes(clf), apexes(ref) * scale, rtol=0, atol=1e-9 * scale)
    np.testing.assert_allclose(clf.truncate(X * scale) @ clf.components_.T,
                               ref.truncate(X) @ ref.components_.T * scale, rtol=0,
                               atol=1e-9 * scale)
    assert clf.delta_ == pytest.approx(ref.delta_ * scale, rel=1e-9)


def test_identical_rows_predict_the_majority():
    X = np.ones((21, 3))
    y = np.r_[np.zeros(11, int), np.ones(10, int)]
    clf = ClusteredTruncationClassifier().fit(X, y)
    np.testing.assert_array_equal(clf.predict(X), np.zeros(21))
    # the constant output minimising (14) is the class frequencies
    assert cost(clf, X, y) == pytest.approx(0.5 * (11 * 2 * (10 / 21) ** 2
                                                   + 10 * 2 * (11 / 21) ** 2), rel=1e-6)


def test_more_prototypes_than_points_fall_back_to_one_per_distinct_point():
    X, y = make_clustered(n_samples=30, n_features=4, n_classes=3, random_state=0)
    X = np.vstack([X, X[:3], [[3.0, 3.0, 3.0, 3.0]]])  # duplicates, a class of one point
    y = np.r_[y, y[:3], 3]
    clf = ClusteredTruncationClassifier(n_prototypes=20, random_state=0).fit(X, y)
    # 10 distinct points per class (the duplicates add none), one for the singleton
    np.testing.assert_array_equal(clf.n_prototypes_, [10, 10, 10, 1])
    assert np.all(np.isfinite(forward(clf, X)))
    assert clf.score(X, y) == 1.0


# --- the network that collapses nothing, the logistic last layer, max_aperture ---------


def test_collapse_none_keeps_every_point_with_orthogonal_layers_and_is_logistic_regression():
    from sklearn.linear_model import LogisticRegression

    X, y = _standardized(load_breast_cancer)
    clf = ClusteredTruncationClassifier(collapse="none").fit(X, y)
    assert not clf.collapsed_.any() and clf.output_layer_ == "logistic"
    # every layer is the identity on the training data (Theorem 2.5's s_j = 1) ...
    z = (X - clf.center_) @ clf.components_
    np.testing.assert_allclose(clf.truncate(X), z, atol=1e-9 * np.abs(z).max())
    # ... through cones of aperture theta_n, whose weights are reflections: condition 1
    np.testing.assert_allclose(clf.condition_numbers_, 1.0, rtol=1e-8)
    # the last layer is the penalised logistic regression of the data (rotation invariant)
    lr = LogisticRegression(C=1.0).fit(X, y)
    assert np.mean(clf.predict(X) == lr.predict(X)) >= 0.995
    assert clf.training_cost_ == pytest.approx(cost(clf, X, y))
    # C is LogisticRegression's C
    weak = ClusteredTruncationClassifier(collapse="none", C=1e-3).fit(X, y)
    assert not np.allclose(weak.coefs_[-1], clf.coefs_[-1])


def test_collapse_none_network_keeps_its_accuracy_under_relative_weight_noise():
    X, y = _standardized(load_digits)
    X_train, X_test, y_train, y_test = X[::2], X[1::2], y[::2], y[1::2]
    clf = ClusteredTruncationClassifier(collapse="none").fit(X_train, y_train)
    clean = clf.score(X_test, y_test)
    rng = np.random.default_rng(0)
    perturbed = SimpleNamespace(coefs_=[W * (1 + 1e-3 * rng.normal(size=W.shape))
                                        for W in clf.coefs_], intercepts_=clf.intercepts_)
    noisy = np.argmax(clf._scores(forward(perturbed, X_test)), axis=1)
    assert abs(np.mean(clf.classes_[noisy] == y_test) - clean) <= 0.01
    assert max(np.abs(W).max() for W in clf.coefs_[:-1]) <= 1.0 + 1e-9


def test_auto_prefers_the_linear_network_where_it_generalises_and_prototypes_where_not():
    X, y = _standardized(load_breast_cancer)
    clf = ClusteredTruncationClassifier(random_state=0).fit(X, y)
    assert not clf.collapsed_.any() and list(clf.n_prototypes_) == [1, 1]
    # a requested collapse pattern rules the linear network out
    assert "none" not in ClusteredTruncationClassifier(collapse=[True, True])._auto_candidates


def test_max_aperture_caps_every_cone():
    X, y = make_clustered(n_samples=120, n_features=10, n_classes=4, clustering_ratio=0.9,
                          random_state=0)
    wide = ClusteredTruncationClassifier(n_prototypes=1).fit(X, y)
    cap = 0.9 * np.pi
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", AssumptionWarning)
        capped = ClusteredTruncationClassifier(n_prototypes=1, max_aperture=cap).fit(X, y)
    assert wide.angles_.max() > cap >= capped.angles_.max() * (1 - 1e-12)
    # a cone narrowed to the cap still collapses its class; one that needs more keeps all
    needed = (wide.angles_ - 0.5 * np.pi) / 0.5  # theta_min from the default angle_margin
    np.testing.assert_array_equal(capped.collapsed_, needed < cap)
    assert capped.condition_numbers_.max() < wide.condition_numbers_.max()


def test_held_out_scoring_from_the_truncation_maps_equals_the_network():
    from sktrunc._base import _cone_network
    from sktrunc._prototypes import split_classes

    X, y = make_clustered(n_samples=150, n_features=3, n_classes=3, clustering_ratio=0.6,
                          random_state=1)
    clf = ClusteredTruncationClassifier(random_state=0)
    clf.classes_, y_idx = np.unique(y, return_inverse=True)
    clf.targets_ = np.eye(3)
    rng = np.random.RandomState(0)
    for k in ("none", 1, 3):
        protos = None if k == "none" else split_classes(X, y_idx, 3, np.full(3, k), rng)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            construction = clf._construct_candidate(X[:100], y_idx[:100], k, rng,
                                                    protos=protos and protos.subset(
                                                        np.arange(100)))[0]
        direct = clf._held_out_nearest(construction, X[100:])
        network = _cone_network(construction)[0]
        np.testing.assert_array_equal(direct, clf._nearest(network.forward(X[100:])))


def test_logistic_layer_needs_one_hot_like_targets():
    X, y = make_clustered(n_samples=60, n_features=4, n_classes=3, random_state=0)
    with pytest.raises(ValueError, match="orthogonal"):
        ClusteredTruncationClassifier(collapse="none", output_layer="logistic",
                                      targets=[[0.0], [1.0], [3.0]]).fit(X, y)
    # general targets: "auto" falls back to least squares
    clf = ClusteredTruncationClassifier(collapse="none", targets=[[0.0], [1.0], [3.0]]).fit(X, y)
    assert clf.output_layer_ == "lstsq"


@pytest.mark.parametrize("shape", [(30, 200), (200, 30)])
def test_span_basis_spans_the_centred_rows(shape):
    # more features than rows (right singular vectors) and fewer (the scatter's
    # eigenvectors): the same subspace, orthonormal
    from sktrunc._clustered import _span_basis

    rng = np.random.default_rng(0)
    n, m = shape
    X = rng.normal(size=(n, 12)) @ rng.normal(size=(12, m)) + 5.0
    center = X[:10].mean(axis=0)
    B = _span_basis(X, center)
    assert B.shape == (m, 12)
    np.testing.assert_allclose(B.T @ B, np.eye(12), atol=1e-12)
    A = X - X.mean(axis=0)
    np.testing.assert_allclose(A @ B @ B.T, A, atol=1e-10 * np.abs(A).max())
