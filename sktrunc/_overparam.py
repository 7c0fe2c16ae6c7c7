"""OverparamInterpolator: explicit zero-loss networks for generic data.

The explicit construction is Chen & Moore, "Zero loss guarantees and explicit
minimizers for generic overparametrized deep learning networks" (Theorems 2.1,
2.2, Section 5); the region strategy is the region-constrained least squares of
Karhadkar, Murray, Tseran & Montúfar (Appendix E.2), implemented in
:mod:`sktrunc.landscape`; the knots strategy is their one-dimensional function
space (Proposition 13: on ``n`` sorted distinct points the units
``σ(t - t_k)`` span every target vector) after a projection ``t = x·u`` that
separates the rows, as in Zhang et al.'s finite-sample expressivity (2017,
Theorem 1).
"""

import warnings
from numbers import Integral, Real

import numpy as np
from sklearn.base import BaseEstimator, RegressorMixin, _fit_context
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted, validate_data

from ._base import ConstructedNetworkMixin
from ._network import ReLUNetwork
from .exceptions import COND_WARN, AssumptionWarning, ConditioningWarning, NotInterpolableError
from .landscape import search_regions

__all__ = ["OverparamInterpolator", "NotInterpolableError"]

_BYTES = 8  # float64
# The lift holds its n x width matrix about three times (the matrix, lstsq's copy and
# its SVD workspace).
_LIFT_COPIES = 3
# cvxpy's compiled region QP: measured about 500 bytes per nonzero of the constraint
# matrix (n x width x (n_features + 1) nonzeros; 8.6 GB at n = 1000, width 1500, M = 10).
_REGION_BYTES_PER_NONZERO = 500
# A region QP's time grows with its n x width sign constraints (CLARABEL, measured:
# 2.8 s at 6e4, 4.1 s at 9.4e4, 8.6 s at 1.35e5); above this "auto" takes the lift.
_REGION_MAX_CONSTRAINTS = 1e5
# The knots network has one unit per distinct row, so checking it on the training data
# (the forward pass behind interpolates_) costs n^2 (n_features + n_outputs)
# multiply-adds: about 10 s at 1e11 on one core; larger fits are refused by name.
_KNOTS_MAX_FLOPS = 1e11
# Rows per block of the knots network's forward pass (n x block floats at a time).
_KNOTS_BLOCK_BYTES = 2 ** 25
# With alpha > 0 the lift need not make the rows independent: its random units are
# capped (plus the n_features identity units), a ridge on random features.
_LIFT_RIDGE_MAX_WIDTH = 1000
# Rounding of the knots network's forward pass, relative to max(1, max |y|), above
# which another projection is tried (see _knots_rounding).
_KNOTS_ROUNDING = 1e-8
_GB = 2.0 ** 30


def _gb(n_bytes):
    return f"{n_bytes / _GB:.3g} GB"


def _inverse(activation, H):
    if activation == "relu":
        return H
    if activation == "softplus":
        return H + np.log(-np.expm1(-H))  # log(exp(H) - 1), stable for large H
    return np.arctanh(H)


def _into_domain(G, activation):
    """Per-unit affine map ``a G + c`` into the activation's range, with a margin.

    ReLU and softplus: the smallest shift that makes each unit positive, plus a
    tenth of its spread (any larger shift only inflates the errors); tanh: the
    box ``[-1/2, 1/2]`` (Lemma 2 of Chen & Moore needs a compact subset of
    ``(-1, 1)``).
    """
    lo, hi = G.min(axis=0), G.max(axis=0)
    spread = np.where(hi > lo, hi - lo, np.maximum(np.abs(hi), 1.0))
    if activation == "tanh":
        a = 1.0 / spread
        return a, -0.5 - a * lo
    margin = 0.1 * spread
    return np.ones(G.shape[1]), np.maximum(margin - lo, 0.0)


def _ridge_solve(X, P, alpha):
    """``[X 1] W ≈ P``: min-norm least squares (``alpha = 0``) or ridge, intercept free.

    Solved on the centred inputs divided by their largest entry, so the network
    does not depend on the inputs' location or scale (the min-norm solution of
    the raw ``[X 1]`` would trade weight against intercept differently at each
    scale).  The ridge penalty is ``alpha ||X - x̄||_F²``, relative likewise.
    """
    xm, pm = X.mean(axis=0), P.mean(axis=0)
    Xc = X - xm
    scale = float(np.max(np.abs(Xc), initial=0.0)) or 1.0
    Xc = Xc / scale
    lam = alpha * float(np.einsum("ij,ij->", Xc, Xc))
    if lam == 0:  # alpha = 0, or all rows equal: least squares
        W = np.linalg.lstsq(Xc, P - pm, rcond=None)[0]
    elif X.shape[1] <= X.shape[0]:
        W = np.linalg.solve(Xc.T @ Xc + lam * np.eye(X.shape[1]), Xc.T @ (P - pm))
    else:  # dual form: fewer samples than features
        W = Xc.T @ np.linalg.solve(Xc @ Xc.T + lam * np.eye(X.shape[0]), P - pm)
    W = W / scale
    return W, pm - xm @ W


def explicit_layers(X, Y, n_hidden_layers, width, activation, rng, alpha=0.0,
                    first_solve=None):
    """Chen & Moore's explicit interpolating network (Theorem 2.2, Section 5).

    Hidden-to-hidden and output weights are fixed random orthogonal matrices
    (rescaled per unit); the targets are pulled back through the activation,
    layer by layer, each time shifted by the smallest per-unit amount that keeps
    the pulled-back values in the activation's range; the first layer solves
    ``[X 1] W = σ⁻¹(H_1)`` exactly, which needs ``rank [X 1] = n_samples``
    (with ``alpha > 0``: by ridge, trading exactness for generalisation).
    ``first_solve(P) -> (W, b)`` replaces that solve when ``X`` has a structure
    that solves it faster (the knots features).

    Returns
    -------
    coefs, intercepts : lists of ndarray
    """
    n_out = Y.shape[1]
    coefs, intercepts = [], []
    # output layer: H_L W + b = Y with W = diag(1/a) O, O orthonormal columns
    O = np.linalg.qr(rng.normal(size=(width, width)))[0][:, :n_out]
    G = Y @ O.T
    a, c = _into_domain(G, activation)
    H = a * G + c
    coefs.insert(0, O / a[:, None])
    intercepts.insert(0, -(c / a) @ O)
    for _ in range(n_hidden_layers - 1):
        P = _inverse(activation, H)
        O = np.linalg.qr(rng.normal(size=(width, width)))[0]
        G = P @ O.T
        a, c = _into_domain(G, activation)
        H = a * G + c
        coefs.insert(0, O / a[:, None])
        intercepts.insert(0, -(c / a) @ O)
    P = _inverse(activation, H)
    coef, intercept = (_ridge_solve(X, P, alpha) if first_solve is None else first_solve(P))
    coefs.insert(0, coef)
    intercepts.insert(0, intercept)
    return coefs, intercepts


def _lift(X, rng, width):
    """A random ReLU layer with hyperplanes through random training points."""
    n, m = X.shape
    scale = X.std(axis=0)
    scale[scale == 0] = 1.0
    G = rng.normal(size=(m, width)) / (scale[:, None] * np.sqrt(m))
    anchors = X[rng.randint(n, size=width)]
    return G, -np.einsum("ij,ji->i", anchors, G)


def _knot_direction(X, Y, rng, mixing):
    """A projection ``u`` for the knots: the least-squares direction, tilted at random.

    In standardised coordinates ``u`` is the unit direction of the linear
    regression of ``Y`` on ``X`` (for several outputs, the coefficients' direction
    of largest fitted variance), plus ``mixing`` times a random unit vector so that
    distinct rows project to distinct values with probability one.  Sorting along
    the linear fit puts rows with similar predicted targets next to each other, so
    the interpolant between them is that fit plus interpolated residuals rather
    than arbitrary oscillation.  Returned in the raw units of ``X``.
    """
    mu, sd = X.mean(axis=0), X.std(axis=0)
    # a column whose spread is rounding of its values (np.std of equal floats is not
    # always 0) is constant: it must not get a weight of 1/1e-17
    constant = np.ptp(X, axis=0) <= 1e-10 * np.abs(X).max(axis=0)
    sd[constant | (sd == 0)] = 1.0
    Xs = (X - mu) / sd
    Xs[:, constant] = 0.0
    g = rng.normal(size=X.shape[1])
    g /= np.linalg.norm(g) or 1.0
    B = np.linalg.lstsq(Xs, Y - Y.mean(axis=0), rcond=None)[0]
    if B.shape[1] > 1:
        B = B @ np.linalg.svd(Xs @ B, full_matrices=False)[2][0]
    b = B.ravel()
    norm = float(np.linalg.norm(b))
    u = (b / norm if norm > 0 and np.isfinite(norm) else g) + mixing * g
    u[constant] = 0.0
    return u / sd


def _knot_coefficients(t, P):
    """Output weights of the knots units that interpolate ``P`` at the sorted ``t``.

    Units ``σ(t - t_k)`` for ``k < n`` and ``σ(t_1 - t)``: on sorted distinct
    ``t`` the interpolant is the polyline through ``(t_i, p_i)`` (Karhadkar et al.,
    Prop. 13), continued linearly beyond both ends, whose weights are the jumps
    of its slopes: O(n) instead of an ``n x n`` solve.

    Returns
    -------
    coef : ndarray of shape (n, k)
    intercept : ndarray of shape (k,)
    """
    n = len(t)
    coef = np.zeros((n, P.shape[1]))
    if n > 1:
        slopes = np.diff(P, axis=0) / np.diff(t)[:, None]
        coef[0] = slopes[0]
        coef[1:n - 1] = np.diff(slopes, axis=0)
        coef[n - 1] = -slopes[0]
    return coef, P[0].copy()


def _knots_rounding(t, coef):
    """Bound on the forward pass's rounding at the training points, per output.

    A unit ``σ(t_i - t_k)`` that should vanish may be left at a few ulps of
    ``|t|`` (the network recomputes ``x·u``), which its weight multiplies.
    """
    return 8 * np.finfo(float).eps * float(np.abs(t).max(initial=0.0)) * np.abs(coef).sum(axis=0)


def _singular_values(A):
    """Singular values of ``[A 1]``: its rank and condition number from one SVD."""
    return np.linalg.svd(np.column_stack([A, np.ones(len(A))]), compute_uv=False)


def _rank(s, shape):
    """Rank with ``matrix_rank``'s default tolerance."""
    return int(np.sum(s > s.max(initial=0.0) * max(shape) * np.finfo(float).eps))


def _full_rank(A):
    """``rank [A 1] == n_rows``."""
    return _rank(_singular_values(A), (A.shape[0], A.shape[1] + 1)) == len(A)


def _linear_units(X):
    """ReLU units that are the identity on the training range: ``(x - min) / spread + 1``."""
    lo, hi = X.min(axis=0), X.max(axis=0)
    spread = np.where(hi > lo, hi - lo, 1.0)
    return np.diag(1.0 / spread), 1.0 - lo / spread


def _deduplicate(X, Y, exact):
    """Distinct rows of ``X`` and their targets (averaged; refused when ``exact``)."""
    unique, inverse, counts = np.unique(X, axis=0, return_inverse=True, return_counts=True)
    inverse = inverse.ravel()
    if len(unique) == len(X):
        return X, Y
    sums = np.zeros((len(unique), Y.shape[1]))
    np.add.at(sums, inverse, Y)
    means = sums / counts[:, None]
    if exact:
        spread = np.abs(Y - means[inverse]).max(axis=1)
        clash = np.unique(inverse[spread > 1e-12 * max(1.0, float(np.abs(Y).max()))])
        if clash.size:
            raise NotInterpolableError(
                f"{clash.size} input rows occur more than once with different targets: no "
                "function interpolates them, whatever the strategy (alpha > 0 fits their "
                "average).")
    return unique, means


class OverparamInterpolator(ConstructedNetworkMixin, RegressorMixin, BaseEstimator):
    """A network that interpolates the training data exactly, without gradient descent.

    Parameters
    ----------
    strategy : {"auto", "explicit", "knots", "lift", "region"}, default="auto"
        ``"explicit"``: Chen & Moore's construction, for linearly independent
        inputs (``rank [X 1] = n_samples``, so ``n_features ≥ n_samples - 1``).
        ``"knots"``: the rows are projected onto one direction ``t = x·u`` (the
        least-squares direction, tilted at random so distinct rows stay
        distinct) and one ReLU unit ``σ(t - t_k)`` is placed at each sorted
        training value: the network is the polyline through the training
        targets along ``t`` (Karhadkar et al., Prop. 13), built in
        ``O(n log n)``; ``n_samples`` hidden units.
        ``"lift"``: a random ReLU layer of width ``n_samples + n_features`` (plus
        ``n_features`` units that are the identity on the training range) makes
        the inputs independent, then the explicit construction; with
        ``alpha > 0`` the random units are capped at 1000 (a ridge on random
        features, which need not interpolate).
        ``"region"``: a two-layer ReLU network of ``hidden_width`` units with
        fixed output weights ``±1``; activation patterns are sampled from random
        initialisations and the least squares inside each region (a QP, Appendix
        E.2 of Karhadkar et al.) is solved until a region holds an interpolant.
        ``"auto"``: by cost: explicit for independent inputs, else knots when
        ``alpha == 0`` (the cheapest exact interpolant: its fit and its
        training check cost ``n log n`` and ``n² (n_features + n_outputs)``),
        else lift.  Repeated rows are merged first.
    alpha : float, default=0
        Ridge penalty of the construction's one least-squares solve (the first
        layer of the explicit construction, on the lifted features for the
        lift), relative to the squared norm of the centred inputs of that
        layer.  ``0`` is the theorem's exact interpolant (the default: this
        estimator's contract is interpolation); tune ``alpha`` by
        ``GridSearchCV`` to trade exactness for generalisation.  The region
        and knots strategies need ``alpha = 0``.
    n_hidden_layers : int, default=1
        Depth of the explicit construction (1 to 20 and more); with knots, the
        knots layer followed by ``n_hidden_layers - 1`` explicit layers.
    hidden_width : int, default=None
        Explicit (and knots, after its first layer): width of the hidden
        layers (at least the output dimension; the output dimension when
        None).  Region: ``d1``; when None
        ``max(ceil(4 n / (n_features + 1)), ceil(1.5 n))``: at ``n = 200``,
        10 features, 73 units found no interpolating region in 20, 300 found one
        at the first try.
    activation : {"relu", "tanh", "softplus"}, default="relu"
        Hidden activation of the explicit construction (the lift and region
        strategies are ReLU-only).
    max_regions : int, default=20
        Regions tried by the region strategy.
    max_memory_gb : float, default=2.0
        Largest memory the construction may take, estimated before allocating;
        a larger strategy is refused with an error naming the size.  The knots
        strategy is refused likewise above ``1e11`` multiply-adds for its
        training forward pass (about ``7e4`` rows of 20 features).
    solver : str, default="CLARABEL"
        cvxpy solver of the region QPs.
    n_jobs : int, default=None
        Parallel region QPs (``sklearn.utils.parallel``); the result does not
        depend on it.
    random_state : int, RandomState instance or None, default=None
        Seeds the orthogonal weights, the lift and the sampled regions.
    strict : bool, default=False
        Raise when no interpolating region is found, instead of warning.
    verbose : int, default=0
        Progress of the region search (joblib's messages); silent when 0.

    Attributes
    ----------
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of features seen during fit, when ``X`` has string column names.
    strategy_ : str
        The strategy used.
    memory_estimate_gb_ : float
        The estimate that chose it.
    network_ : ReLUNetwork
        The network (its ``activation`` is the hidden activation).
    coefs_, intercepts_ : list of ndarray
        Layers in scikit-learn MLP orientation.
    n_params_ : int
        Weights and biases.
    training_cost_ : float
        Eq. (14), ``½ Σ_i |f(x_i) - y_i|²`` of a forward pass.
    training_residual_ : float
        ``max_i |f(x_i) - y_i|`` of a forward pass on the training data.
    interpolates_ : bool
        Whether that residual is below ``1e-6 * max(1, max |y|)``.
    activation_pattern_ : ndarray of shape (n_distinct_rows, hidden_width)
        Region strategy: the activation pattern of the region used.
    projection_ : ndarray of shape (n_features,)
        Knots strategy: the direction ``u`` the rows are sorted along.
    n_regions_tried_ : int
        Region strategy: regions solved.

    Notes
    -----
    Theorem 2.2 of Chen & Moore: for generic data with ``M > N`` (here:
    ``[X 1]`` of rank ``N``) and any depth, zero loss is attained by an explicit
    network.  The hidden weights are fixed orthogonal matrices; a per-unit shift
    (the smallest that keeps every unit in the activation's range, plus a margin)
    replaces the paper's single diagonal shift, which kept hidden values O(1) and
    the error near 1e-14 up to depth 20 in a prototype, where Gaussian weights
    failed at depth 10.

    The region strategy is the mildly overparametrised regime of Karhadkar et al.:
    within an activation region the network is linear in its first-layer
    parameters, so the best fit in the region is a convex QP; the region holds a
    global minimum of zero loss when the QP's optimum interpolates, decided here
    from the forward pass of the returned network.

    The knots strategy needs no solve: along ``t = x·u`` the interpolant's
    output weights are the jumps of the polyline's slopes.  Its forward pass
    rounds like ``eps · max|t| · Σ_k |w_k|``; that bound is computed before the
    network is returned, and a steeper tilt of ``u`` is tried when it exceeds
    ``1e-8 max(1, max|y|)``.

    An exact interpolant of noisy data fits the noise: with ``alpha = 0`` and
    more samples than ``n_features + 1`` (so the targets cannot all be a linear
    function of the inputs) fitting warns with an :class:`AssumptionWarning`.
    With the knots the interpolant is the linear fit plus the interpolated
    residuals of the neighbours along ``u`` (diabetes: cross-validated R²
    about 0.1, against -1e7 for the lift's interpolant); tuned over ``alpha``
    the lift matches ``Ridge`` (``benchmarks/bench_regression.py``).

    References
    ----------
    .. [1] T. Chen, C. Moore, "Zero loss guarantees and explicit minimizers for
       generic overparametrized deep learning networks".
    .. [2] K. Karhadkar, M. Murray, H. Tseran, G. Montúfar, "Mildly
       overparameterized ReLU networks have a favorable loss landscape".
    .. [3] C. Zhang, S. Bengio, M. Hardt, B. Recht, O. Vinyals, "Understanding
       deep learning requires rethinking generalization", ICLR 2017, Theorem 1.

    Examples
    --------
    >>> import numpy as np
    >>> from sktrunc import OverparamInterpolator
    >>> rng = np.random.default_rng(0)
    >>> X, y = rng.normal(size=(20, 30)), rng.normal(size=20)
    >>> reg = OverparamInterpolator(n_hidden_layers=5, random_state=0).fit(X, y)
    >>> reg.strategy_, reg.interpolates_, bool(reg.training_residual_ < 1e-10)
    ('explicit', True, True)
    """

    _parameter_constraints: dict = {
        "strategy": [StrOptions({"auto", "explicit", "knots", "lift", "region"})],
        "alpha": [Interval(Real, 0, None, closed="left")],
        "n_hidden_layers": [Interval(Integral, 1, None, closed="left")],
        "hidden_width": [None, Interval(Integral, 1, None, closed="left")],
        "activation": [StrOptions({"relu", "tanh", "softplus"})],
        "max_regions": [Interval(Integral, 1, None, closed="left")],
        "max_memory_gb": [Interval(Real, 0, None, closed="neither")],
        "solver": [str],
        "n_jobs": [None, Integral],
        "random_state": ["random_state"],
        "strict": ["boolean"],
        "verbose": ["verbose"],
    }

    def __init__(self, *, strategy="auto", alpha=0.0, n_hidden_layers=1, hidden_width=None,
                 activation="relu", max_regions=20, max_memory_gb=2.0, solver="CLARABEL",
                 n_jobs=None, random_state=None, strict=False, verbose=0):
        self.strategy = strategy
        self.alpha = alpha
        self.n_hidden_layers = n_hidden_layers
        self.hidden_width = hidden_width
        self.activation = activation
        self.max_regions = max_regions
        self.max_memory_gb = max_memory_gb
        self.solver = solver
        self.n_jobs = n_jobs
        self.random_state = random_state
        self.strict = strict
        self.verbose = verbose

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        return tags

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y):
        """Construct an interpolating (``alpha = 0``) or ridge-regularised network.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            Targets; for class labels pass one-hot rows.

        Returns
        -------
        self : object
        """
        X, y = validate_data(self, X, y, dtype=[np.float64, np.float32], multi_output=True,
                             y_numeric=True)
        X_all = np.asarray(X, dtype=np.float64)
        self._y_1d = np.ndim(y) == 1
        Y_all = np.asarray(y, dtype=np.float64).reshape(len(X_all), -1)
        exact = self.alpha == 0
        if self.strategy == "explicit":  # Theorem 2.2 as stated: on the rows as given
            self._check_independent(X_all)
        X, Y = _deduplicate(X_all, Y_all, exact)
        rng = check_random_state(self.random_state)
        sv = _singular_values(X)
        rank = _rank(sv, (X.shape[0], X.shape[1] + 1))
        independent = rank == len(X)
        strategy, estimate = self._choose_strategy(X, Y, independent)
        self.strategy_, self.memory_estimate_gb_ = strategy, estimate / _GB
        if exact and not independent:
            warnings.warn(f"Interpolating {len(X)} distinct samples in {X.shape[1]} features "
                          "fits their noise too; set alpha > 0 (tuned by cross-validation) "
                          "to generalise.", AssumptionWarning, stacklevel=3)
        if strategy == "explicit":
            self._check_conditioning(sv)
            self._explicit(X, Y, rng, prefix=None)
        elif strategy == "knots":
            self._knots(X, Y, rng)
        elif strategy == "lift":
            self._lifted(X, Y, rng)
        else:
            self._regions(X, Y, rng)
        out = self.network_.forward(X_all)
        r = out - Y_all
        self.training_cost_ = 0.5 * float(np.einsum("ij,ij->", r, r))
        self.training_residual_ = float(np.abs(r).max())
        self.interpolates_ = bool(self.training_residual_
                                  <= 1e-6 * max(1.0, float(np.abs(Y_all).max())))
        if exact and strategy != "region" and not self.interpolates_:
            warnings.warn(f"The {strategy} construction left a training residual of "
                          f"{self.training_residual_:.3g}: the inputs are nearly dependent.",
                          AssumptionWarning, stacklevel=3)
        return self

    def _region_width(self, n, m):
        return self.hidden_width or max(int(np.ceil(4 * n / (m + 1))), int(np.ceil(1.5 * n)))

    def _estimates(self, X, Y):
        """Bytes each strategy would allocate, before any is run."""
        n, m = X.shape
        d = Y.shape[1]
        width = max(d, self.hidden_width or d)
        lift_width = self._lift_width(n, m) + m
        constraints = n * self._region_width(n, m)
        region_nnz = constraints * (m + 1) * d
        deeper = self.n_hidden_layers - 1  # explicit layers after the knots layer
        return {
            "explicit": _BYTES * (3 * n * (m + 1) + self.n_hidden_layers * (2 * width ** 2
                                                                            + 2 * n * width)),
            "knots": _BYTES * (n * (2 * m + 4 * d + 8) + deeper * (2 * width ** 2 + 3 * n * width)
                               + n * (n + width) * min(1.0, _KNOTS_BLOCK_BYTES / (8.0 * n * n))
                               ),
            "lift": _BYTES * _LIFT_COPIES * n * lift_width,
            "region": _REGION_BYTES_PER_NONZERO * region_nnz,
        }, region_nnz, constraints

    def _lift_width(self, n, m):
        """Random units of the lift: enough for independence, capped when alpha > 0."""
        return n + m if self.alpha == 0 else min(n + m, _LIFT_RIDGE_MAX_WIDTH)

    def _choose_strategy(self, X, Y, independent):
        """The strategy (by cost when "auto") and its memory estimate; refuse what cannot fit."""
        budget = self.max_memory_gb * _GB
        estimates, region_nnz, constraints = self._estimates(X, Y)
        strategy = self.strategy
        relu_only = {"knots", "lift", "region"}
        if strategy == "auto":
            if independent:
                strategy = "explicit"
            elif self.alpha == 0:
                strategy = "knots"
            else:
                strategy = "lift"
        if strategy in relu_only and self.activation != "relu":
            raise ValueError(f"The {strategy} strategy builds ReLU networks; "
                             f"activation={self.activation!r} needs 'explicit'.")
        if strategy in ("region", "knots") and self.alpha != 0:
            raise ValueError(f"The {strategy} strategy interpolates; alpha > 0 "
                             "needs strategy='lift' or 'explicit'.")
        if strategy == "knots":
            n, m = X.shape
            flops = float(n) * n * (m + Y.shape[1])
            if flops > _KNOTS_MAX_FLOPS:
                raise ValueError(
                    f"strategy='knots' on {n} distinct samples builds a network of {n} hidden "
                    f"units; checking it on the training data costs {flops:.3g} multiply-adds "
                    f"(n^2 (n_features + n_outputs), above {_KNOTS_MAX_FLOPS:.0e}, minutes), "
                    "and every prediction costs n (n_features + n_outputs). Subsample the "
                    "data, or use a model that does not interpolate.")
        if estimates[strategy] > budget:
            n, m = X.shape
            lw = self._lift_width(n, m) + m
            detail = (f"the lifted matrix alone is {n} x {lw} floats, "
                      f"{_gb(_BYTES * n * lw)}" if strategy == "lift" else
                      f"{region_nnz:.3g} constraint nonzeros" if strategy == "region" else
                      f"{n} samples x {m} features")
            raise ValueError(
                f"strategy={strategy!r} on {n} distinct samples would need about "
                f"{_gb(estimates[strategy])} ({detail}), above max_memory_gb="
                f"{self.max_memory_gb:g}. Subsample the data, raise max_memory_gb, or use "
                "a model that does not interpolate.")
        return strategy, estimates[strategy]

    @staticmethod
    def _check_independent(X):
        """Refuse the explicit construction on dependent inputs, naming the rank."""
        rank = _rank(_singular_values(X), (X.shape[0], X.shape[1] + 1))
        if rank < len(X):
            raise NotInterpolableError(
                f"The explicit construction needs linearly independent inputs "
                f"(rank [X 1] = n_samples), but rank [X 1] = {rank} with n_samples = "
                f"{X.shape[0]} and n_features = {X.shape[1]} (duplicated rows or "
                "n_features < n_samples - 1). Use strategy='knots', 'lift' or 'region'.")

    def _check_conditioning(self, sv):
        cond = sv.max() / sv.min() if sv.min() > 0 else np.inf
        if cond > COND_WARN:
            warnings.warn(f"cond([X 1]) = {cond:.3g} > {COND_WARN:.0e}: the first layer's "
                          "least squares loses precision.", ConditioningWarning, stacklevel=4)

    def _explicit(self, X, Y, rng, prefix):
        width = max(Y.shape[1], self.hidden_width or Y.shape[1])
        coefs, intercepts = explicit_layers(X, Y, self.n_hidden_layers, width,
                                            self.activation, rng, alpha=float(self.alpha))
        if prefix is not None:
            coefs.insert(0, prefix[0])
            intercepts.insert(0, prefix[1])
        self._set_network(ReLUNetwork(coefs, intercepts, activation=self.activation))

    def _knots(self, X, Y, rng):
        """One unit per sorted projected row; deeper layers by the explicit construction."""
        n, m = X.shape
        bound = max(1.0, float(np.abs(Y).max(initial=0.0))) * _KNOTS_ROUNDING
        best = None
        for mixing in (1e-2, 1.0, 1e2):  # tilt u further from the fit when rounding bites
            u = _knot_direction(X, Y, rng, mixing)
            t_all = X @ u
            order = np.argsort(t_all, kind="stable")
            t = t_all[order]
            if n > 1 and not np.all(np.diff(t) > 0):
                continue  # two rows project to one value (only in float rounding)
            coef, intercept = _knot_coefficients(t, Y[order])
            rounding = float(np.max(_knots_rounding(t, coef)))
            if best is None or rounding < best[0]:
                best = (rounding, u, order, t, coef, intercept)
            if rounding <= bound:
                break
        if best is None:
            raise NotInterpolableError(
                "No projection separated the distinct rows in float64 (rows that differ "
                "only in their last digits); use strategy='lift'.")
        _, u, order, t, coef, intercept = best
        self.projection_ = u
        # units sigma(t - t_k), k < n, and sigma(t_1 - t): first layer (m, n)
        W1 = np.repeat(u[:, None], n, axis=1)
        W1[:, -1] = -u
        b1 = np.r_[-t[:-1], t[:1]] if n > 1 else np.zeros(1)
        if n == 1:
            W1[:] = 0.0  # one idle unit; the output is the one target
        if self.n_hidden_layers == 1:
            self._set_network(ReLUNetwork([W1, coef], [b1, intercept]))
            return
        def solve(P):  # the knots features' [H 1] W = P, in O(n) per column
            return _knot_coefficients(t, P[order])

        width = max(Y.shape[1], self.hidden_width or Y.shape[1])
        coefs, intercepts = explicit_layers(np.empty((n, 0)), Y, self.n_hidden_layers - 1,
                                            width, "relu", rng, first_solve=solve)
        self._set_network(ReLUNetwork([W1, *coefs], [b1, *intercepts]))

    def _lifted(self, X, Y, rng):
        """Random ReLU units plus identity units, then the explicit construction on them."""
        width = self._lift_width(*X.shape)
        lin_coef, lin_intercept = _linear_units(X)
        for _ in range(3):
            G, c = _lift(X, rng, width)
            G, c = np.column_stack([G, lin_coef]), np.r_[c, lin_intercept]
            H = np.maximum(X @ G + c, 0.0)
            if self.alpha > 0 or _full_rank(H):
                break
            width *= 2
        self._explicit(H, Y, rng, prefix=(G, c))

    def _regions(self, X, Y, rng):
        n, m = X.shape
        width = self._region_width(n, m)
        # standardized inputs keep the region QPs well conditioned; the scaling is folded
        # into the first layer below, so the network still takes the raw inputs
        center, scale = X.mean(axis=0), X.std(axis=0)
        scale[scale == 0] = 1.0
        seeds = rng.randint(np.iinfo(np.int32).max, size=self.max_regions)
        result = search_regions((X - center) / scale, Y, width, seeds, solver=self.solver,
                                n_jobs=self.n_jobs, verbose=self.verbose)
        self.n_regions_tried_ = result["n_tried"]
        self.activation_pattern_ = result["pattern"]
        coef = result["coef"] / scale[:, None]
        intercept = result["intercept"] - center @ coef
        self._set_network(ReLUNetwork([coef, result["output_coef"]],
                                      [intercept, np.zeros(Y.shape[1])]))
        if not result["interpolates"]:
            msg = (f"No activation region among the {result['n_tried']} tried holds an "
                   f"interpolating network (best loss {result['loss']:.3g}, hidden width "
                   f"{width}); raise hidden_width or max_regions, or use strategy='lift'.")
            if self.strict:
                raise NotInterpolableError(msg)
            warnings.warn(msg, AssumptionWarning, stacklevel=3)

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
