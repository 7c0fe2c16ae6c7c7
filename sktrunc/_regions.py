"""Activation regions of two-layer ReLU networks and the least squares inside them.

Karhadkar, Murray, Tseran & Montúfar, "Mildly overparameterized ReLU networks
have a favorable loss landscape", Section 3 and Appendix E.2.  A network
``f(x) = Σ_k v_k σ(w_k·x + b_k)`` with fixed output weights ``v`` is, inside the
activation region of a pattern ``A`` (``A_ik = 1`` iff unit ``k`` is active on
``x_i``), linear in ``(w_k, b_k)``: the best fit in the region is a convex QP,
and the region holds a zero-loss global minimum when its optimum interpolates.
This is the one implementation of that QP; the OverparamInterpolator's region
strategy calls it.
"""

import cvxpy as cp
import numpy as np
from joblib import effective_n_jobs
from sklearn.utils.parallel import Parallel, delayed

__all__ = ["activation_pattern", "output_weights", "RegionLeastSquares", "search_regions"]


def activation_pattern(X, coef, intercept):
    """``A_ik = 1`` iff hidden unit ``k`` is active (pre-activation > 0) on ``x_i``.

    Examples
    --------
    >>> import numpy as np
    >>> activation_pattern(np.array([[1.0], [-1.0]]), np.array([[1.0, -1.0]]), np.zeros(2))
    array([[ True, False],
           [False,  True]])
    """
    return (np.asarray(X) @ coef + intercept) > 0


def output_weights(width, n_outputs):
    """Fixed output weights: unit ``k`` feeds output ``k mod n_outputs`` with sign ±1.

    Alternating signs as in the paper's experiments, so every output can move
    both ways.
    """
    V = np.zeros((width, n_outputs))
    k = np.arange(width)
    V[k, k % n_outputs] = np.where((k // n_outputs) % 2 == 0, 1.0, -1.0)
    return V


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
        if W.value is None:
            return None, None
        W = np.asarray(W.value)
        return W[:-1], W[-1]


def _he_uniform(rng, m, width):
    limit = np.sqrt(6.0 / m)
    return rng.uniform(-limit, limit, (m, width)), rng.uniform(-limit, limit, width)


def _try_regions(X, Y, V, seeds, offset, solver, tol):
    """Module-level joblib task: regions of a batch of seeds, stopping at the first hit."""
    qp = RegionLeastSquares(X, Y, V, solver)
    results = []
    for i, seed in enumerate(seeds):
        coef0, b0 = _he_uniform(np.random.default_rng(seed), X.shape[1], V.shape[0])
        A = activation_pattern(X, coef0, b0)
        coef, intercept = qp.solve(A)
        if coef is None:
            results.append((offset + i, np.inf, None, None, A))
            continue
        out = np.maximum(X @ coef + intercept, 0.0) @ V
        residual = float(np.abs(out - Y).max())
        results.append((offset + i, residual, coef, intercept, A))
        if residual <= tol:
            break
    return results


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
    V = output_weights(width, Y.shape[1])
    seeds = [int(s) for s in seeds]
    tol = 1e-6 * max(1.0, float(np.abs(Y).max()))
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
