"""ClusteredTruncationClassifier: the Q+1-layer zero-loss network of clustered data.

Chen & Muñoz Ewald, JMLR 2025 (arXiv 2405.07098), Proposition 4.1 / Corollary
4.2, and arXiv 2309.10639, Theorems 2.3-2.5 and the metric (2.61)-(2.62).
"""

import warnings
from numbers import Integral, Real

import numpy as np
from sklearn.base import _fit_context
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted

from ._base import (
    BaseConeClassifier,
    ConeNetwork,
    exact_output_layer,
    scaled_score_layer,
    targets_are_orthogonal,
)
from ._cones import Cone, ConeLayer, Items, fit_cone, in_input_units
from ._geometry import (
    affine_hull_basis,
    affine_rank,
    axial_coordinates,
    class_statistics,
    cone_margin,
    data_scale,
    lift_until,
    rank_tolerance,
    theta_n,
)
from ._prototypes import split_classes
from .exceptions import AssumptionWarning

__all__ = ["ClusteredTruncationClassifier"]

# A layer whose condition number passes this loses about half of float64's digits
# in the pseudo-inverse that links it to the next layer.


# Proposition 4.1's condition (55): δ below a quarter of the smallest distance of a class
# mean to the barycenter of the means
_CLUSTERED_RATIO = 0.25

# L-BFGS iterations of the logistic last layer (LogisticRegression converges in 20-60 on
# the bundled tables)
_LOGISTIC_ITER = 500
# rows the logistic last layer is fitted on, evenly spaced (at N = 1e5 the fit on all rows
# is half of the estimator's time, for coefficients a 20,000-row sample already settles)
_LOGISTIC_MAX_ROWS = 20_000
# its tolerance (LogisticRegression's default), and the looser one of the fits that are
# only scored on held-out rows by n_prototypes="auto": held-out accuracy is settled well
# before the coefficients are
_LOGISTIC_TOL = 1e-4
_LOGISTIC_SEARCH_TOL = 1e-2


def _span_basis(X, center):
    """Orthonormal basis of the span of ``X - center``, from the smaller scatter.

    The eigenvectors of the ``n_features²`` scatter matrix whose eigenvalues are
    above rounding relative to the largest: every direction in which the data vary.
    With more features than rows, the right singular vectors of the rows instead
    (:func:`affine_hull_basis`; ``center``, the barycenter of class means, lies in
    their affine hull): 500 x 2000, 0.05 s against 0.8 s for the scatter's
    eigendecomposition.
    """
    if X.shape[0] < X.shape[1]:
        return affine_hull_basis(X)[1]
    A = X - center
    evals, evecs = np.linalg.eigh(A.T @ A)
    tol = max(evals[-1], 0.0) * X.shape[1] * np.finfo(float).eps * 10
    basis = evecs[:, evals > tol][:, ::-1]
    return basis if basis.shape[1] else evecs[:, -1:]


# random lifts tried when the cones of a lifted construction do not all exist (1-D data
# with 3 classes: 9 of 10 seeds succeed at the first draw)
_LIFT_DRAWS = 3


# random units of the lift beyond the 2 n_features linear ones: enough for the class
# means of Q classes to span Q - 1 dimensions generically
def _lift_width(n_classes):
    return max(2 * n_classes, 16)


class ClusteredTruncationClassifier(BaseConeClassifier):
    """ReLU network built in closed form that collapses each class to a point.

    Layer ``ℓ`` is a truncation map (a cone, Lemma 3.4) that sends class ``ℓ`` (or
    one of its prototypes, a k-means cluster of the class) to a base point on the
    segment from its mean toward the barycenter of the means and leaves the other
    classes in place; the affine last layer maps the collapsed points to the
    target vectors.  On clustered data the training cost is zero (Proposition
    4.1); no gradient descent is involved.

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
    max_aperture : float in (0, π], default=π
        Largest aperture a cone may have.  A layer of aperture ``θ > θ_n`` has
        condition number ``sqrt(n - 1) tan(θ/2)`` (eq. 37), so wide cones make
        the network sensitive to weight noise; θ is lowered to
        ``max_aperture`` when ``angle_margin`` asks for more, and a prototype
        whose narrowest cone is wider is not collapsed (its layer keeps every
        point).  ``π`` keeps every cone of Lemma 3.4.  ``0.9 π`` gave the same
        5-fold CV accuracy on the nonlinear generators of the benchmark and a
        network that keeps it under relative weight noise of 1e-3 (XOR of
        blobs: 0.983 → 0.983, against 0.983 → 0.495 with ``π``).
    collapse : "auto", "none" or array-like of bool of shape (n_classes,), \
            default="auto"
        Which classes to collapse (``s_j = 0`` in Theorem 2.5 of arXiv
        2309.10639).  ``"auto"`` collapses every class (prototype) whose cone
        exists, or, with ``n_prototypes="auto"``, none at all when that network
        predicts held-out data best.  ``"none"`` collapses no class: every layer
        keeps every point (a cone of aperture ``θ_n`` whose weight is a
        Householder reflection, condition number 1, in the span of the data)
        and the last layer alone decides; with the logistic last layer this is
        :class:`~sklearn.linear_model.LogisticRegression` as a ReLU network.  A
        class not collapsed gets a layer that is the identity on the training
        data (``μ_j ∈ I_1``, the ``s_j = 1`` layers of Theorem 2.5).  Only every
        class collapsed is a minimum (the global one); a pattern with some but
        not all classes collapsed is not a critical point of the cost (see
        :func:`sktrunc.cost_gradient_norm`), and nothing collapsed is critical
        only with ``width="full"`` and ``output_layer="lstsq"``.
    n_prototypes : "auto", int or array-like of int of shape (n_classes,), \
            default="auto"
        Prototypes (sub-classes) per class: each class is split into that many
        clusters by k-means (seeded by ``random_state``) and every cluster gets
        its own cone; the last layer sends all clusters of a class to the
        class's target.  A class that is a union of clusters, or wraps around
        another class, can then be collapsed.  ``"auto"`` keeps one prototype per
        class when that construction is exact (zero loss) and the classes are
        clustered in the sense of condition (55); otherwise it cross-validates
        the network that collapses nothing and 1, 2, 3, 5 and 8 prototypes per
        class (stratified 3-fold CV on at most 5,000 training rows, 2 folds past
        1,000), stopping early when a candidate scores 2 standard errors below
        the best (3 for one prototype) or two predict every held-out point,
        and keeps the simplest within one standard error of the best (one
        prototype when a class has fewer than 8 points).  A class with fewer
        distinct points than requested gets one prototype per distinct point.
    output_layer : {"auto", "lstsq", "centroid", "logistic"}, default="auto"
        Last layer when some class is not collapsed (when all are, the last
        layer maps the base points exactly onto the targets and this is
        ignored).  ``"lstsq"``: least squares on the truncated training data
        (lowest training cost, Theorem 2.5).  ``"centroid"``: a layer whose
        decision is nearest centroid in the truncated space, scaled to the
        targets by least squares.  ``"logistic"``: the decision scores of an
        L2-penalised multinomial logistic regression of the truncated data
        (``C``), scaled to the targets by least squares.  The last two need
        one-hot-like targets.  ``"auto"``: ``"logistic"`` for one-hot-like
        targets, the regularised layer, which generalises (breast cancer, 5-fold
        CV, nothing collapsed: 0.979 against 0.961 for least squares), else
        ``"lstsq"``.
    C : float, default=1.0
        Inverse strength of the L2 penalty of the logistic last layer, as in
        :class:`~sklearn.linear_model.LogisticRegression` on features scaled to
        unit root-mean-square spread (so the layer does not depend on the
        data's units).
    strict : bool, default=False
        Raise a ``ValueError`` instead of warning when a requested class cannot
        be collapsed (zero training loss is then out of reach).
    random_state : int, RandomState instance or None, default=None
        Seeds k-means (prototypes), the held-out split of ``n_prototypes="auto"``
        and the lifting layer, used only when the prototype means are affinely
        dependent (e.g. more prototypes than ``n_features + 1``).

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
    layers_ : list of ConeLayer
        One record per truncation layer (class, base point, axis, aperture,
        cone margin, whether it collapses its class and whether enclosing balls
        certified it); the arrays below stack their fields.
    failed_ : dict
        For each class asked to collapse that could not be, ``(n_in, n_out)``:
        its points and other points on the wrong side of every hyperplane
        orthogonal to its axis.
    n_prototypes_ : ndarray of int of shape (n_classes,)
        Prototypes each class was split into.
    prototype_classes_ : ndarray of shape (n_prototypes,)
        Class label of every prototype (the order of ``layers_``).
    prototype_ratios_ : ndarray of shape (n_prototypes,)
        Radius of each prototype over its mean's distance to the barycenter of
        the prototype means: its own share of condition (55).
    from_balls_ : ndarray of bool of shape (n_layers,)
        Whether the class's cone was built from enclosing balls (the ball
        containing the class inside the backward cone, those of the other
        un-collapsed classes and the earlier base points inside the forward cone:
        the geometry of Proposition 4.1).  Otherwise it was fitted to the points.
    output_layer_ : {"exact", "lstsq", "centroid", "logistic"}
        The last layer used: ``"exact"`` when every class collapsed.
    clustering_ratio_ : float
        ``δ / min_j |x̄_j - x̄|`` of the prototypes (the classes when each is one
        prototype), measured in the input space; condition (55) of
        Proposition 4.1 asks for less than 1/4.
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
    cone_margins_ : ndarray of shape (n_classes,)
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
        "collapse": [StrOptions({"auto", "none"}), "array-like"],
        "n_prototypes": [StrOptions({"auto"}), Interval(Integral, 1, None, closed="left"),
                         "array-like"],
        "output_layer": [StrOptions({"auto", "lstsq", "centroid", "logistic"})],
        "C": [Interval(Real, 0, None, closed="neither")],
        "max_aperture": [Interval(Real, 0, np.pi, closed="right")],
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
        max_aperture=np.pi,
        collapse="auto",
        n_prototypes="auto",
        output_layer="auto",
        C=1.0,
        strict=False,
        random_state=None,
    ):
        self.targets = targets
        self.width = width
        self.angle_margin = angle_margin
        self.base_point = base_point
        self.max_aperture = max_aperture
        self.collapse = collapse
        self.n_prototypes = n_prototypes
        self.output_layer = output_layer
        self.C = C
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
        self._requested_collapse(len(self.classes_))
        # construct on data of order one, then back to the units of X: every tolerance
        # of the geometry is then relative to the data's scale
        scale = data_scale(X)
        construction, protos, stats = self._build(X / scale, y_idx)
        construction = in_input_units(construction, scale)
        failures = construction.failures
        if failures and self.strict:
            raise ValueError(self._failure_message(failures, protos, stats.clustering_ratio))
        self._set_cone_network(construction, X, y_idx)
        layers = construction.layers
        n_sub = len(protos.owner)
        self.n_prototypes_ = protos.counts
        self.prototype_classes_ = self.classes_[protos.owner]
        self.delta_ = stats.delta * scale
        self.clustering_ratio_ = stats.clustering_ratio
        self.theta_star_ = stats.theta_star
        self.prototype_ratios_ = np.divide(
            stats.radii, stats.center_distances, out=np.full(n_sub, np.inf),
            where=stats.center_distances > 0)
        self.from_balls_ = np.array([layer.from_balls for layer in layers], dtype=bool)
        self.failed_ = failures
        if failures:
            msg = self._failure_message(failures, protos, stats.clustering_ratio)
            warnings.warn(f"{msg} The training loss is {self.training_cost_:.3g}, not 0; see "
                          "failed_ and describe().", AssumptionWarning, stacklevel=3)
        elif not self.collapsed_.any() and not self._collapse_none():
            # n_prototypes="auto" chose the network that collapses nothing: the theorem's
            # network did not predict held-out data as well, and zero loss is given up
            warnings.warn(
                f"Prop. 4.1's (55) needs < 0.25, the clustering ratio is "
                f"{stats.clustering_ratio:.3g}: n_prototypes='auto' kept the network that "
                "collapses no class (the best held-out accuracy; collapse='none' asks for it "
                f"without this warning). The training loss is {self.training_cost_:.3g}, not 0; "
                "see describe().", AssumptionWarning, stacklevel=3)
        return self

    # no patience: the held-out accuracy of the prototype counts dips before it rises
    # (make_classification with two clusters per class, 3-fold CV: none 0.81, 1 0.77,
    # 2 0.80, 3 0.79, 5 0.83, 8 0.86); the constructions are cheap, and the far-worse
    # stop (_AUTO_STOP_SE) ends the search where the linear network wins clearly
    _auto_patience = None

    @property
    def _auto_candidates(self):
        """Candidates of ``n_prototypes="auto"``, simplest first.

        ``"none"`` is the network whose layers keep every point (the last layer
        on the input itself), then the prototype counts; a requested ``collapse``
        pattern rules ``"none"`` out.
        """
        counts = (1, 2, 3, 5, 8)
        if self._collapse_none():
            return ("none",)
        return counts if self._collapse_pattern_given() else ("none",) + counts

    def _collapse_pattern_given(self):
        return not isinstance(self.collapse, str)

    def _collapse_none(self):
        return isinstance(self.collapse, str) and self.collapse == "none"

    def _construct(self, X, y_idx, protos, rng, keep=None, tol=_LOGISTIC_TOL):
        """Cones for the given prototypes (Prop. 4.1 for the refined labels).

        ``keep=True`` builds layers that keep every point (nothing collapsed, the
        cones in the data's own span); ``None`` follows ``collapse``.

        Returns
        -------
        construction : ConeNetwork
        protos : Prototypes
        stats : ClassStatistics
            Of the prototypes, in the input space.
        """
        keep = self._collapse_none() if keep is None else keep
        n_classes = len(self.classes_)
        if keep and len(protos.owner) > n_classes:
            # layers that keep every point are the same whatever the split: one per class
            protos = split_classes(X, y_idx, n_classes, np.ones(n_classes, dtype=int), rng)
        collapse = (np.zeros(n_classes, dtype=bool) if keep
                    else self._requested_collapse(n_classes))
        sub, n_sub = protos.labels, len(protos.owner)
        stats = class_statistics(X, sub, n_sub)
        for _ in range(_LIFT_DRAWS):
            if keep:
                # nothing is collapsed, so no base point needs mapping and no lift: the
                # cones live in the span of the data, every direction the last layer may use
                lift, H, space = None, X, stats
                components = (np.eye(X.shape[1]) if self.width == "full"
                              else _span_basis(X, stats.barycenter))
            else:
                lift, H, space = self._embedding(X, sub, n_sub, stats, rng)
                components = self._cone_basis(space.means, space.barycenter, H)
            center = space.barycenter
            if self.width == "full":
                # components is the identity: skip an N x M x M product by it
                Z, means = H - center, space.means - center
            else:
                # H @ U - x̄ @ U rather than (H - x̄) @ U: no centred copy of the data
                Z = H @ components - center @ components
                means = (space.means - center) @ components
            layers, Zt, failures = _cone_layers(Z, sub, means, collapse[protos.owner],
                                                protos.owner, self.angle_margin,
                                                self.base_point, self.max_aperture)
            # a random lift can leave a class without a cone where another draw gives one
            if lift is None or not failures:
                break
        name, output = self._output_layer(layers, Zt, y_idx, tol)
        return (ConeNetwork(layers, output, name, center, components, lift, failures),
                protos, stats)

    def _construct_candidate(self, X, y_idx, candidate, rng, protos=None, search=False):
        n_classes = len(self.classes_)
        if protos is None:
            counts = np.full(n_classes, 1 if candidate == "none" else candidate)
            protos = split_classes(X, y_idx, n_classes, counts, rng)
        tol = _LOGISTIC_SEARCH_TOL if search else _LOGISTIC_TOL
        keep = candidate == "none" or self._collapse_none()
        return self._construct(X, y_idx, protos, rng, keep=keep, tol=tol)

    def _without_search(self, X, y_idx, rng):
        # one cone per class is kept unsearched only in the theorem's regime, the classes
        # clustered in the sense of condition (55), and exact there; the ratio is cheap,
        # so the construction is not even built elsewhere
        stats = class_statistics(X, y_idx, len(self.classes_))
        if not stats.clustering_ratio < _CLUSTERED_RATIO:
            return None
        return super()._without_search(X, y_idx, rng)

    def _held_out_output(self, construction, X):
        """The construction's output on ``X`` from the truncation maps themselves.

        ``τ(z) = W⁻¹(σ(W z + b) - b) = z + W⁻¹ σ(-(W z + b))`` layer after layer
        (eq. 18, cone coordinates, ``W`` invertible), then the last layer: the
        network's function (Prop. 3.2) without assembling the network.
        """
        H = X
        if construction.lift is not None:
            coef, intercept = construction.lift
            H = np.maximum(X @ coef + intercept, 0.0)
        Z = H @ construction.components - construction.center @ construction.components
        for layer in construction.layers:
            W = layer.factors  # W_θ R as λ I + low rank: products and inverse in O(n r)
            pre = Z @ W.T - (W @ layer.base_point[:, None])[:, 0]
            hit = np.any(pre < 0.0, axis=1)
            if hit.any():
                Z[hit] += np.maximum(-pre[hit], 0.0) @ W.inv().T
        W_out, b_out = construction.output
        return Z @ W_out + b_out

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

    def _embedding(self, X, y_idx, n_classes, stats, rng):
        """The input, or a lifted copy when the class means are affinely dependent.

        Returns the lifting layer (or None), the construction space's data and
        its class statistics.
        """
        need = n_classes - 1
        if affine_rank(stats.means) >= need:
            return None, X, stats
        coef, intercept, H = lift_until(
            X, lambda H: affine_rank(class_statistics(H, y_idx, n_classes).means) >= need,
            _lift_width(n_classes), rng, keep_linear=True)
        return (coef, intercept), H, class_statistics(H, y_idx, n_classes)

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

    def _output_layer(self, layers, Zt, y_idx, tol=None):
        """Affine last layer: exact on the base points when every prototype collapses.

        Otherwise (Theorem 2.5's un-truncated classes) one of three layers, by
        ``output_layer``: the least-squares fit of the truncated training data
        (the minimum over ``(W_{L+1}, b_{L+1})`` in Theorem 2.5); the
        nearest-centroid layer ``f(z) = α (z m̃ᵀ - ½|m̃|²) + β`` on the truncated
        class means ``m̃_j`` with ``(α, β)`` fitted by least squares, whose
        decision is nearest centroid in the truncated space; or the logistic
        layer: the decision scores of an L2-penalised multinomial logistic
        regression of the truncated data (``C``), scaled to the targets by least
        squares.  ``"auto"`` is the logistic layer for one-hot-like targets (the
        regularised one, which generalises: breast cancer 0.979 in 5-fold CV
        against 0.961 for least squares when no class is collapsed), else
        least squares.

        Returns
        -------
        name : str
            ``output_layer_``.
        layer : tuple (W, b)
        """
        Y = self.targets_
        if all(layer.collapsed for layer in layers):
            P = np.array([layer.base_point for layer in layers])
            exact, ok = exact_output_layer(P, Y[[layer.label for layer in layers]])
            if ok:
                return "exact", exact
        orthogonal = targets_are_orthogonal(Y)
        if self.output_layer in ("centroid", "logistic") and not orthogonal:
            raise ValueError(
                f"output_layer={self.output_layer!r} reproduces a decision rule only for "
                "orthogonal target vectors of equal norm (e.g. one-hot); use 'lstsq'."
            )
        name = self.output_layer
        if name == "auto":
            name = "logistic" if orthogonal else "lstsq"
        if name == "logistic":
            return name, self._logistic_layer(Zt, y_idx, _LOGISTIC_TOL if tol is None else tol)
        if name == "centroid":
            return name, self._centroid_layer(Zt, y_idx)
        sol = np.linalg.lstsq(np.column_stack([Zt, np.ones(Zt.shape[0])]), Y[y_idx],
                              rcond=None)[0]
        return "lstsq", (sol[:-1], sol[-1])

    def _logistic_layer(self, Zt, y_idx, tol):
        """Multinomial logistic regression of the truncated data, scaled to the targets.

        The penalty acts on features in units of their typical spread (the root
        mean variance), so ``C`` means what it means for ``LogisticRegression``
        on standardised data and the layer does not depend on the data's units.
        """
        # (M + 1) Q coefficients need no more than _LOGISTIC_MAX_ROWS evenly spaced rows
        rows = slice(None, None, max(1, Zt.shape[0] // _LOGISTIC_MAX_ROWS))
        Zs, ys = Zt[rows], y_idx[rows]
        if len(np.unique(ys)) < len(self.targets_):
            Zs, ys = Zt, y_idx
        spread = float(np.sqrt(np.mean(np.var(Zs, axis=0))))
        spread = spread if spread > 0 else 1.0
        lr = LogisticRegression(C=self.C, tol=tol, max_iter=_LOGISTIC_ITER)
        with warnings.catch_warnings():
            # the layer is used as it is, judged by the held-out search and its scores
            warnings.simplefilter("ignore", ConvergenceWarning)
            lr.fit(Zs / spread, ys)  # every class is present: classes_ come from y
        W, b = lr.coef_.T / spread, lr.intercept_
        if W.shape[1] == 1:  # two classes, one logit: the scores are ∓½ of it
            W, b = np.hstack([-0.5 * W, 0.5 * W]), np.array([-0.5, 0.5]) * b[0]
        return scaled_score_layer(W, b, Zs, self.targets_, ys)

    def _centroid_layer(self, Zt, y_idx):
        """Nearest centroid in the truncated space, scaled to the targets."""
        n_classes = len(self.targets_)
        counts = np.bincount(y_idx, minlength=n_classes)
        mt = np.zeros((n_classes, Zt.shape[1]))
        np.add.at(mt, y_idx, Zt)
        mt /= np.maximum(counts, 1)[:, None]
        # argmin_j |z - m_j|² = argmax_j (z·m_j - ½|m_j|²)
        return scaled_score_layer(mt.T, -0.5 * np.einsum("ij,ij->i", mt, mt), Zt,
                                  self.targets_, y_idx)

    def _failure_message(self, failures, protos, clustering_ratio):
        """One or two sentences; the details are in ``failed_`` and ``describe()``."""
        labels = sorted({self.classes_[protos.owner[j]].tolist() for j in failures})
        return (f"Lemma 3.4's cone condition fails for {len(failures)} prototype(s) of classes "
                f"{labels} (clustering ratio {clustering_ratio:.3g}; Prop. 4.1's (55) needs "
                "< 0.25): they are not collapsed.")

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

        def action(ell, layer):
            name = self._collapsed_name(layer)
            if layer.collapsed:
                return f"collapses {name}"
            n_in, n_out = self.failed_.get(layer.prototype, (0, 0))
            if (n_in, n_out) == (0, 0):
                return f"keeps all ({name} not collapsed)"
            return (f"keeps all ({name} not separable: {n_in} of its points and "
                    f"{n_out} others on the wrong side)")

        rows = self._layer_rows(action, balls=lambda layer: layer.from_balls)
        summary = (f"clustering ratio {self.clustering_ratio_:.3g} (eq. 55 wants < 0.25), "
                   f"theta_* {self.theta_star_:.3g} rad (eq. 59 wants < pi)")
        return self._describe(rows, ["balls"], summary)


# room left around the training points inside a cone that keeps them all, in units of
# their extent: held-out points a little beyond them are kept too
_KEEP_ROOM = 0.5


def _keeping_cone(items, dim, scale):
    """A cone of aperture ``θ_n`` whose forward part holds every item, with room.

    At ``θ ≤ θ_n`` the shrink factor of eq. (37) is ``λ = 1``: the layer's
    cumulative weight is the Householder reflection ``R`` alone, orthogonal,
    so the layer keeps every point (Theorem 2.5's ``s_j = 1``) with condition
    number 1 instead of the ``sqrt(n - 1)`` of a right-angled cone; a chain of
    such layers is a product of reflections and does not amplify weight noise.
    The apex sits behind the items so that a ball of radius ``_KEEP_ROOM``
    times their extent around each of them is inside the cone too.
    """
    theta = theta_n(dim)
    cot = 1.0 / np.tan(theta / 2.0)
    extent = max(float(np.ptp(items.a)) if items.a.size else 0.0,
                 float(np.max(items.rho, initial=0.0)))
    room = _KEEP_ROOM * (extent if extent > 0 else scale)
    s = float(np.min(items.a - (items.rho + room) * cot, initial=0.0)) - room
    empty = Items(np.empty(0), np.empty(0))
    return Cone(theta=float(theta), position=s, interval=(-np.inf, s),
                margin=cone_margin(s, theta, empty.as_tuple(), items.as_tuple()))


def _capped_cone(inside, outside, angle_margin, base_point, s_max, max_aperture,
                 envelope=False):
    """:func:`fit_cone` with the aperture kept at most ``max_aperture``.

    ``θ = θ_min + angle_margin (π - θ_min)`` is lowered to ``max_aperture`` when
    it exceeds it, and there is no cone when ``θ_min`` itself does: a layer of
    aperture ``θ > θ_n`` has condition number ``sqrt(n - 1) tan(θ/2)`` (eq. 37).
    """
    cone = fit_cone(inside, outside, angle_margin=angle_margin, base_point=base_point,
                    s_max=s_max, envelope=envelope)
    if cone is None or cone.theta <= max_aperture:
        return cone
    theta_min = (cone.theta - angle_margin * np.pi) / (1.0 - angle_margin)
    if not theta_min < max_aperture:
        return None
    margin = (max_aperture - theta_min) / (np.pi - theta_min)
    return fit_cone(inside, outside, angle_margin=margin, base_point=base_point,
                    s_max=s_max, envelope=envelope)


def _cone_layers(Z, y_idx, means, collapse, owner, angle_margin, base_point,
                 max_aperture=np.pi):
    """Cones of Lemma 3.4, prototype by prototype, in cone coordinates.

    ``y_idx`` are prototype indices, ``means`` the prototypes' means and
    ``owner`` their classes (each prototype is a class of its own when
    ``n_prototypes=1``).

    The layer of class ``j`` lives on the axis line from its mean toward the
    barycenter (the origin of the cone coordinates), ``m_j + s f_j``.  Its cone
    must hold class ``j`` in the backward part and every other current point
    (the classes not collapsed yet, the base points of those that are) in the
    forward part.  It is certified through the balls enclosing the classes
    when they fit (the geometry of Prop 4.1: ``Q`` items instead of ``N``),
    else point by point.  A class without a cone gets a layer that keeps every
    point (Theorem 2.5's ``s_j = 1``).

    Returns
    -------
    layers : list of ConeLayer
    Zt : ndarray of shape (n_samples, n_dims)
        ``X^(τ, Q)``: the training data after every layer, from the proven
        action of each cone (identity forward, base point backward).
    failures : dict
        ``prototype index -> (its points, other points)`` on the wrong side of
        every hyperplane orthogonal to its axis, for the prototypes asked to
        collapse that could not be.
    """
    n_classes, dim = means.shape
    sq_norms = np.einsum("ij,ij->i", Z, Z)
    dists = np.linalg.norm(means, axis=1)
    axes = np.where(dists[:, None] > 0,
                    -means / np.where(dists > 0, dists, 1.0)[:, None], np.eye(1, dim)[0])
    # every class's axis coordinates from one matrix product
    proj = Z @ np.hstack([axes.T, means.T])
    # radius of every class around its mean
    d2 = (sq_norms - 2.0 * proj[np.arange(Z.shape[0]), n_classes + y_idx]
          + np.einsum("ij,ij->i", means, means)[y_idx])
    radii = np.zeros(n_classes)
    np.maximum.at(radii, y_idx, d2)
    radii = np.sqrt(radii)
    scale = float(max(dists.max(initial=0.0), radii.max(initial=0.0))) or 1.0
    live = np.ones(Z.shape[0], dtype=bool)  # points not collapsed yet
    layers, failures = [], {}
    collapsed = np.zeros(n_classes, dtype=bool)
    for j in range(n_classes):
        m, f, dist = means[j], axes[j], dists[j]
        done = np.array([layer.base_point for layer in layers if layer.collapsed])
        base_items = Items(*axial_coordinates(done.reshape(-1, dim), m, f))
        # axial coordinate and distance to the axis of every point, from proj
        a = proj[:, j] - m @ f
        rho = np.sqrt(np.maximum(sq_norms - 2.0 * proj[:, n_classes + j] + m @ m - a * a, 0.0))
        in_j = y_idx == j
        inside = Items(a[in_j], rho[in_j])
        outside = Items(a[live & ~in_j], rho[live & ~in_j]).concat(base_items)
        cone, from_balls = None, False
        if collapse[j] and dist > 0:
            others = np.flatnonzero(~collapsed & (np.arange(n_classes) != j))
            ball_out = Items(*axial_coordinates(means[others], m, f),
                             radii[others]).concat(base_items)
            ball_in = Items(np.zeros(1), np.zeros(1), radii[j:j + 1])
            cone = _capped_cone(ball_in, ball_out, angle_margin, base_point, dist,
                                max_aperture)
            from_balls = cone is not None
            if cone is None:
                cone = _capped_cone(inside, outside, angle_margin, base_point, dist,
                                    max_aperture, envelope=True)
        if cone is None:
            if collapse[j]:
                edge = min(np.min(outside.a, initial=np.inf), dist)
                failures[j] = (int(np.sum(inside.a >= edge)),
                               int(np.sum(outside.a <= np.max(inside.a, initial=-np.inf))))
            cone = _keeping_cone(Items(a[live], rho[live]).concat(base_items), dim, scale)
        else:
            collapsed[j] = True
            live &= ~in_j
        layers.append(ConeLayer(label=int(owner[j]), prototype=j,
                                base_point=m + cone.position * f, axis=f,
                                theta=cone.theta, cone_margin=cone.margin,
                                collapsed=bool(collapsed[j]), from_balls=from_balls))
    Zt = Z.copy()
    for layer in layers:
        if layer.collapsed:
            Zt[y_idx == layer.prototype] = layer.base_point
    return layers, Zt, failures
