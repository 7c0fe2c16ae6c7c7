"""Activation regions of a two-layer ReLU network on data: patterns, Jacobians, counts.

Karhadkar, Murray, Tseran & Montúfar, "Mildly overparameterized ReLU networks have
a favorable loss landscape" (Sections 3-5).  A network
``f(x) = Σ_k v_k σ(w_k·x + b_k)`` on ``n`` points has the activation pattern
``A_ik = 1[w_k·x_i + b_k > 0]``; on the region of a pattern it is linear in
``(w_k, b_k)`` with Jacobian the Khatri-Rao product of ``A diag(v)`` and ``[X 1]``.
"""

from itertools import product
from math import comb
from numbers import Integral, Real

import numpy as np
from sklearn.utils._param_validation import Interval, validate_params

from .._separation import strictly_separable

__all__ = [
    "activation_pattern",
    "output_weights",
    "region_jacobian",
    "jacobian_rank",
    "pattern_is_realizable",
    "step_vector_test",
    "count_regions_general_position",
    "count_unit_patterns",
]


@validate_params(
    {"X": ["array-like"], "coef": ["array-like"], "intercept": ["array-like"]},
    prefer_skip_nested_validation=True,
)
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


def he_uniform(rng, n_features, width):
    """First-layer weights and biases i.i.d. ``U[-sqrt(6/d0), sqrt(6/d0)]`` (App. E).

    The uniform-He initialisation every experiment of the paper samples its
    activation regions with.
    """
    limit = np.sqrt(6.0 / n_features)
    return (rng.uniform(-limit, limit, (n_features, width)),
            rng.uniform(-limit, limit, width))


@validate_params(
    {"width": [Interval(Integral, 1, None, closed="left")],
     "n_outputs": [Interval(Integral, 1, None, closed="left")]},
    prefer_skip_nested_validation=True,
)
def output_weights(width, n_outputs=1):
    """Fixed output weights: unit ``k`` feeds output ``k mod n_outputs`` with sign ±1.

    With one output these are App. E's ``[1, -1, 1, -1, ...]``; with several,
    each output gets alternating signs, so every output can move both ways.

    Examples
    --------
    >>> output_weights(4)[:, 0]
    array([ 1., -1.,  1., -1.])
    """
    V = np.zeros((width, n_outputs))
    k = np.arange(width)
    V[k, k % n_outputs] = np.where((k // n_outputs) % 2 == 0, 1.0, -1.0)
    return V


def _design(X, bias):
    X = np.asarray(X, dtype=np.float64)
    return np.column_stack([X, np.ones(len(X))]) if bias else X


@validate_params(
    {"X": ["array-like"], "pattern": ["array-like"], "output_weights": ["array-like"],
     "bias": ["boolean"]},
    prefer_skip_nested_validation=True,
)
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


@validate_params(
    {"X": ["array-like"], "pattern": ["array-like"], "output_weights": ["array-like"],
     "bias": ["boolean"], "tol": [None, Interval(Real, 0, None, closed="left")]},
    prefer_skip_nested_validation=True,
)
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


@validate_params(
    {"X": ["array-like"], "column": ["array-like"], "bias": ["boolean"]},
    prefer_skip_nested_validation=True,
)
def pattern_is_realizable(X, column, bias=True):
    """Whether some unit ``(w, b)`` has activation ``column`` on ``X`` (LP feasibility).

    A unit realises the pattern iff the points where it is on and those where
    it is off are strictly separated by the hyperplane ``w·x + b = 0``
    (through the origin when ``bias=False``): the LP of
    strict-separation LP of the sequential construction, solved on standardised
    data so that the answer does not depend on the scale of ``X``.

    Examples
    --------
    >>> import numpy as np
    >>> X = np.array([[0.0], [1.0], [2.0]])
    >>> pattern_is_realizable(X, np.array([True, False, True]))
    False
    >>> pattern_is_realizable(X, np.array([False, True, True]))
    True
    """
    X = np.asarray(X, dtype=np.float64)
    column = np.asarray(column, dtype=bool).ravel()
    if X.ndim != 2 or column.shape[0] != X.shape[0]:
        raise ValueError(f"column must have one entry per row of X ({X.shape[0]}); got "
                         f"{column.shape[0]}.")
    return strictly_separable(X[~column], X[column], fit_intercept=bias)


@validate_params(
    {"x": ["array-like"], "column": ["array-like"]},
    prefer_skip_nested_validation=True,
)
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


# exact counts beyond this many bits (about 3 million decimal digits) take minutes to
# form with Python's integers; the logarithm answers at once
_MAX_EXACT_BITS = 10_000_000


@validate_params(
    {
        "n_samples": [Interval(Integral, 1, None, closed="left")],
        "n_features": [Interval(Integral, 1, None, closed="left")],
        "width": [Interval(Integral, 1, None, closed="left")],
        "log": ["boolean"],
    },
    prefer_skip_nested_validation=True,
)
def count_regions_general_position(n_samples, n_features, width, *, log=False):
    """Number of non-empty activation regions for data in general position (Prop 6).

    ``(2 Σ_{k < d0+1} C(n-1, k))^{d1}``: each unit realises Cover's count of
    affine dichotomies of ``n`` points in general position in ``R^{d0}``.

    Parameters
    ----------
    n_samples, n_features, width : int
        ``n``, ``d0`` and ``d1``.
    log : bool, default=False
        Return the natural logarithm of the count (a float) instead of the
        exact integer.  An exact count of more than ten million bits is refused
        with a ``ValueError`` that says to pass ``log=True``.

    Returns
    -------
    count : int, or float when ``log=True``

    Examples
    --------
    >>> count_regions_general_position(4, 1, 1)   # 2 (C(3,0) + C(3,1))
    8
    >>> round(count_regions_general_position(100, 10, 10**7, log=True))
    311862316
    """
    per_unit = 2 * sum(comb(n_samples - 1, k) for k in range(min(n_features, n_samples - 1) + 1))
    if log:
        return float(width * np.log(float(per_unit)))
    bits = width * per_unit.bit_length()
    if bits > _MAX_EXACT_BITS:
        raise ValueError(
            f"The exact count has about {bits:,} bits ({int(bits * 0.30103):,} decimal "
            "digits); pass log=True for its natural logarithm.")
    return per_unit ** width


@validate_params(
    {"X": ["array-like"], "bias": ["boolean"]},
    prefer_skip_nested_validation=True,
)
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
    return sum(pattern_is_realizable(X, np.array(bits, dtype=bool), bias=bias)
               for bits in product([False, True], repeat=len(X)))
