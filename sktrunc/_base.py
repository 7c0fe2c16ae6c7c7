"""What the constructed-network estimators share.

Target vectors ``y_j``, the metric prediction of eq. (2.61) of arXiv 2309.10639
(``argmin_j |f(x) - y_j|``), the L2 cost of eq. (14) of the JMLR paper computed
from a genuine forward pass, and the fitted attributes every estimator exposes.

One meaning per name, in every estimator:

``network_``, ``coefs_``, ``intercepts_``, ``n_params_``
    The constructed :class:`~sktrunc.ReLUNetwork` and its layers, in
    ``MLPClassifier``'s orientation.
``training_cost_``
    Eq. (14), ``½ Σ_i |f(x_i) - y_i|²``, of a genuine forward pass on the
    training data (``y_i`` the target vector of the point's class).
``training_accuracy_``
    Accuracy of ``predict`` on the training data (classifiers).
``temperature_``
    Softmax temperature of ``predict_proba`` (classifiers): fitted on the
    held-out outputs of the ``n_prototypes="auto"`` search when it ran (at least
    0.03), on the training rows otherwise (at least 0.1).
``output_layer`` / ``output_layer_``
    Which last layer to use when the construction does not map the data
    exactly (``"auto"``: the candidate with the highest training accuracy, then
    the lowest cost), and which was used (``"exact"`` when the construction's
    own affine layer maps every collapsed point to its target).
``cone_margins_``
    Distance from the nearest training point to the boundary of its side of
    each layer's cone (cone networks).
``condition_numbers_``
    2-norm condition number of each hidden layer's weights.
"""

import warnings
from dataclasses import dataclass, field
from numbers import Integral

import numpy as np
from scipy.special import log_softmax
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.utils import check_random_state
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, validate_data

from ._describe import LayerTable
from ._prototypes import split_classes
from ._truncation import assemble_network

__all__ = [
    "resolve_targets",
    "squared_distances_to_targets",
    "l2_cost",
    "weighted_l2_cost",
    "targets_are_orthogonal",
    "scaled_score_layer",
    "choose_output_layer",
    "exact_output_layer",
    "fit_temperature",
    "ConstructedNetworkMixin",
    "BaseConstructedClassifier",
    "BaseConeClassifier",
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


def choose_output_layer(candidates, Z, Y, y_idx):
    """The candidate last layer with the best training accuracy, then the lowest cost.

    Parameters
    ----------
    candidates : dict
        ``name -> (W, b)``, affine layers on the rows of ``Z``.
    Z : ndarray of shape (n_samples, n_dims)
        What the last layer sees (the truncated training data).
    Y : ndarray of shape (n_classes, d)
        Target vectors.
    y_idx : ndarray of shape (n_samples,)
        Class index of each row.

    Returns
    -------
    name : str
    layer : tuple (W, b)
    """
    best, best_key, best_name = None, None, None
    T = Y[y_idx]  # every candidate's targets, gathered once
    for name, (W, b) in candidates.items():
        out = Z @ W + b
        r = out - T
        accuracy = np.mean(np.argmin(squared_distances_to_targets(out, Y), axis=1) == y_idx)
        key = (accuracy, -np.einsum("ij,ij->", r, r))
        if best_key is None or key > best_key:
            best, best_key, best_name = (W, b), key, name
    return best_name, best


def exact_output_layer(P, T, fit_intercept=True):
    """The affine (or linear) layer sending each base point ``P[k]`` to ``T[k]``, if any.

    Least squares on ``[P 1]``; the layer is exact when its residual is at
    rounding level relative to the targets.  Base points that are affinely
    independent always have one; dependent ones have one when their targets
    are consistent (e.g. several prototypes of a class at the same place).

    Returns
    -------
    layer : tuple (W, b)
    exact : bool
    """
    design = np.column_stack([P, np.ones(len(P))]) if fit_intercept else P
    sol = np.linalg.lstsq(design, T, rcond=None)[0]
    W, b = (sol[:-1], sol[-1]) if fit_intercept else (sol, np.zeros(T.shape[1]))
    residual = np.abs(P @ W + b - T).max(initial=0.0)
    scale = max(np.abs(T).max(initial=0.0), 1e-300)
    return (W, b), bool(residual <= _EXACT_RTOL * scale)


# a last layer that reproduces the targets to this relative accuracy maps them exactly
# (float64 rounding through a least-squares solve, with room for conditioning)
_EXACT_RTOL = 1e-8


# predict_proba's temperature, in units of the smallest separation ½|y_i - y_j|² of the
# targets, is kept above this: a network that interpolates its training data would
# otherwise be fitted an infinitely confident softmax (odds at most e^10 : 1 here)
_MIN_TEMPERATURE = 0.1
_MAX_TEMPERATURE = 1e3
# rows used to fit the temperature: a 1-D problem needs no more
_TEMPERATURE_ROWS = 5_000
# held-out outputs are not separated by construction, so the bound can be lower; not
# zero: a search whose folds predict every held-out row would still drive T to it
# (the fitted values on digits, wine, breast cancer and blobs are 0.04-0.09)
_HELD_OUT_MIN_TEMPERATURE = 0.03


def fit_temperature(scores, y_idx, *, min_temperature=_MIN_TEMPERATURE):
    """Temperature ``T`` minimising the log-loss of ``softmax(scores / T)``.

    The log-loss is convex in ``β = 1/T``: its first derivative is the mean of
    ``E_p[s] - s_own`` and its second the mean variance ``Var_p[s]`` of the
    scores under the softmax ``p``.  A safeguarded Newton iteration on
    ``log β`` (bisection whenever a step leaves the bracket of the sign change
    of the derivative) finds the minimiser over ``T`` in
    ``[min_temperature, 1000]`` in a handful of passes over the scores, each
    one exponential of them (a bounded Brent search on the loss alone took
    about 25).

    Parameters
    ----------
    scores : ndarray of shape (n_samples, n_classes)
        Class scores whose argmax is the prediction.
    y_idx : ndarray of shape (n_samples,)
        True class indices.
    min_temperature : float, default=0.1
        Lower bound of ``T``.

    Returns
    -------
    temperature : float

    Examples
    --------
    >>> import numpy as np
    >>> scores = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 0.0]])
    >>> round(fit_temperature(scores, np.array([0, 1, 0, 1])), 2)
    0.91
    """
    # shifted once so that every row's largest score is 0: exp() cannot overflow for T > 0;
    # transposed, so that the sums over the classes add long contiguous rows
    shifted = np.ascontiguousarray((scores - scores.max(axis=1, keepdims=True)).T)
    own = float(np.mean(shifted[y_idx, np.arange(len(y_idx))]))

    def slope_curvature(u):
        """``d/du`` and ``d²/du²`` of the mean log-loss at ``β = e^u``."""
        beta = np.exp(u)
        e = np.multiply(shifted, beta)
        np.exp(e, out=e)
        z = e.sum(axis=0)
        e *= shifted
        m1 = e.sum(axis=0)
        e *= shifted
        m2 = e.sum(axis=0)
        m1 /= z
        m2 /= z
        d1 = float(np.mean(m1)) - own
        m2 -= m1 * m1
        d2 = float(np.mean(np.maximum(m2, 0.0)))
        return beta * d1, beta * d1 + beta * beta * d2

    # u = log β; the bracket's ends are evaluated only when a step reaches them
    ends = [np.log(1.0 / _MAX_TEMPERATURE), np.log(1.0 / min_temperature)]
    checked = [False, False]
    u = min(max(0.0, ends[0]), ends[1])
    g1, g2 = slope_curvature(u)
    for _ in range(_TEMPERATURE_ITER):
        if g1 == 0.0:
            break
        # the minimiser is on the side the loss descends to: that end moves to u
        side = 1 if g1 < 0 else 0
        ends[1 - side], checked[1 - side] = u, True
        new = u - g1 / g2 if g2 > 0 else np.nan
        if not ends[0] < new < ends[1]:
            if not checked[side]:
                # past an unevaluated bound: the minimiser is there when the loss still
                # descends at it
                b1, b2 = slope_curvature(ends[side])
                checked[side] = True
                if (b1 <= 0) if side == 1 else (b1 >= 0):
                    u = ends[side]
                    break
            new = 0.5 * (ends[0] + ends[1])
        if abs(new - u) <= _TEMPERATURE_UTOL:
            u = new
            break
        u = new
        g1, g2 = slope_curvature(u)
    # exp(-log(1/T)) may round below the floor: clipped, so that the bounds hold exactly
    return float(min(max(np.exp(-u), min_temperature), _MAX_TEMPERATURE))


# Newton iterations of the temperature (5-8 on the bundled tables), and the step in
# log T at which it stops (far below what changes a probability)
_TEMPERATURE_ITER = 100
_TEMPERATURE_UTOL = 1e-9


class ConstructedNetworkMixin:
    """Fitted-state plumbing for estimators that return a :class:`ReLUNetwork`."""

    def _set_network(self, network):
        """Expose a network through scikit-learn MLP-style fitted attributes."""
        self.network_ = network
        self.coefs_ = network.coefs
        self.intercepts_ = network.intercepts
        self.n_params_ = network.n_params
        return self

    def to_mlp(self, *, widen=0, random_state=None, **mlp_params):
        """The fitted network as a fitted-state ``MLPRegressor``.

        Its ``predict`` equals the network's output to float precision; use
        ``warm_start=True`` to continue from this minimiser by gradient descent.
        See :meth:`sktrunc.ReLUNetwork.to_mlp`.

        Parameters
        ----------
        widen : int, default=0
            Extra units per hidden layer with zero outgoing weights: the output is
            unchanged at epoch 0, and gradient descent has capacity beyond the
            construction.
        random_state : int, RandomState instance or None, default=None
            Seeds the extra units' incoming weights.
        **mlp_params
            Passed to ``MLPRegressor``.

        Returns
        -------
        mlp : MLPRegressor
        """
        check_is_fitted(self)
        return self.network_.to_mlp(widen=widen, random_state=random_state, **mlp_params)


class BaseConstructedClassifier(ConstructedNetworkMixin, ClassifierMixin, BaseEstimator):
    """Classifier predicting by the metric of eq. (2.61): the nearest target vector.

    Subclasses set ``classes_``, ``targets_`` and the network (``_set_network``)
    in ``fit``.  With one-hot targets the prediction is the argmax of the
    network's output.
    """

    # floor of a temperature fitted on training rows that the network does not all
    # classify right (see _training_statistics).  A constructed network's training
    # outputs are close to its held-out ones: 5-fold held-out log-loss with the floor
    # 0.1 -> 0.03, sequential digits 0.231 -> 0.143, shallow digits / iris 0.383 /
    # 0.275 -> 0.180 / 0.104, clustered (one prototype) digits 0.383 -> 0.234; on 22
    # tables at most 0.016 worse (shallow, digits 4 against 9: 0.021 -> 0.037).  A
    # trained network overrides it
    _misfit_min_temperature = _HELD_OUT_MIN_TEMPERATURE

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

    def _validate_predict(self, X):
        """``X`` validated for prediction, as ``validate_data(reset=False)`` does.

        A C- or F-ordered float64 ndarray of the fitted width, finite, seen by an
        estimator fitted without feature names, is what ``validate_data`` returns
        unchanged: that case is recognised in a few microseconds (one sum decides
        finiteness; a NaN or inf propagates into it), everything else, errors and
        warnings included, goes through ``validate_data`` itself.  On digits the
        full call is 8% of ``MLPClassifier(100,)``'s whole predict.
        """
        if "network_" not in self.__dict__:  # fitted means network_ (check_is_fitted
            check_is_fitted(self)             # scans every attribute otherwise)
        if (type(X) is np.ndarray and X.dtype == np.float64 and X.ndim == 2
                and X.shape[0] > 0 and X.shape[1] == getattr(self, "n_features_in_", -1)
                and not hasattr(self, "feature_names_in_") and np.isfinite(X.sum())):
            return X
        X = validate_data(self, X, reset=False, dtype=[np.float64, np.float32])
        return np.asarray(X, dtype=np.float64)

    def _network_output(self, X):
        # validated here: the network's own check (a second pass over X) is skipped
        X = self._validate_predict(X)  # first: an unfitted estimator has no network_
        return self.network_._forward(X)

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
        scores = self._fresh_scores(self._network_output(X))
        if scores.shape[1] == 2:
            return scores[:, 1] - scores[:, 0]
        return scores

    def to_mlp(self, *, temperature=None, widen=0, random_state=None, **mlp_params):
        """The fitted network as a fitted-state ``MLPClassifier`` with the same predictions.

        The last layer is followed by the affine map to the decision scores,
        ``(f(x)·y_j - ½|y_j|²) / T``, folded into it: the classifier's logits (a
        softmax over ``n_classes`` outputs; one logistic output for two classes).
        Its ``predict`` equals this estimator's exactly at epoch 0, and with the
        default temperature so does ``predict_proba``.  ``fit`` with
        ``warm_start=True`` and ``partial_fit`` continue by gradient descent on
        the log-loss; :func:`sktrunc.fine_tune` is the recipe that makes that
        pay off (built on part of the data, softened logits, balanced units,
        widening, the best epoch kept): see the user guide's fine-tuning page.
        ``self.network_.to_mlp()`` gives the regressor on the target vectors
        instead.

        Parameters
        ----------
        temperature : float, default=None
            Divides the scores; None means this estimator's fitted
            ``predict_proba`` temperature.
        widen : int, default=0
            Extra units per hidden layer with zero outgoing weights (the output is
            unchanged at epoch 0).
        random_state : int, RandomState instance or None, default=None
            Seeds the extra units' incoming weights.
        **mlp_params
            Passed to ``MLPClassifier``.

        Returns
        -------
        mlp : MLPClassifier
        """
        check_is_fitted(self)
        if temperature is None:
            temperature = self.temperature_ * self._score_unit()
        return self.network_.to_mlp_classifier(
            self.classes_, self.targets_, temperature=temperature, widen=widen,
            random_state=random_state, **mlp_params)

    def _scores(self, out):
        """``f(x)·y_j - ½|y_j|²`` for every class: ``-½|f(x) - y_j|²`` up to a row constant."""
        Y = self.targets_
        return out @ Y.T - 0.5 * np.einsum("ij,ij->i", Y, Y)

    def _fresh_scores(self, out):
        """:meth:`_scores` of an output array nobody else holds, formed in place when
        the targets are one-hot (``out @ I`` is ``out`` bit for bit)."""
        Y = self.targets_
        if Y.shape[0] == Y.shape[1] and np.array_equal(Y, np.eye(Y.shape[0])):
            out -= 0.5
            return out
        return self._scores(out)

    def predict_proba(self, X):
        """Class probabilities: a softmax of the decision scores with a fitted temperature.

        ``p_j(x) ∝ exp(-½|f(x) - y_j|² / (T s))``, where ``s`` is the smallest
        separation ``½|y_i - y_j|²`` of the target vectors and the temperature
        ``T = temperature_`` minimises the log-loss on held-out data where the
        ``n_prototypes="auto"`` search made some (the outputs of its fold networks on
        the rows they were not built on; at least 0.03), and otherwise on the
        training data, kept at least 0.1 so that a network with zero training loss
        is not infinitely confident (5-fold held-out log-loss on digits, clustered
        network: 0.39 with the training temperature, 0.24 with the held-out one;
        ``LogisticRegression`` 0.25).  Its argmax is :meth:`predict`.  These are scores turned into
        probabilities, not calibrated ones: wrap the estimator in
        :class:`~sklearn.calibration.CalibratedClassifierCV` for calibration on
        held-out data.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
        """
        # scipy's softmax, in place: three passes over the scores fewer
        scores = self._fresh_scores(self._network_output(X))
        scores /= self.temperature_ * self._score_unit()
        scores -= scores.max(axis=1, keepdims=True)
        np.exp(scores, out=scores)
        scores /= scores.sum(axis=1, keepdims=True)
        return scores

    def predict_log_proba(self, X):
        """Logarithm of :meth:`predict_proba`, computed stably.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        log_proba : ndarray of shape (n_samples, n_classes)
        """
        scores = self._fresh_scores(self._network_output(X))
        return log_softmax(scores / (self.temperature_ * self._score_unit()), axis=1)

    def _score_unit(self):
        """Smallest ``½|y_i - y_j|²``: the scores' natural unit."""
        d2 = squared_distances_to_targets(self.targets_, self.targets_)
        np.fill_diagonal(d2, np.inf)
        return 0.5 * float(d2.min())


    def predict(self, X):
        """Class of the target vector nearest to the network's output (eq. 2.61).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        y_pred : ndarray of shape (n_samples,)
        """
        X = self._validate_predict(X)  # first: an unfitted estimator has no classes_
        return self.classes_[self._nearest_target(X)]

    def _nearest(self, out):
        """Index of the target nearest to each output row (eq. 2.61)."""
        return np.argmax(self._scores(out), axis=1)

    def _nearest_target(self, X, block=65_536):
        """``argmin_j |f(x) - y_j|`` row block by row block.

        Uses ``argmax_j (f(x)·y_j - ½|y_j|²)``, the same index without the
        ``|f(x)|²`` term and its temporaries.
        """
        Y = self.targets_
        half_sq = 0.5 * np.einsum("ij,ij->i", Y, Y)
        # one-hot targets: out @ Yᵀ is out itself, bit for bit (x·1 + 0·y = x), so the
        # product is skipped and the scores are formed in place
        one_hot = Y.shape[0] == Y.shape[1] and np.array_equal(Y, np.eye(Y.shape[0]))
        pred = np.empty(X.shape[0], dtype=np.intp)
        for start in range(0, X.shape[0], block):
            out = self.network_._forward(X[start:start + block])
            if not one_hot:
                out = out @ Y.T
            if out.shape[1] == 2:
                # argmax of two columns as one comparison of the same two numbers: numpy's
                # row loops over 2 entries cost 10x more (0.9 + 0.9 ms at 1e5 rows); a NaN
                # score, which argmax ranks first, takes argmax itself
                first, second = out[:, 0] - half_sq[0], out[:, 1] - half_sq[1]
                stop = start + out.shape[0]
                np.greater(second, first, out=pred[start:stop], casting="unsafe")
                if np.isnan(first.sum() + second.sum()):
                    pred[start:stop] = np.argmax(np.column_stack([first, second]), axis=1)
                continue
            out -= half_sq
            pred[start:start + block] = np.argmax(out, axis=1)
        return pred

    def _training_statistics(self, X, y_idx, block=8_192, held_out=None):
        """Cost (14), accuracy and ``temperature_`` from one genuine forward pass.

        Runs ``network_.forward`` on row blocks and reduces each block at once, so
        the outputs and residuals never exist for all rows together.  Blocks of
        8,192 rows keep a block's outputs, residuals and scores in cache (blobs
        1e5 x 50, 20 classes, 20 layers: 60 -> 34 ms against blocks of 65,536).
        The temperature is fitted on an evenly spaced subset of the rows (every
        ``n_samples // 5000``-th), whose scores are kept from the same pass: one
        forward pass instead of two (about 5 % of a convex fit on digits).  The
        blocks are not run on threads: the forward pass's steps per block hold the
        GIL enough that two threads took 24-36 ms against 31-38 ms in one.

        Returns
        -------
        cost : float
            ``½ Σ_i |f(x_i) - y_{j(i)}|²`` (eq. 14).
        accuracy : float
            Fraction of rows whose nearest target is their own (eq. 2.61).
        temperature : float
            The softmax temperature of ``predict_proba`` (:func:`fit_temperature`),
            fitted on ``held_out`` instead when it is given.
        held_out : list of (ndarray, ndarray), default=None
            Outputs of networks on rows they were not built on, with the rows' class
            indices (the folds of ``n_prototypes="auto"``).
        """
        Y = self.targets_
        half_sq = 0.5 * np.einsum("ij,ij->i", Y, Y)
        # one-hot targets: out @ Yᵀ is out itself, bit for bit (see _nearest_target)
        one_hot = Y.shape[0] == Y.shape[1] and np.array_equal(Y, np.eye(Y.shape[0]))
        step = max(1, X.shape[0] // _TEMPERATURE_ROWS)
        cost, correct, kept = 0.0, 0, []
        for start in range(0, X.shape[0], block):
            out = self.network_.forward(X[start:start + block])
            idx = y_idx[start:start + block]
            r = out - Y[idx]
            cost += 0.5 * float(np.einsum("ij,ij->", r, r))
            if one_hot:
                scores = np.subtract(out, half_sq, out=r)  # the residuals' array, read
            else:
                scores = out @ Y.T - half_sq
            correct += int(np.count_nonzero(np.argmax(scores, axis=1) == idx))
            # rows start, start + step, ... of the whole array that fall in this block (a
            # copy: a view would keep the block's scores until the temperature is fitted)
            kept.append(scores[(-start) % step::step].copy())
        bound = _MIN_TEMPERATURE
        if held_out:
            scores = self._scores(np.vstack([out for out, _ in held_out]))
            truth = np.concatenate([idx for _, idx in held_out])
            bound = _HELD_OUT_MIN_TEMPERATURE
        else:
            scores, truth = np.concatenate(kept), y_idx[::step]
            if np.any(np.argmax(scores, axis=1) != truth):
                # a row on the wrong side: the log-loss has a finite minimiser, which the
                # interpolation bound need not guard
                bound = self._misfit_min_temperature
        temperature = fit_temperature(scores / self._score_unit(), truth, min_temperature=bound)
        return cost, correct / X.shape[0], temperature


@dataclass
class ConeNetwork:
    """What a cone construction hands to :meth:`BaseConeClassifier._set_cone_network`.

    Attributes
    ----------
    layers : list of ConeLayer
        The truncation layers, first applied first.
    output : tuple (W, b)
        Affine last layer on cone coordinates.
    output_name : str
        Which last layer it is (``output_layer_``).
    center, components : ndarray
        Cone coordinates ``z = (h - center) @ components`` of the construction
        space ``h`` (the input, or the lifted input).
    lift : tuple (coef, intercept) or None
        The lifting ReLU layer, when one precedes the cones.
    failures : dict
        Prototypes the construction was asked to collapse and could not, with
        what it measured (construction-specific).
    """

    layers: list
    output: tuple
    output_name: str
    center: np.ndarray
    components: np.ndarray
    lift: tuple = None
    failures: dict = field(default_factory=dict)


class BaseConeClassifier(BaseConstructedClassifier):
    """The documented contract of networks built from truncation cones (Lemma 3.4).

    A subclass's ``fit`` builds a :class:`ConeNetwork` (the per-layer
    :class:`~sktrunc._cones.ConeLayer` records, the last layer, the cones'
    coordinates and an optional lift) and passes it to
    :meth:`_set_cone_network`, which assembles the :class:`ReLUNetwork` from
    the cumulative parameters (eq. 21-22) and sets the fitted attributes every
    cone network has, which :meth:`truncate`, :meth:`describe` and
    :class:`~sktrunc.plotting.TruncationDisplay` read:

    ``layers_``
        The list of ``ConeLayer`` records.
    ``base_points_``, ``axes_``, ``angles_``, ``cone_margins_``, ``collapsed_``
        Their fields stacked, one row per truncation layer.
    ``center_``, ``components_``
        Cone coordinates of a point ``h`` of the construction space:
        ``(h - center_) @ components_``.
    ``lifted_``
        Whether a lifting ReLU layer precedes the cones (``h`` is then its
        output, not the input).
    ``condition_numbers_``, ``output_layer_``, ``training_cost_``,
    ``training_accuracy_``
        As documented in :mod:`sktrunc._base`.
    """

    # folds of the internal cross-validation of n_prototypes="auto"
    _auto_folds = 3
    # rows of the search past which one held-out quarter replaces the folds (None: never)
    _auto_holdout_from = None
    # candidates of n_prototypes="auto", simplest first (prototypes per class; a
    # subclass may add its own kinds of network, see _construct_candidate)
    _auto_candidates = (1, 2, 3, 5, 8)
    # candidates in a row below the best before the search stops (None: never)
    _auto_patience = 2

    def _build(self, X, y_idx):
        """Split the classes into prototypes and construct, by ``n_prototypes``.

        ``"auto"`` first builds with one prototype per class: when
        :meth:`_keep_without_search` accepts that construction (by default: it is
        exact, every class collapsed and the base points mapped onto the
        targets, zero loss) it is kept, the theorem's own network with the
        fewest layers.  Otherwise the candidates within one standard error of
        the best held-out accuracy (:meth:`_auto_prototypes`) are built on all
        the data, simplest first, and the first exact one is kept (the simplest
        when none is).  Subclasses provide ``_construct(X, y_idx, prototypes,
        rng) -> (ConeNetwork, prototypes, stats)``.
        """
        n_classes = len(self.classes_)
        rng = check_random_state(self.random_state)
        self._held_out = None  # no held-out outputs unless the search below makes some
        if not isinstance(self.n_prototypes, str):
            counts = _prototype_counts(self.n_prototypes, n_classes)
            return self._construct(X, y_idx, split_classes(X, y_idx, n_classes, counts, rng),
                                   rng)
        built = {}
        one = self._without_search(X, y_idx, rng)
        if one is not None:
            if _is_exact(one[0]):
                return one
            built[1] = one
        fallback = None
        self._held_out_by_candidate = {}
        try:
            for k, exact_in_folds in self._auto_prototypes(X, y_idx)[:_AUTO_TRIES]:
                if fallback is not None and not exact_in_folds:
                    continue  # built only for a chance of being exact, which the folds deny
                if k not in built:
                    built[k] = self._construct_candidate(X, y_idx, k, rng)
                if _is_exact(built[k][0]):
                    fallback = k
                    break
                fallback = k if fallback is None else fallback
            # the chosen candidate's held-out outputs, for the temperature (see
            # _set_cone_network); a candidate stopped before scoring has none
            self._held_out = self._held_out_by_candidate.get(fallback)
        finally:
            self.__dict__.pop("_held_out_by_candidate", None)
        return built[fallback]

    def _without_search(self, X, y_idx, rng):
        """One prototype per class, built before the search; kept when it is exact.

        Returns the construction, or None when a subclass can tell from cheap
        statistics that the search is needed anyway.
        """
        return self._construct_candidate(X, y_idx, 1, rng)

    def _construct_candidate(self, X, y_idx, candidate, rng, protos=None, search=False):
        """The construction of one candidate of ``n_prototypes="auto"``.

        ``candidate`` is a number of prototypes per class; ``protos``, when
        given, is its split of the classes (computed once for every fold);
        ``search`` says that it is only scored on held-out rows (a subclass may
        then solve its problems less accurately).
        """
        if protos is None:
            n_classes = len(self.classes_)
            protos = split_classes(X, y_idx, n_classes, np.full(n_classes, candidate), rng)
        return self._construct(X, y_idx, protos, rng)

    def _held_out_output(self, construction, X):
        """The network output of a construction on ``X`` (scoring a candidate).

        Only the function is needed, not the fitted estimator: no temperature,
        no cost.  Subclasses may evaluate it without assembling the network.
        """
        return _cone_network(construction)[0].forward(X)

    def _held_out_nearest(self, construction, X):
        """Class indices a construction predicts for ``X``."""
        return self._nearest(self._held_out_output(construction, X))

    def _auto_prototypes(self, X, y_idx):
        """Candidates that predict held-out data best (internal 3-fold CV).

        Returns the candidates whose held-out accuracy is within one standard
        error of the best, simplest first, each with whether its construction
        was exact on every fold's training rows.

        Each candidate of ``_auto_candidates`` is cross-validated by stratified
        ``_auto_folds``-fold CV on the training data (on at most 5000 rows of
        it), or scored on one held-out quarter when ``_auto_folds`` is 1 or the
        search has more than ``_auto_holdout_from`` rows; the
        simplest candidates within one binomial standard error of the best
        accuracy qualify.  Classes too small for a split keep one prototype.
        The k-means split of each candidate is computed once on the rows of the
        search and restricted to each fold's training rows (the clusters do not
        depend on the fold, the layers do).  The candidates are tried in order
        and the search stops after ``_auto_patience`` candidates in a row score
        below the best so far, after one that scores ``_AUTO_STOP_SE`` standard
        errors below it, or once ``_AUTO_TRIES`` candidates predict every held-out
        point: larger candidates cost the most to fit (on a
        2,000 x 56 table the sequential fits of 1, 2, 3, 5 and 8 prototypes take
        0.3, 0.6, 1.0, 1.8 and 7.0 s and score 0.88, 0.61, 0.87, 0.87 and 0.84
        on a held-out quarter).
        """
        from sklearn.model_selection import StratifiedKFold, train_test_split

        n_classes = len(self.classes_)
        counts = np.bincount(y_idx, minlength=n_classes)
        if len(self._auto_candidates) == 1:
            return [(self._auto_candidates[0], True)]
        if counts.min() < _AUTO_MIN_CLASS_SIZE:
            return [(1, True)]
        rng = check_random_state(self.random_state)
        rows = np.arange(len(y_idx))
        if len(rows) > _AUTO_MAX_ROWS:  # the choice needs a sample, not all the data
            rows = train_test_split(rows, train_size=_AUTO_MAX_ROWS, stratify=y_idx,
                                    random_state=rng.randint(np.iinfo(np.int32).max))[0]
        seed = rng.randint(np.iinfo(np.int32).max)
        if self._auto_folds > 1 and (self._auto_holdout_from is None
                                     or len(rows) <= self._auto_holdout_from):
            # past _AUTO_TWO_FOLD_ROWS rows two folds score every row at half the cost of
            # three, and a half is already a large training set
            n_folds = 2 if len(rows) > _AUTO_TWO_FOLD_ROWS else self._auto_folds
            folds = StratifiedKFold(n_folds, shuffle=True, random_state=seed)
            splits = list(folds.split(rows, y_idx[rows]))
        else:  # one held-out quarter, for constructions too costly to fit k times
            splits = [train_test_split(np.arange(len(rows)), test_size=0.25,
                                       stratify=y_idx[rows], random_state=seed)]
        # points scored per candidate: all of ``rows`` under k-fold CV, a quarter otherwise
        n_scored = sum(len(val) for _, val in splits)
        X_rows, y_rows = X.take(rows, axis=0), y_idx[rows]  # take: X[rows], faster
        scores, exact, worse = {}, {}, 0
        # each candidate's held-out outputs: the chosen one's fit the temperature
        held = self.__dict__.setdefault("_held_out_by_candidate", {})
        for k in self._auto_candidates:
            if self._auto_patience is not None and worse >= self._auto_patience:
                break
            protos = None
            if isinstance(k, Integral):
                if k > 1 and k > counts.min() // _AUTO_POINTS_PER_PROTOTYPE:
                    break
                protos = split_classes(X_rows, y_rows, n_classes, np.full(n_classes, k), rng)
            correct, exact[k] = 0, True
            for train, val in splits:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    construction = self._construct_candidate(
                        X_rows.take(train, axis=0), y_rows[train], k, rng,
                        protos=None if protos is None else protos.subset(train),
                        search=True)[0]
                    out = self._held_out_output(construction, X_rows.take(val, axis=0))
                correct += np.sum(self._nearest(out) == y_rows[val])
                held.setdefault(k, []).append((out, y_rows[val]))
                exact[k] = exact[k] and _is_exact(construction)
            score = correct / n_scored
            top = max(scores.values(), default=score)
            worse = worse + 1 if score < top else 0
            scores[k] = score
            # far below the best (by _AUTO_STOP_SE standard errors): a larger candidate,
            # which costs more, would have to climb back; stop here.  One prototype per
            # class gets more room: it is where the held-out accuracy dips before it
            # rises with the count
            limit = _AUTO_STOP_SE_ONE if k == 1 else _AUTO_STOP_SE
            if top - score > limit * _binomial_se(top, n_scored):
                break
            # every held-out point predicted right by as many candidates as _build may
            # try: a larger one can only tie, and ties go to the simpler ones
            if sum(value == 1.0 for value in scores.values()) >= _AUTO_TRIES:
                break
        # the one-standard-error rule: the simplest candidates whose held-out accuracy is
        # within _AUTO_SE binomial standard errors of the best (a small validation set is
        # noisy, and fewer prototypes are the simpler network)
        top = max(scores.values())
        se = _AUTO_SE * _binomial_se(top, n_scored)
        return [(k, exact[k]) for k in self._auto_candidates
                if k in scores and scores[k] >= top - se]

    def _set_cone_network(self, construction, X, y_idx):
        layers = construction.layers
        network, cond, self._cumulative = _cone_network(construction, stacklevel=5)
        self._set_network(network)
        self.layers_ = layers
        self.base_points_ = np.array([layer.base_point for layer in layers])
        self.axes_ = np.array([layer.axis for layer in layers])
        self.angles_ = np.array([layer.theta for layer in layers])
        self.cone_margins_ = np.array([layer.cone_margin for layer in layers])
        self.collapsed_ = np.array([layer.collapsed for layer in layers], dtype=bool)
        self.center_, self.components_ = construction.center, construction.components
        self.lifted_ = construction.lift is not None
        self.condition_numbers_ = cond
        self.output_layer_ = construction.output_name
        # the temperature from the n_prototypes="auto" search's held-out outputs when
        # there are some (the training rows of an interpolating network would drive
        # it to its lower bound)
        (self.training_cost_, self.training_accuracy_,
         self.temperature_) = self._training_statistics(
             X, y_idx, held_out=self.__dict__.pop("_held_out", None))
        return self

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
        hidden = self.network_.hidden_outputs(X)[layer - 1 + int(self.lifted_)]
        coef, intercept = cum_coefs[layer - 1], cum_intercepts[layer - 1]
        # The closed-form (Woodbury) inverse of the factored weight: O(M r), not O(M^3).
        return np.asarray((hidden - intercept) @ coef.inv())

    def _collapsed_name(self, layer):
        """``"class 'a'"``, or ``"class 'a' (prototype 2 of 3)"`` when the class is split."""
        label = self.classes_[layer.label].tolist()
        k = self.n_prototypes_[layer.label]
        if k == 1:
            return f"class {label!r}"
        rank = int(np.sum(self.prototype_classes_[:layer.prototype] == label)) + 1
        return f"class {label!r} (prototype {rank} of {k})"

    def _layer_rows(self, action, **extra_columns):
        """The rows of :meth:`describe` every cone network shares.

        ``action(ℓ, layer)`` says what layer ``ℓ`` does; ``extra_columns`` maps a
        column name to ``f(layer)``.
        """
        rows = []
        offset = int(self.lifted_)
        if self.lifted_:
            rows.append({"layer": 1, "action": "lifts the input (random ReLU features)",
                         "width": self.coefs_[0].shape[1],
                         "cond": float(self.condition_numbers_[0])})
        for ell, layer in enumerate(self.layers_):
            row = {"layer": ell + 1 + offset, "action": action(ell, layer),
                   "base point": layer.base_point, "axis": layer.axis,
                   "aperture [deg]": float(np.degrees(layer.theta)),
                   "cone margin": float(layer.cone_margin)}
            row.update({name: f(layer) for name, f in extra_columns.items()})
            row.update({"width": self.coefs_[ell + offset].shape[1],
                        "cond": float(self.condition_numbers_[ell + offset])})
            rows.append(row)
        rows.append({"layer": len(self.coefs_), "width": self.coefs_[-1].shape[1],
                     "action": f"affine output ({self.output_layer_})"})
        return rows

    def _describe(self, rows, extra_columns, summary):
        columns = (["layer", "action"] + list(extra_columns)
                   + ["base point", "axis", "aperture [deg]", "cone margin", "width", "cond"])
        title = (f"{type(self).__name__}: {self.network_}; training cost (eq. 14) "
                 f"{self.training_cost_:.3g}, accuracy {self.training_accuracy_:.3f}; "
                 + summary)
        return LayerTable(columns, rows, title=title)


# n_prototypes="auto": the smallest class that is split at all, and the fewest points a
# prototype of the smallest class may get
_AUTO_MIN_CLASS_SIZE = 8
_AUTO_POINTS_PER_PROTOTYPE = 4
_AUTO_MAX_ROWS = 5000
_AUTO_TWO_FOLD_ROWS = 1000
# standard errors below the best at which one candidate stops the held-out search at once
_AUTO_STOP_SE = 2.0
_AUTO_STOP_SE_ONE = 3.0
# qualifying candidates: within this many standard errors of the best held-out accuracy
_AUTO_SE = 1.0
# qualifying candidates built on all the data, fewest prototypes first, until one is exact
_AUTO_TRIES = 2


def _binomial_se(accuracy, n):
    """Standard error of an accuracy measured on ``n`` points."""
    return float(np.sqrt(accuracy * (1.0 - accuracy) / n))


def _is_exact(construction):
    """Every prototype collapsed and the base points mapped onto the targets: zero loss."""
    return construction.output_name == "exact" and all(
        layer.collapsed for layer in construction.layers)


def _cone_network(construction, stacklevel=2):
    """The ReLU network of a :class:`ConeNetwork`, its condition numbers and its
    cumulative truncation parameters (what :meth:`BaseConeClassifier.truncate` reads)."""
    layers = construction.layers
    # Factored (alpha I + U V^T): the assembler and truncate() never build a dense
    # cumulative weight (width="full" layers are M x M).
    cum_coefs = [layer.cumulative_factors for layer in layers] + [construction.output[0]]
    cum_intercepts = [layer.cumulative_intercept for layer in layers] + [construction.output[1]]
    network, cond = assemble_network(
        cum_coefs, cum_intercepts, input_map=(construction.center, construction.components),
        prefix=construction.lift, stacklevel=stacklevel + 1)
    return network, cond, (cum_coefs[:-1], cum_intercepts[:-1])


def _prototype_counts(n_prototypes, n_classes):
    """Prototypes per class from an int or an array with one int per class."""
    if isinstance(n_prototypes, Integral):
        return np.full(n_classes, int(n_prototypes))
    counts = np.asarray(n_prototypes)
    if counts.shape != (n_classes,) or counts.dtype.kind not in "iu" or np.any(counts < 1):
        raise ValueError(
            f"n_prototypes must be 'auto', a positive int or an array of {n_classes} positive "
            f"ints (one per class); got {n_prototypes!r}.")
    return counts.astype(int)
