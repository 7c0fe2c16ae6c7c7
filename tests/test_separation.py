import numpy as np
import pytest

from sktrunc._separation import max_margin_hyperplane, soft_margin_hyperplane


def test_max_margin_matches_the_geometry():
    rng = np.random.default_rng(0)
    neg = rng.normal(size=(300, 3))
    neg[:, 0] -= 5
    pos = rng.normal(size=(400, 3))
    pos[:, 0] += 5
    w, b = max_margin_hyperplane(neg, pos, n_candidates=20)  # forces violator rounds
    assert np.all(neg @ w + b <= -1 + 1e-6) and np.all(pos @ w + b >= 1 - 1e-6)
    # the margin is attained on both sides (support vectors)
    assert np.isclose((neg @ w + b).max(), -1, atol=1e-6)
    assert np.isclose((pos @ w + b).min(), 1, atol=1e-6)
    # same hyperplane as the full problem solved at once
    w_full, b_full = max_margin_hyperplane(neg, pos, n_candidates=10_000)
    np.testing.assert_allclose(w, w_full, rtol=1e-5, atol=1e-6)


def test_non_separable_is_detected_exactly():
    X = np.array([[0.0, 0.0], [1.0, 1.0]])
    assert max_margin_hyperplane(X, np.array([[0.5, 0.5]])) is None
    # a point on both sides (as after a soft-margin collapse) is not separable either
    assert max_margin_hyperplane(X, X[:1]) is None


def test_soft_margin_counts_points_on_the_wrong_side_and_keeps_anchors():
    rng = np.random.default_rng(1)
    neg = rng.normal(size=(100, 2))
    pos = rng.normal(size=(100, 2)) + [1.0, 0.0]
    anchor = np.array([[1.5, 0.0]])
    w, b, n_wrong = soft_margin_hyperplane(neg, pos, anchors_pos=anchor, random_state=0)
    assert n_wrong == np.sum(neg @ w + b >= 0) + np.sum(pos @ w + b <= 0)
    assert 0 < n_wrong < 100
    assert anchor @ w + b > 0


def test_solver_failure_on_a_feasible_problem_is_a_clear_error(monkeypatch):
    import cvxpy as cp

    def fail(self, *args, **kwargs):
        raise cp.error.SolverError("boom")

    monkeypatch.setattr(cp.Problem, "solve", fail)
    with pytest.raises(ValueError, match="failed on the max-margin problem.*feasible"):
        max_margin_hyperplane(np.array([[0.0]]), np.array([[1.0]]))
