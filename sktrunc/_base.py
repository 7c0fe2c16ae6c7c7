"""What the constructed-network estimators share.

Target vectors ``y_j``, the metric prediction of eq. (2.61) of arXiv 2309.10639
(``argmin_j |f(x) - y_j|``), the L2 cost of eq. (14) of the JMLR paper computed
from a genuine forward pass, and the fitted attributes every estimator exposes
(``network_``, ``coefs_``, ``intercepts_``, ``n_params_``).
"""

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, validate_data

from .exceptions import AssumptionWarning, ConditioningWarning

__all__ = [
    "AssumptionWarning",
    "ConditioningWarning",
    "resolve_targets",
    "squared_distances_to_targets",
    "l2_cost",
    "weighted_l2_cost",
    "targets_are_orthogonal",
    "scaled_score_layer",
    "ConstructedNetworkMixin",
    "BaseConstructedClassifier",
    "TruncationMixin",
]


def resolve_targets(targets, n_classes):
    """Target vectors as a ``(n_classes, d)`` float array; one-hot by default.

    Parameters
    ----------
    targets : None or array-like of shape (n_classes, d)
        Row ``j`` is ``y_j``, the target of ``classes_[j]``.
    n_classes : int

    Returns
    -------
    Y : ndarray of shape (n_classes, d)

    Examples
    --------
    >>> resolve_targets(None, 2)
    array([[1., 0.],
           [0., 1.]])
    """
    if targets is None:
        return np.eye(n_classes)
    Y = np.asarray(targets, dtype=np.float64)
    if Y.ndim == 1:
        Y = Y[:, None]
    if Y.ndim != 2 or Y.shape[0] != n_classes:
        raise ValueError(
            f"targets must have shape (n_classes, d) = ({n_classes}, d); got shape "
            f"{np.shape(targets)}."
        )
    if not np.all(np.isfinite(Y)):
        raise ValueError("targets must be finite.")
    if n_classes > 1:
        d2 = squared_distances_to_targets(Y, Y)
        np.fill_diagonal(d2, np.inf)
        if d2.min() <= 1e-24:
            raise ValueError("targets must have pairwise distinct rows: two classes "
                             "with the same target cannot be told apart.")
    return Y


def squared_distances_to_targets(outputs, Y):
    """``|f(x_i) - y_j|²`` for every output row ``i`` and target row ``j``."""
    d2 = (np.einsum("ij,ij->i", outputs, outputs)[:, None]
          - 2.0 * outputs @ Y.T + np.einsum("ij,ij->i", Y, Y)[None, :])
    return np.maximum(d2, 0.0)


def l2_cost(outputs, Y_ext):
    """The L2 cost ``½ Σ_i |f(x_i) - y_{j(i)}|²`` of eq. (14).

    Examples
    --------
    >>> import numpy as np
    >>> l2_cost(np.array([[1.0, 0.0]]), np.array([[0.0, 0.0]]))
    0.5
    """
    r = np.asarray(outputs, dtype=np.float64) - Y_ext
    return 0.5 * float(np.einsum("ij,ij->", r, r))


def weighted_l2_cost(outputs, Y_ext, y_idx):
    """The class-weighted cost ``Σ_j (1/N_j) Σ_i |f(x_{j,i}) - y_j|²`` of eq. (16)."""
    r = np.asarray(outputs, dtype=np.float64) - Y_ext
    per_point = np.einsum("ij,ij->i", r, r)
    counts = np.bincount(y_idx)
    sums = np.bincount(y_idx, weights=per_point, minlength=counts.shape[0])
    keep = counts > 0
    return float(np.sum(sums[keep] / counts[keep]))


def targets_are_orthogonal(Y):
    """Whether the target vectors are orthogonal with equal norms (one-hot-like).

    For such targets ``argmin_j |f - y_j|`` is ``argmax_j f·y_j``, so an output
    layer can reproduce any linear decision rule.
    """
    G = Y @ Y.T
    d = np.diag(G)
    return bool(np.allclose(G, np.diag(d), atol=1e-12 * d.max()) and np.allclose(d, d[0]))


def scaled_score_layer(W, b, Z, Y, y_idx):
    """Output layer ``α (Z W + b) + β`` whose decision is ``argmax`` of the scores.

    ``(α, β)`` is the least-squares fit of the scores to the targets (eq. 14),
    with ``α > 0`` so that the order of the scores, hence the decision, is kept.
    Meant for one-hot-like targets (see :func:`targets_are_orthogonal`), whose
    columns the scores stand for.
    """
    G = Z @ W + b
    # the labels in target coordinates: f = S @ Y with S ≈ one-hot gives f ≈ y, and
    # |S @ Y - y|² = |y_0|² |S - one-hot|² for orthogonal rows of equal norm
    T = (Y[y_idx] @ Y.T) / (Y[0] @ Y[0])
    gm, tm = G.mean(), T.mean()
    var = np.mean((G - gm) ** 2)
    alpha = np.mean((G - gm) * (T - tm)) / var if var > 0 else 0.0
    if not alpha > 0:
        alpha = 1.0 / max(np.sqrt(var), 1e-300)
    beta = tm - alpha * gm
    return alpha * W @ Y, (alpha * b + beta) @ Y


class ConstructedNetworkMixin:
    """Fitted-state plumbing for estimators that return a :class:`ReLUNetwork`."""

    def _set_network(self, network):
        """Expose a network through scikit-learn MLP-style fitted attributes."""
        self.network_ = network
        self.coefs_ = network.coefs
        self.intercepts_ = network.intercepts
        self.n_params_ = network.n_params
        return self

    def to_mlp(self, **mlp_params):
        """The fitted network as a fitted-state ``MLPRegressor``.

        Its ``predict`` equals the network's output to float precision; use
        ``warm_start=True`` to continue from this minimiser by gradient descent.
        See :meth:`sktrunc.ReLUNetwork.to_mlp`.
        """
        check_is_fitted(self)
        return self.network_.to_mlp(**mlp_params)


class TruncationMixin:
    """``truncate`` for networks built from cumulative truncation layers.

    Needs ``self._cumulative = (cumulative_coefs, cumulative_intercepts)`` of the
    truncation layers, in the coordinates the cones live in, and ``lifted_``
    when a lifting layer precedes them.
    """

    def truncate(self, X, layer=None):
        """Truncated inputs ``X^(τ, ℓ)`` in cone coordinates (eq. 25).

        Read off hidden layer ``ℓ`` of the forward pass through Proposition 3.2:
        ``x^(ℓ) = W^(ℓ) X^(τ, ℓ) + b^(ℓ)`` (eq. 23).  After all layers, a
        training point of a collapsed class sits at its base point.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        layer : int, default=None
            Number ``ℓ`` of truncation layers applied, from 1 to their number;
            ``None`` means all of them.

        Returns
        -------
        X_trunc : ndarray of shape (n_samples, n_cone_dims)
        """
        check_is_fitted(self)
        X = validate_data(self, X, reset=False, dtype=[np.float64, np.float32])
        cum_coefs, cum_intercepts = self._cumulative
        n_layers = len(cum_coefs)
        layer = n_layers if layer is None else layer
        if not 1 <= layer <= n_layers:
            raise ValueError(f"layer must be between 1 and {n_layers}; got {layer}.")
        hidden = self.network_.hidden_outputs(X)[layer - 1 + int(getattr(self, "lifted_", 0))]
        coef, intercept = cum_coefs[layer - 1], cum_intercepts[layer - 1]
        return np.linalg.solve(coef.T, (hidden - intercept).T).T


class BaseConstructedClassifier(ConstructedNetworkMixin, ClassifierMixin, BaseEstimator):
    """Classifier predicting by the metric of eq. (2.61): the nearest target vector.

    Subclasses set ``classes_``, ``targets_`` and the network (``_set_network``)
    in ``fit``.  With one-hot targets the prediction is the argmax of the
    network's output.
    """

    def _validate_labels(self, X, y, reason="to build on"):
        """Validated float64 ``X``, class indices; sets ``classes_`` and ``targets_``."""
        X, y = validate_data(self, X, y, dtype=[np.float64, np.float32])
        check_classification_targets(y)
        self.classes_, y_idx = np.unique(y, return_inverse=True)
        if len(self.classes_) < 2:
            raise ValueError(f"{type(self).__name__} needs at least 2 classes {reason}; got 1 "
                             f"class ({self.classes_[0].tolist()!r}).")
        self.targets_ = resolve_targets(self.targets, len(self.classes_))
        return np.asarray(X, dtype=np.float64), y_idx

    def _network_output(self, X):
        check_is_fitted(self)
        X = validate_data(self, X, reset=False, dtype=[np.float64, np.float32])
        return self.network_.forward(X)

    def decision_function(self, X):
        """Confidence scores ``f(x)·y_j - ½|y_j|²`` for each class.

        They differ from ``-½|f(x) - y_j|²`` by a term that is the same for every
        class, so their argmax is the prediction of eq. (2.61); with one-hot
        targets they are the network's outputs minus ½.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        scores : ndarray of shape (n_samples, n_classes) or (n_samples,)
            For two classes, the score of ``classes_[1]`` minus that of
            ``classes_[0]`` (positive means ``classes_[1]``), as scikit-learn
            expects.
        """
        out = self._network_output(X)
        Y = self.targets_
        scores = out @ Y.T - 0.5 * np.einsum("ij,ij->i", Y, Y)
        if scores.shape[1] == 2:
            return scores[:, 1] - scores[:, 0]
        return scores

    def predict(self, X):
        """Class of the target vector nearest to the network's output (eq. 2.61).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        y_pred : ndarray of shape (n_samples,)
        """
        check_is_fitted(self)
        X = validate_data(self, X, reset=False, dtype=[np.float64, np.float32])
        return self.classes_[self._nearest_target(X)]

    def _nearest_target(self, X, block=65_536):
        """``argmin_j |f(x) - y_j|`` row block by row block.

        Uses ``argmax_j (f(x)·y_j - ½|y_j|²)``, the same index without the
        ``|f(x)|²`` term and its temporaries.
        """
        Y = self.targets_
        half_sq = 0.5 * np.einsum("ij,ij->i", Y, Y)
        pred = np.empty(X.shape[0], dtype=np.intp)
        for start in range(0, X.shape[0], block):
            out = self.network_.forward(X[start:start + block])
            pred[start:start + block] = np.argmax(out @ Y.T - half_sq, axis=1)
        return pred

    def _training_cost(self, X, y_idx, block=65_536):
        """Cost (14) and accuracy of a genuine forward pass of the fitted network.

        Runs ``network_.forward`` on row blocks and reduces each block at once, so
        the outputs and residuals never exist for all rows together.

        Returns
        -------
        cost : float
            ``½ Σ_i |f(x_i) - y_{j(i)}|²`` (eq. 14).
        accuracy : float
            Fraction of rows whose nearest target is their own (eq. 2.61).
        """
        Y = self.targets_
        half_sq = 0.5 * np.einsum("ij,ij->i", Y, Y)
        cost, correct = 0.0, 0
        for start in range(0, X.shape[0], block):
            out = self.network_.forward(X[start:start + block])
            idx = y_idx[start:start + block]
            r = out - Y[idx]
            cost += 0.5 * float(np.einsum("ij,ij->", r, r))
            pred = np.argmax(out @ Y.T - half_sq, axis=1)
            correct += int(np.count_nonzero(pred == idx))
        return cost, correct / X.shape[0]
