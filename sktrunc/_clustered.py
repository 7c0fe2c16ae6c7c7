"""ClusteredTruncationClassifier: the Q+1-layer zero-loss network of clustered data.

Chen & Muñoz Ewald, JMLR 2025 (arXiv 2405.07098), Proposition 4.1 / Corollary
4.2, and arXiv 2309.10639, Theorems 2.3-2.5 and the metric (2.61)-(2.62).
"""

import warnings
from numbers import Real

import numpy as np
from sklearn.base import _fit_context
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions
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
    cone_interval,
    cone_margin,
    cone_weight,
    enclosing_cone_angle_of_balls,
    envelope_candidates,
    rank_tolerance,
    widest_cone_cotangent,
)
from ._network import ReLUNetwork, relu
from .exceptions import COND_WARN

__all__ = ["ClusteredTruncationClassifier"]

# A layer whose condition number passes this loses about half of float64's digits
# in the pseudo-inverse that links it to the next layer.


def _lift_layer(X, n_random, rng):
    """A genuine ReLU layer that makes class means affinely independent.

    ``[σ(x - x̄), σ(x̄ - x)]`` keeps every linear feature (``x - x̄`` is their
    difference); the extra random ReLU units, with hyperplanes through random
    training points, are nonlinear so the means of the lifted classes generically
    span ``Q - 1`` dimensions even when ``Q > M + 1`` or two class means coincide.
    """
    n, m = X.shape
    center = X.mean(axis=0)
    scale = X.std(axis=0)
    scale[scale == 0] = 1.0
    G = rng.normal(size=(m, n_random)) / (scale[:, None] * np.sqrt(m))
    anchors = X[rng.randint(n, size=n_random)]
    coef = np.hstack([np.eye(m), -np.eye(m), G])
    intercept = np.concatenate([-center, center, -np.einsum("ij,ji->i", anchors, G)])
    return coef, intercept


class ClusteredTruncationClassifier(TruncationMixin, BaseConstructedClassifier):
    """ReLU network built in closed form that collapses each class to a point.

    Layer ``ℓ`` is a truncation map (a cone, Lemma 3.4) that sends class ``ℓ`` to a
    base point on the segment from its mean toward the barycenter of the means
    and leaves the other classes in place; the affine last layer maps the
    collapsed points to the target vectors.  On clustered data the training cost
    is zero (Proposition 4.1); no gradient descent is involved.

    Parameters
    ----------
    targets : array-like of shape (n_classes, d), default=None
        Target vector ``y_j`` of ``classes_[j]`` (row ``j``).  ``None`` means
        one-hot vectors, and then ``predict`` is the argmax of the output.
    width : {"reduced", "full"}, default="reduced"
        ``"reduced"`` first projects onto the affine span of the class means and
        builds the cones there (hidden width ``Q - 1``); ``"full"`` builds them
        in the whole input space (hidden width ``n_features``), the form of the
        papers.  Both collapse the same training points; ``"reduced"`` has
        fewer parameters and better conditioning.
    angle_margin : float in (0, 1), default=0.5
        Where the aperture θ of each cone lies between the smallest aperture
        that works on the training data, ``θ_min``, and ``π``:
        ``θ = θ_min + angle_margin (π - θ_min)``.  Larger values widen both
        cones (more test points are either kept or collapsed, fewer are partly
        truncated) at the price of conditioning ``∝ tan(θ/2)``.
    base_point : float in (0, 1), default=0.25
        Position of the base point within the interval of positions that work
        for the chosen θ: 0 is the side of the collapsed class, 1 the side of
        the other classes.  The paper's ``μ ∈ (2δ, 3δ)`` is one such choice.
        Bases near the collapsed class generalised slightly better in held-out
        tests (see the user guide), hence the default.
    collapse : "auto" or array-like of bool of shape (n_classes,), default="auto"
        Which classes to collapse (``s_j = 0`` in Theorem 2.5 of arXiv
        2309.10639).  ``"auto"`` collapses every class whose cone exists; a
        class not collapsed gets a layer that is the identity on the training
        data (``μ_j ∈ I_1``), so a pattern with ``False`` entries gives the
        ``2^Q - 1`` local minima of Theorem 2.5.
    output_layer : {"auto", "lstsq", "centroid"}, default="auto"
        Last layer when some class is not collapsed (when all are, the last
        layer maps the base points exactly onto the targets and this is
        ignored).  ``"lstsq"``: least squares on the truncated training data
        (lowest training cost, Theorem 2.5).  ``"centroid"``: a layer whose
        decision is nearest centroid in the truncated space, scaled to the
        targets by least squares (one-hot-like targets only).  ``"auto"``:
        the one with the higher training accuracy.
    strict : bool, default=False
        Raise a ``ValueError`` instead of warning when a requested class cannot
        be collapsed (zero training loss is then out of reach).
    random_state : int, RandomState instance or None, default=None
        Seeds the lifting layer, used only when the class means are affinely
        dependent (e.g. more classes than ``n_features + 1``).

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        Class labels.
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of features seen during fit, when ``X`` has string column names.
    targets_ : ndarray of shape (n_classes, d)
        Target vectors; row ``j`` for ``classes_[j]``.
    network_ : ReLUNetwork
        The constructed network (``n_classes`` hidden layers, one more when the
        input is lifted).
    coefs_ : list of ndarray
        Real layer weights, shape ``(n_in, n_out)`` as in ``MLPClassifier``.
    intercepts_ : list of ndarray
        Real layer biases.
    n_params_ : int
        Number of weights and biases of ``network_``.
    training_cost_ : float
        The L2 cost (14) ``½ Σ |f(x_i) - y_{j(i)}|²`` of a forward pass of
        ``network_`` on the training data.
    training_accuracy_ : float
        Accuracy of ``predict`` on the training data.
    collapsed_ : ndarray of bool of shape (n_classes,)
        Which classes the network collapses to a point.
    ball_condition_ : ndarray of bool of shape (n_classes,)
        Whether the class's cone was built from enclosing balls (the ball
        containing the class inside the backward cone, those of the other
        un-collapsed classes and the earlier base points inside the forward cone:
        the geometry of Proposition 4.1).  Otherwise it was fitted to the points.
    output_layer_ : {"exact", "lstsq", "centroid"}
        The last layer used: ``"exact"`` when every class collapsed.
    clustering_ratio_ : float
        ``δ / min_j |x̄_j - x̄|`` measured in the input space; condition (55)
        of Proposition 4.1 asks for less than 1/4.
    theta_star_ : float
        ``max_j θ_{*,j}`` of condition (58)-(59) (radians); the condition asks
        for less than ``π``; ``inf`` when a ``4δ``-ball contains another mean.
    delta_ : float
        ``δ = sup |x - x̄_{j(x)}|`` (eq. 54).
    center_ : ndarray of shape (n_construction_dims,)
        Barycenter of the class means in the space the cones are built from (the
        input space, or the lifted space when ``lifted_``).
    components_ : ndarray of shape (n_construction_dims, n_cone_dims)
        Orthonormal basis of the space the cones live in: a point ``x`` has cone
        coordinates ``(x - center_) @ components_``.
    base_points_ : ndarray of shape (n_classes, n_cone_dims)
        Base point ``p_j`` of each layer's cone, in cone coordinates (a collapsed
        class is sent there).
    axes_ : ndarray of shape (n_classes, n_cone_dims)
        Unit axis ``f_j`` of each forward cone (toward the barycenter).
    angles_ : ndarray of shape (n_classes,)
        Aperture θ of each cone (radians).
    margins_ : ndarray of shape (n_classes,)
        Distance from the nearest training point to the boundary of its side of
        each cone (the collapsed class in the backward cone, the rest in the
        forward cone).  For cones built from enclosing balls it is the distance
        of the nearest ball, a lower bound.  Positive means every point is
        strictly inside; a layer that keeps every point has only a forward side.
    condition_numbers_ : ndarray of shape (n_hidden_layers,)
        Condition number of each hidden layer's weight matrix (the matrices
        chained through pseudo-inverses, eq. 21-22).
    lifted_ : bool
        Whether a lifting ReLU layer was prepended.

    See Also
    --------
    sklearn.neighbors.NearestCentroid : nearest class mean, the decision rule this
        network reproduces on clustered data.
    sklearn.neural_network.MLPClassifier : a ReLU network trained by gradient
        descent.

    Notes
    -----
    **Construction.**  With ``z = (x - x̄) U`` the coordinates in the span of the
    centred class means, layer ``ℓ`` has cumulative parameters
    ``W^(ℓ) = W_θ R_ℓ`` and ``b^(ℓ) = -W^(ℓ) p_ℓ`` (eq. 61, 77): ``R_ℓ`` is a
    Householder reflection with ``R_ℓ f_ℓ = u/|u|`` (eq. 78), ``W_θ`` shrinks
    the directions orthogonal to the diagonal by ``λ(θ, θ_n)`` (eq. 37, 40).
    By Lemma 3.4 the truncation map ``τ^(ℓ)`` is the identity on the forward
    cone ``p_ℓ + C_θ[f_ℓ]`` and sends the backward cone to ``p_ℓ``.  The real
    layers are ``W_ℓ = W^(ℓ) (W^(ℓ-1))^+``, ``b_ℓ = b^(ℓ) - W_ℓ b^(ℓ-1)``
    (eq. 21-22).  The last layer is the affine map sending each ``p_j`` to
    ``y_j``; it exists when the base points are affinely independent, which
    needs only affinely independent class means (``Q ≤ n_features + 1``),
    unlike the paper's bias-free last layer (eq. 62), which fails after
    standardisation (the means then satisfy ``Σ N_j x̄_j = 0``).

    **Assumptions.**  Proposition 4.1 assumes (55) ``δ < min_j |x̄_j - x̄|/4``
    and (59) ``max_j θ_{*,j} < π``; they are measured and reported
    (``clustering_ratio_``, ``theta_star_``).  What the proof actually uses is
    weaker (Section 5 of the JMLR paper): for each class a cone must hold the
    class in its backward part and every other current point in its forward
    part.  The estimator checks that point by point and chooses the base point
    and aperture from the data, so zero loss is often reached where (55)
    fails.  A class for which no such cone exists is left un-truncated (the
    ``s_j = 1`` layers of Theorem 2.5), the last layer is then the
    least-squares fit of the truncated data, and an :class:`AssumptionWarning`
    names the classes and the measured values (``strict=True``: ``ValueError``).

    **Prediction** is ``classes_[argmin_j |f(x) - y_j|]`` from the forward pass,
    which equals the metric rule (2.61)-(2.62) ``argmin_j d(τ(x), p_j)``.

    References
    ----------
    .. [1] T. Chen, P. Muñoz Ewald, "Interpretable global minima of deep ReLU
       neural networks on sequentially separable data", JMLR (2025),
       arXiv:2405.07098.
    .. [2] T. Chen, P. Muñoz Ewald, "Geometric structure of deep learning
       networks and construction of global L2 minimizers", arXiv:2309.10639.

    Examples
    --------
    >>> import numpy as np
    >>> from sktrunc import ClusteredTruncationClassifier
    >>> from sktrunc.datasets import make_clustered
    >>> X, y = make_clustered(n_samples=60, n_features=5, n_classes=3,
    ...                       clustering_ratio=0.1, random_state=0)
    >>> clf = ClusteredTruncationClassifier().fit(X, y)
    >>> clf.network_.layer_sizes
    (5, 2, 2, 2, 3)
    >>> bool(clf.training_cost_ < 1e-20), clf.score(X, y)
    (True, 1.0)
    """

    _parameter_constraints: dict = {
        "targets": [None, "array-like"],
        "width": [StrOptions({"reduced", "full"})],
        "angle_margin": [Interval(Real, 0, 1, closed="neither")],
        "base_point": [Interval(Real, 0, 1, closed="neither")],
        "collapse": [StrOptions({"auto"}), "array-like"],
        "output_layer": [StrOptions({"auto", "lstsq", "centroid"})],
        "strict": ["boolean"],
        "random_state": ["random_state"],
    }

    def __init__(
        self,
        *,
        targets=None,
        width="reduced",
        angle_margin=0.5,
        base_point=0.25,
        collapse="auto",
        output_layer="auto",
        strict=False,
        random_state=None,
    ):
        self.targets = targets
        self.width = width
        self.angle_margin = angle_margin
        self.base_point = base_point
        self.collapse = collapse
        self.output_layer = output_layer
        self.strict = strict
        self.random_state = random_state

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y):
        """Construct the network from the training data.

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
        X, y_idx = self._validate_labels(X, y, "to collapse")
        n_classes = len(self.classes_)
        collapse = self._requested_collapse(n_classes)

        stats = class_statistics(X, y_idx, n_classes)
        self.delta_ = stats.delta
        self.clustering_ratio_ = stats.clustering_ratio
        self.theta_star_ = max(
            enclosing_cone_angle_of_balls(
                stats.means[j], stats.directions[j],
                np.delete(stats.means, j, axis=0), 4.0 * stats.delta)
            if stats.center_distances[j] > 0 else np.inf
            for j in range(n_classes)
        )

        lift, H, stats = self._embedding(X, y_idx, n_classes, stats)
        self.lifted_ = lift is not None
        self.center_ = stats.barycenter
        self.components_ = self._cone_basis(stats.means, stats.barycenter, H)

        # H @ U - x̄ @ U rather than (H - x̄) @ U: no centred copy of the data
        Z = H @ self.components_ - self.center_ @ self.components_
        means = (stats.means - self.center_) @ self.components_
        cum_coefs, cum_intercepts, Zt = self._truncation_layers(Z, y_idx, means, collapse)
        out_coef, out_intercept = self._output_layer(Zt, y_idx)
        cum_coefs.append(out_coef)
        cum_intercepts.append(out_intercept)

        network = ReLUNetwork.from_cumulative(cum_coefs, cum_intercepts)
        coefs, intercepts = network.coefs, network.intercepts
        # fold z = (h - center) U into the first truncation layer, which keeps it a
        # plain ReLU layer of the input (or of the lifting layer)
        first = self.components_ @ coefs[0]
        coefs[0], intercepts[0] = first, intercepts[0] - self.center_ @ first
        if lift is not None:
            coefs.insert(0, lift[0])
            intercepts.insert(0, lift[1])
        self._set_network(ReLUNetwork(coefs, intercepts))
        self._cumulative = (cum_coefs[:-1], cum_intercepts[:-1])

        self.condition_numbers_ = np.array([np.linalg.cond(c) for c in self.coefs_[:-1]])
        worst = int(np.argmax(self.condition_numbers_))
        if self.condition_numbers_[worst] > COND_WARN:
            warnings.warn(
                f"Layer {worst} of the constructed network has condition number "
                f"{self.condition_numbers_[worst]:.3g} > {COND_WARN:.0e}; predictions "
                "may lose precision. Lower angle_margin to narrow the cones.",
                ConditioningWarning, stacklevel=3,
            )

        self.training_cost_, self.training_accuracy_ = self._training_cost(X, y_idx)
        self._report_failed_collapse(collapse)
        return self

    def _requested_collapse(self, n_classes):
        if isinstance(self.collapse, str):
            return np.ones(n_classes, dtype=bool)
        collapse = np.asarray(self.collapse)
        if collapse.shape != (n_classes,) or collapse.dtype.kind not in "biu":
            raise ValueError(
                f"collapse must be 'auto' or a boolean array of shape (n_classes,) = "
                f"({n_classes},); got {collapse!r}."
            )
        return collapse.astype(bool)

    def _embedding(self, X, y_idx, n_classes, stats):
        """The input, or a lifted copy when the class means are affinely dependent."""
        need = n_classes - 1
        if affine_rank(stats.means) >= need:
            return None, X, stats
        rng = check_random_state(self.random_state)
        n_random = max(2 * n_classes, 16)
        for _ in range(3):
            coef, intercept = _lift_layer(X, n_random, rng)
            H = relu(X @ coef + intercept)
            lifted = class_statistics(H, y_idx, n_classes)
            if affine_rank(lifted.means) >= need:
                break
            n_random *= 2
        return (coef, intercept), H, lifted

    def _cone_basis(self, means, barycenter, H):
        """Orthonormal basis of the space the cones are built in."""
        if self.width == "full":
            return np.eye(H.shape[1])
        U, s, _ = np.linalg.svd((means - barycenter).T, full_matrices=False)
        r = int(np.sum(s > rank_tolerance(means, s)))
        if r == 0:
            # every class has the same mean: keep the direction of largest spread so
            # the network is still a function of the data
            _, _, Vt = np.linalg.svd(H[: min(len(H), 5000)] - H.mean(0),
                                     full_matrices=False)
            return Vt[:1].T
        return U[:, :r]

    def _truncation_layers(self, Z, y_idx, means, collapse):
        """Cones of Lemma 3.4, class by class; returns cumulative parameters.

        Also returns ``X^(τ, Q)`` on the training data, obtained from the proven
        action of each cone (identity on the forward cone, base point on the
        backward cone): membership is certified for every point, through the
        enclosing balls or point by point.
        """
        n_classes, dim = means.shape
        sq_norms = np.einsum("ij,ij->i", Z, Z)
        dists = np.linalg.norm(means, axis=1)
        axes = np.where(dists[:, None] > 0,
                        -means / np.where(dists > 0, dists, 1.0)[:, None], np.eye(dim)[0])
        # every class's axis coordinates from one matrix product
        proj = Z @ np.hstack([axes.T, means.T])
        group = np.zeros(Z.shape[0], dtype=np.intp)
        base_points, angles = [], []
        cum_coefs, cum_intercepts = [], []
        collapsed = np.zeros(n_classes, dtype=bool)
        self._failures = {}
        # radius of every class around its mean, in cone coordinates
        d2 = (sq_norms - 2.0 * proj[np.arange(Z.shape[0]), n_classes + y_idx]
              + np.einsum("ij,ij->i", means, means)[y_idx])
        radii = np.zeros(n_classes)
        np.maximum.at(radii, y_idx, d2)
        radii = np.sqrt(radii)
        ball_fit = np.zeros(n_classes, dtype=bool)
        margins = []
        for j in range(n_classes):
            m, f, dist = means[j], axes[j], dists[j]
            done = np.asarray(base_points)[collapsed[: len(base_points)]]
            a_bp, r_bp = axial_coordinates(done, m, f)
            cone = None
            if collapse[j] and dist > 0:
                # the balls enclosing the classes (the geometry of Prop 4.1): if they
                # fit, every point does, and the problem has Q items instead of N
                others = np.flatnonzero(~collapsed & (np.arange(n_classes) != j))
                a_k, r_k = axial_coordinates(means[others], m, f)
                inside = (np.zeros(1), np.zeros(1), radii[j:j + 1])
                outside = (np.concatenate([a_k, a_bp]), np.concatenate([r_k, r_bp]),
                           np.concatenate([radii[others], np.zeros(len(a_bp))]))
                cone = self._cone(inside[0], inside[1], outside[0], outside[1], dist,
                                  inside[2], outside[2])
                ball_fit[j] = cone is not None
            if cone is None:
                a = proj[:, j] - m @ f
                rho = np.sqrt(np.maximum(
                    sq_norms - 2.0 * proj[:, n_classes + j] + m @ m - a * a, 0.0))
                in_j = y_idx == j
                g = group.copy()
                g[in_j] = 1
                inside = (a[in_j], rho[in_j], 0.0)
                outside = (np.concatenate([a[g == 0], a_bp]),
                           np.concatenate([rho[g == 0], r_bp]), 0.0)
                if collapse[j] and dist > 0:
                    cone = self._point_cone(a, rho, g, a_bp, r_bp, dist)
            if cone is not None:
                theta, lo, hi = cone
                s = lo + self.base_point * (hi - lo)
                collapsed[j] = True
                group[y_idx == j] = 2
            else:
                if collapse[j]:
                    self._failures[j] = self._separation_failure(inside[0], outside[0], dist)
                # identity on every current point: all of them in a right-angled
                # forward cone whose apex sits behind the whole data along f
                theta = np.pi / 2.0
                live = group != 2
                outside = (np.concatenate([a[live], a_bp]),
                           np.concatenate([rho[live], r_bp]), 0.0)
                inside = (np.empty(0), np.empty(0), 0.0)
                spread = np.ptp(outside[0]) if outside[0].size else 1.0
                s = (np.min(outside[0] - outside[1], initial=0.0) - 0.5 * spread
                     - 1e-9 * (1.0 + dist))
            margins.append(cone_margin(s, theta, inside, outside))
            p = m + s * f
            W = cone_weight(f, theta)
            base_points.append(p)
            angles.append(theta)
            cum_coefs.append(W.T)
            cum_intercepts.append(-W @ p)
        Zt = Z.copy()
        for j in np.flatnonzero(collapsed):
            Zt[y_idx == j] = base_points[j]
        self.collapsed_ = collapsed
        self.ball_condition_ = ball_fit
        self.margins_ = np.asarray(margins)
        self.base_points_ = np.asarray(base_points)
        self.axes_ = np.asarray(axes)
        self.angles_ = np.asarray(angles)
        return cum_coefs, cum_intercepts, Zt

    def _aperture(self, c_star):
        """Aperture θ and its ``cot(θ/2)`` from the narrowest feasible one (``angle_margin``)."""
        theta_min = 2.0 * np.arctan(1.0 / c_star)
        theta = theta_min + self.angle_margin * (np.pi - theta_min)
        return theta, 1.0 / np.tan(theta / 2.0)

    def _cone(self, a_in, r_in, a_out, r_out, s_max, R_in=None, R_out=None):
        """``(θ, lo, hi)`` for items (points or balls), or None when no cone exists."""
        c_star = widest_cone_cotangent(a_in, r_in, a_out, r_out, s_max, R_in, R_out)
        if c_star <= 0:
            return None
        theta, c = self._aperture(c_star)
        R_in = np.zeros_like(a_in) if R_in is None else R_in
        R_out = np.zeros_like(a_out) if R_out is None else R_out
        lo, hi = cone_interval(c, a_in, r_in, a_out, r_out, s_max, R_in, R_out)
        return theta, lo, hi

    def _point_cone(self, a, rho, group, a_bp, r_bp, s_max):
        """The cone fitted to every point: searched on an envelope, checked on all."""
        a_in, r_in, a_out, r_out = envelope_candidates(a, rho, group)
        cone = self._cone(a_in, r_in, np.concatenate([a_out, a_bp]),
                          np.concatenate([r_out, r_bp]), s_max)
        if cone is None:
            return None
        theta = cone[0]
        c = 1.0 / np.tan(theta / 2.0)
        # the envelope was conservative, so the exact interval is not empty but for
        # rounding; it is what places the base point
        lo = np.max(np.where(group == 1, a + c * rho, -np.inf))
        hi = min(np.min(np.where(group == 0, a - c * rho, np.inf)), s_max,
                 np.min(a_bp - c * r_bp, initial=np.inf))
        return (theta, lo, hi) if lo < hi else None

    @staticmethod
    def _separation_failure(a_in, a_out, s_max):
        """How far a class is from being separable along its axis (for messages)."""
        edge = min(np.min(a_out) if a_out.size else np.inf, s_max)
        return int(np.sum(a_in >= edge)), int(np.sum(a_out <= np.max(a_in)))

    def _output_layer(self, Zt, y_idx):
        """Affine last layer: exact on the base points when every class collapses.

        Otherwise (Theorem 2.5's un-truncated classes) one of two layers, by
        ``output_layer``: the least-squares fit of the truncated training data
        (the minimum over ``(W_{L+1}, b_{L+1})`` in Theorem 2.5), or the
        nearest-centroid layer ``f(z) = α (z m̃ᵀ - ½|m̃|²) + β`` on the truncated
        class means ``m̃_j`` with ``(α, β)`` fitted by least squares, whose
        decision is nearest centroid in the truncated space; ``"auto"`` keeps the
        one with the higher training accuracy (then the lower cost).
        """
        Y = self.targets_
        n_classes = len(Y)
        if self.collapsed_.all() and affine_rank(self.base_points_) == n_classes - 1:
            A = np.column_stack([self.base_points_, np.ones(n_classes)])
            sol = np.linalg.lstsq(A, Y, rcond=None)[0]
            self.output_layer_ = "exact"
            return sol[:-1], sol[-1]
        candidates = {}
        if self.output_layer in ("auto", "lstsq"):
            A = np.column_stack([Zt, np.ones(Zt.shape[0])])
            sol = np.linalg.lstsq(A, Y[y_idx], rcond=None)[0]
            candidates["lstsq"] = (sol[:-1], sol[-1])
        if self.output_layer in ("auto", "centroid") and targets_are_orthogonal(self.targets_):
            candidates["centroid"] = self._centroid_layer(Zt, y_idx)
        elif self.output_layer == "centroid":
            raise ValueError(
                "output_layer='centroid' reproduces nearest-centroid decisions only for "
                "orthogonal target vectors of equal norm (e.g. one-hot); use 'lstsq'."
            )
        best, best_key = None, None
        for name, (W, b) in candidates.items():
            out = Zt @ W + b
            d2 = squared_distances_to_targets(out, Y)
            key = (np.mean(np.argmin(d2, axis=1) == y_idx),
                   -np.einsum("ij,ij->", out - Y[y_idx], out - Y[y_idx]))
            if best_key is None or key > best_key:
                best, best_key, self.output_layer_ = (W, b), key, name
        return best

    def _centroid_layer(self, Zt, y_idx):
        """Nearest centroid in the truncated space, scaled to the targets."""
        counts = np.bincount(y_idx, minlength=len(self.targets_))
        mt = np.array([Zt[y_idx == j].sum(axis=0) for j in range(len(self.targets_))])
        mt /= np.maximum(counts, 1)[:, None]
        # argmin_j |z - m_j|² = argmax_j (z·m_j - ½|m_j|²)
        return scaled_score_layer(mt.T, -0.5 * np.einsum("ij,ij->i", mt, mt), Zt,
                                  self.targets_, y_idx)

    def _report_failed_collapse(self, collapse):
        if not self._failures:
            return
        labels = [self.classes_[j].tolist() for j in self._failures]
        detail = "; ".join(
            f"class {self.classes_[j].tolist()!r}: {n_in} of its points and {n_out} other points "
            "lie on the wrong side of every hyperplane orthogonal to its axis"
            for j, (n_in, n_out) in self._failures.items()
        )
        msg = (
            "Lemma 3.4's cone condition fails for classes "
            f"{labels}: no cone based on the segment from the class mean to the "
            "barycenter holds the class in its backward part and all other points in "
            f"its forward part ({detail}). Measured clustering ratio "
            f"delta/min|mean_j - barycenter| = {self.clustering_ratio_:.3g} "
            "(Proposition 4.1's condition (55) needs < 0.25) and theta_* = "
            f"{self.theta_star_:.3g} rad (condition (59) needs < pi = 3.1416). These "
            "classes are left un-truncated (Theorem 2.5 local minimum); training cost "
            f"= {self.training_cost_:.4g}, training accuracy = "
            f"{self.training_accuracy_:.4f}."
        )
        if self.strict:
            raise ValueError(msg)
        warnings.warn(msg, AssumptionWarning, stacklevel=4)

    def describe(self):
        """Layer-by-layer account of the constructed network.

        Returns
        -------
        table : LayerTable
            One row per layer: which class it collapses (or that it keeps every
            training point), base point and axis of its cone (cone coordinates),
            aperture in degrees, margin of the nearest training point to the
            cone's boundary, whether the cone came from enclosing balls, the width
            and the condition number of the layer's weights.  ``print`` it, or
            ``pandas.DataFrame(table.to_dict())``.

        Examples
        --------
        >>> from sktrunc import ClusteredTruncationClassifier
        >>> from sktrunc.datasets import make_clustered
        >>> X, y = make_clustered(n_samples=60, n_features=4, n_classes=3,
        ...                       random_state=0)
        >>> table = ClusteredTruncationClassifier().fit(X, y).describe()
        >>> [row["action"] for row in table]
        ['collapses class 0', 'collapses class 1', 'collapses class 2', 'affine output (exact)']
        """
        check_is_fitted(self)
        rows = []
        offset = int(self.lifted_)
        if self.lifted_:
            rows.append({"layer": 1, "action": "lifts the input (random ReLU features)",
                         "width": self.coefs_[0].shape[1],
                         "cond": float(self.condition_numbers_[0])})
        for j, label in enumerate(self.classes_):
            action = (f"collapses class {label.tolist()!r}" if self.collapsed_[j]
                      else f"keeps all (class {label.tolist()!r} not separable)")
            rows.append({
                "layer": j + 1 + offset, "action": action,
                "base point": self.base_points_[j], "axis": self.axes_[j],
                "aperture [deg]": float(np.degrees(self.angles_[j])),
                "margin": float(self.margins_[j]), "balls": bool(self.ball_condition_[j]),
                "width": self.coefs_[j + offset].shape[1],
                "cond": float(self.condition_numbers_[j + offset]),
            })
        rows.append({"layer": len(self.coefs_), "action": f"affine output ({self.output_layer_})",
                     "width": self.coefs_[-1].shape[1]})
        title = (f"{type(self).__name__}: {self.network_}; training cost (eq. 14) "
                 f"{self.training_cost_:.3g}, accuracy {self.training_accuracy_:.3f}; "
                 f"clustering ratio {self.clustering_ratio_:.3g} (eq. 55 wants < 0.25), "
                 f"theta_* {self.theta_star_:.3g} rad (eq. 59 wants < pi)")
        columns = ["layer", "action", "base point", "axis", "aperture [deg]", "margin",
                   "balls", "width", "cond"]
        return LayerTable(columns, rows, title=title)

