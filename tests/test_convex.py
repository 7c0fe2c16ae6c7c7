import pickle
import warnings

import joblib
import numpy as np
import pytest
from sklearn.base import clone
from sklearn.datasets import make_classification
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import StratifiedKFold, cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sktrunc._convex import (
    ConvexReLUClassifier,
    ConvexReLURegressor,
    _certificate,
    cone_decompose,
    gated_certificate,
    solve_cvxpy,
    solve_cvxpy_gated,
    solve_gated_fista,
)
from sktrunc.landscape._sampling import sample_activation_patterns

from conftest import forward


def convex_model_output(est, X):
    """``Σ_i D_i X̃ (v_i - w_i)``: each unit times the sampled pattern it belongs to."""
    pre = X @ est.coefs_[0] + est.intercepts_[0]
    patterns = X @ est.gates_[:-1] + est.gates_[-1] > 0
    gated = patterns[:, est.unit_patterns_] * pre
    return (gated @ est.coefs_[1]) + est.intercepts_[1]


@pytest.fixture(scope="module")
def regression_data():
    rng = np.random.default_rng(0)
    X = rng.uniform(-1, 1, (120, 3))
    y = np.abs(X[:, 0]) + np.maximum(X[:, 1], 0) - 0.5 * X[:, 2] + 0.05 * rng.normal(size=120)
    return X, y


def test_sampling_dedups_and_is_reproducible_under_any_n_jobs():
    X = np.array([[-1.0], [0.0], [1.0]])
    P = sample_activation_patterns(X, 500, random_state=0)
    # in 1-D with a bias three ordered points admit exactly 5 non-empty patterns
    assert P.shape == (3, 5) and len({tuple(c) for c in P.T}) == 5 and P.any(axis=0).all()
    rng = np.random.default_rng(1)
    Z = rng.normal(size=(40, 4))
    P1, G1 = sample_activation_patterns(Z, 1100, random_state=3, return_gates=True)
    P2 = sample_activation_patterns(Z, 1100, random_state=3, n_jobs=2)
    np.testing.assert_array_equal(P1, P2)
    np.testing.assert_array_equal(P1, Z @ G1[:-1] + G1[-1] > 0)
    with joblib.parallel_config(backend="threading"):
        np.testing.assert_array_equal(P1, sample_activation_patterns(Z, 1100, random_state=3,
                                                                     n_jobs=2))
    with pytest.raises(ValueError, match="finite"):
        sample_activation_patterns(np.array([[np.nan]]), 3)


def test_data_and_pair_gates_are_strictly_inside_their_cones():
    rng = np.random.default_rng(2)
    Z = rng.normal(size=(60, 3))
    Z[1] = Z[0]  # a duplicate row cannot sit on a hyperplane either
    P, G = sample_activation_patterns(Z, 300, random_state=0, return_gates=True,
                                      method="data")
    pre = Z @ G[:-1] + G[-1]
    np.testing.assert_array_equal(P, pre > 0)
    assert np.abs(pre).min() > 0 and P.any(axis=0).all()
    np.testing.assert_allclose(np.linalg.norm(G, axis=0), 1.0)
    # the cuts follow the data: the active fractions spread over (0, 1]
    frac = P.mean(axis=0)
    assert frac.min() < 0.2 and frac.max() > 0.8
    np.testing.assert_array_equal(P, sample_activation_patterns(Z, 300, random_state=0,
                                                                method="data", n_jobs=2))
    # pairs: each normal on two features; ties in those features (a column of few
    # values) never put a point on the hyperplane either
    Z[:, 2] = np.round(Z[:, 2])
    P, G = sample_activation_patterns(Z, 300, random_state=0, return_gates=True,
                                      method="pairs")
    assert np.all((G[:-1] != 0).sum(axis=0) == 2)
    pre = Z @ G[:-1] + G[-1]
    np.testing.assert_array_equal(P, pre > 0)
    assert np.abs(pre).min() > 0


def test_cone_decomposition_reproduces_the_gated_units():
    rng = np.random.default_rng(0)
    Z = rng.normal(size=(50, 3))
    Xt = np.column_stack([Z, np.ones(50)])
    D, G = sample_activation_patterns(Z, 8, random_state=1, return_gates=True, method="data")
    U = rng.normal(size=(4, D.shape[1], 2))
    U[:, 0, 0] = G[:, 0]  # a unit inside its cone stays as it is
    V = cone_decompose(Xt, 2.0 * D - 1.0, G, U)
    np.testing.assert_allclose(V[:, 0] - V[:, 1], U, atol=1e-12)
    assert np.all(V[:, 1, 0, 0] == 0)
    for s in range(2):
        pre = np.einsum("nm,mpq->npq", Xt, V[:, s])
        scale = np.abs(pre).max()
        # both parts inside the cone of their pattern, so σ(X̃v) - σ(X̃w) = D X̃ u
        assert np.all((2.0 * D[:, :, None] - 1.0) * pre >= -1e-12 * scale)
    relu = np.maximum(np.einsum("nm,mpq->npq", Xt, V[:, 0]), 0) - np.maximum(
        np.einsum("nm,mpq->npq", Xt, V[:, 1]), 0)
    np.testing.assert_allclose(relu, D[:, :, None] * np.einsum("nm,mpq->npq", Xt, U),
                               atol=1e-10)


@pytest.mark.parametrize("program, solver", [("gated", "fista"), ("gated", "cvxpy"),
                                             ("relu", "cvxpy")])
def test_network_is_the_convex_model_and_the_mlp(regression_data, program, solver):
    X, y = regression_data
    reg = ConvexReLURegressor(program=program, solver=solver, n_patterns=20,
                              random_state=0).fit(X, y)
    assert reg.solver_ == solver
    out = forward(reg, X).ravel()
    np.testing.assert_allclose(reg.predict(X), out, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(reg.to_mlp().predict(X), out, rtol=1e-10, atol=1e-10)
    # the network takes the same values as the convex model on its sampled patterns
    convex = convex_model_output(reg, X).ravel()
    np.testing.assert_allclose(out, convex, atol=1e-8 * np.abs(y).max())
    assert reg.constraint_violation_ <= 1e-9
    assert reg.score(X, y) > 0.9
    assert np.isclose(reg.training_cost_, 0.5 * np.sum((out - y) ** 2))


def test_gated_gap_is_a_certificate(regression_data):
    X, y = regression_data
    Z = (X - X.mean(0)) / X.std(0)
    Y = ((y - y.mean()) / y.std())[:, None]
    Xt = np.column_stack([Z, np.ones(len(Z))])
    D = sample_activation_patterns(Z, 15, random_state=0, method="data")
    D = np.column_stack([np.ones(len(Z), dtype=bool), D])
    lam = 0.02
    exact = solve_cvxpy_gated(Xt, D, Y, lam)[0]
    p_star, bound_star = gated_certificate(Xt, D, Y, exact, lam)
    assert p_star - bound_star <= 1e-6 * p_star
    for max_iter, gram in [(5, False), (30, True), (2000, False), (2000, True)]:
        U, info = solve_gated_fista(Xt, D, Y, lam, tol=1e-4, max_iter=max_iter, gram=gram,
                                    settle_tol=0.0)
        obj, bound = gated_certificate(Xt, D, Y, U, lam)
        assert obj == pytest.approx(info["objective"], rel=1e-9)
        # the bound is below the optimum and the gap bounds the distance to it
        assert bound <= p_star * (1 + 1e-7) and bound <= obj
        assert obj - p_star <= (obj - bound) * (1 + 1e-7)
        assert info["gap"] >= (obj - p_star) / obj - 1e-9
    assert info["gap"] <= 1e-4


def test_default_fits_of_easy_problems_are_certified_without_warning(regression_data):
    from sklearn.datasets import load_breast_cancer, load_iris

    X, y = regression_data
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        reg = ConvexReLURegressor(random_state=0).fit(X, y)
        Xi, yi = load_iris(return_X_y=True)
        clf = ConvexReLUClassifier(random_state=0).fit(Xi, yi)
        Xb, yb = load_breast_cancer(return_X_y=True)
        bc = ConvexReLUClassifier(random_state=0).fit(Xb[::2], yb[::2])
    for est in (reg, clf, bc):
        # the solver stops when the objective settles and reports the gap it certified:
        # the warning level is 10 tol
        assert est.solver_ == "fista" and 0 <= est.optimality_gap_ <= 10 * est.tol
        assert est.constraint_violation_ <= 1e-9


def test_noise_adaptive_penalty(regression_data):
    X, y = regression_data
    rng = np.random.default_rng(5)
    quiet = ConvexReLURegressor(random_state=0).fit(X, y)
    noisy = ConvexReLURegressor(random_state=0).fit(X, y + 0.5 * rng.normal(size=len(y)))
    # standardised units: a noisier target gets a larger relative penalty
    assert noisy.alpha_ / np.var(noisy.predict(X)) > quiet.alpha_ / np.var(quiet.predict(X))
    fixed = ConvexReLURegressor(alpha=1e-2, random_state=0).fit(X, y)
    assert fixed.alpha_ != quiet.alpha_


def test_classifier_penalty_is_the_linear_models_residual():
    # alpha=None: lam = 0.2 σ sqrt(m / N), σ the RMS residual of the ridge fit (penalty
    # 0.2 |y|_rms sqrt(m / N)) of the centred one-hot column on the standardised inputs
    X, y = make_classification(300, 6, n_informative=4, class_sep=3.0, flip_y=0.0,
                               random_state=0)
    rng = np.random.default_rng(0)
    flipped = np.where(rng.random(len(y)) < 0.2, 1 - y, y)
    for labels in (y, flipped):
        clf = ConvexReLUClassifier(random_state=0).fit(X, labels)
        N, m = X.shape[0], X.shape[1] + 1
        Xt = np.column_stack([(X - X.mean(axis=0)) / X.std(axis=0), np.ones(N)])
        Y = labels[:, None] - labels.mean()
        scale = 0.2 * np.sqrt(m / N)
        G = Xt.T @ Xt / N + scale * np.sqrt(np.mean(Y ** 2)) * np.eye(m)
        R = Y - Xt @ np.linalg.solve(G, Xt.T @ Y / N)
        assert clf.alpha_ == pytest.approx(N * scale * np.sqrt(np.mean(R ** 2)), rel=1e-9)
    # the classes overlap more: a larger penalty
    assert (ConvexReLUClassifier(random_state=0).fit(X, flipped).alpha_
            > 1.3 * ConvexReLUClassifier(random_state=0).fit(X, y).alpha_)
    # a given alpha replaces the rule
    assert ConvexReLUClassifier(alpha=1e-2, random_state=0).fit(X, y).alpha_ != pytest.approx(
        ConvexReLUClassifier(random_state=0).fit(X, y).alpha_, rel=1e-3)


def test_classifier_default_does_not_interpolate_label_noise():
    # 10 % flipped labels: the fixed alpha=1e-2 of earlier versions fits every training
    # label and loses 8 points of 5-fold accuracy to the default
    X, y = make_classification(1000, 30, n_informative=5, class_sep=0.7, flip_y=0.1,
                               random_state=3)
    folds = StratifiedKFold(5, shuffle=True, random_state=0)
    scores = {}
    for alpha in (None, 1e-2):
        pipe = make_pipeline(StandardScaler(), ConvexReLUClassifier(alpha=alpha, random_state=0))
        scores[alpha] = cross_val_score(pipe, X, y, cv=folds).mean()
    assert scores[None] > scores[1e-2] + 0.05
    assert ConvexReLUClassifier(alpha=1e-2, random_state=0).fit(X, y).training_accuracy_ == 1.0
    assert ConvexReLUClassifier(random_state=0).fit(X, y).training_accuracy_ < 0.99


def test_cvxpy_optimum_certified_and_fista_within_its_gap(regression_data):
    X, y = regression_data
    exact = ConvexReLURegressor(program="relu", solver="cvxpy", n_patterns=20,
                                random_state=0).fit(X, y)
    assert exact.optimality_gap_ < 1e-5
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        approx = ConvexReLURegressor(program="relu", solver="fista", n_patterns=20,
                                     random_state=0, max_iter=3000, tol=1e-3).fit(X, y)
    assert approx.alpha_ == pytest.approx(exact.alpha_)
    # the certified gap really bounds the distance to the optimum
    assert exact.objective_ <= approx.objective_ * (1 + 1e-6)
    assert approx.objective_ - exact.objective_ <= approx.optimality_gap_ * approx.objective_


def test_objective_equals_weight_decay_objective_of_the_network(regression_data):
    X, y = regression_data
    reg = ConvexReLURegressor(program="relu", solver="cvxpy", n_patterns=15,
                              random_state=1).fit(X, y)
    # Theorem 1: in standardised units the objective is ½|f - y|² + α/2 Σ(|W1_k|² + w2_k²)
    mu, sd = X.mean(axis=0), X.std(axis=0)
    W1 = reg.coefs_[0] * sd[:, None]
    b1 = reg.intercepts_[0] + mu @ reg.coefs_[0]
    w2 = reg.coefs_[1].ravel() / y.std()
    f = (forward(reg, X).ravel() - y.mean()) / y.std()
    r = f - (y - y.mean()) / y.std()
    decay = np.sum(W1 ** 2) + np.sum(b1 ** 2) + np.sum(w2 ** 2)
    assert 0.5 * r @ r + 0.5 * reg.alpha_ * decay == pytest.approx(reg.objective_, rel=1e-8)


def test_certificate_bound_is_below_the_cvxpy_optimum(regression_data):
    X, y = regression_data
    Z = (X - X.mean(0)) / X.std(0)
    Y = ((y - y.mean()) / y.std())[:, None]
    Xt = np.column_stack([Z, np.ones(len(Z))])
    D = sample_activation_patterns(Z, 10, random_state=0)
    S = 2.0 * D - 1.0
    U, M, status = solve_cvxpy(Xt, D, Y, 0.01)
    obj, bound = _certificate(Xt, D.astype(float), S, Y, U, M, 0.01)
    assert status == "optimal" and bound <= obj and (obj - bound) < 1e-6 * obj
    # any multipliers give a valid (weaker) bound
    _, weak = _certificate(Xt, D.astype(float), S, Y, U, np.zeros_like(M), 0.01, refine=False)
    assert weak <= obj


def test_results_do_not_depend_on_the_scale_of_X_and_y(regression_data):
    X, y = regression_data
    a = ConvexReLURegressor(n_patterns=15, random_state=0).fit(X, y)
    b = ConvexReLURegressor(n_patterns=15, random_state=0).fit(1e4 * X + 7.0, 1e-3 * y)
    np.testing.assert_allclose(1e-3 * a.predict(X), b.predict(1e4 * X + 7.0), rtol=1e-5,
                               atol=1e-7 * np.abs(1e-3 * y).max())


def test_multi_output_and_max_neurons(regression_data):
    X, y = regression_data
    Y = np.column_stack([y, -2 * y + X[:, 0]])
    reg = ConvexReLURegressor(n_patterns=10, random_state=0).fit(X, Y)
    assert reg.predict(X).shape == (120, 2) and reg.score(X, Y) > 0.8
    full = ConvexReLURegressor(n_patterns=10, random_state=0).fit(X, y)
    small = ConvexReLURegressor(n_patterns=10, max_neurons=3, random_state=0).fit(X, y)
    assert small.coefs_[0].shape[1] <= 3 < full.coefs_[0].shape[1]
    assert small.objective_ >= full.objective_
    np.testing.assert_allclose(small.predict(X), forward(small, X).ravel(), atol=1e-12)


def test_classifier_argmax_proba_and_temperature():
    from sklearn.datasets import load_iris

    X, y = load_iris(return_X_y=True)
    clf = ConvexReLUClassifier(random_state=0).fit(X, y)
    out = forward(clf, X)
    np.testing.assert_array_equal(clf.predict(X), clf.classes_[out.argmax(axis=1)])
    proba = clf.predict_proba(X)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    np.testing.assert_array_equal(proba.argmax(axis=1), out.argmax(axis=1))
    assert clf.training_accuracy_ > 0.95 and clf.temperature_ > 0
    # the fitted temperature is a minimum of the training log-loss of predict_proba
    def loss(T):
        clf.temperature_ = T
        return -np.mean(np.log(clf.predict_proba(X)[np.arange(len(y)), y]))
    T = clf.temperature_
    assert loss(T) <= loss(1.25 * T) + 1e-9
    # either an interior minimum or the base class's floor of 0.1
    assert loss(T) <= loss(0.8 * T) + 1e-9 or T == pytest.approx(0.1, rel=1e-4)


def test_bad_inputs():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(30, 2))
    const = ConvexReLURegressor(random_state=0).fit(X, np.full(30, 4.2))
    np.testing.assert_allclose(const.predict(X), 4.2)
    one = ConvexReLURegressor(random_state=0).fit(X[:1], [3.0])
    assert np.isfinite(one.predict(X)).all() and one.predict(X[:1])[0] == pytest.approx(3.0)
    dup = np.vstack([X, X])
    yd = np.r_[X[:, 0], X[:, 0]]
    reg = ConvexReLURegressor(random_state=0).fit(dup, yd)
    assert np.isfinite(reg.predict(dup)).all()
    many = ConvexReLURegressor(n_patterns=5000, random_state=0).fit(X[:5], yd[:5])
    assert many.n_patterns_ <= 2 ** 5  # deduplicated patterns
    with pytest.raises(ValueError, match="NOT_A_SOLVER"):
        ConvexReLURegressor(solver="cvxpy", cvxpy_solver="NOT_A_SOLVER").fit(X, X[:, 0])
    for bad in (np.nan, np.inf):
        Xb = X.copy()
        Xb[0, 0] = bad
        with pytest.raises(ValueError):
            ConvexReLURegressor().fit(Xb, X[:, 1])
        with pytest.raises(ValueError):
            ConvexReLUClassifier().fit(Xb, X[:, 1] > 0)


def test_convergence_warning_and_pickle(regression_data):
    X, y = regression_data
    with pytest.warns(ConvergenceWarning, match="optimality gap"):
        reg = ConvexReLURegressor(solver="fista", max_iter=2, tol=1e-6,
                                  random_state=0).fit(X, y)
    again = pickle.loads(pickle.dumps(reg))
    np.testing.assert_array_equal(again.predict(X), reg.predict(X))


def test_dask_style_parallel_config_gives_the_same_network(regression_data):
    X, y = regression_data
    a = ConvexReLURegressor(n_patterns=12, random_state=0).fit(X, y)
    with joblib.parallel_config(backend="threading", n_jobs=2):
        b = ConvexReLURegressor(n_patterns=12, random_state=0, n_jobs=2).fit(X, y)
    np.testing.assert_array_equal(a.gates_, b.gates_)
    np.testing.assert_allclose(a.predict(X), b.predict(X), rtol=1e-9, atol=1e-12)


def test_min_norm_split_is_exact_small_and_robust():
    from sklearn.datasets import load_breast_cancer

    from sktrunc._network import ReLUNetwork

    X, y = load_breast_cancer(return_X_y=True)
    X, y = X[::3], y[::3]
    gate = ConvexReLUClassifier(random_state=0).fit(X, y)
    small = ConvexReLUClassifier(random_state=0, split="min_norm").fit(X, y)
    # the same gated program and solution; only the split of each unit differs
    assert small.objective_ == pytest.approx(gate.objective_, rel=1e-9)
    for est in (gate, small):
        out = forward(est, X)
        np.testing.assert_allclose(out, convex_model_output(est, X), atol=1e-8)
        assert np.array_equal(est.classes_[out.argmax(axis=1)], est.predict(X))
        assert est.constraint_violation_ <= 1e-9
    assert np.abs(small.coefs_[0]).max() < 0.5 * np.abs(gate.coefs_[0]).max()

    # 1e-3 relative noise on every weight: the min-norm network keeps its predictions,
    # the gate split's nearly cancelling pairs do not
    def agreement(est):
        rng = np.random.default_rng(0)
        noisy = ReLUNetwork(
            [W * (1 + 1e-3 * rng.standard_normal(W.shape)) for W in est.coefs_],
            [b * (1 + 1e-3 * rng.standard_normal(b.shape)) for b in est.intercepts_])
        return np.mean(noisy.forward(X).argmax(axis=1) == forward(est, X).argmax(axis=1))

    assert agreement(small) >= 0.99
    assert agreement(small) > agreement(gate)


def test_cell_sums_gram_and_certificate_through_the_cells_are_the_plain_ones():
    from sktrunc._convex import _cell_sums, _cells, _gram, _shared_cells

    rng = np.random.default_rng(3)
    # clustered rows: few distinct activation vectors (cells)
    centers = rng.normal(size=(6, 3)) * 3
    X = centers[rng.integers(0, 6, 900)] + 0.05 * rng.normal(size=(900, 3))
    Z = (X - X.mean(0)) / X.std(0)
    Xt = np.column_stack([Z, np.ones(len(Z))])
    D = sample_activation_patterns(Z, 9, random_state=0, method="gaussian")
    D = np.column_stack([np.ones(len(Z), dtype=bool), D])
    Y = rng.normal(size=(900, 2))
    cells = _shared_cells(D)
    assert cells is not None and len(cells[0]) <= 30
    E, inverse = cells[0], cells[1]
    assert np.array_equal(E[inverse], D)
    H0, b0 = _gram(Xt, D.astype(float), Y)
    H1, b1 = _gram(Xt, D.astype(float), Y, cells=cells)
    # the independent reference: the design A = [D_1 X̃, ..., D_P X̃] written out
    A = (D[:, :, None] * Xt[:, None, :]).reshape(len(Xt), -1)
    assert np.allclose(H0, A.T @ A / len(A), rtol=0, atol=1e-12)
    assert np.allclose(b0, A.T @ Y / len(A), rtol=0, atol=1e-12)
    for by_pairs in (False, True):
        # one symmetric product, or one per pair of patterns; rows in nine chunks
        H2, b2 = _gram(Xt, D.astype(float), Y, chunk=100, by_pairs=by_pairs)
        H3, _ = _gram(Xt, D.astype(float), Y, by_pairs=by_pairs)
        for H in (H2, H3):
            assert np.allclose(H, H0, rtol=0, atol=1e-12)
        assert np.allclose(b2, b0, rtol=0, atol=1e-12)
    assert np.allclose(H1, H0, rtol=0, atol=1e-12) and np.allclose(b1, b0, rtol=0, atol=1e-12)
    U = rng.normal(size=(4, D.shape[1], 2))
    plain = gated_certificate(Xt, D, Y, U, 0.05)
    assert gated_certificate(Xt, D, Y, U, 0.05, cells=cells) == pytest.approx(plain, rel=1e-12)
    # both ways of summing (one product per cell; runs of outer products in chunks)
    for inv in (rng.integers(0, 20, 900), rng.integers(0, 400, 900)):
        fake = _cells(np.eye(inv.max() + 1, dtype=bool)[inv])
        ref = np.zeros((len(fake[0]), 4, 2))
        np.add.at(ref, fake[1], Xt[:, :, None] * Y[:, None, :])
        assert np.allclose(_cell_sums(Xt, Y, fake), ref, rtol=0, atol=1e-12)
    # the solver on the cells' Gram matrix: within its certified gap of CLARABEL's optimum
    lam = 0.02
    p_star = gated_certificate(Xt, D, Y, solve_cvxpy_gated(Xt, D, Y, lam)[0], lam)[0]
    U, info = solve_gated_fista(Xt, D, Y, lam, tol=1e-4, gram=True, settle_tol=0.0,
                                cache={"cells": cells}, max_iter=3000)
    obj, bound = gated_certificate(Xt, D, Y, U, lam)
    assert obj == pytest.approx(info["objective"], rel=1e-9)
    assert bound <= p_star * (1 + 1e-7) and info["lower_bound"] <= p_star * (1 + 1e-7)
    assert obj - p_star <= info["gap"] * obj * (1 + 1e-7) and info["gap"] <= 1e-4


def _digits_gated_problem():
    """700 standardized digits with a bias column, 12 Gaussian gates plus the all-active
    one, and ten centred one-hot outputs."""
    from sklearn.datasets import load_digits

    X, y = load_digits(return_X_y=True)
    X, y = X[:700], y[:700]
    sd = X.std(0)
    Z = (X - X.mean(0)) / np.where(sd > 0, sd, 1.0)
    Xt = np.column_stack([Z, np.ones(len(Z))])
    D = sample_activation_patterns(Z, 12, random_state=0, method="gaussian")
    D = np.column_stack([np.ones(len(Z), dtype=bool), D])
    return Xt, D, np.eye(10)[y] - np.eye(10)[y].mean(0)


def test_float32_gram_path_and_data_path_certify_each_other():
    Xt, D, Y = _digits_gated_problem()
    lam = 0.01
    # 700 x 13 x 10 > _FLOAT32_SIZE: both paths iterate in float32
    runs = [solve_gated_fista(Xt, D, Y, lam, tol=1e-2, gram=g, max_iter=400) for g in (1, 0)]
    for (U, info), (_, other) in zip(runs, runs[::-1]):
        obj, bound = gated_certificate(Xt, D, Y, U, lam)
        assert obj == pytest.approx(info["objective"], rel=1e-9) and info["float64"]
        # float64 bounds: each run's bound is below the other's objective
        assert info["lower_bound"] <= other["objective"] and info["gap"] <= 0.1


def test_constant_features_get_zero_weights():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(150, 3))
    y = np.abs(X[:, 0]) + X[:, 1]
    Xc = np.column_stack([X[:, :1], np.full(150, 7.0), X[:, 1:]])
    reg = ConvexReLURegressor(random_state=0).fit(Xc, y)
    assert np.all(reg.coefs_[0][1] == 0.0)
    assert reg.score(Xc, y) > 0.9 and reg.optimality_gap_ <= 10 * reg.tol


def test_gates_near_a_point_are_centred_and_ties_on_the_hyperplane_go_inactive():
    from sktrunc._convex import _centre_gates

    Xt = np.column_stack([[0.0, 0.0, 1.0, 2.0, -1.0], np.ones(5)])
    gates = np.array([[1.0, 1.0, 1.0], [0.0, -0.4, -0.999]])
    gates /= np.linalg.norm(gates, axis=0)
    # column 0: two equal rows on the hyperplane, split by rounding; column 1: a cut well
    # inside its gap; column 2: a cut 0.001 above a point
    D = np.array([[1, 0, 0], [0, 0, 0], [1, 1, 1], [1, 1, 1], [0, 0, 0]], dtype=bool)
    D2, g2 = _centre_gates(Xt, D, gates)
    assert np.array_equal(D2[:, 0], [False, False, True, True, False])
    assert np.array_equal(D2[:, 1:], D[:, 1:])
    proj = Xt @ g2
    assert np.array_equal(proj > 0, D2) and np.allclose(np.linalg.norm(g2, axis=0), 1.0)
    # columns 0 and 2 half-way between the last inactive and the first active row
    for i in (0, 2):
        assert np.isclose(-proj[1, i], proj[2, i])
    assert np.array_equal(g2[:, 1], gates[:, 1])


def test_digits_regressor_network_is_finite_on_pixel_pair_gates():
    from sklearn.datasets import load_digits

    X, y = load_digits(return_X_y=True)
    # seed 21: a pair gate's hyperplane passed through training points (its cone
    # split was infinite before the gates were centred)
    reg = ConvexReLURegressor(random_state=21).fit(X, y.astype(float))
    assert all(np.isfinite(c).all() for c in reg.coefs_ + reg.intercepts_)
    assert reg.score(X, y) > 0.8 and reg.constraint_violation_ <= 1e-9


def test_noise_rounds_on_a_subsample_reach_the_same_penalty_and_a_certified_fit(monkeypatch):
    import sktrunc._convex as convex

    rng = np.random.default_rng(2)
    X = rng.uniform(-1, 1, (3000, 3))
    y = np.abs(X[:, 0]) + np.maximum(X[:, 1], 0) - 0.5 * X[:, 2] + 0.3 * rng.normal(size=3000)
    whole = ConvexReLURegressor(random_state=0).fit(X, y)
    monkeypatch.setattr(convex, "_SUBSAMPLE_FROM", 2000)
    monkeypatch.setattr(convex, "_SUBSAMPLE_ROWS", 500)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        sub = ConvexReLURegressor(random_state=0).fit(X, y)
    # the fixed point of the noise level read on every 6th row, then on all rows
    assert sub.alpha_ == pytest.approx(whole.alpha_, rel=0.1)
    assert sub.optimality_gap_ <= 10 * sub.tol
    assert sub.score(X, y) == pytest.approx(whole.score(X, y), abs=0.01)


def test_dual_bound_is_separable_over_outputs():
    # two outputs fitted unequally well: the per-output scales of the dual point bound
    # the optimum (CLARABEL's), equal the sum of the one-output certificates, and beat
    # a single scale held back by the worse output
    from sktrunc._convex import _bound_from_c

    rng = np.random.default_rng(4)
    Z = rng.normal(size=(150, 3))
    Xt = np.column_stack([Z, np.ones(150)])
    D = sample_activation_patterns(Z, 8, random_state=0, method="gaussian")
    D = np.column_stack([np.ones(150, dtype=bool), D])
    Y = np.column_stack([np.abs(Z[:, 0]) + Z[:, 1], rng.normal(size=150)])
    Y -= Y.mean(0)
    lam = 0.02
    p_star = gated_certificate(Xt, D, Y, solve_cvxpy_gated(Xt, D, Y, lam)[0], lam)[0]
    U = solve_gated_fista(Xt, D, Y, lam, tol=0.3, settle_tol=0.0, max_iter=15)[0]
    obj, bound = gated_certificate(Xt, D, Y, U, lam)
    per_output = [gated_certificate(Xt, D, Y[:, q:q + 1], U[:, :, q:q + 1], lam)
                  for q in range(2)]
    assert obj == pytest.approx(sum(o for o, _ in per_output), rel=1e-12)
    assert bound == pytest.approx(sum(b for _, b in per_output), rel=1e-12)
    assert bound <= p_star * (1 + 1e-7)
    # one scale for both outputs: the dual point of the previous certificate
    m, P = Xt.shape[1], D.shape[1]
    R = np.einsum("np,npq->nq", D, (Xt @ U.reshape(m, -1)).reshape(-1, P, 2)) - Y
    C = np.stack([Xt.T @ (D * R[:, q:q + 1]) for q in range(2)], axis=-1) / 150
    single = _bound_from_c(float(np.linalg.norm(C, axis=0).max()), R, Y, lam)
    assert bound > single + 1e-3 * abs(single)
    for gram in (True, False):  # the solver's own bound, on both of its paths
        info = solve_gated_fista(Xt, D, Y, lam, tol=1e-3, gram=gram, max_iter=300)[1]
        assert info["lower_bound"] <= p_star * (1 + 1e-7)
        assert info["gap"] >= (info["objective"] - p_star) / info["objective"] - 1e-9


def test_settle_rule_waits_less_once_the_certificate_is_tight():
    from sktrunc._convex import _has_settled

    tol, st = 1e-2, 1e-3
    # above half the warning level (5 tol) the decrease must be below settle_tol
    for gap in (0.051, 0.1, 0.5, np.inf):
        assert _has_settled(0.9e-3, 1.0, gap, tol, st)
        assert not _has_settled(1.1e-3, 1.0, gap, tol, st)
    # within 5 tol twice that, relative to the objective
    for gap in (0.05, 0.02):
        assert _has_settled(1.9e-3 * 3.0, 3.0, gap, tol, st)
        assert not _has_settled(2.1e-3 * 3.0, 3.0, gap, tol, st)
    # rough solves (no certificate) and settle_tol=0 (wait for the gap) are not lenient
    assert not _has_settled(1.9e-3, 1.0, 0.02, tol, st, certify=False)
    assert not _has_settled(0.0, 1.0, 0.02, tol, 0.0)
    # no decrease measured yet (fewer than ten steps): not settled
    assert not _has_settled(np.inf, 1.0, 0.02, tol, st)


def test_gram_by_pairs_reuses_the_all_active_blocks_wherever_it_sits():
    from sktrunc._convex import _gram

    rng = np.random.default_rng(7)
    Z = rng.normal(size=(200, 3))
    Xt = np.column_stack([Z, np.ones(200)])
    D = sample_activation_patterns(Z, 5, random_state=0, method="gaussian")
    Y = rng.normal(size=(200, 2))
    for where in (0, 2, D.shape[1]):  # the all-active pattern first, inside, last
        Dw = np.insert(D, where, True, axis=1)
        A = (Dw[:, :, None] * Xt[:, None, :]).reshape(200, -1)
        for chunk in (64, 4096):
            H, b = _gram(Xt, Dw.astype(float), Y, chunk=chunk, by_pairs=True)
            assert np.allclose(H, A.T @ A / 200, rtol=0, atol=1e-12)
            assert np.allclose(b, A.T @ Y / 200, rtol=0, atol=1e-12)


def test_gate_split_units_of_a_pattern_are_one_unit():
    # w = t_q g_i for every output q is one unit σ(x̃·g_i) with an outgoing weight per
    # output: at most P Q + P hidden units instead of 2 P Q, the same training outputs
    from sklearn.datasets import load_iris

    X, y = load_iris(return_X_y=True)
    clf = ConvexReLUClassifier(random_state=0).fit(X, y)
    P, Q = clf.n_patterns_, 3
    W, b = clf.coefs_[0], clf.intercepts_[0]
    assert W.shape[1] <= P * Q + P
    # the units parallel to their pattern's gate: one per pattern, feeding every output
    # with the same sign (the -t_iq); there are some (iris: gates near training points)
    G = clf.gates_[:, clf.unit_patterns_]
    Wb = np.vstack([W, b])
    cos = np.einsum("ku,ku->u", Wb, G) / (np.linalg.norm(Wb, axis=0) * np.linalg.norm(G, axis=0))
    along = np.flatnonzero(cos > 1 - 1e-12)
    assert len(along) > 0
    assert len(np.unique(clf.unit_patterns_[along])) == len(along)
    out = clf.coefs_[1][along]
    assert (out <= 0).all() and (np.count_nonzero(out, axis=1) > 1).any()
    np.testing.assert_allclose(forward(clf, X), convex_model_output(clf, X),
                               atol=1e-8 * np.abs(forward(clf, X)).max())
    assert clf.constraint_violation_ <= 1e-9


def test_solver_stops_earlier_with_the_lenient_settle_rule(monkeypatch):
    # digits, ten outputs: the objective settles to 2 settle_tol with the gap within
    # 5 tol before it settles to settle_tol; the stop is then certified in float64
    import sktrunc._convex as convex

    Xt, D, Y = _digits_gated_problem()
    for gram in (True, False):
        U, info = solve_gated_fista(Xt, D, Y, 0.01, tol=1e-2, gram=gram, max_iter=400)
        obj, bound = gated_certificate(Xt, D, Y, U, 0.01)
        assert info["float64"] and obj == pytest.approx(info["objective"], rel=1e-9)
        assert info["lower_bound"] >= bound - 1e-12 * abs(bound)
        assert 1e-2 < info["gap"] <= 5e-2  # stopped by the lenient rule, not by the gap
        with monkeypatch.context() as mp:  # the strict rule: settle_tol whatever the gap
            mp.setattr(convex, "_has_settled",
                       lambda dec, obj, gap, tol, st, certify=True: st > 0 and dec <= st * abs(obj))
            strict = solve_gated_fista(Xt, D, Y, 0.01, tol=1e-2, gram=gram, max_iter=400)[1]
        assert info["n_iter"] < strict["n_iter"]


@pytest.mark.parametrize("gram", [True, False])
def test_resumed_call_continues_the_momentum(gram):
    # ten steps and ten more resumed from the returned array are the twenty steps of one
    # call (the step size and the momentum carried in the cache); a warm start without
    # resume restarts the momentum and lands elsewhere
    rng = np.random.default_rng(5)
    Z = rng.normal(size=(80, 3))
    Xt = np.column_stack([Z, np.ones(80)])
    D = np.column_stack([np.ones(80, dtype=bool),
                         sample_activation_patterns(Z, 6, random_state=0, method="gaussian")])
    Y = (np.abs(Z[:, :1]) + Z[:, 1:2]) - 1.0
    kw = dict(tol=1e-12, settle_tol=0.0, gram=gram)
    U0 = solve_gated_fista(Xt, D, Y, 0.01, max_iter=3, **kw)[0]
    whole = solve_gated_fista(Xt, D, Y, 0.01, max_iter=20, U0=U0, cache={}, **kw)[0]
    cache = {}
    half = solve_gated_fista(Xt, D, Y, 0.01, max_iter=10, U0=U0, cache=cache, **kw)[0]
    assert half is cache["momentum"][0]
    resumed = solve_gated_fista(Xt, D, Y, 0.01, max_iter=10, U0=half, cache=cache,
                                resume=True, **kw)[0]
    np.testing.assert_allclose(resumed, whole, rtol=1e-9, atol=1e-12 * np.abs(whole).max())
    cache = {}
    half = solve_gated_fista(Xt, D, Y, 0.01, max_iter=10, U0=U0, cache=cache, **kw)[0]
    restarted = solve_gated_fista(Xt, D, Y, 0.01, max_iter=10, U0=half, cache=cache, **kw)[0]
    assert np.abs(restarted - whole).max() > 1e-6 * np.abs(whole).max()
    # a U0 that is not the previous call's output is a plain warm start
    cache = {}
    half = solve_gated_fista(Xt, D, Y, 0.01, max_iter=10, U0=U0, cache=cache, **kw)[0]
    other = solve_gated_fista(Xt, D, Y, 0.01, max_iter=10, U0=half.copy(), cache=cache,
                              resume=True, **kw)[0]
    np.testing.assert_array_equal(other, restarted)


@pytest.mark.parametrize("subsample", [False, True])
def test_noise_adaptive_rounds_resume_from_the_previous_round(monkeypatch, subsample):
    import sktrunc._convex as convex

    calls = []
    solve = convex.solve_gated_fista

    def spy(*args, **kwargs):
        U, info = solve(*args, **kwargs)
        calls.append((len(args[0]), kwargs["U0"], kwargs.get("resume", False), U,
                      info["n_iter"]))
        return U, info

    monkeypatch.setattr(convex, "solve_gated_fista", spy)
    if subsample:  # the rough rounds on every 4th row, as from 50,000 rows
        monkeypatch.setattr(convex, "_SUBSAMPLE_FROM", 300)
        monkeypatch.setattr(convex, "_SUBSAMPLE_ROWS", 100)
    rng = np.random.default_rng(0)
    X = rng.normal(size=(400, 4))
    y = np.abs(X[:, 0]) + X[:, 1] + 0.3 * rng.normal(size=400)
    reg = ConvexReLURegressor(random_state=0).fit(X, y)
    assert len(calls) >= 2 and calls[-1][0] == 400
    assert reg.n_iter_ == sum(c[4] for c in calls)
    for (n_prev, _, _, previous, _), (n, U0, resume, _, _) in zip(calls, calls[1:]):
        # on all rows: the previous round's array (not a copy), resumed; the rough
        # rounds on a subsample restart their momentum
        assert resume == (n == 400)
        if n == n_prev:
            assert U0 is previous
    assert [c[0] for c in calls].count(100) == (len(calls) - 1 if subsample else 0)


def _collinear_blobs_program(alpha):
    # noise-free targets (cluster labels) on clustered rows: at a penalty of ~1e-4 of
    # lam_max the program is close to least squares on nearly collinear groups, where
    # FISTA stalls far from the optimum (the 1e5 blobs regressor's warning, in small)
    from sklearn.datasets import make_blobs

    from sktrunc._convex import _design_products

    X, y = make_blobs(1000, n_features=4, centers=6, random_state=0)
    Z = (X - X.mean(axis=0)) / X.std(axis=0)
    Xt = np.column_stack([Z, np.ones(len(Z))])
    D = np.column_stack([np.ones(len(Z), dtype=bool),
                         sample_activation_patterns(Z, 14, random_state=0, method="gaussian")])
    Y = (y - y.mean())[:, None] / y.std()
    lam_max = np.sqrt(np.einsum("mk,mk->k", *2 * [_design_products(Xt, D, Y) / len(Z)])).max()
    return Xt, D, Y, alpha * lam_max


def test_newton_polish_finishes_a_stalled_gram_solve():
    Xt, D, Y, lam = _collinear_blobs_program(1e-4)
    U0, info0 = solve_gated_fista(Xt, D, Y, lam, gram=True)
    assert info0["gap"] > 0.1  # FISTA alone stalls: the case the polish is for
    U, info = solve_gated_fista(Xt, D, Y, lam, gram=True, polish=True)
    # the certificate is recomputed from the data, independently of the solver
    objective, bound = gated_certificate(Xt, D, Y, U, lam)
    assert info["float64"] and np.isclose(info["objective"], objective, rtol=1e-12)
    assert (objective - bound) / objective <= 1e-3
    assert objective < info0["objective"] * (1 - 0.02)
    # the optimum of the conic solver agrees
    ref = solve_cvxpy_gated(Xt, D, Y, lam)[0]
    assert objective <= gated_certificate(Xt, D, Y, ref, lam)[0] * (1 + 1e-3)
    # a call that does not stall is not polished: the same result as without
    kw = dict(gram=True, tol=1e-3)
    Xt2, D2, Y2, lam2 = _collinear_blobs_program(0.05)
    a, info_a = solve_gated_fista(Xt2, D2, Y2, lam2, **kw)
    assert info_a["gap"] <= 1e-2
    np.testing.assert_array_equal(a, solve_gated_fista(Xt2, D2, Y2, lam2, polish=True, **kw)[0])


def test_noise_free_regressor_is_polished_instead_of_warning():
    from sklearn.datasets import make_blobs

    X, y = make_blobs(2000, n_features=5, centers=6, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        est = ConvexReLURegressor(random_state=0).fit(X, y.astype(float))
    assert est.optimality_gap_ <= 10 * est.tol
    # the polished units are the network's: its genuine forward pass has that cost
    cost = 0.5 * np.sum((forward(est, X).ravel() - y) ** 2)
    assert np.isclose(est.training_cost_, cost, rtol=1e-9)


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@pytest.mark.parametrize("kind, program", [("classifier", "gated"), ("regressor", "gated"),
                                           ("classifier", "relu"), ("regressor", "relu")])
def test_more_columns_than_rows_solve_the_same_program_in_the_rows_span(kind, program,
                                                                        monkeypatch):
    # more design columns than rows: the program on the rows' span (r <= n columns)
    # against the program on every column, at the same penalty
    import sktrunc._convex as convex
    from sktrunc import ConvexReLUClassifier, ConvexReLURegressor

    # the ReLU program goes to cvxpy at this size: 40 s on all 201 columns, so fewer
    n, m = (60, 200) if program == "gated" else (30, 50)
    X, y = make_classification(n_samples=n, n_features=m, n_informative=5, n_classes=3,
                               random_state=0)
    if kind == "regressor":
        y = X[:, :5] @ np.linspace(1.0, 2.0, 5) + np.abs(X[:, 0])
        est = ConvexReLURegressor(alpha=0.05, random_state=0, tol=1e-5, max_iter=20_000,
                                  program=program)
    else:
        est = ConvexReLUClassifier(random_state=0, tol=1e-5, max_iter=20_000, program=program)
    fits = {}
    for label, columns_per_row in (("span", 1.0), ("full", np.inf)):
        monkeypatch.setattr(convex, "_ROWS_SPAN_FROM", columns_per_row)
        fits[label] = clone(est).fit(X, y)
    a, b = fits["span"], fits["full"]
    assert a.alpha_ == pytest.approx(b.alpha_, rel=1e-9)
    # weak duality across the runs: each certified lower bound is below the other's
    # objective, so both solve one program, each to its certified gap
    # (together: the objectives agree within the larger certified gap, below 1e-3)
    for p, q in ((a, b), (b, a)):
        assert p.optimality_gap_ < 1e-3
        assert p.objective_ * (1 - p.optimality_gap_) <= q.objective_ * (1 + 1e-9)
    # the networks read off both solutions (units mapped back from the span), on the
    # training rows: a squared loss makes the optimal fitted values unique, and a point
    # within its certified gap of the optimum has |f - f*|² <= 2 gap objective_ (in the
    # program's units: the regressor's targets divided by their spread)
    unit = y.std() if kind == "regressor" else 1.0
    radius = sum(np.sqrt(2 * p.optimality_gap_ * p.objective_) for p in (a, b))
    assert np.linalg.norm(forward(a, X) - forward(b, X)) / unit <= radius * (1 + 1e-9)
    assert radius < 0.05 * np.linalg.norm(forward(b, X) - forward(b, X).mean(axis=0)) / unit
