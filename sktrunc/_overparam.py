"""OverparamInterpolator: explicit zero-loss networks for generic data.

The explicit construction is Chen & Moore, "Zero loss guarantees and explicit
minimizers for generic overparametrized deep learning networks" (Theorems 2.1,
2.2, Section 5); the region strategy is the region-constrained least squares of
Karhadkar, Murray, Tseran & Montúfar (Appendix E.2), implemented in
:mod:`sktrunc._regions`.
"""

import warnings
from numbers import Integral

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


def explicit_layers(X, Y, n_hidden_layers, width, activation, rng):
    """Chen & Moore's explicit interpolating network (Theorem 2.2, Section 5).

    Hidden-to-hidden and output weights are fixed random orthogonal matrices
    (rescaled per unit); the targets are pulled back through the activation,
    layer by layer, each time shifted by the smallest per-unit amount that keeps
    the pulled-back values in the activation's range; the first layer solves
    ``[X 1] W = σ⁻¹(H_1)`` exactly, which needs ``rank [X 1] = n_samples``.

    Returns
    -------
    coefs, intercepts : lists of ndarray
    """
    n_samples, n_out = Y.shape
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
    design = np.column_stack([X, np.ones(n_samples)])
    sol = np.linalg.lstsq(design, P, rcond=None)[0]
    coefs.insert(0, sol[:-1])
    intercepts.insert(0, sol[-1])
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


class OverparamInterpolator(ConstructedNetworkMixin, RegressorMixin, BaseEstimator):
    """A network that interpolates the training data exactly, without gradient descent.

    Parameters
    ----------
    strategy : {"auto", "explicit", "lift", "region"}, default="auto"
        ``"explicit"``: Chen & Moore's construction, for linearly independent
        inputs (``rank [X 1] = n_samples``, so ``n_features ≥ n_samples - 1``).
        ``"lift"``: a random ReLU layer of width ``n_samples + n_features``
        makes the inputs independent, then the explicit construction.
        ``"region"``: a two-layer ReLU network of ``hidden_width`` units with
        fixed output weights ``±1``; activation patterns are sampled from random
        initialisations and the least squares inside each region (a QP, Appendix
        E.2 of Karhadkar et al.) is solved until a region holds an interpolant.
        ``"auto"``: explicit when the inputs are independent, else region.
    n_hidden_layers : int, default=1
        Depth of the explicit construction (1 to 20 and more).
    hidden_width : int, default=None
        Explicit: width of the hidden layers (at least the output dimension;
        the output dimension when None).  Region: ``d1``; when None
        ``max(ceil(4 n / (n_features + 1)), ceil(1.5 n))``: at ``n = 200``,
        10 features, 73 units found no interpolating region in 20, 300 found one
        at the first try.
    activation : {"relu", "tanh", "softplus"}, default="relu"
        Hidden activation of the explicit construction (the region strategy is
        ReLU-only).
    max_regions : int, default=20
        Regions tried by the region strategy.
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
    network_ : ReLUNetwork
        The network (its ``activation`` is the hidden activation).
    coefs_, intercepts_ : list of ndarray
        Layers in scikit-learn MLP orientation.
    n_params_ : int
        Weights and biases.
    training_residual_ : float
        ``max_i |f(x_i) - y_i|`` of a forward pass on the training data.
    interpolates_ : bool
        Whether that residual is below ``1e-6 * max(1, max |y|)``.
    activation_pattern_ : ndarray of shape (n_samples, hidden_width)
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
        "n_hidden_layers": [Interval(Integral, 1, None, closed="left")],
        "hidden_width": [None, Interval(Integral, 1, None, closed="left")],
        "activation": [StrOptions({"relu", "tanh", "softplus"})],
        "max_regions": [Interval(Integral, 1, None, closed="left")],
        "solver": [str],
        "n_jobs": [None, Integral],
        "random_state": ["random_state"],
        "strict": ["boolean"],
        "verbose": ["verbose"],
    }

    def __init__(self, *, strategy="auto", n_hidden_layers=1, hidden_width=None,
                 activation="relu", max_regions=20, solver="CLARABEL", n_jobs=None,
                 random_state=None, strict=False, verbose=0):
        self.strategy = strategy
        self.n_hidden_layers = n_hidden_layers
        self.hidden_width = hidden_width
        self.activation = activation
        self.max_regions = max_regions
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
        """Construct an interpolating network.

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
        X = np.asarray(X, dtype=np.float64)
        self._y_1d = np.ndim(y) == 1
        Y = np.asarray(y, dtype=np.float64).reshape(len(X), -1)
        rng = check_random_state(self.random_state)
        sv = _singular_values(X)
        rank = _rank(sv, (X.shape[0], X.shape[1] + 1))
        independent = rank == len(X)
        strategy = self.strategy
        if strategy == "auto":
            strategy = "explicit" if independent else "region"
        if strategy != "region" and self.activation != "relu" and strategy == "lift":
            raise ValueError("The lift is a ReLU layer; use activation='relu' with it.")
        self.strategy_ = strategy
        if strategy == "explicit":
            if not independent:
                raise NotInterpolableError(
                    f"The explicit construction needs linearly independent inputs "
                    f"(rank [X 1] = n_samples), but rank [X 1] = {rank} with n_samples = "
                    f"{X.shape[0]} and n_features = {X.shape[1]} (duplicated rows or "
                    "n_features < n_samples - 1). Use strategy='region' or 'lift'.")
            self._check_conditioning(sv)
            self._explicit(X, Y, rng, prefix=None)
        elif strategy == "lift":
            self._lifted(X, Y, rng)
        else:
            if self.activation != "relu":
                raise ValueError("The region strategy builds ReLU networks; "
                                 f"activation={self.activation!r} needs 'explicit'.")
            self._regions(X, Y, rng)
        out = self.network_.forward(X)
        self.training_residual_ = float(np.abs(out - Y).max())
        self.interpolates_ = bool(self.training_residual_
                                  <= 1e-6 * max(1.0, float(np.abs(Y).max())))
        if strategy != "region" and not self.interpolates_:
            warnings.warn(f"The {strategy} construction left a training residual of "
                          f"{self.training_residual_:.3g}: the inputs are nearly dependent.",
                          AssumptionWarning, stacklevel=3)
        return self

    def _check_conditioning(self, sv):
        cond = sv.max() / sv.min() if sv.min() > 0 else np.inf
        if cond > COND_WARN:
            warnings.warn(f"cond([X 1]) = {cond:.3g} > {COND_WARN:.0e}: the first layer's "
                          "least squares loses precision.", ConditioningWarning, stacklevel=4)

    def _explicit(self, X, Y, rng, prefix):
        width = max(Y.shape[1], self.hidden_width or Y.shape[1])
        coefs, intercepts = explicit_layers(X, Y, self.n_hidden_layers, width,
                                            self.activation, rng)
        if prefix is not None:
            coefs.insert(0, prefix[0])
            intercepts.insert(0, prefix[1])
        self._set_network(ReLUNetwork(coefs, intercepts, activation=self.activation))

    def _lifted(self, X, Y, rng):
        unique, inverse = np.unique(X, axis=0, return_inverse=True)
        inverse = inverse.ravel()
        clash = [i for i in range(len(unique)) if np.ptp(Y[inverse == i], axis=0).max() > 0]
        if clash:
            raise NotInterpolableError(
                f"{len(clash)} input rows occur more than once with different targets: no "
                "function interpolates them, whatever the strategy.")
        keep = np.unique(inverse, return_index=True)[1]  # one row per distinct input
        width = X.shape[0] + X.shape[1]
        for _ in range(3):
            G, c = _lift(X, rng, width)
            H = np.maximum(X @ G + c, 0.0)
            if _full_rank(H[keep]):
                break
            width *= 2
        self._explicit(H[keep], Y[keep], rng, prefix=(G, c))

    def _regions(self, X, Y, rng):
        n, m = X.shape
        width = self.hidden_width or max(int(np.ceil(4 * n / (m + 1))), int(np.ceil(1.5 * n)))
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
