import pickle
import warnings
from functools import partial
from types import SimpleNamespace

import numpy as np
import pytest
from sklearn.datasets import load_breast_cancer, load_digits, load_iris, load_wine, make_blobs
from sklearn.model_selection import cross_val_score
from sklearn.neighbors import NearestCentroid
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import LinearSVC

from sktrunc import (
    AssumptionWarning,
    ClusteredTruncationClassifier,
    SequentialSeparableClassifier,
)
from sktrunc._separation import max_margin_hyperplane
from sktrunc.datasets import make_sequentially_separable

from conftest import cost, forward


@pytest.mark.parametrize("n_features", [2, 5, 50])
@pytest.mark.parametrize("seed", range(3))
def test_zero_loss_where_the_clustered_conditions_fail(n_features, seed):
    X, y = make_sequentially_separable(n_samples=150, n_features=n_features, random_state=seed)
    with pytest.warns(AssumptionWarning):
        clustered = ClusteredTruncationClassifier().fit(X, y)
    assert clustered.clustering_ratio_ > 0.25 and not clustered.collapsed_.all()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        clf = SequentialSeparableClassifier().fit(X, y)
    assert clf.separable_.all() and clf.clustering_ratio_ > 0.25
    assert cost(clf, X, y) < 1e-18
    assert clf.training_cost_ == pytest.approx(cost(clf, X, y), abs=1e-18)
    assert clf.score(X, y) == 1.0
    assert len(clf.coefs_) == 4 and all(W.shape[1] == n_features for W in clf.coefs_[:-1])
    # every base point lies between the class mean and the barycenter, off by at most
    # the slide along the normal (Definition 5.1)
    np.testing.assert_allclose(clf.truncate(X), clf.base_points_[
        np.argsort(np.searchsorted(clf.classes_, clf.order_))][y], atol=1e-8)


@pytest.mark.parametrize("loader", [load_wine, load_breast_cancer, load_digits])
def test_real_data_is_sequentially_separable(loader):
    X, y = loader(return_X_y=True)
    X = StandardScaler().fit_transform(X)
    with warnings.catch_warnings():
        warnings.simplefilter("error", AssumptionWarning)
        # max_aperture=pi: Theorem 5.2's network, whatever its conditioning
        clf = SequentialSeparableClassifier(max_aperture=np.pi).fit(X, y)
        default = SequentialSeparableClassifier().fit(X, y)
    assert clf.separable_.all() and clf.collapsed_.all()
    # zero loss up to the conditioning of the layers (digits: cond ~1e7)
    assert cost(clf, X, y) < 1e-12 * len(y)
    assert clf.score(X, y) == 1.0
    # the default keeps the same order and hyperplanes (every step separates)
    assert default.separable_.all() and np.array_equal(default.order_, clf.order_)
    np.testing.assert_allclose(default.axes_, clf.axes_)


def _noisy_accuracy(clf, X, y, eps, draws=5, seed=0):
    """Mean accuracy of a forward pass with every weight and bias times (1 + eps N(0, 1))."""
    rng = np.random.RandomState(seed)
    scores = []
    for _ in range(draws):
        coefs = [W * (1 + eps * rng.standard_normal(W.shape)) for W in clf.coefs_]
        biases = [b * (1 + eps * rng.standard_normal(b.shape)) for b in clf.intercepts_]
        out = forward(SimpleNamespace(coefs_=coefs, intercepts_=biases), X)
        scores.append(np.mean(clf.classes_[out.argmax(axis=1)] == y))
    return float(np.mean(scores))


def _digits_split():
    from sklearn.model_selection import train_test_split

    X, y = load_digits(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.3, stratify=y,
                                                        random_state=0)
    scaler = StandardScaler().fit(X_train)
    return scaler.transform(X_train), scaler.transform(X_test), y_train, y_test


def test_default_network_on_digits_is_robust_to_weight_noise():
    # issue 17: at most one point of test accuracy lost under relative weight noise of
    # 1e-3 (Theorem 5.2's network, max_aperture=pi, drops from 0.935 to ~0.1)
    X_train, X_test, y_train, y_test = _digits_split()
    clf = SequentialSeparableClassifier(random_state=0).fit(X_train, y_train)
    clean = clf.score(X_test, y_test)
    assert clean >= 0.95
    assert clean - _noisy_accuracy(clf, X_test, y_test, 1e-3) <= 0.01
    # the cones are capped at eq. (37)'s condition number 3: every layer is well conditioned
    assert clf.condition_numbers_.max() < 10
    exact = SequentialSeparableClassifier(max_aperture=np.pi, random_state=0).fit(
        X_train, y_train)
    assert exact.score(X_test, y_test) - _noisy_accuracy(exact, X_test, y_test, 1e-3) > 0.5


def test_default_fallback_on_overlapping_classes_is_well_conditioned():
    # no exact order (the classes overlap): the soft-margin fallback's cones are capped
    # at condition 30, so a hidden layer (two chained cones, eq. 21-22) stays near 1e3;
    # uncapped (max_aperture=pi) this table's second layer reaches ~1e7
    from sklearn.datasets import make_classification
    from sklearn.model_selection import train_test_split

    X, y = make_classification(1000, 17, n_informative=8, flip_y=0.05, random_state=0)
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.3, stratify=y,
                                                        random_state=0)
    scaler = StandardScaler().fit(X_train)
    X_train, X_test = scaler.transform(X_train), scaler.transform(X_test)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # AssumptionWarning, and the uncapped ill-conditioning
        clf = SequentialSeparableClassifier(random_state=0).fit(X_train, y_train)
        exact = SequentialSeparableClassifier(max_aperture=np.pi, random_state=0).fit(
            X_train, y_train)
    assert not clf.separable_.any()
    # condition numbers of the public weights, not of a stored value
    hidden = [np.linalg.cond(W) for W in clf.coefs_[:-1]]
    assert max(hidden) <= 31.0 ** 2
    assert max(np.linalg.cond(W) for W in exact.coefs_[:-1]) > 1e6
    clean = clf.score(X_test, y_test)
    assert clean >= exact.score(X_test, y_test) - 0.01
    assert clean - _noisy_accuracy(clf, X_test, y_test, 1e-4) <= 0.01
    # the same network run in float32 (what an exported model often runs in) predicts the
    # same classes; uncapped, 540 of 1,500 test rows of the 5,000 x 17 table changed
    a = X_test.astype(np.float32)
    for W, b in zip(clf.coefs_[:-1], clf.intercepts_[:-1]):
        a = np.maximum(a @ W.astype(np.float32) + b.astype(np.float32), 0)
    out = a @ clf.coefs_[-1].astype(np.float32) + clf.intercepts_[-1].astype(np.float32)
    assert out.dtype == np.float32
    np.testing.assert_array_equal(clf.classes_[out.argmax(axis=1)], clf.predict(X_test))


def test_max_aperture_caps_the_cones_and_keeps_every_other_point_forward():
    X, y = make_sequentially_separable(n_samples=90, random_state=0)
    exact = SequentialSeparableClassifier(max_aperture=np.pi).fit(X, y)
    cap = 0.5 * exact.angles_.max()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", AssumptionWarning)
        clf = SequentialSeparableClassifier(max_aperture=cap).fit(X, y)
    assert clf.angles_.max() <= cap + 1e-12
    assert clf.separable_.all() and not clf.collapsed_.all()
    # a forward pass from the public weights agrees with the fitted accuracy
    out = forward(clf, X)
    assert np.mean(clf.classes_[out.argmax(axis=1)] == y) == clf.training_accuracy_
    # a cap above every aperture changes nothing
    same = SequentialSeparableClassifier(max_aperture=exact.angles_.max()).fit(X, y)
    np.testing.assert_array_equal(same.angles_, exact.angles_)


@pytest.mark.parametrize("n_classes, n_features", [(3, 2), (10, 50)])
def test_blobs(n_classes, n_features):
    X, y = make_blobs(n_samples=40 * n_classes, centers=n_classes, n_features=n_features,
                      cluster_std=0.5, random_state=0)
    clf = SequentialSeparableClassifier(order="margin").fit(X, y)
    assert clf.separable_.all() and cost(clf, X, y) < 1e-16
    # margin order: the first class peeled is the one whose hard margin is largest
    xbar = np.array([X[y == j].mean(0) for j in range(n_classes)]).mean(0)
    first = [1 / np.linalg.norm(max_margin_hyperplane(X[y == j],
                                                      np.vstack([X[y != j], xbar]))[0])
             for j in range(n_classes)]
    assert clf.order_[0] == np.argmax(first)
    assert clf.hyperplane_margins_[0] == pytest.approx(max(first), rel=1e-4)


def test_iris_gives_scores_and_a_fallback_whose_svc_layer_is_a_linear_svm():
    X, y = load_iris(return_X_y=True)
    # one prototype per class: the soft-margin fallback of the classes themselves
    pipe = make_pipeline(StandardScaler(), SequentialSeparableClassifier(n_prototypes=1))
    with pytest.warns(AssumptionWarning, match=r"Definition 5.1 fails .* at \d of \d+ steps"):
        scores = cross_val_score(pipe, X, y, cv=5)
    assert np.all(np.isfinite(scores)) and scores.mean() > 0.85
    Xs = StandardScaler().fit_transform(X)
    with pytest.warns(AssumptionWarning, match="points on the wrong side"):
        clf = SequentialSeparableClassifier(n_prototypes=1).fit(Xs, y)
    assert not clf.separable_.all() and clf.n_wrong_side_.sum() > 0
    assert clf.score(Xs, y) >= NearestCentroid().fit(Xs, y).score(Xs, y)
    assert clf.training_cost_ == pytest.approx(cost(clf, Xs, y))
    # output_layer="svc" decides as a one-vs-rest linear SVM on the last hidden layer
    svc = SequentialSeparableClassifier(n_prototypes=1, output_layer="svc", random_state=0)
    with pytest.warns(AssumptionWarning):
        svc.fit(Xs, y)
    hidden = svc.network_.hidden_outputs(Xs)[-1]
    linear = LinearSVC(C=svc.C, max_iter=20_000, random_state=0).fit(hidden, y)
    assert np.mean(svc.predict(Xs) == linear.predict(hidden)) >= 0.99


def test_strict_raises_with_step_classes_and_order_so_far():
    X, y = load_iris(return_X_y=True)
    X = StandardScaler().fit_transform(X)
    strict = SequentialSeparableClassifier(strict=True)
    with pytest.raises(ValueError, match=r"Step 2: .*remaining classes \[1, 2\], order found "
                                         r"so far \[0\]"):
        strict.fit(X, y)
    # a fit that raised keeps neither a network nor the training data
    assert not hasattr(strict, "network_")
    assert sorted(k for k, v in vars(strict).items()
                  if isinstance(v, np.ndarray)) == ["classes_", "targets_"]
    # a forced order that cannot work: versicolor first
    with pytest.raises(ValueError, match=r"Step 1: no hyperplane separates class 1 .*order "
                                         r"found so far \[\]"):
        SequentialSeparableClassifier(order=[1, 2, 0], strict=True).fit(X, y)
    Xs, ys = make_sequentially_separable(n_samples=90, random_state=0)
    with pytest.raises(ValueError, match="permutation of the class labels"):
        SequentialSeparableClassifier(order=[0, 1]).fit(Xs, ys)


def test_explicit_order_string_labels_and_pickle():
    X, y = make_sequentially_separable(n_samples=90, random_state=1)
    labels = np.array(["band", "left", "right"])[y]
    clf = SequentialSeparableClassifier(order=["band", "left", "right"]).fit(X, labels)
    assert clf.order_.tolist() == ["band", "left", "right"]
    assert cost(clf, X, labels) < 1e-18
    restored = pickle.loads(pickle.dumps(clf))
    np.testing.assert_array_equal(restored.predict(X), clf.predict(X))
    assert clf.describe()[0]["action"] == "collapses class 'band'"


@pytest.mark.parametrize("min_work", [0, None])
def test_n_jobs_gives_the_same_network(monkeypatch, min_work):
    # min_work=0 sends every step's candidates to the threads (one candidate per task,
    # each building its own sides); the default runs steps this small serially
    import sktrunc._sequential as sequential

    if min_work is not None:
        monkeypatch.setattr(sequential, "_PARALLEL_MIN_WORK", min_work)
    X, y = make_blobs(n_samples=120, centers=4, n_features=6, random_state=2)
    a = SequentialSeparableClassifier(order="margin").fit(X, y)
    b = SequentialSeparableClassifier(order="margin", n_jobs=2).fit(X, y)
    assert a.order_.tolist() == b.order_.tolist()
    for Wa, Wb in zip(a.coefs_ + a.intercepts_, b.coefs_ + b.intercepts_):
        np.testing.assert_array_equal(Wa, Wb)


def test_three_classes_on_a_line_are_lifted_then_peeled_exactly():
    # on the line itself the middle class sits between the two base points (Definition
    # 5.1 fails); three means on a line are affinely dependent, so the construction first
    # lifts the input by a ReLU layer, where the classes are sequentially separable
    x = np.concatenate([np.linspace(0, 1, 20), np.linspace(2, 3, 20), np.linspace(4, 5, 20)])
    y = np.repeat([0, 1, 2], 20)
    with warnings.catch_warnings():
        warnings.simplefilter("error", AssumptionWarning)
        clf = SequentialSeparableClassifier(n_prototypes=1, random_state=0).fit(x[:, None], y)
    assert clf.lifted_ and clf.separable_.all() and cost(clf, x[:, None], y) < 1e-18
    assert clf.coefs_[0].shape == (1, 2 + 16)  # [σ(x - x̄), σ(x̄ - x)] and 16 random units


def test_verbose_prints_only_when_asked(capsys):
    X, y = make_sequentially_separable(n_samples=60, random_state=0)
    SequentialSeparableClassifier().fit(X, y)
    assert capsys.readouterr().out == ""
    SequentialSeparableClassifier(verbose=1).fit(X, y)
    assert "step 1" in capsys.readouterr().out


def test_bias_free_last_layer_of_the_paper():
    X, y = make_sequentially_separable(n_samples=90, n_features=4, random_state=2)
    clf = SequentialSeparableClassifier(fit_intercept=False).fit(X, y)
    assert clf.output_layer_ == "exact" and cost(clf, X, y) < 1e-18
    # eq. (62): the output is W^(L+1) τ(x) with no cumulative bias, on any input
    X_test = np.random.default_rng(0).normal(scale=2.0, size=(50, 4))
    A = np.linalg.lstsq(clf.base_points_, clf.targets_[clf.order_], rcond=None)[0]
    np.testing.assert_allclose(forward(clf, X_test), clf.truncate(X_test) @ A, atol=1e-8)
    targets = np.array([[1.0, 2.0], [0.0, 1.0], [3.0, 0.0]])
    custom = SequentialSeparableClassifier(targets=targets).fit(X, y)
    np.testing.assert_allclose(forward(custom, X), targets[y], atol=1e-9)


def test_every_construction_parameter_changes_the_network():
    X, y = make_sequentially_separable(n_samples=90, n_features=3, random_state=1)
    base = SequentialSeparableClassifier(n_prototypes=1, random_state=0).fit(X, y)

    def differs(**params):
        other = SequentialSeparableClassifier(n_prototypes=1, random_state=0, **params).fit(X, y)
        assert cost(other, X, y) < 1e-18  # still exact
        return any(not np.allclose(a, b) for a, b in zip(base.coefs_, other.coefs_))

    assert differs(base_point=0.2) and differs(angle_margin=0.1)
    with pytest.raises(ValueError, match="not installed"):
        SequentialSeparableClassifier(solver="CLARABELL").fit(X, y)
    # C and max_solves act where the order search fails and the soft margin takes over
    Xi, yi = load_iris(return_X_y=True)
    Xi = StandardScaler().fit_transform(Xi)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", AssumptionWarning)
        soft = SequentialSeparableClassifier(n_prototypes=1, random_state=0).fit(Xi, yi)
        soft_c = SequentialSeparableClassifier(n_prototypes=1, C=0.01,
                                               random_state=0).fit(Xi, yi)
        assert any(not np.allclose(a, b) for a, b in zip(soft.coefs_, soft_c.coefs_))
    # max_solves bounds the hyperplane problems of the order search
    calls = []
    import sktrunc._sequential as seq

    original = seq._separate
    try:
        seq._separate = lambda *args: calls.append(args[2]) or original(*args)
        SequentialSeparableClassifier(solver="SCS").fit(X, y)
        assert set(calls) == {"SCS"}  # the solver is really the one asked for
        calls.clear()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", AssumptionWarning)
            SequentialSeparableClassifier(n_prototypes=1, max_solves=1,
                                          random_state=0).fit(Xi, yi)
            budget_1 = len(calls)
            calls.clear()
            SequentialSeparableClassifier(n_prototypes=1, max_solves=8,
                                          random_state=0).fit(Xi, yi)
        assert budget_1 < len(calls)
    finally:
        seq._separate = original


def test_soft_margin_anchors_stay_on_the_positive_side():
    from sktrunc._separation import soft_margin_hyperplane

    rng = np.random.default_rng(0)
    neg = rng.normal(size=(60, 2))
    pos = rng.normal(loc=0.5, size=(60, 2))
    # anchors deep inside the negative cloud: a plain soft margin would put them negative
    anchors = np.array([[-0.3, -0.2], [0.0, -0.4]])
    w, b, _ = soft_margin_hyperplane(neg, pos, C=1.0, anchors_pos=anchors, random_state=0)
    assert np.all(anchors @ w + b > 0)
    # and the fitted sequential network keeps every earlier base point forward of each
    # later cone: the soft layers leave them in place
    X, y = load_iris(return_X_y=True)
    X = StandardScaler().fit_transform(X)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", AssumptionWarning)
        clf = SequentialSeparableClassifier(n_prototypes=1, random_state=0).fit(X, y)
    for ell, layer in enumerate(clf.layers_):
        for earlier in clf.layers_[:ell]:
            assert (earlier.base_point - layer.base_point) @ layer.axis > 0


@pytest.mark.parametrize("est", [ClusteredTruncationClassifier(random_state=0),
                                 SequentialSeparableClassifier(random_state=0)])
def test_decision_function_argmax_is_predict_with_unequal_norm_targets(est):
    X, y = load_wine(return_X_y=True)
    X = StandardScaler().fit_transform(X)
    targets = np.array([[3.0, 0.0], [0.0, 1.0], [-1.0, -2.0]])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", AssumptionWarning)
        est.set_params(targets=targets).fit(X, y)
    scores = est.decision_function(X)
    np.testing.assert_array_equal(est.classes_[np.argmax(scores, axis=1)], est.predict(X))
    # and predict is the nearest target of the genuine forward pass (eq. 2.61)
    out = forward(est, X)
    nearest = np.argmin(((out[:, None, :] - targets[None]) ** 2).sum(-1), axis=1)
    np.testing.assert_array_equal(est.classes_[nearest], est.predict(X))


@pytest.mark.parametrize("scale", [1e-300, 1e-14, 1e100, 1e300])
def test_units_of_the_data_change_nothing(scale):
    # at 1e-14 the zero loss was lost; at 1e±300 envelope_candidates raised an IndexError
    X, y = make_sequentially_separable(n_samples=60, random_state=0)
    ref = SequentialSeparableClassifier(random_state=0).fit(X, y)
    clf = SequentialSeparableClassifier(random_state=0).fit(X * scale, y)
    assert clf.output_layer_ == "exact" and clf.separable_.all()
    np.testing.assert_array_equal(clf.predict(X * scale), ref.predict(X))
    assert cost(clf, X * scale, y) < 1e-18
    np.testing.assert_allclose(clf.hyperplane_margins_, ref.hyperplane_margins_ * scale,
                               rtol=1e-4)


def test_identical_rows_fall_back_to_the_majority():
    # every soft margin degenerates to w = 0: no NaN axis, the majority class predicted
    X = np.ones((21, 3))
    y = np.r_[np.zeros(10, int), np.ones(11, int)]
    with pytest.warns(AssumptionWarning):
        clf = SequentialSeparableClassifier(random_state=0).fit(X, y)
    assert np.all(np.isfinite(forward(clf, X)))
    np.testing.assert_array_equal(clf.predict(X), np.ones(21))


def test_tiny_C_is_refused_clearly():
    X, y = make_sequentially_separable(n_samples=30, random_state=0)
    with pytest.raises(ValueError, match="'C' parameter"):
        SequentialSeparableClassifier(C=1e-300).fit(X, y)


# -- the solvers behind the peeling steps -------------------------------------------------


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("shift", [4.0, 1.0, 0.2])
def test_newton_hard_margin_is_the_qp_max_margin_and_certifies_overlap(seed, shift):
    # the Newton route (squared hinge with a rising penalty, KKT system of the support
    # vectors) must return the QP's max-margin hyperplane, and decide overlap exactly
    from sktrunc._separation import _fast_max_margin, _max_margin, strictly_separable

    rng = np.random.default_rng(seed)
    d = [2, 5, 20, 64][seed]
    neg = rng.normal(size=(150 + 50 * seed, d))
    pos = rng.normal(size=(400, d)) + shift * np.eye(d)[0]
    fast, act_neg, act_pos = _fast_max_margin(neg, pos, "CLARABEL")
    exact = _max_margin(neg, pos, "CLARABEL")[0]
    assert (fast is None) == (exact is None) == (not strictly_separable(neg, pos))
    if fast is None:
        # the returned points alone admit no separating hyperplane: a certificate
        assert not strictly_separable(neg[act_neg], pos[act_pos])
        return
    (w, b), w_qp = fast, exact[0]
    assert np.all(neg @ w + b <= -1 + 1e-7) and np.all(pos @ w + b >= 1 - 1e-7)
    assert 1 / np.linalg.norm(w) == pytest.approx(1 / np.linalg.norm(w_qp), rel=1e-6)
    np.testing.assert_allclose(w, w_qp, rtol=1e-4, atol=1e-6 * np.linalg.norm(w_qp))


def test_newton_soft_margin_is_linear_svc():
    # the soft-margin steps solve LinearSVC's primal squared hinge (intercept penalised
    # like liblinear's intercept_scaling=1) on the standardised sides, to high accuracy
    from sktrunc._separation import _design, _scaling, soft_margin_hyperplane

    rng = np.random.default_rng(0)
    neg, pos = rng.normal(size=(300, 4)), rng.normal(size=(200, 4)) + 0.7
    w, b, n_wrong = soft_margin_hyperplane(neg, pos, C=10.0)
    center, scale = _scaling(neg, pos)
    Z, s = _design(neg, pos, center, scale)
    svc = LinearSVC(C=10.0, loss="squared_hinge", dual=False, tol=1e-10,
                    max_iter=10_000).fit(Z[:, :-1], s)
    np.testing.assert_allclose(w * scale, svc.coef_.ravel(), rtol=1e-5)
    assert b + w @ center == pytest.approx(svc.intercept_[0], rel=1e-5)
    assert n_wrong == np.sum(neg @ w + b >= 0) + np.sum(pos @ w + b <= 0) > 0
    # a warm start from a nearby hyperplane lands on the same solution
    w2, b2, _ = soft_margin_hyperplane(neg, pos, C=10.0, warm_start=(1.1 * w, b - 0.1))
    np.testing.assert_allclose(w2, w, rtol=1e-8)


def test_exact_line_search_finds_the_root_of_the_piecewise_linear_slope():
    from sktrunc._separation import _line_search

    rng = np.random.default_rng(1)
    for _ in range(200):
        n = int(rng.integers(1, 200))
        r, delta, c = rng.normal(size=n), rng.normal(size=n), rng.uniform(0.1, 100, n)
        dw2, w_dot = rng.uniform(0, 2), -5 * abs(rng.normal())

        def slope(t, w_dot=w_dot, dw2=dw2, r=r, delta=delta, c=c):
            return w_dot + t * dw2 - np.sum(c * delta * np.maximum(0, r - t * delta))

        if slope(0) >= 0:
            continue
        t = _line_search(w_dot, dw2, r, delta, c)
        # the caller's active set r > 0, when handed over, changes nothing, bit for bit
        assert _line_search(w_dot, dw2, r, delta, c, r > 0) == t
        assert t > 0 and abs(slope(t)) <= 1e-8 * (1 + np.sum(c * np.abs(delta) * (
            np.abs(r) + t * np.abs(delta))))


def test_cones_are_decided_by_the_pareto_frontier():
    # pruning to the frontier in (a, rho) changes neither the widest cone nor its margin
    from sktrunc._geometry import cone_margin, widest_cone_cotangent
    from sktrunc._sequential import _frontier

    rng = np.random.default_rng(2)
    for _ in range(10):
        a_in, r_in = -rng.exponential(size=300), rng.exponential(size=300)
        a_out, r_out = rng.exponential(size=500) + 0.01, rng.exponential(size=500)
        inside, outside = _frontier(a_in, r_in, backward=True), _frontier(
            a_out, r_out, backward=False)
        assert inside.a.size < 50 and outside.a.size < 50
        c = widest_cone_cotangent(a_in, r_in, a_out, r_out, np.inf)
        assert widest_cone_cotangent(*inside.as_tuple()[:2], *outside.as_tuple()[:2],
                                     np.inf) == c
        theta = 2 * np.arctan(1 / (0.5 * c))
        full = cone_margin(0.0, theta, (a_in, r_in, 0.0), (a_out, r_out, 0.0))
        assert cone_margin(0.0, theta, inside.as_tuple(), outside.as_tuple()) == full


# -- shortcuts of the fit, each against the long way ------------------------------------------


def test_truncating_the_moved_rows_only_is_the_truncation_map():
    from sktrunc._sequential import _truncated
    from sktrunc._truncation import truncate

    X, y = load_digits(return_X_y=True)
    X = StandardScaler().fit_transform(X)
    clf = SequentialSeparableClassifier(random_state=0).fit(X, y)
    Z = (X - clf.center_) @ clf.components_
    for layer in clf.layers_:
        fast, holds = _truncated(Z, layer)
        slow = truncate(Z, layer.cumulative_coef, layer.cumulative_intercept)
        np.testing.assert_allclose(fast, slow, atol=1e-12 * np.abs(Z).max())
        pre = Z @ layer.cumulative_coef + layer.cumulative_intercept
        assert holds == bool(np.any(np.all(pre <= 0, axis=1)))
        Z = slow


@pytest.mark.parametrize("lifted", [False, True])
def test_held_out_scoring_without_assembly_predicts_as_the_network(lifted):
    from sktrunc._base import BaseConeClassifier
    from sktrunc._prototypes import split_classes

    corners = np.array([[0, 0, 0], [4, 0, 0], [0, 4, 0], [4, 4, 0]], dtype=float)
    X, y = make_blobs(n_samples=300, centers=corners, random_state=0)
    y = y % 2  # two classes, each two far-apart blobs (an XOR)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", AssumptionWarning)
        clf = SequentialSeparableClassifier(random_state=0).fit(X, y)
        rng = np.random.RandomState(0)
        # 4 prototypes in 3 dimensions need no lift, 8 do
        protos = split_classes(X, y, 2, [4, 4] if lifted else [2, 2], rng)
        construction = clf._construct(X, y, protos, rng)[0]
    assert (construction.lift is not None) == lifted
    X_new = np.random.default_rng(1).uniform(-2, 6, size=(500, 3))
    fast = clf._held_out_nearest(construction, X_new)
    slow = BaseConeClassifier._held_out_nearest(clf, construction, X_new)
    np.testing.assert_array_equal(fast, slow)


def test_last_layer_on_kept_positions_is_the_one_on_the_forward_pass(monkeypatch):
    import sktrunc._sequential as seq

    X, y = load_breast_cancer(return_X_y=True)
    X = StandardScaler().fit_transform(X)
    kept = SequentialSeparableClassifier(random_state=0).fit(X, y)
    monkeypatch.setattr(seq, "_POSITIONS_MAX_COND", 0.0)  # always the forward pass
    forward_pass = SequentialSeparableClassifier(random_state=0).fit(X, y)
    assert kept.output_layer_ == forward_pass.output_layer_ == "svc"
    np.testing.assert_array_equal(kept.predict(X), forward_pass.predict(X))
    np.testing.assert_allclose(kept.coefs_[-1], forward_pass.coefs_[-1], rtol=1e-8,
                               atol=1e-10 * np.abs(forward_pass.coefs_[-1]).max())


def test_overlap_certified_from_the_soft_margin_gives_the_same_network(monkeypatch):
    from sklearn.datasets import make_classification

    import sktrunc._sequential as seq

    X, y = make_classification(400, 5, n_informative=3, flip_y=0.05, random_state=0)
    plain_separate, hints = seq._separate, []

    def counting(neg, pos, solver, hint=None):
        hints.append(hint is not None)
        return plain_separate(neg, pos, solver, hint)

    monkeypatch.setattr(seq, "_separate", counting)
    with pytest.warns(AssumptionWarning):
        hinted = SequentialSeparableClassifier(n_prototypes=3, random_state=0).fit(X, y)
    assert sum(hints) >= 4  # after the first overlapping candidate, every one is hinted
    monkeypatch.setattr(seq, "_separate", lambda neg, pos, solver, hint=None:
                        plain_separate(neg, pos, solver))
    with pytest.warns(AssumptionWarning):
        plain = SequentialSeparableClassifier(n_prototypes=3, random_state=0).fit(X, y)
    np.testing.assert_array_equal(hinted.order_, plain.order_)
    np.testing.assert_array_equal(hinted.predict(X), plain.predict(X))
    for a, b in zip(hinted.coefs_, plain.coefs_):
        np.testing.assert_allclose(a, b, rtol=1e-7, atol=1e-9 * np.abs(b).max())


def _overlapping_table(n=600, d=8):
    from sklearn.datasets import make_classification

    return make_classification(n, d, n_informative=4, flip_y=0.05, random_state=0)


def test_truncating_rows_sent_to_the_apex_is_the_truncation_map():
    # soft-margin cones send most of their class to the apex (computed once for all)
    from sktrunc._sequential import _truncated
    from sktrunc._truncation import truncate

    X, y = _overlapping_table()
    with pytest.warns(AssumptionWarning):
        clf = SequentialSeparableClassifier(n_prototypes=1, random_state=0).fit(X, y)
    Z, seen = (X - clf.center_) @ clf.components_, False
    for layer in clf.layers_:
        fast, holds = _truncated(Z, layer)
        slow = truncate(Z, layer.cumulative_coef, layer.cumulative_intercept)
        np.testing.assert_allclose(fast, slow, rtol=1e-12, atol=1e-12 * np.abs(Z).max())
        pre = Z @ layer.cumulative_coef + layer.cumulative_intercept
        dead = np.all(pre <= 0, axis=1)
        assert holds == bool(dead.any())
        if dead.any():  # every one of them at the apex, the same row
            seen = True
            assert np.all(fast[dead] == fast[dead][0])
            np.testing.assert_allclose(fast[dead][0], layer.base_point, rtol=1e-10,
                                       atol=1e-10 * np.abs(layer.base_point).max())
        Z = slow
    assert seen


@pytest.mark.parametrize("rank, spread, route", [(6, 1.0, "normal"), (3, 1.0, "qr"),
                                                  (6, 1e-6, "qr")])
def test_lstsq_is_numpys_minimum_norm_solution(monkeypatch, rank, spread, route):
    # well conditioned: the normal equations; rank-deficient (rank 3) or ill-conditioned
    # (a column 1e-6 of the others, cond ~1e6): QR and the SVD of R, with numpy's cut
    import sktrunc._sequential as seq

    rng = np.random.default_rng(rank)
    A = rng.normal(size=(500, rank)) @ rng.normal(size=(rank, 6))  # rank-deficient when 3
    A[:, 0] *= spread
    A = np.column_stack([A, np.ones(500)])
    B = rng.normal(size=(500, 2))
    taken = []
    plain = seq.dgeqrf
    monkeypatch.setattr(seq, "dgeqrf", lambda a: taken.append("qr") or plain(a))
    np.testing.assert_allclose(seq._lstsq(A, B), np.linalg.lstsq(A, B, rcond=None)[0],
                               rtol=1e-9, atol=1e-11)
    assert (taken[:1] or ["normal"])[0] == route


def test_distinct_rows_group_equal_rows_and_labels_only():
    import sktrunc._sequential as seq

    rng = np.random.default_rng(0)
    rows = rng.normal(size=(20, 4))
    pick = rng.integers(20, size=300)
    A, labels = rows[pick], pick % 3
    first, count = seq._distinct_rows(A, labels)
    assert count.sum() == 300 and len(first) == len(np.unique(pick))
    for i, c in zip(first, count):
        same = np.all(A == A[i], axis=1) & (labels == labels[i])
        assert same.sum() == c
    assert seq._distinct_rows(rng.normal(size=(300, 4))) is None  # nothing repeats
    # products that tell rows apart badly (equal for distinct rows): a group is still a
    # set of equal rows, and the counts add up per distinct row
    three = np.array([[0.0, 1.0, 2.0, 3.0], [0.0, 1.0, 2.0, 4.0], [0.0, 5.0, 2.0, 3.0]])
    A = np.repeat(three, 100, axis=0)
    saved = seq._ROW_KEY.copy()
    try:
        seq._ROW_KEY[:] = 0.0
        seq._ROW_KEY[0] = 1.0  # the first column, equal in every row
        groups = seq._distinct_rows(A)
    finally:
        seq._ROW_KEY[:] = saved
    if groups is not None:
        first, count = groups
        for row in three:
            assert count[np.all(A[first] == row, axis=1)].sum() == 100


def test_peel_and_linear_svm_layer_on_distinct_rows_are_those_on_all_rows(monkeypatch):
    import sktrunc._sequential as seq

    X, y = _overlapping_table()
    calls = []
    plain = seq._distinct_rows

    def counting(A, labels=None):
        out = plain(A, labels)
        calls.append((labels is not None, out is not None))
        return out

    monkeypatch.setattr(seq, "_distinct_rows", counting)
    # uncapped cones send most of a class to one apex: many equal rows
    make = partial(SequentialSeparableClassifier, n_prototypes=2, max_aperture=np.pi,
                   random_state=0)
    with pytest.warns(AssumptionWarning):
        grouped = make().fit(X, y)
    # the peel's soft margins (rows only) and the last layer's linear SVM (rows and
    # classes) were solved on distinct rows
    assert (False, True) in calls and (True, True) in calls
    monkeypatch.setattr(seq, "_distinct_rows", lambda A, labels=None: None)
    with pytest.warns(AssumptionWarning):
        every = make().fit(X, y)
    assert grouped.output_layer_ == every.output_layer_
    np.testing.assert_array_equal(grouped.order_, every.order_)
    np.testing.assert_array_equal(grouped.predict(X), every.predict(X))
    for a, b in zip(grouped.coefs_, every.coefs_):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-8 * np.abs(b).max())


def test_two_prototypes_certify_each_other_without_a_solve(monkeypatch):
    from sktrunc._separation import strictly_separable

    X, y = _overlapping_table()
    seen = []
    plain = SequentialSeparableClassifier._mirrored

    def recording(state, j, remaining, base_points):
        out = plain(state, j, remaining, base_points)
        if out:
            rows_neg, at_neg, rows_pos, at_pos, extras = state.certificates[j]
            seen.append((np.all(state.y[rows_neg] == j), at_neg, at_pos, len(extras)))
        return out

    monkeypatch.setattr(SequentialSeparableClassifier, "_mirrored", staticmethod(recording))
    with pytest.warns(AssumptionWarning):
        mirrored = SequentialSeparableClassifier(n_prototypes=1, random_state=0).fit(X, y)
    assert len(seen) == 1
    own, at_neg, at_pos, n_extras = seen[0]
    assert own and n_extras == 0 and not strictly_separable(at_neg, at_pos)  # it certifies
    monkeypatch.setattr(SequentialSeparableClassifier, "_mirrored",
                        staticmethod(lambda *args: False))
    with pytest.warns(AssumptionWarning):
        solved = SequentialSeparableClassifier(n_prototypes=1, random_state=0).fit(X, y)
    for a, b in zip(mirrored.coefs_ + mirrored.intercepts_, solved.coefs_ + solved.intercepts_):
        np.testing.assert_array_equal(a, b)
