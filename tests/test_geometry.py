import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from sktrunc._cones import cone_factors
from sktrunc._geometry import (
    affine_rank,
    class_statistics,
    cone_angles,
    cone_lambda,
    enclosing_cone_angle_of_balls,
    householder_to_diagonal,
    in_cone,
    theta_n,
)
from sktrunc._truncation import truncate


def test_theta_n_is_the_largest_cone_in_the_orthant():
    for n in range(2, 8):
        u = np.ones(n) / np.sqrt(n)
        # the barycenter of a face of the simplex lies on the cone's boundary (appendix A)
        face = np.ones(n)
        face[0] = 0.0
        assert np.isclose(cone_angles(face[None], np.zeros(n), u)[0], theta_n(n) / 2)
    assert np.isclose(theta_n(1), np.pi)


def test_cone_lambda_eq_37():
    n = 4
    assert cone_lambda(theta_n(n) / 2, n) == 1.0
    theta = 2.5
    assert np.isclose(cone_lambda(theta, n), np.tan(theta_n(n) / 2) / np.tan(theta / 2))


@settings(max_examples=40, deadline=None)
@given(st.integers(2, 6), st.integers(0, 10_000))
def test_householder_sends_axis_to_diagonal(n, seed):
    h = np.random.default_rng(seed).normal(size=n)
    h /= np.linalg.norm(h)
    R = householder_to_diagonal(h)
    np.testing.assert_allclose(R @ h, np.ones(n) / np.sqrt(n), atol=1e-12)
    np.testing.assert_allclose(R @ R.T, np.eye(n), atol=1e-12)


def _cone_samples(rng, p, h, theta, n, backward=False):
    """Points of p + C_theta[±h] drawn at angles up to 0.999 * theta/2."""
    axis = -h if backward else h
    v = rng.normal(size=(n, len(h)))
    v -= np.outer(v @ axis, axis)
    v /= np.linalg.norm(v, axis=1, keepdims=True)
    ang = rng.uniform(0, 0.999 * theta / 2, size=(n, 1))
    r = rng.uniform(0.1, 5.0, size=(n, 1))
    return p + r * (np.cos(ang) * axis + np.sin(ang) * v)


@settings(max_examples=40, deadline=None)
@given(st.integers(2, 6), st.floats(0.3, 3.0), st.integers(0, 10_000))
def test_lemma_3_4_identity_on_forward_cone_base_point_on_backward(n, theta, seed):
    rng = np.random.default_rng(seed)
    h = rng.normal(size=n)
    h /= np.linalg.norm(h)
    p = rng.normal(size=n)
    W = np.asarray(cone_factors(h, theta))
    b = -W @ p
    fwd = _cone_samples(rng, p, h, theta, 30)
    bwd = _cone_samples(rng, p, h, theta, 30, backward=True)
    assert in_cone(fwd, p, h, theta).all() and in_cone(bwd, p, -h, theta).all()
    np.testing.assert_allclose(truncate(fwd, W.T, b), fwd, atol=1e-9)
    np.testing.assert_allclose(truncate(bwd, W.T, b), np.tile(p, (30, 1)), atol=1e-9)


@settings(max_examples=30, deadline=None)
@given(st.floats(0.01, 100.0), st.integers(0, 10_000))
def test_truncation_scale_invariance_eq_2_66(lam, seed):
    rng = np.random.default_rng(seed)
    W, b, X = rng.normal(size=(3, 3)), rng.normal(size=3), rng.normal(size=(10, 3))
    np.testing.assert_allclose(truncate(X, lam * W, lam * b), truncate(X, W, b),
                               rtol=1e-8, atol=1e-8)


def test_cone_weight_condition_number():
    n, theta = 5, 2.8
    W = np.asarray(cone_factors(np.eye(n)[0], theta))
    assert np.isclose(np.linalg.cond(W), np.sqrt(n - 1) * np.tan(theta / 2))


def test_class_statistics():
    X = np.array([[0.0, 0.0], [0.0, 2.0], [4.0, 0.0], [4.0, 2.0], [2.0, 7.0]])
    s = class_statistics(X, np.array([0, 0, 1, 1, 2]), 3)
    np.testing.assert_allclose(s.means, [[0, 1], [4, 1], [2, 7]])
    np.testing.assert_allclose(s.barycenter, [2, 3])
    assert s.delta == 1.0 and np.allclose(s.radii, [1, 1, 0])
    np.testing.assert_allclose(np.linalg.norm(s.directions, axis=1), 1.0)
    np.testing.assert_allclose(s.directions[2], [0, -1])
    assert np.isclose(s.clustering_ratio, 1.0 / np.sqrt(8))


def test_enclosing_cone_of_balls():
    apex, axis = np.zeros(2), np.array([1.0, 0.0])
    # a ball of radius 1 at distance 2 on the axis: half-angle arcsin(1/2)
    assert np.isclose(enclosing_cone_angle_of_balls(apex, axis, [[2.0, 0.0]], 1.0),
                      2 * np.arcsin(0.5))
    assert enclosing_cone_angle_of_balls(apex, axis, [[0.5, 0.0]], 1.0) == np.inf


def test_affine_rank_tolerates_offsets():
    pts = np.array([[100.0, 100.0], [100.1, 100.05], [99.9, 99.95]])  # collinear, far away
    assert affine_rank(pts) == 1
    assert affine_rank(np.eye(3)) == 2
