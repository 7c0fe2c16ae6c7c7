"""The experiments of Karhadkar et al. as functions returning tidy results.

Sampling as in the paper: data ``N(0, 1)`` for the rank experiments (Figs 2-3)
and uniform on ``[-1, 1]^{d0}`` for the global-minimum ones (Figs 6-8),
first-layer weights and biases He-uniform, output weights alternating ``±1``.  Every cell's trials
get seeds drawn up front from ``random_state``, and cells run as joblib tasks
(``sklearn.utils.parallel``, no backend hard-coded: ``joblib.parallel_config(
backend="dask")`` takes them to a cluster), so results do not depend on
``n_jobs``.
"""

from numbers import Integral, Real

import numpy as np
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions, validate_params
from sklearn.utils.parallel import Parallel, delayed

from .._validation import check_cvxpy_solver
from ._patterns import activation_pattern, he_uniform, jacobian_rank, output_weights
from ._region_qp import RegionLeastSquares, interpolation_tolerance, solve_sampled_region

__all__ = ["full_rank_fraction", "global_minimum_fraction", "theory_width"]


def _rank_cell(n, d0, width, seeds):
    """Module-level task: fraction of ``len(seeds)`` trials with a full-rank Jacobian."""
    full = 0
    v = output_weights(width)[:, 0]
    for seed in seeds:
        rng = np.random.default_rng(seed)
        # Section 6 of the paper: Gaussian data for the rank experiments (Figs 2-3)
        X = rng.normal(size=(n, d0))
        W, b = he_uniform(rng, d0, width)
        full += jacobian_rank(X, activation_pattern(X, W, b), v) == n
    return full / len(seeds)


def _polynomial_labels(X, rng):
    """A random polynomial of degree 2 with coefficients ``U[-1, 1]`` (App. E.2)."""
    n, d0 = X.shape
    iu = np.triu_indices(d0)
    quadratic = (X[:, :, None] * X[:, None, :])[:, iu[0], iu[1]]
    features = np.column_stack([np.ones(n), X, quadratic])
    return features @ rng.uniform(-1, 1, features.shape[1])


def _labels(kind, X, rng, width):
    """Labels of App. E.2, or one of the other generators kept by name."""
    if kind == "polynomial":
        return _polynomial_labels(X, rng)
    if kind == "teacher":
        # the student's architecture, initialised as the student is (App. E.2)
        W, b = he_uniform(rng, X.shape[1], width)
        return np.maximum(X @ W + b, 0) @ output_weights(width)[:, 0]
    if kind == "random":
        return rng.uniform(-1, 1, len(X))
    if kind == "sum_product":
        return np.sum(X ** 2, axis=1) - np.prod(X, axis=1)
    return rng.normal(size=len(X))  # "gaussian"


def _minimum_cell(n, d0, width, kind, seeds, solver):
    """Module-level task: fraction of regions whose QP optimum interpolates."""
    hits = 0
    V = output_weights(width)
    for seed in seeds:
        rng = np.random.default_rng(seed)
        X = rng.uniform(-1, 1, (n, d0))
        y = _labels(kind, X, rng, width)[:, None]
        residual = solve_sampled_region(RegionLeastSquares(X, y, V, solver), X, y, rng)[0]
        hits += residual <= interpolation_tolerance(y)
    return hits / len(seeds)


def _run_grid(task, cells, n_trials, random_state, n_jobs, verbose, extra=()):
    rng = check_random_state(random_state)
    seeds = rng.randint(np.iinfo(np.int32).max, size=(len(cells), n_trials))
    jobs = (delayed(task)(*cell, [int(v) for v in s], *extra) for cell, s in zip(cells, seeds))
    return np.array(Parallel(n_jobs=n_jobs, verbose=verbose)(jobs))


_GRID = {
    "n_samples": ["array-like"],
    "widths": ["array-like"],
    "random_state": ["random_state"],
    "n_jobs": [None, Integral],
    "verbose": ["verbose"],
}


def _grid_axis(values, name):
    values = np.asarray(values)
    if (values.ndim != 1 or values.size == 0 or values.dtype.kind not in "iu"
            or values.min() < 1):
        raise ValueError(f"{name} must be a non-empty sequence of positive integers; got "
                         f"{values.tolist()!r}.")
    return values


@validate_params(
    {**_GRID, "n_features": [Interval(Integral, 1, None, closed="left"), callable],
     "n_trials": [Interval(Integral, 1, None, closed="left")]},
    prefer_skip_nested_validation=True,
)
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
    n_samples, widths = _grid_axis(n_samples, "n_samples"), _grid_axis(widths, "widths")
    d0 = n_features if callable(n_features) else (lambda n: n_features)
    cells = [(n, int(d0(n)), w) for n in n_samples for w in widths]
    frac = _run_grid(_rank_cell, cells, n_trials, random_state, n_jobs, verbose)
    return {"n_samples": np.asarray(n_samples), "widths": np.asarray(widths),
            "fraction": frac.reshape(len(n_samples), len(widths)), "quantity": "full rank"}


_LABELS = {"polynomial", "teacher", "random", "sum_product", "gaussian"}


@validate_params(
    {**_GRID, "n_features": [Interval(Integral, 1, None, closed="left")],
     "labels": [StrOptions(_LABELS)],
     "n_trials": [None, Interval(Integral, 1, None, closed="left")],
     "solver": [str]},
    prefer_skip_nested_validation=True,
)
def global_minimum_fraction(n_samples, widths, *, n_features=2, labels="polynomial",
                            n_trials=None, solver="CLARABEL", random_state=None, n_jobs=None,
                            verbose=0):
    """Fraction of activation regions that contain a zero-loss global minimum (Figs 6-8).

    For each cell, ``n_trials`` regions (a new data set, labels and He-uniform
    initialisation each) are solved with the region QP of App. E.2; a region
    counts when the forward pass of its optimum interpolates.

    Parameters
    ----------
    n_samples, widths : sequence of int
        The grid.
    n_features : int, default=2
        ``d0``; inputs are uniform on ``[-1, 1]^{d0}`` (App. E.2).
    labels : {"polynomial", "teacher", "random", "sum_product", "gaussian"}, \
            default="polynomial"
        The paper's three label kinds (App. E.2): ``"polynomial"``, a random
        polynomial of degree 2 with coefficients ``U[-1, 1]``; ``"teacher"``, a
        network of the student's architecture initialised as the student is;
        ``"random"``, ``U[-1, 1]``.  Not in the paper: ``"sum_product"``,
        ``y = Σ x² - Π x``, and ``"gaussian"``, ``N(0, 1)`` labels.
    n_trials : int, default=None
        Regions per cell; None means the paper's 140 for ``d0 = 1`` (Fig. 6)
        and 100 otherwise.
    solver : str, default="CLARABEL"
        An installed cvxpy solver (checked before any work).
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
    n_samples, widths = _grid_axis(n_samples, "n_samples"), _grid_axis(widths, "widths")
    solver = check_cvxpy_solver(solver)
    if n_trials is None:
        n_trials = 140 if n_features == 1 else 100
    cells = [(n, n_features, w, labels) for n in n_samples for w in widths]
    frac = _run_grid(_minimum_cell, cells, n_trials, random_state, n_jobs, verbose,
                     extra=(solver,))
    return {"n_samples": np.asarray(n_samples), "widths": np.asarray(widths),
            "fraction": frac.reshape(len(n_samples), len(widths)),
            "quantity": f"global minimum ({labels} labels)"}


@validate_params(
    {"n_samples": ["array-like", Interval(Real, 1, None, closed="left")],
     "epsilon": [Interval(Real, 0, 1, closed="neither")],
     "kind": [StrOptions({"rank", "minima"})]},
    prefer_skip_nested_validation=True,
)
def theory_width(n_samples, epsilon=0.1, kind="rank"):
    """Widths from the theory, for overlay: Theorem 10 and Theorem 12 (``d0 = 1``).

    ``d1 = 2 n log(n/ε)`` makes the Jacobian full rank in all but a fraction ε
    of the non-empty regions (Theorem 10, the constant of its proof, App. C);
    ``d1 = 4 n log(2n/ε)``, ``2 n log(2n/ε)`` units of each output sign, makes
    all but a fraction ε of them hold global minima (Theorem 12; the dashed
    line of Fig. 6).

    Examples
    --------
    >>> round(float(theory_width(10, 0.1)), 1)
    92.1
    >>> round(float(theory_width(10, 0.1, kind="minima")), 1)
    211.9
    """
    n = np.asarray(n_samples, dtype=np.float64)
    if kind == "rank":
        return 2.0 * n * np.log(n / epsilon)
    return 4.0 * n * np.log(2 * n / epsilon)
