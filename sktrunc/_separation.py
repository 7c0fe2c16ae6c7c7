"""Separating hyperplanes: the convex problems behind sequential separability.

A hard-margin hyperplane ``min |w|² s.t. w·x + b ≤ -1`` on one side and
``≥ +1`` on the other is found on a small candidate set re-solved with the
violators added until every point satisfies its constraint.  The sequential
construction first asks Newton's method on the primal squared hinge with a
rising penalty (:func:`_fast_max_margin`): when it puts every point on its side,
separability is certified by the margins themselves and the KKT system of the
support vectors gives the exact max-margin hyperplane (checked on every point);
when candidates stay on the wrong side, the QP decides them.  A hard-margin
problem that is infeasible on a subset is infeasible on the whole set, so
separability is decided exactly, and the infeasible subset is returned as a
certificate that the sequential construction reuses while its points stay put.
A certificate of a few points is first looked for as a point common to their
convex hulls (nonnegative least squares, :func:`_hulls_meet`), several times
cheaper than the infeasible QP.  With the default solver the QP goes to Clarabel
directly; other cvxpy solvers
share one compiled, parametrized problem per (padded) shape.  When no
hyperplane separates, the soft-margin hyperplane of
:class:`sklearn.svm.LinearSVC`'s primal squared hinge, solved by the same
Newton method, is the fallback.
"""

import threading
from collections import OrderedDict

import cvxpy as cp
import numpy as np
from scipy.linalg.lapack import dpotrf, dpotrs
from scipy.optimize import linprog

__all__ = ["strictly_separable", "max_margin_hyperplane", "soft_margin_hyperplane"]

_ACCEPTED = {cp.OPTIMAL, cp.OPTIMAL_INACCURATE}
_INFEASIBLE = {cp.INFEASIBLE, cp.INFEASIBLE_INACCURATE}


def _column_sums(X):
    """``X.sum(axis=0)``, the same numbers, 2x faster on a tall matrix of tens of columns.

    numpy sums a C-ordered matrix along its rows one row after another (the summed
    axis is not the contiguous one: no pairwise summation), with a call of its inner
    loop per row of a few dozen entries; ``einsum`` adds the rows in the same order
    in fewer, longer loops (3800 x 17: 22 against 50 µs).  A single column (or
    another layout), which numpy sums pairwise, goes to ``sum``.
    """
    if X.ndim == 2 and X.shape[1] > 1 and X.flags.c_contiguous:
        return np.einsum("ij->j", X)
    return X.sum(axis=0)


def _scaling(X_neg, X_pos, count=None):
    """Center and scale for the QP (better conditioned), without copying the data.

    ``count``, when given, is the multiplicity of each row of ``X_neg`` then ``X_pos``
    (the center and scale of the point sets they stand for)."""
    n_neg, n_pos = len(X_neg), len(X_pos)
    if count is None:
        center = (_column_sums(X_neg) + _column_sums(X_pos)) / (n_neg + n_pos)
        second = (np.einsum("ij,ij->", X_neg, X_neg) + np.einsum("ij,ij->", X_pos, X_pos))
        var = second / ((n_neg + n_pos) * X_neg.shape[1]) - np.mean(center ** 2)
        return center, (np.sqrt(var) if var > 0 else 1.0)
    c_neg, c_pos = count[:n_neg], count[n_neg:]
    total = float(count.sum())
    center = (c_neg @ X_neg + c_pos @ X_pos) / total
    second = (c_neg @ np.einsum("ij,ij->i", X_neg, X_neg)
              + c_pos @ np.einsum("ij,ij->i", X_pos, X_pos))
    var = second / (total * X_neg.shape[1]) - np.mean(center ** 2)
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

    (n_neg, d), m = A_neg.shape, len(A_neg) + len(A_pos)
    # the constraint matrix [[A_neg, 1], [-A_pos, -1]] column by column (CSC, its exact
    # zeros dropped), and P = diag(2, ..., 2, 0), built directly: scipy.sparse's
    # constructors cost more than Clarabel's solve on a certificate's 2 (d + 2) points
    A = np.empty((d + 1, m))
    A[:d, :n_neg] = A_neg.T
    A[:d, n_neg:] = -A_pos.T
    A[d, :n_neg] = 1.0
    A[d, n_neg:] = -1.0
    data = A.ravel()
    nonzero = data != 0
    indptr = np.zeros(d + 2, dtype=np.int64)
    np.cumsum(np.count_nonzero(A, axis=1), out=indptr[1:])
    A_csc = sparse.csc_matrix((data[nonzero], np.tile(np.arange(m), d + 1)[nonzero], indptr),
                              shape=(m, d + 1))
    P = sparse.csc_matrix((np.full(d, 2.0), np.arange(d), np.r_[np.arange(d + 1), d]),
                          shape=(d + 1, d + 1))
    settings = clarabel.DefaultSettings()
    settings.verbose = False
    # Clarabel's "auto" takes its small problems to QDLDL and larger ones to faer, which is
    # 2-4x slower on these (dense columns, one core; 390 points in 88 dimensions: 131 ms
    # against 31 ms, the same solution to 1e-13): QDLDL always
    settings.direct_solve_method = "qdldl"
    solution = clarabel.DefaultSolver(P, np.zeros(d + 1), A_csc, -np.ones(m),
                                      [clarabel.NonnegativeConeT(m)], settings).solve()
    status = str(solution.status)
    if status in ("Solved", "AlmostSolved"):
        return cp.OPTIMAL, np.asarray(solution.x, dtype=np.float64)
    if status in ("PrimalInfeasible", "AlmostPrimalInfeasible"):
        return cp.INFEASIBLE, None
    return None, None


def _decided_qp(A_neg, A_pos, solver):
    """:func:`_hard_margin_qp` on a grown candidate set, its infeasibility decided
    first by :func:`_hulls_meet` (the same answer: hulls that meet admit no
    separating hyperplane).  On overlapping multi-class tables the QP of a few hundred
    points in tens of dimensions costs 0.1-0.3 s, the test a few milliseconds."""
    if _hulls_meet(A_neg, A_pos)[0]:
        return None
    return _hard_margin_qp(A_neg, A_pos, solver)


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
        status = _solve(problem, solver)
        w, b = w.value, b.value
    if status not in _ACCEPTED | _INFEASIBLE:
        # the repeated rows can stall an interior-point method (a singular system):
        # the problem as it is, compiled afresh
        w, b = cp.Variable(A_neg.shape[1]), cp.Variable()
        problem = cp.Problem(cp.Minimize(cp.sum_squares(w)),
                             [A_neg @ w + b <= -1, A_pos @ w + b >= 1])
        status = _solve(problem, solver)
        w, b = w.value, b.value
    if status in _INFEASIBLE:
        return None
    if status not in _ACCEPTED:
        return _without_the_solver(A_neg, A_pos, solver, status)
    return np.asarray(w, dtype=np.float64), float(b)


# a hyperplane from the hulls' closest points is kept when every point is within this of
# its margin (relative), then scaled onto it
_POLISH_SLACK = 1e-4


def _without_the_solver(A_neg, A_pos, solver, failure):
    """The max-margin problem of sets on which the QP solver failed (``failure``: its
    status or its ``SolverError``).

    The LP decides separability exactly (interior-point solvers can fail instead of
    certifying infeasibility, e.g. with a point on both sides).  For separable sets the
    hulls' closest points (:func:`_closest_points`) and the KKT system of their support
    vectors (:func:`_kkt_polish`) give the max-margin hyperplane; where every point is
    within ``_POLISH_SLACK`` of its margin it is scaled onto the margins (every
    constraint holds, the margin within ``_POLISH_SLACK`` of the largest).  Hulls closer
    than ``_RESOLVABLE_GAP`` are overlap to working precision (None); otherwise a
    ``ValueError`` names the failure.  Seen on lifted prototypes: moons (2-D, lifted to
    36 dimensions) with hulls 2.5e-5 apart, where Clarabel failed and the polished
    hyperplane holds every margin to 9e-6, and ten features whose scales span 1e-3 to
    1e4, with hulls 7e-7 apart, where it misses them by 1.5 %.
    """
    if not strictly_separable(A_neg, A_pos):
        return None
    Z = np.column_stack([np.vstack([A_neg, A_pos]), np.ones(len(A_neg) + len(A_pos))])
    y = np.r_[-np.ones(len(A_neg)), np.ones(len(A_pos))]
    support, meet = _closest_points(Z, y)
    if meet:
        return None
    v = None if support is None else _kkt_polish(Z, y, None, support=support)
    if v is not None:
        low = float(np.min(y * (Z @ v)))
        if low >= 1.0 - _POLISH_SLACK:
            v = v / low
            return v[:-1], float(v[-1])
    if _hulls_meet(A_neg, A_pos, apart=_RESOLVABLE_GAP)[0] is not False:
        return None
    if isinstance(failure, Exception):
        raise ValueError(f"The cvxpy solver {solver!r} failed on the max-margin problem "
                         f"({A_neg.shape[0]} + {A_pos.shape[0]} points in "
                         f"{A_neg.shape[1]} dimensions), which is feasible: {failure}"
                         ) from failure
    hint = ("try another solver (e.g. 'CLARABEL')" if solver.upper() != "CLARABEL" else
            "the problem may be too large or badly scaled for it; try solver='SCS' or "
            "fewer prototypes")
    raise ValueError(f"The cvxpy solver {solver!r} returned status {failure!r} on the "
                     f"max-margin problem; {hint}.")


# residual of the hull-intersection system below which the two hulls meet (rounding level
# on data of unit spread: 1e-17 to 3e-16 measured on overlapping tables), and above which
# they are apart (a separating hyperplane exists); in between, the QP decides
_HULL_MEET = 1e-12
_HULL_APART = 1e-8
# hulls closer than this (data of unit spread) are not separated at a margin the QP
# resolves in float64 (|w| >= 2e5): where the solver fails on them and the closest
# points give no hyperplane either, they are overlap (see _without_the_solver)
_RESOLVABLE_GAP = 1e-5


def _hulls_meet(A_neg, A_pos, apart=_HULL_APART):
    """Whether the convex hulls of two point sets meet, and a certificate when they do.

    Nonnegative least squares (Lawson-Hanson, :func:`scipy.optimize.nnls`) on
    ``Σ λ_i a_i - Σ μ_j b_j = 0``, ``Σ λ = Σ μ = 1``, a convex problem solved to
    its minimum: a residual at rounding level is a point of both hulls, so no
    hyperplane separates the sets (Farkas), and the points with positive weight
    (at most ``d + 2`` at a vertex of the system) are the certificate; a
    residual well above it means the hulls are apart, so the hard-margin
    problem is feasible.  7-9x cheaper than the hard-margin QP on the
    certificates of the sequential construction (0.1 ms against 0.8 ms in 17
    dimensions, 0.8 against 6.5 ms in 56).  Data of unit spread (centred and
    scaled) is expected.

    Returns
    -------
    meet : bool or None
        True when the hulls meet, False when they are apart (a residual above
        ``apart``), None when the residual is in between (or the solver stopped
        early): the QP decides.
    support : tuple (ndarray, ndarray) or None
        When they meet, the indices of the weighted points of each set.
    """
    from scipy.optimize import nnls

    k, d = A_neg.shape
    M = np.zeros((d + 2, k + len(A_pos)))
    M[:d, :k] = A_neg.T
    M[:d, k:] = -A_pos.T
    M[d, :k] = 1.0
    M[d + 1, k:] = 1.0
    rhs = np.zeros(d + 2)
    rhs[d:] = 1.0
    try:
        weights, residual = nnls(M, rhs)
    except RuntimeError:  # iteration limit: no answer, the QP decides
        return None, None
    if residual <= _HULL_MEET:
        return True, (np.flatnonzero(weights[:k] > 0), np.flatnonzero(weights[k:] > 0))
    return (False if residual > apart else None), None


def _solve(problem, solver):
    """The problem's status after solving, or the solver's ``SolverError``."""
    try:
        problem.solve(solver=solver)
    except cp.error.SolverError as exc:
        return exc
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
        ``w`` of shape (n_features,) and ``b``; the margin is ``1/|w|``.  None
        when no hyperplane separates the sets, and also when the solver fails on
        sets whose hulls are closer than ``1e-5`` of their spread (no margin that
        float64 resolves; the solver's failure elsewhere raises a ``ValueError``).

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


def _max_margin(X_neg, X_pos, solver, n_candidates=64, max_rounds=100, start=None,
                first=None):
    """:func:`max_margin_hyperplane` and the active points (indices per side).

    When the hyperplane is None the active points alone admit no separating
    hyperplane: a certificate that stays valid for any superset of them.
    ``start`` gives the first active points (indices per side) and ``first``
    the solution of their QP, when the caller has it.
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
    if start is not None:
        active_neg, active_pos = start
    for round_ in range(max_rounds):
        sol = first if round_ == 0 and first is not None else _decided_qp(
            (X_neg[active_neg] - center) / scale, (X_pos[active_pos] - center) / scale,
            solver)
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


def soft_margin_hyperplane(X_neg, X_pos, *, C=1.0, anchors_pos=None, random_state=None,
                           warm_start=None):
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
        Unused: the solution is unique and found deterministically (kept for
        callers that seed it).
    warm_start : tuple (w, b), default=None
        A hyperplane to start Newton's method from (e.g. the same problem's
        solution before a few points moved): the same solution, in fewer steps.

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
    return _soft_margin(X_neg, np.vstack([X_pos, anchors]), len(anchors), C, warm_start)


def _soft_margin(X_neg, X_pos, n_anchors, C, warm_start=None, count=None):
    """:func:`soft_margin_hyperplane` with the anchors the last ``n_anchors`` rows of
    ``X_pos`` (the sequential construction's sides hold them there: no copy).

    ``count``, when given, is the multiplicity of each row of ``X_neg`` then ``X_pos``:
    a row of count ``m`` stands for ``m`` equal rows (the same problem, its center,
    scale and objective those of the rows it stands for, on fewer rows)."""
    center, scale = _scaling(X_neg, X_pos, count)
    Z, y = _design(X_neg, X_pos, center, scale)
    weight = np.ones(len(y)) if count is None else np.array(count, dtype=np.float64)
    if n_anchors:
        weight[-n_anchors:] = 10.0 * (len(y) if count is None else float(count.sum()))
    # LinearSVC's primal squared hinge (intercept penalised as liblinear does, which
    # on overlapping classes also shrinks it), by Newton's method with an exact line
    # search: the same solution without liblinear's set-up and tolerance
    v0 = None
    if warm_start is not None:
        w0, b0 = warm_start
        v0 = np.append(np.asarray(w0, float) * scale, float(b0) + float(np.asarray(w0) @ center))
    # settled: a full step that leaves every row on its side of the margin reached the
    # minimum of its quadratic piece, which is then the optimum; the step of rounding size
    # that would confirm it is left out (the peel's second step on 2000 x 56: 5 -> 4 Newton
    # steps; the same 5-fold CV predictions on the reference tables, as ovr_squared_hinge)
    v = _newton_svm(Z, y, C, v0, weight=weight, intercept_penalty=1.0, settled=True)[0]
    w = v[:-1] / scale
    b = float(v[-1] - w @ center)
    if count is None:
        n_wrong = int(np.count_nonzero(X_neg @ w + b >= 0) + np.count_nonzero(X_pos @ w + b <= 0))
    else:
        wrong = np.concatenate([X_neg @ w + b >= 0, X_pos @ w + b <= 0])
        n_wrong = int(round(float(count @ wrong)))
    return w, b, n_wrong


# -- primal squared hinge by Newton's method -----------------------------------------
#
# min ½|w|² + C Σ_i ω_i max(0, 1 - y_i (x_i·w + b))² with the intercept b free (not
# regularised, as in the hard-margin problem, unlike liblinear's).  The objective is
# piecewise quadratic: on a fixed set of points inside the margin it is a quadratic,
# so Newton's method with an exact line search ends (finite Newton, Keerthi & DeCoste,
# JMLR 2005) once the active set stops changing.  On a few thousand points in tens of
# dimensions it costs a handful of (n, d) products and (d+1)² solves, against the
# compilation and interior-point iterations of a QP solver.

def _design(X_neg, X_pos, center, scale):
    """Rows ``((x - center) / scale, 1)``, negative side first, and their signs."""
    n_neg, d = X_neg.shape
    Z = np.empty((n_neg + len(X_pos), d + 1))
    # the differences written straight into place: one pass over the rows fewer than a
    # copy then a subtraction (the same numbers)
    np.subtract(X_neg, center, out=Z[:n_neg, :d])
    np.subtract(X_pos, center, out=Z[n_neg:, :d])
    if np.ndim(scale) == 0:
        # the column of ones as scale / scale (exactly 1): the division by the number
        # then runs over the whole matrix, contiguous, not row by row through the view
        # of its first d columns (3800 x 18: 70 against 110 µs; the same numbers)
        Z[:, d] = scale
        Z /= scale
    else:  # a scale per column
        Z[:, :d] /= scale
        Z[:, d] = 1.0
    y = np.ones(len(Z))
    y[:n_neg] = -1.0
    return Z, y


# kinks sorted at first by the exact line search (more when the root lies beyond them)
_KINKS = 32


def _line_search(w_dot, dw2, r, delta, c, at0=None, deep=False):
    """Exact minimiser ``t > 0`` of ``φ(t)`` along a descent direction.

    ``φ'(t) = w·Δw + t|Δw|² - Σ c_i δ_i max(0, r_i - t δ_i)`` is increasing and
    piecewise linear, with a kink where a point crosses the margin
    (``t = r_i / δ_i``).  Its sign at the full step ``t = 1`` tells on which
    side of 1 the root lies; walking the sorted kinks on that side only (few,
    near a solution) with cumulative sums finds the piece that holds it.  The
    kinks are computed for the points that cross on that side only: those
    whose side of the margin differs at ``t = 0`` and ``t = 1``, or, beyond 1,
    an active point moving out (``r > δ > 0``) or an inactive one moving in
    (``r < δ < 0``).  ``at0``, when given, is ``r > 0`` (the caller's active
    set, not computed again).

    ``deep`` says that the root is likely hundreds of kinks away (the first step
    of :func:`_shared_first_step`: 200-1600 on the non-separable tables, 600-800
    on digits): the walk then starts with its third size (``16 _KINKS``), not its
    first.  The step is the walk's from its first size, bit for bit: its first
    rounds sort the same smallest kinks in the same order, and so compute the
    same first cumulative sums, when those kinks are distinct (checked); they
    find no root where the deeper round finds none among them.  Otherwise (tied
    kinks, or a root within the first rounds) the walk starts again from its
    first size.
    """
    # every sum below is the same numpy operation on the same float64 vectors as in
    # earlier versions (the masks cast to float64 once, not once per product; a sign
    # flip by np.where instead of a product with ±1, both exact): the same step, bit
    # for bit, in fewer calls (this search is a third of a Newton step on a few hundred
    # rows)
    cd = c * delta
    cdr, cdd = cd * r, cd * delta
    # φ'(t) = A + B t on the piece just after t = 1 (sums over a mask as products with
    # it: 3x faster than indexing on thousands of rows)
    at1 = r > delta
    mask = at1.astype(np.float64)
    A = w_dot - float(np.dot(cdr, mask))
    B = dw2 + float(np.dot(cdd, mask))
    if A + B >= 0:
        # the root is in (0, 1]: start from the piece after 0, walk kinks below 1
        if at0 is None:
            at0 = r > 0
        mask = at0.astype(np.float64)
        A = w_dot - float(np.dot(cdr, mask))
        B = dw2 + float(np.dot(cdd, mask))
        moves = np.flatnonzero(at0 != at1)
    else:
        # r > δ > 0 or r < δ < 0 (the second implies r ≤ δ, inactive at 1): two masks
        # joined in place, the same rows as np.where on three (1.6x faster)
        moving = at1 & (delta > 0)
        moving |= (r < delta) & (delta < 0)
        moves = np.flatnonzero(moving)
    if moves.size:
        kinks = r[moves] / delta[moves]
        if A + B * kinks.min() >= 0:
            # the root lies before the first kink (most steps on the 5000 x 17 table): the
            # piece that holds it is the current one, as the walk below would find at its
            # first kink, without sorting any
            moves = moves[:0]
    if moves.size:
        # the root is usually within the first few kinks: sort the nearest ones only, and
        # more when the root lies beyond them (beyond 1, thousands of points may cross)
        m = min(moves.size, 16 * _KINKS if deep else _KINKS)
        # the largest size the walk from _KINKS takes before m (None: m is its first)
        skipped, size = None, _KINKS
        while size < m:
            skipped, size = size, 4 * size
        while True:
            if m < moves.size:
                near = np.argpartition(kinks, m - 1)[:m]
                near = near[np.argsort(kinks[near])]
            else:
                near = np.argsort(kinks)
            idx, kink = moves[near], kinks[near]
            leaving = delta[idx] > 0  # leaving subtracts its terms
            cdr_k, cdd_k = cdr[idx], cdd[idx]
            A_k, B_k = np.empty(m + 1), np.empty(m + 1)
            A_k[0], B_k[0] = A, B
            np.cumsum(np.where(leaving, cdr_k, -cdr_k), out=A_k[1:])
            np.cumsum(np.where(leaving, -cdd_k, cdd_k), out=B_k[1:])
            A_k[1:] += A
            B_k[1:] += B
            # φ' just before each kink, on the piece that ends there
            past = A_k[:-1] + B_k[:-1] * kink >= 0
            k = int(np.argmax(past))
            if skipped is not None:
                # the rounds of sizes up to ``skipped`` left out: they would have computed
                # the first ``skipped`` entries of these sums in the same order (distinct
                # kinks, the set of the smallest unique) and found no root among them
                if ((past[k] and k < skipped)
                        or not np.all(kink[1:skipped + 1] > kink[:skipped])):
                    m, skipped = min(moves.size, _KINKS), None
                    continue  # the walk from its first size
                skipped = None
            if past[k] or m == moves.size:
                break
            m = min(moves.size, 4 * m)
        k = k if past[k] else m
        A, B = A_k[k], B_k[k]
    if B <= 0:
        return 1.0
    return max(-A / B, 0.0)


def _newton_svm(Z, y, C, v=None, weight=None, max_iter=60, intercept_penalty=0.0,
                settled=False, gram=None):
    """Primal squared-hinge linear SVM with a free intercept (finite Newton method).

    Parameters
    ----------
    Z : ndarray of shape (n, d + 1)
        Rows ``(x, 1)``.
    y : ndarray of shape (n,)
        Signs ±1.
    C : float
    v : ndarray of shape (d + 1,), default=None
        Warm start ``(w, b)``; the difference of the sides' means when None.
    weight : ndarray of shape (n,), default=None
    intercept_penalty : float, default=0.0
        ``½ λ b²`` added to the objective: 0 leaves the intercept free (the
        hard-margin problem's), 1 is liblinear's (``LinearSVC`` with
        ``intercept_scaling=1``).
    settled : bool, default=False
        Stop after a full step that moves no row across the margin: it reached
        the minimum of the quadratic piece of the objective, which is then the
        optimum, to rounding.  Without it one more step (of rounding size)
        confirms the active set; a caller that only reads which rows are on the
        margin (:func:`_fast_max_margin`, whose KKT solve recomputes the optimum
        from them) saves that step.
    gram : ndarray of shape (d + 1, d + 1), default=None
        ``Σ_i c_i z_i z_iᵀ`` over every row (``c = 2 C weight``), when the caller
        has it: a Hessian of more than half the rows is then this less the rows
        outside the margin.

    Returns
    -------
    v : ndarray of shape (d + 1,)
    margins : ndarray of shape (n,)
        ``y_i z_i·v``.
    """
    n, d1 = Z.shape
    c = 2.0 * C * (np.ones(n) if weight is None else weight)
    # the Hessian of the active rows as a product of a matrix with its own transpose,
    # which numpy hands to BLAS syrk (half the operations of the general product with
    # the weighted rows; 2000 x 57: 0.13 against 0.22 ms): the uniform weight after the
    # product, other weights through their square roots
    uniform = weight is None
    root = None if uniform else np.sqrt(c)
    if v is None:
        # every point inside the margin: the first step is the regularised least-squares
        # fit of the signs, usually near the squared-hinge solution
        v = np.zeros(d1)
    v = np.array(v, dtype=float)
    reg = np.ones(d1)
    reg[-1] = intercept_penalty
    # liblinear's penalty (intercept_penalty=1) weighs every entry by 1: the products
    # with reg below are then v itself, bit for bit, and are left out
    unit = intercept_penalty == 1.0
    margins = y * (Z @ v)
    cy = c * y
    was, HA = None, None
    for _ in range(max_iter):
        r = 1.0 - margins
        active = r > 0
        # the gradient over every row (inactive rows weigh 0): no copy of the active rows
        hinge = np.maximum(r, 0.0)
        hinge *= cy
        grad = (v if unit else reg * v) - Z.T @ hinge
        # the Hessian of the active rows, updated by the rows that entered or left the
        # margin when they are fewer than the active rows (a few per step near the end)
        moved = None if was is None else np.flatnonzero(active != was)
        n_active = np.count_nonzero(active)
        if moved is None or 2 * moved.size >= n_active:
            # from the rows inside the margin, or from ``gram`` less the rows beyond it
            # when those are fewer (the sequential last layer on the 5000 x 17 table:
            # 114 rows instead of 2909)
            down = gram is not None and 2 * n_active > n
            rows = ~active if down else active
            if rows.all():  # a cold start: every row, no copy of them when uniform
                ZA = Z if uniform else Z * root[:, None]
            else:
                idx = np.flatnonzero(rows)
                ZA = Z.take(idx, axis=0)
                if not uniform:
                    ZA *= root[idx, None]
            HA = ZA.T @ ZA
            if uniform:
                HA *= c[0]
            if down:
                HA = gram - HA
        elif moved.size:
            ZM = Z.take(moved, axis=0)
            HA = HA + ZM.T @ (ZM * np.where(active[moved], c[moved], -c[moved])[:, None])
        was = active
        H = HA.copy()
        H.flat[::d1 + 1] += reg
        # a free intercept with no active point (or all on one side) leaves H
        # singular in b: a tiny ridge there, relative to the rest of H
        H[-1, -1] += 1e-12 * (1.0 + H[-1, -1])
        # H is symmetric positive definite (the ridge above): Cholesky, by LAPACK directly
        # (scipy.linalg's wrappers cost more than the factorisation at d = 65)
        factor, info = dpotrf(H, lower=0, clean=0)
        if info == 0:
            step = -dpotrs(factor, grad)[0]
        else:
            step = -np.linalg.lstsq(H, grad, rcond=None)[0]
        delta = y * (Z @ step)
        t = _line_search(float((v if unit else reg * v) @ step),
                         float((step if unit else reg * step) @ step), r, delta, c,
                         active)
        v += t * step
        margins += t * delta
        if moved is not None and moved.size == 0 and abs(t - 1.0) < 1e-9:
            break  # the active set is settled and the full step reached its minimum
        if settled and abs(t - 1.0) < 1e-9 and np.array_equal(margins < 1.0, active):
            break  # a full step that moved no row across the margin: see ``settled``
        # Newton decrement: the predicted decrease, relative to the objective (the
        # rounding of margins at exactly 1 can keep the active set flickering)
        decrement = -float(grad @ step)
        if decrement <= 1e-13 * (float(v[:-1] @ v[:-1]) + 1e-300):
            break
    return v, margins


def ovr_squared_hinge(Z, y_idx, n_classes, C, weight=None):
    """One-vs-rest :class:`~sklearn.svm.LinearSVC` (squared hinge), solved exactly.

    The primal problem liblinear solves for ``LinearSVC(C=C)`` with its defaults
    (``loss="squared_hinge"``, intercept penalised as ``intercept_scaling=1``),
    ``min ½|w|² + ½b² + C Σ_i max(0, 1 - s_i (x_i·w + b))²`` per class ``k``
    with ``s_i = ±1`` (class ``k`` or not), by the finite Newton method of
    :func:`_newton_svm`.  Newton's first step from ``(w, b) = 0`` (every point
    inside the margin) is the same ridge system for every class: it is solved
    once, for all classes, from the Gram matrix, and each class then starts
    from its own solution of it (on standardised digits: 5 more steps per class
    on a few hundred active rows; 3x faster than liblinear, which stops at its
    tolerance ``1e-4`` short of this optimum).

    Parameters
    ----------
    Z : ndarray of shape (n_samples, n_features)
    y_idx : ndarray of int of shape (n_samples,)
        Class indices in ``range(n_classes)``.
    n_classes : int
        At least 2; with 2 the single problem of class 1 against class 0, as
        ``LinearSVC`` solves it.
    C : float
    weight : ndarray of shape (n_samples,), default=None
        Multiplicity of each row: a row of weight ``m`` stands for ``m`` equal
        rows of the same class (the same problem on fewer rows).

    Returns
    -------
    W : ndarray of shape (n_features, n_problems)
    b : ndarray of shape (n_problems,)
        ``n_problems`` is 1 for two classes, else ``n_classes``.
    """
    n, d = Z.shape
    Z1 = np.empty((n, d + 1))
    Z1[:, :d] = Z
    Z1[:, d] = 1.0
    return _ovr_on_design(Z1, y_idx, n_classes, C, weight)


def _ovr_on_design(Z1, y_idx, n_classes, C, weight=None, rooted=None):
    """:func:`ovr_squared_hinge` on the rows ``Z1 = [Z 1]`` the caller already built
    (the sequential last layer's least squares reads the same matrix; read only here),
    and ``rooted``, when it has it, ``Z1 * sqrt(weight)[:, None]`` (see
    :func:`_shared_first_step`)."""
    ks = [1] if n_classes == 2 else list(range(n_classes))
    # settled: the step of rounding size that confirms a settled active set is left out
    # (the weights move by about 1e-10 of their size; digits: 3 ms of a 50 ms fit, the
    # same 5-fold CV predictions on every reference table)
    V = _shared_first_step(Z1, np.where(y_idx[:, None] == np.asarray(ks)[None, :], 1.0, -1.0), C,
                           weight, settled=True, rooted=rooted)
    return V[:-1], V[-1]


def _shared_first_step(Z1, S, C, weight=None, settled=False, rooted=None):
    """Squared-hinge problems on the same rows ``Z1`` (with their column of ones) and
    the signs ``S[:, k]``, intercept penalised: Newton's first step from 0, the same
    ridge system for every column, solved once, and its exact line search (each
    column's own); each problem then goes on alone.  ``weight`` multiplies each
    row's loss; ``settled`` is :func:`_newton_svm`'s; ``rooted``, when the caller has
    it, is ``Z1 * np.sqrt(weight)[:, None]`` (read only).  Returns ``V`` of shape
    ``(d + 1, n_problems)``."""
    n, d1 = Z1.shape
    # Newton's first step from 0: (2C Z1ᵀ Ω Z1 + I) v = 2C Z1ᵀ Ω s, for every column at once
    if weight is None:
        H = 2.0 * C * (Z1.T @ Z1)
        rhs = 2.0 * C * (Z1.T @ S)
    else:
        root = Z1 * np.sqrt(weight)[:, None] if rooted is None else rooted
        H = 2.0 * C * (root.T @ root)
        rhs = 2.0 * C * (Z1.T @ (S * weight[:, None]))
    # the weighted Gram matrix of every row, for Newton's later Hessians (see _newton_svm)
    gram = H.copy()
    H.flat[::d1 + 1] += 1.0
    # Cholesky by LAPACK directly: scipy.linalg's cho_factor and cho_solve call these
    # same routines, behind wrappers that cost more than the solve (d = 65: 185 against
    # 43 µs)
    factor, info = dpotrf(H, lower=0, clean=0)
    if info == 0:
        V0 = dpotrs(factor, rhs, lower=0)[0]
    else:
        V0 = np.linalg.lstsq(H, rhs, rcond=None)[0]
    V = np.empty_like(V0)
    c = 2.0 * C * (np.ones(n) if weight is None else weight)
    ones, every = np.ones(n), np.ones(n, dtype=bool)
    # a mirrored pair has opposite column sums: the entry-by-entry test only for those
    sums = S.sum(axis=0)
    # each problem's signs contiguous (a column of S is strided: every product of
    # Newton's method with them walks it element by element)
    St = np.ascontiguousarray(S.T)
    for i in range(S.shape[1]):
        # two classes sharing every row (the first step of a binary problem): the second
        # problem is the first with every sign flipped, and each operation of Newton's
        # method commutes exactly with negation (rounding to nearest is symmetric), so
        # its solution is the negated first one, bit for bit, when its start is
        mirror = next((k for k in range(i) if sums[i] == -sums[k]
                       and np.array_equal(S[:, i], -S[:, k])
                       and np.array_equal(V0[:, i], -V0[:, k])), None)
        if mirror is not None:
            V[:, i] = -V[:, mirror]
            continue
        margins = St[i] * (Z1 @ V0[:, i])
        if np.all(margins < 1.0):
            # every row still inside the margin: the objective is the quadratic whose
            # minimum the first step solved, so it is the optimum (Newton's method would
            # spend a step, its Hessian of every row, to find a step of zero; the
            # one-vs-rest last layer of a two-class table, 0.8 ms)
            V[:, i] = V0[:, i]
            continue
        # the full step fits the signs by least squares, so the margins centre on 1 and
        # half the rows are still inside it (digits: 1050-1210 of 1797, against 230-510
        # at the optimum); the rows beyond it stop pulling, and the exact line search
        # along the step, as Newton's method takes every later one, goes on to the
        # minimum along it (t = 1.4-1.8 on digits): the first Hessian is then of a third
        # as many rows, and one step fewer is needed (the one-vs-rest last layer on
        # digits: 9.2 ms -> 5.6 ms; the same optimum, 2e-11 relative)
        t = _line_search(0.0, float(V0[:, i] @ V0[:, i]), ones, margins, c, every,
                         deep=True)
        V[:, i] = _newton_svm(Z1, St[i], C, t * V0[:, i], weight=weight,
                              intercept_penalty=1.0, max_iter=200, settled=settled,
                              gram=gram)[0]
    return V


def _first_soft_margins(X, labels, candidates, C):
    """``_soft_margin(X[labels == j], X[labels != j], 0, C)`` for every candidate ``j``.

    The first peeling step of the sequential construction: every candidate's sides
    hold all the rows (its own on the negative side), so the design, its scaling and
    Newton's first step are the same for all (:func:`_shared_first_step`); the
    solutions are those of the candidates one by one (the problems are strictly
    convex), up to rounding.

    Returns
    -------
    list of (w, b, n_wrong)
    """
    center, scale = _scaling(X[:0], X)
    Z1 = _design(X[:0], X, center, scale)[0]
    negative = labels[:, None] == np.asarray(candidates)[None, :]
    # settled, as in _soft_margin (2000 x 56: 4 -> 3 Newton steps)
    V = _shared_first_step(Z1, np.where(negative, -1.0, 1.0), C, settled=True)
    out = []
    for i in range(len(candidates)):
        w = V[:-1, i] / scale
        b = float(V[-1, i] - w @ center)
        side = X @ w + b
        neg = negative[:, i]
        # a row is on the wrong side when at or beyond the hyperplane from its own side
        out.append((w, b, int(np.count_nonzero(np.where(neg, side >= 0, side <= 0)))))
    return out


# the squared-hinge penalties of the continuation toward the hard margin (on data of unit
# spread): from a soft problem whose Newton steps drop many points at once to one whose
# slacks are at rounding level next to the margin; the last is relative to |w|², since
# Σ α_i = |w|² at the hard-margin optimum bounds every slack by |w|² / (2 C)
_SOFT_START = 1.0
_HARD_C = 1e7
_C_RISE = 100.0
# stage of the rise (then one more in later rounds, when the candidates are the hard
# cases) after which points on the wrong side send the candidates to the QP solver
_QP_STAGE = 1
# or, at any stage, more than this fraction of the candidates on the wrong side (on
# digits at most 2% when separable; 8-24% on the overlapping 5000 x 17 table)
_QP_WRONG = 0.05
# margin below which points join the candidates with the violators
_BAND = 1.2


def _kkt_polish(Z, y, margins, tol=1e-9, support=None):
    """The exact max-margin ``v`` from the support vectors of a near-hard solution, or None.

    With the points ``S`` inside the margin taken as support vectors, the
    hard-margin KKT system ``w = Σ_S α_i y_i x_i``, ``Σ_S α_i y_i = 0``,
    ``y_i (x_i·w + b) = 1`` is linear; its solution is the optimum iff
    ``α ≥ 0`` and every point satisfies ``y_i (x_i·w + b) ≥ 1`` (checked on
    every row of ``Z`` by the caller's margins).  ``support``, when given, are
    the row indices of ``S`` (increasing; ``margins`` is then not read).
    """
    S = np.flatnonzero(margins < 1.0 + 1e-6) if support is None else support
    # generically at most d + 1 support vectors (more only on degenerate data, which the
    # rise of the penalty and the QP handle): a larger set is a soft solution yet
    if S.size == 0 or S.size > Z.shape[1]:
        return None
    X, yS = Z[S, :-1], y[S]
    K = np.empty((S.size + 1, S.size + 1))
    K[:-1, :-1] = (X @ X.T) * np.outer(yS, yS)
    K[:-1, -1] = yS
    K[-1, :-1] = yS
    K[-1, -1] = 0.0
    rhs = np.ones(S.size + 1)
    rhs[-1] = 0.0
    try:
        sol = np.linalg.solve(K, rhs)
    except np.linalg.LinAlgError:  # affinely dependent support vectors
        sol = np.linalg.lstsq(K, rhs, rcond=None)[0]
    alpha = sol[:-1]
    if np.any(alpha < -tol * max(1.0, np.abs(alpha).max())):
        return None
    return np.append(X.T @ (alpha * yS), sol[-1])


# weight of the rows Σ λ = 1 and Σ μ = 1 in the closest-points problem of
# :func:`_closest_points` (on data of unit spread): large enough that the weighted points
# are those of the constrained problem
_HULL_WEIGHT = 1e3
# below this residual the hulls may meet: the Newton route decides
_HULL_GAP = 1e-6


def _closest_points(Z, y):
    """The closest points of the two hulls of rows ``Z = (x, 1)``, and whether they meet.

    The max-margin hyperplane with a free intercept is the perpendicular bisector of
    the closest points of the two convex hulls (its normal ``p - q``, ``p`` and ``q``
    the closest points), and its support vectors are the points with positive weight
    in them: one nonnegative least-squares problem, ``Σ λ_i a_i - Σ μ_j b_j = 0`` with
    ``Σ λ = Σ μ = 1`` as heavily weighted rows (Lawson-Hanson; the rows ``_hulls_meet``
    solves, weighted).  On standardised digits 0.5 ms against 1-1.5 ms for the rise of
    the squared-hinge penalty it replaces.

    Returns
    -------
    support : ndarray of int or None
        The increasing row indices of the weighted points: the support vectors
        when the hulls are apart (for :func:`_kkt_polish`, whose solution the
        caller then checks on every row), the points of a
        common point of both hulls when they meet (a certificate that no
        hyperplane separates the rows, as :func:`_hulls_meet`'s: at most
        ``d + 2`` points, a vertex of Lawson-Hanson's system).
    meet : bool
        Whether the residual is at rounding level (``_HULL_MEET``): the hulls
        meet.  ``(None, False)`` when the hulls may meet (a residual between that and
        ``_HULL_GAP``), the rows are all on one side, the solver stops early, or the
        support vectors outnumber what a KKT system can hold.
    """
    from scipy.optimize import nnls

    neg = y < 0
    rows = np.concatenate([np.flatnonzero(neg), np.flatnonzero(~neg)])
    k, d = int(neg.sum()), Z.shape[1] - 1
    if k == 0 or k == len(y):
        return None, False
    M = np.zeros((d + 2, len(y)))
    M[:d, :k] = Z[rows[:k], :d].T
    M[:d, k:] = -Z[rows[k:], :d].T
    M[d, :k] = _HULL_WEIGHT
    M[d + 1, k:] = _HULL_WEIGHT
    rhs = np.zeros(d + 2)
    rhs[d:] = _HULL_WEIGHT
    try:
        weights, residual = nnls(M, rhs)
    except RuntimeError:  # iteration limit
        return None, False
    support = np.sort(rows[weights > 0])
    if residual <= _HULL_MEET and support.size:
        # Σ λ a = Σ μ b to rounding, with Σ λ = Σ μ = 1 to 1e-15 (the weighted rows)
        return support, True
    if residual <= _HULL_GAP or support.size == 0 or support.size > d + 1:
        return None, False
    return support, False


def _nearest(score, k):
    """Indices of the ``k`` smallest scores (all when fewer)."""
    k = max(1, min(k, len(score)))
    return np.argpartition(score, k - 1)[:k]


def _fast_max_margin(X_neg, X_pos, solver, n_candidates=None, max_rounds=100, hint=None,
                     start=None):
    """:func:`_max_margin` found by Newton's method on the squared hinge, where it can.

    Works on a candidate set grown by violators, as :func:`_max_margin` does.
    On it, the squared-hinge problem is solved for a penalty rising to a large
    one (warm starts); a solution that puts every point of the whole sets on
    its side is a separating hyperplane (separability certified by the
    margins), and its support vectors give the exact max-margin hyperplane
    through the KKT system (:func:`_kkt_polish`), checked on every point, so
    the result is :func:`_max_margin`'s.  When points of the candidate set stay
    on the wrong side, the QP solver decides the candidate set: an infeasible
    hard-margin problem on it certifies that no hyperplane separates the
    sides (the certificate :func:`_max_margin` returns).  Anything else goes to
    :func:`_max_margin`.

    ``hint``, a soft-margin hyperplane ``(w, b)`` of the same sides, when it
    leaves points on the wrong side, names the likely certificate: the
    ``2 (d + 2)`` points of each side nearest it (a certificate needs at most
    ``d + 2`` points), tried first by the QP (on the overlapping 5000 x 17
    table it certifies every candidate, in about 1 ms against 1.3-5 ms for
    the Newton route).

    ``start``, indices ``(of X_neg, of X_pos)``, are the likely support vectors
    (those of the same candidate's hyperplane at an earlier step): the first
    candidate set instead of the points nearest the midpoint of the means.  The
    result does not depend on it: the support vectors name the hyperplane.

    Returns the hyperplane ``(w, b)`` or None, and the active points per side:
    the certificate when None, else the points on the margin (the support
    vectors, a ``start`` for a later problem on nearly the same sides).
    """
    X_neg, X_pos = np.asarray(X_neg, float), np.asarray(X_pos, float)
    n_neg, d = X_neg.shape
    if n_candidates is None:
        # up to d + 1 support vectors: on digits (d = 64) 2 (d + 1) candidates take 342
        # Newton steps for the ten peeling steps against 440 with 64
        n_candidates = max(64, 2 * (d + 1))
    if n_neg == 0 or len(X_pos) == 0:
        return _max_margin(X_neg, X_pos, solver, n_candidates)
    center, scale = _scaling(X_neg, X_pos)
    if hint is not None:
        w, b = hint
        s_neg, s_pos = X_neg @ w + b, X_pos @ w + b
        if s_neg.max() >= 0 or s_pos.min() <= 0:
            # twice the d + 2 points a certificate needs: in 56 dimensions the d + 2
            # nearest are separable, 2 (d + 2) are not (2000 x 56 table: fit 176 ms
            # against 211 ms; the same on the 5000 x 17 table)
            k = 2 * (d + 2)
            near_neg, near_pos = _nearest(np.abs(s_neg), k), _nearest(np.abs(s_pos), k)
            A_neg = (X_neg.take(near_neg, axis=0) - center) / scale
            A_pos = (X_pos.take(near_pos, axis=0) - center) / scale
            meet, support = _hulls_meet(A_neg, A_pos)
            if meet:
                return None, near_neg[support[0]], near_pos[support[1]]
            if meet is None and _hard_margin_qp(A_neg, A_pos, solver) is None:
                return None, near_neg, near_pos

    def design(idx):
        # the scaled rows (x, 1) of the candidates only (the sides stacked, negative
        # first): at N = 1e5 a copy of all the data costs more than the solves
        neg = idx < n_neg
        Za = np.empty((len(idx), d + 1))
        Za[neg, :d] = X_neg.take(idx[neg], axis=0)
        Za[~neg, :d] = X_pos.take(idx[~neg] - n_neg, axis=0)
        Za[:, :d] -= center
        Za[:, d] = scale  # divided into ones below, with the rows (see _design)
        Za /= scale
        return Za, np.where(neg, -1.0, 1.0)

    def in_input_units(v):
        w = v[:-1] / scale
        return w, float(v[-1] - w @ center)

    # the points of each side nearest the midpoint of the means along their difference
    # are the likely support vectors, or where the sides overlap the likely certificate
    # (the points deepest in the other side, :func:`_max_margin`'s start, are separable
    # by the reversed hyperplane when the sides overlap)
    if start is not None:
        active = np.unique(np.concatenate([start[0], n_neg + np.asarray(start[1])]))
    elif hint is not None:
        # the points of each side nearest the soft-margin hyperplane or beyond it: its
        # support vectors are close to the hard margin's (breast cancer: 0.71x the time;
        # the support vectors, not the start, name the hyperplane)
        active = np.unique(np.concatenate([_nearest(-s_neg, n_candidates // 2),
                                           n_neg + _nearest(s_pos, n_candidates // 2)]))
    else:
        mean_neg, mean_pos = X_neg.mean(axis=0), X_pos.mean(axis=0)
        along_neg, along_pos = X_neg @ (mean_pos - mean_neg), X_pos @ (mean_pos - mean_neg)
        mid = 0.5 * (mean_pos + mean_neg) @ (mean_pos - mean_neg)
        active = np.unique(np.concatenate([
            _nearest(np.abs(along_neg - mid), n_candidates // 2),
            _nearest(-along_neg, n_candidates // 2),
            n_neg + _nearest(np.abs(along_pos - mid), n_candidates // 2),
            n_neg + _nearest(along_pos, n_candidates // 2)]))
    v, margins = None, np.empty(n_neg + len(X_pos))
    for round_ in range(max_rounds):
        Za, ya = design(active)
        # each round rises from the soft problem: at a hard penalty, new violators make
        # Newton's method add points to the active set one per step; on the way up, the
        # support vectors are tried as soon as every candidate is on its side
        C, exact, stage = _SOFT_START, None, 0
        # the support vectors of the candidates from their hulls' closest points, checked by
        # the KKT system and the candidates' margins: the rise below only when that fails
        # (the same support vectors give the same KKT solve, bit for bit)
        support, meet = _closest_points(Za, ya)
        if meet:
            # the candidates' hulls meet: the weighted points certify that no hyperplane
            # separates the sides, as _hulls_meet's do (breast cancer: 0.885x the time)
            found = active[support]
            return None, found[found < n_neg], found[found >= n_neg] - n_neg
        if support is not None:
            exact = _kkt_polish(Za, ya, None, support=support)
            if exact is not None and (ya * (Za @ exact)).min() >= 1.0 - 1e-7:
                v = exact
                m = None
                C = None
        while C is not None:
            # settled: only the rows on the margin are read from v (the KKT solve recomputes
            # the optimum from them), not the rounding of its last step (digits: 5 %)
            v, m = _newton_svm(Za, ya, C, v, settled=True)
            hard = _HARD_C * max(1.0, float(v[:-1] @ v[:-1]))
            if m.min() > 0:
                exact = _kkt_polish(Za, ya, m)
                if exact is not None or C >= hard:
                    break
            elif (stage >= _QP_STAGE + (round_ > 0)
                  or np.count_nonzero(m <= 0) > _QP_WRONG * len(m)):
                # points on the wrong side: overlapping sides, most likely, where the rise
                # to a hard penalty costs many Newton steps; the QP decides the
                # candidates, and infeasible there is infeasible everywhere
                sides = active < n_neg
                # first the d + 2 of each side nearest the boundary (a certificate needs
                # at most d + 2 points; 2000 x 56: 4 ms against 20 ms for all candidates)
                near = np.argsort(np.abs(m))
                near_neg, near_pos = near[sides[near]][:d + 2], near[~sides[near]][:d + 2]
                if near_neg.size + near_pos.size < active.size:
                    meet, support = _hulls_meet(Za[near_neg, :-1], Za[near_pos, :-1])
                    if meet:
                        return (None, active[near_neg[support[0]]],
                                active[near_pos[support[1]]] - n_neg)
                    if meet is None and _hard_margin_qp(Za[near_neg, :-1], Za[near_pos, :-1],
                                                        solver) is None:
                        return None, active[near_neg], active[near_pos] - n_neg
                start = (active[sides], active[~sides] - n_neg)
                first = _decided_qp(Za[sides, :-1], Za[~sides, :-1], solver)
                if first is None:
                    return None, *start
                # separable candidates: go on with the QP, from this solution
                return _max_margin(X_neg, X_pos, solver, n_candidates, start=start,
                                   first=first)
            elif C >= hard:
                break
            C, stage = min(C * _C_RISE, 10.0 * hard), stage + 1
        if m is not None and m.min() <= 0:
            break  # separable candidates that the penalty did not separate: the QP route
        w, b = in_input_units(v if exact is None else exact)
        # -(x·w + b) on the negative side, x·w + b on the positive, written in place
        np.matmul(X_neg, w, out=margins[:n_neg])
        margins[:n_neg] += b
        np.negative(margins[:n_neg], out=margins[:n_neg])
        np.matmul(X_pos, w, out=margins[n_neg:])
        margins[n_neg:] += b
        viol = np.flatnonzero(margins < 1.0 - 1e-7)
        if viol.size == 0:
            s = 1.0
            if exact is None:
                s = margins.min()  # separable; v / s is feasible, optimal within 1 - s
                if s < 1.0 - 1e-9:
                    break
                w, b = w / s, float(b / s)
            on = np.flatnonzero(margins < s * (1.0 + 1e-6))
            return (w, b), on[on < n_neg], on[on >= n_neg] - n_neg
        # masks, not set operations (which sort): the rows not yet candidates
        fresh = np.ones(len(margins), dtype=bool)
        fresh[active] = False
        if not fresh[viol].any():
            break
        # the violators and the points just inside the margin band, which the next
        # hyperplane tends to violate: fewer rounds, each a rise from the soft problem
        near = np.flatnonzero((margins < _BAND) & fresh)
        worst = near[np.argsort(margins[near])[:4 * n_candidates]]
        # with the candidates on this hyperplane's margin (its support vectors), not the
        # others: each round's problem then holds the last one's optimum and a violator,
        # so its margin shrinks and no set comes back, and the nonnegative least squares
        # of the next support vectors (which holds the GIL) stays small (blobs 1e5 x 50,
        # Q = 20, first step: ~420 candidates a round instead of up to 2142, 0.25 -> 0.14 s
        # of least squares; the same support vectors at the end, the same hyperplane)
        active = np.union1d(active[margins[active] < 1.0 + 1e-6], worst)
    return _max_margin(X_neg, X_pos, solver, n_candidates)
