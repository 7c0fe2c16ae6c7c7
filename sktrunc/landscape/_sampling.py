"""Sampling the activation patterns of single ReLU units on a data set.

The convex programs of Pilanci & Ergen (2020), eq. (7)-(8), and of Mishkin,
Sahiner & Pilanci (2022), eq. (4)-(5), range over the patterns
``D_i = diag(1[X̃ g_i ≥ 0])`` a single unit ``x ↦ σ(x̃·g)`` with ``x̃ = [x 1]``
can take on the training points.  Enumerating them all is exponential in the
dimension; both papers sample ``g_i`` at random instead.  This is that sampler,
with the patterns made unique (two gates with the same pattern give the same
block of the convex program).
"""

from numbers import Integral

import numpy as np
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions, validate_params
from sklearn.utils.parallel import Parallel, delayed

from ._patterns import activation_pattern

__all__ = ["sample_activation_patterns"]

# gates per joblib task: fixed, so the result does not depend on n_jobs
_CHUNK = 512


def _unique_columns(P):
    """Indices of the first occurrence of each distinct column of a boolean matrix."""
    if P.shape[1] == 0:
        return np.zeros(0, dtype=np.intp)
    packed = np.ascontiguousarray(np.packbits(P, axis=0).T)  # one byte string per column
    keys = packed.view(np.dtype((np.void, packed.shape[1]))).ravel()
    return np.sort(np.unique(keys, return_index=True)[1])


def _data_gates(X, n_gates, rng, n_active=None):
    """Gates whose hyperplanes cut the data where it is: Gaussian normals, offsets in gaps.

    Each normal ``w ~ N(0, I)`` (on ``n_active`` random features, the others
    zero, when given) comes with a random training point ``x_k``; the
    hyperplane sits half-way between ``w·x_k`` and the next larger projection,
    so it splits the data at a quantile drawn from the data's own distribution
    and no training point lies on it (the gate is interior to the cone of its
    pattern).  Gaussian offsets instead put almost every hyperplane through the
    centre of standardised data in high dimension (``w·x`` has variance ``d``,
    the offset 1).
    """
    N, d = X.shape
    W = rng.standard_normal((d, n_gates))
    if n_active is not None and n_active < d:
        # the first n_active of a random permutation of the features, per gate
        drop = np.argsort(rng.random((n_gates, d)), axis=1)[:, n_active:]
        W[drop.T, np.arange(n_gates)] = 0.0
    proj = X @ W
    k = rng.integers(N, size=n_gates)
    at = proj[k, np.arange(n_gates)]
    above = np.where(proj > at, proj, np.inf).min(axis=0)
    # the largest projection has no next one: cut just above it (the empty pattern)
    above = np.where(np.isfinite(above), above, at + 1.0)
    gates = np.vstack([W, -0.5 * (at + above)])
    return gates / np.linalg.norm(gates, axis=0)


def _pattern_chunk(X, n_gates, seed, method="gaussian"):
    """Module-level joblib task: unique non-empty patterns of ``n_gates`` random gates."""
    rng = np.random.default_rng(seed)
    if method in ("data", "pairs"):
        gates = _data_gates(X, n_gates, rng, 2 if method == "pairs" else None)
    else:
        gates = rng.standard_normal((X.shape[1] + 1, n_gates))
    P = activation_pattern(X, gates[:-1], gates[-1])
    keep = _unique_columns(P)
    keep = keep[P[:, keep].any(axis=0)]  # the empty pattern is the zero block
    return P[:, keep], gates[:, keep]


@validate_params(
    {
        "X": ["array-like"],
        "n_patterns": [Interval(Integral, 1, None, closed="left")],
        "random_state": ["random_state"],
        "n_jobs": [None, Integral],
        "return_gates": ["boolean"],
        "method": [StrOptions({"gaussian", "data", "pairs"})],
    },
    prefer_skip_nested_validation=True,
)
def sample_activation_patterns(X, n_patterns, *, random_state=None, n_jobs=None,
                               return_gates=False, method="gaussian"):
    """Distinct activation patterns of random ReLU units with a bias.

    Draws ``n_patterns`` gates ``g`` in ``R^{n_features + 1}`` and
    returns the distinct non-empty patterns ``1[X̃ g > 0]``, ``X̃ = [X 1]``
    (:func:`sktrunc.landscape.activation_pattern` of the unit ``(g[:-1],
    g[-1])``), in the order their first gate was drawn.  These are the ``D_i``
    of the convex reformulation of Pilanci & Ergen (2020), eq. (7), sampled as
    in Mishkin, Sahiner & Pilanci (2022), Sec. 3.  Standardise ``X`` first, so
    the Gaussian gates cut through the data rather than past it.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
        Inputs, preferably standardised.
    n_patterns : int
        Gates drawn; duplicate and empty patterns are dropped, so fewer
        columns may come back (at most the number of distinct patterns the data
        admit).
    random_state : int, RandomState instance or None, default=None
        Seeds of the gate chunks, drawn up front.
    n_jobs : int, default=None
        Chunks of 512 gates run as joblib tasks (``sklearn.utils.parallel``;
        ``joblib.parallel_config(backend="dask")`` sends them to a cluster);
        the result does not depend on ``n_jobs``.
    return_gates : bool, default=False
        Also return one gate per pattern.
    method : {"gaussian", "data", "pairs"}, default="gaussian"
        ``"gaussian"``: ``g ~ N(0, I)``, as both papers.  ``"data"``: a
        Gaussian normal whose hyperplane is placed half-way between the
        projection of a random training point and the next larger one, so the
        cuts follow the data's distribution and every gate is strictly inside
        the cone of its pattern (no training point on its hyperplane); gates
        are then unit vectors.  ``"pairs"``: as ``"data"``, with normals on two
        random features each (the others zero), so patterns split the data
        along one pairwise interaction at a time.

    Returns
    -------
    patterns : ndarray of bool, shape (n_samples, n_unique)
        ``patterns[k, i]`` is whether unit ``i`` is active on ``x_k``.
    gates : ndarray of shape (n_features + 1, n_unique)
        Only with ``return_gates=True``: a gate inducing each pattern (weights,
        then the bias in the last row).

    Examples
    --------
    >>> import numpy as np
    >>> from sktrunc.landscape import sample_activation_patterns
    >>> X = np.array([[-1.0], [0.0], [1.0]])
    >>> P = sample_activation_patterns(X, 200, random_state=0)
    >>> P.shape  # in 1-D with a bias: 3 prefixes, 3 suffixes, minus one duplicate
    (3, 5)
    """
    X = np.asarray(X, dtype=np.float64)
    if X.ndim != 2:
        raise ValueError(f"X must be 2-D; got shape {X.shape}.")
    if not np.all(np.isfinite(X)):
        raise ValueError("X must be finite (no NaN or inf).")
    rng = check_random_state(random_state)
    sizes = [min(_CHUNK, n_patterns - start) for start in range(0, n_patterns, _CHUNK)]
    seeds = rng.randint(np.iinfo(np.int32).max, size=len(sizes))
    if len(sizes) == 1:
        # one chunk: nothing to share out, and joblib's dispatch costs ~0.6 ms, a sixth
        # of a small convex fit outside its solver (same seed, same patterns)
        chunks = [_pattern_chunk(X, sizes[0], int(seeds[0]), method)]
    else:
        chunks = Parallel(n_jobs=n_jobs)(
            delayed(_pattern_chunk)(X, size, int(seed), method)
            for size, seed in zip(sizes, seeds))
    P = np.concatenate([c[0] for c in chunks], axis=1)
    G = np.concatenate([c[1] for c in chunks], axis=1)
    keep = _unique_columns(P)
    if return_gates:
        return P[:, keep], G[:, keep]
    return P[:, keep]
