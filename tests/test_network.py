import pickle

import numpy as np
import pytest

from sktrunc import ReLUNetwork
from sktrunc._network import _BLOCK_BYTES
from sktrunc._truncation import compose_truncations


def _manual_forward(coefs, intercepts, X):
    a = X
    for W, b in zip(coefs[:-1], intercepts[:-1]):
        a = np.maximum(a @ W + b, 0.0)
    return a @ coefs[-1] + intercepts[-1]


def _random_layers(widths, seed):
    rng = np.random.default_rng(seed)
    coefs = [rng.normal(size=(m, n)) for m, n in zip(widths[:-1], widths[1:])]
    intercepts = [rng.normal(size=n) for n in widths[1:]]
    return coefs, intercepts


@pytest.mark.parametrize("widths", [(3, 1), (4, 6, 2), (5, 4, 4, 3, 2)])
def test_forward_matches_manual_relu_pass(widths):
    coefs, intercepts = _random_layers(widths, 0)
    net = ReLUNetwork(coefs, intercepts)
    # spans several row blocks, the last one partial
    rows = max(256, _BLOCK_BYTES // (8 * max(widths[:-1])))
    X = np.random.default_rng(1).normal(size=(2 * rows + 7, widths[0]))
    np.testing.assert_allclose(net.forward(X), _manual_forward(coefs, intercepts, X),
                               rtol=1e-12, atol=1e-12)
    assert net.layer_sizes == widths
    assert net.n_params == sum(c.size + b.size for c, b in zip(coefs, intercepts))
    hidden = net.hidden_outputs(X[:5])
    assert [h.shape[1] for h in hidden] == list(widths[1:-1])
    assert all((h >= 0).all() for h in hidden)


def _cumulative(coefs, intercepts):
    """W^(l) = W_l ... W_1 and b^(l) of eq. 21-22, in sklearn orientation."""
    cum_c, cum_b = [coefs[0]], [intercepts[0]]
    for c, b in zip(coefs[1:], intercepts[1:]):
        cum_c.append(cum_c[-1] @ c)
        cum_b.append(cum_b[-1] @ c + b)
    return cum_c, cum_b


@pytest.mark.parametrize("seed", range(3))
def test_from_cumulative_inverts_eq_21_22(seed):
    # non-increasing full-rank widths: the setting of Lemma 3.3
    coefs, intercepts = _random_layers((6, 5, 4, 3, 2), seed)
    cum_c, cum_b = _cumulative(coefs, intercepts)
    net = ReLUNetwork.from_cumulative(cum_c, cum_b)
    for got, want in zip(net.coefs, coefs):
        np.testing.assert_allclose(got, want, atol=1e-10)
    for got, want in zip(net.intercepts, intercepts):
        np.testing.assert_allclose(got, want, atol=1e-10)


@pytest.mark.parametrize("seed", range(3))
def test_network_is_composition_of_truncations_prop_3_2(seed):
    coefs, intercepts = _random_layers((6, 5, 4, 3, 2), seed)
    cum_c, cum_b = _cumulative(coefs, intercepts)
    X = np.random.default_rng(seed + 10).normal(size=(50, 6))
    net = ReLUNetwork(coefs, intercepts)
    # eq. (24): X^(L) = W^(L) X^(tau, L-1) + b^(L)
    Xt = compose_truncations(X, cum_c[:-1], cum_b[:-1])
    np.testing.assert_allclose(Xt @ cum_c[-1] + cum_b[-1], net.forward(X), atol=1e-9)
    # eq. (23) for every hidden layer
    for ell, h in enumerate(net.hidden_outputs(X), start=1):
        Xt = compose_truncations(X, cum_c[:ell], cum_b[:ell])
        np.testing.assert_allclose(Xt @ cum_c[ell - 1] + cum_b[ell - 1], h, atol=1e-9)


def test_to_mlp_predicts_like_forward_and_warm_starts():
    coefs, intercepts = _random_layers((3, 7, 5, 2), 3)
    net = ReLUNetwork(coefs, intercepts)
    X = np.random.default_rng(4).normal(size=(40, 3))
    mlp = net.to_mlp(warm_start=True, solver="sgd", learning_rate_init=1e-4, max_iter=1,
                     shuffle=False, random_state=0)
    np.testing.assert_allclose(mlp.predict(X), net.forward(X), rtol=1e-12, atol=1e-12)
    # gradient descent continues from our weights: one small step moves them only a little
    y = net.forward(X) + 0.1
    with pytest.warns(Warning):  # ConvergenceWarning after max_iter=1
        mlp.fit(X, y)
    assert mlp.n_iter_ == 1
    step = max(np.abs(a - b).max() for a, b in zip(mlp.coefs_, coefs))
    assert 0 < step < 1e-2


def test_to_mlp_single_output_is_raveled_and_pickles():
    coefs, intercepts = _random_layers((2, 4, 1), 5)
    net = ReLUNetwork(coefs, intercepts)
    X = np.random.default_rng(6).normal(size=(8, 2))
    mlp = pickle.loads(pickle.dumps(net.to_mlp()))
    np.testing.assert_allclose(mlp.predict(X), net.forward(X).ravel(), rtol=1e-12)


def test_bad_layers_are_refused():
    with pytest.raises(ValueError, match="at least one layer"):
        ReLUNetwork([], [])
    with pytest.raises(ValueError, match="does not match"):
        ReLUNetwork([np.ones((2, 3))], [np.ones(2)])
    with pytest.raises(ValueError, match="expects 4 inputs"):
        ReLUNetwork([np.ones((2, 3)), np.ones((4, 1))], [np.ones(3), np.ones(1)])
    with pytest.raises(ValueError, match="affine"):
        ReLUNetwork([np.ones((2, 1))], [np.ones(1)]).to_mlp()
    with pytest.raises(TypeError, match="fixed by the network"):
        ReLUNetwork(*_random_layers((2, 3, 1), 0)).to_mlp(activation="tanh")


# -- export to scikit-learn MLPs (issue 15) ---------------------------------------------


def _softplus_free_net(widths, seed, activation="relu"):
    return ReLUNetwork(*_random_layers(widths, seed), activation=activation)


@pytest.mark.parametrize("early_stopping", [False, True])
@pytest.mark.parametrize("solver", ["sgd", "adam"])
def test_to_mlp_warm_start_with_and_without_early_stopping(solver, early_stopping):
    # regression: early_stopping=True crashed with "'NoneType' object has no attribute
    # 'append'" because the validation bookkeeping was set as if it were off
    net = _softplus_free_net((3, 6, 2), 7)
    X = np.random.default_rng(8).normal(size=(60, 3))
    y = net.forward(X) + 0.1
    mlp = net.to_mlp(warm_start=True, early_stopping=early_stopping, solver=solver,
                     learning_rate_init=1e-4, max_iter=3, random_state=0)
    if early_stopping:
        assert mlp.validation_scores_ == [] and mlp.best_validation_score_ == -np.inf
        assert mlp.best_loss_ is None
    else:
        assert mlp.validation_scores_ is None and mlp.best_loss_ == np.inf
    with pytest.warns(Warning):  # ConvergenceWarning after max_iter=3
        mlp.fit(X, y)
    assert mlp.n_iter_ == 3 and len(mlp.loss_curve_) == 3
    assert len(mlp.validation_scores_ or []) == (3 if early_stopping else 0)


def test_to_mlp_partial_fit_continues_from_the_network():
    net = _softplus_free_net((3, 6, 2), 9)
    X = np.random.default_rng(10).normal(size=(40, 3))
    mlp = net.to_mlp(solver="sgd", learning_rate_init=1e-5, random_state=0)
    mlp.partial_fit(X, net.forward(X) + 0.1)
    assert mlp.n_iter_ == 1
    step = max(np.abs(a - b).max() for a, b in zip(mlp.coefs_, net.coefs))
    assert 0 < step < 1e-3
    # partial_fit refuses early stopping, as scikit-learn does, with its own error
    with pytest.raises(ValueError, match="partial_fit does not support early_stopping"):
        net.to_mlp(early_stopping=True).partial_fit(X, net.forward(X))


@pytest.mark.parametrize("activation", ["relu", "tanh"])
@pytest.mark.parametrize("widen", [0, 5])
def test_to_mlp_widened_predicts_like_forward(activation, widen):
    net = _softplus_free_net((4, 6, 5, 3), 11, activation)
    X = np.random.default_rng(12).normal(size=(300, 4))
    mlp = net.to_mlp(widen=widen, random_state=0)
    assert mlp.hidden_layer_sizes == (6 + widen, 5 + widen)
    assert [c.shape for c in mlp.coefs_] == [(4, 6 + widen), (6 + widen, 5 + widen),
                                              (5 + widen, 3)]
    np.testing.assert_array_equal(mlp.predict(X), net.to_mlp().predict(X))
    np.testing.assert_allclose(mlp.predict(X), net.forward(X), rtol=1e-12, atol=1e-12)
    if widen:
        # the new units are live: non-zero incoming weights, active on some inputs
        new_in = mlp.coefs_[1][:, 6:]
        assert np.all(np.linalg.norm(new_in, axis=0) > 0)


def _metric_predict(net, classes, Y, X):
    out = net.forward(X)
    d2 = ((out[:, None, :] - Y[None]) ** 2).sum(-1)
    return np.asarray(classes)[np.argmin(d2, axis=1)]


@pytest.mark.parametrize("activation", ["relu", "tanh"])
@pytest.mark.parametrize("widen", [0, 4])
@pytest.mark.parametrize("n_classes", [2, 3, 5])
def test_to_mlp_classifier_predicts_the_nearest_target(activation, widen, n_classes):
    rng = np.random.default_rng(n_classes)
    d_out = 4
    net = _softplus_free_net((3, 7, 6, d_out), 13 + n_classes, activation)
    Y = rng.normal(size=(n_classes, d_out))  # any distinct rows, not only one-hot
    classes = np.array(["c", "a", "e", "b", "d"][:n_classes])  # unsorted labels
    X = rng.normal(size=(500, 3))
    want = _metric_predict(net, classes, Y, X)
    mlp = net.to_mlp_classifier(classes, Y, temperature=0.37, widen=widen, random_state=1)
    np.testing.assert_array_equal(mlp.predict(X), want)
    np.testing.assert_array_equal(mlp.classes_, np.sort(classes))
    assert mlp.n_outputs_ == (1 if n_classes == 2 else n_classes)
    assert mlp.out_activation_ == ("logistic" if n_classes == 2 else "softmax")
    # the probabilities are the softmax of the scores f·y_j - ½|y_j|² over T
    out = net.forward(X)
    scores = (out @ Y.T - 0.5 * np.sum(Y ** 2, axis=1)) / 0.37
    order = np.argsort(classes)
    p = np.exp(scores[:, order] - scores.max(axis=1, keepdims=True))
    np.testing.assert_allclose(mlp.predict_proba(X), p / p.sum(axis=1, keepdims=True),
                               rtol=1e-9, atol=1e-12)


def test_to_mlp_classifier_one_hot_default_and_fine_tunes():
    net = _softplus_free_net((3, 8, 3), 20)
    rng = np.random.default_rng(21)
    X = rng.normal(size=(120, 3))
    y = np.argmax(net.forward(X), axis=1)
    for early_stopping in (False, True):
        mlp = net.to_mlp_classifier(np.arange(3), warm_start=True, max_iter=2,
                                    early_stopping=early_stopping, random_state=0)
        np.testing.assert_array_equal(mlp.predict(X), y)
        with pytest.warns(Warning):
            mlp.fit(X, y)
        assert mlp.n_iter_ == 2
    mlp = net.to_mlp_classifier(np.arange(3), solver="sgd", random_state=0)
    mlp.partial_fit(X, y)  # classes_ already known: no classes= needed
    assert mlp.n_iter_ == 1


def test_to_mlp_classifier_refuses_bad_input():
    net = _softplus_free_net((3, 4, 2), 0)
    with pytest.raises(ValueError, match="distinct labels"):
        net.to_mlp_classifier([0, 0])
    with pytest.raises(ValueError, match="dimension 3"):
        net.to_mlp_classifier([0, 1], np.eye(2, 3))
    with pytest.raises(ValueError, match="temperature"):
        net.to_mlp_classifier([0, 1], temperature=0.0)
    with pytest.raises(ValueError, match="widen"):
        net.to_mlp(widen=-1)
    soft = ReLUNetwork(*_random_layers((3, 4, 2), 0), activation="softplus")
    with pytest.raises(ValueError, match="softplus"):
        soft.to_mlp_classifier([0, 1])


@pytest.mark.parametrize("n_classes", [2, 4])
def test_to_mlp_classifier_with_the_fitted_temperature_has_the_same_probabilities(n_classes):
    # the estimator's predict_proba temperature, passed to the export, makes the MLP's
    # probabilities the classifier's: fine-tuning starts from a calibrated model
    from sklearn.datasets import make_blobs

    from sktrunc import ShallowBoundClassifier

    X, y = make_blobs(n_samples=200, n_features=5, centers=n_classes, random_state=0)
    clf = ShallowBoundClassifier().fit(X, y)
    T = clf.temperature_ * clf._score_unit()
    mlp = clf.network_.to_mlp_classifier(clf.classes_, clf.targets_, temperature=T, widen=3,
                                         random_state=0)
    np.testing.assert_array_equal(mlp.predict(X), clf.predict(X))
    np.testing.assert_allclose(mlp.predict_proba(X), clf.predict_proba(X), rtol=1e-9,
                               atol=1e-12)


# -- input validation and gradients (issue 12) --------------------------------------


def test_forward_refuses_a_1d_sample_and_bad_inputs():
    net = _softplus_free_net((3, 4, 2), 0)
    with pytest.raises(ValueError, match="2D array"):
        net.forward(np.ones(3))
    with pytest.raises(ValueError, match="2 features, but this network takes 3"):
        net.forward(np.ones((5, 2)))
    with pytest.raises(ValueError, match="NaN"):
        net.forward(np.full((1, 3), np.nan))
    with pytest.raises(ValueError, match="2D array"):
        net.hidden_outputs(np.ones(3))
    with pytest.raises(ValueError, match="Y must have shape"):
        net.cost_gradient(np.ones((5, 3)), np.ones((4, 2)))
    # the weights are read-only: the forward pass precomputes from them
    with pytest.raises(ValueError, match="read-only"):
        net.coefs[0][0, 0] = 1.0


def _perturbed(net, which, index, eps):
    coefs = [c.copy() for c in net.coefs]
    intercepts = [b.copy() for b in net.intercepts]
    (coefs if which == "coef" else intercepts)[index[0]][index[1:]] += eps
    return ReLUNetwork(coefs, intercepts, activation=net.activation)


def _cost(net, X, Y):
    r = net.forward(X) - Y
    return 0.5 * np.sum(r * r)


@pytest.mark.parametrize("activation", ["relu", "tanh", "softplus"])
def test_cost_gradient_matches_finite_differences(activation):
    widths = (3, 5, 4, 2)
    net = _softplus_free_net(widths, 30, activation)
    rng = np.random.default_rng(31)
    X, Y = rng.normal(size=(25, 3)), rng.normal(size=(25, 2))
    gc, gb = net.cost_gradient(X, Y)
    assert [g.shape for g in gc] == [c.shape for c in net.coefs]
    assert [g.shape for g in gb] == [b.shape for b in net.intercepts]
    eps = 1e-6
    scale = max(np.abs(g).max() for g in gc + gb)
    for ell in range(len(widths) - 1):
        for idx in [(0, 0), (widths[ell] - 1, widths[ell + 1] - 1)]:
            up = _cost(_perturbed(net, "coef", (ell,) + idx, eps), X, Y)
            down = _cost(_perturbed(net, "coef", (ell,) + idx, -eps), X, Y)
            assert (up - down) / (2 * eps) == pytest.approx(gc[ell][idx], abs=1e-6 * scale)
        up = _cost(_perturbed(net, "intercept", (ell, 0), eps), X, Y)
        down = _cost(_perturbed(net, "intercept", (ell, 0), -eps), X, Y)
        assert (up - down) / (2 * eps) == pytest.approx(gb[ell][0], abs=1e-6 * scale)


@pytest.mark.parametrize("activation", ["relu", "tanh", "softplus"])
def test_parameter_jacobian_matches_finite_differences_and_the_gradient(activation):
    widths = (2, 4, 3, 3, 2)  # three hidden layers, two outputs
    net = _softplus_free_net(widths, 40, activation)
    rng = np.random.default_rng(41)
    X, Y = rng.normal(size=(6, 2)), rng.normal(size=(6, 2))
    J = net.parameter_jacobian(X)
    assert J.shape == (6 * 2, net.n_params)
    # scikit-learn packing: all coefs raveled, then all intercepts
    theta = np.concatenate([c.ravel() for c in net.coefs] + list(net.intercepts))
    sizes = [c.size for c in net.coefs] + [b.size for b in net.intercepts]
    shapes = [c.shape for c in net.coefs] + [b.shape for b in net.intercepts]
    L = net.n_layers

    def unpack(t):
        parts = np.split(t, np.cumsum(sizes)[:-1])
        arrays = [p.reshape(s) for p, s in zip(parts, shapes)]
        return ReLUNetwork(arrays[:L], arrays[L:], activation=activation)

    eps = 1e-6
    for k in rng.choice(net.n_params, size=12, replace=False):
        e = np.zeros_like(theta)
        e[k] = eps
        fd = (unpack(theta + e).forward(X) - unpack(theta - e).forward(X)).ravel() / (2 * eps)
        np.testing.assert_allclose(J[:, k], fd, atol=1e-6 * np.abs(J).max())
    # the gradient of eq. (14) is Jᵀ r
    r = (net.forward(X) - Y).ravel()
    gc, gb = net.cost_gradient(X, Y)
    np.testing.assert_allclose(J.T @ r, np.concatenate([g.ravel() for g in gc + gb]),
                               rtol=1e-10, atol=1e-12)


def _rounding_bound(coefs, out):
    worst = max(np.linalg.cond(c) for c in coefs[:-1])
    return worst * (len(coefs) - 1) * np.finfo(float).eps * np.abs(out).max()


@pytest.mark.parametrize("kinds", ["LLLL", "DLLDL", "LDLD"])
def test_low_rank_layers_run_as_thin_products_like_the_dense_pass(kinds):
    # the cone layers of Lemma 3.4: alpha I + low rank (a reflection and a rank-one
    # stretch), chained as in a sequential construction
    rng = np.random.default_rng(50)
    n, coefs, intercepts = 48, [], []
    for kind in kinds:
        if kind == "D":  # a dense layer between cone layers
            coefs.append(rng.normal(size=(n, n)) / np.sqrt(n))
            intercepts.append(rng.normal(size=n))
            continue
        v = rng.normal(size=n)
        v /= np.linalg.norm(v)
        e = np.full(n, n ** -0.5)
        lam = rng.uniform(0.2, 0.9)
        W = (lam * np.eye(n) + (1 - lam) * np.outer(e, e)) @ (np.eye(n) - 2 * np.outer(v, v))
        coefs.append(W.T)
        intercepts.append(rng.normal(size=n))
    coefs.append(rng.normal(size=(n, 3)))
    intercepts.append(rng.normal(size=3))
    net = ReLUNetwork(coefs, intercepts)
    assert "".join(kind[0].upper() for kind, *_ in net._plan()[0]) == kinds
    X = rng.normal(size=(5000, n))
    X_before = X.copy()
    want = _manual_forward(coefs, intercepts, X)
    # the two forms round differently: by eps times the worst layer's condition number
    # per layer (measured 1e-2 of this bound on sequential constructions)
    bound = _rounding_bound(coefs, want)
    np.testing.assert_allclose(net.forward(X), want, rtol=0, atol=bound)
    np.testing.assert_array_equal(X, X_before)  # the input is never updated in place
    # Fortran-ordered and float32 input take the same path
    np.testing.assert_allclose(net.forward(np.asfortranarray(X)), net.forward(X), rtol=1e-12)
    # a network pickled and loaded runs the same plan
    again = pickle.loads(pickle.dumps(net))
    np.testing.assert_array_equal(again.forward(X), net.forward(X))
    with pytest.raises(ValueError, match="read-only"):
        again.coefs[0][0, 0] = 0.0


def test_fine_tune_keeps_the_construction_when_descent_only_hurts():
    from sktrunc._network import fine_tune

    net = _softplus_free_net((3, 8, 3), 60)
    rng = np.random.default_rng(61)
    X = rng.normal(size=(300, 3))
    y = np.argmax(net.forward(X), axis=1)  # the construction is perfect on these labels
    # a learning rate far too large: every epoch is worse than epoch 0
    mlp = net.to_mlp_classifier(np.arange(3), solver="sgd", learning_rate_init=50.0,
                                random_state=0)
    mlp = fine_tune(mlp, X, y, max_iter=5, n_iter_no_change=3, random_state=0)
    assert mlp.best_iter_ == 0 and mlp.validation_scores_[0] == 1.0
    assert min(mlp.validation_scores_[1:]) < 1.0
    for got, want in zip(mlp.coefs_, net.coefs):
        np.testing.assert_array_equal(got, want)
    # a reasonable step improves a construction that is not perfect
    y_noisy = np.where(rng.random(300) < 0.9, y, (y + 1) % 3)
    mlp = net.to_mlp_classifier(np.arange(3), widen=4, solver="adam", random_state=0)
    mlp = fine_tune(mlp, X, y_noisy, random_state=0)
    assert mlp.best_validation_score_ >= mlp.validation_scores_[0]
    with pytest.raises(ValueError, match="early_stopping=False"):
        fine_tune(net.to_mlp_classifier([0, 1, 2], early_stopping=True), X, y_noisy)


def test_forward_of_a_sequential_construction_drops_collapsed_rows_exactly():
    # each cone layer collapses a class (activation 0): those rows leave the pass with
    # the constant output of a zero activation, precomputed
    from sklearn.datasets import make_blobs

    from sktrunc import SequentialSeparableClassifier

    X, y = make_blobs(n_samples=600, n_features=40, centers=5, random_state=0)
    net = SequentialSeparableClassifier().fit(X, y).network_
    assert {kind for kind, *_ in net._plan()[0]} == {"lowrank"}
    acts = net._activations(X)
    assert sum(int((~(a > 0).any(axis=1)).sum()) for a in acts[1:-1]) > 100
    want = acts[-1] @ net.coefs[-1] + net.intercepts[-1]
    np.testing.assert_allclose(net.forward(X), want, rtol=0,
                               atol=_rounding_bound(net.coefs, want))
    np.testing.assert_array_equal(net.forward(X).argmax(1), want.argmax(1))


def test_fine_tune_freeze_moves_only_the_new_units_and_the_output():
    from sktrunc._network import fine_tune

    net = _softplus_free_net((3, 6, 5, 3), 70)
    rng = np.random.default_rng(71)
    X = rng.normal(size=(240, 3))
    y = (X[:, 0] * X[:, 1] > 0).astype(int) + (X[:, 2] > 1)
    Y = np.eye(3)
    mlp = net.to_mlp_classifier(np.arange(3), Y, widen=4, solver="adam",
                                learning_rate_init=1e-2, random_state=0)
    start = [c.copy() for c in mlp.coefs_]
    mlp = fine_tune(mlp, X, y, max_iter=5, n_iter_no_change=5, freeze=net, random_state=0)
    assert mlp.t_ == 5 * 216  # five epochs of the 90 % kept for descent
    for ell in range(2):
        np.testing.assert_array_equal(mlp.coefs_[ell][:, :net.coefs[ell].shape[1]][
            :net.coefs[ell].shape[0]], net.coefs[ell])
        np.testing.assert_array_equal(mlp.intercepts_[ell][:net.intercepts[ell].shape[0]],
                                      net.intercepts[ell])
    # what did move: the new units and the output layer
    assert mlp.best_iter_ > 0
    assert not np.array_equal(mlp.coefs_[-1], start[-1])
    assert not np.array_equal(mlp.coefs_[1][:, 5:], start[1][:, 5:])
    other = _softplus_free_net((3, 6, 5, 3), 72)
    with pytest.raises(ValueError, match="does not start with the network's weights"):
        fine_tune(net.to_mlp_classifier(np.arange(3), widen=2), X, y, freeze=other)


def _settle_kinds(net, X):
    """Rows the cone shortcut settles in every forward cone, as dead, and resumes."""
    out = np.full((len(X), net.layer_sizes[-1]), np.nan)
    resumed = sum(len(rows) for _, rows, _ in net._shortcut.settle(X, out, net._plan()[2]))
    dead = np.asarray(net._plan()[2])
    is_dead = (out[:, None, :] == dead[None]).all(-1).any(-1)
    settled = ~np.isnan(out[:, 0])
    return int((settled & ~is_dead).sum()), int(is_dead.sum()), resumed


@pytest.mark.parametrize("kind", ["sequential", "clustered", "clustered-lifted",
                                  "clustered-full", "random"])
def test_fused_plan_equals_the_naive_layer_by_layer_pass(kind):
    # the forward plan (low-rank chains, dropped rows, the cones' shortcut) against the
    # plain pass on training rows, perturbed rows and rows far from the data: all three
    # kinds of rows of the shortcut occur, and every prediction is the same argmax
    from sklearn.datasets import make_blobs

    from sktrunc import ClusteredTruncationClassifier, SequentialSeparableClassifier

    X, y = make_blobs(n_samples=600, n_features=8, centers=5, random_state=0)
    rng = np.random.default_rng(0)
    Xt = np.vstack([X, X + rng.normal(size=X.shape),
                    X.mean(0) + 2 * X.std() * rng.normal(size=(600, 8))])
    if kind == "random":
        coefs, intercepts = _random_layers((8, 30, 30, 20, 5), 3)
        net = ReLUNetwork(coefs, intercepts)
        assert net.__dict__.get("_shortcut") is None
    else:
        est = {"sequential": SequentialSeparableClassifier(),
               "clustered": ClusteredTruncationClassifier(),
               "clustered-lifted": ClusteredTruncationClassifier(n_prototypes=3, random_state=0),
               "clustered-full": ClusteredTruncationClassifier(width="full")}[kind]
        net = est.fit(X, y).network_
        forward_settled, dead, resumed = _settle_kinds(net, Xt)
        assert forward_settled > 0 and resumed > 0
        assert dead > 0 or kind == "clustered-lifted"  # its lifted cones collapse no row
    want = _manual_forward(net.coefs, net.intercepts, Xt)
    got = net.forward(Xt)
    assert np.abs(got - want).max() <= 1e-10 * np.abs(want).max()
    np.testing.assert_array_equal(got.argmax(1), want.argmax(1))
    # row blocks of any size take the same path (BLAS may round a 7-row product
    # differently), and so does a pickled network
    np.testing.assert_allclose(np.vstack([net.forward(Xt[:7]), net.forward(Xt[7:])]), got,
                               rtol=0, atol=1e-12 * np.abs(want).max())
    np.testing.assert_array_equal(pickle.loads(pickle.dumps(net)).forward(Xt), got)
