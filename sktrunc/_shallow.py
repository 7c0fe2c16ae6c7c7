"""The constructive shallow network of Chen & Muñoz Ewald (arXiv 2309.10370).

Equation and theorem numbers refer to that paper.  Row convention here: points
are rows, ``A = Pen(X0red) Y`` maps a (centred) point to its output.

Two kinds of output live here, under names that say which is which:

* the paper's constructive network (``output_layer="constructive"``): its
  training cost is the bound (3.15), a certificate, and a poor predictor;
* the defaults that generalise: ``"ridge"`` for the regressor (the construction's
  hidden layer plus hinge units at the group means, ridge output layer) and
  ``"nearest_mean"`` for the classifier (the construction on inputs whitened by
  the shrunk within-class scatter, deciding by the nearest mean).
"""

import warnings
from numbers import Integral, Real

import numpy as np
from scipy import sparse
from scipy.linalg import cho_factor, cho_solve
from sklearn.base import BaseEstimator, RegressorMixin, _fit_context
from sklearn.covariance import ledoit_wolf_shrinkage
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions, validate_params
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, validate_data

from ._base import (
    BaseConstructedClassifier,
    ConstructedNetworkMixin,
    resolve_targets,
    scaled_score_layer,
    targets_are_orthogonal,
    weighted_l2_cost,
)
from ._describe import LayerTable
from ._geometry import affine_hull_basis, data_scale, rank_tolerance
from ._network import ReLUNetwork
from .exceptions import AssumptionWarning

__all__ = ["ShallowBoundRegressor", "ShallowBoundClassifier", "shallow_bound_experiment",
           "theorem_3_2_cost", "truncated_shallow_network"]

# Theorem 3.1 takes β ≥ 2 max|x|: twice the radius of the projected training data.
_BETA_FACTOR = 2.0
# A β more than 1e8 times the data radius erases half of float64's 16 digits of x
# when added to the pre-activations: refuse it rather than return rounding noise.
_BETA_MAX_RATIO = 1e8
# Squares of larger targets overflow float64 in the cost (14).
_MAX_ABS_TARGET = 1e150
# Ridge route: each group (knot set) needs this many samples, the knots per direction
# are at most this many times (n_features + 1), and the hinge units are capped so the
# output layer's Gram matrix stays small (e.g. digits: 64 features).
_SAMPLES_PER_GROUP = 10
_GROUPS_PER_FEATURE = 2
_MAX_HINGE_UNITS = 512
# Ridge penalties tried by leave-one-out when alpha=None, relative to the squared norm
# of the hinge features; inf switches the hinge units off (a linear regression).
_ALPHA_GRID = np.r_[np.logspace(-4, 3, 15), np.inf]
# Penalties of the linear units tried when alpha_linear=None (relative to the squared
# norm of the centred linear units; 0 is least squares), smallest best error wins.
_ALPHA_LINEAR_GRID = np.r_[0.0, np.logspace(-5, 1, 7)]
# Exact leave-one-out (the hat matrix's diagonal, n p² more work) when the mean
# leverage p / n exceeds this; below it GCV's mean leverage differs from every
# leverage by less than the choice can notice.
_EXACT_LOO_LEVERAGE = 0.1
# Hinge units along the pairwise directions are capped likewise; a pair direction
# gets at least two knots (so its hinges can bend a square both ways) or none.
_MAX_PAIR_UNITS = 512
_MIN_PAIR_KNOTS = 2
_QUANTILE_ROWS = 10_000
# The linear units' penalty is searched only with fewer rows than this per linear unit;
# with more, searching it changed cross-validated R² by at most 0.004 on every table
# measured (diabetes, Friedman #1 and #3, concrete- and mpg-like), and it costs a
# Cholesky factor and a pass over the rows.
_LINEAR_ROWS_PER_UNIT = 10
# Rows per block of the ridge output's design matrix (about 32 MB).
_BLOCK_FLOATS = 2 ** 22


def _rms(R):
    """``sqrt((1/N) Σ_i |r_i|²)``: the cost normalisation of the paper (2.27)."""
    return float(np.sqrt(np.einsum("ij,ij->", R, R) / R.shape[0]))


def _check_magnitude(Y, name):
    big = float(np.max(np.abs(Y), initial=0.0))
    if big > _MAX_ABS_TARGET:
        raise ValueError(f"{name} reach |y| = {big:.3g} > {_MAX_ABS_TARGET:.0e}: their squares "
                         "overflow float64 in the cost (14). Rescale them.")


def _group_means(X, group, n_groups):
    counts = np.bincount(group, minlength=n_groups)
    # a sparse one-hot product: O(n m), without np.add.at's per-element loop
    onehot = sparse.csr_matrix((np.ones(len(group)), (group, np.arange(len(group)))),
                               shape=(n_groups, len(group)))
    sums = np.asarray(onehot @ X)
    return sums / np.maximum(counts, 1)[:, None], counts


def _pinv_map(D, T):
    """``Pen(D) T`` in row convention (min-norm ``A`` with ``D A ≈ T``) and the rank of ``D``."""
    U, s, Vt = np.linalg.svd(D, full_matrices=False)
    rank = int(np.sum(s > rank_tolerance(D, s))) if s.size else 0
    A = Vt[:rank].T @ ((U[:, :rank].T @ T) / s[:rank, None])
    return A, Vt[:rank].T, rank


def paper_bounds(X, group, means, Y):
    """The bounds of Theorem 3.1 from the data and the group means alone.

    Returns
    -------
    bounds : dict
        ``bound_3_15``: ``||Y Pen(X0red) ΔX0||_F / √N`` with the raw means (3.15);
        ``delta_P``: ``sup |Pen(X0red) Δx|`` (3.1); ``bound_3_16``:
        ``||Y||_op δ_P`` (3.16); ``bound_centred``: (3.15) with the means and
        targets centred at their centroids (translation invariant).
    """
    A, _, _ = _pinv_map(means, Y)
    Pen = _pinv_map(means, np.eye(len(means)))[0]  # Pen(X0red) as (M, Q) in rows
    A_c, _, _ = _pinv_map(means - means.mean(axis=0), Y - Y.mean(axis=0))
    maps = np.column_stack([A, A_c, Pen])
    d = Y.shape[1]
    sq_raw = sq_centred = delta_sq = 0.0
    for start in range(0, len(X), 65536):  # by blocks: no n x M copy of the deviations
        rows = slice(start, start + 65536)
        out = (X[rows] - means[group[rows]]) @ maps
        sq_raw += float(np.einsum("ij,ij->", out[:, :d], out[:, :d]))
        sq_centred += float(np.einsum("ij,ij->", out[:, d:2 * d], out[:, d:2 * d]))
        proj = out[:, 2 * d:]
        delta_sq = max(delta_sq, float(np.einsum("ij,ij->i", proj, proj).max(initial=0.0)))
    delta_P = float(np.sqrt(delta_sq))
    return {"bound_3_15": float(np.sqrt(sq_raw / len(X))),
            "delta_P": delta_P,
            "bound_3_16": float(np.linalg.norm(Y, 2) * delta_P),
            "bound_centred": float(np.sqrt(sq_centred / len(X)))}


@validate_params(
    {"X": ["array-like"], "group": ["array-like"], "targets": ["array-like"]},
    prefer_skip_nested_validation=True,
)
def theorem_3_2_cost(X, group, targets):
    """Value ``C_N`` of Theorem 3.2's degenerate configuration (``M = Q``).

    ``C_N = ||Y |Δ2|^{1/2} (1 + Δ2)^{-1/2}||_F`` with ``Δ1 = X0red⁻¹ ΔX0`` and
    ``Δ2 = Δ1 𝒩⁻¹ Δ1ᵀ``, ``𝒩 = diag(N_j 1_{N_j})``: the square root of the
    weighted cost ``Σ_j (1/N_j) Σ_i |f(x_{j,i}) - y_j|²`` of the best
    *bias-free* last layer (output bias pinned to ``b2 = -W2 b1``, so the network
    is a linear map of the inputs on the positive sector).  It is not the
    minimum of the architecture: with a free output bias the weighted cost is
    lower and ``∂C/∂b2 ≠ 0`` at this configuration, so it is a critical point
    only of the bias-free parametrisation.  With truncated inputs ``τ(X0)`` in
    place of ``X0`` it is the value of Theorem 3.5 (see
    :func:`truncated_shallow_network`).

    Parameters
    ----------
    X : ndarray of shape (n_samples, Q)
        Inputs (``M = Q``), e.g. ``τ(X0)`` for Theorem 3.5.
    group : ndarray of shape (n_samples,) of int
        Group (class) index of each row, ``0 .. Q-1``.
    targets : ndarray of shape (Q, d)
        ``y_j`` as rows.

    Returns
    -------
    cost : float
        ``C_N`` (a square root, as the paper writes it).

    Examples
    --------
    >>> import numpy as np
    >>> X = np.array([[1.0, 0.1], [1.0, -0.1], [0.0, 1.0], [0.0, 1.0]])
    >>> round(theorem_3_2_cost(X, np.array([0, 0, 1, 1]), np.eye(2)), 6)
    0.099504
    """
    X = np.asarray(X, dtype=np.float64)
    group = np.asarray(group, dtype=np.intp)
    targets = np.asarray(targets, dtype=np.float64)
    Q = targets.shape[0]
    if X.shape[1] != Q:
        raise ValueError(f"Theorem 3.2 needs M = Q; got M = {X.shape[1]}, Q = {Q}.")
    means, counts = _group_means(X, group, Q)
    # row convention: Δ1ᵀ has rows Δx_i X0red⁻¹, i.e. solves means.T @ d = Δx_i
    delta1 = np.linalg.solve(means.T, (X - means[group]).T)  # (Q, N) = X0red⁻¹ ΔX0
    delta2 = (delta1 / counts[group]) @ delta1.T
    lam, V = np.linalg.eigh((delta2 + delta2.T) / 2)
    lam = np.maximum(lam, 0.0)
    middle = (V * np.sqrt(lam / (1.0 + lam))) @ V.T
    return float(np.linalg.norm(targets.T @ middle))


@validate_params(
    {"X": ["array-like"], "group": ["array-like"], "targets": ["array-like"],
     "coef": ["array-like"], "intercept": ["array-like"]},
    prefer_skip_nested_validation=True,
)
def truncated_shallow_network(X, group, targets, coef, intercept):
    """Theorem 3.5: the shallow network on truncated inputs, and its value.

    The hidden layer ``σ(x W + b)`` with an invertible ``W`` (``coef``, shape
    ``(M, M)``, ``M = Q``) and a bias that need not push the data into the
    positive sector computes ``τ(x) W + b`` with the truncation map
    ``τ_{W,b}(x) = (σ(x W + b) - b) W⁻¹`` (Definition 3.4, row convention).  The
    output layer is the best bias-free map of ``τ(X0)`` to the targets in the
    weighted cost ``Σ_j (1/N_j) Σ_i |f - y_j|²`` (``b2 = -W2 b``), whose value is
    Theorem 3.2's formula with ``τ(X0)`` in place of ``X0``.

    Parameters
    ----------
    X : array-like of shape (n_samples, Q)
    group : array-like of shape (n_samples,) of int
        Group index ``0 .. Q-1`` of each row.
    targets : array-like of shape (Q, d)
    coef : array-like of shape (Q, Q)
        Invertible first-layer weights ``W`` (scikit-learn orientation).
    intercept : array-like of shape (Q,)
        First-layer bias ``b``.

    Returns
    -------
    network : ReLUNetwork
        ``Q → Q → d``; its weighted cost (square-rooted) equals ``value``.
    value : float
        :func:`theorem_3_2_cost` of ``τ(X0)``.

    Raises
    ------
    ValueError
        If ``W`` is singular or ``τ`` is not rank preserving (the truncated
        means are dependent), the theorem's assumptions.

    Examples
    --------
    >>> import numpy as np
    >>> X = np.array([[1.0, 0.1], [1.0, -0.1], [0.1, 1.0], [0.0, 1.2]])
    >>> net, value = truncated_shallow_network(X, [0, 0, 1, 1], np.eye(2), np.eye(2),
    ...                                        np.array([-0.05, 0.0]))
    >>> net.layer_sizes, round(value, 4)
    ((2, 2, 2), 0.1073)
    """
    X = np.asarray(X, dtype=np.float64)
    group = np.asarray(group, dtype=np.intp)
    Y = np.asarray(targets, dtype=np.float64)
    W = np.asarray(coef, dtype=np.float64)
    b = np.asarray(intercept, dtype=np.float64).reshape(-1)
    Q = Y.shape[0]
    if X.shape[1] != Q or W.shape != (Q, Q):
        raise ValueError(f"Theorem 3.5 needs M = Q and a (Q, Q) coef; got M = {X.shape[1]}, "
                         f"Q = {Q}, coef {W.shape}.")
    s = np.linalg.svd(W, compute_uv=False)
    if s.min() <= rank_tolerance(W, s):
        raise ValueError("coef must be invertible (Definition 3.4).")
    tau = np.linalg.solve(W.T, (np.maximum(X @ W + b, 0.0) - b).T).T
    means, counts = _group_means(tau, group, Q)
    sm = np.linalg.svd(means, compute_uv=False)
    if sm.min() <= rank_tolerance(means, sm):
        raise ValueError("τ is not rank preserving: the truncated group means are linearly "
                         "dependent, Theorem 3.5 does not apply.")
    # bias-free weighted least squares: τ(X0) A ≈ y_j with weights 1/N_j
    w = np.sqrt(1.0 / counts[group])[:, None]
    A = np.linalg.lstsq(tau * w, Y[group] * w, rcond=None)[0]
    W2 = np.linalg.solve(W, A)  # f = (σ(xW + b) - b) W⁻¹ A
    network = ReLUNetwork([W, W2], [b, -b @ W2])
    return network, theorem_3_2_cost(tau, group, Y)


def _psd_pinv(A):
    """Pseudo-inverse of a symmetric positive semi-definite matrix (eigenvalues under
    ``p eps max`` dropped: collinear units get the min-norm solution, as lstsq's)."""
    ev, V = np.linalg.eigh((A + A.T) / 2)
    keep = ev > max(ev.max(initial=0.0), 0.0) * A.shape[0] * np.finfo(float).eps
    return (V[:, keep] / ev[keep]) @ V[:, keep].T


def _inverse_spectrum(ev, lam, p):
    """``1 / (ev + lam)``, 0 for ``lam = inf`` and for what is rounding (``lam = 0``)."""
    if not np.isfinite(lam) or lam < 0:
        return np.zeros_like(ev)
    return np.where(ev + lam > ev.max(initial=0.0) * p * np.finfo(float).eps,
                    1.0 / np.maximum(ev + lam, np.finfo(float).tiny), 0.0)


def _ridge_output(blocks, n, n_lin, Y, alpha, alpha_linear):
    """Ridge output layer on ``F = [1, Z, H]``, from row blocks, penalties chosen in closed form.

    ``blocks()`` yields ``(rows, F_rows)``; ``F`` is never held whole, so memory
    is one block of rows however large ``n`` is.  The linear units ``Z``
    (``n_lin`` columns after the constant) are penalised by
    ``alpha_linear ||Zc||_F²`` (``Zc`` centred), the hinge units ``H`` by
    ``alpha ||H̃||_F²`` with ``H̃`` the hinge features with the linear fit
    removed.  ``None`` penalties are chosen over ``_ALPHA_GRID`` (``inf``
    drops the hinge units) and ``_ALPHA_LINEAR_GRID`` by the smallest
    leave-one-out error, as RidgeCV chooses: first the hinge penalty with the
    linear units unpenalised, then the linear penalty with that hinge penalty.

    Everything is solved in the units' space.  One pass accumulates the Gram
    matrix of ``F`` with its columns shifted by the first block's means (the
    intercept absorbs the shift, so the penalised problem is the same, and the
    means no longer cancel); for each linear penalty the hinge block is
    profiled out by its Schur complement ``S = G_HH - G_HL A⁻¹ G_LH``
    (``A = G_LL + P`` the penalised linear block), whose eigenvectors give every
    hinge penalty's solution and hat matrix at once; for the linear penalty the
    hinge block is profiled out instead (one Cholesky factor).  When the mean leverage
    ``p / n`` exceeds ``_EXACT_LOO_LEVERAGE`` the leave-one-out residuals are
    exact (the hat matrix's diagonal, one more pass over the rows per linear
    penalty); below it every leverage is small and GCV (from the Gram matrix
    alone) stands in for them.  Selecting the linear penalty on the linear
    model alone, then the hinges', was tried and cost up to 0.04 of
    cross-validated R² (Friedman #3): a linear fit of nonlinear data asks for
    shrinkage that the network with its hinges does not want.

    Returns
    -------
    a : ndarray of shape (1 + n_lin, d)
    w : ndarray of shape (n_hinge, d)
    alpha, alpha_linear : float
        The penalties used.
    """
    G = C = shift = None
    for rows, F in blocks():
        if shift is None:
            shift = F.mean(axis=0)
            shift[0] = 0.0
        Fs = F - shift
        g = np.dot(Fs.T, Fs)  # BLAS syrk: half the work of Fs.T @ Fs
        G = g if G is None else G + g
        C = Fs.T @ Y[rows] if C is None else C + Fs.T @ Y[rows]
    p = G.shape[0]
    lin, hin = slice(0, 1 + n_lin), slice(1 + n_lin, p)
    mz = G[0, 1:1 + n_lin] / n
    lin_scale = max(float(np.trace(G[1:1 + n_lin, 1:1 + n_lin])) - n * float(mz @ mz), 0.0)
    # alpha is relative to |H~|² with the linear units projected out (no penalty)
    S0 = G[hin, hin] - G[hin, lin] @ _psd_pinv(G[lin, lin]) @ G[lin, hin]
    scale = max(float(np.trace(S0)), 0.0)
    path = _RidgePath(G, C, float(np.einsum("ij,ij->", Y, Y)), blocks, shift, Y, n, n_lin,
                      lin_scale, scale, exact=p > _EXACT_LOO_LEVERAGE * n)
    grid_h = (_ALPHA_GRID if alpha is None else np.array([alpha])) if p > 1 + n_lin \
        else np.array([np.inf])
    if alpha_linear is not None:
        grid_l = np.array([float(alpha_linear)])
    elif n < _LINEAR_ROWS_PER_UNIT * (1 + n_lin):
        grid_l = _ALPHA_LINEAR_GRID
    else:  # enough rows per linear unit: least squares, not searched
        grid_l = np.zeros(1)
    choose = n > 2
    # one round of coordinate search: the hinge penalty with the linear units
    # unpenalised, then the linear penalty with that hinge penalty (choosing the hinge
    # penalty again after it changed no score on the tables measured)
    a_lin = float(grid_l[0])
    a_hin, (a, w) = path.hinge(a_lin, grid_h, choose and len(grid_h) > 1)
    if len(grid_l) > 1 and choose:
        a_lin, (a, w) = path.linear(a_hin, grid_l)
    a = a.copy()
    a[0] -= shift[1:] @ np.vstack([a[1:], w])  # undo the shift into the intercept
    return a, w, float(a_hin), float(a_lin)


class _RidgePath:
    """The penalised least squares of :func:`_ridge_output` along one penalty at a time.

    ``hinge`` profiles the linear block out (its Schur complement's eigenvectors
    give every hinge penalty's solution and hat matrix), ``linear`` the hinge
    block (a Cholesky factor of ``G_HH + lam I``; the linear block is small).
    Errors are exact leave-one-out (the hat matrix's diagonal, one pass over
    the rows) or GCV from the Gram matrix alone.
    """

    def __init__(self, G, C, yy, blocks, shift, Y, n, n_lin, lin_scale, scale, exact):
        self.G, self.C, self.yy, self.blocks, self.shift, self.Y = G, C, yy, blocks, shift, Y
        self.n, self.exact, self.lin_scale, self.scale = n, exact, lin_scale, scale
        self.lin = slice(0, 1 + n_lin)
        self.hin = slice(1 + n_lin, G.shape[0])
        self.n_lin = n_lin

    def _pen(self, a_lin):
        return np.r_[0.0, np.full(self.n_lin, a_lin * self.lin_scale)]

    def _errors(self, coef, leverage):
        """LOO (or GCV) error of each solution in ``coef`` (k, p, d)."""
        n, eps = self.n, np.finfo(float).eps
        if not self.exact:
            G, C = self.G, self.C
            rss = (self.yy - 2 * np.einsum("apk,pk->a", coef, C)
                   + np.einsum("apk,apk->a", coef, G @ coef))
            return np.maximum(rss, 0.0) / np.maximum(1.0 - leverage(None) / n, eps) ** 2
        errors = np.zeros(len(coef))
        for rows, F in self.blocks():
            Fs = F - self.shift
            R = self.Y[rows][None] - np.einsum("ip,apk->aik", Fs, coef)
            h = leverage(Fs)  # (k, rows)
            errors += np.einsum("aik,aik,ai->a", R, R, 1.0 / np.maximum(1.0 - h, eps) ** 2)
        return errors

    def hinge(self, a_lin, grid, choose):
        G, C, lin, hin = self.G, self.C, self.lin, self.hin
        pen = self._pen(a_lin)
        A_inv = _psd_pinv(G[lin, lin] + np.diag(pen))
        B = A_inv @ G[lin, hin]  # the linear units' (penalised) fit of each hinge unit
        S = G[hin, hin] - G[hin, lin] @ B
        ev, V = np.linalg.eigh((S + S.T) / 2)
        ev = np.maximum(ev, 0.0)
        cv = V.T @ (C[hin] - B.T @ C[lin])
        d = np.array([_inverse_spectrum(ev, a * self.scale if np.isfinite(a) else np.inf,
                                        G.shape[0]) for a in grid])
        W = np.einsum("hj,aj,jk->ahk", V, d, cv)  # every hinge penalty's w
        A = np.einsum("lm,amk->alk", A_inv, C[lin][None]
                      - np.einsum("lh,ahk->alk", G[lin, hin], W))
        if not choose:
            return grid[0], (A[0], W[0])
        coef = np.concatenate([A, W], axis=1)

        def leverage(Fs):
            if Fs is None:  # traces: L A⁻¹ Lᵀ, then H~ (S + lam I)⁻¹ H~ᵀ, H~ = H - L B
                HtH = S - (B.T * pen) @ B
                return float(np.sum(A_inv * G[lin, lin])) + d @ np.einsum(
                    "hj,hj->j", V, HtH @ V)
            L = Fs[:, lin]
            U = (Fs[:, hin] - L @ B) @ V
            return np.einsum("ij,ij->i", L @ A_inv, L)[None] + d @ (U * U).T

        i = int(np.argmin(self._errors(coef, leverage)))
        return grid[i], (A[i], W[i])

    def linear(self, a_hin, grid):
        G, C, lin, hin = self.G, self.C, self.lin, self.hin
        lam = a_hin * self.scale if np.isfinite(a_hin) else np.inf
        n_hin = hin.stop - hin.start
        if n_hin and np.isfinite(lam):
            M = G[hin, hin] + lam * np.eye(n_hin)
            try:  # positive definite when lam > 0: a Cholesky factor, far cheaper than eigh
                Mi = cho_solve(cho_factor(M), np.eye(n_hin))
            except np.linalg.LinAlgError:  # lam = 0 and dependent hinge units
                Mi = _psd_pinv(M)
            K, k_y = Mi @ G[hin, lin], Mi @ C[hin]
        else:  # no hinge units: the linear units alone
            Mi = np.zeros((n_hin, n_hin))
            K, k_y = np.zeros((n_hin, 1 + self.n_lin)), np.zeros((n_hin, C.shape[1]))
        T = G[lin, lin] - G[lin, hin] @ K
        t_y = C[lin] - G[lin, hin] @ k_y
        Ts = [_psd_pinv(T + np.diag(self._pen(a))) for a in grid]
        A = np.array([Ti @ t_y for Ti in Ts])
        W = k_y[None] - np.einsum("hl,alk->ahk", K, A)
        coef = np.concatenate([A, W], axis=1)

        def leverage(Fs):
            if Fs is None:  # traces: H M⁻¹ Hᵀ, then L~ (T + P)⁻¹ L~ᵀ, L~ = L - H K
                LtL = (G[lin, lin] - 2 * G[lin, hin] @ K + K.T @ G[hin, hin] @ K)
                base = float(np.sum(Mi * G[hin, hin]))
                return np.array([base + float(np.sum(Ti * LtL)) for Ti in Ts])
            H = Fs[:, hin]
            Lt = Fs[:, lin] - H @ K
            base = np.einsum("ij,ij->i", H @ Mi, H)
            return np.array([base + np.einsum("ij,ij->i", Lt @ Ti, Lt) for Ti in Ts])

        i = int(np.argmin(self._errors(coef, leverage)))
        return grid[i], (A[i], W[i])


def _hinge_units(Xc, D, basis, pair_knots):
    """Hinge units ``σ(d·(x - c) - κ)``: their directions, and each unit's direction and knot.

    Directions: the span's basis and the input axes, each with knots at the
    group means' projections ``d·(m_j - c)``; then the pairwise directions
    ``(e_i ± e_j)/√2`` with ``pair_knots`` knots each at quantiles of the
    training projections (hinges along ``x_i ± x_j`` make products
    ``x_i x_j = ((x_i + x_j)² - (x_i - x_j)²) / 4`` representable), fewer when
    they would exceed ``_MAX_PAIR_UNITS`` and none below ``_MIN_PAIR_KNOTS``.
    """
    m = Xc.shape[1]
    if len(D) < 2:  # one group: linear only (no m x m identity: 800 MB at m = 10,000)
        return basis, np.zeros(0, dtype=np.intp), np.zeros(0)
    dirs = [basis, np.eye(m)]
    n_main = basis.shape[1] + m
    unit_dir, unit_knot = [], []
    K = D @ np.column_stack(dirs)
    unit_dir.append(np.tile(np.arange(n_main), len(D)))
    unit_knot.append(K.ravel())
    if pair_knots and m >= 2:
        i, j = np.triu_indices(m, 1)
        n_knots = min(pair_knots, _MAX_PAIR_UNITS // (2 * len(i)))
        if n_knots >= min(pair_knots, _MIN_PAIR_KNOTS):
            pairs = np.zeros((m, 2 * len(i)))
            pairs[i, np.arange(len(i))] = pairs[j, np.arange(len(i))] = 1 / np.sqrt(2)
            pairs[i, len(i) + np.arange(len(i))] = 1 / np.sqrt(2)
            pairs[j, len(i) + np.arange(len(i))] = -1 / np.sqrt(2)
            # quantiles from at most _QUANTILE_ROWS evenly spaced rows (order statistics
            # of any order are representative; sorting 1e5 x 240 projections is not cheap)
            sample = Xc[::max(1, len(Xc) // _QUANTILE_ROWS)]
            q = np.quantile(sample @ pairs, (np.arange(n_knots) + 0.5) / n_knots, axis=0)
            unit_dir.append(n_main + np.tile(np.arange(pairs.shape[1]), n_knots))
            unit_knot.append(q.ravel())
            dirs.append(pairs)
    return np.column_stack(dirs), np.concatenate(unit_dir), np.concatenate(unit_knot)


def _shift(Z):
    """β of Theorem 3.1 for projected data ``Z``: twice its radius (1 when it is 0)."""
    radius = float(np.sqrt(np.einsum("ij,ij->i", Z, Z).max(initial=0.0)))
    return _BETA_FACTOR * radius if radius > 0 else 1.0, radius


def _ledoit_wolf_spectrum(dev, ev):
    """Ledoit-Wolf's shrinkage of ``devᵀ dev / n`` (centred rows) from its eigenvalues ``ev``.

    :func:`sklearn.covariance.ledoit_wolf_shrinkage`'s formula, whose two sums need no
    ``n_features²`` product: ``Σ (X²ᵀ X²)_ij = Σ_k |x_k|⁴`` and
    ``|Xᵀ X / n|_F² = Σ ev²``.
    """
    n, m = dev.shape
    sq = np.einsum("ij,ij->i", dev, dev)
    trace = float(sq.sum()) / n
    mu = trace / m
    beta_ = float(sq @ sq)
    delta_ = float(ev @ ev)
    beta = (beta_ / n - delta_) / (m * n)
    delta = (delta_ - 2.0 * mu * trace + m * mu * mu) / m
    beta = min(beta, delta)
    return 0.0 if beta == 0 else beta / delta


def _within_whitening(X, group, means, shrinkage):
    """``S^{-1/2}`` of the within-class covariance shrunk towards ``μ I`` (Ledoit-Wolf).

    ``shrinkage = 1`` gives the identity (Euclidean geometry: NearestCentroid);
    ``0`` the inverse square root of the within-class covariance (LDA's metric).
    Returned as ``(V, d, c)`` with ``S^{-1/2} = V diag(d) Vᵀ + c (I - V Vᵀ)``
    (:func:`_whiten` applies it): with fewer rows than features the covariance has
    rank below ``n_features``, its nonzero spectrum and eigenvectors come from the
    thin SVD of the deviations, and ``S`` is ``μ λ`` on the rest (500 x 2000: 0.1 s
    against 1.5 s for the ``n_features²`` eigendecomposition and the explicit matrix).
    """
    dev = X - means[group]
    n, m = dev.shape
    if n < m:
        _, sv, Vt = np.linalg.svd(dev, full_matrices=False)
        ev, V = sv[::-1] ** 2 / max(n, 1), Vt[::-1].T  # ascending, as eigh's
    else:
        ev, V = np.linalg.eigh(dev.T @ dev / max(n, 1))
    mu = float(ev.sum()) / m
    if mu <= 0:
        return (np.zeros((m, 0)), np.zeros(0), 1.0), 1.0
    if shrinkage != "auto":
        lam = float(shrinkage)
    elif n < m:
        lam = _ledoit_wolf_spectrum(dev, ev)
    else:
        lam = float(ledoit_wolf_shrinkage(dev, assume_centered=True))
    top = (1.0 - lam) * max(ev[-1], 0.0) + lam * mu
    floor = top * m * np.finfo(float).eps
    d = 1.0 / np.sqrt(np.maximum((1.0 - lam) * ev + lam * mu, floor))
    return (V, d, 1.0 / np.sqrt(max(lam * mu, floor))), lam


def _whiten(A, whitening):
    """``A S^{-1/2}`` for rows ``A``, with ``S^{-1/2}`` as :func:`_within_whitening` gives it."""
    V, d, c = whitening
    AV = A @ V
    out = (AV * d) @ V.T
    if V.shape[1] < V.shape[0]:
        out += c * (A - AV @ V.T)
    return out


class _ShallowConstruction(ConstructedNetworkMixin):
    """Theorem 3.1's network and the generalising variants, for groups with targets."""

    def _construct(self, X, Y_true, group, n_groups, log_prior=None):
        """Build the network; ``Y_true`` holds each sample's actual target row.

        ``log_prior`` (classifier, ``"nearest_mean"`` only): log class priors added
        to the class scores.
        """
        X = np.asarray(X, dtype=np.float64)
        Y = self.targets_
        _check_magnitude(Y, "Targets")
        scale = data_scale(X)
        self._input_scale = scale
        Xs = X / scale
        means, counts = _group_means(Xs, group, n_groups)
        kind = self.output_layer
        if kind == "ridge":
            layers = self._ridge_layers(Xs, Y_true, group, means)
        elif kind == "nearest_mean":
            layers = self._nearest_mean_layers(Xs, group, means, Y, log_prior)
        else:
            layers = self._constructive_layers(Xs, group, means, Y)
        coefs, intercepts = layers.pop("coefs"), layers.pop("intercepts")
        coefs[0] = coefs[0] / scale
        self._set_network(ReLUNetwork(coefs, intercepts))
        for name, value in layers.items():
            setattr(self, name, value)
        self.beta_ = self.beta_ * scale
        self.center_ = self.center_ * scale
        self.group_means_ = means * scale
        self.group_counts_ = counts
        for name, value in paper_bounds(Xs, group, means, Y).items():
            setattr(self, name + "_", value)
        out = self.network_.forward(X)
        r = out - Y_true
        self.training_cost_ = 0.5 * float(np.einsum("ij,ij->", r, r))
        self.training_rms_ = _rms(r)
        self.group_rms_ = _rms(out - Y[group])
        self.weighted_cost_ = weighted_l2_cost(out, Y[group], group)
        self.theorem_3_2_value_ = (
            theorem_3_2_cost(Xs, group, Y)
            if Xs.shape[1] == n_groups and np.linalg.matrix_rank(means) == n_groups else None)
        return out

    def _span(self, D, centred):
        """Orthonormal basis of the span of the (centred) means, warning when deficient."""
        _, basis, rank = _pinv_map(D, np.zeros((len(D), 1)))
        needed = len(D) - 1 if centred else len(D)
        if rank < needed:
            warnings.warn(
                f"The {len(D)} group means are not {'affinely' if centred else 'linearly'} "
                f"independent (rank {rank} < {needed}, n_features = {D.shape[1]}): Theorem "
                "3.1 assumes X0red of full rank, so the means cannot all be mapped to their "
                "targets; Pen(X0red) is the pseudo-inverse of the rank-deficient matrix.",
                AssumptionWarning, stacklevel=5)
        return basis, rank

    def _beta(self, Z):
        """β: the paper's ``2 max |x|`` on the projected data, or the user's (checked).

        ``Z`` is in the construction's rescaled units; the user's ``beta`` and
        the messages are in the units of ``x``.
        """
        beta, radius = _shift(Z)
        if self.beta is None:
            return beta
        s = self._input_scale
        beta = float(self.beta) / s
        if radius > 0 and beta > _BETA_MAX_RATIO * radius:
            raise ValueError(
                f"beta = {beta * s:.3g} is {beta / radius:.1e} times the radius of the "
                f"projected data: adding it erases more than {int(np.log10(_BETA_MAX_RATIO))} "
                "of float64's 16 digits of x. Use beta=None (2 max |P(x - c)|) or a value "
                "closer to the data's scale.")
        if beta <= radius * (1 + 1e-12):
            warnings.warn(f"beta = {beta * s:.3g} does not exceed max |P(x - c)| = "
                          f"{radius * s:.3g}: ReLU truncates some training points (Theorem "
                          "3.1 takes beta >= 2 max |x|).", AssumptionWarning, stacklevel=5)
        return beta

    def _constructive_layers(self, Xs, group, means, Y):
        """Theorem 3.1's layers (``"constructive"``), or least squares on its hidden layer."""
        centred = self.centering == "means"
        center = means.mean(axis=0) if centred else np.zeros(Xs.shape[1])
        y_center = Y.mean(axis=0) if centred else np.zeros(Y.shape[1])
        basis, rank = self._span(means - center, centred)
        A = _pinv_map(means - center, Y - y_center)[0]  # Pen(X0red) Y, row convention
        if rank == 0:  # all means coincide: one idle unit, the output is the mean target
            basis = np.zeros((Xs.shape[1], 1))
        r = basis.shape[1]
        beta = self._beta((Xs - center) @ basis)
        width = max(Xs.shape[1], r) if self.width == "full" else r
        W1 = np.zeros((Xs.shape[1], width))
        W1[:, :r] = basis
        b1 = np.zeros(width)
        b1[:r] = beta - center @ basis
        W2 = np.zeros((width, Y.shape[1]))
        W2[:r] = basis.T @ A
        # b2 reverts the shift: on the positive sector the network is ȳ + (x - c) A
        b2 = y_center - beta * W2[:r].sum(axis=0)
        if self.output_layer == "lstsq":
            H = np.maximum(Xs @ W1[:, :r] + b1[:r], 0.0)
            sol = np.linalg.lstsq(np.column_stack([H, np.ones(len(H))]), Y[group],
                                  rcond=None)[0]
            W2[:r], b2 = sol[:-1], sol[-1]
        return {"coefs": [W1, W2], "intercepts": [b1, b2], "beta_": beta, "center_": center,
                "components_": basis, "_metric_map": basis.T @ A, "_whitening": None}

    def _nearest_mean_layers(self, Xs, group, means, Y, log_prior=None):
        """The construction on whitened inputs, deciding by the nearest whitened mean.

        The hidden layer is Theorem 3.1's (projection onto the span of the means,
        shifted by β) after ``x ↦ (x - c) T`` with ``T`` the inverse square root of
        the shrunk within-class covariance; the output scores
        ``z·m̃_j - ½|m̃_j|² + log π_j`` rank the classes by distance to the whitened
        means, less the log prior (LDA's rule; equal priors and ``shrinkage=1``:
        NearestCentroid's), and are mapped onto the targets by least squares with a
        positive scale (:func:`scaled_score_layer`), which keeps the decision.  The
        scores are linear in ``z``, so the prior is a shift of the output bias.
        """
        center = means.mean(axis=0)
        T, lam = _within_whitening(Xs, group, means, self.shrinkage)
        Mw = _whiten(means - center, T)
        basis, rank = self._span(Mw, centred=True)
        if rank == 0:
            basis = np.zeros((Xs.shape[1], 1))
        proj = _whiten(basis.T, T).T  # (M, r), S^{-1/2} symmetric: input -> span coordinates
        Z = (Xs - center) @ proj
        beta = self._beta(Z)
        W1, b1 = proj, beta - center @ proj
        H = np.maximum(Xs @ W1 + b1, 0.0)
        P = (Mw @ basis).T  # (r, Q) whitened means in span coordinates
        W_s = P
        b_s = -beta * P.sum(axis=0) - 0.5 * np.einsum("ij,ij->j", P, P)
        if log_prior is not None:
            b_s = b_s + log_prior
        if targets_are_orthogonal(Y):
            W2, b2 = scaled_score_layer(W_s, b_s, H, Y, group)
        else:  # the score trick keeps the decision only for one-hot-like targets
            sol = np.linalg.lstsq(np.column_stack([H, np.ones(len(H))]), Y[group],
                                  rcond=None)[0]
            W2, b2 = sol[:-1], sol[-1]
        A = _pinv_map(Mw, Y - Y.mean(axis=0))[0]
        return {"coefs": [W1, W2], "intercepts": [b1, b2], "beta_": beta, "center_": center,
                "components_": basis, "_metric_map": basis.T @ A, "_whitening": T,
                "shrinkage_": lam}

    def _ridge_layers(self, Xs, Y_true, group, means):
        """Linear units of the construction, hinge units at the group means, ridge output.

        The first ``M`` units are the construction's projection extended to a full
        rotation (span of the centred means first, then its complement), shifted
        by β: on the training range they are the identity, so the network nests a
        linear regression.  With more features than rows the rotation is cut to the
        directions in which the rows vary (at most ``n - 1``): a ridge fit gives the
        others zero weight, so the network's outputs are those of the full rotation,
        without its ``M³`` cost (100 x 10,000: minutes and gigabytes before).  The
        hinge units ``σ(d·(x - c) - d·(m_j - c))`` truncate each direction ``d``
        (the span's basis and the input axes) at the group means.  The output
        layer is ridge, with one penalty for the linear units and one for the hinge
        units (:func:`_ridge_output`).
        """
        m = Xs.shape[1]
        center = means.mean(axis=0)
        D = means - center
        _, basis, rank = _pinv_map(D, np.zeros((len(D), 1)))
        # the SVD's signs are arbitrary and a hinge along -d is another unit once the
        # linear units are penalised: each direction's largest entry is made positive
        # (svd_flip's convention), so rounding of the input cannot flip the model
        if rank:
            big = np.abs(basis).argmax(axis=0)
            basis = basis * np.sign(basis[big, np.arange(rank)])
        if m > len(Xs):
            # the directions of the rows' affine hull (they hold the centred means) not
            # in the means' span: the singular values of their part outside it are 1 or 0
            rest = affine_hull_basis(Xs)[1]
            rest = rest - basis @ (basis.T @ rest)
            U, s, _ = np.linalg.svd(rest, full_matrices=False)
            rotation = np.column_stack([basis, U[:, s > 0.5]])
        else:
            full = np.linalg.svd(np.column_stack([basis, np.eye(m)]), full_matrices=True)[0]
            # a full rotation whose first columns span the means
            rotation = np.column_stack([basis, full[:, rank:m]]) if rank else np.eye(m)
        n_lin = rotation.shape[1]
        # |x R| = |x|: the rotated data's radius is the farthest row's, found by blocks
        # (Xs - center whole would be another n x m copy)
        far, far_sq = 0, -1.0
        for start in range(0, len(Xs), 65536):
            sq = np.einsum("ij,ij->i", *(2 * [Xs[start:start + 65536] - center]))
            if sq.size and sq.max() > far_sq:
                far, far_sq = start + int(sq.argmax()), float(sq.max())
        beta = self._beta(Xs[far:far + 1] - center)
        directions, unit_dir, unit_knot = _hinge_units(Xs - center, D, basis, self.pair_knots)
        scale_y = data_scale(Y_true)
        Yn = Y_true / scale_y
        n_units = 1 + n_lin + unit_dir.size
        rows = max(256, _BLOCK_FLOATS // n_units)

        n = len(Xs)
        buffer = np.empty((min(n, rows), n_units))
        cached = []
        # every unit's input weights and offset: one product per block fills [Z, H]
        unit_coef = np.column_stack([rotation, directions[:, unit_dir]])
        unit_offset = np.r_[center @ rotation, center @ directions[:, unit_dir] + unit_knot]

        def fill(start):  # [1, Z, H] of a block of rows, written into the one buffer
            F = buffer[:min(rows, n - start)]
            F[:, 0] = 1.0
            units = F[:, 1:]
            np.matmul(Xs[start:start + rows], unit_coef, out=units)
            units -= unit_offset
            np.maximum(units[:, n_lin:], 0.0, out=units[:, n_lin:])
            return F

        def blocks():  # the hinge features are never held whole; one block is kept
            if n <= rows:
                if not cached:
                    cached.append(fill(0))
                yield slice(0, n), cached[0]
                return
            for start in range(0, n, rows):
                yield slice(start, min(start + rows, n)), fill(start)

        a, w, alpha, alpha_linear = _ridge_output(
            blocks, len(Xs), n_lin, Yn, self.alpha, self.alpha_linear)
        if not np.isfinite(alpha):  # drop the idle hinge units
            w, unit_dir, unit_knot = w[:0], unit_dir[:0], unit_knot[:0]
        W1 = np.column_stack([rotation, directions[:, unit_dir]])
        b1 = np.r_[beta - center @ rotation, -(center @ directions)[unit_dir] - unit_knot]
        W2 = np.vstack([a[1:], w]) * scale_y
        b2 = (a[0] - beta * a[1:].sum(axis=0)) * scale_y
        return {"coefs": [W1, W2], "intercepts": [b1, b2], "beta_": beta, "center_": center,
                "components_": basis if rank else np.zeros((m, 0)), "_whitening": None,
                "alpha_": float(alpha), "alpha_linear_": float(alpha_linear),
                "n_hinge_units_": int(w.shape[0]),
                "_metric_map": None}

    def describe(self):
        """Layer-by-layer account of the constructed network.

        Returns
        -------
        table : LayerTable
            The hidden layer and the output layer, with widths, condition numbers
            and the paper's bounds.

        Examples
        --------
        >>> from sklearn.datasets import load_iris
        >>> from sktrunc import ShallowBoundClassifier
        >>> X, y = load_iris(return_X_y=True)
        >>> table = ShallowBoundClassifier().fit(X, y).describe()
        >>> [r["action"] for r in table][1]
        'nearest_mean output'
        >>> [r["action"] for r in table][0]
        'whitens, then projects onto the span of the 3 means, shifted by beta'
        """
        check_is_fitted(self)
        action = f"projects onto the span of the {len(self.targets_)} means, shifted by beta"
        if self.output_layer == "ridge":
            action = (f"rotation onto the span of the {len(self.targets_)} means, shifted by "
                      f"beta, and {self.n_hinge_units_} hinge units at the means")
        elif self.output_layer == "nearest_mean":
            action = "whitens, then " + action
        rows = [
            {"layer": 1, "width": self.coefs_[0].shape[1], "beta": self.beta_,
             "action": action,
             "cond": float(np.linalg.cond(self.coefs_[0]))},
            {"layer": 2, "width": self.coefs_[1].shape[1],
             "action": f"{self.output_layer} output",
             "cond": float(np.linalg.cond(self.coefs_[1]))},
        ]
        title = (f"{type(self).__name__}: {self.network_}; training cost (14) "
                 f"{self.training_cost_:.4g}, RMS {self.training_rms_:.4g}, bound (3.15) "
                 f"{self.bound_3_15_:.4g}, centred {self.bound_centred_:.4g}, (3.16) "
                 f"{self.bound_3_16_:.4g}, delta_P {self.delta_P_:.4g}")
        return LayerTable(["layer", "action", "width", "beta", "cond"], rows, title=title)

    def _metric_decision(self, X):
        """Theorem 3.3: nearest group mean of the truncated projection, in the metric d."""
        X = np.asarray(X, dtype=np.float64)
        r = self.components_.shape[1]
        s = self._input_scale
        x_tilde = self.network_.hidden_outputs(X)[0][:, :r] - self.beta_ / s
        means = (self.group_means_ - self.center_) / s
        if self._whitening is not None:
            means = _whiten(means, self._whitening)
        means = means @ self.components_
        diff = (x_tilde[:, None, :] - means[None]) @ self._metric_map
        return np.argmin(np.einsum("ijk,ijk->ij", diff, diff), axis=1)


_COMMON_PARAMS = {
    "centering": [StrOptions({"means", "none"})],
    "width": [StrOptions({"reduced", "full"})],
    "beta": [None, Interval(Real, 0, None, closed="neither")],
    "targets": [None, "array-like"],
}


class ShallowBoundRegressor(_ShallowConstruction, RegressorMixin, BaseEstimator):
    """One-hidden-layer ReLU regressor built in closed form from Theorem 3.1.

    The hidden layer is the paper's: it projects the input onto the span of the
    group means, rotates that span onto its first coordinates and shifts it by
    ``β`` into the positive sector, where ReLU is the identity.  The default
    output (``"ridge"``) generalises: the projection is extended to a full
    rotation (so the network nests a linear regression), hinge units truncate
    each direction at the group means and the pairwise directions at quantiles,
    and a ridge output layer is fitted, its two penalties (linear and hinge
    units) chosen by closed-form leave-one-out.  The paper's constructive
    output, whose training cost *is* the bound (3.15), is
    ``output_layer="constructive"``.

    Parameters
    ----------
    target_type : {"auto", "labels", "vectors", "continuous"}, default="auto"
        How ``y`` defines the groups.  ``"labels"``: class labels, mapped to
        ``targets`` (one-hot by default; ``predict`` returns target vectors).
        ``"vectors"``: a 2-D ``y`` whose distinct rows are the targets.
        ``"continuous"``: ordinary regression targets, split into ``n_groups``
        equal groups along their first principal direction (quantile bins of a
        1-D ``y``); the group targets are the group averages.  ``"auto"``:
        ``"labels"`` when ``targets`` is given, ``"vectors"`` for a ``y`` of
        several columns with at most ``n_samples / 2`` distinct rows, else
        ``"continuous"``.
    n_groups : int, default=None
        Groups for continuous targets.  When None: with ``"ridge"``,
        ``min(n_samples // 10, 2 (n_features + 1))`` (at least ten samples per
        group; fewer than two groups means no hinge units, a linear regression);
        otherwise ``n_features + 1`` (the most whose means can be affinely
        independent), capped at ``n_samples``.
    output_layer : {"ridge", "constructive", "lstsq"}, default="ridge"
        ``"ridge"``: linear and hinge units, ridge output layer (see above and
        Notes).  ``"constructive"``: Theorem 3.1's network; for labels or target
        vectors its training cost equals the bound, for continuous targets it
        only maps each group mean to the group's average (a poor predictor).
        ``"lstsq"``: least squares on Theorem 3.1's hidden layer (a reduced-rank
        linear regression for continuous targets).
    alpha : float or None, default=None
        Ridge penalty of the hinge units (``"ridge"`` only), relative to the
        squared Frobenius norm of the hinge features with the linear part
        projected out, so it does not depend on the scale of ``X``; ``0`` is
        least squares.  ``None``: the smallest leave-one-out error (GCV when
        ``n_samples`` exceeds ten times the units) among ``logspace(-4, 3, 15)``
        and ``inf`` (no hinge units), as ``RidgeCV`` chooses.  Tune it with
        ``GridSearchCV`` like ``Ridge``'s.
    alpha_linear : float or None, default=None
        Ridge penalty of the linear units (``"ridge"`` only), relative to the
        squared Frobenius norm of the centred linear units (for standardised
        inputs ``Ridge(alpha=a)`` is ``alpha_linear = a / (n_samples
        n_features)``); ``0`` leaves them unpenalised, as linear regression.
        ``None``: with fewer than 10 samples per linear unit
        (``n_samples < 10 (n_features + 1)``) the smallest leave-one-out error
        among ``0`` and ``logspace(-5, 1, 7)``, as ``RidgeCV`` chooses, given
        the hinge penalty (Linnerud, 20 rows of 3 features: -3.1 instead of
        -8.0); otherwise ``0``.
    pair_knots : int, default=3
        ``"ridge"`` only: hinge units along every pairwise direction
        ``(e_i ± e_j)/√2`` of the inputs, with this many knots each at quantiles
        of the training data, so the network can represent interactions
        ``x_i x_j``; ``0`` switches them off (an additive model plus the span's
        directions).  Reduced to keep them at most 512 units and dropped below 2
        knots, so they are used up to 16 features.
    centering : {"means", "none"}, default="means"
        ``"constructive"``/``"lstsq"``: centre at the centroid of the means
        (translation-invariant, needs only affinely independent means) or the
        paper's uncentred form (linearly independent means, ``Q <= M``).
    width : {"reduced", "full"}, default="reduced"
        ``"constructive"``/``"lstsq"``: hidden width the rank of the means or
        the paper's ``M`` (the others being zero units).
    beta : float, default=None
        Shift into the positive sector; ``2 max |P(x - c)|`` when None (the paper
        takes ``β ≥ 2 max |x|``).  A ``beta`` more than ``1e8`` times the data's
        radius is refused (it would erase the inputs' digits).
    targets : array-like of shape (n_classes, d), default=None
        Target vectors for ``target_type="labels"``; one-hot when None.

    Attributes
    ----------
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of features seen during fit, when ``X`` has string column names.
    target_type_ : str
        The resolved target type.
    labels_ : ndarray of shape (n_labels,)
        ``target_type="labels"`` only: the labels, in the order of ``targets_``.
    targets_ : ndarray of shape (n_groups, d)
        Target vector of each group (group averages for continuous targets).
    n_groups_ : int
        Number of groups.
    network_ : ReLUNetwork
        The constructed network (one hidden layer).
    coefs_, intercepts_ : list of ndarray
        Its layers in scikit-learn MLP orientation.
    n_params_ : int
        Weights and biases.
    training_cost_ : float
        Eq. (14), ``½ Σ_i |f(x_i) - y_i|²`` of a forward pass, against the actual
        ``y``.
    training_rms_ : float
        ``sqrt((1/N) Σ_i |f(x_i) - y_i|²)``, the paper's normalisation (2.27).
    group_rms_ : float
        The same against the group targets ``y_{j(i)}``; with
        ``"constructive"`` it equals ``bound_centred_`` (``centering="means"``)
        or ``bound_3_15_`` (``"none"``).  Equal to ``training_rms_`` for labels
        and target vectors.
    bound_3_15_ : float
        The paper's bound (3.15), ``||Y Pen(X0red) ΔX0||_F / √N`` with the raw
        group means.
    bound_centred_ : float
        (3.15) with the means and targets centred at their centroids (the
        value the default ``centering="means"`` construction attains).
    bound_3_16_ : float
        (3.16), ``||Y||_op δ_P``.
    delta_P_ : float
        Noise-to-signal ratio ``δ_P = sup |Pen(X0red) Δx|`` (3.1).
    weighted_cost_ : float
        ``Σ_j (1/N_j) Σ_i |f(x_{j,i}) - y_j|²`` against the group targets.
    theorem_3_2_value_ : float or None
        ``C_N`` of Theorem 3.2 (``M = Q`` and independent means only): the
        square root of the weighted cost of the best bias-free last layer, not a
        minimum of the architecture (see :func:`theorem_3_2_cost`).
    alpha_ : float
        ``"ridge"``: the penalty used (``inf``: hinge units dropped).
    alpha_linear_ : float
        ``"ridge"``: the linear units' penalty used.
    n_hinge_units_ : int
        ``"ridge"``: hinge units kept.
    beta_ : float
        The shift used.
    center_, components_ : ndarray
        Centre and orthonormal basis of the span of the means.
    group_means_, group_counts_ : ndarray
        Means and sizes of the groups.

    See Also
    --------
    ShallowBoundClassifier : the construction as a classifier.
    sklearn.linear_model.RidgeCV : the linear model the ``"ridge"`` output nests.

    Notes
    -----
    Theorem 3.1: with ``P`` the projector onto the span of the means and ``R``
    rotating it onto the first coordinates, ``W1 = R P``, ``b1 = β P_R u``,
    ``W2 = Y Pen(X0red) Rᵀ``, ``b2 = -W2 β P_R u``; on the training data the
    network is ``x ↦ Y Pen(X0red) x`` and its cost (2.27) equals (3.15), which
    (3.16) bounds by ``||Y||_op δ_P``.

    For continuous targets the groups are quantile bins of ``y``, so the span of
    their means holds the directions along which ``y`` moves (sliced inverse
    regression's).  The ``"ridge"`` network is
    ``f(x) = a₀ + Σ_k a_k (r_k·(x - c) + β) + Σ_{d, j} w_{dj} σ(d·(x - m_j))``,
    hinges ``d`` along the span's basis and the input axes with knots at the
    group means, and along ``(e_i ± e_j)/√2`` with knots at quantiles.  With
    ``n_groups=1, pair_knots=0, alpha_linear=0`` it is ``LinearRegression`` on
    the training range.  The output layer is solved from blocks of rows in the
    units' space (memory: one block of rows and the units' Gram matrix).
    Cross-validated R² (5 folds, standardised; ``benchmarks/bench_regression.py``):
    diabetes 0.50 (linear regression 0.48), Friedman #1 0.92 (0.71,
    MLPRegressor 0.89), Linnerud -3.1 (-8.0, Ridge -5.9).  Inputs
    are divided by ``max |x|`` before the construction and the factor folded into
    the first layer, so a model fitted on ``s X`` predicts on ``s X`` what it
    predicts on ``X``.

    References
    ----------
    .. [1] T. Chen, P. Muñoz Ewald, "Geometric structure of shallow neural
       networks and constructive L2 cost minimization", arXiv:2309.10370.

    Examples
    --------
    >>> import numpy as np
    >>> from sktrunc import ShallowBoundRegressor
    >>> rng = np.random.default_rng(0)
    >>> X = rng.uniform(-1, 1, (200, 2))
    >>> y = np.abs(X[:, 0]) + 0.05 * rng.normal(size=200)
    >>> reg = ShallowBoundRegressor().fit(X, y)
    >>> bool(reg.score(X, y) > 0.9), reg.network_.layer_sizes[0]
    (True, 2)
    >>> means = np.eye(3)
    >>> Xc = np.repeat(means, 10, axis=0) + 0.05 * rng.normal(size=(30, 3))
    >>> Y = np.repeat(np.eye(3), 10, axis=0)
    >>> paper = ShallowBoundRegressor(output_layer="constructive").fit(Xc, Y)
    >>> paper.target_type_, bool(np.isclose(paper.training_rms_, paper.bound_centred_))
    ('vectors', True)
    """

    _parameter_constraints: dict = {
        **_COMMON_PARAMS,
        "output_layer": [StrOptions({"ridge", "constructive", "lstsq"})],
        "alpha": [None, Interval(Real, 0, None, closed="left")],
        "alpha_linear": [None, Interval(Real, 0, None, closed="left")],
        "pair_knots": [Interval(Integral, 0, None, closed="left")],
        "target_type": [StrOptions({"auto", "labels", "vectors", "continuous"})],
        "n_groups": [None, Interval(Integral, 1, None, closed="left")],
    }

    def __init__(self, *, target_type="auto", n_groups=None, output_layer="ridge", alpha=None,
                 alpha_linear=None, pair_knots=3, centering="means", width="reduced",
                 beta=None, targets=None):
        self.target_type = target_type
        self.n_groups = n_groups
        self.output_layer = output_layer
        self.alpha = alpha
        self.alpha_linear = alpha_linear
        self.pair_knots = pair_knots
        self.centering = centering
        self.width = width
        self.beta = beta
        self.targets = targets

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y):
        """Construct the network.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : array-like of shape (n_samples,) or (n_samples, d)
            Labels, target vectors or continuous targets (see ``target_type``).

        Returns
        -------
        self : object
        """
        kind = self.target_type
        X, y = validate_data(self, X, y, dtype=[np.float64, np.float32], multi_output=True,
                             y_numeric=kind in ("auto", "continuous", "vectors"))
        y_arr = np.asarray(y)
        kind = self._resolve_target_type(y_arr)
        self.target_type_ = kind
        self._y_1d = y_arr.ndim == 1
        if kind == "labels":
            check_classification_targets(y_arr)
            self.labels_, group = np.unique(y_arr, return_inverse=True)
            self.targets_ = resolve_targets(self.targets, len(self.labels_))
            Y_true = self.targets_[group]
        else:
            Y_true = np.asarray(y_arr, dtype=np.float64).reshape(len(y_arr), -1)
            _check_magnitude(Y_true, "Targets")
            if kind == "vectors":
                self.targets_, group = np.unique(Y_true, axis=0, return_inverse=True)
                group = group.ravel()
            else:
                group, self.targets_ = self._continuous_groups(Y_true, X.shape[1])
        self.n_groups_ = len(self.targets_)
        self._construct(X, Y_true, group, self.n_groups_)
        return self

    def _resolve_target_type(self, y):
        if self.target_type != "auto":
            return self.target_type
        if self.targets is not None:
            return "labels"
        if y.ndim == 2 and y.shape[1] > 1 and len(np.unique(y, axis=0)) <= len(y) / 2:
            return "vectors"
        return "continuous"

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        return tags

    def _default_n_groups(self, n, m):
        if self.output_layer != "ridge":
            return min(m + 1, n)
        # at most 2m hinge directions (the span's basis and the input axes)
        return max(1, min(n // _SAMPLES_PER_GROUP, _GROUPS_PER_FEATURE * (m + 1),
                          _MAX_HINGE_UNITS // (2 * m)))

    def _continuous_groups(self, Y, m):
        """Equal-size groups along the targets' first principal direction, and their averages."""
        n = len(Y)
        k = self._default_n_groups(n, m) if self.n_groups is None else min(self.n_groups, n)
        if k == n:
            group = np.arange(n)
        else:
            Yc = Y - Y.mean(axis=0)
            direction = (np.linalg.svd(Yc, full_matrices=False)[2][0] if Y.shape[1] > 1
                         else np.ones(1))
            order = np.argsort(Yc @ direction, kind="stable")
            group = np.empty(n, dtype=np.intp)
            group[order] = np.arange(n) * k // n
        return group, _group_means(Y, group, k)[0]

    def predict(self, X):
        """Output of the network.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        y_pred : ndarray of shape (n_samples,) or (n_samples, d)
            Raveled when ``y`` was 1-D continuous.
        """
        check_is_fitted(self)
        X = validate_data(self, X, reset=False, dtype=[np.float64, np.float32])
        out = self.network_.forward(X)
        if self._y_1d and self.target_type_ == "continuous":
            return out.ravel()
        return out

    def score(self, X, y, sample_weight=None):
        """R² of the prediction; labels are compared through their target vectors.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : array-like of shape (n_samples,) or (n_samples, d)
            With ``target_type="labels"``, labels seen in fit.
        sample_weight : array-like of shape (n_samples,), default=None

        Returns
        -------
        score : float
        """
        check_is_fitted(self)
        if self.target_type_ == "labels":
            y = np.asarray(y)
            idx = np.searchsorted(self.labels_, y)
            idx = np.clip(idx, 0, len(self.labels_) - 1)
            if not np.all(self.labels_[idx] == y):
                raise ValueError("y holds labels not seen in fit.")
            y = self.targets_[idx]
        return super().score(X, y, sample_weight=sample_weight)


class ShallowBoundClassifier(_ShallowConstruction, BaseConstructedClassifier):
    """Theorem 3.1's network as a classifier.

    The default output (``"nearest_mean"``) generalises: the construction runs
    on the inputs whitened by the shrunk within-class covariance and the network
    decides by the nearest whitened class mean, less the log class prior (LDA's
    rule; with ``priors="equal"`` and ``shrinkage=1`` exactly NearestCentroid's).
    The paper's constructive network, deciding by Theorem 3.3's metric and
    certified by the bound (3.15), is ``output_layer="constructive"``.

    Parameters
    ----------
    output_layer : {"nearest_mean", "constructive", "lstsq"}, default="nearest_mean"
        ``"nearest_mean"``: see above.  ``"constructive"``: Theorem 3.1's
        output layer (training RMS equals the bound; decides by Theorem 3.3's
        metric).  ``"lstsq"``: least squares on Theorem 3.1's hidden layer.
    shrinkage : "auto" or float in [0, 1], default="auto"
        ``"nearest_mean"`` only: shrinkage of the within-class covariance towards
        a multiple of the identity; ``"auto"`` is Ledoit-Wolf's.
    priors : None, "equal" or array-like of shape (n_classes,), default=None
        ``"nearest_mean"`` with one-hot-like targets only: class priors ``π_j``,
        whose logs are added to the class scores (a shift of the output bias).
        None: the class proportions of the training data (as in
        :class:`~sklearn.discriminant_analysis.LinearDiscriminantAnalysis`);
        ``"equal"``: the nearest whitened mean alone, which favours no class (the
        rule to use when errors on a rare class cost as much as all the others,
        ``scoring="balanced_accuracy"``).  Given priors must be positive and are
        normalised to sum to one.  5-fold accuracy, proportions against equal:
        imbalanced tables gain (7 classes 0.520 -> 0.653, a 6-class table of 214
        rows 0.654 -> 0.706); balanced ones are unchanged up to rounding of the
        folds (iris, wine, digits equal; breast cancer 0.967 -> 0.960).
    centering : {"means", "none"}, default="means"
        See :class:`ShallowBoundRegressor`.
    width : {"reduced", "full"}, default="reduced"
        See :class:`ShallowBoundRegressor`.
    beta : float, default=None
        See :class:`ShallowBoundRegressor`.
    targets : array-like of shape (n_classes, d), default=None
        Target vectors; one-hot when None.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        Class labels.
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of features seen during fit, when ``X`` has string column names.
    targets_, network_, coefs_, intercepts_, n_params_ : see ShallowBoundRegressor
    training_cost_ : float
        Eq. (14), ``½ Σ_i |f(x_i) - y_{j(i)}|²`` of a forward pass.
    training_accuracy_ : float
        Fraction of training points whose nearest target is their class's.
    training_rms_, group_rms_, bound_3_15_, bound_centred_, bound_3_16_, delta_P_ : float
        As in :class:`ShallowBoundRegressor`.
    weighted_cost_, theorem_3_2_value_ : float
        As in :class:`ShallowBoundRegressor`.
    shrinkage_ : float
        ``"nearest_mean"``: the shrinkage used.
    priors_ : ndarray of shape (n_classes,)
        The class priors (used by ``"nearest_mean"`` with one-hot-like targets).

    See Also
    --------
    sklearn.neighbors.NearestCentroid : nearest class mean, Euclidean metric
        (``shrinkage=1``).
    sklearn.discriminant_analysis.LinearDiscriminantAnalysis : nearest mean in
        the within-class metric, with class priors.

    Notes
    -----
    Theorem 3.3: ``d(x, x') = |Y Pen(X0red)(x - x')|`` is a metric on the span
    of the means; with ``x̃`` the (truncated) projection read off the hidden
    layer, the constructive network matches ``x`` to ``argmin_j d(x̃, x̄_j)``
    (``metric_predict``), the same class as ``argmin_j |f(x) - y_j|``.  That
    rule weighs directions by ``Y Pen(X0red)``, not by the spread of the
    classes, and is a weak classifier (iris 0.71, NearestCentroid 0.87); the
    whitened nearest mean scores at least NearestCentroid on every table
    measured (iris 0.98, digits 0.91; see the user guide).

    References
    ----------
    .. [1] T. Chen, P. Muñoz Ewald, "Geometric structure of shallow neural
       networks and constructive L2 cost minimization", arXiv:2309.10370.

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from sktrunc import ShallowBoundClassifier
    >>> X, y = load_iris(return_X_y=True)
    >>> clf = ShallowBoundClassifier().fit(X, y)
    >>> clf.network_.layer_sizes, bool(clf.training_accuracy_ > 0.95)
    ((4, 2, 3), True)
    >>> paper = ShallowBoundClassifier(output_layer="constructive").fit(X, y)
    >>> round(paper.training_rms_, 6) == round(paper.bound_centred_, 6)
    True
    """

    _parameter_constraints: dict = {
        **_COMMON_PARAMS,
        "output_layer": [StrOptions({"nearest_mean", "constructive", "lstsq"})],
        "shrinkage": [StrOptions({"auto"}), Interval(Real, 0, 1, closed="both")],
        "priors": [None, StrOptions({"equal"}), "array-like"],
    }

    def __init__(self, *, output_layer="nearest_mean", shrinkage="auto", priors=None,
                 centering="means", width="reduced", beta=None, targets=None):
        self.output_layer = output_layer
        self.shrinkage = shrinkage
        self.priors = priors
        self.centering = centering
        self.width = width
        self.beta = beta
        self.targets = targets

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y):
        """Construct the network.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : array-like of shape (n_samples,)
            Class labels.

        Returns
        -------
        self : object
        """
        X, group = self._validate_labels(X, y)
        n_classes = len(self.classes_)
        if self.priors is None:
            priors = np.bincount(group, minlength=n_classes) / len(group)
        elif isinstance(self.priors, str):  # "equal"
            priors = np.full(n_classes, 1.0 / n_classes)
        else:
            priors = np.asarray(self.priors, dtype=np.float64)
            if priors.shape != (n_classes,):
                raise ValueError(f"priors has shape {priors.shape}; {n_classes} classes "
                                 f"need shape ({n_classes},).")
            if not np.all(np.isfinite(priors)) or np.any(priors <= 0):
                raise ValueError("priors must be finite and positive (a zero prior would "
                                 "never predict its class; leave the class out instead).")
            priors = priors / priors.sum()
        self.priors_ = priors
        self._construct(X, self.targets_[group], group, n_classes, np.log(priors))
        _, self.training_accuracy_, self.temperature_ = self._training_statistics(X, group)
        return self

    def metric_predict(self, X):
        """Classes by Theorem 3.3's metric on the truncated projection.

        Equal to ``predict`` with ``output_layer="constructive"``; with
        ``"nearest_mean"`` it is Theorem 3.3's rule in the whitened coordinates.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        y_pred : ndarray of shape (n_samples,)
        """
        check_is_fitted(self)
        X = validate_data(self, X, reset=False, dtype=[np.float64, np.float32])
        return self.classes_[self._metric_decision(X)]


# Section 4's stopping rule (the authors' notebook): a loss counts as an improvement
# when it falls below best * (1 - 1e-4).
_GD_IMPROVEMENT = 1e-4


def _init_layers(rng, m, width, q):
    """PyTorch's default initialisation: uniform in ±1/sqrt(fan_in)."""
    bound1, bound2 = 1 / np.sqrt(m), 1 / np.sqrt(width)
    return [rng.uniform(-bound1, bound1, (m, width)), rng.uniform(-bound1, bound1, width),
            rng.uniform(-bound2, bound2, (width, q)), rng.uniform(-bound2, bound2, q)]


def _gradient_descent(X, Y, width, seed, lr, momentum, max_epochs, patience):
    """Full-batch SGD with momentum on an M -> width (ReLU) -> Q network.

    The loss is ``(1/N) Σ_i |f(x_i) - y_i|²`` (the notebook's normalisation:
    divided by the number of samples, not by samples times outputs); stop when
    it has not fallen below ``best (1 - 1e-4)`` for ``patience`` epochs.

    Returns
    -------
    start, end : float
        ``sqrt((1/N) Σ |f - y|²)`` at the initialisation and at the end.
    """
    n = X.shape[0]
    params = _init_layers(np.random.RandomState(seed), X.shape[1], width, Y.shape[1])
    velocity = [np.zeros_like(p) for p in params]

    def cost(p):
        return _rms(np.maximum(X @ p[0] + p[1], 0) @ p[2] + p[3] - Y)

    start, best, since = cost(params), np.inf, 0
    for _ in range(max_epochs):
        W1, b1, W2, b2 = params
        pre = X @ W1 + b1
        h = np.maximum(pre, 0)
        residual = h @ W2 + b2 - Y
        loss = float(np.einsum("ij,ij->", residual, residual) / n)
        err = residual * (2.0 / n)
        dh = (err @ W2.T) * (pre > 0)
        grads = [X.T @ dh, dh.sum(0), h.T @ err, err.sum(0)]
        for p, v, g in zip(params, velocity, grads):
            v *= momentum
            v += g
            p -= lr * v
        if loss < best * (1 - _GD_IMPROVEMENT):
            best, since = loss, 0
        else:
            since += 1
            if since >= patience:
                break
    return start, cost(params)


@validate_params(
    {
        "n_features": [Interval(Integral, 1, None, closed="left")],
        "n_classes": ["array-like"],
        "cluster_std": ["array-like"],
        "samples_per_class": [Interval(Integral, 2, None, closed="left")],
        "n_inits": [Interval(Integral, 1, None, closed="left")],
        "lr": [Interval(Real, 0, None, closed="neither")],
        "momentum": [Interval(Real, 0, 1, closed="left")],
        "max_epochs": [Interval(Integral, 0, None, closed="left")],
        "patience": [Interval(Integral, 1, None, closed="left")],
        "random_state": ["random_state"],
    },
    prefer_skip_nested_validation=True,
)
def shallow_bound_experiment(*, n_features=4, n_classes=(2, 3, 4), cluster_std=(0.05, 0.2, 0.5),
                             samples_per_class=10, n_inits=100, lr=0.05, momentum=0.9,
                             max_epochs=1000, patience=30, random_state=None):
    """Section 4 of arXiv 2309.10370: the bound against gradient descent.

    For each ``cluster_std`` and ``Q`` in ``n_classes``: Gaussian mixture data
    with orthonormal means (:func:`~sktrunc.datasets.make_gaussian_mixture`),
    the bound (3.15) from the sample means (which the paper's constructed
    network attains) and from the generating means (as in the authors'
    notebook), and the cost reached by gradient descent on the same
    ``M → M → Q`` ReLU architecture from ``n_inits`` random initialisations
    (100 in the paper; the loss is divided by ``N`` as in the notebook).

    Parameters
    ----------
    n_features : int, default=4
    n_classes : array-like of int, default=(2, 3, 4)
    cluster_std : array-like of float, default=(0.05, 0.2, 0.5)
    samples_per_class : int, default=10
    n_inits : int, default=100
    lr : float, default=0.05
        Full-batch SGD learning rate.
    momentum : float, default=0.9
    max_epochs : int, default=1000
    patience : int, default=30
        Stopping rule of the notebook.
    random_state : int, RandomState instance or None, default=None

    Returns
    -------
    results : dict of ndarray
        One entry per (std, Q) pair: ``cluster_std``, ``n_classes``, ``bound``
        (3.15), ``bound_generating_means``, ``constructed_cost`` (RMS of the
        forward pass of :class:`ShallowBoundClassifier` with
        ``output_layer="constructive", centering="none"``, the paper's form),
        ``constructed_cost_centred``, ``gd_init_mean``/``_std``,
        ``gd_final_mean``/``_std`` (all RMS, the paper's normalisation).

    Examples
    --------
    >>> from sktrunc import shallow_bound_experiment
    >>> res = shallow_bound_experiment(n_classes=(2,), cluster_std=(0.2,), n_inits=2,
    ...                                random_state=0)
    >>> bool(abs(res["constructed_cost"][0] - res["bound"][0]) < 1e-12)
    True
    """
    from .datasets import make_gaussian_mixture

    rng = check_random_state(random_state)
    rows = []
    for std in np.ravel(cluster_std):
        for q in np.ravel(n_classes).astype(int):
            X, y, gen = make_gaussian_mixture(samples_per_class, n_features, q, cluster_std=std,
                                              return_means=True,
                                              random_state=rng.randint(np.iinfo(np.int32).max))
            Y = np.eye(q)
            paper = ShallowBoundClassifier(output_layer="constructive", centering="none")
            paper.fit(X, y)
            centred = ShallowBoundClassifier(output_layer="constructive").fit(X, y)
            bound_gen = _rms((X - gen[y]) @ (np.linalg.pinv(gen) @ Y))
            seeds = rng.randint(np.iinfo(np.int32).max, size=n_inits)
            runs = np.array([_gradient_descent(X, Y[y], n_features, seed, lr, momentum,
                                               max_epochs, patience) for seed in seeds])
            rows.append((std, q, paper.bound_3_15_, bound_gen, paper.training_rms_,
                         centred.training_rms_, runs[:, 0].mean(), runs[:, 0].std(),
                         runs[:, 1].mean(), runs[:, 1].std()))
    keys = ["cluster_std", "n_classes", "bound", "bound_generating_means", "constructed_cost",
            "constructed_cost_centred", "gd_init_mean", "gd_init_std", "gd_final_mean",
            "gd_final_std"]
    table = np.array(rows, dtype=float)
    return {k: table[:, i] for i, k in enumerate(keys)}
