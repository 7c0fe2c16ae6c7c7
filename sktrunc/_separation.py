"""Separating hyperplanes: the convex problems behind sequential separability.

A hard-margin hyperplane ``min |w|² s.t. w·x + b ≤ -1`` on one side and
``≥ +1`` on the other is solved with cvxpy on a small candidate set (the points
nearest the other side along the difference of the means) and re-solved with the
violators added until every point satisfies its constraint; a hard-margin problem
that is infeasible on a subset is infeasible on the whole set, so separability is
decided exactly, and the infeasible subset is returned as a certificate that the
sequential construction reuses while its points stay put.  With the default
solver the QP goes to Clarabel directly; other cvxpy solvers share one compiled,
parametrized problem per (padded) shape.  When no hyperplane separates, the
soft-margin hyperplane of :class:`sklearn.svm.LinearSVC` (primal squared hinge,
which converges in a few Newton steps) is the fallback.
"""

import threading
import warnings
from collections import OrderedDict

import cvxpy as cp
import numpy as np
from scipy.optimize import linprog
from sklearn.exceptions import ConvergenceWarning
from sklearn.svm import LinearSVC

__all__ = ["strictly_separable", "max_margin_hyperplane", "soft_margin_hyperplane"]

_ACCEPTED = {cp.OPTIMAL, cp.OPTIMAL_INACCURATE}
_INFEASIBLE = {cp.INFEASIBLE, cp.INFEASIBLE_INACCURATE}


def _scaling(X_neg, X_pos):
    """Center and scale for the QP (better conditioned), without copying the data."""
    n_neg, n_pos = len(X_neg), len(X_pos)
    center = (X_neg.sum(axis=0) + X_pos.sum(axis=0)) / (n_neg + n_pos)
    second = (np.einsum("ij,ij->", X_neg, X_neg) + np.einsum("ij,ij->", X_pos, X_pos))
    var = second / ((n_neg + n_pos) * X_neg.shape[1]) - np.mean(center ** 2)
    return center, (np.sqrt(var) if var > 0 else 1.0)


def strictly_separable(X_neg, X_pos, *, fit_intercept=True):
    """Whether a hyperplane strictly separates two point sets (an LP, HiGHS' simplex).

    Feasibility of ``w·x + b ≤ -1`` on ``X_neg`` and ``≥ 1`` on ``X_pos`` (``b = 0``
    when ``fit_intercept=False``): strict separation with some margin is
    separation with margin 1 after scaling ``(w, b)``.  The LP is solved on
    data standardised by its own scale (centred too when there is an
    intercept), so the answer does not depend on the units of ``X``; a margin
    far above the solver's feasibility tolerance keeps infeasible sets from
    passing as rounding.

    Examples
    --------
    >>> import numpy as np
    >>> strictly_separable(np.array([[0.0], [2.0]]), np.array([[1.0]]))
    False
    >>> strictly_separable(np.array([[0.0]]) * 1e-12, np.array([[1.0]]) * 1e-12)
    True
    """
    X_neg, X_pos = np.asarray(X_neg, float), np.asarray(X_pos, float)
    if fit_intercept and (len(X_neg) == 0 or len(X_pos) == 0):
        return True  # w = 0 and b = ±1 put every point on the one side there is
    if fit_intercept:
        center, scale = _scaling(X_neg, X_pos)
    else:
        center = np.zeros(X_neg.shape[1])
        scale = max(np.abs(X_neg).max(initial=0.0), np.abs(X_pos).max(initial=0.0)) or 1.0
    A_neg, A_pos = (X_neg - center) / scale, (X_pos - center) / scale
    n_var = A_neg.shape[1] + int(fit_intercept)
    if fit_intercept:
        A_neg = np.column_stack([A_neg, np.ones(len(A_neg))])
        A_pos = np.column_stack([A_pos, np.ones(len(A_pos))])
    A_ub = np.vstack([A_neg, -A_pos])
    res = linprog(np.zeros(n_var), A_ub=A_ub, b_ub=-np.ones(len(A_ub)),
                  bounds=[(None, None)] * n_var, method="highs")
    return res.status == 0


# Hard-margin problems of one shape share one compiled cvxpy problem whose data are
# parameters (disciplined parametrized programming): re-solving skips cvxpy's
# canonicalisation, which costs more than the solve itself (8 ms against 15-22 ms
# per solve on 256 points in 18 dimensions).  Point sets are padded to a power of two
# by repeating their first point: a repeated constraint changes nothing.
_QP_CACHE = OrderedDict()
_QP_CACHE_SIZE = 16
_QP_LOCK = threading.Lock()


def _padded(n):
    return max(16, 1 << (int(n) - 1).bit_length())


def _qp_template(n_neg, n_pos, n_features):
    key = (n_neg, n_pos, n_features)
    if key in _QP_CACHE:
        _QP_CACHE.move_to_end(key)
        return _QP_CACHE[key]
    A_neg, A_pos = cp.Parameter((n_neg, n_features)), cp.Parameter((n_pos, n_features))
    w, b = cp.Variable(n_features), cp.Variable()
    problem = cp.Problem(cp.Minimize(cp.sum_squares(w)),
                         [A_neg @ w + b <= -1, A_pos @ w + b >= 1])
    _QP_CACHE[key] = template = (problem, A_neg, A_pos, w, b)
    if len(_QP_CACHE) > _QP_CACHE_SIZE:
        _QP_CACHE.popitem(last=False)
    return template


def _pad(A, n):
    return A if len(A) == n else np.vstack([A, np.repeat(A[:1], n - len(A), axis=0)])


def _clarabel_qp(A_neg, A_pos):
    """The hard-margin QP handed to Clarabel directly (cvxpy's default solver for it):
    ``min ½ vᵀPv`` over ``v = (w, b)`` with ``P = diag(2, …, 2, 0)`` and one
    nonnegative slack per point.  Skips cvxpy's compilation, which costs more than
    the solve on small problems.  Returns a cvxpy status and the solution."""
    import clarabel
    from scipy import sparse

    d = A_neg.shape[1]
    A = np.vstack([np.column_stack([A_neg, np.ones(len(A_neg))]),
                   -np.column_stack([A_pos, np.ones(len(A_pos))])])
    P = sparse.diags(np.r_[np.full(d, 2.0), 0.0]).tocsc()
    settings = clarabel.DefaultSettings()
    settings.verbose = False
    solution = clarabel.DefaultSolver(P, np.zeros(d + 1), sparse.csc_matrix(A),
                                      -np.ones(len(A)), [clarabel.NonnegativeConeT(len(A))],
                                      settings).solve()
    status = str(solution.status)
    if status in ("Solved", "AlmostSolved"):
        return cp.OPTIMAL, np.asarray(solution.x, dtype=np.float64)
    if status in ("PrimalInfeasible", "AlmostPrimalInfeasible"):
        return cp.INFEASIBLE, None
    return None, None


def _hard_margin_qp(A_neg, A_pos, solver):
    if solver == "CLARABEL":
        status, v = _clarabel_qp(A_neg, A_pos)
        if status == cp.OPTIMAL:
            return v[:-1], float(v[-1])
        if status == cp.INFEASIBLE:
            return None
        # any other outcome: through cvxpy, which reports it or decides it by the LP
    n_neg, n_pos = _padded(len(A_neg)), _padded(len(A_pos))
    with _QP_LOCK:  # a shared problem: one thread at a time sets its data and solves
        problem, P_neg, P_pos, w, b = _qp_template(n_neg, n_pos, A_neg.shape[1])
        P_neg.value, P_pos.value = _pad(A_neg, n_neg), _pad(A_pos, n_pos)
        status = _solve(problem, solver, A_neg, A_pos)
        w, b = w.value, b.value
    if status not in _ACCEPTED | _INFEASIBLE:
        # the repeated rows can stall an interior-point method (a singular system):
        # the problem as it is, compiled afresh
        w, b = cp.Variable(A_neg.shape[1]), cp.Variable()
        problem = cp.Problem(cp.Minimize(cp.sum_squares(w)),
                             [A_neg @ w + b <= -1, A_pos @ w + b >= 1])
        status = _solve(problem, solver, A_neg, A_pos)
        w, b = w.value, b.value
    if status in _INFEASIBLE:
        return None
    if status not in _ACCEPTED:
        if not strictly_separable(A_neg, A_pos):
            return None
        hint = ("try another solver (e.g. 'CLARABEL')" if solver.upper() != "CLARABEL" else
                "the problem may be too large or badly scaled for it; try solver='SCS' or "
                "fewer prototypes")
        raise ValueError(f"The cvxpy solver {solver!r} returned status {status!r} on the "
                         f"max-margin problem; {hint}.")
    return np.asarray(w, dtype=np.float64), float(b)


def _solve(problem, solver, A_neg, A_pos):
    """The problem's status after solving; infeasible when the solver fails on it."""
    try:
        problem.solve(solver=solver)
    except cp.error.SolverError as exc:
        # interior-point solvers can fail instead of certifying infeasibility (e.g. a
        # point on both sides); the LP w·x + b <= -1 / >= 1 decides it exactly
        if not strictly_separable(A_neg, A_pos):
            return cp.INFEASIBLE
        raise ValueError(f"The cvxpy solver {solver!r} failed on the max-margin problem "
                         f"({A_neg.shape[0]} + {A_pos.shape[0]} points in "
                         f"{A_neg.shape[1]} dimensions), which is feasible: {exc}") from exc
    return problem.status


def max_margin_hyperplane(X_neg, X_pos, *, solver="CLARABEL", n_candidates=64,
                          max_rounds=100):
    """Hard-margin separating hyperplane, or None when none exists.

    Parameters
    ----------
    X_neg, X_pos : ndarray of shape (n_neg, n_features), (n_pos, n_features)
        Points that must satisfy ``w·x + b ≤ -1`` and ``w·x + b ≥ 1``.
    solver : str, default="CLARABEL"
        cvxpy solver.
    n_candidates : int, default=64
        Points per side in the first reduced problem, and violators added per
        side at each round.
    max_rounds : int, default=100
        Re-solves before giving up with a ``ValueError``.

    Returns
    -------
    hyperplane : tuple (w, b) or None
        ``w`` of shape (n_features,) and ``b``; the margin is ``1/|w|``.

    Examples
    --------
    >>> import numpy as np
    >>> w, b = max_margin_hyperplane(np.array([[0.0, 0.0]]), np.array([[2.0, 0.0]]))
    >>> np.round(w, 6), round(b, 6)
    (array([1., 0.]), -1.0)
    >>> max_margin_hyperplane(np.array([[0.0], [2.0]]), np.array([[1.0]])) is None
    True
    """
    return _max_margin(X_neg, X_pos, solver, n_candidates, max_rounds)[0]


def _max_margin(X_neg, X_pos, solver, n_candidates=64, max_rounds=100):
    """:func:`max_margin_hyperplane` and the active points (indices per side).

    When the hyperplane is None the active points alone admit no separating
    hyperplane: a certificate that stays valid for any superset of them.
    """
    X_neg, X_pos = np.asarray(X_neg, float), np.asarray(X_pos, float)
    center, scale = _scaling(X_neg, X_pos)
    direction = X_pos.mean(axis=0) - X_neg.mean(axis=0)
    # warm start: the points of each side that come nearest the other along the
    # difference of the means are the likely support vectors
    neg_score, pos_score = X_neg @ direction, X_pos @ direction
    k_neg, k_pos = min(n_candidates, len(X_neg)), min(n_candidates, len(X_pos))
    active_neg = np.argpartition(-neg_score, k_neg - 1)[:k_neg]
    active_pos = np.argpartition(pos_score, k_pos - 1)[:k_pos]
    for _ in range(max_rounds):
        sol = _hard_margin_qp((X_neg[active_neg] - center) / scale,
                              (X_pos[active_pos] - center) / scale, solver)
        if sol is None:
            return None, active_neg, active_pos
        # back to the original coordinates, where every point is checked
        w, b = sol[0] / scale, sol[1] - sol[0] @ center / scale
        # constraints hold to the solver's tolerance on the active set; elsewhere a
        # point more than 1e-6 (relative to the margin) inside it is a violator
        slack_neg = X_neg @ w + b + 1.0
        slack_pos = 1.0 - (X_pos @ w + b)
        viol_neg = np.setdiff1d(np.flatnonzero(slack_neg > 1e-6), active_neg,
                                assume_unique=True)
        viol_pos = np.setdiff1d(np.flatnonzero(slack_pos > 1e-6), active_pos,
                                assume_unique=True)
        if viol_neg.size == 0 and viol_pos.size == 0:
            return (w, float(b)), active_neg, active_pos
        worst_neg = viol_neg[np.argsort(-slack_neg[viol_neg])[:n_candidates]]
        worst_pos = viol_pos[np.argsort(-slack_pos[viol_pos])[:n_candidates]]
        active_neg = np.concatenate([active_neg, worst_neg])
        active_pos = np.concatenate([active_pos, worst_pos])
    raise ValueError(f"The max-margin problem did not settle after {max_rounds} rounds of "
                     "adding violators.")


def soft_margin_hyperplane(X_neg, X_pos, *, C=1.0, anchors_pos=None, random_state=None):
    """Soft-margin hyperplane (squared hinge loss) when no hyperplane separates.

    Parameters
    ----------
    X_neg, X_pos : ndarray
        The two sides.
    C : float, default=1.0
        Inverse regularisation strength, as in :class:`~sklearn.svm.LinearSVC`.
    anchors_pos : ndarray of shape (n_anchors, n_features), default=None
        Points that must be on the positive side (base points, the barycenter):
        weighted heavily.
    random_state : int or None, default=None
        Passed to LinearSVC.

    Returns
    -------
    w, b : ndarray of shape (n_features,), float
        The hyperplane ``w·x + b = 0``, positive side toward ``X_pos``.
    n_wrong : int
        Points of ``X_neg`` and ``X_pos`` on the wrong side.

    Examples
    --------
    >>> import numpy as np
    >>> X_neg = np.array([[0.0], [1.0], [2.5]])
    >>> X_pos = np.array([[2.0], [3.0], [4.0]])
    >>> w, b, n_wrong = soft_margin_hyperplane(X_neg, X_pos)
    >>> n_wrong
    2
    """
    X_neg, X_pos = np.asarray(X_neg, float), np.asarray(X_pos, float)
    anchors = np.empty((0, X_neg.shape[1])) if anchors_pos is None else anchors_pos
    X_pos = np.vstack([X_pos, anchors])
    center, scale = _scaling(X_neg, X_pos)
    A_neg, A_pos = (X_neg - center) / scale, (X_pos - center) / scale
    X = np.vstack([A_neg, A_pos])
    y = np.r_[-np.ones(len(A_neg)), np.ones(len(A_pos))]
    weight = np.ones(len(y))
    if len(anchors):
        weight[-len(anchors):] = 10.0 * len(y)
    # the primal squared hinge (liblinear's trust-region Newton) converges in a few
    # Newton steps; the dual hinge solver does not converge in 20 000 iterations on
    # overlapping classes with C = 100 and heavy anchors (2.2 s against 8 ms on
    # 5 000 x 17, 572 against 583 points on the wrong side)
    svc = LinearSVC(C=C, loss="squared_hinge", dual=False, max_iter=1000,
                    random_state=random_state)
    with warnings.catch_warnings():
        # the hyperplane is used as it is, judged by its points on the wrong side
        warnings.simplefilter("ignore", ConvergenceWarning)
        svc.fit(X, y, sample_weight=weight)
    w = svc.coef_.ravel() / scale
    b = float(svc.intercept_[0] - w @ center)
    n_wrong = int(np.sum(X_neg @ w + b >= 0) + np.sum(X_pos @ w + b <= 0))
    return w, b, n_wrong
