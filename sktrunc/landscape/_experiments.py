"""The experiments of Karhadkar et al. as functions returning tidy results.

Sampling as in the paper: data ``N(0, 1)`` for the rank experiments (Figs 2-3)
and uniform on ``[-1, 1]^{d0}`` for the global-minimum ones (Figs 6-8),
first-layer weights and biases He-uniform, output weights alternating ``±1``.  Every cell's trials
get seeds drawn up front from ``random_state``, and cells run as joblib tasks
(``sklearn.utils.parallel``, no backend hard-coded: ``joblib.parallel_config(
backend="dask")`` takes them to a cluster), so results do not depend on
``n_jobs``.
"""

import numpy as np
from sklearn.utils import check_random_state
from sklearn.utils.parallel import Parallel, delayed

from .._regions import RegionLeastSquares, activation_pattern
from ._regions import jacobian_rank

__all__ = ["full_rank_fraction", "global_minimum_fraction", "theory_width"]


def _alternating(width):
    return np.where(np.arange(width) % 2 == 0, 1.0, -1.0)


def _he_uniform(rng, d0, width):
    limit = np.sqrt(6.0 / d0)
    return rng.uniform(-limit, limit, (d0, width)), rng.uniform(-limit, limit, width)


def _rank_cell(n, d0, width, seeds):
    """Module-level task: fraction of ``len(seeds)`` trials with a full-rank Jacobian."""
    full = 0
    v = _alternating(width)
    for seed in seeds:
        rng = np.random.default_rng(seed)
        # Section 6 of the paper: Gaussian data for the rank experiments (Figs 2-3)
        X = rng.normal(size=(n, d0))
        W, b = _he_uniform(rng, d0, width)
        full += jacobian_rank(X, activation_pattern(X, W, b), v) == n
    return full / len(seeds)


def _labels(kind, X, rng):
    if kind == "polynomial":
        return np.sum(X ** 2, axis=1) - np.prod(X, axis=1)
    if kind == "teacher":
        W, b = _he_uniform(rng, X.shape[1], 10)
        return np.maximum(X @ W + b, 0) @ rng.normal(size=10) / np.sqrt(10)
    return rng.normal(size=len(X))


def _minimum_cell(n, d0, width, kind, seeds, solver):
    """Module-level task: fraction of regions whose QP optimum interpolates."""
    hits = 0
    V = _alternating(width)[:, None]
    for seed in seeds:
        rng = np.random.default_rng(seed)
        X = rng.uniform(-1, 1, (n, d0))
        y = _labels(kind, X, rng)[:, None]
        W, b = _he_uniform(rng, d0, width)
        coef, intercept = RegionLeastSquares(X, y, V, solver).solve(
            activation_pattern(X, W, b))
        if coef is None:
            continue
        # decided by the forward pass of the returned network, not the QP's value
        out = np.maximum(X @ coef + intercept, 0) @ V
        hits += np.abs(out - y).max() <= 1e-6 * max(1.0, np.abs(y).max())
    return hits / len(seeds)


def _run_grid(task, cells, n_trials, random_state, n_jobs, verbose, extra=()):
    rng = check_random_state(random_state)
    seeds = rng.randint(np.iinfo(np.int32).max, size=(len(cells), n_trials))
    jobs = (delayed(task)(*cell, [int(v) for v in s], *extra) for cell, s in zip(cells, seeds))
    return np.array(Parallel(n_jobs=n_jobs, verbose=verbose)(jobs))


def full_rank_fraction(n_samples, widths, *, n_features=1, n_trials=100, random_state=None,
                       n_jobs=None, verbose=0):
    """Fraction of random initialisations whose Jacobian has full rank ``n`` (Fig 2, 3).

    The Jacobian is taken w.r.t. the first-layer weights and biases
    (:func:`~sktrunc.landscape.region_jacobian`); data ``N(0, 1)``.

    Parameters
    ----------
    n_samples : sequence of int
        The ``n`` axis of the grid.
    widths : sequence of int
        The ``d1`` axis.
    n_features : int or callable, default=1
        ``d0``; a callable ``n -> d0`` gives Figure 3's ``d0 ∝ n``.
    n_trials : int, default=100
        Random data and initialisations per cell.
    random_state : int, RandomState instance or None, default=None
    n_jobs : int, default=None
        Cells in parallel.
    verbose : int, default=0
        joblib's progress messages.

    Returns
    -------
    results : dict
        ``n_samples``, ``widths`` (the axes) and ``fraction`` of shape
        ``(len(n_samples), len(widths))``.

    Examples
    --------
    >>> res = full_rank_fraction([5, 40], [5, 100], n_trials=20, random_state=0)
    >>> res["fraction"].shape, bool(res["fraction"][0, 1] > res["fraction"][1, 0])
    ((2, 2), True)
    """
    d0 = n_features if callable(n_features) else (lambda n: n_features)
    cells = [(n, int(d0(n)), w) for n in n_samples for w in widths]
    frac = _run_grid(_rank_cell, cells, n_trials, random_state, n_jobs, verbose)
    return {"n_samples": np.asarray(n_samples), "widths": np.asarray(widths),
            "fraction": frac.reshape(len(n_samples), len(widths)), "quantity": "full rank"}


def global_minimum_fraction(n_samples, widths, *, n_features=2, labels="polynomial",
                            n_trials=50, solver="CLARABEL", random_state=None, n_jobs=None,
                            verbose=0):
    """Fraction of activation regions that contain a zero-loss global minimum (Figs 6-8).

    For each cell, ``n_trials`` regions (random data, labels and He-uniform
    initialisation) are solved with the region QP of App. E.2; a region counts
    when the forward pass of its optimum interpolates.

    Parameters
    ----------
    n_samples, widths : sequence of int
        The grid.
    n_features : int, default=2
        ``d0``.
    labels : {"polynomial", "teacher", "random"}, default="polynomial"
        ``y = Σ x² - Π x``, a random ReLU teacher network, or Gaussian noise.
    n_trials : int, default=50
    solver : str, default="CLARABEL"
    random_state, n_jobs, verbose
        As in :func:`full_rank_fraction`.

    Returns
    -------
    results : dict
        ``n_samples``, ``widths`` and ``fraction`` of shape
        ``(len(n_samples), len(widths))``.

    Examples
    --------
    >>> res = global_minimum_fraction([6], [4, 40], n_trials=4, random_state=0)
    >>> bool(res["fraction"][0, 1] >= res["fraction"][0, 0])
    True
    """
    if labels not in ("polynomial", "teacher", "random"):
        raise ValueError(f"labels must be 'polynomial', 'teacher' or 'random'; got {labels!r}.")
    cells = [(n, n_features, w, labels) for n in n_samples for w in widths]
    frac = _run_grid(_minimum_cell, cells, n_trials, random_state, n_jobs, verbose,
                     extra=(solver,))
    return {"n_samples": np.asarray(n_samples), "widths": np.asarray(widths),
            "fraction": frac.reshape(len(n_samples), len(widths)),
            "quantity": f"global minimum ({labels} labels)"}


def theory_width(n_samples, epsilon=0.1, kind="rank"):
    """Widths from the theory, for overlay: Theorem 10 and Theorem 12 (``d0 = 1``).

    ``d1 = 2 n log(2n/ε)`` makes the Jacobian full rank with probability at
    least ``1 - ε`` (Theorem 10); ``d1 = 4 n log(2n/ε)`` makes most regions hold
    global minima (Theorem 12).

    Examples
    --------
    >>> round(float(theory_width(10, 0.1)), 1)
    106.0
    """
    n = np.asarray(n_samples, dtype=np.float64)
    factor = {"rank": 2.0, "minima": 4.0}[kind]
    return factor * n * np.log(2 * n / epsilon)
