"""One-dimensional data: step vectors, complete regions and their zero-loss networks.

Karhadkar, Murray, Tseran & Montúfar, Section 5 and Appendix C.  For sorted
distinct inputs ``x_1 < ... < x_n`` a unit's activation pattern is realisable iff
it is a *step vector* (Lemma 9): ``ξ^(k,1)`` is active on ``x_k, ..., x_n``,
``ξ^(k,0)`` on ``x_1, ..., x_{k-1}``; there are ``2n`` distinct ones, so the
non-empty regions of a width-``d1`` layer are the ``(2n)^{d1}`` tuples of step
vectors, and the uniform measure on them (the measure Theorems 10 and 12
count) draws every unit's step vector independently and uniformly.  A region is
*complete* when every ``ξ^(k,1)``, ``k = 1..n``, is the pattern of a unit with a
positive output weight and of one with a negative output weight (proof of
Theorem 12); Lemma 15 shows every complete region holds a zero-loss global
minimum, which :func:`complete_region_minimum` constructs.
"""

from numbers import Integral

import numpy as np
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions, validate_params
from sklearn.utils.parallel import Parallel, delayed

from .._network import ReLUNetwork
from ._patterns import jacobian_rank, output_weights

__all__ = [
    "complete_region_minimum",
    "is_complete_region",
    "region_rank_experiment",
    "sample_nonempty_regions",
    "step_vectors",
]


def _sorted_distinct(x):
    """``x`` as a finite 1-D float array of distinct values, and its sorting order."""
    x = np.asarray(x, dtype=np.float64)
    if x.ndim == 2 and x.shape[1] == 1:
        x = x[:, 0]
    if x.ndim != 1 or x.size == 0:
        raise ValueError(f"x must be one-dimensional data, shape (n,) or (n, 1); got shape "
                         f"{np.shape(x)}.")
    if not np.all(np.isfinite(x)):
        raise ValueError("x must be finite (no NaN or inf).")
    order = np.argsort(x, kind="stable")
    if np.any(np.diff(x[order]) <= 0):
        raise ValueError("x must hold distinct points (Lemma 9 and Lemma 15 assume it).")
    return x, order


@validate_params({"n_samples": [Interval(Integral, 1, None, closed="left")]},
                 prefer_skip_nested_validation=True)
def step_vectors(n_samples):
    """The ``2n`` distinct step vectors of Lemma 9, for sorted data.

    Rows ``0 .. n-1`` are ``ξ^(k,1)``, ``k = 1..n`` (active on ``x_k, ..., x_n``;
    the first is all ones); rows ``n .. 2n-2`` are ``ξ^(k,0)``, ``k = 2..n``
    (active on ``x_1, ..., x_{k-1}``); the last row is the zero vector.

    Parameters
    ----------
    n_samples : int

    Returns
    -------
    steps : ndarray of bool of shape (2 * n_samples, n_samples)

    Examples
    --------
    >>> step_vectors(2).astype(int)
    array([[1, 1],
           [0, 1],
           [1, 0],
           [0, 0]])
    """
    n = n_samples
    j = np.arange(n)
    right = j[None, :] >= j[:, None]                   # ξ^(k,1), k = 1..n
    left = j[None, :] < np.arange(1, n)[:, None]       # ξ^(k,0), k = 2..n
    return np.vstack([right, left, np.zeros((1, n), dtype=bool)])


@validate_params(
    {"x": ["array-like"], "width": [Interval(Integral, 1, None, closed="left")],
     "n_regions": [Interval(Integral, 1, None, closed="left")],
     "random_state": ["random_state"]},
    prefer_skip_nested_validation=True,
)
def sample_nonempty_regions(x, width, n_regions=1, *, random_state=None):
    """Activation patterns drawn uniformly from the non-empty regions (1-D data, Lemma 9).

    By Lemma 9 the non-empty regions of ``d1`` units with a bias on distinct
    points ``x`` are the ``(2n)^{d1}`` matrices whose rows are step vectors, so
    the uniform distribution over them draws each unit's step vector
    independently and uniformly among the ``2n``: the measure whose fractions
    Theorems 10 and 12 bound.

    Parameters
    ----------
    x : array-like of shape (n_samples,)
        Distinct one-dimensional inputs (any order).
    width : int
        ``d1``.
    n_regions : int, default=1
    random_state : int, RandomState instance or None, default=None

    Returns
    -------
    patterns : ndarray of bool of shape (n_regions, n_samples, width)
        ``patterns[r, i, k]``: unit ``k`` active on ``x[i]`` (the row order of
        ``x``, the convention of :func:`activation_pattern`).

    Examples
    --------
    >>> import numpy as np
    >>> from sktrunc.landscape import sample_nonempty_regions, step_vector_test
    >>> A = sample_nonempty_regions([0.3, -1.0, 2.0], width=5, n_regions=2, random_state=0)
    >>> A.shape, all(step_vector_test([0.3, -1.0, 2.0], A[r, :, k])
    ...               for r in range(2) for k in range(5))
    ((2, 3, 5), True)
    """
    x, order = _sorted_distinct(x)
    rng = check_random_state(random_state)
    steps = step_vectors(len(x))
    choice = rng.randint(len(steps), size=(n_regions, width))
    sorted_patterns = np.transpose(steps[choice], (0, 2, 1))  # (regions, n sorted, width)
    patterns = np.empty_like(sorted_patterns)
    patterns[:, order, :] = sorted_patterns
    return patterns


def _right_step_index(column_sorted):
    """``k - 1`` when the sorted column is ``ξ^(k,1)`` with ``1 ≤ k ≤ n``, else -1."""
    n = len(column_sorted)
    ones = int(column_sorted.sum())
    if ones == 0 or not column_sorted[n - ones:].all():
        return -1
    return n - ones


def _classify_units(A_sorted):
    """Per unit: ``("right", k)`` for ``ξ^(k,1)`` (0-based k) or ``("left", k)`` for ``ξ^(k,0)``."""
    n, width = A_sorted.shape
    kinds = []
    for i in range(width):
        col = A_sorted[:, i]
        k = _right_step_index(col)
        if k >= 0:
            kinds.append(("right", k))
            continue
        ones = int(col.sum())
        if ones == 0:
            kinds.append(("right", n))   # the zero vector: threshold beyond x_n
        elif col[:ones].all():
            kinds.append(("left", ones))  # active on the first `ones` points
        else:
            raise ValueError(f"Unit {i}'s pattern is not a step vector: the region is empty "
                             "(Lemma 9).")
    return kinds


def _key_units(kinds, v, n):
    """For each ``k = 0..n-1``, a unit with pattern ``ξ^(k+1,1)`` and ``v > 0``, and one with
    ``v < 0``; None when the region is not complete."""
    keys = {}
    for i, (side, k) in enumerate(kinds):
        if side == "right" and k < n:
            keys.setdefault((k, v[i] > 0), i)
    if len(keys) < 2 * n:
        return None
    return keys


@validate_params(
    {"x": ["array-like"], "pattern": ["array-like"], "output_weights": ["array-like"]},
    prefer_skip_nested_validation=True,
)
def is_complete_region(x, pattern, output_weights):
    """Whether the region of ``pattern`` is complete (proof of Theorem 12).

    Complete: for every ``k = 1..n`` some unit with a positive output weight
    and some unit with a negative one have the step pattern ``ξ^(k,1)``
    (active on ``x_k, ..., x_n`` of the sorted data).  A complete region holds a
    zero-loss global minimum (Lemma 15).

    Parameters
    ----------
    x : array-like of shape (n_samples,)
    pattern : array-like of bool of shape (n_samples, width)
    output_weights : array-like of shape (width,)
        Non-zero.

    Returns
    -------
    complete : bool

    Examples
    --------
    >>> import numpy as np
    >>> from sktrunc.landscape import is_complete_region
    >>> A = np.array([[1, 1, 0, 0], [1, 1, 1, 1]], dtype=bool)
    >>> is_complete_region([0.0, 1.0], A, [1.0, -1.0, 1.0, -1.0])
    True
    >>> is_complete_region([0.0, 1.0], A, [1.0, 1.0, 1.0, -1.0])
    False
    """
    x, order = _sorted_distinct(x)
    A, v = _check_region(x, pattern, output_weights)
    return _key_units(_classify_units(A[order]), v, len(x)) is not None


def _check_region(x, pattern, v):
    A = np.asarray(pattern)
    v = np.asarray(v, dtype=np.float64).ravel()
    if A.ndim != 2 or A.shape[0] != len(x):
        raise ValueError(f"pattern must have shape (n_samples, width) with n_samples = "
                         f"{len(x)}; got {A.shape}.")
    if v.shape != (A.shape[1],) or not np.all(np.isfinite(v)) or np.any(v == 0):
        raise ValueError(f"output_weights must be {A.shape[1]} finite non-zero numbers (the "
                         "fixed output layer of Section 5).")
    return A.astype(bool), v


@validate_params(
    {"x": ["array-like"], "y": ["array-like"],
     "width": [None, Interval(Integral, 2, None, closed="left")],
     "pattern": [None, "array-like"], "output_weights": [None, "array-like"],
     "random_state": ["random_state"]},
    prefer_skip_nested_validation=True,
)
def complete_region_minimum(x, y, width=None, random_state=None, *, pattern=None,
                            output_weights=None):
    """A zero-loss network inside a complete activation region (Lemma 15, Theorem 12).

    The model of Section 5, ``F(x) = Σ_i v_i σ(w_i x + b_i)`` with fixed output
    weights ``v`` and no output bias, on distinct one-dimensional inputs.  In a
    complete region (:func:`is_complete_region`) the proof of Lemma 15 splits
    the units into *key* units (one unit with pattern ``ξ^(k,1)`` for each
    ``k`` and each sign of ``v``) and *slack* units.  The slack units get any
    parameters realising their step vector (Lemma 9's thresholds at the
    midpoints between data points); the key units then fit the residual ``z``:
    ``Σ_k c_k σ(x_j - t_k) = z_j`` is a lower-triangular system in the slopes
    ``c_k`` (``t_k`` between ``x_{k-1}`` and ``x_k``, just after ``x_{k-1}``, so that
    the key units' part is close to the piecewise-linear interpolant), and each ``c_k`` is
    split between the positive and the negative key unit of step ``k`` so that
    both slopes stay positive, which keeps every unit in its pattern.

    Parameters
    ----------
    x : array-like of shape (n_samples,)
        Distinct inputs.
    y : array-like of shape (n_samples,)
        Targets.
    width : int, default=None
        ``d1`` when the region is drawn (``pattern=None``): at least ``2n``,
        the smallest complete width; None means ``2n``.  The ``2n`` key units
        and the ``width - 2n`` slack units (step vectors uniform, Lemma 9;
        output signs random) are shuffled together.
    random_state : int, RandomState instance or None, default=None
        Draws the region (when ``pattern`` is None) and the slack units' slopes.
    pattern : array-like of bool of shape (n_samples, width), default=None
        A given region (e.g. from :func:`sample_nonempty_regions`); it must be
        complete for ``output_weights``.
    output_weights : array-like of shape (width,), default=None
        The fixed ``v``; None means alternating ``±1``
        (:func:`output_weights`) for a given pattern, and the drawn signs for
        a drawn region.

    Returns
    -------
    network : ReLUNetwork
        ``1 → width → 1``, output bias 0; its forward pass interpolates
        ``(x, y)`` and its activation pattern on ``x`` is the region's.

    Raises
    ------
    ValueError
        If a unit's pattern is not a step vector (empty region) or the region
        is not complete.

    Examples
    --------
    >>> import numpy as np
    >>> from sktrunc.landscape import complete_region_minimum
    >>> x = np.array([0.0, 0.5, 2.0, 3.0])
    >>> y = np.array([1.0, -2.0, 0.5, 4.0])
    >>> net = complete_region_minimum(x, y, random_state=0)
    >>> net.layer_sizes, bool(np.allclose(net.forward(x[:, None]).ravel(), y))
    ((1, 8, 1), True)
    """
    x, order = _sorted_distinct(x)
    y = np.asarray(y, dtype=np.float64).ravel()
    if y.shape != x.shape or not np.all(np.isfinite(y)):
        raise ValueError(f"y must hold {len(x)} finite targets, one per point of x.")
    n = len(x)
    rng = check_random_state(random_state)
    xs, ys = x[order], y[order]
    if pattern is None:
        width = 2 * n if width is None else width
        if width < 2 * n:
            raise ValueError(f"A complete region needs width >= 2n = {2 * n}; got {width}.")
        steps = step_vectors(n)
        key_rows = np.vstack([steps[:n], steps[:n]])
        key_signs = np.repeat([1.0, -1.0], n)
        slack_rows = steps[rng.randint(2 * n, size=width - 2 * n)]
        slack_signs = rng.choice([-1.0, 1.0], size=width - 2 * n)
        perm = rng.permutation(width)
        A_sorted = np.vstack([key_rows, slack_rows])[perm].T
        v = np.concatenate([key_signs, slack_signs])[perm]
        if output_weights is not None:
            raise ValueError("output_weights is given with pattern only; a drawn region "
                             "draws its own signs.")
    else:
        if width is not None and width != np.shape(pattern)[1]:
            raise ValueError("width must be None or the pattern's number of columns.")
        if output_weights is None:
            from ._patterns import output_weights as _alternating
            output_weights = _alternating(np.shape(pattern)[1])[:, 0]
        A, v = _check_region(x, pattern, output_weights)
        A_sorted = A[order]
    kinds = _classify_units(A_sorted)
    keys = _key_units(kinds, v, n)
    if keys is None:
        raise ValueError("The region is not complete: some step ξ^(k,1) lacks a unit of "
                         "positive or of negative output weight (Theorem 12's proof).")
    # thresholds between consecutive points; beyond the data by one typical gap
    gap = float(np.min(np.diff(xs))) if n > 1 else 1.0
    ext = np.concatenate([[xs[0] - gap], xs, [xs[-1] + gap]])
    t = 0.5 * (ext[:-1] + ext[1:])       # t[k] lies between x_k and x_{k+1} (1-based)
    scale = max(float(np.ptp(xs)), gap)
    width = len(v)
    w, b = np.empty(width), np.empty(width)
    key_set = set(keys.values())
    for i, (side, k) in enumerate(kinds):
        if i in key_set:
            continue
        # a slack unit: any parameters realising its step vector (Lemma 9)
        slope = rng.uniform(0.5, 1.5) / scale
        w[i] = slope if side == "right" else -slope
        b[i] = -w[i] * t[k]
    slack = [i for i in range(width) if i not in key_set]
    z = ys - (np.maximum(np.outer(xs, w[slack]) + b[slack], 0.0) @ v[slack])
    # key thresholds just after the previous data point (any point of (x_{k-1}, x_k)
    # realises the step): the slope on (t_k, x_k) is then nearly (z_k - z_{k-1}) / gap,
    # the piecewise-linear interpolant of z; a threshold near x_k instead would make
    # each slope amplify the previous one (by -19 at 5 % of the gap)
    tk = ext[:-2] + 0.05 * (xs - ext[:-2])
    # Σ_{k ≤ j} c_k (x_j - t_k) = z_j: lower triangular with a positive diagonal
    L = np.tril(np.maximum(xs[:, None] - tk[None, :], 0.0))
    c = np.linalg.solve(L, z)
    spread = float(np.abs(c).max()) or 1.0 / scale
    for k in range(n):
        # split c_k between the two key units of step k with positive slopes
        extra = 0.5 * (abs(c[k]) + spread)
        for positive, part in ((True, max(c[k], 0.0) + extra),
                               (False, min(c[k], 0.0) - extra)):
            i = keys[(k, positive)]
            w[i] = part / v[i]
            b[i] = -w[i] * tk[k]
    return ReLUNetwork([w[None, :], v[:, None]], [b, np.zeros(1)])


def _region_rank_cell(n, d0, width, regions, seeds):
    """Module-level task: (full-rank fraction, complete fraction) over sampled regions."""
    full = complete = 0
    v = output_weights(width)[:, 0]
    for seed in seeds:
        rng = np.random.default_rng(seed)
        X = rng.normal(size=(n, d0))
        if regions == "all":
            # Theorem 5 counts all 2^(n d1) binary patterns; its model has no bias
            A = rng.random((n, width)) < 0.5
            full += jacobian_rank(X, A, v, bias=False) == n
        else:
            A = sample_nonempty_regions(X[:, 0], width, random_state=int(rng.integers(2**31)))[0]
            full += jacobian_rank(X, A, v, bias=True) == n
            order = np.argsort(X[:, 0])
            complete += _key_units(_classify_units(A[order]), v, n) is not None
    return full / len(seeds), complete / len(seeds)


@validate_params(
    {"n_samples": ["array-like"], "widths": ["array-like"],
     "n_features": [Interval(Integral, 1, None, closed="left")],
     "regions": [StrOptions({"all", "nonempty"})],
     "n_trials": [Interval(Integral, 1, None, closed="left")],
     "random_state": ["random_state"], "n_jobs": [None, Integral], "verbose": ["verbose"]},
    prefer_skip_nested_validation=True,
)
def region_rank_experiment(n_samples, widths, *, n_features=1, regions="all", n_trials=100,
                           random_state=None, n_jobs=None, verbose=0):
    """Fraction of activation regions with a full-rank Jacobian, counted as the theorems count.

    * ``regions="all"`` (Theorem 5): patterns uniform over all ``2^{n d1}``
      binary matrices (every activation region, empty or not), model without
      bias ``F = vᵀσ(Wx)``, generic data ``N(0, 1)`` in ``d0`` dimensions; the
      Jacobian with respect to ``W`` has full rank ``n`` in all but a fraction
      ε of them once ``d0 d1 ≥ n`` and ``d1 = Ω(log(n / (ε d0)))``.
    * ``regions="nonempty"`` (Theorems 10 and 12, ``d0 = 1``): patterns
      uniform over the non-empty regions (:func:`sample_nonempty_regions`),
      model with bias; also reports the fraction of *complete* regions, which
      hold zero-loss minima (Lemma 15).

    Unlike :func:`full_rank_fraction`, which samples parameters (and so
    weights regions by their volume), every region counts once here.

    Parameters
    ----------
    n_samples, widths : sequence of int
        The grid.
    n_features : int, default=1
        ``d0``; must be 1 for ``regions="nonempty"``.
    regions : {"all", "nonempty"}, default="all"
    n_trials : int, default=100
        Regions (and data sets) per cell.
    random_state : int, RandomState instance or None, default=None
        Seeds for every trial are drawn up front, so results do not depend on
        ``n_jobs``.
    n_jobs : int, default=None
        Cells in parallel (``sklearn.utils.parallel``).
    verbose : int, default=0

    Returns
    -------
    results : dict
        ``n_samples``, ``widths``, ``fraction`` (full rank) and, for
        ``regions="nonempty"``, ``complete``, each ``(len(n_samples), len(widths))``.

    Examples
    --------
    >>> from sktrunc.landscape import region_rank_experiment
    >>> res = region_rank_experiment([4], [2, 40], n_features=2, n_trials=30, random_state=0)
    >>> bool(res["fraction"][0, 1] > res["fraction"][0, 0])
    True
    """
    from ._experiments import _grid_axis

    n_samples, widths = _grid_axis(n_samples, "n_samples"), _grid_axis(widths, "widths")
    if regions == "nonempty" and n_features != 1:
        raise ValueError("regions='nonempty' samples Lemma 9's step vectors, which describe "
                         f"one-dimensional inputs only; got n_features={n_features}.")
    rng = check_random_state(random_state)
    cells = [(int(n), n_features, int(w)) for n in n_samples for w in widths]
    seeds = rng.randint(np.iinfo(np.int32).max, size=(len(cells), n_trials))
    out = np.array(Parallel(n_jobs=n_jobs, verbose=verbose)(
        delayed(_region_rank_cell)(*cell, regions, [int(s) for s in row])
        for cell, row in zip(cells, seeds)))
    shape = (len(n_samples), len(widths))
    res = {"n_samples": n_samples, "widths": widths, "fraction": out[:, 0].reshape(shape),
           "quantity": f"full rank ({regions} regions)"}
    if regions == "nonempty":
        res["complete"] = out[:, 1].reshape(shape)
    return res
