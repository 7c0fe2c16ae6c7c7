"""Critical points, minima and the values of arXiv 2309.10639 for the clustered networks.

Chen & Muñoz Ewald (arXiv 2309.10639) state a global minimum (Theorem 2.3) and
``2^Q - 1`` degenerate local minima (Theorems 2.4-2.5) of the cost, with the
closed-form values (2.54), (2.71) and (2.85).  This module computes

* the gradient of the training cost (eq. 14) of a fitted network, so that a
  claim "this configuration is a critical point" can be checked
  (:func:`cost_gradient_norm`);
* the paper's values as what they are: the weighted cost of the best last
  layer that is *linear* in the (truncated) inputs (:func:`theorem_2_5_cost`,
  :func:`truncated_data_cost`), not a minimum of the architecture;
* the extra layers of Theorem 2.3 for ``L > Q`` (:func:`append_identity_layers`).

**What is and is not a local minimum** (measured, see the user guide): the
zero-loss network with every class collapsed is a global minimum.  A
``ClusteredTruncationClassifier(collapse=[...])`` with some but not all classes
collapsed is *not* a critical point of the cost in the hidden parameters (its
gradient is of the order of the cost), and one gradient step on the hidden
layers followed by a refit of the last layer lowers the cost.  With nothing
collapsed and ``width="full"`` the hidden layers are affine and invertible on
the data and the least-squares last layer makes the gradient vanish: a
critical point, with the cost of a least-squares affine fit.  With the default
``width="reduced"`` the first layer projects the data, and that configuration
is not critical either.
"""

from numbers import Integral, Real

import numpy as np
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import HasMethods, Interval, StrOptions, validate_params
from sklearn.utils.validation import check_array, check_is_fitted

from ._base import resolve_targets
from ._network import ReLUNetwork

__all__ = [
    "append_identity_layers",
    "cost_gradient_norm",
    "theorem_2_5_cost",
    "truncated_data_cost",
]


def _target_rows(model, X, y):
    """``(network, X, Y_ext)`` for a fitted classifier or a network with target rows."""
    if isinstance(model, ReLUNetwork):
        Y = check_array(y, dtype=np.float64, ensure_2d=False, input_name="y")
        return model, X, Y.reshape(len(Y), -1)
    check_is_fitted(model, "network_")
    X = check_array(X, dtype=np.float64, input_name="X")
    if not hasattr(model, "classes_"):
        # a regressor: y holds the target values themselves
        Y = check_array(y, dtype=np.float64, ensure_2d=False, input_name="y")
        return model.network_, X, Y.reshape(len(Y), -1)
    classes = np.asarray(model.classes_)
    y = np.asarray(y)
    idx = np.searchsorted(classes, y)
    idx = np.clip(idx, 0, len(classes) - 1)
    if y.ndim != 1 or not np.array_equal(classes[idx], y):
        raise ValueError("y must hold labels the classifier was fitted on, one per row of X.")
    return model.network_, X, np.asarray(model.targets_, dtype=np.float64)[idx]


@validate_params(
    {"model": [HasMethods(["forward", "cost_gradient"]), HasMethods(["predict"])],
     "X": ["array-like"], "y": ["array-like"],
     "parameters": [StrOptions({"hidden", "all"})]},
    prefer_skip_nested_validation=True,
)
def cost_gradient_norm(model, X, y, *, parameters="hidden"):
    """Norm of the gradient of the training cost (eq. 14) at a constructed network.

    The cost is ``C = ½ Σ_i |f(x_i) - y_i|²`` of a genuine forward pass; its
    gradient comes from :meth:`ReLUNetwork.cost_gradient` (backpropagation, the
    ReLU derivative at 0 taken as 0).  A configuration with a non-zero
    gradient is not a critical point, hence neither a local minimum nor a
    degenerate one; zero (to rounding, relative to the cost's own scale) is
    necessary for a local minimum, not sufficient.

    Parameters
    ----------
    model : fitted sktrunc estimator with ``network_``, or ReLUNetwork
        A classifier (e.g. :class:`~sktrunc.ClusteredTruncationClassifier`),
        whose ``targets_`` give ``y_i = targets_[class of x_i]``; a regressor,
        or a network, for which ``y`` holds the target values.
    X : array-like of shape (n_samples, n_features)
        The training inputs.
    y : array-like of shape (n_samples,) or (n_samples, d_L)
        Class labels (classifier) or target values (regressor, network).
    parameters : {"hidden", "all"}, default="hidden"
        ``"hidden"``: the weights and biases of the hidden layers only (what
        Theorems 2.3-2.5 minimise over; a least-squares last layer has zero
        gradient anyway); ``"all"``: every layer.

    Returns
    -------
    norm : float
        Euclidean norm of the gradient, all parameters stacked.

    See Also
    --------
    theorem_2_5_cost : the paper's value (2.85) of a collapse pattern.

    Notes
    -----
    Measured on ``make_clustered(n_samples=90, n_features=3, n_classes=3,
    clustering_ratio=0.1)`` (the user guide's table): every class collapsed
    gives cost and gradient 0; a pattern with some classes collapsed has a
    gradient of the order of its cost (0.4-0.9), so Theorem 2.5's
    "degenerate local minima" are not critical points of the network's cost.

    Examples
    --------
    >>> from sktrunc import ClusteredTruncationClassifier, cost_gradient_norm
    >>> from sktrunc.datasets import make_clustered
    >>> X, y = make_clustered(n_samples=60, n_features=3, n_classes=3,
    ...                       clustering_ratio=0.1, random_state=0)
    >>> clf = ClusteredTruncationClassifier().fit(X, y)
    >>> bool(cost_gradient_norm(clf, X, y) < 1e-8)
    True
    """
    network, X, Y = _target_rows(model, X, y)
    coef_grads, intercept_grads = network.cost_gradient(X, Y)
    if parameters == "hidden":
        coef_grads, intercept_grads = coef_grads[:-1], intercept_grads[:-1]
    sq = sum(float(np.sum(g * g)) for g in coef_grads + intercept_grads)
    return float(np.sqrt(sq))


def _groups(X, y, targets):
    """``(X, group index, Y)`` with ``M = Q`` checked (the paper's setting (2.26))."""
    X = check_array(X, dtype=np.float64, input_name="X")
    y = np.asarray(y)
    if y.ndim != 1 or len(y) != len(X):
        raise ValueError(f"y must be 1-D with one label per row of X ({len(X)}); got shape "
                         f"{y.shape}.")
    classes, group = np.unique(y, return_inverse=True)
    Q = len(classes)
    if X.shape[1] != Q:
        raise ValueError(f"(2.54), (2.71) and (2.85) need inputs of dimension M = Q (eq. "
                         f"2.26); got M = {X.shape[1]} and Q = {Q} classes.")
    return X, group, resolve_targets(targets, Q)


def _formula(X, group, Y):
    """``||Y |Δ2|^{1/2} (1 + Δ2)^{-1/2}||_F`` with ``Δ1 = X0red⁻¹ ΔX0`` (2.55, 2.72-2.73)."""
    Q = Y.shape[0]
    counts = np.bincount(group, minlength=Q).astype(np.float64)
    means = np.zeros((Q, X.shape[1]))
    np.add.at(means, group, X)
    means /= counts[:, None]
    s = np.linalg.svd(means, compute_uv=False)
    if s.min() <= len(s) * np.finfo(np.float64).eps * s.max():
        raise ValueError("The class means are linearly dependent: X0red (2.15) is not "
                         "invertible and the formula is undefined.")
    # Δ1 = X0red⁻¹ ΔX0 in the column convention: solve means.T @ Δ1 = ΔX0ᵀ
    delta1 = np.linalg.solve(means.T, (X - means[group]).T)
    # Δ2 = Δ1 𝒩⁻¹ Δ1ᵀ, 𝒩 = diag(N_j 1_{N_j}) (2.32)
    delta2 = (delta1 / counts[group]) @ delta1.T
    lam, V = np.linalg.eigh((delta2 + delta2.T) / 2)
    lam = np.maximum(lam, 0.0)
    middle = (V * np.sqrt(lam / (1.0 + lam))) @ V.T
    return float(np.linalg.norm(Y.T @ middle))


@validate_params(
    {"X": ["array-like"], "y": ["array-like"], "collapse": ["array-like", None],
     "targets": ["array-like", None]},
    prefer_skip_nested_validation=True,
)
def theorem_2_5_cost(X, y, collapse=None, *, targets=None):
    """The values (2.71) and (2.85) of arXiv 2309.10639 for a collapse pattern.

    ``||Y |Δ2[s]|^{1/2} (1 + Δ2[s])^{-1/2}||_F`` with
    ``Δ1[s] = X0red⁻¹ ΔX0[s]`` (2.81) and ``Δ2[s] = Δ1[s] 𝒩⁻¹ Δ1[s]ᵀ`` (2.80):
    the deviations ``ΔX0,j`` of the collapsed classes (``s_j = 0``) are set to
    zero, those of the others kept (2.83).  ``collapse=None`` (nothing
    collapsed, every ``s_j = 1``) is (2.71) of Theorem 2.4; every class
    collapsed gives 0, the global minimum (2.57).

    **What the number is.**  It is the square root of the class-weighted cost
    ``Σ_j (1/N_j) Σ_i |f(x_{j,i}) - y_j|²`` (2.36) of the best last layer that
    is *linear* in the data ``X0[s]`` (the class means kept in place and the
    deviations of the collapsed classes removed, with no free output bias).  It
    is not a minimum of the architecture, and not the cost of the network the
    theorem builds: that network sends a collapsed class to
    ``x̄_j - μ_j f_j`` (2.84), not to ``x̄_j``, so its best last-layer cost
    (:func:`truncated_data_cost` of the truncated data) depends on ``μ``,
    while (2.85) does not; and a configuration with some but not all classes
    collapsed is not a critical point of the cost (see
    :func:`cost_gradient_norm`).

    Parameters
    ----------
    X : array-like of shape (n_samples, Q)
        Training inputs, ``M = Q`` as in the paper (2.26).
    y : array-like of shape (n_samples,)
        Class labels (sorted labels give the classes' order).
    collapse : array-like of bool of shape (Q,), default=None
        ``collapse[j]`` is ``s_j = 0`` (class ``j`` collapsed); None collapses
        nothing.
    targets : array-like of shape (Q, d), default=None
        ``y_j`` as rows; one-hot when None.

    Returns
    -------
    cost : float
        The value, a square root as the paper writes it.

    Examples
    --------
    >>> import numpy as np
    >>> from sktrunc import theorem_2_5_cost
    >>> X = np.array([[1.0, 0.1], [1.0, -0.1], [0.0, 1.1], [0.0, 0.9]])
    >>> y = np.array([0, 0, 1, 1])
    >>> round(theorem_2_5_cost(X, y), 6), round(theorem_2_5_cost(X, y, [True, False]), 6)
    (0.140028, 0.099504)
    >>> theorem_2_5_cost(X, y, [True, True])
    0.0
    """
    X, group, Y = _groups(X, y, targets)
    Q = Y.shape[0]
    if collapse is None:
        collapse = np.zeros(Q, dtype=bool)
    collapse = np.asarray(collapse)
    if collapse.shape != (Q,) or collapse.dtype.kind not in "biu":
        raise ValueError(f"collapse must be a boolean array of shape ({Q},); got {collapse!r}.")
    collapse = collapse.astype(bool)
    counts = np.bincount(group, minlength=Q)
    means = np.zeros((Q, Q))
    np.add.at(means, group, X)
    means /= counts[:, None]
    # X0[s]: the collapsed classes' deviations removed (2.83)
    Xs = np.where(collapse[group][:, None], means[group], X)
    return _formula(Xs, group, Y)


@validate_params(
    {"X_truncated": ["array-like"], "y": ["array-like"], "targets": ["array-like", None]},
    prefer_skip_nested_validation=True,
)
def truncated_data_cost(X_truncated, y, *, targets=None):
    """The value (2.54) of arXiv 2309.10639 for truncated training data.

    ``||Y |Δ2^(L)|^{1/2} (1 + Δ2^(L))^{-1/2}||_F`` (third line of (2.54)) with
    ``Δ1^(L)`` the deviations of the truncated data ``τ(X0)`` in the
    barycentric coordinates of its class means (2.55).  It equals the square
    root of the smallest class-weighted cost (2.36) of a last layer *linear* in
    ``τ(X0)`` (no free bias in those coordinates), which a test checks against
    a weighted least-squares fit.  With ``τ(X0)`` from the constructed network
    this is the best last layer of the network Theorems 2.3-2.5 build; it is 0
    when every class is collapsed (2.57).  It is an upper bound on the best
    affine last layer's cost, not the minimum over the architecture.

    Parameters
    ----------
    X_truncated : array-like of shape (n_samples, Q)
        ``τ(X0)``, e.g. ``clf.truncate(X)`` of a
        ``ClusteredTruncationClassifier(width="full")`` on ``Q``-dimensional
        data.
    y : array-like of shape (n_samples,)
        Class labels.
    targets : array-like of shape (Q, d), default=None
        ``y_j`` as rows; one-hot when None.

    Returns
    -------
    cost : float

    Examples
    --------
    >>> import numpy as np
    >>> from sktrunc import truncated_data_cost
    >>> Xt = np.array([[1.0, 0.0], [1.0, 0.0], [0.0, 1.1], [0.0, 0.9]])
    >>> round(truncated_data_cost(Xt, [0, 0, 1, 1]), 6)
    0.099504
    """
    X, group, Y = _groups(X_truncated, y, targets)
    return _formula(X, group, Y)


@validate_params(
    {"network": [HasMethods(["forward", "hidden_outputs"])], "X": ["array-like"],
     "n_layers": [Interval(Integral, 1, None, closed="left")],
     "margin": [Interval(Real, 0, None, closed="neither")],
     "random_state": ["random_state"]},
    prefer_skip_nested_validation=True,
)
def append_identity_layers(network, X, n_layers=1, *, margin=1.0, random_state=None):
    """Deepen a network by truncation layers that are the identity on ``X`` (``L > Q``).

    Theorem 2.3 of arXiv 2309.10639 holds for every ``L ≥ Q``: after the ``Q``
    layers that collapse the classes, ``L - Q`` further truncation maps with
    invertible ``W^(ℓ)`` "can be picked arbitrarily" as long as the truncated
    means stay independent (proof, after (4.65)).  Each added layer here is
    ``h ↦ σ(h R + b)`` with ``R`` a random orthogonal matrix and ``b`` such
    that every training point's pre-activation is at least ``margin`` times
    the scale of the data, so ``σ`` acts as the identity on the training data
    (the data lies in the forward cone: ``τ_{R,b}`` is the identity on it); the
    output layer is changed to ``W ↦ Rᵀ W`` and ``b ↦ b_out - b Rᵀ W``.  The
    outputs on ``X`` (and on a neighbourhood of it) are unchanged, so zero loss
    is kept.

    Parameters
    ----------
    network : ReLUNetwork
        A network with at least one hidden layer (e.g. ``clf.network_``).
    X : array-like of shape (n_samples, d_0)
        The points on which the added layers must be the identity.
    n_layers : int, default=1
        Layers to add (``L - Q``).
    margin : float, default=1.0
        Smallest pre-activation of the new units on ``X``, in units of the
        spread of the last hidden layer's activations on ``X`` (larger: the
        identity holds on a wider neighbourhood of the data).
    random_state : int, RandomState instance or None, default=None
        Draws the orthogonal matrices.

    Returns
    -------
    deeper : ReLUNetwork
        ``n_layers`` more hidden layers of the width of the last one.

    Examples
    --------
    >>> import numpy as np
    >>> from sktrunc import ClusteredTruncationClassifier, append_identity_layers
    >>> from sktrunc.datasets import make_clustered
    >>> X, y = make_clustered(n_samples=60, n_features=3, n_classes=3,
    ...                       clustering_ratio=0.1, random_state=0)
    >>> clf = ClusteredTruncationClassifier().fit(X, y)
    >>> deep = append_identity_layers(clf.network_, X, n_layers=2, random_state=0)
    >>> deep.n_layers - clf.network_.n_layers
    2
    >>> bool(np.allclose(deep.forward(X), clf.network_.forward(X), atol=1e-9))
    True
    """
    if network.n_layers < 2:
        raise ValueError("append_identity_layers needs a network with a hidden layer.")
    if network.activation != "relu":
        raise ValueError("append_identity_layers builds truncation layers, which need the "
                         f"ReLU activation; this network uses {network.activation!r}.")
    X = check_array(X, dtype=np.float64, input_name="X")
    rng = check_random_state(random_state)
    coefs = [np.array(c) for c in network.coefs]
    intercepts = [np.array(b) for b in network.intercepts]
    H = network.hidden_outputs(X)[-1]
    width = H.shape[1]
    for _ in range(n_layers):
        # Haar orthogonal matrix: QR of a Gaussian matrix with the signs fixed
        q, r = np.linalg.qr(rng.normal(size=(width, width)))
        R = q * np.sign(np.diag(r))
        Z = H @ R
        spread = float(np.ptp(Z, axis=0).max()) if len(Z) > 1 else 0.0
        scale = spread or float(np.abs(Z).max()) or 1.0
        b = margin * scale - Z.min(axis=0)
        coefs.insert(-1, R)
        intercepts.insert(-1, b)
        # σ(H R + b) = H R + b on X: the output layer undoes the affine map
        W_out, b_out = coefs[-1], intercepts[-1]
        coefs[-1] = R.T @ W_out
        intercepts[-1] = b_out - b @ R.T @ W_out
        H = Z + b
    return ReLUNetwork(coefs, intercepts, activation=network.activation)
