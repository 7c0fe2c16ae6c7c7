"""Two-layer ReLU networks trained to global optimality by a convex program.

Pilanci & Ergen, "Neural networks are convex regularizers" (ICML 2020), and
Mishkin, Sahiner & Pilanci, "Fast convex optimization for two-layer ReLU
networks" (ICML 2022; the ``scnn`` package).  On the activation patterns
``D_i = diag(1[X̃ g_i > 0])`` of sampled gates, ``X̃ = [X 1]``, two convex
programs are available (``program``):

``"gated"`` (default), the gated ReLU program (Mishkin et al. eq. (4)), a group lasso

    min ½ |Σ_i D_i X̃ u_i - y|² + α Σ_i |u_i|,

the weight-decay training problem of a network of gated units
``x ↦ 1[x̃·g_i > 0] (x̃·u_i)``, solved by FISTA with restarts (``scnn``'s
R-FISTA) to a certified duality gap; each ``u_i`` is then written as
``v_i - w_i`` with ``v_i, w_i`` in the activation region (cone) of ``D_i``
(the cone decomposition of Mishkin et al., Sec. 5), which gives a ReLU
network equal to the gated model on every training point.

``"relu"``, the convex ReLU program (Pilanci & Ergen eq. (8); Mishkin et al. eq. (5))

    min ½ |Σ_i D_i X̃ (v_i - w_i) - y|² + α Σ_i (|v_i| + |w_i|)
    s.t. (2 D_i - I) X̃ v_i ≥ 0,  (2 D_i - I) X̃ w_i ≥ 0,

whose constraints are the region feasibility of Karhadkar et al., App. E.2;
solved by cvxpy or by an augmented Lagrangian with FISTA inner solves.

Either way a solution is read off as a ReLU network (Pilanci & Ergen,
Theorem 1): each nonzero ``v`` is a unit with incoming weights ``v / sqrt|v|``
and outgoing ``+sqrt|v|``, each ``w`` one with outgoing ``-sqrt|w|``.
Multiple outputs are solved jointly, with one group per (pattern, output) as
in ``scnn``: every unit feeds a single output, except the units ``w = t g_i``
that the cone split of the gated program puts along a pattern's gate, which
are one unit ``σ(x̃·g_i)`` feeding every output (``σ`` is positively
homogeneous: the same function, with at most ``P Q + P`` hidden units instead
of ``2 P Q``).
"""

import warnings
from numbers import Integral, Real

import numpy as np
from sklearn.base import BaseEstimator, RegressorMixin, _fit_context
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted, validate_data

from ._base import _MIN_TEMPERATURE, BaseConstructedClassifier, ConstructedNetworkMixin
from ._geometry import data_scale, rank_tolerance
from ._network import ReLUNetwork
from .landscape._sampling import sample_activation_patterns

__all__ = ["ConvexReLURegressor", "ConvexReLUClassifier"]

# ---------------------------------------------------------------------------
# the convex program, on a design Xt = [Z 1] (N, m), patterns D (N, P), targets Y (N, Q)
# Weights U have shape (m, 2, P, Q): U[:, 0] are the v_i, U[:, 1] the w_i, per output.
# Objective in per-sample units: (1/2N) |r|² + lam Σ |u_j|,  lam = alpha / N.
# ---------------------------------------------------------------------------


def _pre_activations(Xt, U):
    """``Z[n, s, i, q] = x̃_n · U[:, s, i, q]``: one matrix product for every unit."""
    m = Xt.shape[1]
    return (Xt @ U.reshape(m, -1)).reshape((Xt.shape[0],) + U.shape[1:])


def _convex_output(Z, D):
    """``Σ_i D_i X̃ (v_i - w_i)``: the convex model's prediction on the training points."""
    return np.einsum("np,npq->nq", D, Z[:, 0] - Z[:, 1])


def _relu_output(Z):
    """``Σ_i σ(X̃ v_i) - σ(X̃ w_i)``: the read-off network's prediction."""
    R = np.maximum(Z, 0.0)
    return R[:, 0].sum(axis=1) - R[:, 1].sum(axis=1)


def _group_norms(U):
    return np.sqrt(np.einsum("msiq,msiq->siq", U, U))


def _smooth_gradient(Xt, D, S, R, M, overwrite=False):
    """Gradient of ``(1/2N)|r|² - <M, S X̃ u>`` with respect to ``U``.

    ``R`` is the residual of the convex model, ``M ≥ 0`` the (effective)
    multipliers of the cone constraints ``S_i X̃ u ≥ 0``, ``S = 2D - 1``, of
    shape ``(N, 2, P, Q)``; ``overwrite`` reuses its memory.
    """
    N = Xt.shape[0]
    B = M if overwrite else M.copy()
    B *= -S[:, None, :, None]
    DR = D[:, :, None] * (R[:, None, :] / N)
    B[:, 0] += DR
    B[:, 1] -= DR
    return (Xt.T @ B.reshape(N, -1)).reshape((Xt.shape[1],) + M.shape[1:])


def repair_cones(Xt, S, U, max_rounds=10):
    """Project each unit onto the closed cone of its pattern.

    The Euclidean projection of ``u`` onto ``{u' : B u' ≥ 0}``, ``B = S_i X̃``,
    is ``u + B_Jᵀ μ`` with ``μ = argmin_{μ ≥ 0} |B_Jᵀ μ + u|`` (its dual, a
    non-negative least squares with ``m`` equations) once ``J`` holds the rows
    active at the projection; ``J`` starts as the violated rows and grows by the
    rows violated after each projection.  A unit still violating after
    ``max_rounds`` is set to zero.  After the repair every unit satisfies its
    constraints to rounding, so the ReLU network equals the convex model on the
    training points.

    Returns
    -------
    U : ndarray of shape (m, 2, P, Q)
        Repaired copy.
    n_dropped : int
    """
    from scipy.optimize import nnls

    U = U.copy()
    Z = _pre_activations(Xt, U)
    signed = S[:, None, :, None] * Z
    scale = np.abs(Z).max(axis=0)  # per unit
    bad = np.argwhere((signed < -1e-12 * np.maximum(scale, 1e-300)[None]).any(axis=0))
    n_dropped = 0
    for s, i, q in bad:
        u0 = U[:, s, i, q]
        B = Xt * S[:, i, None]
        tol_u = 1e-12 * scale[s, i, q]
        rows = np.flatnonzero(B @ u0 < -tol_u)
        for _ in range(max_rounds):
            BJ = B[rows]
            u = u0 + BJ.T @ nnls(BJ.T, -u0)[0]
            new = np.setdiff1d(np.flatnonzero(B @ u < -tol_u), rows)
            if new.size == 0:
                break
            rows = np.union1d(rows, new)
        else:
            u = np.zeros_like(u0)
            n_dropped += 1
        # rows left a rounding error below zero sit on the hyperplane: both sides agree
        U[:, s, i, q] = u
    return U, n_dropped


def _certificate(Xt, D, S, Y, U, M, lam, refine=True, max_refine=50):
    """Weight-decay objective of the network ``U`` and a lower bound on the optimum.

    The network is read as it predicts: unit ``u`` contributes ``±σ(X̃ u)``
    (Theorem 1 of Pilanci & Ergen), whatever pattern it realises on the
    training points; its objective is ``(1/2N)|f - y|² + lam Σ_j |u_j|``.

    The bound is Fenchel duality for the program over the sampled patterns,
    the polar of ``K_j = {u : S_j X̃ u ≥ 0}`` being ``{-X̃ᵀ S_j μ : μ ≥ 0}``:
    with ``r = f - y``, ``θ = -s r`` is dual feasible when
    ``s ≤ lam / max_j c_j``,
    ``c_j = min_{μ ≥ 0} |±(D_j X̃)ᵀ r / N - X̃ᵀ S_j μ|`` (``+`` for ``v_j``, ``-``
    for ``w_j``), and then ``-(s²/2N)|r|² - (s/N)<r, y>`` is below the optimum.
    ``c_j`` is bounded by the multipliers ``M`` (e.g. the augmented
    Lagrangian's or the conic solver's) and by ``μ = 0``, and where that bound
    exceeds ``lam``, computed exactly by non-negative least squares (largest
    first, at most ``max_refine`` of them: only the largest ``c_j`` matters).
    ``objective - bound`` then bounds the distance of the network's objective
    to the optimum over the sampled patterns (from above: the network may
    even be better, its units not being tied to the sampled patterns).

    Returns
    -------
    objective, lower_bound : float
        In per-sample units (the program divided by ``N``).
    """
    from scipy.optimize import nnls

    N = Xt.shape[0]
    Z = _pre_activations(Xt, U)
    penalty = lam * float(_group_norms(U).sum())
    R = _relu_output(Z) - Y
    rr = float(np.einsum("nq,nq->", R, R))
    objective = 0.5 * rr / N + penalty
    if rr == 0.0:
        return objective, 0.0
    c = _group_norms(_smooth_gradient(Xt, D, S, R, M))
    plain = _smooth_gradient(Xt, D, S, R, np.zeros_like(M), overwrite=True)
    c = np.minimum(c, _group_norms(plain))
    if refine:
        # exact distances of the gradients to the polar cones of the units' regions,
        # worst first; the bound only needs the largest, so stop as soon as the next
        # unrefined value cannot exceed the refined ones (or after max_refine)
        order = np.argsort(c, axis=None)[::-1]
        worst_refined, n_done = 0.0, 0
        for flat in order:
            s, i, q = np.unravel_index(flat, c.shape)
            if c[s, i, q] <= max(lam, worst_refined) or n_done >= max_refine:
                break
            c[s, i, q] = nnls((Xt * S[:, i, None]).T, plain[:, s, i, q])[1]
            worst_refined = max(worst_refined, c[s, i, q])
            n_done += 1
    return objective, _bound_from_c(float(c.max(initial=0.0)), R, Y, lam)


def _group_shrink(U, threshold):
    """Proximal map of ``threshold Σ_j |u_j|``: shrink each unit's weight vector."""
    norms = _group_norms(U)
    factor = np.maximum(1.0 - threshold / np.maximum(norms, 1e-300), 0.0)
    return U * factor[None]


def _spectral_norm_sq(Xt, D, n_iter=30, seed=0):
    """``|A|²`` of ``A = [D_1 X̃, ..., D_P X̃]`` by power iteration (a step size bound)."""
    rng = np.random.default_rng(seed)
    V = rng.standard_normal((Xt.shape[1], D.shape[1])).astype(Xt.dtype, copy=False)
    est = 0.0
    for _ in range(n_iter):
        V /= max(np.linalg.norm(V), 1e-300)
        Av = np.einsum("np,np->n", D, Xt @ V)
        V = Xt.T @ (D * Av[:, None])
        est = float(np.linalg.norm(V))
    return est


_DELTA = 10.0
# n_patterns=None: (pattern, output) groups aimed at
_GROUP_BUDGET = 50
# largest m P for which the Gram matrix of the gated design is formed (128 MB)
_GRAM_MAX = 4000
_MIN_PATTERNS = 20
# noise-adaptive penalty of the regressor: lam = _NOISE_C σ sqrt(m / N)
_NOISE_C = 0.4
_MAX_NOISE_ROUNDS = 6
# c of the classifier's penalty c σ sqrt(m / N), σ the linear model's residual
# (_linear_noise_penalty)
_LINEAR_NOISE_C = 0.2
# the gated program runs in the coordinates of the rows' span when the design has more
# than this many columns per row (_fit_program)
_ROWS_SPAN_FROM = 1.0
# a gate whose hyperplane is nearer a training point than this fraction of half its
# pattern's gap is moved to the middle of the gap
_CENTRE_BELOW = 0.01
# the noise-adaptive rounds before the last run on a subsample from this many rows
_SUBSAMPLE_FROM = 50_000
_SUBSAMPLE_ROWS = 20_000
# steps after which a settled objective stops the gated solver whatever its gap
_SETTLED_STEPS = 300
# a fit that would warn is polished by Newton steps on the Gram matrix when Q (m P)³
# is at most _POLISH_MAX³: a Cholesky factorisation of (m P)³/3 multiply-adds a step
# and output (12 ms at m P = 1071), up to _POLISH_STEPS steps an output (1400 columns
# for one output: ~1.6 s at most; ten outputs: 650 columns)
_POLISH_MAX = 1400
# Newton steps of the polish, per output
_POLISH_STEPS = 60
# N * units above which the iterations run in float32
_FLOAT32_SIZE = 20_000


def _unit_layout(D, Q, dtype):
    """Flat ``(N, K)`` layouts of the units' pattern signs, ``K = 2 P Q``.

    Unit ``(s, i, q)`` is column ``(s P + i) Q + q``; ``Ds`` carries the ``±`` of
    ``v`` and ``w`` times ``D_i``, ``Sk`` the signs ``2 D_i - 1``.
    """
    Df = D.astype(dtype)
    Ds = np.repeat(np.concatenate([Df, -Df], axis=1), Q, axis=1)
    Sk = np.repeat(np.concatenate([2 * Df - 1, 2 * Df - 1], axis=1), Q, axis=1)
    return Ds, Sk


def solve_fista_al(Xt, D, Y, lam, *, tol=1e-3, max_iter=2000, inner_max=100,
                   verbose=0):
    """Augmented Lagrangian with FISTA inner solves (the ``scnn`` AL method).

    The cone constraints ``S_i X̃ u ≥ 0`` enter through the penalty
    ``(δ/2) Σ max(λ/δ - S_i X̃ u, 0)²`` (Mishkin et al. 2022, Sec. 4.2);
    FISTA with the step ``1/L`` (``L`` from a power iteration) and
    gradient-mapping restarts minimises the penalised objective plus the group
    norms; after each inner solve the multipliers are updated,
    ``λ ← max(λ - δ S X̃ u, 0)``.

    Every iterate is read as a ReLU network: unit ``u`` contributes
    ``±σ(X̃ u)``, whatever pattern it realises, so no repair is needed.  After
    each multiplier update its weight-decay objective is evaluated by a genuine
    forward pass and a lower bound on the program's optimum is computed from
    its residual and the multipliers (:func:`_certificate`, vectorised over
    the units).  Stops when the relative gap between the best network and the
    best bound is below ``tol`` or after ``max_iter`` FISTA steps.

    Returns
    -------
    U : ndarray of shape (m, 2, P, Q)
        The iterate with the lowest network objective.
    M : ndarray of shape (N, 2, P, Q)
        Effective constraint multipliers at that iterate (per-sample units).
    info : dict
        ``n_iter``, ``objective``, ``lower_bound``, ``gap`` (relative).
    """
    N, m = Xt.shape
    P, Q = D.shape[1], Y.shape[1]
    K = 2 * P * Q
    Df = D.astype(np.float64)
    L_data = 2.0 * _spectral_norm_sq(Xt, Df) / N * 1.05
    sx2 = float(np.linalg.norm(Xt, 2)) ** 2
    # penalty curvature 10x the data term's: weaker penalties left the multipliers
    # far from converged, stronger ones slowed FISTA down
    delta = _DELTA * L_data / sx2
    # a fixed step 1/L: backtracking took 20% fewer steps at twice the cost per step
    L = L_data + delta * sx2

    # large problems iterate in float32: the (N, K) passes are memory-bound; the
    # returned network is evaluated and certified in float64
    work = np.float32 if N * K > _FLOAT32_SIZE else np.float64
    Xw, Yw = Xt.astype(work), Y.astype(work)
    Ds, Sk = _unit_layout(D, Q, work)
    neg_dS = (-delta * Sk).astype(work)
    Sel = np.tile(np.eye(Q, dtype=work), (2 * P, 1))  # sums the units of each output
    Ds3 = Ds.reshape(N, 2 * P, Q)

    def smooth(Uf, Lam):
        """Gradient of (1/2N)|r|² + (δ/2) Σ max(λ/δ - S X̃ u, 0)²."""
        Zf = Xw @ Uf.astype(work)
        R = (Ds * Zf) @ Sel
        R -= Yw
        R /= N
        Mf = Zf
        Mf *= neg_dS
        Mf += Lam
        np.maximum(Mf, 0.0, out=Mf)
        Mf *= Sk
        B = (Ds3 * R[:, None, :]).reshape(N, K)
        B -= Mf
        return (Xw.T @ B).astype(np.float64)

    def certify(Uf, Lam):
        """Network objective and lower bound (per-sample units) at ``Uf``."""
        Zf = Xw @ Uf.astype(work)
        signs = np.repeat(np.r_[np.ones(P), -np.ones(P)], Q).astype(work)
        F = (np.maximum(Zf, 0.0) * signs) @ Sel
        R = (F - Yw).astype(np.float64)
        Mf = Zf
        Mf *= neg_dS
        Mf += Lam
        np.maximum(Mf, 0.0, out=Mf)
        objective = 0.5 * float(np.einsum("nq,nq->", R, R)) / N + lam * float(
            np.sqrt(np.einsum("mk,mk->k", Uf, Uf)).sum())
        bound = _dual_bound(Xw, Ds3, Sk, R, Yw, Mf, lam)
        return objective, bound, Mf

    def shrink(Uf, threshold):
        norms = np.sqrt(np.einsum("mk,mk->k", Uf, Uf))
        return Uf * np.maximum(1.0 - threshold / np.maximum(norms, 1e-300), 0.0)

    Uf = np.zeros((m, K))
    Lam = np.zeros((N, K), dtype=work)
    zero_obj = 0.5 * float(np.einsum("nq,nq->", Y, Y)) / N
    best_U, best_obj, best_bound, best_M = Uf, zero_obj, -np.inf, Lam
    n_iter = 0
    while n_iter < max_iter:
        V, t, inner = Uf.copy(), 1.0, 0
        while n_iter < max_iter and inner < inner_max:
            grad = smooth(V, Lam)
            U_new = shrink(V - grad / L, lam / L)
            t_new = 0.5 * (1.0 + np.sqrt(1.0 + 4.0 * t * t))
            step = U_new - Uf
            # gradient-mapping restart (O'Donoghue & Candès), as scnn's FISTA
            if np.vdot(V - U_new, step) > 0:
                t_new, V = 1.0, U_new.copy()
            else:
                V = U_new + ((t - 1.0) / t_new) * step
            move = float(np.sqrt(np.vdot(step, step)))
            Uf, t = U_new, t_new
            n_iter += 1
            inner += 1
            if move <= 1e-3 * tol * max(float(np.sqrt(np.vdot(Uf, Uf))), 1e-12):
                break
        objective, bound, Mf = certify(Uf, Lam)
        Lam = Mf  # the multiplier update: max(λ - δ S X̃ u, 0)
        if objective < best_obj:
            best_U, best_obj, best_M = Uf, objective, Mf
        best_bound = max(best_bound, bound)
        gap = (best_obj - best_bound) / max(abs(best_obj), 1e-300)
        if verbose:
            print(f"[ConvexReLU] FISTA step {n_iter}: objective {objective:.6g}, bound "
                  f"{bound:.6g}, relative gap {gap:.2e}")
        if gap <= tol:
            break
    return best_U.reshape(m, 2, P, Q), best_M.reshape(N, 2, P, Q).astype(np.float64), {
        "n_iter": n_iter, "objective": best_obj, "lower_bound": best_bound,
        "gap": (best_obj - best_bound) / max(abs(best_obj), 1e-300)}


def _dual_bound(Xw, Ds3, Sk, R, Y, M, lam):
    """Lower bound on the program's optimum from a residual ``R`` and multipliers ``M ≥ 0``.

    ``θ = -s R`` is dual feasible when ``s c_j ≤ lam`` for every unit ``j``,
    ``c_j = |Π_{K_j}(g_j)|`` the part of the loss gradient
    ``g_j = ±(D_j X̃)ᵀ R / N`` inside the unit's cone (Moreau: the distance of
    ``g_j`` to the polar cone ``{-X̃ᵀ S_j μ : μ ≥ 0}``), bounded here by
    ``min(|g_j|, |g_j - X̃ᵀ S_j M_j|)``; the dual value is
    ``-(s²/2N)|R|² - (s/N)<R, Y>``, maximised over such ``s``.
    """
    N = R.shape[0]
    K = Sk.shape[1]
    B = (Ds3 * (R / N).astype(Ds3.dtype)[:, None, :]).reshape(N, K)
    plain = Xw.T @ B
    B -= Sk * M
    with_m = Xw.T @ B
    c = np.minimum(np.sqrt(np.einsum("mk,mk->k", plain, plain, dtype=np.float64)),
                   np.sqrt(np.einsum("mk,mk->k", with_m, with_m, dtype=np.float64)))
    return _bound_from_c(float(c.max(initial=0.0)), R, Y, lam)


def _bound_from_c(worst, R, Y, lam):
    N = R.shape[0]
    return _bound_from_stats(worst, float(np.einsum("nq,nq->", R, R)) / N,
                             float(np.einsum("nq,nq->", R, Y, dtype=np.float64)) / N, lam)


def _bound_from_stats(worst, rr, ry, lam):
    """Dual value at ``θ = -s r``, ``s`` best under ``s worst ≤ lam``; ``rr = |r|²/N``,
    ``ry = <r, y>/N`` (per-sample units)."""
    if rr <= 0.0:
        return 0.0
    s = -ry / rr
    if worst > 0:
        s = min(s, lam / worst)
    s = max(s, 0.0)
    return -0.5 * s * s * rr - s * ry


def _bounds_per_output(worst, rr, ry, lam):
    """:func:`_bound_from_stats` for each output: arrays ``(Q,)`` in, ``(Q,)`` out.

    The gated program is separable over the outputs (every group belongs to
    one output), so is its dual: each output's residual gets its own scale
    ``s_q`` under its own groups' ``worst``, and the sum of the outputs'
    dual values bounds the optimum.  One scale for all outputs is held back
    by the worst output (digits, ten outputs: the gap certified at step 65
    0.049 against 0.089).
    """
    return np.array([_bound_from_stats(float(w), float(a), float(c), lam)
                     for w, a, c in zip(worst, rr, ry)])


def _gated_dual_bound(R, Y, C, lam):
    """Group-lasso dual value at ``θ_q = -s_q R_q``, feasible when
    ``s_q max_j |A_jᵀ R_q|/N ≤ lam`` over the groups ``j`` of output ``q``.

    ``C`` holds ``A_jᵀ R_q / N`` for every group (column ``j Q + q``), ``R``
    the residual ``f - y``; the dual of ``min (1/2N)|A u - y|² + lam Σ_j |u_j|``
    is ``max (1/N)(<θ, y> - ½|θ|²)`` over ``|A_jᵀ θ| ≤ N lam``, a sum over the
    outputs (:func:`_bounds_per_output`).
    """
    N, Q = R.shape
    R = R.astype(np.float64, copy=False)
    worst = np.sqrt(np.einsum("mk,mk->k", C, C, dtype=np.float64)).reshape(-1, Q).max(
        axis=0, initial=0.0)
    return float(_bounds_per_output(worst, np.einsum("nq,nq->q", R, R) / N,
                                    np.einsum("nq,nq->q", R, Y) / N, lam).sum())


def _pattern_products(Xt, Df, R):
    """``(D_i X̃)ᵀ R_q`` for every pattern ``i`` and output ``q``, column ``i Q + q``.

    One product per output: the ``(N, P, Q)`` broadcast of every pattern
    against every output would be ``Q`` times the memory traffic.
    """
    m, P, Q = Xt.shape[1], Df.shape[1], R.shape[1]
    C = np.empty((m, P, Q))
    for q in range(Q):
        C[:, :, q] = Xt.T @ (Df * R[:, q:q + 1])
    return C.reshape(m, P * Q)


def _cells(D):
    """The distinct activation vectors (cells of the gates' arrangement) of the rows.

    Returns ``E`` (C, P) bool, the cell of each row (N,), the rows per cell,
    the rows sorted by cell and a dict where :func:`_cell_sums` keeps ``X̃``
    sorted by cell.
    """
    packed = np.ascontiguousarray(np.packbits(D, axis=1))
    keys = packed.view(np.dtype((np.void, packed.shape[1]))).ravel()
    _, first, inverse, counts = np.unique(keys, return_index=True, return_inverse=True,
                                          return_counts=True)
    inverse = inverse.ravel()
    # the last element keeps the rows of X̃ sorted by cell (see _cell_sums)
    return D[first], inverse, counts, np.argsort(inverse, kind="stable"), {}


def _shared_cells(D):
    """:func:`_cells` when the rows share them (at most ``N / 2`` cells), else ``None``:
    only then are the gathers and sorts of the cell sums worth it."""
    cells = _cells(D)
    return cells if len(cells[0]) <= D.shape[0] / 2 else None


def _gram(Xt, D, Y, chunk=4096, cells=None, AtY=None, dtype=None, by_pairs=None):
    """``AᵀA / N`` and ``AᵀY / N`` of ``A = [D_1 X̃, ..., D_P X̃]`` (columns pattern-major).

    ``cells``: the rows' activation vectors grouped (:func:`_cells`), ``AtY`` the
    products ``(D_i X̃)ᵀ Y`` when known (:func:`_design_products`); without cells,
    ``by_pairs`` forces (or not) one product per pair of patterns over their common
    active rows instead of one symmetric product of ``A`` (``None``: by a cost
    estimate).  Rows of one
    cell share their pattern vector ``e_c``, so ``AᵀA = Σ_c (e_c e_cᵀ) ⊗ S_c`` with
    the cell's moment ``S_c = Σ_{n ∈ c} x̃_n x̃_nᵀ``: ``N m² + C P² m² / 2``
    multiply-adds instead of ``N P² m²``, the same sums in another order (clustered
    data at 1e5 rows: 1,100 cells for 21 gates, 9,800 for 51).
    """
    N, m = Xt.shape
    P, Q = D.shape[1], Y.shape[1]
    # large N: each chunk's product in float32 (relative rounding ~1e-6 of a 4096-row
    # sum, half the time of float64), the sum over chunks in float64; the solver's
    # stopping test is redone in float64 on the data anyway
    if dtype is None:
        dtype = np.float32 if N >= 20_000 else np.float64
    Db = np.asarray(D, dtype=bool)
    Pm = P * m
    # seconds, roughly: a symmetric product of A at ~3e10 multiply-adds a second, or a
    # product per pair of patterns over the rows active in both (a quarter of the
    # multiply-adds for patterns active on half the rows, at half the rate, plus
    # ~10 µs a product)
    if by_pairs is None:
        by_pairs = (-(-N // chunk) * P * (P + 1) / 2 * 1e-5 + N * Pm * Pm / 8 / 1.5e10
                    < N * Pm * Pm / 2 / 3e10)
    if cells is None and not by_pairs:
        # one product per chunk (numpy takes Aᵀ A as a symmetric rank-k update), summed
        # in float64 over the chunks
        H, b = 0.0, 0.0
        Dw = D.astype(dtype)
        for start in range(0, N, chunk):
            rows = slice(start, start + chunk)
            A = (Dw[rows, :, None] * Xt[rows, None, :].astype(dtype)).reshape(-1, Pm)
            AtA, AtY_c = A.T @ A, A.T @ Y[rows].astype(dtype)
            if start == 0:
                H, b = AtA, AtY_c
            else:
                H = H + AtA.astype(np.float64)
                b = b + AtY_c.astype(np.float64)
        H /= N
        return H, np.asarray(b, dtype=np.float64) / N
    if cells is None:
        # block (i, j) is X̃ᵀ diag(d_i d_j) X̃: one product over the rows active in both
        # patterns, for j >= i (the rest by symmetry; digits: 10 ms against 28 ms for
        # the symmetric product); chunks of rows summed in float64
        H = np.zeros((P, m, P, m), dtype=np.float64 if N > chunk else dtype)
        # an all-active pattern's blocks are the other patterns' diagonal blocks (the
        # same rows, the same products): not formed twice (digits: 20 of 231 products,
        # the largest)
        full = Db.all(axis=0)

        def add(i, j, Xs):  # one chunk: the product written in place, else summed
            if N <= chunk:
                np.matmul(Xs.T, Xs, out=H[i, :, j, :])
            else:
                H[i, :, j, :] += Xs.T @ Xs

        for start in range(0, N, chunk):
            rows = slice(start, start + chunk)
            Xw, Dc = Xt[rows].astype(dtype), Db[rows]
            for i in range(P):
                Xi, Di = Xw[Dc[:, i]], Dc[Dc[:, i]]
                add(i, i, Xi)
                for j in range(i + 1, P):
                    if not (full[i] or full[j]):
                        # gathered by index (digits: 8 ms in all against 10 ms by mask)
                        add(i, j, Xi.take(np.flatnonzero(Di[:, j]), axis=0))
        for i in range(P):
            for j in range(i + 1, P):
                if full[i] or full[j]:
                    H[i, :, j, :] = H[j, :, j, :] if full[i] else H[i, :, i, :]
                H[j, :, i, :] = H[i, :, j, :].T
        H = H.reshape(P * m, P * m)
        H /= N
        if AtY is None:
            AtY = _design_products(Xt, Db, Y)
        return H, AtY.reshape(m, P, Q).transpose(1, 0, 2).reshape(P * m, Q) / N
    E = cells[0]
    # the cells' moments (float64)
    S = _cell_sums(Xt, Xt, cells).reshape(len(E), m * m)
    Ew = E.astype(dtype)
    Sw = S.astype(dtype)
    H = np.zeros((P, m, P, m))
    for i in range(P):
        # blocks (i, j >= i): Σ_c e_ci e_cj S_c
        blk = (Ew[:, i:] * Ew[:, i:i + 1]).T @ Sw
        H[i, :, i:, :] = blk.reshape(P - i, m, m).transpose(1, 0, 2)
        H[i, :, i, :] *= 0.5  # the diagonal blocks come back with the transpose
    H = H.reshape(P * m, P * m)
    H += H.T
    if AtY is None:
        AtY = _design_products(Xt, E[cells[1]], Y, cells)
    # (m, P Q) -> (P m, Q), the Gram's column order
    b = AtY.reshape(m, P, Q).transpose(1, 0, 2).reshape(P * m, Q)
    return H / N, b / N


def _cell_sums(Xt, V, cells):
    """``Σ_{n ∈ c} x̃_n v_nᵀ`` for every cell ``c``, shape (C, m, k), in float64.

    Rows are visited sorted by cell.  Cells of 32 rows or more on average: one
    product ``X̃_cᵀ V_c`` per cell.  Smaller ones: the rows' outer products in
    chunks that stay in cache, each chunk reducing its runs of equal cells
    (``np.add.reduceat``; a cell split between two chunks is summed twice).
    """
    E, inverse, counts, order, memo = cells
    N, m = Xt.shape
    k = V.shape[1]
    out = np.zeros((len(E), m * k))
    if N >= 32 * len(E):
        if memo.get("X") is not Xt:  # the same design in every call of a fit
            memo["X"], memo["Xs"] = Xt, Xt[order]
        Xs, Vs = memo["Xs"], (memo["Xs"] if V is Xt else V[order])
        ends = np.cumsum(counts)
        for c, (a, b) in enumerate(zip(ends - counts, ends)):
            out[c] = (Xs[a:b].T @ Vs[a:b]).ravel()
        return out.reshape(len(E), m, k)
    chunk = max(64, (4 << 20) // (8 * m * k))  # products that stay in cache (~4 MB)
    for start in range(0, N, chunk):
        idx = order[start:start + chunk]
        cell = inverse[idx]
        runs = np.flatnonzero(np.r_[True, cell[1:] != cell[:-1]])
        out[cell[runs]] += np.add.reduceat(
            (Xt[idx][:, :, None] * V[idx][:, None, :]).reshape(len(idx), m * k), runs,
            axis=0)
    return out.reshape(len(E), m, k)


def _gram_curvature(H, n_iter=6, block=8, seed=0):
    """Largest eigenvalue of the Gram matrix, estimated from below by a few steps of
    block power iteration (a start for the backtracking, which also takes steps for
    a larger curvature).  Digits' 1302 x 1302 float32 Gram: 0.45 ms a product with
    eight vectors (numpy packs the whole matrix), 0.075 ms with one; ten Lanczos
    steps of one vector find the eigenvalue itself in 0.8 ms against ~3 ms here, but
    the larger start changes every step size and two of digits' 1797 held-out
    predictions, so the estimate is kept as it was."""
    V = np.random.default_rng(seed).standard_normal((len(H), block)).astype(H.dtype)
    est = 0.0
    for _ in range(n_iter):
        V /= np.maximum(np.linalg.norm(V, axis=0), 1e-300)
        V = H @ V
        est = float(np.linalg.norm(V, axis=0).max())
        if est == 0.0:
            break
    return est


def _has_settled(decrease, objective, gap, tol, settle_tol, certify=True):
    """Whether the objective has settled: its decrease over the last ten steps is at
    most ``settle_tol |objective|``, or twice that once the certified relative gap is
    within ``5 tol``, half the warning level: the tighter the certificate, the less
    there is to gain by waiting for the objective (digits, ten outputs: 70 steps
    instead of 85, the gap certified at the stop 0.041 against 0.045, 5-fold accuracy
    unchanged; a leniency of up to ``10 tol / gap`` stopped diabetes' noise-adaptive
    fits early enough to move their 5-fold R² by 0.004).  A rough solve
    (``certify=False``) waits for ``settle_tol``; ``settle_tol=0`` never settles."""
    lenient = 2.0 if certify and gap <= 5.0 * tol else 1.0
    return settle_tol > 0 and decrease <= lenient * settle_tol * abs(objective)


def _polish_gated_newton(H, b, U, lam, yq, m, tol, certify, max_steps=_POLISH_STEPS):
    """Newton steps on the Gram form of the gated program, from FISTA's point ``U``.

    ``H`` (P m, P m) and ``b`` (P m, Q) are the Gram matrix ``AᵀA/N`` and
    ``AᵀY/N``, ``U`` (P m, Q) in the Gram's layout, ``yq`` ``|y_q|²/N``.  Each
    output's program ``½uᵀHu - bᵀu + ½|y_q|²/N + lam Σ_i |u_i|`` (eq. (4) of
    Mishkin et al., per-sample units) is quadratic but for the group norms,
    whose kink at zero stalls plain Newton steps: a group on its way to zero
    takes the curvature ``lam/|u_i|`` along and the steps shrink (the 1e5 blobs
    regressor: 0.00128 against the optimum 0.0012543, which has three of 51
    groups at zero).  So the norm is smoothed, ``|u_i| ≈ (|u_i|² + eps²)^½``,
    with eps shrinking tenfold a stage from ``1e-2`` of the largest group norm
    (a continuation): damped Newton steps on the smoothed program, backtracked
    on its value (Armijo), until the Newton decrement is below ``1e-6`` of the
    value; after each stage ``certify(U)`` (the float64 objective and dual
    bound from the data) ends the polish once the relative gap between the
    best point and the best bound so far is within ``tol / 2``, or ``max_steps``
    steps an output have been taken, or eps is below ``1e-8`` of the scale.
    Groups left within ``eps`` of zero are zeroed when that does not raise the
    objective.  The Gram matrix may be float32: its rounding limits the polish,
    not the certificate.  1e5 blobs regressor (51 groups of 21): 23 steps, 0.33 s
    (eps from ``3e-3``: 23-39 steps, from ``1e-1``: 21-23; a decrement of
    ``1e-4`` to ``1e-6``: the same steps from ``1e-2``; on 1,000-3,000 blobs
    rows, ``1e-5`` stopped stages early and certified gaps up to 1.2e-2 against
    at most 3.3e-4 at ``1e-6``, in more steps).  Returns the best
    point ``U`` (P m, Q) and ``(objective, bound)``, both float64 from the data.
    """
    from scipy.linalg import LinAlgError, cho_factor, cho_solve

    H = np.asarray(H, dtype=np.float64)
    Pm, Q = U.shape
    P = Pm // m
    U = np.array(U, dtype=np.float64)
    B = np.asarray(b, dtype=np.float64)
    diag, eye = np.arange(P), np.eye(m)
    Hs = np.empty_like(H)

    def norms2(u):
        g = u.reshape(P, m)
        return np.einsum("pm,pm->p", g, g)

    def value(u, q, eps=0.0):  # the program of output q (smoothed by eps)
        return 0.5 * float(u @ (H @ u)) - float(u @ B[:, q]) + 0.5 * float(yq[q]) + (
            lam * float(np.sqrt(norms2(u) + eps * eps).sum()))

    scale = np.sqrt([norms2(U[:, q]).max() for q in range(Q)])
    eps, steps = 1e-2 * scale, np.zeros(Q, dtype=int)
    best, bound = None, -np.inf  # the best point certified, the best bound of any
    while True:
        # an output is polished until its steps run out or eps reaches 1e-8 of its scale
        live = (steps < max_steps) & (scale > 0) & (eps >= 1e-8 * scale)
        if not live.any():
            break
        for q in np.flatnonzero(live):
            u = U[:, q]
            while steps[q] < max_steps:
                g = u.reshape(P, m)
                s = np.sqrt(norms2(u) + eps[q] ** 2)
                grad = H @ u - B[:, q] + (lam * g / s[:, None]).ravel()
                # the smoothed norm's Hessian lam (I - g gᵀ/s²) / s, block by block, in
                # one buffer factorised in place (25 -> 14 ms at 1071 columns)
                blocks = (lam / s)[:, None, None] * (
                    eye - g[:, :, None] * g[:, None, :] / (s * s)[:, None, None])
                np.copyto(Hs, H)
                Hs.reshape(P, m, P, m)[diag, :, diag, :] += blocks
                try:
                    d = -cho_solve(cho_factor(Hs, overwrite_a=True, check_finite=False), grad,
                                   check_finite=False)
                except LinAlgError:  # a float32 Gram may be indefinite by rounding
                    np.copyto(Hs, H)
                    Hs.reshape(P, m, P, m)[diag, :, diag, :] += blocks
                    d = -np.linalg.lstsq(Hs, grad, rcond=None)[0]
                steps[q] += 1
                f, slope, t = value(u, q, eps[q]), float(grad @ d), 1.0
                if not -slope > 1e-6 * abs(f):
                    break
                while value(u + t * d, q, eps[q]) > f + 1e-4 * t * slope and t > 1e-8:
                    t *= 0.5
                u = u + t * d
            # groups the smoothing left within eps of zero are zero at the optimum
            small = norms2(u) <= eps[q] ** 2
            if small.any():
                v = u.copy()
                v.reshape(P, m)[small] = 0.0
                if value(v, q) <= value(u, q):
                    u = v
            U[:, q] = u
        # any residual's dual value bounds the optimum: the best point and the best
        # bound over the stages (on a float32 Gram the bound of the last stage is not
        # always the best: its rounding, ~1e-7 of |u|, is felt by the tiny groups)
        objective, at = certify(U)
        bound = max(bound, at)
        if best is None or objective < best[0]:
            best = (objective, U.copy())
        if best[0] - bound <= 0.5 * tol * abs(best[0]):
            break
        eps = 0.1 * eps
    if best is None:
        objective, bound = certify(U)
        best = (objective, U)
    return best[1], (best[0], bound)


def solve_gated_fista(Xt, D, Y, lam, *, tol=1e-3, max_iter=1000, check_every=5, U0=None,
                      gram=None, settle_tol=None, cache=None, certify=True, resume=False,
                      polish=False, verbose=0):
    """The gated ReLU program by FISTA with restarts (``scnn``'s R-FISTA).

    ``min_u (1/2N)|Σ_i D_i X̃ u_i - y|² + lam Σ_i |u_i|`` (Mishkin, Sahiner &
    Pilanci 2022, eq. (4); one group per pattern and output), a group lasso
    with design ``A = [D_1 X̃, ..., D_P X̃]``.  Starts from ``U0`` or from zero,
    steps ``1/L`` backtracked (Beck & Teboulle 2009) from the estimate ``L`` of
    ``|A|²/N`` of a power iteration (after a warm start: from the step size
    the previous call on ``cache`` ended with, else ``L/8``), restarts
    the momentum when the step
    goes uphill (O'Donoghue & Candès), and evaluates a dual bound, output by
    output, every ``check_every`` extrapolated points (:func:`_gated_dual_bound`,
    free: the gradient there is the step's).  Every ``check_every`` steps it
    stops when the relative duality gap is below ``tol``, or when the
    objective has settled (:func:`_has_settled`: it decreased by less than
    ``settle_tol``, relative, default ``tol / 10``, over the last ten steps, or
    by less than twice that once the gap is within ``5 tol``; at least 30 steps
    into a certified call) and the gap is within ``10 tol`` (or
    ``_SETTLED_STEPS`` = 300 steps have been taken: the caller then warns).
    The dual bound of this group lasso lags the objective by hundreds of
    steps after the predictions stop changing (digits, ten outputs: the
    objective 0.15% above its optimum at step 80, the gap certified there
    0.03), so the gap is reported, not awaited; ``settle_tol=0`` waits for it.
    ``certify=False`` skips the float64 pass over the data at the stop (a
    rough solve that is only a warm start; the returned ``lower_bound`` is
    then ``-inf`` unless computed in float64).

    Each step costs two passes over ``A`` (``2 N m P Q`` multiply-adds, the
    prediction of the new point and the gradient at the extrapolated one:
    predictions are linear in ``U`` and follow the momentum), in float32 once
    ``N P Q > 20 000``.  When that is dearer than forming the Gram matrix
    ``AᵀA/N`` once and stepping with it (``(m P)² Q`` a step, independent of
    ``N``), the Gram matrix is formed: by one symmetric product per chunk of
    rows (``N (m P)²``, float32 with the passes), or, when the rows share few
    activation vectors (clustered data), from the cells' moments
    (:func:`_gram`, ``N m² + C (m P)² / 2``).  In every case the stopping
    test is redone in float64 from the data (through the cells when they
    are shared, :func:`gated_certificate`) before it is trusted.  ``gram``:
    force (``True``/``False``) or leave to that cost estimate (``None``).
    ``cache`` (a dict) keeps the cells, the Gram matrix and the curvature
    across calls on the same design and targets, the step size a call ended
    with (a warm start's first step) and its momentum.  ``resume=True`` with
    ``U0`` the array the previous call on this ``cache`` returned (its last
    iterate) continues that call's momentum, at the new ``lam``, instead of
    restarting it: the noise-adaptive rounds change the penalty by a few
    percent, and each restart cost the next round the steps that build the
    momentum up again (breast cancer regressor: 170 steps in three rounds
    against 110; the certificate is the gap at the final ``lam``, whatever
    the path).  ``polish=True``: a certified call that would end with the gap
    above ``10 tol`` (the fit would warn) on the Gram path (``Q (m P)³`` up to
    ``_POLISH_MAX³``) finishes with Newton steps on the Gram matrix
    (:func:`_polish_gated_newton`), certified in float64 on the data.

    Returns
    -------
    U : ndarray of shape (m, P, Q)
    info : dict
        ``n_iter``, ``objective``, ``lower_bound`` (the best dual value
        evaluated in float64 from the data, a rigorous bound), ``gap``
        (relative), all in per-sample units, and ``float64``: whether
        ``objective`` was evaluated in float64 on the data.
    """
    N, m = Xt.shape
    P, Q = D.shape[1], Y.shape[1]
    Df = D.astype(np.float64)
    Pm = P * m
    settle_tol = 0.1 * tol if settle_tol is None else settle_tol
    # float32 once the (N, P Q) passes dominate: they are memory-bound
    work = np.float32 if N * P * Q > _FLOAT32_SIZE else np.float64
    # ``cache``: a dict kept across calls on the same design and targets (the
    # noise-adaptive rounds), holding the Gram matrix and the curvature
    cache = {} if cache is None else cache
    # cost of ~300 steps: Gram against passes over the data; the Gram is built from
    # the cells of the arrangement when the rows share few activation vectors
    # (float32 halves both: the Gram is then built in float32 too)
    direct = 300 * 2 * N * Pm * Q
    build = N * Pm * Pm
    if gram is not False and Pm <= _GRAM_MAX and "H" not in cache:
        if "cells" not in cache:
            cache["cells"] = _shared_cells(D)
        if cache["cells"] is not None:
            build = N * m * m + len(cache["cells"][0]) * Pm * Pm / 2
    use_gram = (Pm <= _GRAM_MAX and ("H" in cache or build + 300 * Q * Pm * Pm < direct)
                if gram is None else gram)
    yq = np.einsum("nq,nq->q", Y, Y) / N
    yy = float(yq.sum())
    if use_gram:
        if "H" not in cache:
            # float32 when the passes over the data would be: each chunk of the plain
            # build is one product at the machine's peak (digits, 10 outputs: 30 ms,
            # then a step costs 0.5 ms against 1.3 ms for the two passes)
            H, cache["b"] = _gram(Xt, Df, Y, cells=cache.get("cells"), AtY=cache.get("AtY"),
                                  dtype=np.float32 if work is np.float32 else None)
            cache["H"] = H.astype(work, copy=False)  # each step's product in the working precision
            cache["L_gram"] = _gram_curvature(cache["H"])
        H, b, L = cache["H"], cache["b"], cache["L_gram"]
    else:
        # a start for the backtracking, not a safe step: 10 power steps on a sample of
        # rows (the curvature per sample), reused across the noise-adaptive rounds
        Xw, Yw, Dw = Xt.astype(work), Y.astype(work), Df.astype(work)
        if "L" not in cache:
            # in the working precision (breast cancer: 0.5 ms against 1.2 ms in float64)
            rows = slice(None, None, max(N // 5000, 1))
            cache["L"] = _spectral_norm_sq(Xw[rows], Dw[rows], n_iter=10) / len(Xw[rows])
        L = cache["L"]
    # The iterate is kept in the layout its products take: (P m, Q), the Gram's
    # column order, on the Gram path, (m, P Q) on the data path (no transposes in the
    # step loop).  ``groups`` views it as (A, m, B) with a group per (a, b): the
    # groups' order, a B + b, is pattern-major, i Q + q, in both.
    if use_gram:

        def groups(U):
            return U.reshape(P, m, Q)

        def image(U):  # in the Gram's precision (a float64 U would upcast all of H)
            return (H @ U.astype(H.dtype, copy=False)).astype(np.float64, copy=False)

        def value(U, HU):  # ½|r|²/N
            ub = float(np.einsum("kq,kq->", U, b))
            return 0.5 * max(float(np.einsum("kq,kq->", U, HU)) - 2.0 * ub + yy, 0.0)

        def per_output(U, HU):  # |r_q|²/N and <r_q, y_q>/N for each output
            ub = np.einsum("kq,kq->q", U, b)
            return np.maximum(np.einsum("kq,kq->q", U, HU) - 2.0 * ub + yq, 0.0), ub - yq

        def gradient(HU):
            return HU - b
    else:
        # one output: the products in the rows' order, (P, m) @ (m, N) and (m, N) @
        # (N, P), whose reductions run along contiguous rows (breast cancer: ~2 µs less
        # each); the gradient's factor takes 1/N (one pass less a step)
        XwT, XgT = np.ascontiguousarray(Xw.T), np.ascontiguousarray(Xw.T * work(1.0 / N))
        DwT = np.ascontiguousarray(Dw.T)

        def groups(U):  # one group per column: the norms (B,) broadcast over the rows
            return U

        # small problems are bound by numpy's per-call overhead (breast cancer, 569 x 31,
        # 51 patterns: ~25 numpy calls a step beside two 20-30 µs products): the data
        # path carries the residual F - y, which is affine in U and follows the
        # momentum as the image does, so that the loss and the gradient start from it
        def image(U):
            if Q == 1:
                F = np.einsum("pn,pn->n", DwT, U.T.astype(work) @ XwT)[:, None]
            else:
                F = np.einsum("np,npq->nq", Dw, (Xw @ U.astype(work, copy=False)).reshape(
                    N, P, Q))
            F -= Yw
            return F

        def value(U, R):  # the sum in float64 (a dot product after one cast)
            R = R.astype(np.float64, copy=False)
            return 0.5 * float(np.vdot(R, R)) / N

        def per_output(U, R):
            R = R.astype(np.float64, copy=False)
            return np.einsum("nq,nq->q", R, R) / N, np.einsum("nq,nq->q", R, Y) / N

        def gradient(R):
            if Q == 1:
                return ((XgT * R.T) @ Dw).astype(np.float64, copy=False)
            return (XgT @ (Dw[:, :, None] * R[:, None, :]).reshape(N, P * Q)).astype(
                np.float64, copy=False)

    def group_norms(U):  # (A, 1, B), to scale groups(U) with; (B,) on the data path
        if not use_gram:
            return np.sqrt(np.einsum("mb,mb->b", U, U))
        g = groups(U)
        return np.sqrt(np.einsum("amb,amb->ab", g, g))[:, None, :]

    def weights(U):  # (m, P, Q), the caller's layout
        return U.reshape(P, m, Q).transpose(1, 0, 2) if use_gram else U.reshape(m, P, Q)

    exact = work is np.float64 and not use_gram

    def penalty(U):
        return lam * float(group_norms(U).sum())

    # no default warm start: ridge on the all-active pattern (the linear model) puts all
    # the weight in one group, and FISTA took 2-5x the steps to spread it (digits, 10
    # outputs: 0.8% above the optimum after 50 steps from zero, 5.5% from ridge)
    if U0 is None:
        Uf = np.zeros((Pm, Q)) if use_gram else np.zeros((m, P * Q))
    elif use_gram:
        Uf = np.ascontiguousarray(U0.reshape(m, P, Q).transpose(1, 0, 2)).reshape(Pm, Q)
    else:
        Uf = U0.reshape(m, P * Q).copy()
    # The step is linear in U: its image (the prediction, or H U on the Gram path) is
    # carried along the momentum instead of recomputed, so a step costs one product
    # forward (two on the data path, with the gradient) and the backtracking test, the
    # objective and a dual bound at the extrapolated point come free.
    if U0 is None:  # the image of zero, without a product (on the data path: -y)
        img_u = np.zeros((Pm, Q)) if use_gram else -Yw
    else:
        img_u = image(Uf)
    f_u = value(Uf, img_u)
    best = (0.5 * yy, np.zeros_like(Uf))
    if f_u + penalty(Uf) < best[0]:
        best = (f_u + penalty(Uf), Uf)
    # ``certified``: the best dual value evaluated in float64 from the data
    V, img_v, t, bound, certified, gap, n_iter = Uf, img_u, 1.0, -np.inf, -np.inf, np.inf, 0
    # the momentum of the previous call, when U0 is its last iterate (the image of a
    # point does not depend on lam: the extrapolated point and its image carry over)
    state = cache.pop("momentum", None)
    if resume and state is not None and U0 is state[0]:
        V, img_v, t = state[1:]
    bound_q = np.full(Q, -np.inf)  # the best dual value of each output's program
    rechecked = False  # best[0] evaluated in float64 on the data
    # the power-iteration constant bounds the curvature; the steps backtrack (Beck &
    # Teboulle 2009) and shrink L by 0.9 a step -- along FISTA's path the curvature that
    # matters is often below |A|²/N, dominated by the patterns' nearly parallel
    # intercept columns.  A warm start's steps start where the previous call on this
    # cache ended (the noise-adaptive rounds: from L/8 each round's first steps were
    # doubled back two or three times), else 8x longer; the first step from zero needs
    # the whole curvature (digits, iris, moons, wine, breast cancer: L/8 was doubled
    # back to L every time, three products for nothing)
    L_max, L = L, (L if U0 is None else cache.get("L_last", L / 8.0))
    history = [best[0]]
    # rounding of the loss values: float32 products, or the Gram's expansion
    # ½(uᵀHu - 2uᵀb + |y|²), whose error scales with |y|², not with the loss (a
    # well-fitted target, loss 1e-3 |y|²: a slack relative to the loss failed the
    # test on rounding, doubled L up to 60 times a step and stalled the solver)
    slack = 1e-6 * max(0.5 * yy, 1e-300) if work is np.float32 or use_gram else 0.0

    while n_iter < max_iter:
        f_v = value(V, img_v)
        grad = gradient(img_v)
        if (n_iter + 1) % check_every == 0 or n_iter + 1 == max_iter:
            # any residual scaled into the dual feasible set bounds the optimum, output
            # by output (the program is separable over them); the best bound of each
            # output over the steps, summed, bounds the whole
            worst = group_norms(grad).reshape(P, Q).max(axis=0)
            np.maximum(bound_q, _bounds_per_output(worst, *per_output(V, img_v), lam),
                       out=bound_q)
            bound = float(bound_q.sum())
        doublings = 0
        while True:
            U_new = V - grad / L
            norms = group_norms(U_new)
            shrunk = np.maximum(norms - lam / L, 0.0)
            groups(U_new)[...] *= shrunk / np.maximum(norms, 1e-300)
            img_new = image(U_new)
            f_new = value(U_new, img_new)
            delta = U_new - V
            quad = f_v + float(np.vdot(grad, delta)) + 0.5 * L * float(np.vdot(delta, delta))
            # no cap: the power iteration's L may be below |A|²/N, and the test holds
            # for every L above it (the 60 doublings only guard against rounding)
            if f_new <= quad + max(slack, 1e-12 * abs(f_v)) or doublings == 60:
                break
            L, doublings = 2.0 * L, doublings + 1
        n_iter += 1
        obj = f_new + lam * float(shrunk.sum())
        if obj < best[0]:
            best, rechecked = (obj, U_new), False
        step = U_new - Uf
        t_new = 0.5 * (1.0 + (1.0 + 4.0 * t * t) ** 0.5)  # a float: keeps float32 images
        if np.vdot(delta, step) < 0 or n_iter % 100 == 0:  # <V - U_new, step> > 0
            # gradient-mapping restart (O'Donoghue & Candès); every 100 steps the image
            # is refreshed so that rounding carried along the momentum does not build up
            t_new, V = 1.0, U_new
            img_u = img_v = image(U_new) if n_iter % 100 == 0 else img_new
        else:
            beta = (t - 1.0) / t_new
            V = U_new + beta * step
            img_v = img_new + beta * (img_new - img_u)
            img_u = img_new
        Uf, t = U_new, t_new
        L = max(0.9 * L, L_max / 1e3)
        history.append(best[0])
        if n_iter % check_every == 0 or n_iter == max_iter:
            if exact:
                certified = bound
            gap = (best[0] - bound) / max(abs(best[0]), 1e-300)
            # A certified solve not before 30 steps: from a warm start the momentum
            # builds up slowly and the first ten steps can move less than that
            # (Friedman #1 at 1e5 rows: a stop after ten steps with the gap at 0.28)
            decrease = (history[-11] if len(history) > (30 if certify else 10) else np.inf
                        ) - best[0]
            settled = _has_settled(decrease, best[0], gap, tol, settle_tol, certify)
            if verbose:
                print(f"[ConvexReLU] FISTA step {n_iter}: objective {obj:.6g}, bound "
                      f"{bound:.6g}, relative gap {gap:.2e}, step 1/{L / L_max:.3f}L")
            # a settled objective stops a certified solve with the gap within the warning
            # level, 10 tol (the settling is a heuristic, the gap is the contract), or
            # after _SETTLED_STEPS steps, when the bound lags for good (the fit warns)
            done = gap <= tol or (settled and (not certify or gap <= 10.0 * tol
                                               or n_iter >= _SETTLED_STEPS))
            if done and not exact and certify:
                # float32 residuals are accurate to ~1e-7 of |y|, the Gram's expansion
                # of |r|² to rounding of |y|²: the test is redone in float64 on the data
                obj64, bound64 = gated_certificate(Xt, D, Y, weights(best[1]), lam,
                                                   cells=cache.get("cells"))
                rechecked = True
                best, certified = (obj64, best[1]), max(certified, bound64)
                gap = (obj64 - certified) / max(abs(obj64), 1e-300)
                settled = _has_settled(decrease, obj64, gap, tol, settle_tol, certify)
                done = gap <= tol or (settled and (gap <= 10.0 * tol
                                                   or n_iter >= _SETTLED_STEPS))
            if done:
                break
    if polish and use_gram and certify and gap > 10.0 * tol and Q * Pm ** 3 <= _POLISH_MAX ** 3:
        # the fit would warn: FISTA is slow on nearly collinear groups (a noise-free
        # target drives the noise-adaptive penalty to ~2e-4 lam_max, where the program
        # is nearly least squares on a Gram matrix of condition ~1e8), the objective
        # as well as the bound; Newton steps on the cached Gram matrix finish the solve
        # (1e5 blobs regressor: 0.00178 -> 0.0012545, gap 0.66 -> 4e-4 in 0.3 s).  The
        # certificate stays the float64 one from the data
        U_pol, (obj64, bound64) = _polish_gated_newton(
            H, b, best[1], lam, yq, m, tol,
            lambda Ug: gated_certificate(Xt, D, Y, weights(Ug), lam,
                                         cells=cache.get("cells")))
        certified = max(certified, bound64)
        if obj64 < best[0]:
            best, rechecked = (obj64, U_pol), True
        gap = (best[0] - certified) / max(abs(best[0]), 1e-300)
        if verbose:
            print(f"[ConvexReLU] Newton polish: objective {best[0]:.6g}, bound "
                  f"{certified:.6g}, relative gap {gap:.2e}")
    U_out = np.ascontiguousarray(weights(best[1]))
    # what a resumed call continues from: the step size, and the momentum if the point
    # returned is the last iterate
    cache["L_last"] = L
    if best[1] is Uf:
        cache["momentum"] = (U_out, V, img_v, t)
    return U_out, {"n_iter": n_iter, "objective": best[0], "lower_bound": certified,
                   "gap": gap, "float64": exact or rechecked}


def _gated_residual(Xt, D, Y, U, cells=None, chunk=8192):
    """``Σ_i D_i X̃ u_i - y`` in float64; through the cells (:func:`_cells`) the
    prediction is ``x̃_n · W_c`` with ``W_c = Σ_i e_ci u_i``: ``C P m Q + N m Q``
    multiply-adds instead of ``N P m Q``."""
    N, m = Xt.shape
    P, Q = D.shape[1], Y.shape[1]
    if cells is None:
        F = np.einsum("np,npq->nq", D.astype(np.float64),
                      (Xt @ U.reshape(m, -1)).reshape(N, P, Q))
    else:
        E, inverse = cells[0], cells[1]
        # W_c = Σ_i e_ci u_i as one product, (C, P) @ (P, m Q)
        W = (E.astype(np.float64) @ U.reshape(m, P, Q).transpose(1, 0, 2).reshape(P, m * Q)
             ).reshape(-1, m, Q)
        F = np.empty((N, Q))
        for start in range(0, N, chunk):
            rows = slice(start, start + chunk)
            F[rows] = np.einsum("nm,nmq->nq", Xt[rows], W[inverse[rows]])
    return F - Y


def _design_products(Xt, D, R, cells=None):
    """``(D_i X̃)ᵀ R_q`` for every pattern and output (column ``i Q + q``), in float64;
    through the cells ``Σ_c e_c ⊗ Σ_{n ∈ c} x̃_n r_n``."""
    if cells is None:
        return _pattern_products(Xt, D.astype(np.float64), R)
    m, P, Q = Xt.shape[1], D.shape[1], R.shape[1]
    M = _cell_sums(Xt, R, cells).reshape(-1, m * Q)
    # Σ_c e_ci M_c as one product, (P, C) @ (C, m Q)
    return (cells[0].T.astype(np.float64) @ M).reshape(P, m, Q).transpose(1, 0, 2).reshape(
        m, P * Q)


def gated_certificate(Xt, D, Y, U, lam, cells=None):
    """Objective of the gated program at ``U`` (m, P, Q) and a dual lower bound (float64).

    ``cells`` (:func:`_cells`): rows of a cell share their pattern vector ``e_c``,
    so the prediction is ``x̃_n · W_c`` with ``W_c = Σ_i e_ci u_i`` and the
    gradient ``Σ_c e_c ⊗ Σ_{n ∈ c} x̃_n r_n``: ``C P m Q + N m Q`` multiply-adds
    instead of ``N P m Q``, the same float64 sums in another order.
    """
    N = Xt.shape[0]
    penalty = lam * float(np.sqrt(np.einsum("mpq,mpq->pq", U, U)).sum())
    R = _gated_residual(Xt, D, Y, U, cells)
    C = _design_products(Xt, D, R / N, cells)
    objective = 0.5 * float(np.einsum("nq,nq->", R, R)) / N + penalty
    return objective, _gated_dual_bound(R, Y, C, lam)


def solve_cvxpy_gated(Xt, D, Y, lam, solver="CLARABEL", verbose=0):
    """The gated program of :func:`solve_gated_fista` by a conic solver through cvxpy.

    Returns ``U`` of shape ``(m, P, Q)`` and the solver's status.
    """
    import cvxpy as cp

    N, m = Xt.shape
    P, Q = D.shape[1], Y.shape[1]
    Drep = np.repeat(D.astype(np.float64), Q, axis=1)
    Sel = np.tile(np.eye(Q), (P, 1))
    U = cp.Variable((m, P * Q))
    pred = cp.multiply(Drep, Xt @ U) @ Sel
    problem = cp.Problem(cp.Minimize(cp.sum_squares(pred - Y) / (2 * N)
                                     + lam * cp.sum(cp.norm(U, 2, axis=0))))
    try:
        problem.solve(solver=solver, verbose=bool(verbose))
    except cp.error.SolverError as exc:
        raise ValueError(f"The cvxpy solver {solver!r} failed on the convex program: {exc}. "
                         "Try solver='fista' or another cvxpy_solver.") from exc
    if U.value is None:
        raise ValueError(f"The cvxpy solver {solver!r} returned no solution (status "
                         f"{problem.status!r}); try solver='fista'.")
    return U.value.reshape(m, P, Q), problem.status


def _centre_gates(Xt, D, gates):
    """Move a gate's hyperplane that nearly touches a training point, along its bias,
    to the middle of its pattern's gap.

    The pattern ``D_i`` is the same for every offset between the largest
    projection ``x̃·g`` of its inactive rows and the smallest of its active ones;
    in the middle, every training point is at least half the gap away from the
    hyperplane.  The cone split moves units along their gates by ``t``, the
    largest violation over a margin, so a point on or next to the hyperplane
    (sampled gates can land there by rounding: digits, pairs of pixels) made ``t``
    huge or infinite.  A pattern whose gap is at rounding level (rows on the
    hyperplane, split by the rounding of the sampler's products) is first
    recomputed from this product, with those rows inactive.
    A gate that would not reproduce its pattern exactly after the move
    (rounding) is kept.

    Returns the patterns and the gates.
    """
    proj = Xt @ gates
    lo = np.where(D, -np.inf, proj).max(axis=0)
    hi = np.where(D, proj, np.inf).min(axis=0)
    # a gap at rounding level of the projections is no gap
    tol = 1e-9 * np.abs(proj).max(axis=0)
    split = lo >= hi - tol
    if split.any():
        D = D.copy()
        D[:, split] = proj[:, split] > tol[split]
        lo = np.where(D, -np.inf, proj).max(axis=0)
        hi = np.where(D, proj, np.inf).min(axis=0)
    # only gates within 1% of the gap from a training point move: the others keep
    # the sampler's offset (moving them all changed nothing on average, but every
    # held-out prediction near a hyperplane)
    near = np.minimum(hi, -lo) < _CENTRE_BELOW * 0.5 * (hi - lo)
    shift = np.where(np.isfinite(lo) & np.isfinite(hi) & near, 0.5 * (lo + hi), 0.0)
    cols = np.flatnonzero(shift != 0)
    if len(cols) == 0:
        return D, gates
    moved = gates[:, cols].copy()
    moved[-1] -= shift[cols]
    moved /= np.linalg.norm(moved, axis=0)
    same = ((Xt @ moved > 0) == D[:, cols]).all(axis=0)
    gates = gates.copy()
    gates[:, cols[same]] = moved[:, same]
    return D, gates


def _ridge_start(Xt, D, Y, lam):
    """Ridge regression with penalty ``lam`` on the all-active pattern, as gated units
    (zero elsewhere, or everywhere without an all-active pattern)."""
    N, m = Xt.shape
    U0 = np.zeros((m, D.shape[1], Y.shape[1]))
    full = np.flatnonzero(D.all(axis=0))
    if len(full):
        G0 = Xt.T @ Xt / N
        G0[np.diag_indices(m)] += lam
        U0[:, full[0]] = np.linalg.solve(G0, Xt.T @ Y / N)
    return U0


def _linear_noise_penalty(Xt, D, Y, cache, n_columns=None):
    """The classifier's penalty ``c σ sqrt(m / N)``, ``σ`` the RMS residual of the linear
    model (:func:`_ridge_start`, ridge at ``c |y|_rms sqrt(m / N)``); the classifier uses
    it where it exceeds ``1e-2 lam_max``.

    The first step of the regressor's scaled group lasso (Sun & Zhang 2012), with
    ``c = _LINEAR_NOISE_C``.  Its fixed point is not used: the one-hot residual of an
    overparametrised gated model runs to zero (interpolation), and the penalty with it,
    while the linear model's residual measures how far the classes overlap.  5-fold
    accuracy (``StandardScaler`` pipeline) against the fixed relative ``alpha = 1e-2``
    used before: ``make_classification(1000, 30, n_informative=5, class_sep=0.7,
    flip_y=0.1)`` 0.629 -> 0.713, a 2,000 x 56 table with 5 % flipped labels 0.804 ->
    0.839, 600 x 20 with 3 classes 0.685 -> 0.763; digits 0.977 -> 0.974, breast
    cancer 0.981 -> 0.979, iris 0.960 -> 0.967.  Mean over 22 bundled and generated
    tables for ``c`` = 0.1 / 0.15 / 0.2 / 0.3 / 0.4: 0.880 / 0.884 / 0.886 / 0.886 /
    0.883 (``alpha = 1e-2``: 0.876), largest loss against ``alpha = 1e-2`` on one table
    0.009 / 0.006 / 0.015 / 0.042 / 0.064 (this rule alone).  Below ``1e-2 lam_max``
    (classes a linear model separates: breast cancer, 1e5 blobs) it is not used: the
    smaller penalty gained nothing there (breast cancer 0.979 against 0.981) and took
    FISTA three times the steps on the blobs (100 -> 310).
    """
    N, m = Xt.shape
    # the columns of the model, when Xt holds their coordinates in the rows' span
    m = m if n_columns is None else n_columns
    scale = _LINEAR_NOISE_C * np.sqrt(m / N)
    G = _ridge_start(Xt, D, Y, scale * float(np.sqrt(np.einsum("nq,nq->", Y, Y) / Y.size)))
    R = _gated_residual(Xt, D, Y, G, cache.get("cells"))
    return scale * float(np.sqrt(np.einsum("nq,nq->", R, R) / R.size))


def _constraint_violation(Xt, S, U, keep, cache_bytes=4 << 20):
    """Largest ``max(-S_i X̃ u, 0)`` over the kept units, relative to each unit's ``max|X̃ u|``.

    Every unit's pre-activations are formed (the signs broadcast, not gathered),
    in chunks of rows that stay in cache (~4 MB).
    """
    if not keep.any():
        return 0.0
    m, _, P, Q = U.shape
    cols = U.reshape(m, -1)
    chunk = max(64, int(cache_bytes // (8 * cols.shape[1])))
    worst = np.zeros(cols.shape[1])
    reach = np.zeros(cols.shape[1])
    for start in range(0, Xt.shape[0], chunk):
        rows = slice(start, start + chunk)
        Z = Xt[rows] @ cols
        np.maximum(reach, Z.max(axis=0), out=reach)
        np.maximum(reach, -Z.min(axis=0), out=reach)
        Z4 = Z.reshape(-1, 2, P, Q)
        Z4 *= S[rows][:, None, :, None]
        np.maximum(worst, -Z.min(axis=0), out=worst)
    ratio = (worst / np.maximum(reach, 1e-300)).reshape(keep.shape)
    return float(ratio[keep].max())


def cone_decompose(Xt, S, gates, U, chunk=None, split="gate", return_along=False):
    """Write each gated unit as a difference of two units of its pattern's cone.

    ``u = v - w`` with ``v, w ∈ K_i = {u : S_i X̃ u ≥ 0}`` (Mishkin et al.
    2022, Sec. 5): then ``D_i X̃ u = σ(X̃ v) - σ(X̃ w)`` on the training points,
    so the ReLU network of the units ``v`` (output ``+``) and ``w`` (output
    ``-``) predicts there exactly what the gated model predicts.  A unit
    already in ``K_i`` (or ``-K_i``) is kept as it is; otherwise ``w = t g_i``,
    ``v = u + t g_i`` along the unit's gate ``g_i``, strictly inside ``K_i``
    (no training point on its hyperplane), with the smallest such ``t``.  On
    new points the pair agrees with the gated unit except in the band
    ``|x̃·u| > t |x̃·g_i|`` along the gate's hyperplane, which holds no
    training point.  ``split="min_norm"`` replaces that pair, unit by unit, by
    the smallest ``w`` (:func:`_least_distance_split`) when it is smaller: the
    gate split's ``t`` is large when the gate's hyperplane passes close to a
    training point, and its nearly cancelling pair is fragile.

    Returns
    -------
    V : ndarray of shape (m, 2, P, Q)
        ``V[:, 0]`` the ``v``, ``V[:, 1]`` the ``w``.
    along : ndarray of shape (P, Q)
        With ``return_along=True``: ``t`` where ``w = t g_i`` (the gate split was
        kept), 0 elsewhere.
    """
    m, P, Q = U.shape
    N = Xt.shape[0]
    t = np.zeros((P, Q))
    in_minus = np.ones((P, Q), dtype=bool)
    # rows in chunks whose (rows, P, Q) products stay in cache (~4 MB)
    chunk = max(64, (4 << 20) // (8 * P * Q)) if chunk is None else chunk
    for start in range(0, N, chunk):
        rows = slice(start, start + chunk)
        SZ = S[rows, :, None] * (Xt[rows] @ U.reshape(m, -1)).reshape(-1, P, Q)
        SG = S[rows] * (Xt[rows] @ gates)  # > 0: each gate strictly inside its cone
        margin = np.maximum(SG, np.finfo(float).tiny)[:, :, None]
        in_minus &= SZ.max(axis=0) <= 0
        # t = max(0, largest violation over the margin), in place (no temporaries)
        SZ /= margin
        np.maximum(t, -SZ.min(axis=0), out=t)
    in_minus &= t > 0
    t[in_minus] = 0.0
    V = np.zeros((m, 2, P, Q))
    V[:, 0] = U + t[None] * gates[:, :, None]
    V[:, 1] = t[None] * gates[:, :, None]
    V[:, 0][:, in_minus] = 0.0
    V[:, 1][:, in_minus] = -U[:, in_minus]
    along = t.copy()
    if split == "min_norm":
        for i, q in np.argwhere(t > 0):
            w = _least_distance_split(Xt, S[:, i], U[:, i, q])
            if w is not None and np.linalg.norm(w) < t[i, q]:
                V[:, 0, i, q], V[:, 1, i, q] = U[:, i, q] + w, w
                along[i, q] = 0.0
    return (V, along) if return_along else V


def _least_distance_split(Xt, s, u):
    """The smallest ``w`` with ``w`` and ``u + w`` in the cone ``{z : s X̃ z ≥ 0}``.

    ``min |w|  s.t.  G w ≥ c``, ``G = s X̃``, ``c = max(-G u, 0)``: a least
    distance program, solved through non-negative least squares (Lawson &
    Hanson 1974, ch. 23): with ``E = [Gᵀ; cᵀ]`` and ``μ ≥ 0`` minimising
    ``|E μ - e|``, ``w = -r_{:m} / r_m`` for ``r = E μ - e``.  Returns ``None``
    when the solution misses a constraint by more than rounding (the gate split
    is kept then).
    """
    from scipy.optimize import nnls

    G = s[:, None] * Xt
    Gu = G @ u
    c = np.maximum(-Gu, 0.0)
    reach = max(float(np.abs(Gu).max()), 1e-300)
    e = np.zeros(Xt.shape[1] + 1)
    e[-1] = 1.0
    E = np.vstack([G.T, c])
    try:
        mu = nnls(E, e, maxiter=50 * E.shape[1])[0]
    except RuntimeError:  # iteration limit
        return None
    r = E @ mu - e
    if not r[-1] < 0:
        return None
    w = -r[:-1] / r[-1]
    # the kept split must hold on every training point up to rounding
    Gw = G @ w
    if min(float(Gw.min()), float((Gu + Gw).min())) < -1e-9 * reach:
        return None
    return w


def solve_cvxpy(Xt, D, Y, lam, solver="CLARABEL", verbose=0):
    """The program of :func:`solve_fista_al` by a conic solver through cvxpy.

    Returns the weights, the constraint multipliers (per-sample units, as
    :func:`_certificate` takes them) and the solver's status.
    """
    import cvxpy as cp

    N, m = Xt.shape
    P, Q = D.shape[1], Y.shape[1]
    Df = D.astype(np.float64)
    # unit (i, q) is column i * Q + q; Sel sums the units of each output
    Drep = np.repeat(Df, Q, axis=1)
    Srep = 2.0 * Drep - 1.0
    Sel = np.tile(np.eye(Q), (P, 1))
    V = cp.Variable((m, P * Q))
    W = cp.Variable((m, P * Q))
    Zv, Zw = Xt @ V, Xt @ W
    pred = cp.multiply(Drep, Zv - Zw) @ Sel
    constraints = [cp.multiply(Srep, Zv) >= 0, cp.multiply(Srep, Zw) >= 0]
    objective = (cp.sum_squares(pred - Y) / (2 * N)
                 + lam * (cp.sum(cp.norm(V, 2, axis=0)) + cp.sum(cp.norm(W, 2, axis=0))))
    problem = cp.Problem(cp.Minimize(objective), constraints)
    try:
        problem.solve(solver=solver, verbose=bool(verbose))
    except cp.error.SolverError as exc:
        raise ValueError(f"The cvxpy solver {solver!r} failed on the convex program: {exc}. "
                         "Try solver='fista' or another cvxpy_solver.") from exc
    if V.value is None or W.value is None:
        raise ValueError(f"The cvxpy solver {solver!r} returned no solution (status "
                         f"{problem.status!r}); try solver='fista'.")
    U = np.stack([V.value, W.value], axis=1).reshape(m, 2, P, Q)
    M = np.zeros((N, 2, P, Q))
    for s, con in enumerate(constraints):
        if con.dual_value is not None:
            M[:, s] = np.maximum(np.asarray(con.dual_value), 0.0).reshape(N, P, Q)
    return U, M, problem.status


# ---------------------------------------------------------------------------
# the estimators
# ---------------------------------------------------------------------------

# a problem with at most this many constraint entries (N * patterns * outputs) goes to
# cvxpy under solver="auto": CLARABEL then takes well under a second and is exact
_CVXPY_MAX_SIZE = 4_000


class _ConvexReLUMixin(ConstructedNetworkMixin):
    """Shared fit of the convex program and the network read-off."""

    _parameter_constraints: dict = {
        "alpha": [None, Interval(Real, 0, None, closed="left")],
        "program": [StrOptions({"gated", "relu"})],
        "n_patterns": [None, Interval(Integral, 1, None, closed="left")],
        "sampling": [StrOptions({"pairs", "data", "gaussian"})],
        "split": [StrOptions({"gate", "min_norm"})],
        "max_neurons": [None, Interval(Integral, 1, None, closed="left")],
        "solver": [StrOptions({"auto", "cvxpy", "fista"})],
        "cvxpy_solver": [str],
        "tol": [Interval(Real, 0, None, closed="neither")],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
        "random_state": ["random_state"],
        "n_jobs": [None, Integral],
        "verbose": ["verbose"],
    }

    def _fit_program(self, X, Y):
        """Solve the program on standardised inputs and targets ``Y``; return the layers.

        Returns the hidden layer in raw input coordinates and the output
        weights (before any target scaling).
        """
        N, d = X.shape
        Q = Y.shape[1]
        center = X.mean(axis=0)
        # the spread of X / max|X|, times max|X|: squares of tiny or huge entries would
        # underflow or overflow
        unit = data_scale(X)
        scale = (X / unit).std(axis=0) * unit
        # constant features (spread at rounding level of their own values): relative, so
        # that a model fitted on λ X is the model of X for any scale λ
        const = ~(scale > 1e-12 * np.abs(center))
        scale[const] = 1.0
        Zs = (X - center) / scale
        Zs[:, const] = 0.0  # a constant feature's deviations are rounding noise
        Xt = np.column_stack([Zs, np.ones(N)])
        # the gated solver's columns: a zero column's weights stay zero (from a zero
        # start its gradient is zero), so it is left out (digits: 3 of 65)
        live = np.r_[np.flatnonzero(~const), d]
        n_patterns = self.n_patterns
        if n_patterns is None:
            # an iteration costs N m P Q: 50 patterns for one output, at least 20
            # (digits, ten outputs, 20 patterns: 0.977 in a quarter of MLPClassifier's
            # time; 14 patterns: 0.968)
            n_patterns = max(_MIN_PATTERNS, _GROUP_BUDGET // Q)
        D, gates = sample_activation_patterns(Zs, n_patterns,
                                              random_state=self.random_state,
                                              n_jobs=self.n_jobs, return_gates=True,
                                              method=self.sampling)
        if not D.all(axis=0).any():
            # the all-active pattern makes the program contain the linear model
            D = np.column_stack([np.ones(N, dtype=bool), D])
            gates = np.column_stack([np.r_[np.zeros(d), 1.0], gates])  # the bias alone
        # a gate's weight on a constant (zero) column changes no pattern: zero it, so
        # that the cone split (which moves units along their gates) ignores the feature
        gates[:-1][const] = 0.0
        D, gates = _centre_gates(Xt, D, gates / np.maximum(np.linalg.norm(gates, axis=0),
                                                           1e-300))
        P = D.shape[1]
        Df = D.astype(np.float64)
        S = 2.0 * Df - 1.0
        # the design's cells, Gram matrix and curvature, shared by the solver's calls
        cache = {"cells": _shared_cells(D)} if self.program == "gated" else {}
        # alpha is relative to lam_max = max_i |(D_i X̃)ᵀ y| / N, the smallest
        # penalty at which the gated program is solved by zero
        Xs = Xt[:, live] if len(live) < d + 1 else Xt
        rows_basis = None
        if Xs.shape[1] > _ROWS_SPAN_FROM * N:
            # more columns than rows: the program in the coordinates of the rows' span.
            # A unit's part outside the row space of X̃ changes no output and no cone
            # constraint (both read X̃ u) and adds to its norm, so every optimal unit is
            # V v (V an orthonormal basis of the rows): the same outputs, norms, penalty
            # scale and dual bound on r <= N columns (100 x 10,000: 17 s and 1.8 GB
            # before)
            U_rows, sv, Vt = np.linalg.svd(Xs, full_matrices=False)
            r = max(int(np.sum(sv > rank_tolerance(Xs, sv))), 1)
            rows_basis, Xs = Vt[:r].T, U_rows[:, :r] * sv[:r]
        cache["AtY"] = _design_products(Xs, D, Y, cache.get("cells"))
        DY = cache["AtY"] / N
        lam_max = float(np.sqrt(np.einsum("mk,mk->k", DY, DY)).max())
        alpha = self.alpha
        if alpha is None:
            alpha = self._default_alpha[self.program]
        lam = alpha * lam_max
        if self.alpha is None and self._noise_adaptive and self.program == "gated":
            # the first round assumes all of y is noise
            lam = _NOISE_C * float(np.sqrt(np.einsum("nq,nq->", Y, Y) / (N * Q))) * np.sqrt(
                (d + 1) / N)
        elif self.alpha is None and self._linear_noise and self.program == "gated":
            # never below the default relative penalty (_default_alpha, 1e-2 lam_max)
            lam = max(lam, _linear_noise_penalty(Xs, D, Y, cache, len(live)))
        self.alpha_ = lam * N
        solver = self.solver
        if solver == "auto":
            # R-FISTA on the gated program is fast at every size; the AL on the
            # constrained one is not, so small constrained programs go to cvxpy
            small = self.program == "relu" and N * P * Q <= _CVXPY_MAX_SIZE
            solver = "cvxpy" if small else "fista"
        self.solver_ = solver
        if solver == "cvxpy":
            import cvxpy as cp

            if self.cvxpy_solver not in cp.installed_solvers():
                raise ValueError(f"cvxpy_solver={self.cvxpy_solver!r} is not installed; "
                                 f"installed solvers: {sorted(cp.installed_solvers())}.")
        n_iter = 0
        if lam_max == 0.0:  # constant targets: zero is optimal
            U = np.zeros((d + 1, 2, P, Q))
        elif self.program == "gated":
            G_live, n_iter, lam, solver_bound, solver_obj = self._solve_gated(
                Xs, D, Y, lam, solver, cache, d + 1)
            G = np.zeros((d + 1, P, Q))
            G[live] = (G_live if rows_basis is None
                       else np.einsum("mr,rpq->mpq", rows_basis, G_live))
            kept = self._kept(_group_norms(G[:, None])[0])
            self.alpha_ = lam * N
            U, along = cone_decompose(Xt, S, gates, G * kept[None], split=self.split,
                                      return_along=True)
            if self.max_neurons is not None:
                # whole gated units, largest first, as long as their one or two ReLU
                # units fit in max_neurons
                cost = (_group_norms(U) > 0).sum(axis=0)
                order = np.argsort(_group_norms(G[:, None])[0], axis=None)[::-1]
                keep_g = np.zeros(cost.shape, dtype=bool)
                keep_g.flat[order[np.cumsum(cost.flat[order]) <= self.max_neurons]] = True
                U = U * keep_g[None, None]
                along = along * keep_g
        else:
            if solver == "cvxpy":
                U, M, _ = solve_cvxpy(Xs, D, Y, lam, self.cvxpy_solver, self.verbose)
                n_iter = 1
            else:
                U, M, info = solve_fista_al(Xs, D, Y, lam, tol=self.tol,
                                            max_iter=self.max_iter, verbose=self.verbose)
                n_iter = info["n_iter"]
            # the units in the columns of X̃: the live ones, from the rows' span if reduced
            U_full = np.zeros((d + 1,) + U.shape[1:])
            U_full[live] = U if rows_basis is None else np.einsum("mr,r...->m...",
                                                                   rows_basis, U)
            U = U_full
            if solver == "cvxpy":
                U = repair_cones(Xt, S, U)[0]
        self.n_iter_ = n_iter
        if self.program == "relu":
            U = U * self._kept(_group_norms(U))[None]
        norms = _group_norms(U)
        keep = norms > 0
        if lam_max == 0.0:
            objective, bound = 0.5 * float(np.einsum("nq,nq->", Y, Y)) / N, 0.0
        elif self.program == "gated":
            if solver_obj is not None and self.max_neurons is None and np.array_equal(
                    kept, _group_norms(G[:, None])[0] > 0):
                # the solver's float64 certificate of these gated units (v - w = u up
                # to rounding)
                objective, bound = solver_obj, solver_bound
            else:
                objective, bound = gated_certificate(Xt, D, Y, U[:, 0] - U[:, 1], lam,
                                                     cells=cache.get("cells"))
                # any dual feasible point bounds the optimum: the solver's best one too
                bound = max(bound, solver_bound)
        else:
            objective, bound = _certificate(Xt, Df, S, Y, U, M, lam)
        self.objective_ = objective * N
        self.optimality_gap_ = max(objective - bound, 0.0) / max(abs(objective), 1e-300)
        if lam_max == 0.0:
            self.optimality_gap_ = 0.0
        self.constraint_violation_ = _constraint_violation(Xt, S, U, keep)
        # the gated solver stops once the objective settles and reports the gap it
        # certified then: a warning when that is 10x tol (a loose fit), not at tol
        warn_at = self.tol * (10.0 if self.program == "gated" else 1.0)
        if self.optimality_gap_ > warn_at:
            warnings.warn(
                f"{type(self).__name__}: the certified relative optimality gap "
                f"{self.optimality_gap_:.2e} is above {warn_at:g} after {n_iter} "
                f"iterations of solver {solver!r}; raise max_iter"
                + (" or use solver='cvxpy'." if self.program == "relu" else "."),
                ConvergenceWarning, stacklevel=3)
        self.n_patterns_ = P
        # gates in raw input coordinates: x̃·g on standardised x equals x·(g_w/σ) + b'
        g_w = gates[:-1] / scale[:, None]
        self.gates_ = np.vstack([g_w, gates[-1] - center @ g_w])
        units = np.argwhere(keep)
        # the units w = t g_i of one pattern along its gate, one per output, are one
        # unit σ(x̃·g_i) with an outgoing weight per output (σ is positively
        # homogeneous): the same function, up to 2 P Q -> P Q + P hidden units
        # (digits: 416 -> 230)
        if self.program != "gated" or lam_max == 0.0:
            along = np.zeros((P, Q))
        merged = along > 0
        units = units[~((units[:, 0] == 1) & merged[units[:, 1], units[:, 2]])]
        pats = np.flatnonzero(merged.any(axis=1))
        self.unit_patterns_ = np.r_[units[:, 1], pats]
        if len(self.unit_patterns_) == 0:
            self.unit_patterns_ = np.zeros(1, dtype=np.intp)
            coef = np.zeros((d, 1))
            return coef, np.zeros(1), np.zeros((1, Q))
        root = np.sqrt(norms[units[:, 0], units[:, 1], units[:, 2]])
        # Theorem 1 scaling: |incoming| = |outgoing| = sqrt|u|; a merged unit's
        # outgoing vector -t_i = -(t_i1, ..., t_iQ) and incoming c g_i with
        # c = sqrt(|t_i| / |g_i|), so that both have the norm sqrt(|t_i| |g_i|)
        c = np.sqrt(np.linalg.norm(along[pats], axis=1)
                    / np.linalg.norm(gates[:, pats], axis=0))
        W1 = np.column_stack([U[:, units[:, 0], units[:, 1], units[:, 2]] / root,
                              gates[:, pats] * c])  # (d + 1, K)
        coef = W1[:-1] / scale[:, None]
        intercept = W1[-1] - center @ coef
        out = np.zeros((len(units), Q))
        out[np.arange(len(units)), units[:, 2]] = np.where(units[:, 0] == 0, root, -root)
        out = np.vstack([out, -along[pats] / c[:, None]])
        return coef, intercept, out

    def _solve_gated(self, Xt, D, Y, lam, solver, cache, n_columns):
        """The gated program at ``lam``, or at its noise-adaptive fixed point.

        Returns the gated units ``(m, P, Q)``, the iterations, the final ``lam``,
        the best dual value the solver evaluated in float64 at it (a lower bound)
        and the objective of the returned units if the solver evaluated it in
        float64 on the data (else ``None``).
        """
        N = Xt.shape[0]
        full = (Xt, D, Y, cache)

        bounds = {}  # lam -> best float64 dual value seen by the solver on all rows
        last = {}

        def solve(lam, U0, budget, tol, certify=True, data=full):
            last.clear()
            if solver == "cvxpy":
                return solve_cvxpy_gated(Xt, D, Y, lam, self.cvxpy_solver, self.verbose)[0], 1
            Xd, Dd, Yd, cd = data
            # a round that starts where the last one stopped, on all rows, continues its
            # momentum (solve_gated_fista's resume; breast cancer: 170 -> 110 steps).
            # Not the rough rounds on a subsample: the round on all rows restarts anyway,
            # and from their resumed end point its objective settled before its bound
            # (Friedman #1 at 1e5 rows, four seeds: the gap at the stop 0.078-0.096
            # against 0.049-0.090, next to the warning level 0.1)
            G, info = solve_gated_fista(Xd, Dd, Yd, lam, tol=tol, max_iter=budget, U0=U0,
                                        cache=cd, certify=certify, resume=data is full,
                                        polish=data is full, verbose=self.verbose)
            if data is full:  # a subsample's bound is another program's
                bounds[lam] = max(bounds.get(lam, -np.inf), info["lower_bound"])
                if info["float64"]:
                    last["objective"] = info["objective"]
            return G, info["n_iter"]

        if self.alpha is not None or not self._noise_adaptive:
            G, n_iter = solve(lam, None, self.max_iter, self.tol)
            return G, n_iter, lam, bounds.get(lam, -np.inf), last.get("objective")

        def noise_penalty(G, data=full):
            Xd, Dd, Yd, cd = data
            R = _gated_residual(Xd, Dd, Yd, G, cd.get("cells"))
            return _NOISE_C * float(np.sqrt(np.einsum("nq,nq->", R, R) / R.size)) * np.sqrt(
                n_columns / N)
        # scaled group lasso (Sun & Zhang 2012): the penalty follows the noise level
        # read from the residual, lam = c σ sqrt(m / N), to a fixed point; the rounds
        # before it need only a rough solution (gap 0.1), the last one gets tol.
        # From _SUBSAMPLE_FROM rows the rough rounds run on every k-th row (about
        # _SUBSAMPLE_ROWS of them; the per-sample program and the noise level are
        # those of all rows, up to sampling), and only the last one on all rows
        # (Friedman #1 at 1e5 rows: 3.6 -> 2.x s)
        data = full
        if N >= _SUBSAMPLE_FROM and solver == "fista":
            rows = slice(None, None, N // _SUBSAMPLE_ROWS)
            data = (Xt[rows], D[rows], Y[rows], {})
        # the rough rounds are warm starts: no float64 certificate.  The first starts
        # from ridge on the all-active pattern (the linear model), not zero: its
        # residual sets the next penalty, and from zero the rough round under-fits,
        # the fixed point is approached from above and stops (5%) at a larger
        # penalty (5-fold R², 8 seeds: Friedman #1 0.8907 against 0.8928).  The
        # linear model's residual already gives the first round's penalty.
        G = _ridge_start(*data[:3], lam)
        lam = noise_penalty(G, data)
        G, n_iter = solve(lam, G, self.max_iter, max(self.tol, 0.1), certify=False,
                          data=data)
        settled = False
        for _ in range(_MAX_NOISE_ROUNDS):
            new = noise_penalty(G, data)
            settled = abs(new - lam) <= 0.05 * lam
            lam = new
            if settled and data is not full:
                break
            G, more = solve(lam, G, max(self.max_iter - n_iter, 1),
                            self.tol if settled else max(self.tol, 0.1), certify=settled,
                            data=data)
            n_iter += more
            if settled or n_iter >= self.max_iter:
                break
        if data is not full:
            # the last round on all rows, at the penalty of their residual
            lam = noise_penalty(G)
            settled = False
        if not settled and n_iter < self.max_iter:
            G, more = solve(lam, G, self.max_iter - n_iter, self.tol)
            n_iter += more
        return G, n_iter, lam, bounds.get(lam, -np.inf), last.get("objective")

    def _kept(self, norms):
        """Units the solver left nonzero (above rounding), at most ``max_neurons`` largest."""
        keep = norms > 1e-9 * max(float(norms.max(initial=0.0)), 1e-300)
        if self.max_neurons is not None and keep.sum() > self.max_neurons:
            order = np.argsort(np.where(keep, norms, -1.0), axis=None)[::-1]
            keep = np.zeros(norms.shape, dtype=bool)
            keep.flat[order[:self.max_neurons]] = True
        return keep


class ConvexReLURegressor(_ConvexReLUMixin, RegressorMixin, BaseEstimator):
    """Two-layer ReLU regression network trained to global optimality by convex programming.

    Solves a convex reformulation of the weight-decay training problem of a
    two-layer network with squared loss over sampled activation patterns
    (Mishkin, Sahiner & Pilanci 2022, eq. (4) for gated units, the default;
    Pilanci & Ergen 2020, eq. (8) for ReLU units with ``program="relu"``) to a
    certified optimality gap, and reads a ReLU network off the solution
    (Theorem 1 of Pilanci & Ergen; for the gated program through a cone
    decomposition, Mishkin et al. Sec. 5).

    Parameters
    ----------
    alpha : float, default=None
        Weight decay, relative to ``lam_max = max_i |(D_i X̃)ᵀ y| / N``, the
        smallest penalty at which the gated program is solved by zero (as
        ``eps`` in scikit-learn's lasso path): the program on standardised
        inputs and targets is ``(1/2N)|f - y|² + alpha lam_max Σ_j |u_j|``.
        ``None``: for ``program="gated"`` the penalty follows the noise,
        ``lam = 0.4 σ sqrt((n_features + 1) / N)`` with ``σ`` the RMS residual
        at the solution (a scaled group lasso, Sun & Zhang 2012, iterated to
        its fixed point); 5-fold R² 0.497 on diabetes and 0.872 on
        ``make_friedman1(1000)``, where a fixed relative ``alpha`` of 0.03
        gave 0.488 and 0.855 and the best fixed value of each table (0.05,
        0.01) was 0.503 and 0.882.  For ``program="relu"``, ``3e-3``.  The
        fitted ``alpha_`` is the penalty of the unscaled program
        ``½|f - y|² + alpha_ Σ_j |u_j|``.
    program : {"gated", "relu"}, default="gated"
        Which convex program (see the module notes and the user guide):
        ``"gated"`` solves the gated ReLU group lasso and cone-decomposes it
        into a ReLU network that equals the gated model on the training
        points; ``"relu"`` solves the constrained ReLU program itself (slower:
        cvxpy or an augmented Lagrangian).
    n_patterns : int, default=None
        Gates sampled; their distinct non-empty activation patterns (plus the
        all-active one) are the ``D_i``.  Up to ``n_patterns (n_outputs + 1)``
        hidden units (gated program; ``2 n_patterns n_outputs`` for the relu
        program).  ``None``: ``max(20, 50 // n_outputs)`` (an iteration costs
        ``N (n_features + 1) n_patterns n_outputs``).  On ``make_friedman1``
        100 patterns give 0.878 against 0.872, in 2.7 times the time.
    sampling : {"pairs", "data", "gaussian"}, default="pairs"
        How gates are drawn (:func:`sktrunc.landscape.sample_activation_patterns`):
        ``"data"`` places each hyperplane between two training points at a
        random quantile of a random direction, ``"pairs"`` does the same with
        directions on two random features (one pairwise interaction per
        pattern), ``"gaussian"`` draws ``g ~ N(0, I)`` as both papers do.
        5-fold R² with pairs / data / gaussian: ``make_friedman1`` 0.913 /
        0.872 / 0.881, ``make_friedman3`` 0.829 / 0.773 / 0.771,
        ``make_friedman2`` 0.924 / 0.923 / 0.924, diabetes 0.493 / 0.503 /
        0.501.
    split : {"gate", "min_norm"}, default="gate"
        How ``program="gated"`` writes each gated unit ``u`` as ``v - w``
        with ``v, w`` in its pattern's cone (:func:`cone_decompose`).
        ``"gate"``: along the pattern's gate, ``w = t g``, one matrix product;
        the gate's hyperplane passes close to some training points, so ``t``
        and the pair are large and nearly cancel (digits: the network's test
        accuracy drops by ~40 points under 1e-3 relative weight noise).
        ``"min_norm"``: the smallest such ``w``, a least distance program per
        unit (non-negative least squares over the training points, ~20 ms per
        unit at 1,400 rows); 30-70x smaller ``|w|`` on digits.  Both give a
        network equal to the gated model on every training point.
    max_neurons : int, default=None
        Keep only the largest units (by ``|u_j|``, whole gated units for the
        gated program) so that at most ``max_neurons`` hidden units remain (the
        network is then no longer the program's optimum; ``objective_`` and
        ``optimality_gap_`` say by how much).
    solver : {"auto", "cvxpy", "fista"}, default="auto"
        ``"cvxpy"``: a conic solver (``cvxpy_solver``) on the whole program;
        ``"fista"``: R-FISTA (gated) or the augmented Lagrangian with FISTA
        inner solves (relu) of Mishkin et al., in numpy, scaling to ``10^5``
        rows; ``"auto"``: fista, except cvxpy for the relu program when
        ``n_samples * n_patterns * n_outputs <= 4000``.
    cvxpy_solver : str, default="CLARABEL"
        Name of an installed cvxpy solver.
    tol : float, default=1e-2
        Target certified relative optimality gap (see ``optimality_gap_``).
        With ``program="gated"`` FISTA also stops once the objective has
        settled (relative decrease below ``tol / 10`` over ten steps) with the
        certified gap within ``10 * tol``, or after 300 settled steps; a
        :class:`~sklearn.exceptions.ConvergenceWarning` says when the gap is
        above ``10 * tol`` (``program="relu"``: above ``tol``).
    max_iter : int, default=1000
        FISTA steps in all (over the rounds of the noise-adaptive penalty).
    random_state : int, RandomState instance or None, default=None
        Seeds the gates.
    n_jobs : int, default=None
        Parallel pattern sampling (:func:`sktrunc.landscape.sample_activation_patterns`).
    verbose : int, default=0
        Print the objective, bound and gap as the solver goes.

    Attributes
    ----------
    n_features_in_ : int
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
    network_ : ReLUNetwork
        The read-off two-layer network on raw inputs.
    coefs_, intercepts_ : list of ndarray
        Its layers in scikit-learn MLP orientation.
    n_params_ : int
    alpha_ : float
        Penalty of ``½|f - y|² + alpha_ Σ_j |u_j|`` on the standardised data.
    objective_ : float
        That objective at the solution, in standardised units.  Relu program:
        it equals the network's weight-decay objective
        ``½|f - y|² + (alpha_/2) Σ_k (|W1_k|² + |w2_k|²)`` (Theorem 1).  Gated
        program: the gated objective with ``u_j = v_j - w_j``; the ReLU
        network has the same training predictions and a larger weight decay.
    optimality_gap_ : float
        Certified bound on ``(objective_ - p*) / objective_``, ``p*`` the
        optimum of the program over the sampled patterns, from the value of a
        dual feasible point (the user guide says which).
    constraint_violation_ : float
        Largest violation of the cone constraints by the network's units,
        relative to each unit's largest pre-activation: rounding (~1e-16)
        except with ``program="relu", solver="fista"``, whose units are read
        as the ReLU units they are (the certificate holds either way).
    gates_ : ndarray of shape (n_features + 1, n_patterns)
        A gate per pattern in raw input coordinates: ``D_i`` is
        ``X @ gates_[:-1, i] + gates_[-1, i] > 0`` on the training data.
    n_patterns_ : int
        Distinct patterns used.
    unit_patterns_ : ndarray of shape (n_hidden,)
        Column of ``gates_`` whose pattern each hidden unit realises.
    solver_ : str
    n_iter_ : int
    training_cost_ : float
        ``½ Σ_i |f(x_i) - y_i|²`` of a forward pass on raw targets (eq. 14).

    See Also
    --------
    ConvexReLUClassifier : The classifier on one-hot targets.
    sklearn.neural_network.MLPRegressor : The same architecture by gradient descent.

    Notes
    -----
    With all patterns, the relu program's optimum is the global minimum of
    the non-convex weight-decay problem (Pilanci & Ergen, Theorem 1); with
    sampled patterns it is the global minimum over networks whose units
    realise those patterns.  The gated program is the same problem for gated
    units; its optimum is a lower bound of the relu program's (any feasible
    ``v, w`` give ``u = v - w`` with ``|u| ≤ |v| + |w|``), and the read-off
    ReLU network predicts the gated solution on every training point.  Inputs and targets are
    standardised inside and the scaling folded into the first and last
    layers, so the result does not depend on their units.

    References
    ----------
    .. [1] M. Pilanci, T. Ergen, "Neural networks are convex regularizers: exact
       polynomial-time convex optimization formulations for two-layer
       networks", ICML 2020.
    .. [2] A. Mishkin, A. Sahiner, M. Pilanci, "Fast convex optimization for
       two-layer ReLU networks: equivalent model classes and cone
       decompositions", ICML 2022.

    Examples
    --------
    >>> import numpy as np
    >>> from sktrunc import ConvexReLURegressor
    >>> rng = np.random.default_rng(0)
    >>> X = rng.uniform(-1, 1, (200, 2))
    >>> y = np.abs(X[:, 0]) + X[:, 1]
    >>> reg = ConvexReLURegressor(random_state=0).fit(X, y)
    >>> bool(reg.score(X, y) > 0.95)
    True
    """

    _default_alpha = {"gated": 3e-2, "relu": 3e-3}
    _noise_adaptive = True
    _linear_noise = False

    def __init__(self, *, alpha=None, program="gated", n_patterns=None, sampling="pairs",
                 split="gate", max_neurons=None, solver="auto",
                 cvxpy_solver="CLARABEL", tol=1e-2, max_iter=1000, random_state=None,
                 n_jobs=None, verbose=0):
        self.alpha = alpha
        self.program = program
        self.n_patterns = n_patterns
        self.sampling = sampling
        self.split = split
        self.max_neurons = max_neurons
        self.solver = solver
        self.cvxpy_solver = cvxpy_solver
        self.tol = tol
        self.max_iter = max_iter
        self.random_state = random_state
        self.n_jobs = n_jobs
        self.verbose = verbose

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        return tags

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y):
        """Solve the convex program and read off the network.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)

        Returns
        -------
        self : object
        """
        X, y = validate_data(self, X, y, dtype=[np.float64, np.float32], multi_output=True,
                             y_numeric=True)
        X = np.asarray(X, dtype=np.float64)
        self._y_1d = np.ndim(y) == 1
        Y = np.asarray(y, dtype=np.float64).reshape(len(X), -1)
        y_mean = Y.mean(axis=0)
        y_scale = Y.std(axis=0)
        y_scale[~(y_scale > 1e-12 * np.abs(y_mean))] = 1.0
        coef, intercept, out = self._fit_program(X, (Y - y_mean) / y_scale)
        # the target scaling folded into the output layer
        self._set_network(ReLUNetwork([coef, out * y_scale], [intercept, y_mean]))
        r = self.network_.forward(X) - Y
        self.training_cost_ = 0.5 * float(np.einsum("ij,ij->", r, r))
        return self

    def predict(self, X):
        """Forward pass of the network (identical to ``to_mlp().predict``).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        y_pred : ndarray of shape (n_samples,) or (n_samples, n_outputs)
        """
        check_is_fitted(self)
        X = validate_data(self, X, reset=False, dtype=[np.float64, np.float32])
        out = self.network_.forward(X)
        return out.ravel() if self._y_1d else out


class ConvexReLUClassifier(_ConvexReLUMixin, BaseConstructedClassifier):
    """Two-layer ReLU classifier trained to global optimality by convex programming.

    The program of :class:`ConvexReLURegressor` on one-hot targets (one output
    per class, centred: the class frequencies become the output bias);
    ``predict`` is the nearest target, i.e. the argmax of the network's outputs
    (eq. 2.61 of arXiv 2309.10639), and ``predict_proba`` a softmax of the
    outputs with a temperature fitted on the training data.

    Parameters
    ----------
    alpha : float, default=None
        Weight decay relative to ``lam_max`` (see :class:`ConvexReLURegressor`).
        ``None``: for the gated program the penalty follows how far the classes
        overlap, ``lam = max(1e-2 lam_max, 0.2 σ sqrt((n_features + 1) / N))`` with
        ``σ`` the RMS residual of the linear model on the one-hot targets (the first step of
        the regressor's scaled group lasso; its fixed point is not used, since
        the one-hot residual of an overparametrised model runs to zero).  A
        fixed ``1e-2`` fitted noisy tables to 100 % training accuracy: 5-fold
        accuracy 0.629 -> 0.713 on ``make_classification(1000, 30,
        n_informative=5, class_sep=0.7, flip_y=0.1)``, 0.804 -> 0.839 on a
        2,000 x 56 table with 5 % flipped labels, digits 0.977 -> 0.974 (see
        the user guide).  ``1e-3`` for the relu program.
    program : {"gated", "relu"}, default="gated"
        See :class:`ConvexReLURegressor`.
    n_patterns : int, default=None
        Gates sampled; about ``n_patterns (n_classes + 1)`` hidden units at
        most (one per pattern and class, and one per pattern along its gate
        feeding every class).  ``None``: ``max(20, 50 // n_columns)`` with one
        column for two classes and one per class otherwise (digits: 20 patterns, 5-fold accuracy
        0.977; 14 give 0.968 and 10 give 0.964).
    sampling : {"pairs", "data", "gaussian"}, default="gaussian"
        See :class:`ConvexReLURegressor`.  Gaussian gates, not pairs: 5-fold
        accuracy on digits 0.978 / 0.958 / 0.971 with gaussian / pairs / data
        (20 patterns; pixels share few values, and pairs of them give few
        distinct patterns), breast cancer 0.977 / 0.974 / 0.974.
    split : {"gate", "min_norm"}, default="gate"
        See :class:`ConvexReLURegressor` (:func:`fine_tune` builds with
        ``"min_norm"``: the same function with small weights).
    max_neurons : int, default=None
        Keep only the hidden units of largest norm.
    solver : {"auto", "cvxpy", "fista"}, default="auto"
    cvxpy_solver : str, default="CLARABEL"
    tol : float, default=1e-2
        Target certified relative optimality gap; see :class:`ConvexReLURegressor`.
    max_iter : int, default=1000
    random_state : int, RandomState instance or None, default=None
    n_jobs : int, default=None
    verbose : int, default=0

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
    targets_ : ndarray of shape (n_classes, n_classes)
        One-hot target vectors.
    n_features_in_ : int
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
    network_ : ReLUNetwork
    coefs_, intercepts_ : list of ndarray
    n_params_ : int
    alpha_, objective_, optimality_gap_, constraint_violation_ : float
        As in :class:`ConvexReLURegressor`.
    gates_ : ndarray of shape (n_features + 1, n_patterns)
    n_patterns_ : int
    unit_patterns_ : ndarray of shape (n_hidden,)
    solver_ : str
    n_iter_ : int
    temperature_ : float
        Temperature of ``predict_proba`` (see
        :meth:`BaseConstructedClassifier.predict_proba`), fitted by log-loss on
        the training data.
    training_cost_ : float
        ``½ Σ_i |f(x_i) - y_{j(i)}|²`` (eq. 14).
    training_accuracy_ : float

    See Also
    --------
    ConvexReLURegressor
    sklearn.neural_network.MLPClassifier

    Notes
    -----
    See :class:`ConvexReLURegressor`.  With two classes the centred one-hot
    columns are opposite, so one column's program is solved and its units feed
    both outputs with opposite signs (``objective_`` is that of the two-column
    program, twice the one-column value).  The squared loss on one-hot targets is
    the program's loss; the network is its certified optimum over the sampled
    patterns, not a log-loss minimiser, hence the fitted temperature.

    References
    ----------
    .. [1] M. Pilanci, T. Ergen, ICML 2020.
    .. [2] A. Mishkin, A. Sahiner, M. Pilanci, ICML 2022.

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from sktrunc import ConvexReLUClassifier
    >>> X, y = load_iris(return_X_y=True)
    >>> clf = ConvexReLUClassifier(random_state=0).fit(X, y)
    >>> bool(clf.training_accuracy_ > 0.95)
    True
    """

    targets = None  # one-hot, read by BaseConstructedClassifier._validate_labels

    _default_alpha = {"gated": 1e-2, "relu": 1e-3}
    _noise_adaptive = False
    _linear_noise = True
    # the program is fitted to the training rows, so their outputs are more confident than
    # held-out ones (training accuracy 0.97 against 0.71 on a table with 10 % flipped
    # labels): the interpolation floor, not the constructions' lower one (5-fold held-out
    # log-loss with 0.03 instead: digits 0.109 -> 0.138, iris 0.068 -> 0.097)
    _misfit_min_temperature = _MIN_TEMPERATURE

    def __init__(self, *, alpha=None, program="gated", n_patterns=None, sampling="gaussian",
                 split="gate", max_neurons=None, solver="auto",
                 cvxpy_solver="CLARABEL", tol=1e-2, max_iter=1000, random_state=None,
                 n_jobs=None, verbose=0):
        self.alpha = alpha
        self.program = program
        self.n_patterns = n_patterns
        self.sampling = sampling
        self.split = split
        self.max_neurons = max_neurons
        self.solver = solver
        self.cvxpy_solver = cvxpy_solver
        self.tol = tol
        self.max_iter = max_iter
        self.random_state = random_state
        self.n_jobs = n_jobs
        self.verbose = verbose

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y):
        """Solve the convex program on one-hot targets and read off the network.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : array-like of shape (n_samples,)

        Returns
        -------
        self : object
        """
        X, y_idx = self._validate_labels(X, y, reason="to fit")
        Y = self.targets_[y_idx]
        y_mean = Y.mean(axis=0)
        if len(self.classes_) == 2:
            # the centred one-hot columns are opposite: solve one and mirror it (the
            # two-column program's optimum is this one's units, negated for column 0)
            coef, intercept, out = self._fit_program(X, (Y - y_mean)[:, 1:])
            out = np.column_stack([-out[:, 0], out[:, 0]])
            self.objective_ *= 2.0
        else:
            coef, intercept, out = self._fit_program(X, Y - y_mean)
        self._set_network(ReLUNetwork([coef, out], [intercept, y_mean]))
        (self.training_cost_, self.training_accuracy_,
         self.temperature_) = self._training_statistics(X, y_idx)
        return self
