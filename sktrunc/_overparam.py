"""OverparamInterpolator: explicit zero-loss networks for generic data.

The explicit construction is Chen & Moore, "Zero loss guarantees and explicit
minimizers for generic overparametrized deep learning networks" (Theorems 2.1,
2.2, Section 5); the region strategy is the region-constrained least squares of
Karhadkar, Murray, Tseran & Montúfar (Appendix E.2), implemented in
:mod:`sktrunc.landscape`.
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


def explicit_layers(X, Y, n_hidden_layers, width, activation, rng, alpha=0.0):
    """Chen & Moore's explicit interpolating network (Theorem 2.2, Section 5).

    Hidden-to-hidden and output weights are fixed random orthogonal matrices
    (rescaled per unit); the targets are pulled back through the activation,
    layer by layer, each time shifted by the smallest per-unit amount that keeps
    the pulled-back values in the activation's range; the first layer solves
    ``[X 1] W = σ⁻¹(H_1)`` exactly, which needs ``rank [X 1] = n_samples``
    (with ``alpha > 0``: by ridge, trading exactness for generalisation).

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
    coef, intercept = _ridge_solve(X, _inverse(activation, H), alpha)
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
    strategy : {"auto", "explicit", "lift", "region"}, default="auto"
        ``"explicit"``: Chen & Moore's construction, for linearly independent
        inputs (``rank [X 1] = n_samples``, so ``n_features ≥ n_samples - 1``).
        ``"lift"``: a random ReLU layer of width ``n_samples + n_features`` (plus
        ``n_features`` units that are the identity on the training range) makes
        the inputs independent, then the explicit construction.
        ``"region"``: a two-layer ReLU network of ``hidden_width`` units with
        fixed output weights ``±1``; activation patterns are sampled from random
        initialisations and the least squares inside each region (a QP, Appendix
        E.2 of Karhadkar et al.) is solved until a region holds an interpolant.
        ``"auto"``: by cost, estimated before anything is allocated: explicit
        for independent inputs; else region when its QP is small (at most 1e5
        sign constraints ``n × width``, about 5 s) and ``alpha == 0``; else
        lift.  Repeated rows are merged first.
    alpha : float, default=0
        Ridge penalty of the construction's one least-squares solve (the first
        layer of the explicit construction, on the lifted features for the
        lift), relative to the squared norm of the centred inputs of that
        layer.  ``0`` is the theorem's exact interpolant (the default: this
        estimator's contract is interpolation); tune ``alpha`` by
        ``GridSearchCV`` to trade exactness for generalisation.  The region
        strategy needs ``alpha = 0``.
    n_hidden_layers : int, default=1
        Depth of the explicit construction (1 to 20 and more).
    hidden_width : int, default=None
        Explicit: width of the hidden layers (at least the output dimension;
        the output dimension when None).  Region: ``d1``; when None
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
        a larger strategy is refused with an error naming the size.
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

    An exact interpolant of noisy data fits the noise: with ``alpha = 0`` and
    more samples than ``n_features + 1`` (so the targets cannot all be a linear
    function of the inputs) fitting warns with an :class:`AssumptionWarning`.
    On diabetes the interpolant's cross-validated R² is far below zero; tuned
    over ``alpha`` the lift matches ``Ridge`` (``benchmarks/bench_regression.py``).

    References
    ----------
    .. [1] T. Chen, C. Moore, "Zero loss guarantees and explicit minimizers for
       generic overparametrized deep learning networks".
    .. [2] K. Karhadkar, M. Murray, H. Tseran, G. Montúfar, "Mildly
       overparameterized ReLU networks have a favorable loss landscape".

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
        "strategy": [StrOptions({"auto", "explicit", "lift", "region"})],
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
        lift_width = n + 2 * m
        constraints = n * self._region_width(n, m)
        region_nnz = constraints * (m + 1) * d
        return {
            "explicit": _BYTES * (3 * n * (m + 1) + self.n_hidden_layers * (2 * width ** 2
                                                                            + 2 * n * width)),
            "lift": _BYTES * _LIFT_COPIES * n * lift_width,
            "region": _REGION_BYTES_PER_NONZERO * region_nnz,
        }, region_nnz, constraints

    def _choose_strategy(self, X, Y, independent):
        """The strategy (by cost when "auto") and its memory estimate; refuse what cannot fit."""
        budget = self.max_memory_gb * _GB
        estimates, region_nnz, constraints = self._estimates(X, Y)
        strategy = self.strategy
        relu_only = {"lift", "region"}
        if strategy == "auto":
            if independent:
                strategy = "explicit"
            elif (self.alpha == 0 and self.activation == "relu"
                  and constraints <= _REGION_MAX_CONSTRAINTS
                  and estimates["region"] <= budget):
                strategy = "region"
            else:
                strategy = "lift"
        if strategy in relu_only and self.activation != "relu":
            raise ValueError(f"The {strategy} strategy builds ReLU networks; "
                             f"activation={self.activation!r} needs 'explicit'.")
        if strategy == "region" and self.alpha != 0:
            raise ValueError("The region strategy interpolates (a QP per region); alpha > 0 "
                             "needs strategy='lift' or 'explicit'.")
        if estimates[strategy] > budget:
            n, m = X.shape
            detail = (f"the lifted matrix alone is {n} x {n + 2 * m} floats, "
                      f"{_gb(_BYTES * n * (n + 2 * m))}" if strategy == "lift" else
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
                "n_features < n_samples - 1). Use strategy='region' or 'lift'.")

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

    def _lifted(self, X, Y, rng):
        """Random ReLU units plus identity units, then the explicit construction on them."""
        width = X.shape[0] + X.shape[1]
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
