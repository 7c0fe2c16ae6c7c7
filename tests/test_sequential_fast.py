"""The sequential construction's shortcuts give the network of the plain computation.

Each shortcut is checked against the route it replaces: the first Newton step's line
search against Newton's method from the plain first step (the same optimum), and the
truncation that reads the cone's axial coordinates against the one that computes every
row's preactivations (the same positions, the rows near the cone's boundary decided by
their preactivations).
"""

import numpy as np
import pytest
from sklearn.datasets import load_digits
from sklearn.preprocessing import StandardScaler

import sktrunc._sequential as sequential
from sktrunc import SequentialSeparableClassifier
from sktrunc._cones import ConeLayer
from sktrunc._geometry import axial_coordinates, theta_n
from sktrunc._separation import (
    _closest_points,
    _newton_svm,
    _shared_first_step,
    strictly_separable,
)


def _squared_hinge_gradient(Z1, s, C, v):
    """Gradient of ½|v|² + C Σ max(0, 1 - s_i z_i·v)² (intercept penalised)."""
    hinge = np.maximum(1.0 - s * (Z1 @ v), 0.0)
    return v - 2.0 * C * Z1.T @ (s * hinge)


@pytest.mark.parametrize("n_classes", [2, 3, 6])
@pytest.mark.parametrize("seed", range(2))
def test_shared_first_step_reaches_the_optimum(n_classes, seed):
    rng = np.random.RandomState(seed)
    n, d = 300, 8
    labels = rng.randint(n_classes, size=n)
    X = rng.standard_normal((n, d)) + 1.5 * np.eye(n_classes, d)[labels]
    Z1 = np.column_stack([X, np.ones(n)])
    ks = [1] if n_classes == 2 else list(range(n_classes))
    S = np.where(labels[:, None] == np.asarray(ks)[None, :], 1.0, -1.0)
    C = 10.0
    V = _shared_first_step(Z1, S, C)
    for i in range(S.shape[1]):
        # the plain route: Newton's method from 0, not settled (one more confirming step)
        ref = _newton_svm(Z1, S[:, i], C, None, intercept_penalty=1.0, max_iter=200)[0]
        np.testing.assert_allclose(V[:, i], ref, rtol=1e-9, atol=1e-12 * np.abs(ref).max())
        grad = _squared_hinge_gradient(Z1, S[:, i], C, V[:, i])
        assert np.abs(grad).max() <= 1e-8 * max(1.0, np.abs(V[:, i]).max() * C * n)


def test_shared_first_step_mirror_is_exact():
    # two problems with every sign flipped: the second solution is the first negated, bit
    # for bit (the line search commutes with negation too)
    rng = np.random.RandomState(0)
    X = rng.standard_normal((200, 5))
    s = np.where(X[:, 0] + 0.3 * rng.standard_normal(200) > 0, 1.0, -1.0)
    Z1 = np.column_stack([X, np.ones(200)])
    V = _shared_first_step(Z1, np.column_stack([s, -s]), 5.0)
    assert np.array_equal(V[:, 1], -V[:, 0])


def _cone_layer(n, theta, rng):
    h = rng.standard_normal(n)
    h /= np.linalg.norm(h)
    return ConeLayer(label=0, prototype=0, base_point=rng.standard_normal(n), axis=h,
                     theta=theta, cone_margin=0.0, collapsed=False)


def _rows_around(layer, rng, n_rows=400):
    """Rows inside the circular forward cone, on and near its boundary (both sides),
    beyond it, behind the apex, and on the axis."""
    n, h, p, theta = layer.axis.shape[0], layer.axis, layer.base_point, layer.theta
    a = rng.uniform(-1.0, 3.0, n_rows)
    u = rng.standard_normal((n_rows, n))
    u -= np.outer(u @ h, h)
    u /= np.linalg.norm(u, axis=1)[:, None]
    # radial distance as a multiple of a tan(θ/2): inside, on the boundary to 1e-9 and
    # 1e-13, and far outside
    factor = rng.choice([0.0, 0.5, 0.99, 1.0 - 1e-9, 1.0, 1.0 + 1e-13, 1.5, 10.0], n_rows)
    r = factor * np.abs(a) * np.tan(theta / 2.0)
    return p + a[:, None] * h + r[:, None] * u


@pytest.mark.parametrize("n", [2, 5, 30])
@pytest.mark.parametrize("wide", [False, True])
def test_truncated_from_axial_coordinates_matches_the_preactivations(n, wide):
    rng = np.random.RandomState(n)
    # a cone of aperture theta_n (weight a rotation) or a wide one (λ < 1)
    theta = 0.5 * (theta_n(n) + np.pi) if wide else 0.9 * theta_n(n)
    layer = _cone_layer(n, theta, rng)
    X = _rows_around(layer, rng)
    a, r = axial_coordinates(X, layer.base_point, layer.axis)
    kept = sequential._certainly_kept(layer, (a, r))
    # what the shortcut trusts holds: every preactivation of a certified row is positive
    pre = X @ layer.cumulative_factors + layer.cumulative_intercept
    assert np.all(pre[kept] > 0)
    # rows within rounding of the circular boundary are left to their preactivations
    # (the fallback route), and so are rows behind the apex
    near = np.abs(a * np.tan(theta / 2.0) - r) <= 1e-6 * (np.abs(a) + r)
    assert not kept[near].any() and not kept[a <= 0].any()
    assert kept.sum() > 0.2 * len(X) and (~kept).sum() > 0.2 * len(X)
    out, holds = sequential._truncated(X, layer, (a, r))
    ref, ref_holds = sequential._truncated(X, layer)
    assert holds == ref_holds
    np.testing.assert_allclose(out, ref, rtol=1e-12, atol=1e-12)
    # the rows kept where they are, bit for bit
    unmoved = ~(pre <= 0).any(axis=1)
    assert np.array_equal(out[unmoved], X[unmoved])


def test_truncated_returns_the_positions_when_no_row_moves():
    rng = np.random.RandomState(0)
    layer = _cone_layer(6, 0.9 * theta_n(6), rng)
    h, p = layer.axis, layer.base_point
    X = p + np.outer(rng.uniform(1.0, 2.0, 50), h)  # on the axis, ahead of the apex
    out, holds = sequential._truncated(X, layer, axial_coordinates(X, p, h))
    assert out is X and not holds
    out, holds = sequential._truncated(X, layer)
    assert out is X and not holds


def test_certification_off_for_a_half_space_cone():
    # θ = π: the forward part is a half-space, λ = 0; nothing is certified, every row is
    # decided by its preactivations
    rng = np.random.RandomState(1)
    layer = _cone_layer(4, np.pi, rng)
    X = rng.standard_normal((30, 4))
    kept = sequential._certainly_kept(layer, axial_coordinates(X, layer.base_point,
                                                                layer.axis))
    assert not kept.any()


def test_recap_network_matches_the_plain_truncation(monkeypatch):
    # digits' capped cones (max_aperture="auto"): the network with the certified rows
    # skipped is the network with every row's preactivations computed
    X, y = load_digits(return_X_y=True)
    X = StandardScaler().fit_transform(X[:500])
    y = y[:500]
    fast = SequentialSeparableClassifier(random_state=0).fit(X, y)
    monkeypatch.setattr(sequential, "_certainly_kept",
                        lambda layer, axial: np.zeros(axial[0].shape, dtype=bool))
    plain = SequentialSeparableClassifier(random_state=0).fit(X, y)
    assert len(fast.coefs_) == len(plain.coefs_)
    for A, B in zip(fast.coefs_ + fast.intercepts_, plain.coefs_ + plain.intercepts_):
        np.testing.assert_allclose(A, B, rtol=1e-9, atol=1e-9 * np.abs(B).max())
    assert np.array_equal(fast.predict(X), plain.predict(X))


def test_recap_matches_the_recap_on_copied_sides(monkeypatch):
    # the refit of the capped cones as it was: each class's sides copied out of the
    # positions (the barycenter last) and every row's preactivations computed
    X, y = load_digits(return_X_y=True)
    X = StandardScaler().fit_transform(X[:400])
    y = y[:400]
    fast = SequentialSeparableClassifier(random_state=0).fit(X, y)
    layer = SequentialSeparableClassifier._layer
    used = []

    def on_sides(self, state, j, hyperplane, sides, *, separable, n_wrong=0, positions=None):
        if positions is None:
            return layer(self, state, j, hyperplane, sides, separable=separable,
                         n_wrong=n_wrong)
        used.append(j)
        sides = self._sides(state, j, None, [], positions)
        return layer(self, state, j, hyperplane, sides, separable=separable,
                     n_wrong=n_wrong), None

    monkeypatch.setattr(SequentialSeparableClassifier, "_layer", on_sides)
    plain = SequentialSeparableClassifier(random_state=0).fit(X, y)
    assert len(used) == len(plain.order_)  # the recap ran, every layer through the sides
    for A, B in zip(fast.coefs_ + fast.intercepts_, plain.coefs_ + plain.intercepts_):
        np.testing.assert_allclose(A, B, rtol=1e-9, atol=1e-9 * np.abs(B).max())
    assert np.array_equal(fast.predict(X), plain.predict(X))
    np.testing.assert_allclose(fast.predict_proba(X), plain.predict_proba(X), atol=1e-9)


@pytest.mark.parametrize("seed", range(3))
def test_closest_points_certify_hulls_that_meet(seed):
    rng = np.random.RandomState(seed)
    d = 6
    for shift, meets in ((0.3, True), (6.0, False)):
        A = rng.standard_normal((40, d))
        B = rng.standard_normal((50, d)) + shift
        Z = np.column_stack([np.vstack([A, B]), np.ones(90)])
        y = np.r_[-np.ones(40), np.ones(50)]
        support, meet = _closest_points(Z, y)
        assert meet == meets
        if meets:
            # the weighted points alone admit no separating hyperplane (the LP decides)
            neg, pos = support[support < 40], support[support >= 40]
            assert support.size <= d + 2 and neg.size and pos.size
            assert not strictly_separable(Z[neg, :d], Z[pos, :d])
        else:
            assert support is not None and support.size <= d + 1
            assert strictly_separable(A, B)
