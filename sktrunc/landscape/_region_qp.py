"""Activation regions of two-layer ReLU networks and the least squares inside them.

Karhadkar, Murray, Tseran & Montúfar, "Mildly overparameterized ReLU networks
have a favorable loss landscape", Section 3 and Appendix E.2.  A network
``f(x) = Σ_k v_k σ(w_k·x + b_k)`` with fixed output weights ``v`` is, inside the
activation region of a pattern ``A`` (``A_ik = 1`` iff unit ``k`` is active on
``x_i``), linear in ``(w_k, b_k)``: the best fit in the region is a convex QP,
and the region holds a zero-loss global minimum when its optimum interpolates.
This is the one implementation of that QP and of the loop around it
(initialisation → pattern → QP → forward pass → tolerance); the
OverparamInterpolator's region strategy and the Figs 6-8 experiments call it.
"""

from numbers import Integral

import cvxpy as cp
import numpy as np
from joblib import effective_n_jobs
from sklearn.utils._param_validation import Interval, validate_params
from sklearn.utils.parallel import Parallel, delayed

from .._validation import check_cvxpy_solver
from ._patterns import activation_pattern, he_uniform, output_weights

__all__ = ["RegionLeastSquares", "interpolation_tolerance", "solve_sampled_region",
           "search_regions"]


class RegionLeastSquares:
    """The region-constrained least squares (App. E.2) on fixed data.

    ``min_{W, b} Σ_i |Σ_k A_ik (w_k·x_i + b_k) V_k - y_i|²`` subject to
    ``w_k·x_i + b_k ≥ 0`` where ``A_ik = 1`` and ``≤ 0`` where ``A_ik = 0``
    (the closed region).  The pattern enters as a constant: as a
    ``cp.Parameter`` cvxpy's compiled tensor grows like
    ``n_samples × width × n_variables`` and ran out of memory at
    ``n = 200, width = 300``, so each region is compiled afresh.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features)
    Y : ndarray of shape (n_samples, n_outputs)
    V : ndarray of shape (width, n_outputs)
        Fixed output weights.
    solver : str, default="CLARABEL"
        cvxpy solver (OSQP returned wrong optima on these problems in a prototype).

    Examples
    --------
    >>> import numpy as np
    >>> X, Y = np.array([[0.0], [1.0]]), np.array([[0.0], [2.0]])
    >>> coef, intercept = RegionLeastSquares(X, Y, np.ones((1, 1))).solve([[False], [True]])
    >>> np.round(np.maximum(X @ coef + intercept, 0), 6).ravel()
    array([0., 2.])
    """

    def __init__(self, X, Y, V, solver="CLARABEL"):
        self.design = np.column_stack([X, np.ones(len(X))])
        self.Y, self.V, self.solver = Y, V, solver

    def solve(self, A):
        """Best first layer in the closed region of pattern ``A``.

        Returns
        -------
        coef : ndarray of shape (n_features, width) or None
        intercept : ndarray of shape (width,) or None
            None when the solver fails.
        """
        A = np.asarray(A, dtype=np.float64)
        W = cp.Variable((self.design.shape[1], self.V.shape[0]))
        pre = self.design @ W
        problem = cp.Problem(cp.Minimize(cp.sum_squares(cp.multiply(A, pre) @ self.V - self.Y)),
                             [cp.multiply(2.0 * A - 1.0, pre) >= 0])
        try:
            problem.solve(solver=self.solver)
        except cp.error.SolverError:
            return None, None
        except (KeyError, ValueError) as exc:
            # cvxpy's answer to a solver name it does not know or that is not installed
            raise ValueError(f"cvxpy cannot use solver {self.solver!r} ({exc}); installed "
                             f"solvers: {cp.installed_solvers()}.") from exc
        if W.value is None:
            return None, None
        W = np.asarray(W.value)
        return W[:-1], W[-1]


def interpolation_tolerance(Y):
    """Largest residual that still counts as interpolating ``Y``: ``1e-6 max(1, max |y|)``."""
    return 1e-6 * max(1.0, float(np.abs(Y).max(initial=0.0)))


def solve_sampled_region(qp, X, Y, rng):
    """Sample a region by a He-uniform initialisation and solve its QP.

    Parameters
    ----------
    qp : RegionLeastSquares
        The QP on ``(X, Y)`` with its fixed output weights.
    X, Y : ndarray
    rng : numpy Generator

    Returns
    -------
    residual : float
        Max absolute residual of the genuine forward pass of the QP's optimum
        (``inf`` when the solver failed).
    coef, intercept : ndarray or None
    pattern : ndarray of bool of shape (n_samples, width)
    """
    coef0, b0 = he_uniform(rng, X.shape[1], qp.V.shape[0])
    A = activation_pattern(X, coef0, b0)
    coef, intercept = qp.solve(A)
    if coef is None:
        return np.inf, None, None, A
    # decided by the forward pass of the returned network, not by the QP's value
    out = np.maximum(X @ coef + intercept, 0.0) @ qp.V
    return float(np.abs(out - Y).max()), coef, intercept, A


def _try_regions(X, Y, V, seeds, offset, solver, tol):
    """Module-level joblib task: regions of a batch of seeds, stopping at the first hit."""
    qp = RegionLeastSquares(X, Y, V, solver)
    results = []
    for i, seed in enumerate(seeds):
        residual, coef, intercept, A = solve_sampled_region(qp, X, Y,
                                                            np.random.default_rng(seed))
        results.append((offset + i, residual, coef, intercept, A))
        if residual <= tol:
            break
    return results


@validate_params(
    {"X": ["array-like"], "Y": ["array-like"],
     "width": [Interval(Integral, 1, None, closed="left")], "seeds": ["array-like"],
     "solver": [str], "n_jobs": [None, Integral], "verbose": ["verbose"]},
    prefer_skip_nested_validation=True,
)
def search_regions(X, Y, width, seeds, *, solver="CLARABEL", n_jobs=None, verbose=0):
    """Sample activation regions until one holds an interpolating network.

    Each seed draws a He-uniform initialisation; its activation pattern on the
    data defines a region, whose QP (:class:`RegionLeastSquares`) is solved.  A
    region *interpolates* when the forward pass of the returned network fits
    every target to ``1e-6 * max(1, max |y|)`` (points on the closed region's
    boundary are still exact).  The answer is the first interpolating seed in
    order, whatever ``n_jobs``: batches run in parallel and each stops at its
    own first hit.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features)
    Y : ndarray of shape (n_samples, n_outputs)
    width : int
        Hidden units ``d1``.
    seeds : array-like of int
        One per region to try, in order.
    solver : str, default="CLARABEL"
    n_jobs : int, default=None
    verbose : int, default=0
        Print each region's residual (sequential) or joblib's progress (parallel).

    Returns
    -------
    result : dict
        ``coef``, ``intercept`` (first layer), ``output_coef`` (the fixed
        ``V``), ``pattern``, ``loss`` (max residual), ``interpolates``,
        ``n_tried`` (index of the chosen region plus one, or all).

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> X, Y = rng.uniform(-1, 1, (8, 2)), rng.normal(size=(8, 1))
    >>> res = search_regions(X, Y, 12, seeds=range(5))
    >>> bool(res["interpolates"]), res["n_tried"] <= 5
    (True, True)
    """
    X = np.asarray(X, dtype=np.float64)
    Y = np.asarray(Y, dtype=np.float64)
    if Y.ndim == 1:
        Y = Y[:, None]
    if X.ndim != 2 or Y.ndim != 2 or len(X) != len(Y) or len(X) == 0:
        raise ValueError(f"X must be 2-D and Y have one row per row of X; got shapes "
                         f"{X.shape} and {Y.shape}.")
    if not (np.all(np.isfinite(X)) and np.all(np.isfinite(Y))):
        raise ValueError("X and Y must be finite (no NaN or inf).")
    seeds = [int(s) for s in np.atleast_1d(seeds)]
    if not seeds:
        raise ValueError("seeds must hold at least one seed.")
    solver = check_cvxpy_solver(solver)
    V = output_weights(width, Y.shape[1])
    tol = interpolation_tolerance(Y)
    workers = effective_n_jobs(n_jobs)
    if workers == 1 or len(seeds) == 1:
        results = _try_regions(X, Y, V, seeds, 0, solver, tol)
        if verbose:
            for idx, loss, *_ in results:
                print(f"[search_regions] region {idx + 1}/{len(seeds)}: max residual {loss:.3g}")
    else:
        # a few seeds per task: one QP compilation is amortised over the batch
        size = int(np.ceil(len(seeds) / workers))
        batches = [(seeds[i:i + size], i) for i in range(0, len(seeds), size)]
        results = [r for batch in Parallel(n_jobs=n_jobs, verbose=verbose)(
            delayed(_try_regions)(X, Y, V, s, off, solver, tol) for s, off in batches)
            for r in batch]
    hits = [r for r in results if r[1] <= tol]
    best = min(hits, key=lambda r: r[0]) if hits else min(results, key=lambda r: (r[1], r[0]))
    idx, loss, coef, intercept, A = best
    if coef is None:
        coef, intercept = np.zeros((X.shape[1], width)), np.zeros(width)
    return {"coef": coef, "intercept": intercept, "output_coef": V, "pattern": A,
            "loss": loss, "interpolates": bool(hits), "n_tried": idx + 1 if hits else len(seeds)}
