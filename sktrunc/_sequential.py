"""SequentialSeparableClassifier: Theorem 5.2 of Chen & Muñoz Ewald (JMLR 2025).

Classes are peeled off one at a time: layer ``ℓ`` is the cone truncation whose
boundary is (nearly) a hyperplane separating class ``ℓ`` from the classes still
left and from the points the earlier classes were collapsed to.
"""

import warnings
from numbers import Integral, Real

import numpy as np
from sklearn.base import _fit_context
from sklearn.svm import LinearSVC
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.parallel import Parallel, delayed
from sklearn.utils.validation import check_is_fitted

from ._base import (
    AssumptionWarning,
    BaseConstructedClassifier,
    ConditioningWarning,
    TruncationMixin,
    scaled_score_layer,
    squared_distances_to_targets,
    targets_are_orthogonal,
)
from ._describe import LayerTable
from ._geometry import (
    affine_rank,
    axial_coordinates,
    class_statistics,
    cone_margin,
    cone_weight,
    enclosing_cone_angle_of_balls,
    envelope_candidates,
    widest_cone_cotangent,
)
from ._network import ReLUNetwork
from ._separation import max_margin_hyperplane, soft_margin_hyperplane
from ._truncation import truncate
from .exceptions import COND_WARN

__all__ = ["SequentialSeparableClassifier"]



def _separate(X_neg, X_pos, solver):
    """Module-level task for joblib: the hard-margin hyperplane or None."""
    return max_margin_hyperplane(X_neg, X_pos, solver=solver)


class SequentialSeparableClassifier(TruncationMixin, BaseConstructedClassifier):
    """ReLU network for sequentially linearly separable data (Theorem 5.2).

    Finds an order of the classes and, for each, a hyperplane through a point of
    the segment from the class mean to the barycenter of the means that separates
    the class from the classes left and from the earlier base points
    (Definition 5.1).  Layer ``ℓ`` is the cone of Lemma 3.4 with axis the
    hyperplane's normal and aperture just below ``π``: it collapses class ``ℓ`` to
    its base point and leaves everything else in place.  The last, affine layer
    maps the base points to the target vectors.  Zero training loss, no gradient
    descent.

    Parameters
    ----------
    order : {"greedy", "margin"} or array-like of labels, default="greedy"
        How classes are ordered.  ``"greedy"``: at each step the first class (in
        ``classes_`` order) that is separable, backtracking when a later step gets
        stuck (within ``max_solves`` hyperplane problems).  ``"margin"``: the
        separable class with the largest margin first (all candidates of a step
        are solved, in parallel with ``n_jobs``).  A list of labels fixes the order.
    solver : str, default="CLARABEL"
        cvxpy solver for the max-margin problems.
    strict : bool, default=False
        Raise a ``ValueError`` when a step has no separating hyperplane, instead
        of falling back to a soft-margin one with an :class:`AssumptionWarning`.
    n_jobs : int, default=None
        Parallel hyperplane problems within a step (``order="margin"`` and the
        fallback search); ``None`` means 1 unless in a joblib context.
    targets : array-like of shape (n_classes, d), default=None
        Target vectors ``y_j`` (row ``j`` for ``classes_[j]``); one-hot if None.
    angle_margin : float in (0, 1), default=0.5
        The aperture is ``θ = θ_min + angle_margin (π - θ_min)``, with ``θ_min``
        the narrowest cone that fits the training points around the hyperplane's
        normal.  Conditioning grows like ``tan(θ/2)``.
    base_point : float in (0, 1), default=0.5
        Position of the cone's apex, along the normal, within the interval of
        positions that work for the chosen aperture (0: the collapsed class's
        side).
    C : float, default=100.0
        Soft-margin penalty of the fallback hyperplanes and of the linear-SVM
        output layer.  On iris (not sequentially separable) the fallback's
        training accuracy is 0.933 / 0.953 / 0.973 for C = 1 / 10 / 100 against
        0.947 for ``LinearSVC``, with 5-fold CV 0.927 / 0.907 / 0.933 (LinearSVC
        0.933).
    output : {"affine", "linear"}, default="affine"
        ``"affine"`` last layer (needs the base points affinely independent,
        ``Q ≤ n_features + 1``) or the paper's bias-free ``W = Y (X^red)^+``
        (needs them linearly independent).
    max_solves : int, default=None
        Budget of hyperplane problems for the order search; ``4 * n_classes``
        when None.
    verbose : int, default=0
        Print the order search's progress when positive.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        Class labels.
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of features seen during fit, when ``X`` has string column names.
    targets_ : ndarray of shape (n_classes, d)
        Target vectors.
    order_ : ndarray of shape (n_classes,)
        Labels in the order their classes are collapsed (layer 1 first).
    normals_ : ndarray of shape (n_classes, n_features)
        Unit normal ``h_ℓ`` of each layer's hyperplane (the cone's axis), pointing
        away from the collapsed class.
    base_points_ : ndarray of shape (n_classes, n_features)
        Apex ``p_ℓ`` of each layer's cone: where class ``order_[ℓ]`` is sent.
    angles_ : ndarray of shape (n_classes,)
        Aperture θ of each cone (radians).
    margins_ : ndarray of shape (n_classes,)
        Margin ``1/|w|`` of each layer's separating hyperplane.
    cone_margins_ : ndarray of shape (n_classes,)
        Distance from the nearest training point to the boundary of its side of
        each cone.
    separable_ : ndarray of bool of shape (n_classes,)
        Whether each step had a separating hyperplane (else soft margin).
    n_wrong_side_ : ndarray of int of shape (n_classes,)
        Points on the wrong side of each step's hyperplane (0 when separable).
    network_ : ReLUNetwork
        The constructed network: ``n_classes`` hidden layers of width
        ``n_features`` and the output layer.
    coefs_, intercepts_ : list of ndarray
        Real layers, ``coefs_[ℓ]`` of shape ``(n_in, n_out)``.
    n_params_ : int
        Weights and biases of ``network_``.
    n_params_compact_ : int
        The paper's count ``Q (M + 2)``: per layer a normal, an angle and a
        position on the segment.
    training_cost_ : float
        L2 cost (14) of a forward pass on the training data.
    training_accuracy_ : float
        Accuracy of ``predict`` on the training data.
    clustering_ratio_, theta_star_ : float
        Proposition 4.1's conditions (55) and (59), measured, to show when the
        clustered construction would not apply.
    condition_numbers_ : ndarray of shape (n_classes,)
        Condition number of each hidden layer's weights.

    See Also
    --------
    ClusteredTruncationClassifier : the construction for clustered data.
    sklearn.svm.LinearSVC : one-vs-rest linear separation.

    Notes
    -----
    Definition 5.1: the data is sequentially linearly separable if for some order
    and every ``j`` a point ``p_j`` of the segment ``(x̄_{0,j}, x̄)`` and a
    hyperplane through it separate ``X_{0,j}`` from ``{p_i}_{i<j} ∪ ⋃_{i>j}
    X_{0,i}``.  Theorem 5.2 then gives zero loss with cumulative parameters
    ``W^(ℓ) = W_{θ_ℓ} R_ℓ``, ``b^(ℓ) = -W^(ℓ) p_ℓ`` (Lemma 3.4, ``R_ℓ h_ℓ =
    u/|u|``) and real layers by eq. (21)-(22).  The paper gives no algorithm for
    the order or the hyperplanes.  Here each hyperplane is the hard-margin one
    (``min |w|²`` with ``w·x + b ≤ -1`` on the class, ``≥ 1`` on the other
    remaining classes, the earlier base points and the barycenter), solved with
    cvxpy on a reduced candidate set plus violators; infeasibility of the
    hard-margin problem decides non-separability exactly.  The base point is
    where the hyperplane meets the segment, moved along the normal within the
    interval the chosen aperture leaves.

    When a step has no separating hyperplane (iris: versicolor and virginica
    overlap), a soft-margin hyperplane is used, an :class:`AssumptionWarning`
    names the step, the classes and the points on the wrong side, and the later
    layers work on the actually truncated data; the last layer is then the
    best (in training accuracy) of the exact map of the base points, the
    least-squares fit, and a layer that reproduces a one-vs-rest linear SVM on
    the truncated data (one-hot-like targets).

    References
    ----------
    .. [1] T. Chen, P. Muñoz Ewald, "Interpretable global minima of deep ReLU
       neural networks on sequentially separable data", JMLR (2025),
       arXiv:2405.07098, Definition 5.1 and Theorem 5.2.

    Examples
    --------
    >>> from sktrunc import SequentialSeparableClassifier
    >>> from sktrunc.datasets import make_sequentially_separable
    >>> X, y = make_sequentially_separable(n_samples=90, random_state=0)
    >>> clf = SequentialSeparableClassifier().fit(X, y)
    >>> clf.order_.tolist(), bool(clf.training_cost_ < 1e-18), clf.score(X, y)
    ([0, 1, 2], True, 1.0)
    """

    _parameter_constraints: dict = {
        "order": [StrOptions({"greedy", "margin"}), "array-like"],
        "solver": [str],
        "strict": ["boolean"],
        "n_jobs": [None, Integral],
        "targets": [None, "array-like"],
        "angle_margin": [Interval(Real, 0, 1, closed="neither")],
        "base_point": [Interval(Real, 0, 1, closed="neither")],
        "C": [Interval(Real, 0, None, closed="neither")],
        "output": [StrOptions({"affine", "linear"})],
        "max_solves": [None, Interval(Integral, 1, None, closed="left")],
        "verbose": ["verbose"],
    }

    def __init__(
        self,
        *,
        order="greedy",
        solver="CLARABEL",
        strict=False,
        n_jobs=None,
        targets=None,
        angle_margin=0.5,
        base_point=0.5,
        C=100.0,
        output="affine",
        max_solves=None,
        verbose=0,
    ):
        self.order = order
        self.solver = solver
        self.strict = strict
        self.n_jobs = n_jobs
        self.targets = targets
        self.angle_margin = angle_margin
        self.base_point = base_point
        self.C = C
        self.output = output
        self.max_solves = max_solves
        self.verbose = verbose

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y):
        """Find the order and the hyperplanes, and construct the network.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training inputs.
        y : array-like of shape (n_samples,)
            Class labels.

        Returns
        -------
        self : object
            The fitted classifier.
        """
        X, y_idx = self._validate_labels(X, y, "to peel off")
        n_classes = len(self.classes_)
        stats = class_statistics(X, y_idx, n_classes)
        self.clustering_ratio_ = stats.clustering_ratio
        self.theta_star_ = max(
            enclosing_cone_angle_of_balls(stats.means[j], stats.directions[j],
                                          np.delete(stats.means, j, axis=0), 4 * stats.delta)
            if stats.center_distances[j] > 0 else np.inf for j in range(n_classes))
        self._X, self._y, self._means, self._xbar = X, y_idx, stats.means, stats.barycenter
        self._solves = 0
        budget = 4 * n_classes if self.max_solves is None else self.max_solves

        layers = None
        if isinstance(self.order, str):
            layers = self._search(list(range(n_classes)), [], [], budget)
            if layers is None and self.verbose:
                print(f"[{type(self).__name__}] no exact order within {budget} "
                      "hyperplane problems; peeling greedily with soft-margin fallback")
            if layers is None:
                layers = self._peel(list(range(n_classes)))
        else:
            layers = self._peel(self._explicit_order())
        del self._X, self._y, self._means, self._xbar
        self._finish(X, y_idx, layers)
        return self

    # -- order search -------------------------------------------------------------

    def _explicit_order(self):
        labels = np.asarray(self.order)
        if labels.shape != self.classes_.shape or not np.array_equal(np.sort(labels),
                                                                      self.classes_):
            raise ValueError(f"order must be 'greedy', 'margin' or a permutation of the class "
                             f"labels {self.classes_.tolist()}; got {labels.tolist()!r}.")
        return np.searchsorted(self.classes_, labels).tolist()

    def _sides(self, j, remaining, base_points, positions=None):
        """Points that must go to the backward side (class j) and to the forward side."""
        X = self._X if positions is None else positions
        neg = X[self._y == j]
        if positions is None:
            keep = np.isin(self._y, [k for k in remaining if k != j])
        else:
            keep = self._y != j
        pos = np.vstack([X[keep]] + [np.asarray(base_points).reshape(-1, X.shape[1])]
                        + [self._xbar[None, :]])
        return neg, pos

    def _hyperplanes(self, candidates, remaining, base_points, positions=None):
        """Hard-margin hyperplane (None when not separable) and point sets per candidate.

        The point sets are returned too: the layer and the soft-margin fallback
        reuse them rather than copying the data again.
        """
        tasks = [self._sides(j, remaining, base_points, positions) for j in candidates]
        self._solves += len(tasks)
        if len(tasks) > 1 and self.n_jobs not in (None, 1):
            sols = Parallel(n_jobs=self.n_jobs)(
                delayed(_separate)(neg, pos, self.solver) for neg, pos in tasks)
        else:
            sols = [_separate(neg, pos, self.solver) for neg, pos in tasks]
        return list(zip(sols, tasks))

    def _search(self, remaining, base_points, layers, budget):
        """Depth-first search for an order in which every step is separable."""
        if not remaining:
            return layers
        if self.order == "margin":
            found = self._hyperplanes(remaining, remaining, base_points)
            ranked = sorted(((1.0 / np.linalg.norm(s[0]), j, s, sides)
                             for j, (s, sides) in zip(remaining, found) if s is not None),
                            key=lambda t: -t[0])
            candidates = ((j, s, sides) for _, j, s, sides in ranked)
        else:
            candidates = ((j, *self._hyperplanes([j], remaining, base_points)[0])
                          for j in remaining)
        for j, sol, sides in candidates:
            if sol is None:
                if self._solves >= budget:
                    return None
                continue
            layer = self._layer(j, sol, sides, separable=True)
            if self.verbose:
                print(f"[{type(self).__name__}] step {len(layers) + 1}: class "
                      f"{self.classes_[j].tolist()!r} separable, margin {layer['margin']:.3g}")
            found = self._search([k for k in remaining if k != j],
                                 base_points + [layer["p"]], layers + [layer], budget)
            if found is not None:
                return found
            if self._solves >= budget:
                return None
        return None

    def _peel(self, sequence):
        """Peel classes in a fixed (or greedy) sequence, falling back to soft margins.

        Works on the actually truncated data, since a soft-margin layer does not
        send its whole class to the base point.
        """
        fixed = not isinstance(self.order, str)
        positions = self._X.copy()
        remaining, base_points, layers = list(sequence), [], []
        while remaining:
            cands = remaining[:1] if fixed else remaining
            found = self._hyperplanes(cands, remaining, base_points, positions)
            pick = next(((j, s, sides) for j, (s, sides) in zip(cands, found)
                         if s is not None), None)
            if pick is not None:
                j, sol, sides = pick
                layer = self._layer(j, sol, sides, separable=True)
            else:
                order_so_far = [self.classes_[layer["class"]].tolist() for layer in layers]
                left = [self.classes_[k].tolist() for k in remaining]
                if self.strict:
                    raise ValueError(
                        f"Step {len(layers) + 1}: no hyperplane separates "
                        f"{'class ' + repr(left[0]) if fixed else 'any of the classes'} "
                        f"from the rest (Definition 5.1 fails); remaining classes {left}, "
                        f"order found so far {order_so_far}.")
                soft = [self._soft(sides, len(base_points)) for _, sides in found]
                best = int(np.argmin([s[2] for s in soft]))
                j, (w, b, n_wrong) = cands[best], soft[best]
                layer = self._layer(j, (w, b), found[best][1], separable=False,
                                    n_wrong=n_wrong)
                warnings.warn(
                    f"Step {len(layers) + 1}: no hyperplane separates class "
                    f"{self.classes_[j].tolist()!r} from the remaining classes "
                    f"{[c for c in left if c != self.classes_[j].tolist()]} and the earlier "
                    f"base points (Definition 5.1 fails); a soft-margin hyperplane leaves "
                    f"{n_wrong} points on the wrong side. Order so far: "
                    f"{order_so_far + [self.classes_[j].tolist()]}.",
                    AssumptionWarning, stacklevel=4)
            positions = truncate(positions, layer["W"].T, -layer["W"] @ layer["p"])
            layer["positions"] = positions
            layers.append(layer)
            base_points = base_points + [layer["p"]]
            remaining = [k for k in remaining if k != j]
        return layers

    def _soft(self, sides, n_anchors):
        """Soft-margin hyperplane with the earlier base points held on the positive side.

        The barycenter, which only places the base point on the segment of
        Definition 5.1, is left free: off the theorem's assumptions that constraint
        costs accuracy (on iris it sits between versicolor and virginica).
        """
        neg, pos = sides
        # liblinear visits coordinates in random order: seeded, so fit is repeatable
        return soft_margin_hyperplane(neg, pos[:-n_anchors - 1], C=self.C,
                                      anchors_pos=pos[-n_anchors - 1:-1], random_state=0)

    # -- one layer ------------------------------------------------------------------

    def _layer(self, j, hyperplane, sides, *, separable, n_wrong=0):
        """The cone around a hyperplane's normal: aperture and apex from the data."""
        w, b = hyperplane
        norm = np.linalg.norm(w)
        h = w / norm
        m, xbar = self._means[j], self._xbar
        # where the hyperplane meets the segment from the class mean to the barycenter
        # (Definition 5.1); the foot of the perpendicular if it misses it
        denom = w @ (xbar - m)
        t = -(w @ m + b) / denom if denom != 0 else -1.0
        p0 = m + t * (xbar - m) if 0 < t < 1 else m - (w @ m + b) / norm ** 2 * w
        neg, pos = sides
        pos = pos[:-1]  # the barycenter constrains the hyperplane, not the cone
        a_neg, r_neg = axial_coordinates(neg, p0, h)
        a_pos, r_pos = axial_coordinates(pos, p0, h)
        a = np.concatenate([a_neg, a_pos])
        rho = np.concatenate([r_neg, r_pos])
        # points on the wrong side of a soft-margin hyperplane constrain nothing
        group = np.concatenate([np.where(a_neg < 0, 1, 2), np.where(a_pos > 0, 0, 2)])
        a_in, r_in, a_out, r_out = envelope_candidates(a, rho, group)
        c_star = widest_cone_cotangent(a_in, r_in, a_out, r_out, np.inf)
        theta_min = 2.0 * np.arctan(1.0 / c_star) if c_star > 0 else np.pi * (1 - 1e-6)
        theta = theta_min + self.angle_margin * (np.pi - theta_min)
        c = 1.0 / np.tan(theta / 2.0)
        lo = np.max(np.where(group == 1, a + c * rho, -np.inf))
        hi = np.min(np.where(group == 0, a - c * rho, np.inf))
        # a soft-margin side can be empty: then the apex only needs to clear the other
        if not np.isfinite(lo):
            lo = (hi if np.isfinite(hi) else 0.0) - 1.0
        if not np.isfinite(hi):
            hi = lo + 1.0
        s = lo + self.base_point * (hi - lo)
        inside = (a[group == 1], rho[group == 1], 0.0)
        outside = (a[group == 0], rho[group == 0], 0.0)
        return {
            "class": j, "p": p0 + s * h, "h": h, "theta": theta, "W": cone_weight(h, theta),
            "margin": 1.0 / norm, "cone_margin": cone_margin(s, theta, inside, outside),
            "separable": separable, "n_wrong": n_wrong,
        }

    # -- network ----------------------------------------------------------------------

    def _finish(self, X, y_idx, layers):
        Q = len(self.classes_)
        self.order_ = self.classes_[[layer["class"] for layer in layers]]
        self.normals_ = np.array([layer["h"] for layer in layers])
        self.base_points_ = np.array([layer["p"] for layer in layers])
        self.angles_ = np.array([layer["theta"] for layer in layers])
        self.margins_ = np.array([layer["margin"] for layer in layers])
        self.cone_margins_ = np.array([layer["cone_margin"] for layer in layers])
        self.separable_ = np.array([layer["separable"] for layer in layers])
        self.n_wrong_side_ = np.array([layer["n_wrong"] for layer in layers], dtype=int)
        # the display/explanation protocol shared with ClusteredTruncationClassifier
        self.axes_, self.collapsed_ = self.normals_, self.separable_
        self.center_, self.components_ = np.zeros(X.shape[1]), np.eye(X.shape[1])

        cum_coefs = [layer["W"].T for layer in layers]
        cum_intercepts = [-layer["W"] @ layer["p"] for layer in layers]
        if self.separable_.all():
            # Theorem 5.2: every class sits at its base point
            layer_of_class = np.empty(Q, dtype=int)
            layer_of_class[[layer["class"] for layer in layers]] = np.arange(Q)
            truncated = self.base_points_[layer_of_class[y_idx]]
        else:
            truncated = layers[-1]["positions"]
        W_out, b_out = self._output_layer(truncated, y_idx, layers)
        network = ReLUNetwork.from_cumulative(cum_coefs + [W_out], cum_intercepts + [b_out])
        self._set_network(network)
        self._cumulative = (cum_coefs, cum_intercepts)
        self.n_params_compact_ = Q * (X.shape[1] + 2)
        self.condition_numbers_ = np.array([np.linalg.cond(c) for c in self.coefs_[:-1]])
        worst = int(np.argmax(self.condition_numbers_))
        if self.condition_numbers_[worst] > COND_WARN:
            warnings.warn(
                f"Layer {worst} of the constructed network has condition number "
                f"{self.condition_numbers_[worst]:.3g} > {COND_WARN:.0e}; predictions may "
                "lose precision. Lower angle_margin to narrow the cones.",
                ConditioningWarning, stacklevel=4)
        self.training_cost_, self.training_accuracy_ = self._training_cost(X, y_idx)

    def _output_layer(self, truncated, y_idx, layers):
        """Exact map of the base points to the targets, else the better of it and lstsq."""
        Y = self.targets_
        Q = len(Y)
        P = self.base_points_
        classes = [layer["class"] for layer in layers]
        affine = self.output == "affine"
        design = np.column_stack([P, np.ones(Q)]) if affine else P
        exact_possible = (affine_rank(P) == Q - 1 if affine
                          else np.linalg.matrix_rank(P) == Q)
        sol = np.linalg.lstsq(design, Y[classes], rcond=None)[0]
        exact = (sol[:-1], sol[-1]) if affine else (sol, np.zeros(Y.shape[1]))
        if self.separable_.all() and exact_possible:
            self.output_layer_ = "exact"
            return exact
        if self.separable_.all():
            warnings.warn(
                f"The {Q} base points are not {'affinely' if affine else 'linearly'} "
                f"independent (rank {affine_rank(P) if affine else np.linalg.matrix_rank(P)}, "
                f"n_features = {P.shape[1]}): no {'affine' if affine else 'linear'} last "
                "layer maps them exactly to the targets, so the training loss is not zero. "
                "Theorem 5.2 needs Q <= n_features (+1 with the affine layer).",
                AssumptionWarning, stacklevel=5)
        design = np.column_stack([truncated, np.ones(len(truncated))]) if affine else truncated
        sol = np.linalg.lstsq(design, Y[y_idx], rcond=None)[0]
        lstsq = (sol[:-1], sol[-1]) if affine else (sol, np.zeros(Y.shape[1]))
        candidates = [("exact", exact), ("lstsq", lstsq)]
        if affine and targets_are_orthogonal(Y):
            candidates.append(("svc", self._svc_layer(truncated, y_idx)))
        best, best_key = None, None
        for name, (W, b) in candidates:
            out = truncated @ W + b
            r = out - Y[y_idx]
            key = (np.mean(np.argmin(squared_distances_to_targets(out, Y), 1) == y_idx),
                   -np.einsum("ij,ij->", r, r))
            if best_key is None or key > best_key:
                best, best_key, self.output_layer_ = (W, b), key, name
        return best

    def _svc_layer(self, truncated, y_idx):
        """Output layer whose decision is a linear SVM's on the truncated data.

        With one-hot-like targets the prediction is the argmax of the outputs, so
        outputs ``α·decision_function + β`` reproduce one-vs-rest ``LinearSVC``.
        """
        svc = LinearSVC(C=self.C, max_iter=20_000, random_state=0).fit(truncated, y_idx)
        W, b = svc.coef_.T, svc.intercept_
        if W.shape[1] == 1:  # binary: the decision d stands for class 1 against class 0
            W, b = np.hstack([-W / 2, W / 2]), np.array([-b[0] / 2, b[0] / 2])
        return scaled_score_layer(W, b, truncated, self.targets_, y_idx)

    # -- inspection -----------------------------------------------------------------

    def describe(self):
        """Layer-by-layer account of the constructed network.

        Returns
        -------
        table : LayerTable
            One row per layer: the class it collapses, whether its hyperplane
            separates, the hyperplane margin, points on the wrong side, base point,
            normal, aperture, cone margin, width and condition number.

        Examples
        --------
        >>> from sktrunc import SequentialSeparableClassifier
        >>> from sktrunc.datasets import make_sequentially_separable
        >>> X, y = make_sequentially_separable(n_samples=60, random_state=0)
        >>> [r["action"] for r in SequentialSeparableClassifier().fit(X, y).describe()]
        ['collapses class 0', 'collapses class 1', 'collapses class 2', 'affine output (exact)']
        """
        check_is_fitted(self)
        rows = []
        for ell, label in enumerate(self.order_):
            rows.append({
                "layer": ell + 1,
                "action": (f"collapses class {label.tolist()!r}" if self.separable_[ell]
                           else f"collapses most of class {label.tolist()!r} (soft margin)"),
                "separable": bool(self.separable_[ell]),
                "wrong side": int(self.n_wrong_side_[ell]),
                "margin": float(self.margins_[ell]),
                "base point": self.base_points_[ell], "axis": self.normals_[ell],
                "aperture [deg]": float(np.degrees(self.angles_[ell])),
                "cone margin": float(self.cone_margins_[ell]),
                "width": self.coefs_[ell].shape[1],
                "cond": float(self.condition_numbers_[ell]),
            })
        rows.append({"layer": len(self.coefs_), "width": self.coefs_[-1].shape[1],
                     "action": f"{self.output} output ({self.output_layer_})"})
        title = (f"{type(self).__name__}: {self.network_}; training cost (eq. 14) "
                 f"{self.training_cost_:.3g}, accuracy {self.training_accuracy_:.3f}; "
                 f"order {self.order_.tolist()}; clustering ratio "
                 f"{self.clustering_ratio_:.3g} (Prop. 4.1 needs < 0.25)")
        columns = ["layer", "action", "separable", "wrong side", "margin", "base point", "axis",
                   "aperture [deg]", "cone margin", "width", "cond"]
        return LayerTable(columns, rows, title=title)
