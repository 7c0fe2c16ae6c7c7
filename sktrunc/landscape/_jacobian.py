"""The training Jacobian of a deep network and its rank (Chen & Moore, Section 4).

Chen & Moore, "Zero loss guarantees and explicit minimizers for generic
overparametrized deep learning networks": the Jacobian ``D`` of the outputs on
the training data with respect to all weights and biases (Definition 3.1 (3))
decides whether gradient flow behaves like linear interpolation in output space.
For strongly overparametrized networks (``M > N``):

* Lemma 1: the row-wise tensor product ``A ⊗̄ B`` has full rank when ``A`` has
  and ``B`` has no zero row.
* Proposition 1: for linear regression ``D = Xᵀ``, full rank iff ``X`` is.
* Proposition 3 / 5: with a submersive activation (``σ' ≠ 0``: tanh,
  softplus) and ``W_2, ..., W_{L+1}`` of full rank, a full-rank ``X`` gives a
  full-rank ``D``, at any depth.
* Section 4.5 and Remarks 1-2: without those assumptions depth adds ways to
  lose rank (a ReLU layer that maps a sample to ``R^M_-`` kills its row), and
  ``D`` carries products of up to ``L`` derivatives ``σ'`` that can make it
  numerically rank deficient.

:func:`network_jacobian_rank` measures the rank of ``D`` for any
:class:`~sktrunc.ReLUNetwork` and reports which of these conditions hold;
:func:`depth_rank_experiment` compares added depth with added width.
"""

from numbers import Integral, Real

import numpy as np
from sklearn.utils import Bunch, check_random_state
from sklearn.utils._param_validation import HasMethods, Interval, StrOptions, validate_params
from sklearn.utils.parallel import Parallel, delayed

from .._network import ReLUNetwork

__all__ = ["network_jacobian_rank", "depth_rank_experiment"]


def _numerical_rank(s, tol, shape):
    """Singular values above ``tol`` times the largest (``max(shape) eps`` by default)."""
    if s.size == 0 or s[0] == 0:
        return 0
    if tol is None:
        tol = max(shape) * np.finfo(np.float64).eps
    return int(np.sum(s > tol * s[0]))


@validate_params(
    {"network": [HasMethods(["parameter_jacobian", "forward"])], "X": ["array-like"],
     "tol": [Interval(Real, 0, 1, closed="neither"), None]},
    prefer_skip_nested_validation=True)
def network_jacobian_rank(network, X, tol=None):
    """Rank of the training Jacobian ``D`` of a network and the conditions that decide it.

    Parameters
    ----------
    network : ReLUNetwork
        Any depth and activation.
    X : array-like of shape (n_samples, n_features)
        The training inputs, one row per sample (the columns of the paper's
        ``X``).
    tol : float in (0, 1), default=None
        Relative tolerance: singular values above ``tol`` times the largest
        count.  ``None`` means ``max(D.shape) * eps``.

    Returns
    -------
    result : Bunch
        ``rank`` of ``D``; ``max_rank = min(n_samples n_outputs, n_params)``;
        ``full_rank``; ``singular_values`` (descending); ``relative_min_singular_value``
        (``s_min / s_max`` over the first ``max_rank``: Remark 1's conditioning);
        ``data_rank`` (rank of ``X``: full means ``min(n_samples, n_features)``);
        ``data_full_rank``; ``later_layers_full_rank`` (``W_2, ..., W_{L+1}``
        of full rank); ``submersion`` (the activation has ``σ' > 0``:
        tanh, softplus); ``guaranteed`` (the hypotheses of Proposition 5, or of
        Proposition 1 for an affine network, hold, so ``D`` must have full
        rank); ``dead_samples`` (for ReLU, per hidden layer the number of samples
        with every unit inactive: each loses its row of ``D`` but for the
        output bias, the rank loss of Section 4.5).

    Notes
    -----
    Proposition 5 assumes ``M > N`` (strong overparametrization) and square or
    wide later layers; ``guaranteed`` checks the hypotheses as stated
    (``X`` of rank ``n_samples``, every ``W_l`` for ``l ≥ 2`` of full rank,
    ``σ`` a submersion).  ReLU is not a submersion: its guarantee is local
    (Lemma 1 needs ``∇σ`` without zero rows), hence ``dead_samples``.

    References
    ----------
    T. Chen and A. G. Moore, "Zero loss guarantees and explicit minimizers for
    generic overparametrized deep learning networks", Section 4.

    Examples
    --------
    >>> import numpy as np
    >>> from sktrunc import ReLUNetwork
    >>> from sktrunc.landscape import network_jacobian_rank
    >>> rng = np.random.default_rng(0)
    >>> net = ReLUNetwork([rng.normal(size=(6, 6)), rng.normal(size=(6, 1))],
    ...                   [rng.normal(size=6), rng.normal(size=1)], activation="tanh")
    >>> res = network_jacobian_rank(net, rng.normal(size=(4, 6)))
    >>> int(res.rank), bool(res.full_rank), bool(res.guaranteed)
    (4, True, True)
    """
    X = network._check_X(X)
    D = network.parameter_jacobian(X)
    s = np.linalg.svd(D, compute_uv=False)
    rank = _numerical_rank(s, tol, D.shape)
    max_rank = min(D.shape)
    s_x = np.linalg.svd(X, compute_uv=False)
    data_rank = _numerical_rank(s_x, tol, X.shape)
    later = []
    for c in network.coefs[1:]:
        s_c = np.linalg.svd(c, compute_uv=False)
        later.append(_numerical_rank(s_c, tol, c.shape) == min(c.shape))
    later_full = bool(all(later))
    submersion = network.activation in ("tanh", "softplus")
    data_full = data_rank == X.shape[0]
    if network.n_layers == 1:
        guaranteed = data_full  # Proposition 1 (with the bias: D = [Xᵀ 1])
    else:
        guaranteed = bool(submersion and later_full and data_full)
    dead = []
    if network.activation == "relu":
        dead = [int(np.sum(~(h > 0).any(axis=1))) for h in network._activations(X)[1:]]
    top = s[:max_rank]
    rel_min = float(top[-1] / top[0]) if top.size and top[0] > 0 else 0.0
    return Bunch(rank=rank, max_rank=max_rank, full_rank=rank == max_rank,
                 singular_values=s, relative_min_singular_value=rel_min,
                 data_rank=data_rank, data_full_rank=bool(data_full),
                 later_layers_full_rank=later_full, submersion=submersion,
                 guaranteed=bool(guaranteed), dead_samples=dead)


def _random_network(rng, widths, activation, bias_std):
    """He-normal weights (variance ``2 / fan_in``), normal biases: a standard initialisation."""
    coefs = [rng.normal(scale=np.sqrt(2.0 / m), size=(m, k))
             for m, k in zip(widths[:-1], widths[1:])]
    intercepts = [rng.normal(scale=bias_std, size=k) for k in widths[1:]]
    return ReLUNetwork(coefs, intercepts, activation=activation)


def _depth_cell(n, m, depth, activation, bias_std, tol, seeds):
    """Module-level task: full-rank fraction and median conditioning, deep vs wide."""
    out = np.zeros((2, 2))
    ratios = [[], []]
    for seed in seeds:
        rng = np.random.default_rng(seed)
        X = rng.normal(size=(n, m))
        deep = _random_network(rng, (m,) + (m,) * depth + (1,), activation, bias_std)
        # one hidden layer with (about) as many parameters as the deep network
        width = max(m, round((deep.n_params - 1) / (m + 2)))
        wide = _random_network(rng, (m, width, 1), activation, bias_std)
        for i, net in enumerate((deep, wide)):
            res = network_jacobian_rank(net, X, tol=tol)
            out[i, 0] += res.full_rank
            ratios[i].append(res.relative_min_singular_value)
    out[:, 0] /= len(seeds)
    out[:, 1] = [np.median(r) for r in ratios]
    return out


@validate_params(
    {"depths": ["array-like"],
     "n_samples": [Interval(Integral, 1, None, closed="left")],
     "n_features": [Interval(Integral, 1, None, closed="left"), None],
     "activation": [StrOptions({"relu", "tanh", "softplus"})],
     "bias_std": [Interval(Real, 0, None, closed="left")],
     "tol": [Interval(Real, 0, 1, closed="neither"), None],
     "n_trials": [Interval(Integral, 1, None, closed="left")],
     "random_state": ["random_state"],
     "n_jobs": [Integral, None],
     "verbose": ["verbose"]},
    prefer_skip_nested_validation=True)
def depth_rank_experiment(depths, *, n_samples=4, n_features=None, activation="relu",
                          bias_std=0.1, tol=1e-8, n_trials=50, random_state=None,
                          n_jobs=None, verbose=0):
    """Added depth against added width: how often is the training Jacobian of full rank?

    For each depth ``L``, ``n_trials`` random problems: ``n_samples`` Gaussian
    inputs in ``R^M`` with ``M = n_features > n_samples`` (strongly
    overparametrized, Definition 4.1 of Chen & Moore), a network with ``L``
    hidden layers of width ``M`` (the equal widths of their Theorem 2.1) and
    one output, He-normal weights and normal biases; against it a network
    with one hidden layer and (about) the same number of parameters.  The
    data have full rank, so Proposition 5 would guarantee full rank for a
    submersive activation with full-rank later layers; with ReLU each layer
    can map a sample into ``R^M_-`` and, with any activation, ``D`` carries
    products of up to ``L`` derivatives (Remark 1), so depth loses rank
    (numerically, at relative tolerance ``tol``) where width does not.

    Parameters
    ----------
    depths : array-like of int
        Numbers of hidden layers.
    n_samples : int, default=4
        ``N``.
    n_features : int, default=None
        ``M``; ``n_samples + 1`` when None.
    activation : {"relu", "tanh", "softplus"}, default="relu"
    bias_std : float, default=0.1
        Standard deviation of the random biases.
    tol : float in (0, 1), default=1e-8
        Relative tolerance of the rank (see :func:`network_jacobian_rank`).
    n_trials : int, default=50
    random_state : int, RandomState instance or None, default=None
        Seeds for every trial are drawn from it up front, so results do not
        depend on ``n_jobs``.
    n_jobs : int, default=None
        Depths in parallel (joblib).
    verbose : int, default=0

    Returns
    -------
    results : dict
        ``depths``; ``deep_full_rank`` and ``wide_full_rank`` (fractions of
        trials, shape ``(len(depths),)``); ``deep_conditioning`` and
        ``wide_conditioning`` (median ``s_min / s_max`` of ``D``);
        ``n_params`` of the deep networks.

    Examples
    --------
    >>> from sktrunc.landscape import depth_rank_experiment
    >>> res = depth_rank_experiment([1, 32], n_trials=20, random_state=0)
    >>> bool(res["deep_full_rank"][-1] < res["wide_full_rank"][-1])
    True
    """
    depths = [int(d) for d in np.atleast_1d(depths)]
    if not depths or min(depths) < 1:
        raise ValueError(f"depths must be positive integers; got {depths}.")
    m = n_samples + 1 if n_features is None else n_features
    rng = check_random_state(random_state)
    seeds = rng.randint(np.iinfo(np.int32).max, size=(len(depths), n_trials))
    cells = Parallel(n_jobs=n_jobs, verbose=verbose)(
        delayed(_depth_cell)(n_samples, m, d, activation, bias_std, tol,
                             [int(v) for v in s])
        for d, s in zip(depths, seeds))
    cells = np.array(cells)
    return {
        "depths": np.asarray(depths),
        "deep_full_rank": cells[:, 0, 0], "wide_full_rank": cells[:, 1, 0],
        "deep_conditioning": cells[:, 0, 1], "wide_conditioning": cells[:, 1, 1],
        "n_params": np.array([m * m * d + m * d + m + 1 for d in depths]),
        "n_samples": n_samples, "n_features": m, "activation": activation,
    }
