import numpy as np
import pytest

from sktrunc import _separation
from sktrunc._separation import (
    max_margin_hyperplane,
    soft_margin_hyperplane,
    strictly_separable,
)


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
    # the hulls' closest points and their KKT system stand in for the solver
    w, b = max_margin_hyperplane(np.array([[0.0]]), np.array([[1.0]]), solver="SCS")
    np.testing.assert_allclose([w[0], b], [2.0, -1.0], rtol=1e-12)
    # without them, a separation the solver should have found is a clear error
    monkeypatch.setattr(_separation, "_closest_points", lambda Z, y: (None, False))
    with pytest.raises(ValueError, match="failed on the max-margin problem.*feasible"):
        max_margin_hyperplane(np.array([[0.0]]), np.array([[1.0]]), solver="SCS")
    # Clarabel is called directly; whatever it cannot settle goes through cvxpy
    monkeypatch.setattr(_separation, "_clarabel_qp", lambda *args: (None, None))
    with pytest.raises(ValueError, match="failed on the max-margin problem.*feasible"):
        max_margin_hyperplane(np.array([[0.0]]), np.array([[1.0]]))


@pytest.mark.parametrize("solver", ["CLARABEL", "SCS"])
def test_direct_and_parametrized_problems_agree_with_a_fresh_cvxpy_problem(solver):
    # the direct Clarabel call and the cached, padded cvxpy problem solve the same QP
    import cvxpy as cp

    rng = np.random.default_rng(3)
    neg = rng.normal(size=(37, 4)) - [3, 0, 0, 0]
    pos = rng.normal(size=(21, 4)) + [3, 0, 0, 0]
    w, b = cp.Variable(4), cp.Variable()
    cp.Problem(cp.Minimize(cp.sum_squares(w)),
               [neg @ w + b <= -1, pos @ w + b >= 1]).solve(solver="CLARABEL")
    for _ in range(2):  # the second solve reuses the compiled problem
        w_ours, b_ours = _separation._hard_margin_qp(neg, pos, solver)
        np.testing.assert_allclose(w_ours, w.value, rtol=1e-3, atol=1e-4)
        assert np.isclose(b_ours, b.value, rtol=1e-3, atol=1e-4)
    assert _separation._hard_margin_qp(np.vstack([neg, pos[:1]]), pos, solver) is None


def test_an_infeasible_active_set_certifies_non_separability():
    rng = np.random.default_rng(4)
    neg, pos = rng.normal(size=(500, 3)), rng.normal(size=(400, 3)) + 0.5
    sol, active_neg, active_pos = _separation._max_margin(neg, pos, "CLARABEL")
    assert sol is None and len(active_neg) < len(neg) and len(active_pos) < len(pos)
    assert not strictly_separable(neg[active_neg], pos[active_pos])


def test_margin_order_search_on_a_dask_cluster_matches_the_serial_one(monkeypatch):
    # the candidates of a step are independent hyperplane problems: any joblib backend,
    # and any n_jobs, gives the same network (steps this small run serially unless the
    # work threshold is lifted, as here)
    import sktrunc._sequential as sequential

    monkeypatch.setattr(sequential, "_PARALLEL_MIN_WORK", 0)
    distributed = pytest.importorskip(
        "dask.distributed", reason="dask is an optional extra: pip install dask[distributed]")
    from joblib import parallel_config
    from sklearn.datasets import make_blobs

    from sktrunc import SequentialSeparableClassifier

    X, y = make_blobs(n_samples=300, n_features=4, centers=4, random_state=0)

    def fit(n_jobs):
        return SequentialSeparableClassifier(order="margin", n_prototypes=1, n_jobs=n_jobs,
                                             random_state=0).fit(X, y)

    serial = fit(None)
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=False) as cluster, \
            distributed.Client(cluster):
        with parallel_config(backend="dask"):
            on_dask = fit(2)
    assert serial.training_cost_ < 1e-18
    np.testing.assert_array_equal(serial.order_, on_dask.order_)
    for a, b in zip(serial.coefs_ + serial.intercepts_, on_dask.coefs_ + on_dask.intercepts_):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("n_classes", [2, 4])
def test_ovr_squared_hinge_is_linear_svc_at_its_optimum(n_classes):
    # the sequential output layer's one-vs-rest squared hinge: liblinear's primal problem
    # (intercept penalised, intercept_scaling=1), solved exactly by Newton's method
    from sklearn.svm import LinearSVC

    from sktrunc._separation import ovr_squared_hinge

    rng = np.random.default_rng(n_classes)
    y = rng.integers(n_classes, size=400)
    X = rng.normal(size=(400, 6)) + 1.5 * np.eye(6)[y % 6]
    W, b = ovr_squared_hinge(X, y, n_classes, 100.0)
    svc = LinearSVC(C=100.0, dual=False, tol=1e-12, max_iter=100_000).fit(X, y)
    assert W.shape == (6, 1 if n_classes == 2 else n_classes)
    np.testing.assert_allclose(W, svc.coef_.T, rtol=1e-4, atol=1e-6 * np.abs(W).max())
    np.testing.assert_allclose(b, svc.intercept_, rtol=1e-4, atol=1e-6 * np.abs(b).max())


@pytest.mark.parametrize("shift", [0.3, 6.0])
def test_a_soft_margin_hint_certifies_overlap_and_leaves_the_max_margin_alone(shift):
    from sktrunc._separation import _fast_max_margin

    rng = np.random.default_rng(3)
    neg = rng.normal(size=(300, 5))
    pos = rng.normal(size=(500, 5)) + shift * np.eye(5)[0]
    w, b, n_wrong = soft_margin_hyperplane(neg, pos, C=100.0)
    hinted = _fast_max_margin(neg, pos, "CLARABEL", hint=(w, b))
    plain = _fast_max_margin(neg, pos, "CLARABEL")
    assert (hinted[0] is None) == (plain[0] is None) == (not strictly_separable(neg, pos))
    if hinted[0] is None:
        assert n_wrong > 0
        # the points the hint named admit no separating hyperplane: a certificate
        assert not strictly_separable(neg[hinted[1]], pos[hinted[2]])
    else:
        np.testing.assert_allclose(hinted[0][0], plain[0][0], rtol=1e-10)


def test_first_step_soft_margins_are_those_of_each_candidate_alone():
    from sktrunc._separation import _first_soft_margins, _soft_margin

    rng = np.random.default_rng(5)
    labels = rng.integers(4, size=600)
    X = rng.normal(size=(600, 7)) + 0.8 * np.eye(7)[labels]
    for j, (w, b, n_wrong) in zip([0, 2, 3], _first_soft_margins(X, labels, [0, 2, 3], 100.0)):
        w1, b1, n1 = _soft_margin(X[labels == j], X[labels != j], 0, 100.0)
        np.testing.assert_allclose(w, w1, rtol=1e-8, atol=1e-10 * np.abs(w1).max())
        assert b == pytest.approx(b1, rel=1e-8, abs=1e-10) and n_wrong == n1 > 0


@pytest.mark.parametrize("d", [3, 17, 56])
def test_hulls_meet_only_when_no_hyperplane_separates(d):
    from sktrunc._separation import _hulls_meet

    rng = np.random.default_rng(d)
    neg, pos = rng.normal(size=(2 * d + 4, d)), rng.normal(size=(2 * d + 4, d))
    meet, support = _hulls_meet(neg, pos)  # overlapping clouds: the hulls meet
    assert meet and 0 < len(support[0]) + len(support[1]) <= d + 2
    assert not strictly_separable(neg[support[0]], pos[support[1]])  # it certifies
    apart = pos + 3.0 * np.eye(d)[0]
    while strictly_separable(neg, apart) is False:
        apart = apart + np.eye(d)[0]
    assert _hulls_meet(neg, apart) == (False, None)  # separable: apart


def test_decided_qp_is_the_qp_on_grown_candidate_sets():
    # a few hundred points in many dimensions (the grown candidate sets of overlapping
    # multi-class tables): the hull test decides infeasibility, the QP the rest
    from sktrunc._separation import _clarabel_qp, _decided_qp, _hard_margin_qp

    rng = np.random.default_rng(0)
    neg, pos = rng.normal(size=(90, 40)), rng.normal(size=(300, 40))
    assert _decided_qp(neg, pos, "CLARABEL") is None
    assert not strictly_separable(neg, pos)
    pos = pos + 4.0 * np.eye(40)[0]
    w, b = _decided_qp(neg, pos, "CLARABEL")
    w_qp, b_qp = _hard_margin_qp(neg, pos, "CLARABEL")
    np.testing.assert_array_equal(w, w_qp)
    assert b == b_qp
    # the optimum: every point on its side of the margin, one at least on it
    margins = np.r_[-(neg @ w + b), pos @ w + b]
    assert margins.min() == pytest.approx(1.0, abs=1e-6)
    assert _clarabel_qp(neg, pos)[0] == "optimal"


def test_first_soft_margins_of_two_classes_mirror_each_other():
    # two classes sharing every row: the second problem is the first with the signs
    # flipped; its solution is taken as the negated first one, which is what Newton's
    # method gives for it (compared with the problem solved on its own)
    from sktrunc._separation import _newton_svm, _shared_first_step

    rng = np.random.default_rng(3)
    Z1 = np.column_stack([rng.normal(size=(400, 5)), np.ones(400)])
    s = np.where(Z1[:, 0] + 0.5 * rng.normal(size=400) > 0, 1.0, -1.0)
    V = _shared_first_step(Z1, np.column_stack([s, -s]), 10.0)
    np.testing.assert_array_equal(V[:, 1], -V[:, 0])
    alone = _shared_first_step(Z1, -s[:, None], 10.0)[:, 0]
    np.testing.assert_allclose(V[:, 1], alone, rtol=1e-10, atol=1e-12)
    v = _newton_svm(Z1, -s, 10.0, -V[:, 0], intercept_penalty=1.0)[0]
    np.testing.assert_allclose(v, V[:, 1], rtol=1e-10, atol=1e-12)  # it is the optimum


def test_weighted_rows_stand_for_repeated_rows():
    # soft margins and the one-vs-rest linear SVM on distinct rows weighted by their counts
    # are those on the rows repeated
    from sktrunc._separation import _soft_margin, ovr_squared_hinge

    rng = np.random.default_rng(7)
    neg, pos = rng.normal(size=(80, 4)), rng.normal(size=(40, 4)) + 0.7
    count = rng.integers(1, 6, size=40).astype(float)
    anchor = np.array([[2.0, 2.0, 2.0, 2.0]])
    full = _soft_margin(neg, np.vstack([np.repeat(pos, count.astype(int), axis=0), anchor]), 1,
                        100.0)
    weighted = _soft_margin(neg, np.vstack([pos, anchor]), 1, 100.0,
                            count=np.r_[np.ones(80), count, 1.0])
    np.testing.assert_allclose(weighted[0], full[0], rtol=1e-9)
    assert weighted[1] == pytest.approx(full[1], rel=1e-9) and weighted[2] == full[2] > 0
    Z = np.vstack([neg, pos])
    labels = np.r_[rng.integers(3, size=80), rng.integers(3, size=40)]
    weight = np.r_[np.ones(80), count]
    W, b = ovr_squared_hinge(Z, labels, 3, 10.0, weight=weight)
    reps = weight.astype(int)
    W_full, b_full = ovr_squared_hinge(np.repeat(Z, reps, axis=0), np.repeat(labels, reps), 3,
                                       10.0)
    np.testing.assert_allclose(W, W_full, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(b, b_full, rtol=1e-9, atol=1e-12)


def test_first_step_with_every_row_inside_the_margin_is_the_optimum():
    # a small C keeps every row inside the margin after the ridge step: that step is the
    # optimum, which Newton's method from it confirms
    from sktrunc._separation import _newton_svm, _shared_first_step

    rng = np.random.default_rng(4)
    Z1 = np.column_stack([rng.normal(size=(300, 4)), np.ones(300)])
    s = np.where(Z1[:, 0] + rng.normal(size=300) > 0, 1.0, -1.0)
    v = _shared_first_step(Z1, s[:, None], 1e-3)[:, 0]
    assert np.all(s * (Z1 @ v) < 1.0)
    newton = _newton_svm(Z1, s, 1e-3, np.zeros(5), intercept_penalty=1.0)[0]
    np.testing.assert_allclose(v, newton, rtol=1e-10, atol=1e-14)


@pytest.mark.parametrize("C", [1.0, 100.0, 1e5])
def test_settled_newton_stops_at_the_same_optimum_and_margin_rows(C):
    # settled=True stops after a full step that moves no row across the margin: the
    # optimum to rounding, with the same rows on the margin (what the KKT solve reads)
    from sktrunc._separation import _line_search, _newton_svm

    rng = np.random.default_rng(11)
    Z = np.column_stack([rng.normal(size=(250, 6)), np.ones(250)])
    s = np.where(Z[:, :2].sum(axis=1) + 0.3 * rng.normal(size=250) > 0, 1.0, -1.0)
    steps = {}
    import sktrunc._separation as sep

    for settled in (False, True):
        calls = []

        def counting(*args, calls=calls):
            calls.append(1)
            return _line_search(*args)

        sep._line_search = counting
        try:
            steps[settled] = (_newton_svm(Z, s, C, settled=settled), len(calls))
        finally:
            sep._line_search = _line_search
    (v0, m0), n0 = steps[False]
    (v1, m1), n1 = steps[True]
    np.testing.assert_allclose(v1, v0, rtol=1e-8, atol=1e-10)
    np.testing.assert_array_equal(m1 < 1.0 + 1e-6, m0 < 1.0 + 1e-6)
    assert n1 < n0  # the confirming step of rounding size is saved


def test_fast_max_margin_with_settled_newton_is_the_qp_optimum():
    # the hard-margin hyperplane found through settled Newton solves and the KKT system
    # is the QP's (Clarabel) on separable sides
    from sktrunc._separation import _fast_max_margin, _max_margin

    rng = np.random.default_rng(12)
    neg = rng.normal(size=(300, 8))
    pos = rng.normal(size=(200, 8)) + 3.0
    (w, b), _, _ = _fast_max_margin(neg, pos, "CLARABEL")
    (w_qp, b_qp), _, _ = _max_margin(neg, pos, "CLARABEL")
    np.testing.assert_allclose(w, w_qp, rtol=1e-5, atol=1e-6)
    assert b == pytest.approx(b_qp, rel=1e-5, abs=1e-6)
    margins = np.r_[-(neg @ w + b), pos @ w + b]
    assert margins.min() == pytest.approx(1.0, abs=1e-9)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_closest_points_of_the_hulls_name_the_support_vectors(seed):
    # the hulls' closest points weight exactly the support vectors: the KKT solve on them
    # is the QP's max-margin hyperplane, every row on its side of the margin
    from sktrunc._separation import _closest_points, _design, _kkt_polish, _max_margin

    rng = np.random.default_rng(seed)
    d = 5 + 10 * seed
    neg = rng.normal(size=(120, d))
    pos = rng.normal(size=(90, d)) + 4.0 / np.sqrt(d)
    pos[:, 0] += 3.0
    Z, y = _design(neg, pos, np.zeros(d), 1.0)
    support, meet = _closest_points(Z, y)
    assert not meet and support is not None and 2 <= support.size <= d + 1
    v = _kkt_polish(Z, y, None, support=support)
    margins = y * (Z @ v)
    assert margins.min() == pytest.approx(1.0, abs=1e-9)
    np.testing.assert_allclose(margins[support], 1.0, atol=1e-9)
    (w_qp, b_qp), _, _ = _max_margin(neg, pos, "CLARABEL")
    np.testing.assert_allclose(v[:-1], w_qp, rtol=1e-5, atol=1e-6)


def test_closest_points_name_no_support_vectors_for_meeting_hulls_or_one_sided_rows():
    from sktrunc._separation import _closest_points, _design

    rng = np.random.default_rng(5)
    neg, pos = rng.normal(size=(60, 4)), rng.normal(size=(60, 4))  # the hulls overlap
    support, meet = _closest_points(*_design(neg, pos, np.zeros(4), 1.0))
    assert meet or support is None
    assert _closest_points(*_design(neg[:0], pos, np.zeros(4), 1.0)) == (None, False)


def test_fast_max_margin_falls_back_to_newton_when_the_support_guess_fails(monkeypatch):
    # a wrong support guess fails the KKT or margin checks: the squared-hinge route then
    # finds the same hyperplane
    import sktrunc._separation as sep

    rng = np.random.default_rng(6)
    neg = rng.normal(size=(150, 6))
    pos = rng.normal(size=(150, 6)) + 3.0
    right = sep._fast_max_margin(neg, pos, "CLARABEL")[0]
    tried = []

    def wrong(Z, y):
        far = np.argsort(y * Z[:, 0])  # the points deepest in their own side
        support = np.sort(np.r_[far[-1], far[:1]])
        v = sep._kkt_polish(Z, y, None, support=support)
        tried.append(v is None or (y * (Z @ v)).min() < 1.0 - 1e-7)  # rejected
        return support

    monkeypatch.setattr(sep, "_closest_points", lambda Z, y: (wrong(Z, y), False))
    w, b = sep._fast_max_margin(neg, pos, "CLARABEL")[0]
    assert tried and all(tried)
    np.testing.assert_allclose(w, right[0], rtol=1e-7, atol=1e-9)
    assert b == pytest.approx(right[1], rel=1e-7, abs=1e-9)


def test_fast_max_margin_certifies_meeting_hulls_from_the_closest_points(monkeypatch):
    # overlapping sides: the closest-points problem of a candidate set finds the hulls
    # meeting, and its weighted points are returned as the certificate of no separation
    import sktrunc._separation as sep

    rng = np.random.default_rng(3)
    neg, pos = rng.normal(size=(120, 5)), rng.normal(size=(120, 5)) + 0.5
    met = []
    plain = sep._closest_points

    def recording(Z, y):
        out = plain(Z, y)
        met.append(out[1])
        return out

    def other_route(*args, **kwargs):
        raise AssertionError("the closest points had certified the candidates")

    monkeypatch.setattr(sep, "_closest_points", recording)
    for name in ("_hulls_meet", "_hard_margin_qp", "_decided_qp", "_max_margin"):
        monkeypatch.setattr(sep, name, other_route)
    sol, cert_neg, cert_pos = sep._fast_max_margin(neg, pos, "CLARABEL")
    monkeypatch.undo()
    assert sol is None and met[-1]
    assert 0 < len(cert_neg) + len(cert_pos) <= 5 + 2
    assert not sep.strictly_separable(neg[cert_neg], pos[cert_pos])


def test_settled_one_vs_rest_is_the_confirmed_optimum():
    # the last layer's problems stop without the confirming step: the same optimum, to
    # far below what changes a prediction
    from sktrunc._separation import _shared_first_step, ovr_squared_hinge

    rng = np.random.default_rng(8)
    y = rng.integers(4, size=500)
    X = rng.normal(size=(500, 7)) + 1.2 * np.eye(7)[y]
    W, b = ovr_squared_hinge(X, y, 4, 10.0)
    S = np.where(y[:, None] == np.arange(4)[None, :], 1.0, -1.0)
    V = _shared_first_step(np.column_stack([X, np.ones(500)]), S, 10.0)
    np.testing.assert_allclose(W, V[:-1], rtol=1e-8, atol=1e-10)
    np.testing.assert_allclose(b, V[-1], rtol=1e-8, atol=1e-10)
