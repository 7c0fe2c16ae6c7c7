"""The constructive shallow network of Chen & Muñoz Ewald (arXiv 2309.10370).

Equation and theorem numbers refer to that paper; its text file lost the
formulas, which ``shared/papers/SHALLOW.md`` restates (checked numerically).
Row convention here: points are rows, ``A = Pen(X0red) Y`` maps a centred point
to its output.
"""

import warnings
from numbers import Integral, Real

import numpy as np
from sklearn.base import BaseEstimator, RegressorMixin, _fit_context
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, validate_data

from ._base import (
    BaseConstructedClassifier,
    ConstructedNetworkMixin,
    resolve_targets,
    weighted_l2_cost,
)
from ._describe import LayerTable
from ._geometry import rank_tolerance
from ._network import ReLUNetwork
from .exceptions import AssumptionWarning

__all__ = ["ShallowBoundRegressor", "ShallowBoundClassifier", "shallow_bound_experiment",
           "theorem_3_2_cost"]


def _rms(R):
    """``sqrt((1/N) Σ_i |r_i|²)``: the cost normalisation of the paper (SHALLOW.md)."""
    return float(np.sqrt(np.einsum("ij,ij->", R, R) / R.shape[0]))


def theorem_3_2_cost(X, group, targets):
    """Value of Theorem 3.2's degenerate local minimum (``M = Q``).

    ``C_N = ||Y |Δ2|^{1/2} (1 + Δ2)^{-1/2}||_F`` with ``Δ1 = X0red⁻¹ ΔX0`` and
    ``Δ2 = Δ1 𝒩⁻¹ Δ1ᵀ``, ``𝒩 = diag(N_j 1_{N_j})`` (SHALLOW.md).  It equals the
    weighted least-squares fit of the targets by a *linear* map of the inputs
    (output bias pinned to ``-W2 b1``); with a free output bias the weighted cost
    can be strictly lower, so this is the value of a particular critical point,
    not the minimum of the architecture.  With truncated inputs ``τ(X0)`` in
    place of ``X0`` it is the value of Theorem 3.5.

    Parameters
    ----------
    X : ndarray of shape (n_samples, Q)
        Inputs (``M = Q``), e.g. ``truncate(X0, W, b)`` for Theorem 3.5.
    group : ndarray of shape (n_samples,) of int
        Group (class) index of each row, ``0 .. Q-1``.
    targets : ndarray of shape (Q, d)
        ``y_j`` as rows.

    Returns
    -------
    cost : float

    Examples
    --------
    >>> import numpy as np
    >>> X = np.array([[1.0, 0.1], [1.0, -0.1], [0.0, 1.0], [0.0, 1.0]])
    >>> round(theorem_3_2_cost(X, np.array([0, 0, 1, 1]), np.eye(2)), 6)
    0.099504
    """
    X = np.asarray(X, dtype=np.float64)
    Q = targets.shape[0]
    if X.shape[1] != Q:
        raise ValueError(f"Theorem 3.2 needs M = Q; got M = {X.shape[1]}, Q = {Q}.")
    counts = np.bincount(group, minlength=Q)
    means = np.array([X[group == j].mean(axis=0) for j in range(Q)])
    # row convention: Δ1ᵀ has rows Δx_i X0red⁻¹, i.e. solves means.T @ d = Δx_i
    delta1 = np.linalg.solve(means.T, (X - means[group]).T)  # (Q, N) = X0red⁻¹ ΔX0
    delta2 = (delta1 / counts[group]) @ delta1.T
    lam, V = np.linalg.eigh((delta2 + delta2.T) / 2)
    lam = np.maximum(lam, 0.0)
    middle = (V * np.sqrt(lam / (1.0 + lam))) @ V.T
    return float(np.linalg.norm(targets.T @ middle))


class _ShallowConstruction(ConstructedNetworkMixin):
    """Theorem 3.1's network for groups with given target vectors."""

    def _construct(self, X, group, n_groups):
        X = np.asarray(X, dtype=np.float64)
        Y = self.targets_
        counts = np.bincount(group, minlength=n_groups)
        means = np.array([X[group == j].mean(axis=0) for j in range(n_groups)])
        centred = self.centering == "means"
        center = means.mean(axis=0) if centred else np.zeros(X.shape[1])
        y_center = Y.mean(axis=0) if centred else np.zeros(Y.shape[1])
        D = means - center
        U, s, Vt = np.linalg.svd(D, full_matrices=False)
        rank = int(np.sum(s > rank_tolerance(means, s)))
        needed = n_groups - 1 if centred else n_groups
        if rank < needed:
            warnings.warn(
                f"The {n_groups} group means are not {'affinely' if centred else 'linearly'} "
                f"independent (rank {rank} < {needed}, n_features = {X.shape[1]}): Theorem "
                "3.1 assumes X0red of full rank, so the means cannot all be mapped to their "
                "targets; Pen(X0red) is the pseudo-inverse of the rank-deficient matrix.",
                AssumptionWarning, stacklevel=4)
        rank = max(rank, 1)
        basis = Vt[:rank].T  # (M, r): orthonormal basis of the span of the (centred) means
        # A = Pen(X0red) Y in row convention, on the centred targets when centring
        A = Vt[:rank].T @ ((U[:, :rank].T @ (Y - y_center)) / s[:rank, None])
        Z = (X - center) @ basis
        radius = np.sqrt(np.einsum("ij,ij->i", Z, Z).max())
        beta = 2.0 * radius if self.beta is None else float(self.beta)
        if beta <= radius * (1 + 1e-12) and self.beta is not None:
            warnings.warn(f"beta = {beta:.3g} does not exceed max |P(x - c)| = {radius:.3g}: "
                          "ReLU truncates some training points (Theorem 3.1 takes beta >= 2 "
                          "max |x|).", AssumptionWarning, stacklevel=4)
        width = X.shape[1] if self.width == "full" else rank
        W1 = np.zeros((X.shape[1], width))
        W1[:, :rank] = basis
        b1 = np.zeros(width)
        b1[:rank] = beta - center @ basis
        W2 = np.zeros((width, Y.shape[1]))
        W2[:rank] = basis.T @ A
        # b2 reverts the shift: on the positive sector the network is c̄_y + (x - c) A
        b2 = y_center - beta * W2[:rank].sum(axis=0)
        if self.output_layer == "lstsq":
            H = np.maximum(X @ W1 + b1, 0.0)[:, :rank]
            sol = np.linalg.lstsq(np.column_stack([H, np.ones(len(H))]), Y[group],
                                  rcond=None)[0]
            W2[:rank], b2 = sol[:-1], sol[-1]
        self._set_network(ReLUNetwork([W1, W2], [b1, b2]))
        self.beta_ = beta
        self.center_, self.components_ = center, basis
        self.group_means_ = means
        self._metric_map = basis.T @ A  # Y Pen(X0red) in the basis of the span
        # the bound (3.15) and its operator-norm form (3.16), from the means alone
        deviations = X - means[group]
        projected = deviations @ Vt[:rank].T / s[:rank]  # Pen(X0red) Δx in the basis of U
        self.delta_P_ = float(np.sqrt(np.einsum("ij,ij->i", projected, projected).max()))
        self.bound_ = _rms(deviations @ A)
        self.bound_opnorm_ = float(np.linalg.norm(Y - y_center, 2) * self.delta_P_)
        out = self.network_.forward(X)
        self.training_cost_ = _rms(out - Y[group])
        self.weighted_cost_ = float(np.sqrt(weighted_l2_cost(out, Y[group], group)))
        self.theorem_3_2_cost_ = (theorem_3_2_cost(X, group, Y)
                                  if X.shape[1] == n_groups and rank == n_groups
                                  and not centred else None)
        self.group_counts_ = counts
        return out

    def describe(self):
        """Layer-by-layer account of the constructed network.

        Returns
        -------
        table : LayerTable
            The hidden layer (projection onto the span of the means, shifted by
            ``β``) and the output layer, with widths, condition numbers and the
            bound it attains.

        Examples
        --------
        >>> from sklearn.datasets import load_iris
        >>> from sktrunc import ShallowBoundClassifier
        >>> X, y = load_iris(return_X_y=True)
        >>> [r["action"] for r in ShallowBoundClassifier().fit(X, y).describe()]
        ['projects onto the span of the 3 means, shifted by beta', 'constructive output']
        """
        check_is_fitted(self)
        r = self.components_.shape[1]
        rows = [
            {"layer": 1, "width": self.coefs_[0].shape[1], "beta": self.beta_,
             "action": f"projects onto the span of the {len(self.targets_)} means, shifted by "
                       "beta",
             "cond": float(np.linalg.cond(self.coefs_[0][:, :r]))},
            {"layer": 2, "width": self.coefs_[1].shape[1],
             "action": f"{self.output_layer} output",
             "cond": float(np.linalg.cond(self.coefs_[1][:r]))},
        ]
        title = (f"{type(self).__name__}: {self.network_}; training cost "
                 f"{self.training_cost_:.4g}, bound (3.15) {self.bound_:.4g}, (3.16) "
                 f"{self.bound_opnorm_:.4g}, delta_P {self.delta_P_:.4g}")
        return LayerTable(["layer", "action", "width", "beta", "cond"], rows, title=title)

    def _metric_decision(self, X):
        """Theorem 3.3: nearest group mean of the truncated projection, in the metric d."""
        H = self.network_.hidden_outputs(X)[0][:, : self.components_.shape[1]]
        x_tilde = H - self.beta_  # = P(x - c) in the basis, truncated outside the sector
        means = (self.group_means_ - self.center_) @ self.components_
        diff = (x_tilde[:, None, :] - means[None]) @ self._metric_map
        return np.argmin(np.einsum("ijk,ijk->ij", diff, diff), axis=1)


_COMMON_PARAMS = {
    "output_layer": [StrOptions({"constructive", "lstsq"})],
    "centering": [StrOptions({"means", "none"})],
    "width": [StrOptions({"reduced", "full"})],
    "beta": [None, Interval(Real, 0, None, closed="neither")],
    "targets": [None, "array-like"],
}


class ShallowBoundRegressor(_ShallowConstruction, RegressorMixin, BaseEstimator):
    """One-hidden-layer ReLU network of Theorem 3.1, built in closed form.

    The hidden layer projects the input onto the span of the group means, rotates
    that span onto its first coordinates and shifts it by ``β`` into the positive
    sector, so ReLU keeps the signal and erases the rest; the output layer maps
    each group mean to its target vector and undoes the shift.  Its training cost
    *equals* the bound (3.15) of the paper, computed from the means alone.

    Parameters
    ----------
    target_type : {"auto", "labels", "vectors", "continuous"}, default="auto"
        How ``y`` defines the groups.  ``"labels"``: class labels, mapped to
        ``targets`` (one-hot by default; ``predict`` returns target vectors).
        ``"vectors"``: a 2-D ``y`` whose distinct rows are the targets.
        ``"continuous"``: ordinary regression targets, split into ``n_groups``
        groups along their first principal direction; the targets are the group
        averages.  ``"auto"``: ``"labels"`` when ``targets`` is given,
        ``"vectors"`` for a ``y`` of several columns with at most
        ``n_samples / 2`` distinct rows, else ``"continuous"`` (a column vector
        is treated like a 1-D ``y``).
    n_groups : int, default=None
        Groups for continuous targets; ``n_features + 1`` (the most whose means
        can be affinely independent) capped at ``n_samples``.  With
        ``n_samples <= n_features + 1`` every point is its own group and the
        network interpolates.
    output_layer : {"constructive", "lstsq"}, default="constructive"
        ``"constructive"``: Theorem 3.1's output layer (training cost equals the
        bound).  ``"lstsq"``: least squares on the hidden layer (never worse on
        the training data).  For continuous targets ``"lstsq"`` is what makes the
        network a sound regressor (see Notes).
    centering : {"means", "none"}, default="means"
        Centre at the centroid of the means (translation-invariant bound, needs
        only affinely independent means, allows ``Q = M + 1``) or the paper's
        uncentred form (linearly independent means, ``Q <= M``).
    width : {"reduced", "full"}, default="reduced"
        Hidden width: the rank of the means (the units that carry signal) or the
        paper's ``M`` (the others are zero units).
    beta : float, default=None
        Shift into the positive sector; ``2 max |P(x - c)|`` when None (the paper
        takes ``β ≥ 2 max |x|``).
    targets : array-like of shape (n_classes, d), default=None
        Target vectors for ``target_type="labels"``; one-hot when None.

    Attributes
    ----------
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of features seen during fit, when ``X`` has string column names.
    target_type_ : str
        The resolved target type.
    targets_ : ndarray of shape (n_groups, d)
        Target vector of each group.
    network_ : ReLUNetwork
        The constructed network (one hidden layer).
    coefs_, intercepts_ : list of ndarray
        Its layers in scikit-learn MLP orientation.
    n_params_ : int
        Weights and biases.
    bound_ : float
        Bound (3.15), ``||Y Pen(X0red) ΔX0||_F / √N`` (centred variant: with the
        centred means and targets).
    bound_opnorm_ : float
        Bound (3.16), ``||Y||_op δ_P``.
    delta_P_ : float
        Noise-to-signal ratio ``δ_P = sup |Pen(X0red) Δx|`` (3.1).
    training_cost_ : float
        ``sqrt((1/N) Σ |f(x_i) - y_i|²)`` of a forward pass on the training data;
        equals ``bound_`` with the constructive output layer.
    weighted_cost_ : float
        ``C_N = sqrt(Σ_j (1/N_j) Σ_i |f(x_{j,i}) - y_j|²)``.
    theorem_3_2_cost_ : float or None
        Theorem 3.2's value (uncentred form with ``M = Q`` only): the weighted
        least-squares cost with the output bias pinned; not a minimum of the
        architecture (a free output bias does better).
    beta_ : float
        The shift used.
    center_, components_ : ndarray
        Centre and orthonormal basis of the span of the means.
    group_means_, group_counts_ : ndarray
        Means and sizes of the groups.

    See Also
    --------
    ShallowBoundClassifier : the same network, predicting classes (Theorem 3.3).
    sklearn.linear_model.LinearRegression : what the network equals on the
        training range for continuous targets with ``output_layer="lstsq"``.

    Notes
    -----
    Theorem 3.1: with ``P`` the projector onto the span of the means and ``R``
    rotating it onto the first coordinates, ``W1 = R P``, ``b1 = β P_R u``,
    ``W2 = Y Pen(X0red) Rᵀ``, ``b2 = -W2 β P_R u``; on the training data the
    network is ``x ↦ Y Pen(X0red) x`` and its cost equals (3.15), which (3.16)
    bounds by ``||Y||_op δ_P``.  The bound is invariant under ``X → λX``.

    For continuous targets the groups are an artefact: with the least-squares
    output layer the network is, on the training range, an affine function of
    the projection on the span of the group means, i.e. a (reduced-rank) linear
    regression; on diabetes its cross-validated R² is that of
    ``LinearRegression`` (0.48).  The construction adds an explicit ReLU network
    (e.g. as a warm start, ``to_mlp()``) and a clipping of inputs far outside the
    training range, not accuracy.  The constructive output layer is a poor
    regressor there (it only matches group averages).

    References
    ----------
    .. [1] T. Chen, P. Muñoz Ewald, "Geometric structure of shallow neural
       networks and constructive L2 cost minimization", arXiv:2309.10370.

    Examples
    --------
    >>> import numpy as np
    >>> from sktrunc import ShallowBoundRegressor
    >>> rng = np.random.default_rng(0)
    >>> means = np.eye(3)
    >>> X = np.repeat(means, 10, axis=0) + 0.05 * rng.normal(size=(30, 3))
    >>> Y = np.repeat(np.eye(3), 10, axis=0)
    >>> reg = ShallowBoundRegressor().fit(X, Y)
    >>> reg.target_type_, bool(np.isclose(reg.training_cost_, reg.bound_))
    ('vectors', True)
    """

    _parameter_constraints: dict = {
        **_COMMON_PARAMS,
        "target_type": [StrOptions({"auto", "labels", "vectors", "continuous"})],
        "n_groups": [None, Interval(Integral, 1, None, closed="left")],
    }

    def __init__(self, *, target_type="auto", n_groups=None, output_layer="constructive",
                 centering="means", width="reduced", beta=None, targets=None):
        self.target_type = target_type
        self.n_groups = n_groups
        self.output_layer = output_layer
        self.centering = centering
        self.width = width
        self.beta = beta
        self.targets = targets

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y):
        """Construct the network.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : array-like of shape (n_samples,) or (n_samples, d)
            Labels, target vectors or continuous targets (see ``target_type``).

        Returns
        -------
        self : object
        """
        kind = self.target_type
        X, y = validate_data(self, X, y, dtype=[np.float64, np.float32], multi_output=True,
                             y_numeric=kind in ("auto", "continuous", "vectors"))
        y_arr = np.asarray(y)
        if kind == "auto":
            if self.targets is not None:
                kind = "labels"
            elif (y_arr.ndim == 2 and y_arr.shape[1] > 1
                  and len(np.unique(y_arr, axis=0)) <= len(y_arr) / 2):
                kind = "vectors"
            else:
                kind = "continuous"
        self.target_type_ = kind
        self._y_1d = y_arr.ndim == 1
        if kind == "labels":
            check_classification_targets(y_arr)
            self.classes_, group = np.unique(y_arr, return_inverse=True)
            self.targets_ = resolve_targets(self.targets, len(self.classes_))
        elif kind == "vectors":
            Yv = y_arr.reshape(len(y_arr), -1).astype(np.float64)
            self.targets_, group = np.unique(Yv, axis=0, return_inverse=True)
            group = group.ravel()
        else:
            group, self.targets_ = self._continuous_groups(
                np.asarray(y_arr, dtype=np.float64).reshape(len(y_arr), -1), X)
        self.n_groups_ = len(self.targets_)
        self._construct(X, group, self.n_groups_)
        return self

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        return tags

    def _continuous_groups(self, Y, X):
        n = len(Y)
        k = min(X.shape[1] + 1, n) if self.n_groups is None else min(self.n_groups, n)
        if k == n:
            group = np.arange(n)
        else:
            # equal-size groups along the first principal direction of the targets
            Yc = Y - Y.mean(axis=0)
            direction = (np.linalg.svd(Yc, full_matrices=False)[2][0] if Y.shape[1] > 1
                         else np.ones(1))
            order = np.argsort(Yc @ direction, kind="stable")
            group = np.empty(n, dtype=int)
            group[order] = np.arange(n) * k // n
        targets = np.array([Y[group == j].mean(axis=0) for j in range(k)])
        return group, targets

    def predict(self, X):
        """Output of the network.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        y_pred : ndarray of shape (n_samples,) or (n_samples, d)
            Raveled when ``y`` was 1-D continuous.
        """
        check_is_fitted(self)
        X = validate_data(self, X, reset=False, dtype=[np.float64, np.float32])
        out = self.network_.forward(X)
        if self._y_1d and self.target_type_ == "continuous":
            return out.ravel()
        return out


class ShallowBoundClassifier(_ShallowConstruction, BaseConstructedClassifier):
    """Theorem 3.1's network as a classifier, deciding by Theorem 3.3's metric.

    Same construction as :class:`ShallowBoundRegressor` on class labels mapped
    to target vectors; ``predict`` is ``argmin_j |f(x) - y_j|``, which equals the
    metric rule of Theorem 3.3 (``metric_predict``).

    Parameters
    ----------
    output_layer : {"constructive", "lstsq"}, default="constructive"
        See :class:`ShallowBoundRegressor`.
    centering : {"means", "none"}, default="means"
        See :class:`ShallowBoundRegressor`.
    width : {"reduced", "full"}, default="reduced"
        See :class:`ShallowBoundRegressor`.
    beta : float, default=None
        See :class:`ShallowBoundRegressor`.
    targets : array-like of shape (n_classes, d), default=None
        Target vectors; one-hot when None.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        Class labels.
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of features seen during fit, when ``X`` has string column names.
    targets_, network_, coefs_, intercepts_, n_params_ : see ShallowBoundRegressor
    bound_, bound_opnorm_, delta_P_, training_cost_, weighted_cost_ : float
        As in :class:`ShallowBoundRegressor`.
    theorem_3_2_cost_ : float or None
        As in :class:`ShallowBoundRegressor`.

    See Also
    --------
    sklearn.neighbors.NearestCentroid : nearest class mean in the Euclidean metric;
        Theorem 3.3's metric weighs directions by ``Y Pen(X0red)``.

    Notes
    -----
    Theorem 3.3: ``d(x, x') = |Y Pen(X0red)(x - x')|`` is a metric on the span
    of the means; with ``x̃`` the (truncated) projection read off the hidden
    layer, the network matches ``x`` to ``argmin_j d(x̃, x̄_j)``, the same class
    as ``argmin_j |f(x) - y_j|`` with the constructive output layer.

    References
    ----------
    .. [1] T. Chen, P. Muñoz Ewald, "Geometric structure of shallow neural
       networks and constructive L2 cost minimization", arXiv:2309.10370.

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from sktrunc import ShallowBoundClassifier
    >>> X, y = load_iris(return_X_y=True)
    >>> clf = ShallowBoundClassifier().fit(X, y)
    >>> clf.network_.layer_sizes, round(clf.bound_, 3) == round(clf.training_cost_, 3)
    ((4, 2, 3), True)
    """

    _parameter_constraints: dict = dict(_COMMON_PARAMS)

    def __init__(self, *, output_layer="constructive", centering="means", width="reduced",
                 beta=None, targets=None):
        self.output_layer = output_layer
        self.centering = centering
        self.width = width
        self.beta = beta
        self.targets = targets

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y):
        """Construct the network.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : array-like of shape (n_samples,)
            Class labels.

        Returns
        -------
        self : object
        """
        X, group = self._validate_labels(X, y)
        self._construct(X, group, len(self.classes_))
        self.temperature_ = self._fit_temperature(X, group)
        return self

    def metric_predict(self, X):
        """Classes by Theorem 3.3's metric on the truncated projection.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        y_pred : ndarray of shape (n_samples,)
        """
        check_is_fitted(self)
        X = validate_data(self, X, reset=False, dtype=[np.float64, np.float32])
        return self.classes_[self._metric_decision(X)]


def _gradient_descent(X, Y, width, rng, lr, momentum, max_epochs, patience):
    """Full-batch SGD with momentum on an M -> width (ReLU) -> Q network.

    PyTorch's default initialisation (uniform in ±1/sqrt(fan_in)), mean squared
    error over all entries, stop when the loss has not fallen below
    ``best * (1 - 1e-4)`` for ``patience`` epochs (the authors' notebook).
    Returns the cost ``sqrt((1/N) Σ |f - y|²)`` at the start and the end.
    """
    n, m = X.shape
    q = Y.shape[1]
    bound1, bound2 = 1 / np.sqrt(m), 1 / np.sqrt(width)
    params = [rng.uniform(-bound1, bound1, (m, width)), rng.uniform(-bound1, bound1, width),
              rng.uniform(-bound2, bound2, (width, q)), rng.uniform(-bound2, bound2, q)]
    velocity = [np.zeros_like(p) for p in params]

    def cost(p):
        out = np.maximum(X @ p[0] + p[1], 0) @ p[2] + p[3]
        return float(np.sqrt(np.sum((out - Y) ** 2) / n))

    start, best, since = cost(params), np.inf, 0
    for _ in range(max_epochs):
        W1, b1, W2, b2 = params
        pre = X @ W1 + b1
        h = np.maximum(pre, 0)
        err = (h @ W2 + b2 - Y) * (2.0 / (n * q))
        loss = float(np.sum((h @ W2 + b2 - Y) ** 2) / (n * q))
        dh = (err @ W2.T) * (pre > 0)
        grads = [X.T @ dh, dh.sum(0), h.T @ err, err.sum(0)]
        for p, v, g in zip(params, velocity, grads):
            v *= momentum
            v += g
            p -= lr * v
        if loss < best * (1 - 1e-4):
            best, since = loss, 0
        else:
            since += 1
            if since >= patience:
                break
    return start, cost(params)


def shallow_bound_experiment(*, n_features=4, n_classes=(2, 3, 4), cluster_std=(0.05, 0.2, 0.5),
                             samples_per_class=10, n_inits=10, lr=0.05, momentum=0.9,
                             max_epochs=1000, patience=30, random_state=0):
    """Section 4 of arXiv 2309.10370: the bound against gradient descent.

    For each ``cluster_std`` and ``Q`` in ``n_classes``: Gaussian mixture data
    with orthonormal means (:func:`~sktrunc.datasets.make_gaussian_mixture`),
    the bound (3.15) from the sample means (which the constructed network
    attains) and from the generating means (as in the authors' notebook), and
    the cost reached by gradient descent on the same ``M → M → Q`` ReLU
    architecture from ``n_inits`` random initialisations.

    Parameters
    ----------
    n_features : int, default=4
    n_classes : tuple of int, default=(2, 3, 4)
    cluster_std : tuple of float, default=(0.05, 0.2, 0.5)
    samples_per_class : int, default=10
    n_inits : int, default=10
    lr, momentum : float, default=0.05, 0.9
        Full-batch SGD.
    max_epochs, patience : int, default=1000, 30
        Stopping rule of the notebook.
    random_state : int, default=0

    Returns
    -------
    results : dict of ndarray
        One entry per (std, Q) pair: ``cluster_std``, ``n_classes``, ``bound``,
        ``bound_generating_means``, ``constructed_cost`` (forward pass of
        :class:`ShallowBoundClassifier` with ``centering="none"``, the paper's
        form), ``constructed_cost_centred``, ``gd_init_mean``/``_std``,
        ``gd_final_mean``/``_std``.

    Examples
    --------
    >>> from sktrunc import shallow_bound_experiment
    >>> res = shallow_bound_experiment(n_classes=(2,), cluster_std=(0.2,), n_inits=2)
    >>> bool(abs(res["constructed_cost"][0] - res["bound"][0]) < 1e-12)
    True
    """
    from .datasets import make_gaussian_mixture

    rng = np.random.default_rng(random_state)
    rows = []
    for std in cluster_std:
        for q in n_classes:
            X, y, gen = make_gaussian_mixture(samples_per_class, n_features, q, cluster_std=std,
                                              return_means=True,
                                              random_state=int(rng.integers(2**31)))
            Y = np.eye(q)
            paper = ShallowBoundClassifier(centering="none").fit(X, y)
            centred = ShallowBoundClassifier().fit(X, y)
            A_gen = np.linalg.pinv(gen) @ Y
            bound_gen = _rms((X - gen[y]) @ A_gen)
            runs = np.array([_gradient_descent(X, Y[y], n_features, rng, lr, momentum,
                                               max_epochs, patience) for _ in range(n_inits)])
            rows.append((std, q, paper.bound_, bound_gen, paper.training_cost_,
                         centred.training_cost_, runs[:, 0].mean(), runs[:, 0].std(),
                         runs[:, 1].mean(), runs[:, 1].std()))
    keys = ["cluster_std", "n_classes", "bound", "bound_generating_means", "constructed_cost",
            "constructed_cost_centred", "gd_init_mean", "gd_init_std", "gd_final_mean",
            "gd_final_std"]
    table = np.array(rows, dtype=float)
    return {k: table[:, i] for i, k in enumerate(keys)}
