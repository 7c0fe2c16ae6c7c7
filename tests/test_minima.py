"""What the clustered constructions are: gradients, the values (2.54)/(2.71)/(2.85), L > Q.

Every truth is computed independently here: finite differences of a forward pass,
a descent step followed by a least-squares refit, weighted least squares.
"""

import itertools
import warnings

import numpy as np
import pytest

from sktrunc import (
    ClusteredTruncationClassifier,
    ReLUNetwork,
    append_identity_layers,
    cost_gradient_norm,
    theorem_2_5_cost,
    truncated_data_cost,
)

from conftest import forward


def _data(seed=0, n=30, noise=0.3):
    rng = np.random.default_rng(seed)
    y = np.repeat([0, 1, 2], n)
    X = 3.0 * np.eye(3)[y] + noise * rng.normal(size=(3 * n, 3))
    return X, y


def _fit(X, y, pattern, width):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return ClusteredTruncationClassifier(width=width, collapse=list(pattern),
                                             output_layer="lstsq", n_prototypes=1).fit(X, y)


def _half_cost(coefs, intercepts, X, Y):
    a = X
    for W, b in zip(coefs[:-1], intercepts[:-1]):
        a = np.maximum(a @ W + b, 0.0)
    r = a @ coefs[-1] + intercepts[-1] - Y
    return 0.5 * float(np.sum(r * r))


def _fd_hidden_gradient(clf, X, Y, h=1e-6):
    """Central finite differences of eq. (14) in every hidden weight and bias."""
    coefs = [c.copy() for c in clf.coefs_]
    intercepts = [b.copy() for b in clf.intercepts_]
    grads = []
    for arrs in (coefs[:-1], intercepts[:-1]):
        for a in arrs:
            g = np.zeros_like(a)
            for idx in np.ndindex(a.shape):
                old = a[idx]
                a[idx] = old + h
                up = _half_cost(coefs, intercepts, X, Y)
                a[idx] = old - h
                down = _half_cost(coefs, intercepts, X, Y)
                a[idx] = old
                g[idx] = (up - down) / (2 * h)
            grads.append(g.ravel())
    return np.concatenate(grads)


def _refit_cost(coefs, intercepts, X, Y):
    """Eq. (14) with the best affine last layer on the given hidden layers."""
    a = X
    for W, b in zip(coefs[:-1], intercepts[:-1]):
        a = np.maximum(a @ W + b, 0.0)
    A = np.column_stack([a, np.ones(len(a))])
    sol = np.linalg.lstsq(A, Y, rcond=None)[0]
    r = A @ sol - Y
    return 0.5 * float(np.sum(r * r))


@pytest.mark.parametrize("pattern", [(True, False, False), (False, True, True)])
def test_partial_collapse_is_not_critical(pattern):
    X, y = _data()
    clf = _fit(X, y, pattern, "full")
    Y = clf.targets_[y]
    fd = _fd_hidden_gradient(clf, X, Y)
    norm = cost_gradient_norm(clf, X, y)
    # the library's gradient agrees with finite differences of a forward pass ...
    assert norm == pytest.approx(np.linalg.norm(fd), rel=1e-4)
    # ... and is far from zero relative to the cost
    assert norm > 0.1 * clf.training_cost_
    # one small step on the hidden layers and a refit of the last layer lowers the cost
    gc, gb = clf.network_.cost_gradient(X, Y)
    start = _refit_cost(clf.coefs_, clf.intercepts_, X, Y)
    assert start == pytest.approx(clf.training_cost_, rel=1e-9)
    step = 1e-3 / norm
    coefs = [c - step * g for c, g in zip(clf.coefs_[:-1], gc[:-1])] + [clf.coefs_[-1]]
    intercepts = [b - step * g for b, g in zip(clf.intercepts_[:-1], gb[:-1])]
    intercepts.append(clf.intercepts_[-1])
    assert _refit_cost(coefs, intercepts, X, Y) < start - 1e-6 * norm


def test_nothing_collapsed_full_width_is_critical_reduced_is_not():
    X, y = _data(1)
    full = _fit(X, y, (False, False, False), "full")
    reduced = _fit(X, y, (False, False, False), "reduced")
    scale = np.sqrt(full.training_cost_) * np.abs(X).max()
    fd_full = np.linalg.norm(_fd_hidden_gradient(full, X, full.targets_[y]))
    assert fd_full < 1e-6 * scale
    assert cost_gradient_norm(full, X, y, parameters="all") < 1e-10 * scale
    fd_red = np.linalg.norm(_fd_hidden_gradient(reduced, X, reduced.targets_[y]))
    assert fd_red > 1e-3 * scale
    assert cost_gradient_norm(reduced, X, y) == pytest.approx(fd_red, rel=1e-4)


def test_all_collapsed_is_zero_cost_zero_gradient():
    X, y = _data(2)
    clf = _fit(X, y, (True, True, True), "reduced")
    assert clf.collapsed_.all()
    Y = clf.targets_[y]
    r = forward(clf, X) - Y
    assert 0.5 * np.sum(r * r) < 1e-20
    assert cost_gradient_norm(clf, X, y, parameters="all") < 1e-9


def test_gradient_norm_of_a_network():
    rng = np.random.default_rng(0)
    net = ReLUNetwork([rng.normal(size=(2, 4)), rng.normal(size=(4, 1))],
                      [rng.normal(size=4), rng.normal(size=1)])
    X, Y = rng.normal(size=(10, 2)), rng.normal(size=(10, 1))
    gc, gb = net.cost_gradient(X, Y)
    expected = np.sqrt(sum(np.sum(g * g) for g in gc + gb))
    assert cost_gradient_norm(net, X, Y, parameters="all") == pytest.approx(expected)


def test_gradient_norm_rejects_unknown_labels():
    X, y = _data()
    clf = _fit(X, y, (True, True, True), "reduced")
    with pytest.raises(ValueError, match="labels"):
        cost_gradient_norm(clf, X, y + 7)


def _weighted_linear_fit(Xs, y, Y):
    """sqrt of min_A Σ_j (1/N_j) Σ_i |A x_i - y_j|² (no bias), by weighted lstsq."""
    counts = np.bincount(y)
    w = np.sqrt(1.0 / counts[y])[:, None]
    A = np.linalg.lstsq(Xs * w, Y[y] * w, rcond=None)[0]
    r = (Xs @ A - Y[y]) * w
    return float(np.sqrt(np.sum(r * r)))


@pytest.mark.parametrize("pattern", list(itertools.product([False, True], repeat=3)))
def test_theorem_2_5_cost_is_best_linear_last_layer(pattern):
    X, y = _data(3, n=12)
    rng = np.random.default_rng(5)
    Y = rng.normal(size=(3, 2))
    means = np.array([X[y == j].mean(0) for j in range(3)])
    collapse = np.array(pattern)
    Xs = np.where(collapse[y][:, None], means[y], X)
    expected = _weighted_linear_fit(Xs, y, Y)
    assert theorem_2_5_cost(X, y, pattern, targets=Y) == pytest.approx(expected, abs=1e-12)
    if all(pattern):
        assert theorem_2_5_cost(X, y, pattern, targets=Y) < 1e-12


def test_2_71_is_nothing_collapsed_and_2_85_is_independent_of_mu():
    X, y = _data(4)
    assert theorem_2_5_cost(X, y) == theorem_2_5_cost(X, y, [False] * 3)
    # the network the theorem builds: (2.84) with the collapsed class at x̄_j - μ f_j;
    # its best linear last layer depends on μ while (2.85) does not
    means = np.array([X[y == j].mean(0) for j in range(3)])
    f0 = (means.mean(0) - means[0]) / np.linalg.norm(means.mean(0) - means[0])
    values = []
    for mu in (0.2, 0.8):
        Xt = X.copy()
        Xt[y == 0] = means[0] + mu * f0
        values.append(truncated_data_cost(Xt, y))
        assert truncated_data_cost(Xt, y) == pytest.approx(
            _weighted_linear_fit(Xt, y, np.eye(3)), abs=1e-12)
    assert abs(values[0] - values[1]) > 1e-4


def test_values_reject_bad_input():
    X, y = _data()
    with pytest.raises(ValueError, match="M = Q"):
        theorem_2_5_cost(X[:, :2], y)
    with pytest.raises(ValueError, match="collapse"):
        theorem_2_5_cost(X, y, [True, False])
    with pytest.raises(ValueError, match="dependent"):
        truncated_data_cost(np.ones_like(X), y)


@pytest.mark.parametrize("width", ["reduced", "full"])
def test_append_identity_layers_keeps_zero_loss(width):
    X, y = _data(6)
    clf = _fit(X, y, (True, True, True), width)
    deep = append_identity_layers(clf.network_, X, n_layers=3, random_state=0)
    assert deep.n_layers == clf.network_.n_layers + 3
    # the added layers are not the identity matrix
    assert not np.allclose(deep.coefs[-2], np.eye(deep.coefs[-2].shape[0]))
    # zero loss by a genuine forward pass of the deeper network's own layers
    a = X
    for W, b in zip(deep.coefs[:-1], deep.intercepts[:-1]):
        a = np.maximum(a @ W + b, 0.0)
    out = a @ deep.coefs[-1] + deep.intercepts[-1]
    r = out - clf.targets_[y]
    assert 0.5 * np.sum(r * r) < 1e-18
    # every new unit is strictly active on every training point
    for h in deep.hidden_outputs(X)[-3:]:
        assert h.min() > 0
    # and the deeper configuration is still a critical point (a global minimum)
    assert cost_gradient_norm(deep, X, clf.targets_[y], parameters="all") < 1e-8


def test_append_identity_layers_rejects_affine_network():
    net = ReLUNetwork([np.eye(2)], [np.zeros(2)])
    with pytest.raises(ValueError, match="hidden layer"):
        append_identity_layers(net, np.zeros((1, 2)))


# -- JMLR Prop. 4.1 with decreasing widths, and from_cumulative's exactness condition ---

def _real_product(net):
    P = net.coefs[0]
    prods = [P]
    for c in net.coefs[1:]:
        P = P @ c
        prods.append(P)
    return prods


def test_from_cumulative_exact_iff_kernels_nest():
    rng = np.random.default_rng(0)
    # nested kernels with decreasing widths: W^(l) = A_l W^(l-1), A_l of rank d_l
    W1 = rng.normal(size=(6, 4))          # (n_features, d_1), sklearn orientation
    W2 = W1 @ rng.normal(size=(4, 3))
    W3 = W2 @ rng.normal(size=(3, 3))
    net = ReLUNetwork.from_cumulative([W1, W2, W3], [np.zeros(4), np.zeros(3), np.zeros(3)])
    for got, want in zip(_real_product(net), [W1, W2, W3]):
        np.testing.assert_allclose(got, want, atol=1e-10)
    # W^(1) surjective (full row rank in the paper's orientation) but the kernels do not nest
    W1 = np.array([[1.0], [0.0]])
    W2 = np.array([[0.0], [1.0]])
    net = ReLUNetwork.from_cumulative([W1, W2], [np.zeros(1), np.zeros(1)])
    assert not np.allclose(_real_product(net)[1], W2)


@pytest.mark.parametrize("shape, n_failing", [((4, 3), 6), ((5, 3), 7), ((8, 4), 10),
                                              ((10, 3), 10)])
def test_prop_4_1_decreasing_widths_fails_as_written(shape, n_failing):
    """Cumulative W^(l) = I(M, Q) W_θ R_l: the row spaces do not nest when M > Q."""
    from sktrunc.datasets import make_clustered

    M, Q = shape
    failing = 0
    for seed in range(10):
        X, y = make_clustered(n_samples=90, n_features=M, n_classes=Q,
                              clustering_ratio=0.1, random_state=seed)
        clf = ClusteredTruncationClassifier(width="full", n_prototypes=1).fit(X, y)
        assert clf.collapsed_.all() and clf.training_cost_ < 1e-20
        Z = (X - clf.center_) @ clf.components_
        # the literal width reduction: keep the first Q rows of each W^(l) (eq. 61)
        cc = [layer.cumulative_coef[:, :Q] for layer in clf.layers_]
        cb = [layer.cumulative_intercept[:Q] for layer in clf.layers_]
        # the kernel condition fails between consecutive layers, on every seed
        for prev, cur in zip(cc[:-1], cc[1:]):
            proj = prev @ np.linalg.pinv(prev)
            assert np.abs(proj @ cur - cur).max() > 1e-6 * np.abs(cur).max()
        net = ReLUNetwork.from_cumulative(cc + [np.zeros((M, 1))], cb + [np.zeros(1)])
        H = net.hidden_outputs(Z)[-1]
        A = np.column_stack([H, np.ones(len(H))])
        Y = clf.targets_[y]
        r = A @ np.linalg.lstsq(A, Y, rcond=None)[0] - Y
        # no last layer, affine or not, reaches zero loss: the classes are not collapsed
        failing += 0.5 * np.sum(r * r) > 1e-3
    assert failing == n_failing


def test_gradient_norm_of_a_regressor():
    from sktrunc import ShallowBoundRegressor

    rng = np.random.default_rng(0)
    X = rng.normal(size=(30, 3))
    y = X @ rng.normal(size=3) + 0.1 * rng.normal(size=30)
    reg = ShallowBoundRegressor().fit(X, y)
    gc, gb = reg.network_.cost_gradient(X, y[:, None])
    expected = np.sqrt(sum(np.sum(g * g) for g in gc[:-1] + gb[:-1]))
    assert cost_gradient_norm(reg, X, y) == pytest.approx(expected)
