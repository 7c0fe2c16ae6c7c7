"""SequentialSeparableClassifier: Theorem 5.2 of Chen & Muñoz Ewald (JMLR 2025).

Classes are peeled off one at a time: layer ``ℓ`` is the cone truncation whose
boundary is (nearly) a hyperplane separating class ``ℓ`` from the classes still
left and from the points the earlier classes were collapsed to.
"""

import queue
import threading
import time
import warnings
from dataclasses import dataclass, field
from numbers import Integral, Real
from typing import NamedTuple

import numpy as np
from joblib import effective_n_jobs
from joblib.parallel import ThreadingBackend, get_active_backend
from scipy.linalg.lapack import dgeqrf, dormqr, dpocon, dpotrf, dpotrs
from sklearn.base import _fit_context
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.parallel import Parallel, delayed
from sklearn.utils.validation import check_is_fitted

from ._base import (
    BaseConeClassifier,
    ConeNetwork,
    _cone_network,
    choose_output_layer,
    exact_output_layer,
    scaled_score_layer,
    targets_are_orthogonal,
)
from ._clustered import _capped_cone
from ._cones import Cone, ConeLayer, Items, in_input_units
from ._geometry import (
    _ROW_WORKERS,
    affine_hull_basis,
    affine_rank,
    axial_coordinates,
    class_statistics,
    cone_lambda,
    cone_margin,
    data_scale,
    lift_until,
    theta_n,
)
from ._separation import (
    _fast_max_margin,
    _first_soft_margins,
    _ovr_on_design,
    _soft_margin,
    ovr_squared_hinge,
)
from ._truncation import truncate
from ._validation import check_cvxpy_solver
from .exceptions import AssumptionWarning, ConditioningWarning

__all__ = ["SequentialSeparableClassifier"]



# smallest soft-margin penalty: on data scaled to max |x| = 1 a smaller C leaves
# LinearSVC's w at rounding level (exactly 0 from C = 1e-20), and at C = 1e-300
# liblinear does not terminate
_MIN_C = 1e-10

# cones of condition number at most this let the last layer be fitted on the truncated
# positions instead of a forward pass: the two differ by 1e-15 relative on digits (cones
# of condition 3), 1e-12 on the 5000 x 17 table's uncapped fallback (1.1e4) and 4e-11 on the
# 2000 x 56 table's (3.8e5), with the same predictions; past this, the forward pass
_POSITIONS_MAX_COND = 1e6

# a step's hyperplane problems run in parallel (n_jobs) only when the candidates times
# the entries of the data reach this: below, each problem takes milliseconds and threads
# contend for the GIL (see doc/parallel.rst for the measurements)
_PARALLEL_MIN_WORK = 10_000_000

# condition number sqrt(n - 1) tan(θ/2) of eq. (37) at which max_aperture="auto" caps
# the cones (see the class docstring for the measurements behind it)
_AUTO_CONDITION = 3.0
# ... when some cone of Theorem 5.2's exact network has a condition number above this
_AUTO_KEEP_CONDITION = 300.0
# ... and the cones of the soft-margin fallback (no exact order): a real layer chains two
# cones (eq. 21-22), so its condition is about the square of theirs, and 30 keeps it
# near 1e3, where a relative weight error of 1e-3 still leaves the outputs' order.
# Uncapped, the fallback's layers reached 1e8-5e9 on non-separable tables, and relative
# weight noise of 1e-6 dropped a 5,000 x 17 table's test accuracy from 0.91 to 0.31
_AUTO_FALLBACK_CONDITION = 30.0


class _Hint(NamedTuple):
    """What a candidate's hard-margin problem starts from (see :func:`_fast_max_margin`):
    a soft-margin hyperplane ``(w, b)`` of its sides, the indices ``(negative,
    positive)`` in its sides of its support vectors at its last solve, or None."""

    soft: tuple = None
    start: tuple = None


def _separate(X_neg, X_pos, solver, hint=None):
    """The hard-margin hyperplane or None, and the active points (a certificate of
    non-separability when None, else the support vectors).  ``hint``: a soft-margin
    hyperplane ``(w, b)`` of the sides, or a :class:`_Hint`."""
    if isinstance(hint, _Hint):
        return _fast_max_margin(X_neg, X_pos, solver, hint=hint.soft, start=hint.start)
    return _fast_max_margin(X_neg, X_pos, solver, hint=hint)


def _separate_batch(state, jobs, remaining, base_points, positions, solver, keep_sides=True):
    """Module-level task for joblib: for each ``(candidate, hint)`` of ``jobs``, in
    order, its sides (None unless ``keep_sides``), :func:`_separate`'s hyperplane, the
    certificate of non-separability (None when separable) and the rows of its
    support vectors (None when not separable).

    The sides are built here, in the worker: at N = 1e5 copying them costs twice
    the solves, and a step's candidates then share none of their work.  Dropped
    right after their problem (``keep_sides=False``), nothing of them stays in
    memory; with ``keep_sides="widest"`` only those of the widest margin so far
    stay, in ``state.widest`` (see :func:`_offer_widest`).
    """
    X = state.X if positions is None else positions
    keep = keep_sides is True
    out = []
    for j, hint in jobs:
        # sides dropped after their problem are built in a buffer of the fit's pool
        buffer = None if keep else _borrow(state)
        rows_neg, rows_pos = _side_rows(state, j, remaining, positions is None)
        sides = SequentialSeparableClassifier._sides(state, j, remaining, base_points,
                                                     positions, out=buffer,
                                                     rows=(rows_neg, rows_pos))
        start = _start(state.supports.get(j), rows_neg, rows_pos, len(sides[1]))
        if start is not None:
            hint = _Hint(hint, start)
        sol, active_neg, active_pos = _separate(*sides, solver, hint)
        cert = support = None
        if sol is None:
            cert = _certificate(X, state.y, j, remaining, positions is None, sides,
                                active_neg, active_pos, rows_neg, rows_pos)
        else:
            # the rows (not the base points, always a start) of its support vectors
            support = (rows_neg[active_neg],
                       rows_pos[active_pos[active_pos < len(rows_pos)]])
            if keep_sides == "widest":
                buffer = _offer_widest(state, (-1.0 / np.linalg.norm(sol[0]),
                                               remaining.index(j)), j, sides, buffer)
        out.append((sides if keep else None, sol, cert, support))
        sides = None  # not alive while the next candidate's are allocated
        if buffer is not None:
            state.buffers.append(buffer[0])
    return out


# every this many-th row makes the subsample of _subsample_starts
_SUBSAMPLE = 20


def _subsample_start(sub, j, remaining, solver):
    """Module-level task: the rows (of all the rows) of candidate ``j``'s support
    vectors on the subsample ``sub``, or None when it does not separate there."""
    support = _separate_batch(sub, [(j, None)], remaining, [], None, solver, False)[0][3]
    # subsample row i is row _SUBSAMPLE i
    return None if support is None else (support[0] * _SUBSAMPLE, support[1] * _SUBSAMPLE)


def _subsample_starts(state, candidates, remaining, solver):
    """The rows of each candidate's support vectors on every ``_SUBSAMPLE``-th row (the
    first step of the margin order search), for its problem on all rows to start from.

    From the points nearest the midpoint of the means, a problem on all the rows takes
    five to eight rounds of violators, each a product with every row; from the
    subsample's support vectors, one or two (blobs 1e5 x 50, Q = 20: first step
    0.55 -> 0.32 s serial, the subsample included; 2e5 x 50, Q = 10: fit 1.42 ->
    1.15 s).  A start only saves rounds: the support vectors found on all the rows,
    and so the hyperplane, are the same.  A subsample's certificate of overlap would
    hold for all the rows too, but is not kept (the search counts its problems);
    candidates with fewer than ``2 (d + 2)`` subsample rows on either side get no start.

    They are solved in the search's thread, not on its workers (:class:`_Workers`):
    they hold the GIL most of their time (scipy's NNLS on a few hundred points), and
    two threads took them in about 100 ms of wall time against 63-67 ms in one (blobs
    1e5 x 50, Q = 20).  Solving each in the search's thread right before its problem on
    all the rows went to the workers was no faster (end of the first step 349-395 ms
    against 361-391 ms, medians of 8-16 fits on this shared machine).
    """
    X, k = state.X, _SUBSAMPLE
    sub = _Peeling(np.ascontiguousarray(X[::k]), state.y[::k], state.owner, state.means,
                   state.xbar, state.budget, state.rng)
    counts = np.bincount(sub.y, minlength=len(state.owner))
    total = counts[list(remaining)].sum()
    enough = [j for j in candidates
              if min(counts[j], total - counts[j]) >= 2 * (X.shape[1] + 2)]
    tasks = [(sub, j, remaining, solver) for j in enough]
    if state.parallel is not None:
        starts = state.parallel(delayed(_subsample_start)(*task) for task in tasks)
    else:
        starts = [_subsample_start(*task) for task in tasks]
    return {j: start for j, start in zip(enough, starts) if start is not None}


class SequentialSeparableClassifier(BaseConeClassifier):
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
        cvxpy solver for the max-margin problems that Newton's method does not
        settle (overlapping candidates, degenerate support sets).
    strict : bool, default=False
        Raise a ``ValueError`` when a step has no separating hyperplane, instead
        of falling back to a soft-margin one with an :class:`AssumptionWarning`.
    n_jobs : int, default=None
        Parallel hyperplane problems within a step (``order="margin"`` and the
        fallback search); ``None`` means 1 unless in a joblib context.  A step
        whose candidates times the entries of the data are below 1e7 runs
        serially (its problems take milliseconds); the network does not depend
        on ``n_jobs``.
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
    max_aperture : "auto" or float in (0, π], default="auto"
        Largest aperture of a cone.  A cone of aperture ``θ`` in ``n``
        dimensions has condition number ``sqrt(n - 1) tan(θ/2)`` (eq. 37), and
        the real layers chain two of them (eq. 21-22): the cones of Theorem 5.2
        on standardised digits (θ = 0.97-0.997 π) give layers of condition 1e5-1e6,
        and relative weight noise of 1e-3 drops the test accuracy from 0.935 to
        0.09.  A cone whose narrowest aperture exceeds the cap keeps every other
        point in its forward part and sends to its apex only the part of its
        class it holds (the rest is partly truncated; ``collapsed_`` is False);
        the later cones are fitted to the data as it is then, and the last layer
        to the real last hidden layer (a training loss above zero).
        ``"auto"``: Theorem 5.2's network when its order is found and every cone
        has condition at most 300 (the small exact problems of the tests reach
        120; standardised digits 2000), else (cones of an exact order only) the cap
        of condition 3, ``θ ≤ 2 arctan(3 / sqrt(n - 1))``.  On a fixed digits
        split, caps of condition 3 / 10 / 30 / none give test accuracy 0.967 /
        0.946 / 0.939 / 0.935 and lose 0.007 / 0.002 / 0.043 / 0.84 of it under
        1e-3 weight noise (``benchmarks/bench_sequential.py --noise``); on
        digits the default cones then send no training point to an apex: the
        network is ten well-conditioned truncations (each bends part of one
        class) and a linear-SVM last layer.  ``π`` always builds Theorem 5.2's
        network.  When no exact order exists, ``"auto"`` caps every cone of the
        soft-margin fallback at condition 30 (a hidden layer chains two cones:
        about 1e3).  Uncapped, those layers reached condition 1e8-5e9 on
        non-separable tables, and relative weight noise of 1e-6 dropped a
        5,000 x 17 table's test accuracy from 0.91 to 0.31; capped, noise of
        1e-3 leaves 0.881 of 0.885, and 5-fold CV moves by +0.003 and +0.011 on
        the 5,000 x 17 and 2,000 x 56 tables, +0.007 on iris with one prototype,
        and -0.005 on moons.  A float caps the fallback's cones at that aperture.
    C : float, default=100.0
        Soft-margin penalty of the fallback hyperplanes and of the linear-SVM
        output layer.  On iris (not sequentially separable), with one prototype
        per class, the fallback's training accuracy is 0.947 / 0.953 / 0.940 for
        C = 1 / 10 / 100 against 0.947 for ``LinearSVC``, with 5-fold CV 0.913 /
        0.893 / 0.900; the default ``n_prototypes="auto"`` cross-validates at
        0.940 for each.  At least 1e-10: the hyperplanes are fitted on
        ``X / max |x|``, where a smaller ``C`` gives ``w = 0`` (from 1e-20 on).
    n_prototypes : "auto", int or array-like of int of shape (n_classes,), \
            default="auto"
        Prototypes (sub-classes) per class: each class is split into that many
        clusters by k-means (seeded by ``random_state``) and every cluster is
        peeled off by its own hyperplane; the last layer sends all clusters of
        a class to the class's target.  When the prototype means are affinely
        dependent (more prototypes than ``n_features + 1``) a ReLU lift puts
        them in general position first.  ``"auto"``: one prototype per class
        when that is sequentially separable (Theorem 5.2 then gives zero loss
        with the fewest layers); otherwise 1, 2, 3, 5 or 8 per class, whichever
        predicts held-out rows best: by 3-fold CV up to 1,000 training rows
        (iris: 5-fold accuracy 0.957 -> 0.970 against one quarter, Gaussian
        quantiles 0.852 -> 0.874), on one held-out quarter beyond.  A class with
        fewer distinct points than requested gets one prototype per point.
    output_layer : {"auto", "lstsq", "svc"}, default="auto"
        Last layer when some step is not separable (when all are, the last layer
        maps the base points exactly onto the targets and this is ignored):
        least squares on the truncated training data, a layer reproducing a
        one-vs-rest ``LinearSVC`` on it (one-hot-like targets; its problem solved
        to optimality by Newton's method), or ``"auto"``,
        the best in training accuracy, then cost, of these and the exact map of
        the base points.
    fit_intercept : bool, default=True
        Affine last layer (needs the base points affinely independent,
        ``Q ≤ n_features + 1``); False gives the paper's bias-free
        ``W = Y (X^red)^+`` (eq. 62; needs them linearly independent).
    max_solves : int, default=None
        Budget of hyperplane problems for the order search; ``4 * n_classes``
        when None.
    random_state : int, RandomState instance or None, default=None
        Seeds k-means (prototypes), the held-out split of ``n_prototypes="auto"``
        and the lift.
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
    layers_ : list of ConeLayer
        One record per truncation layer; the arrays below stack their fields.
    axes_ : ndarray of shape (n_classes, n_features)
        Unit normal ``h_ℓ`` of each layer's hyperplane, the axis of its cone,
        pointing away from the collapsed class.
    base_points_ : ndarray of shape (n_classes, n_features)
        Apex ``p_ℓ`` of each layer's cone: where class ``order_[ℓ]`` is sent.
    angles_ : ndarray of shape (n_classes,)
        Aperture θ of each cone (radians).
    n_prototypes_ : ndarray of int of shape (n_classes,)
        Prototypes each class was split into.
    prototype_classes_ : ndarray of shape (n_prototypes,)
        Class label of every prototype.
    hyperplane_margins_ : ndarray of shape (n_classes,)
        Margin ``1/|w|`` of each layer's separating hyperplane.
    collapsed_ : ndarray of bool of shape (n_classes,)
        Whether each layer sends its whole class to its base point (every step
        separable).
    center_, components_ : ndarray
        Cone coordinates ``(h - center_) @ components_`` of the construction
        space ``h``: ``0`` and the identity, or, with more features than
        samples, the data's affine hull (the mean and an orthonormal basis).
    lifted_ : bool
        Whether a lifting ReLU layer precedes the cones (more prototypes than
        ``n_features + 1``).
    output_layer_ : {"exact", "lstsq", "svc"}
        The last layer used.
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
    remaining classes, the earlier base points and the barycenter), found on a
    reduced candidate set plus violators by Newton's method on the squared hinge
    with a rising penalty and made exact by the KKT system of its support
    vectors; where candidates overlap, the QP (cvxpy's ``solver``) decides, and
    infeasibility of the hard-margin problem decides non-separability exactly.  The base point is
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

    # an order search per candidate and fold is costly: past 1,000 rows one held-out
    # quarter instead of 3-fold CV.  Below, a quarter is a noisy judge (iris: 28 rows)
    # and the folds cost little (iris, moons: 0.05 -> 0.1 and 0.1 -> 0.26 s per fit):
    # 5-fold CV accuracy, mean of two seeds, quarter -> folds: iris 0.957 -> 0.970,
    # moons 0.913 -> 0.919, Gaussian quantiles 0.852 -> 0.874, 800 x 12 with 4 classes
    # 0.823 -> 0.834, 800 x 6 with 5 quantile classes 0.517 -> 0.526, 1,000 x 30 with
    # 10 % flipped labels 0.7260 -> 0.7245, seven more within +-0.004
    _auto_folds = 3
    _auto_holdout_from = 1000

    _parameter_constraints: dict = {
        "order": [StrOptions({"greedy", "margin"}), "array-like"],
        "solver": [str],
        "strict": ["boolean"],
        "n_jobs": [None, Integral],
        "targets": [None, "array-like"],
        "angle_margin": [Interval(Real, 0, 1, closed="neither")],
        "base_point": [Interval(Real, 0, 1, closed="neither")],
        "max_aperture": [StrOptions({"auto"}), Interval(Real, 0, np.pi, closed="right")],
        "C": [Interval(Real, _MIN_C, None, closed="left")],
        "n_prototypes": [StrOptions({"auto"}), Interval(Integral, 1, None, closed="left"),
                         "array-like"],
        "output_layer": [StrOptions({"auto", "lstsq", "svc"})],
        "fit_intercept": ["boolean"],
        "max_solves": [None, Interval(Integral, 1, None, closed="left")],
        "random_state": ["random_state"],
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
        max_aperture="auto",
        C=100.0,
        n_prototypes="auto",
        output_layer="auto",
        fit_intercept=True,
        max_solves=None,
        random_state=None,
        verbose=0,
    ):
        self.order = order
        self.solver = solver
        self.strict = strict
        self.n_jobs = n_jobs
        self.targets = targets
        self.angle_margin = angle_margin
        self.base_point = base_point
        self.max_aperture = max_aperture
        self.C = C
        self.n_prototypes = n_prototypes
        self.output_layer = output_layer
        self.fit_intercept = fit_intercept
        self.max_solves = max_solves
        self.random_state = random_state
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
        if self.solver != "CLARABEL":
            # Clarabel ships with cvxpy and is called directly; asking cvxpy for its
            # installed solvers costs more than a small fit
            check_cvxpy_solver(self.solver)
        if not isinstance(self.order, str) and not (
                isinstance(self.n_prototypes, str) or np.all(np.asarray(self.n_prototypes) == 1)):
            raise ValueError("A fixed order takes one prototype per class: set n_prototypes=1 "
                             f"or 'auto' with order={self.order!r}.")
        # construct on data of order one, then back to the units of X: the hyperplane
        # problems, the cones and their tolerances are then relative to the data's scale
        scale = data_scale(X)
        construction, protos, stats = self._build(X / scale, y_idx)
        construction = in_input_units(construction, scale)
        self._set_cone_network(construction, X, y_idx)
        steps = construction.layers
        self.order_ = self.classes_[[layer.label for layer in steps]]
        self.n_prototypes_ = protos.counts
        self.prototype_classes_ = self.classes_[protos.owner]
        self.hyperplane_margins_ = np.array([layer.hyperplane_margin for layer in steps])
        self.n_wrong_side_ = np.array([layer.n_wrong_side for layer in steps], dtype=int)
        self.separable_ = self.n_wrong_side_ == 0
        self.clustering_ratio_ = stats.clustering_ratio
        self.theta_star_ = stats.theta_star
        if not self.separable_.all():
            soft = np.flatnonzero(~self.separable_)
            warnings.warn(
                f"Definition 5.1 fails for this order and these base points at {soft.size} of "
                f"{len(steps)} steps (first: step {soft[0] + 1}, class "
                f"{self.order_[soft[0]].tolist()!r}); soft-margin hyperplanes leave "
                f"{int(self.n_wrong_side_.sum())} points on the wrong side. See separable_ "
                "and describe().", AssumptionWarning, stacklevel=3)
        return self

    def _build(self, X, y_idx):
        """``n_prototypes="auto"`` keeps one prototype per class when every step separates.

        The base class keeps that construction when it is exact; here it is also
        kept when only ``max_aperture`` stops its cones from collapsing whole
        classes: the data is sequentially separable (Definition 5.1), and the
        prototype search, whose lifted networks are fitted by a least-squares
        last layer, would trade the network's robustness for a held-out point.
        """
        if not (isinstance(self.n_prototypes, str) and isinstance(self.order, str)):
            return super()._build(X, y_idx)
        self._held_out = None  # kept without a search: no held-out outputs
        one = super()._without_search(X, y_idx, check_random_state(self.random_state))
        if all(layer.n_wrong_side == 0 for layer in one[0].layers):
            return one
        # handed to the base class's search, not kept: the construction, and that some
        # class overlaps the others (every candidate's first step is then certified from
        # its soft margin, see _hyperplanes)
        self._built_one, self._overlapping = one, True
        try:
            return super()._build(X, y_idx)
        finally:
            del self._built_one, self._overlapping

    def _without_search(self, X, y_idx, rng):
        """The one-prototype construction :meth:`_build` already made, if any."""
        one = getattr(self, "_built_one", None)
        return super()._without_search(X, y_idx, rng) if one is None else one

    def _construct(self, X, y_idx, protos, rng):
        """Order search, hyperplanes and last layer for the given prototypes.

        Returns
        -------
        construction : ConeNetwork
        protos : Prototypes
        stats : ClassStatistics
            Of the prototypes, in the input space.
        """
        sub, n_sub = protos.labels, len(protos.owner)
        stats = class_statistics(X, sub, n_sub)
        lift, H, space = self._embedding(X, sub, n_sub, stats, rng)
        if H.shape[1] > H.shape[0]:
            # more dimensions than points: every separating hyperplane restricted to the
            # data's affine hull still separates, so the cones are built there (layers
            # of width rank <= n_samples instead of n_features)
            center, basis = affine_hull_basis(H)
            Z = H @ basis - center @ basis
            means = space.means @ basis - center @ basis
            xbar = space.barycenter @ basis - center @ basis
        else:
            # the input's own coordinates: the input itself, not a product with the identity
            # (the same numbers; 1e5 x 50: 60-190 ms), nor a copy (nothing writes into the
            # peel's data: a layer's positions are a new array, or the same when it moves
            # no row, and read only)
            center, basis = np.zeros(H.shape[1]), np.eye(H.shape[1])
            Z, means, xbar = H, space.means.copy(), space.barycenter.copy()
        budget = 4 * n_sub if self.max_solves is None else self.max_solves
        # the data of one fit travels in this object, never on the estimator
        state = _Peeling(Z, sub, protos.owner, means, xbar, budget, rng,
                         overlapping=getattr(self, "_overlapping", False))
        state.capped = self.max_aperture != "auto"
        if not isinstance(self.order, str):
            layers = self._peel(state, self._explicit_order(protos))
        else:
            # the order and the hyperplanes of Theorem 5.2 first, then the cones capped
            state.capped = False
            layers = self._search(state, list(range(n_sub)), [], [])
            if layers is not None:
                state.capped = True
                layers = self._recap(state, layers)
            # the fallback's cones: capped by a float, and by "auto" at the fallback's
            # condition (the network is not exact anyway; see _AUTO_FALLBACK_CONDITION)
            state.capped, state.fallback = True, True
            if layers is None and self.verbose:
                print(f"[{type(self).__name__}] no exact order within {budget} "
                      "hyperplane problems; peeling greedily with soft-margin fallback")
            if layers is None:
                layers = self._peel(state, list(range(n_sub)))
        steps = [step.layer for step in layers]
        if all(layer.collapsed for layer in steps):
            # Theorem 5.2: every prototype sits at its base point.  Built only when the
            # exact last layer fails: at 1e5 x 50 the array costs ~0.1 s of page faults
            # that the exact map of the base points never reads
            def truncated():
                out = np.empty_like(Z)
                for layer in steps:
                    out[sub == layer.prototype] = layer.base_point
                return out

            name, output = self._output_layer(steps, truncated, y_idx, rng)
        else:
            name, output = self._output_on_hidden(steps, X, y_idx, (center, basis), lift, rng,
                                                  positions=layers[-1].positions,
                                                  preactivations=layers[-1].preactivations)
        return ConeNetwork(steps, output, name, center, basis, lift), protos, stats

    def _embedding(self, X, sub, n_sub, stats, rng):
        """The input, or a lifted copy when the prototype means are affinely dependent.

        Theorem 5.2's last layer maps the base points, which lie near the means,
        to the targets: with more prototypes than ``n_features + 1`` a ReLU lift
        (:func:`~sktrunc._geometry.lift_until`) puts the means in general
        position first.
        """
        need = n_sub - 1
        if affine_rank(stats.means) >= need:
            return None, X, stats
        coef, intercept, H = lift_until(
            X, lambda H: affine_rank(class_statistics(H, sub, n_sub).means) >= need,
            max(2 * n_sub, _MIN_LIFT_UNITS), rng, keep_linear=True)
        return (coef, intercept), H, class_statistics(H, sub, n_sub)

    def _held_out_output(self, construction, X):
        """A candidate's output on held-out rows, without assembling it.

        With well-conditioned cones (every condition number at most
        ``_POSITIONS_MAX_COND``) the network's output is the last layer on the
        truncated cone coordinates (eq. 23-24, Proposition 3.2), computed
        layer by layer with the rows each cone leaves in place skipped; the
        assembly of the real layers (eq. 21-22) is then not needed to score a
        candidate.  Otherwise the assembled network's forward pass.
        """
        layers = construction.layers
        if not all(_cone_condition(layer) <= _POSITIONS_MAX_COND
                   for layer in layers):
            return super()._held_out_output(construction, X)
        H = X
        if construction.lift is not None:
            coef, intercept = construction.lift
            H = np.maximum(X @ coef + intercept, 0.0)
        Z = (H - construction.center) @ construction.components
        for layer in layers:
            Z = _truncated(Z, layer)[0]
        W, b = construction.output
        return Z @ W + b

    # -- order search -------------------------------------------------------------

    def _explicit_order(self, protos):
        """Prototype indices in the order of ``order``: each class's prototypes together."""
        labels = np.asarray(self.order)
        if labels.shape != self.classes_.shape or not np.array_equal(np.sort(labels),
                                                                      self.classes_):
            raise ValueError(f"order must be 'greedy', 'margin' or a permutation of the class "
                             f"labels {self.classes_.tolist()}; got {labels.tolist()!r}.")
        return [int(k) for c in np.searchsorted(self.classes_, labels)
                for k in np.flatnonzero(protos.owner == c)]

    @staticmethod
    def _sides(state, j, remaining, base_points, positions=None, out=None, rows=None):
        """Points that must go to the backward side (class j) and to the forward side.

        The forward side ends with the earlier base points and then the
        barycenter (Definition 5.1's segment end).  ``out``, a list holding a
        flat float64 buffer or None (see :func:`_borrow`), receives the forward
        side: a buffer too small is replaced by a new one, kept in the list.
        ``rows``, when the caller has them: the rows of each side (``np.flatnonzero(y
        == j)`` and :func:`_pos_rows`).
        """
        X = state.X if positions is None else positions
        if rows is None:
            rows = (np.flatnonzero(state.y == j),
                    _pos_rows(state.y, j, remaining, positions is None))
        neg = X.take(rows[0], axis=0)
        extra = np.asarray(base_points).reshape(-1, X.shape[1])
        n_keep = len(rows[1])
        # the rows taken straight into the side's array (one copy of the data, not two);
        # take with mode="clip" (the indices are valid): with out=, compress and take in
        # their default mode write to a buffer first and copy it over (a side of
        # 1e5 x 20: 18 ms against 5 ms)
        shape = (n_keep + len(extra) + 1, X.shape[1])
        if out is None:
            pos = np.empty(shape)
        else:
            if out[0] is None or out[0].size < shape[0] * shape[1]:
                out[0] = np.empty(shape[0] * shape[1])
            pos = out[0][:shape[0] * shape[1]].reshape(shape)
        X.take(rows[1], axis=0, out=pos[:n_keep], mode="clip")
        pos[n_keep:-1] = extra
        pos[-1] = state.xbar
        return neg, pos

    def _hyperplanes(self, state, candidates, remaining, base_points, positions=None,
                     keep_sides=True):
        """Hard-margin hyperplane (None when not separable) and point sets per candidate.

        The point sets are returned too: the layer and the soft-margin fallback
        reuse them rather than copying the data again.  A candidate found not
        separable earlier is not solved again while the points that certified it
        (the active set of its infeasible problem) are all still on the same
        sides at the same positions: a subset without a separating hyperplane
        keeps any superset from having one; such a candidate's sides are not
        built (None), nor, with ``keep_sides=False``, any candidate's (the margin
        order search builds the chosen one's again instead of keeping a copy of
        the data per candidate while it goes deeper).
        """
        X = state.X if positions is None else positions
        extras = np.vstack([np.asarray(base_points).reshape(-1, X.shape[1]), state.xbar[None]])
        todo = [i for i, j in enumerate(candidates)
                if not _certified(state.certificates.get(j), X, state.y, j, remaining,
                                  positions is None, extras)]
        state.solves += len(todo)
        hints = [None] * len(candidates)
        first_step = (positions is None and not base_points
                      and (state.certificates or state.overlapping
                           or (len(state.owner) == 2 and self.order == "greedy")))
        if first_step:
            # the first step, where some class already overlaps the others (here, or in
            # the one-prototype construction of n_prototypes="auto"), or of two
            # prototypes: the soft-margin hyperplane the peel would fit to these very
            # sides next (kept, taken over by the peel) names the points of a
            # certificate of overlap, which the QP checks first.  With two prototypes
            # (one Newton solve, the other its mirror) the hint costs less than the
            # route it saves when they overlap (2000 x 56: 5.6 ms; the greedy search
            # fitted these soft margins at its second candidate anyway when the first
            # overlapped, the same numbers), and which points
            # certify an overlap cannot change the network: two classes never exhaust
            # the budget of the order search, and a certificate only skips a problem
            # whose answer it already gives
            # every candidate at once where some already overlaps here (the search will
            # likely try them all, and the peel needs them all) or there are two (one
            # Newton solve, the other its mirror); where only the one-prototype
            # construction overlapped, the candidates asked for: the greedy search asks
            # one at a time and stops at the first that separates (20 classes of 3
            # prototypes, 2,000 x 20: 60 soft margins, 3.0 s, where the search needed
            # none); the peel fits the others' the same way if it runs
            asked = [candidates[i] for i in todo]
            _first_soft_hints(state, remaining if state.certificates or len(state.owner) == 2
                              else asked, self.C)
            for i in todo:
                n_wrong, hyperplane, _ = state.first_soft[candidates[i]]
                hints[i] = hyperplane if n_wrong else None
        jobs = [(candidates[i], hints[i]) for i in todo]
        if (keep_sides == "widest" and not first_step and positions is None
                and not base_points and not state.supports
                and len(jobs) * X.size >= _PARALLEL_MIN_WORK):
            # the margin order search's first step on a large set: its candidates
            # start from their support vectors on a subsample (see _subsample_starts)
            state.supports.update(_subsample_starts(state, [j for j, _ in jobs], remaining,
                                                    self.solver))
        n_jobs = min(effective_n_jobs(self.n_jobs), len(todo))
        if n_jobs > 1 and len(todo) * X.size < _PARALLEL_MIN_WORK:
            # milliseconds per problem: dispatching them to threads that contend for the
            # GIL costs more than it saves (same network either way)
            n_jobs = 1
        if n_jobs > 1:
            # threads by default: the copies of the sides and the products on all the
            # rows release the GIL, and worker processes would pay their start-up and a
            # copy of the data on every step; one candidate per task, each building its
            # own sides, taken by whichever worker is free (at N = 1e5, M = 50, Q = 20 a
            # candidate costs 20-75 ms at the first step, 3-15 ms at the later ones,
            # started from its support vectors of the step before; the workers stand
            # idle ~5 % of the later steps, the last task of each); the search's
            # workers (_Workers, or its joblib.Parallel for other backends) when it
            # has them; parallel_config(backend=...) overrides
            tasks = [(state, [job], remaining, base_points, positions, self.solver,
                      True if first_step else keep_sides) for job in jobs]
            if state.workers is not None:
                batches = state.workers.map(tasks)
            else:
                parallel = state.parallel or Parallel(n_jobs=n_jobs, prefer="threads")
                batches = parallel(delayed(_separate_batch)(*task) for task in tasks)
            found = [result for batch in batches for result in batch]
        else:
            found = _separate_batch(state, jobs, remaining, base_points, positions,
                                    self.solver, True if first_step else keep_sides)
        # the sides of a candidate an earlier certificate settles are not built (None):
        # no caller reads the sides of a candidate without a hyperplane
        sols, tasks = [None] * len(candidates), [None] * len(candidates)
        for i, (sides, sol, cert, support) in zip(todo, found):
            sols[i], tasks[i] = sol, sides if keep_sides else None
            j = candidates[i]
            if support is not None:
                state.supports[j] = support
            if first_step:
                n_wrong, hyperplane, _ = state.first_soft[j]
                state.first_soft[j] = (n_wrong, hyperplane, sides)
            if sol is None:
                state.certificates[j] = cert
        return list(zip(sols, tasks))

    def _search(self, state, remaining, base_points, layers):
        """Depth-first search for an order in which every step is separable."""
        if not remaining:
            return layers
        n_jobs = effective_n_jobs(self.n_jobs)
        if (state.parallel is None and state.workers is None and self.order == "margin"
                and n_jobs > 1 and len(remaining) * state.X.size >= _PARALLEL_MIN_WORK):
            # one pool of workers for every step of the search, not one per step
            # (started and joined: 3 ms a step at N = 1e5, M = 50, Q = 20); with
            # threads, workers fed through a queue (see _Workers)
            if isinstance(get_active_backend(prefer="threads")[0], ThreadingBackend):
                state.workers = _Workers(n_jobs)
                try:
                    return self._search(state, remaining, base_points, layers)
                finally:
                    state.workers.close()
                    state.workers = None
            with Parallel(n_jobs=n_jobs, prefer="threads") as parallel:
                state.parallel = parallel
                try:
                    return self._search(state, remaining, base_points, layers)
                finally:
                    state.parallel = None
        if self.order == "margin":
            # every candidate's sides would stay in memory while the search goes deeper
            # (Q copies of the data per step, and again at each level): only the widest
            # margin's are kept (the first the search takes), any other's built again
            found = self._hyperplanes(state, remaining, remaining, base_points,
                                      keep_sides="widest")
            widest, state.widest = state.widest, None
            ranked = sorted(((1.0 / np.linalg.norm(s[0]), j, s, sides)
                             for j, (s, sides) in zip(remaining, found) if s is not None),
                            key=lambda t: -t[0])
            candidates = ((j, s, sides) for _, j, s, sides in ranked)
        else:
            widest = None
            candidates = ((j, *self._hyperplanes(state, [j], remaining, base_points)[0])
                          for j in remaining if not self._mirrored(state, j, remaining,
                                                                   base_points))
        for j, sol, sides in candidates:
            if sol is None:
                if state.solves >= state.budget:
                    return None
                continue
            buffer = None
            if sides is None and widest is not None and widest[1] == j:
                _, _, sides, buffer = widest
                widest = None
            elif sides is None:
                # built again in a buffer of the pool: the layer keeps nothing of them
                buffer = _borrow(state)
                sides = self._sides(state, j, remaining, base_points, out=buffer)
            # the layer's axial coordinates on the workers, idle until the next step
            token = _ROW_WORKERS.set(state.workers)
            try:
                step = self._layer(state, j, sol, sides, separable=True)
            finally:
                _ROW_WORKERS.reset(token)
            sides = None
            if buffer is not None:
                state.buffers.append(buffer[0])
            if self.verbose:
                print(f"[{type(self).__name__}] step {len(layers) + 1}: class "
                      f"{self.classes_[state.owner[j]].tolist()!r} separable, margin "
                      f"{step.layer.hyperplane_margin:.3g}")
            found = self._search(state, [k for k in remaining if k != j],
                                 base_points + [step.layer.base_point], layers + [step])
            if found is not None:
                return found
            if state.solves >= state.budget:
                return None
        return None

    @staticmethod
    def _mirrored(state, j, remaining, base_points):
        """Whether the other prototype's certificate settles ``j`` (two prototypes, first step).

        Two prototypes whose hulls meet certify each other: the certificate of one
        (rows of either class, no base point nor barycenter among them) is the
        other's with its sides swapped, and it is recorded as such, saving a
        hull test and a copy of the data (2000 x 56: 1 ms).  Counted as the solve
        it replaces, so that the search's budget runs out where it did.
        """
        if len(state.owner) != 2 or base_points or len(remaining) != 2:
            return False
        other = remaining[0] if remaining[1] == j else remaining[1]
        cert = state.certificates.get(other)
        if j in state.certificates or cert is None or len(cert[4]):
            return False
        rows_neg, at_neg, rows_pos, at_pos, _ = cert
        if not (np.all(state.y[rows_pos] == j) and np.all(state.y[rows_neg] == other)):
            return False
        state.certificates[j] = (rows_pos, at_pos, rows_neg, at_neg, cert[4])
        state.solves += 1
        return True

    def _recap(self, state, steps):
        """The layers of an exact order with their cones capped by ``max_aperture``.

        Each layer keeps its hyperplane; a cone the cap narrows is fitted to the
        data as the earlier layers actually leave it (every other point kept
        forward) and collapses only the part of its class it holds.  Layers
        whose cone the cap leaves alone are unchanged, so with no cap binding
        this is Theorem 5.2's network.
        """
        n = state.X.shape[1]
        cap = self._max_aperture(n)
        if all(step.layer.theta <= cap for step in steps):
            return steps
        if self.max_aperture == "auto" and all(
                np.sqrt(max(n - 1, 1)) * np.tan(step.layer.theta / 2) <= _AUTO_KEEP_CONDITION
                for step in steps):
            return steps  # Theorem 5.2's network is well enough conditioned: keep it exact
        positions, out = state.X, []  # read only, as in _peel
        for step in steps:
            j = step.layer.prototype
            # every other point forward: the sides are the class's rows and the others, whose
            # axial coordinates are those of every row (no copy of the rows), and they also
            # tell _truncated which rows the cone keeps where they are
            new, axial = self._layer(state, j, step.hyperplane, None, separable=True,
                                     positions=positions)
            layer = new.layer
            positions = new.positions = _truncated(positions, layer, axial)[0]
            out.append(new)
        return out

    def _peel(self, state, sequence):
        """Peel classes in a fixed (or greedy) sequence, falling back to soft margins.

        Works on the actually truncated data, since a soft-margin layer does not
        send its whole class to the base point.  This runs when no exact order
        was found, so non-separability is decided cheaply: a candidate's
        soft-margin hyperplane is computed first and the hard-margin problem is
        solved only when it leaves no point on the wrong side (then a hyperplane
        separates and the max-margin one is used).  The greedy step takes the
        candidate with the fewest points on the wrong side, evaluated lazily: a
        count from an earlier step stands for a candidate until it is the lowest,
        when it is recomputed (linear instead of quadratic in the number of
        prototypes; the counts of the candidates left change little from one step
        to the next, since a layer moves only the points inside its cone).
        ``strict=True`` decides every candidate exactly by the hard margin.
        """
        fixed = not isinstance(self.order, str)
        # not a copy: a layer's positions are a new array (_truncated), or these same ones
        # when it moves no row; nothing writes into them
        positions = state.X
        remaining, base_points, layers = list(sequence), [], []
        stale = {}  # candidate -> points on the wrong side at an earlier step
        while remaining:
            cands = remaining[:1] if fixed else remaining
            if self.strict:
                found = self._hyperplanes(state, cands, remaining, base_points, positions)
                pick = next(((j, s, sides) for j, (s, sides) in zip(cands, found)
                             if s is not None), None)
                if pick is None:
                    left = sorted({self.classes_[state.owner[k]].tolist() for k in remaining})
                    done = [self.classes_[step.layer.label].tolist() for step in layers]
                    raise ValueError(
                        f"Step {len(layers) + 1}: no hyperplane separates "
                        + (f"class {self.classes_[state.owner[remaining[0]]].tolist()!r}"
                           if fixed else "any class") + " from the rest "
                        "and the earlier base points (Definition 5.1 fails for this order "
                        f"and these base points); remaining classes {left}, order found "
                        f"so far {done}.")
                j, sol, sides = pick
                step = self._layer(state, j, sol, sides, separable=True)
            else:
                j, step = self._lazy_step(state, cands, remaining, base_points, positions,
                                          stale)
            layer = step.layer
            # a cone narrowed by max_aperture may hold no training point at its apex:
            # then the apex constrains no later cone (kept forward, it would push every
            # later apex further back, and the activations' offset with it)
            pre = []
            # the positions a layer made are the peel's own: the next layer writes into
            # them (the input data, never); only the last step's positions are read
            positions, holds = _truncated(positions, layer, keep=pre,
                                          inplace=positions is not state.X)
            holds = holds or layer.collapsed
            step.positions = positions
            if layers:
                layers[-1].positions = layers[-1].preactivations = None
            step.preactivations = pre[0] if pre else None
            layers.append(step)
            if holds:
                base_points = base_points + [layer.base_point]
            remaining = [k for k in remaining if k != j]
        return layers

    def _lazy_step(self, state, cands, remaining, base_points, positions, stale):
        """The candidate with the fewest points on the wrong side, and its layer."""
        fresh = {}
        order = {k: i for i, k in enumerate(cands)}
        if len(remaining) == len(state.owner) and state.hinted:
            # the search fitted the first step's soft margins of the candidates it tried:
            # the others' the same way, together, not one by one
            _first_soft_hints(state, cands, self.C)
        while True:
            # unevaluated candidates first; a fresh count wins a tie with a stale one
            j = min(cands, key=lambda k: (fresh[k][0], 0, order[k]) if k in fresh
                    else (stale.get(k, -1), 1, order[k]))
            if j in fresh:
                break
            if len(remaining) == len(state.owner) and j in state.first_soft:
                # the first step's sides, whose soft margin the search already fitted
                _legacy_draw(state)
                # (sides None: those of a candidate certified by the other's mirror, built
                # below only if it is picked; 2000 x 56: 0.17 ms when it is not)
                fresh[j] = state.first_soft.pop(j)
                continue
            sides, count = self._sides(state, j, remaining, base_points, positions), None
            if self.fit_intercept:
                # not without an intercept: see _output_layer
                sides, count = _distinct_forward(sides, len(base_points))
            w, b, n_wrong = self._soft(state, sides, len(base_points), state.soft.get(j), count)
            state.soft[j] = (w, b)
            fresh[j] = (n_wrong, (w, b), sides)
        stale.update({k: v[0] for k, v in fresh.items()})
        n_wrong, soft, sides = fresh[j]
        if sides is None:
            sides = self._sides(state, j, remaining, base_points, positions)
        if n_wrong == 0:
            step = self._layer(state, j, soft, sides, separable=True)
            if not step.layer.collapsed:
                # max_aperture keeps the cone from collapsing the class whatever the
                # hyperplane: the max-margin one would not change that, skip its QP
                return j, step
            # the soft-margin hyperplane separates: the max-margin one exists
            sol, hard_sides = self._hyperplanes(state, [j], remaining, base_points,
                                                positions)[0]
            if sol is not None:
                return j, self._layer(state, j, sol, hard_sides, separable=True)
        return j, self._layer(state, j, soft, sides, separable=False, n_wrong=n_wrong)

    def _max_aperture(self, n, fallback=False):
        """``max_aperture``, or for ``"auto"`` the aperture of eq. (37)'s condition
        number ``_AUTO_CONDITION`` in ``n`` dimensions (``_AUTO_FALLBACK_CONDITION``
        for the cones of the soft-margin fallback)."""
        if self.max_aperture != "auto":
            return float(self.max_aperture)
        condition = _AUTO_FALLBACK_CONDITION if fallback else _AUTO_CONDITION
        return max(float(theta_n(n)), 2.0 * np.arctan(condition / np.sqrt(max(n - 1, 1))))

    def _soft(self, state, sides, n_anchors, warm_start=None, count=None):
        """Soft-margin hyperplane with the earlier base points held on the positive side.

        The barycenter, which only places the base point on the segment of
        Definition 5.1, is left free: off the theorem's assumptions that constraint
        costs accuracy (on iris it sits between versicolor and virginica).
        ``count`` is the multiplicity of each row of the sides (see
        :func:`_distinct_forward`), None for once each.
        """
        neg, pos = sides
        _legacy_draw(state)
        return _soft_margin(neg, pos[:-1], n_anchors, self.C, warm_start,
                            count=None if count is None else count[:-1])

    # -- one layer ------------------------------------------------------------------

    def _layer(self, state, j, hyperplane, sides, *, separable, n_wrong=0, positions=None):
        """The cone around a hyperplane's normal: aperture and apex from the data.

        ``positions``, given instead of ``sides``, are every row's position: the
        class's rows go backward and all the others forward (no base point nor
        barycenter; the sides of :meth:`_recap`).  The step then comes with every
        row's axial coordinates from its apex, ``(a, ρ)``, for :func:`_truncated`.
        """
        w, b = hyperplane
        m, xbar = state.means[j], state.xbar
        norm = np.linalg.norm(w)
        if not (norm > 0 and np.isfinite(norm)):
            # a soft margin can degenerate to w = 0 (identical rows in both sides, a tiny
            # C): no direction separates anything, so take Definition 5.1's segment
            # direction (any unit vector when the mean is the barycenter), the plane
            # through the class mean
            w = _unit_or_first_axis(xbar - m)
            b, norm = -float(w @ m), 1.0
        h = w / norm
        # where the hyperplane meets the segment from the class mean to the barycenter
        # (Definition 5.1); the foot of the perpendicular if it misses it
        denom = w @ (xbar - m)
        t = -(w @ m + b) / denom if denom != 0 else -1.0
        p0 = m + t * (xbar - m) if 0 < t < 1 else m - (w @ m + b) / norm ** 2 * w
        if positions is None:
            neg, pos = sides
            pos = pos[:-1]  # the barycenter constrains the hyperplane, not the cone
            a_neg, r_neg = axial_coordinates(neg, p0, h)
            a_pos, r_pos = axial_coordinates(pos, p0, h)
        else:
            a, r = axial_coordinates(positions, p0, h)
            mine = state.y == j
            a_neg, r_neg, a_pos, r_pos = a[mine], r[mine], a[~mine], r[~mine]
        # points on the wrong side of a soft-margin hyperplane constrain nothing
        back, ahead = a_neg < 0, a_pos > 0
        inside = _frontier(a_neg[back], r_neg[back], backward=True)
        outside = _frontier(a_pos[ahead], r_pos[ahead], backward=False)
        envelope = not (inside.a.size and outside.a.size)
        max_aperture = (self._max_aperture(h.shape[0], state.fallback) if state.capped
                        else np.pi)
        cone = _capped_cone(inside, outside, self.angle_margin, self.base_point, np.inf,
                            max_aperture, envelope=envelope)
        collapsed = separable
        if cone is None:
            # the narrowest cone is wider than max_aperture: a cone of that aperture
            # that keeps every forward point collapses only the part of the class it
            # holds (the rest is partly truncated; the peel works on actual positions)
            cone = _forward_safe_cone(inside, outside, max_aperture, self.base_point)
            collapsed = False
        layer = ConeLayer(label=int(state.owner[j]), prototype=j,
                          base_point=p0 + cone.position * h, axis=h,
                          theta=cone.theta, cone_margin=cone.margin, collapsed=collapsed,
                          hyperplane_margin=1.0 / norm, n_wrong_side=n_wrong)
        step = _Step(layer, hyperplane=hyperplane)
        if positions is None:
            return step
        a -= cone.position  # from the apex, p0 + position h
        return step, (a, r)

    # -- network ----------------------------------------------------------------------

    def _output_layer(self, layers, truncated, y_idx, rng, to_hidden=None):
        """Exact map of the base points to the targets, else the best candidate.

        ``truncated`` is what the last layer sees: cone coordinates, or the last
        hidden layer's activations when ``to_hidden = (W^(L)ᵀ, b^(L))`` maps cone
        coordinates to them (the exact candidate is then converted); or a function
        that computes them, called only when the exact map is not kept.

        Returns
        -------
        name : str
            ``output_layer_``.
        layer : tuple (W, b)
        """
        Y = self.targets_
        P = np.array([layer.base_point for layer in layers])
        affine = self.fit_intercept
        exact, ok = exact_output_layer(P, Y[[layer.label for layer in layers]], affine)
        separable = all(layer.collapsed for layer in layers)
        if separable and ok:
            return "exact", exact
        if separable:
            rank = affine_rank(P) if affine else np.linalg.matrix_rank(P)
            warnings.warn(
                f"The {len(P)} base points are not {'affinely' if affine else 'linearly'} "
                f"independent (rank {rank}, n_features = {P.shape[1]}): no last layer maps "
                "them exactly to the targets, so the training loss is not zero.",
                AssumptionWarning, stacklevel=4)
        if to_hidden is not None:
            # z W + b with z = (h - b^(L)) (W^(L)ᵀ)^-1
            M, b_last = to_hidden
            form = getattr(M, "factors", None)
            if affine and form is not None and form.alpha > 0:
                # a cone weight is invertible: its Woodbury inverse, O(n r) per column (not
                # without an intercept: see the least squares below)
                W_h = form.inv() @ exact[0]
            else:
                W_h = np.linalg.lstsq(M, exact[0], rcond=None)[0]
            exact = (W_h, exact[1] - b_last @ W_h)
        if callable(truncated):
            truncated = truncated()
        candidates = {"exact": exact} if self.output_layer == "auto" else {}
        # a soft-margin or collapsing layer sends many rows to the same point (on the
        # 5000 x 17 table 530 distinct rows of 5000): the least-squares and linear-SVM
        # problems are those of the distinct (row, class) pairs, each weighted by how often
        # it occurs (the same objectives and Gram matrices).  Not without an intercept:
        # the least squares through the origin on rows collapsed onto a few apexes is so
        # rank-deficient that its minimum-norm solution follows rounding (5-fold CV of an
        # 800 x 30 table moved by 0.07 under one of six 1e-14 input perturbations; with
        # the intercept, never); without one, the peel's distinct rows, the QR and normal
        # equation least squares and the shortcuts below are left out (the solvers' own
        # savings apply: doc/sequential.rst measures them on that path)
        groups = (_distinct_rows(truncated, y_idx)
                  if affine and any(layer.collapsed or layer.n_wrong_side for layer in layers)
                  else None)
        distinct = (None if groups is None
                    else (truncated.take(groups[0], axis=0), y_idx[groups[0]], groups[1]))
        svc = self.output_layer in ("auto", "svc") and affine and targets_are_orthogonal(Y)
        # the rows [Z 1] of both the least squares and the linear SVM, built once
        Z, labels, count = (truncated, y_idx, None) if distinct is None else distinct
        ones = np.column_stack([Z, np.ones(len(Z))]) if affine else None
        rooted = None  # the weighted rows [Z 1] sqrt(count), for both as well
        if self.output_layer in ("auto", "lstsq"):
            design = ones if affine else Z
            T = Y[labels]
            if count is not None:
                root = np.sqrt(count)[:, None]
                design, T = design * root, T * root
                rooted = design if affine else None
            sol = (_lstsq(design, T, n_rows=len(truncated)) if affine
                   else np.linalg.lstsq(design, T, rcond=None)[0])
            candidates["lstsq"] = (sol[:-1], sol[-1]) if affine else (sol, np.zeros(Y.shape[1]))
        if svc:
            candidates["svc"] = self._svc_layer(truncated, y_idx, rng, distinct, ones, rooted)
        elif self.output_layer == "svc":
            raise ValueError("output_layer='svc' needs fit_intercept=True and orthogonal "
                             "target vectors of equal norm (e.g. one-hot).")
        return choose_output_layer(candidates, truncated, Y, y_idx)

    def _output_on_hidden(self, steps, X, y_idx, coordinates, lift, rng, positions=None,
                          preactivations=None):
        """The last layer of a soft-margin network, fitted to its real last hidden layer.

        With cones of aperture near π the real layers chained through
        pseudo-inverses (eq. 21-22) are ill-conditioned (condition numbers up to
        1e8 and more), and the step-by-step truncated positions are then not what
        the forward pass computes.  So the hidden layers are assembled first, the
        candidates are fitted and compared on the activations of the last one,
        and the chosen layer ``h ↦ h A + c`` is written in cone coordinates
        (``h = z W^(L)ᵀ + b^(L)``) for the assembler.  When every cone is well
        conditioned (at most ``_POSITIONS_MAX_COND``), the forward pass is
        ``positions W^(L)ᵀ + b^(L)`` to rounding (eq. 23, Proposition 3.2) and
        the truncated ``positions`` the peel kept stand for it.
        ``preactivations``, the last layer's ``(preactivations, moved rows)`` of
        the positions before it (:func:`_truncated`), give the activations of the
        rows it left in place (all positive there): only the moved rows' are
        computed.

        Returns
        -------
        name : str
        layer : tuple (W, b)
            In cone coordinates.
        """
        dim, d = steps[-1].axis.shape[0], self.targets_.shape[1]
        M, b_last = steps[-1].cumulative_coef, steps[-1].cumulative_intercept
        if positions is not None and all(
                _cone_condition(layer) <= _POSITIONS_MAX_COND for layer in steps):
            # through the factors alpha I + U Vᵀ of the cumulative weight while they are the
            # cheaper (rank r below half the width: 2 n d r operations instead of n d²;
            # 2000 x 56 after two layers, 0.2 against 0.9 ms); not without an intercept,
            # whose last layer follows the rounding of these values (see _output_layer)
            form = getattr(M, "factors", None)
            factored = self.fit_intercept and form is not None and 2 * form.rank < dim
            if factored and preactivations is not None:
                # the rows the last layer left in place are where they were before it:
                # their activations are its preactivations (the same product, all
                # positive); the moved rows' are computed (2000 x 56: 0.25 ms)
                hidden, moved = preactivations
                if moved.size:
                    part = positions.take(moved, axis=0) @ form
                    part += b_last
                    hidden[moved] = np.maximum(part, 0.0, out=part)
            else:
                hidden = positions @ (form if factored else M)
                hidden += b_last
                np.maximum(hidden, 0.0, out=hidden)
        else:
            dummy = ConeNetwork(steps, (np.zeros((dim, d)), np.zeros(d)), "", *coordinates,
                                lift)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", ConditioningWarning)  # warned once, on the result
                hidden = _cone_network(dummy)[0].hidden_outputs(X)[-1]
        name, (A, c) = self._output_layer(steps, hidden, y_idx, rng, to_hidden=(M, b_last))
        return name, (M @ A, b_last @ A + c)

    def _svc_layer(self, truncated, y_idx, rng, distinct=None, ones=None, rooted=None):
        """Output layer whose decision is a linear SVM's on the truncated data.

        With one-hot-like targets the prediction is the argmax of the outputs, so
        outputs ``α·decision_function + β`` reproduce one-vs-rest ``LinearSVC``.
        ``distinct = (rows, labels, counts)``, when given, are the distinct (row,
        class) pairs of the data and their multiplicities (None: each row once).
        ``ones``, when given, are those rows (or ``truncated``'s) with a column of
        ones appended, and ``rooted`` the same times the square roots of the
        counts, both read only.
        """
        # LinearSVC's problem solved to its optimum by Newton's method (3x faster than
        # liblinear on digits); the seed liblinear took is still drawn, so that the
        # k-means splits drawn after it stay those of earlier versions
        rng.randint(np.iinfo(np.int32).max)
        Z, labels, count = (truncated, y_idx, None) if distinct is None else distinct
        W, b = (ovr_squared_hinge(Z, labels, len(self.classes_), self.C, weight=count)
                if ones is None else
                _ovr_on_design(ones, labels, len(self.classes_), self.C, weight=count,
                               rooted=rooted))
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

        def action(ell, layer):
            name = self._collapsed_name(layer)
            if layer.collapsed:
                return f"collapses {name}"
            if layer.n_wrong_side == 0:
                return f"truncates {name} (aperture capped)"
            return f"collapses most of {name} (soft margin)"

        extra = {"separable": lambda layer: int(layer.n_wrong_side) == 0,
                 "wrong side": lambda layer: int(layer.n_wrong_side),
                 "margin": lambda layer: float(layer.hyperplane_margin)}
        rows = self._layer_rows(action, **extra)
        summary = (f"order {self.order_.tolist()}; clustering ratio "
                   f"{self.clustering_ratio_:.3g} (Prop. 4.1 needs < 0.25)")
        return self._describe(rows, list(extra), summary)


# random units of the lift beyond the 2 n_features linear ones
_MIN_LIFT_UNITS = 16


def _frontier(a, rho, *, backward):
    """The points that decide a cone: the Pareto frontier in ``(a, ρ)``.

    A point of the backward side needs ``s ≥ a + cρ``, one of the forward side
    ``s ≤ a - cρ``, for every cotangent ``c ≥ 0``; a backward point with both
    ``a`` and ``ρ`` at most another's constrains nothing that one does not (and
    likewise forward, with ``a`` at least another's), so the aperture, the
    interval of apexes and the cone margin are those of the frontier, usually
    a few dozen points out of thousands (the pairwise aperture search is then
    exact and cheap).
    """
    if a.size <= 1:
        return Items(a, rho)
    key = a if backward else -a
    # the point farthest from the axis dominates every point behind it: a cheap first cut
    far = int(np.argmax(rho))
    idx = np.flatnonzero(key >= key[far])
    order = idx[np.argsort(-rho[idx])]  # ρ descending
    # a point is kept unless one at least as far from the axis came before it ahead of
    # it (ties in ρ may keep a dominated point: harmless, the frontier is a subset)
    ahead = key[order]
    run = np.maximum.accumulate(ahead)
    keep = np.empty(order.size, dtype=bool)
    keep[0] = True
    keep[1:] = ahead[1:] > run[:-1]
    kept = order[keep]
    return Items(a[kept], rho[kept])


def _first_soft_hints(state, candidates, C):
    """The first step's soft margins of ``candidates`` that have none yet, together
    (:func:`_first_soft_margins`: the same rows, one first Newton step), into
    ``state.first_soft`` and ``state.soft``."""
    missing = [j for j in candidates if j not in state.first_soft]
    state.hinted = True
    if missing:
        for j, (w, b, n_wrong) in zip(missing, _first_soft_margins(state.X, state.y, missing,
                                                                    C)):
            state.soft[j] = (w, b)
            state.first_soft[j] = (n_wrong, (w, b), None)


def _legacy_draw(state):
    """Draw the seed the soft-margin solver once took (it is deterministic now), so that
    the random numbers drawn after it (k-means, the lift) stay those of earlier versions."""
    state.rng.randint(np.iinfo(np.int32).max)


def _cone_condition(layer):
    """Condition number of a cone layer's weight ``W_θ R``: ``1/λ(θ)`` (eq. 37, ``R``
    orthogonal, ``W_θ = λ I + (1 - λ) e eᵀ``), without the singular values."""
    return 1.0 / cone_lambda(layer.theta, layer.axis.shape[0])


def _lstsq(A, B, n_rows=None):
    """``np.linalg.lstsq(A, B, rcond=None)[0]``: the same minimum-norm solution, with the
    same cut of the singular values (at ``eps max(m, n)`` times the largest), for a tall
    ``A`` through Householder QR and the SVD of ``R`` (LAPACK's ``gelsd`` bidiagonalises
    the whole of ``A``: 2000 x 57, 1.6 ms against 1.0 ms).  The last layer's designs are
    often numerically rank-deficient (most rows collapsed onto a few apexes), so the
    cut matters and the normal equations would not do.  ``n_rows`` is the ``m`` of the
    cut when ``A`` stands for a taller matrix (its distinct rows, weighted: the same
    singular values).

    A well-conditioned ``A`` (LAPACK's estimate of the reciprocal condition of ``AᵀA``
    at least ``_NORMAL_RCOND``: ``cond(A) <= 1e4``, no singular value near the cut)
    is solved through the normal equations instead, whose relative error is then
    below ``cond(A)² eps ~ 1e-8`` (the capped cones' last layers on the
    non-separable tables: cond(A) 1e3-5e3; 2000 x 57: 0.25 ms against 1.0 ms)."""
    m, n = A.shape
    rcond = np.finfo(np.float64).eps * max(m if n_rows is None else n_rows, n)
    if m < 2 * n or n == 0:
        return np.linalg.lstsq(A, B, rcond=rcond)[0]
    G = A.T @ A
    anorm = float(np.abs(G).sum(axis=0).max())
    chol, info = dpotrf(G, lower=0, clean=0, overwrite_a=1)
    if info == 0 and np.isfinite(anorm) and anorm > 0:
        estimate, info = dpocon(chol, anorm)
        if info == 0 and estimate >= _NORMAL_RCOND:
            return dpotrs(chol, A.T @ B)[0]
    qr, tau, _, info = dgeqrf(A)
    if info != 0:
        return np.linalg.lstsq(A, B, rcond=rcond)[0]
    QtB = dormqr("L", "T", qr, tau, B, lwork=max(1, 64 * B.shape[1]))[0][:n]
    u, s, vt = np.linalg.svd(np.triu(qr[:n]))
    if not np.all(np.isfinite(s)):
        return np.linalg.lstsq(A, B, rcond=rcond)[0]
    keep = s > rcond * s[0]
    return vt[keep].T @ ((u[:, keep].T @ QtB) / s[keep, None])


# reciprocal condition of AᵀA above which _lstsq takes the normal equations
_NORMAL_RCOND = 1e-8

# a fixed direction whose products with the rows tell rows apart (rows with equal
# products are then compared entry by entry)
_ROW_KEY = np.random.RandomState(0).standard_normal(4096)


def _rows_with_any(mask):
    """Which rows of a boolean matrix hold a True: ``mask.any(axis=1)``, as the number of
    Trues per row (nonzero where any).

    numpy's ``any`` along short rows walks them one at a time; the bytes of the
    matrix (0 or 1 each) summed per row by ``einsum`` give the same rows 3x faster
    (3750 x 18: 20 against 60 µs), exactly while a row has fewer than 256 entries
    (the sum is kept in a byte).
    """
    if mask.ndim == 2 and mask.shape[1] < 256 and mask.flags.c_contiguous:
        return np.einsum("ij->i", mask.view(np.uint8))
    return mask.any(axis=1)


def _distinct_rows(A, labels=None):
    """The distinct rows of ``A`` (with ``labels``, the distinct (row, label) pairs): the
    index of one row of each and the number of rows equal to it (with its label), or
    None when fewer than a third of the rows repeat (nothing to gain).

    Rows are sorted by their product with a fixed random direction (and the label), so
    that equal rows are neighbours; a group is a run of neighbours equal entry by entry
    (distinct rows with equal products may split a run: less grouping, never wrong).
    """
    n, d = A.shape
    if n < 64 or d > _ROW_KEY.size:
        return None
    order = np.argsort(A @ _ROW_KEY[:d]) if labels is None else np.lexsort(
        (A @ _ROW_KEY[:d], labels))
    sorted_rows = A.take(order, axis=0)  # take: A[order]'s rows, 2.5x faster
    new = np.empty(n, dtype=bool)
    new[0] = True
    new[1:] = _rows_with_any(sorted_rows[1:] != sorted_rows[:-1])
    if labels is not None:
        new[1:] |= labels[order[1:]] != labels[order[:-1]]
    starts = np.flatnonzero(new)
    if 3 * starts.size > 2 * n:
        return None
    return order[starts], np.diff(np.append(starts, n)).astype(np.float64)


def _distinct_forward(sides, n_anchors):
    """The sides with the forward side's data rows once each, and every row's count.

    The forward side's rows of earlier classes sit, most of them, at their apexes: the
    soft-margin problem of the distinct rows, each weighted by its count, is the same
    (the 5000 x 17 table's second step: 2,800 rows instead of 5,000), and so is the
    cone, which depends on the set of points only.  The base points and the
    barycenter stay last.  Returns ``(sides, None)`` when few rows repeat.
    """
    neg, pos = sides
    data = len(pos) - 1 - n_anchors
    groups = _distinct_rows(pos[:data]) if data > 0 else None
    if groups is None:
        return sides, None
    first, count = groups
    rows = np.concatenate([pos.take(first, axis=0), pos[data:]])
    return (neg, rows), np.concatenate([np.ones(len(neg)), count, np.ones(n_anchors + 1)])


# rows whose distance inside a cone's circular forward part, relative to their own
# coordinates, is below this are left to the preactivations (_truncated): it covers the
# rounding of the axial coordinates (the radial one, sqrt(|d|² - a²), loses half its
# digits near the axis: 2e-7 |d| at n = 64)
_INSIDE_REL = 1e-6
# ... and the rounding of the preactivations themselves, relative to the positions and
# the apex, divided by the weight's smallest singular value λ
_PRE_REL = 1e-10


def _certainly_kept(layer, axial):
    """Rows whose preactivations are all positive, from their axial coordinates alone.

    The forward part ``W(x - p) ≥ 0`` of a cone layer (``W = W_θ R``, eq. 39-41)
    holds the circular cone of aperture ``θ`` around its axis: ``R`` turns the
    axis onto the diagonal ``e`` and ``W_θ`` maps that circular cone onto the one
    of aperture ``θ_n``, the largest inside the orthant (eq. 36).  A row at axial
    coordinate ``a`` from the apex and distance ``ρ`` from the axis has every
    preactivation at least ``sqrt((n-1)/n) λ (a tan(θ/2) - ρ)``.  A row is taken
    as kept when that bound clears the rounding of both sides of the comparison
    by far (:data:`_INSIDE_REL`, :data:`_PRE_REL`); the others are decided by
    their preactivations, as before.
    """
    a, r = axial
    n = layer.axis.shape[0]
    lam = cone_lambda(layer.theta, n) if n > 1 and 0.0 < layer.theta < np.pi else 0.0
    if not lam > 0.0:
        return np.zeros(a.shape, dtype=bool)
    size = np.abs(a) + r
    slack = _INSIDE_REL * size + _PRE_REL / lam * (size + np.linalg.norm(layer.base_point))
    return a * np.tan(layer.theta / 2.0) - r > slack


def _truncated(positions, layer, axial=None, keep=None, inplace=False):
    """The positions after a truncation layer, and whether it sends any of them to its apex.

    A point whose preactivations are all positive is kept where it is (the
    truncation map of eq. 18 is the identity on the interior of the cone's
    forward part, the weight being invertible): :func:`~sktrunc._truncation.truncate`
    is applied to the other rows only, the few a cone collapses or bends (on
    digits, a tenth of the rows per layer).  The preactivations come from the
    factored weight, never a dense one.  ``axial``, every row's axial
    coordinates ``(a, ρ)`` from the apex when the caller has them, spares the
    preactivations of the rows they already place inside the forward part
    (:func:`_certainly_kept`; the capped cones of digits keep 1795-1796 of 1797
    rows so, and move none).  When no row moves, ``positions`` itself is
    returned (nothing writes into them).  ``keep``, a list, receives
    ``(preactivations, moved rows)`` when the preactivations of every row were
    computed (no ``axial``): the rows not moved are the same positions after the
    layer, so their activations are these (see :meth:`_output_on_hidden`).
    ``inplace``: the moved rows are written into ``positions`` (returned), not
    into a copy.
    """
    form, intercept = layer.cumulative_factors, layer.cumulative_intercept
    if axial is None:
        rows, pre = None, positions @ form
    else:
        rows = np.flatnonzero(~_certainly_kept(layer, axial))
        pre = positions.take(rows, axis=0) @ form
    pre += intercept
    nonpositive = pre <= 0
    moved = np.flatnonzero(_rows_with_any(nonpositive))  # among the rows of pre
    if keep is not None and rows is None:
        keep.append((pre, moved))
    if moved.size == 0:
        return positions, False
    at = moved if rows is None else rows[moved]  # the same rows, in positions
    out = positions if inplace else positions.copy()
    if moved.size > 1 and form.alpha > 0:
        # truncate()'s own formula (the Woodbury inverse of the invertible cone weight)
        # on the preactivations already computed: one product with the weight saved.  A
        # row with no positive preactivation goes to (0 - b) W^-1, the apex: computed
        # once, as one more row of the product of the others (a product of at least two
        # rows, whose rows come out as in the product of all the moved rows; on a
        # soft-margin step most of them are such rows)
        dead = nonpositive.take(moved, axis=0).all(axis=1)
        bent = moved[~dead]
        rows_out = np.empty((bent.size + max(1, 2 - bent.size), positions.shape[1]))
        np.maximum(pre.take(bent, axis=0), 0.0, out=rows_out[:bent.size])
        rows_out[:bent.size] -= intercept
        rows_out[bent.size:] = -intercept
        rows_out = rows_out @ form.inv()
        out[at[~dead]] = rows_out[:bent.size]
        out[at[dead]] = rows_out[-1]
        return out, bool(dead.any())
    if form.alpha > 0:
        out[at] = (np.maximum(pre.take(moved, axis=0), 0.0) - intercept) @ form.inv()
    else:
        out[at] = truncate(positions.take(at, axis=0), form, intercept)
    return out, bool(nonpositive.take(moved, axis=0).all(axis=1).any())


def _forward_safe_cone(inside, outside, theta, base_point):
    """The cone of aperture ``theta`` that keeps every forward item, apex behind them.

    The apex is at ``s = min(a - cρ)`` over the forward items, moved back toward
    the class by ``base_point`` times the axial gap between the two sides: the
    backward items with ``a + cρ ≤ s`` are collapsed, the others partly truncated.
    """
    c = 1.0 / np.tan(theta / 2.0)
    hi = float(np.min(outside.a - c * outside.rho, initial=np.inf))
    gap = float(np.min(outside.a, initial=0.0) - np.max(inside.a, initial=0.0))
    if not np.isfinite(hi):
        hi = float(np.max(inside.a + c * inside.rho, initial=0.0))
    s = hi - base_point * max(gap, 0.0)
    return Cone(theta=float(theta), position=s, interval=(-np.inf, hi),
                margin=cone_margin(s, theta, Items(np.empty(0), np.empty(0)).as_tuple(),
                                   outside.as_tuple()))


def _unit_or_first_axis(v):
    """``v / |v|``, or the first coordinate axis when ``v`` is (numerically) zero."""
    norm = np.linalg.norm(v)
    if norm > 0 and np.isfinite(norm):
        return v / norm
    e = np.zeros_like(v)
    e[0] = 1.0
    return e


@dataclass
class _Peeling:
    """The data of one fit and the search's bookkeeping (kept off the estimator).

    ``y`` holds prototype indices, ``owner`` the class of each prototype.
    """

    X: np.ndarray
    y: np.ndarray
    owner: np.ndarray
    means: np.ndarray
    xbar: np.ndarray
    budget: int
    rng: np.random.RandomState
    solves: int = 0
    certificates: dict = field(default_factory=dict)
    soft: dict = field(default_factory=dict)  # candidate -> its last soft-margin (w, b)
    # candidate -> (points on the wrong side, (w, b), sides or None) of its soft margin at
    # the first step, fitted by the search (_first_soft_hints), taken over by the peel
    first_soft: dict = field(default_factory=dict)
    hinted: bool = False  # whether the search fitted some (see _first_soft_hints)
    capped: bool = True  # whether max_aperture applies to the cones built now
    fallback: bool = False  # whether they are the soft-margin fallback's (no exact order)
    overlapping: bool = False  # whether the data is known to overlap (see _hyperplanes)
    # candidate -> rows (negative, positive) of its last hyperplane's support vectors
    supports: dict = field(default_factory=dict)
    # buffers for sides dropped right after use (see _borrow)
    buffers: list = field(default_factory=list)
    parallel: object = None  # the margin order search's joblib.Parallel, while it runs
    workers: object = None  # or its _Workers (threads)
    # (key, candidate, sides, buffer) of the step's widest margin so far (_offer_widest)
    widest: tuple = None
    # candidate -> its rows; (remaining, its rows, their labels) of the step (_side_rows)
    class_rows: dict = field(default_factory=dict)
    step_rows: tuple = None
    lock: object = field(default_factory=threading.Lock)

    def __getstate__(self):
        # a task sent to a worker process (a process-based joblib backend) takes the
        # data, not the buffers of this process nor its pool of workers
        return {**self.__dict__, "buffers": [], "parallel": None, "workers": None,
                "widest": None, "lock": None}


def _offer_widest(state, key, j, sides, buffer):
    """Keep candidate ``j``'s sides (in ``buffer``) as the step's widest margin so far
    when ``key`` (minus the margin, then the rank among the candidates: the order of
    the search) is the smallest yet; returns the buffer to give back to the pool
    (``buffer``, the one it displaced, or None).  Not in a worker process (no lock):
    the search then builds the sides again, as for any other candidate (3 ms a step
    at N = 1e5, M = 50, Q = 20, in the search's thread)."""
    if state.lock is None:
        return buffer
    with state.lock:
        best = state.widest
        if best is not None and best[0] <= key:
            return buffer
        state.widest = (key, j, sides, buffer)
    return None if best is None else best[3]


def _serve(tasks, results):
    """Module-level joblib task: run ``function(*args)`` for every ``(key, function,
    args)`` of the queue ``tasks`` and put ``(key, output, error)`` on ``results``,
    until None."""
    while True:
        item = tasks.get()
        if item is None:
            results.put(None)  # this worker's task returns
            return
        key, function, args = item
        try:
            results.put((key, function(*args), None))
        except BaseException as error:  # raised again in the search's thread
            results.put((key, None, error))


class _Workers:
    """``n_jobs`` joblib tasks on threads that solve candidates for the whole margin
    order search, handed over through a queue.

    A joblib call per step waits for its last result by polling every 10 ms, which
    at N = 1e5, M = 50, Q = 20 left the workers idle 5 ms per step (8 % of the
    steps after the first); the search's thread here sleeps on the results queue.
    """

    def __init__(self, n_jobs):
        self.n_jobs = n_jobs
        self.tasks, self.results = queue.SimpleQueue(), queue.SimpleQueue()
        # a generator: the tasks start now, the call returns
        self.outputs = Parallel(n_jobs=n_jobs, prefer="threads", return_as="generator",
                                pre_dispatch="all")(
            delayed(_serve)(self.tasks, self.results) for _ in range(n_jobs))

    def map(self, tasks, function=None):
        """``function`` (:func:`_separate_batch` by default) of every argument tuple of
        ``tasks``, in order."""
        function = function or _separate_batch
        for key, args in enumerate(tasks):
            self.tasks.put((key, function, args))
        out, error = [None] * len(tasks), None
        for _ in tasks:  # every result, even after an error: none left for the next step
            key, output, err = self.results.get()
            out[key] = output
            error = error or err
        if error is not None:
            raise error
        return out

    def close(self):
        for _ in range(self.n_jobs):
            self.tasks.put(None)
        # every task returned, and 1 ms for joblib's thread to record it, before the
        # joblib call is joined: it then finds them done, without its 10 ms wait for
        # tasks still running
        for _ in range(self.n_jobs):
            self.results.get()
        time.sleep(1e-3)
        for _ in self.outputs:
            pass


def _borrow(state):
    """A one-item list holding a free buffer of the fit's pool (or None) for
    :meth:`SequentialSeparableClassifier._sides`; the caller appends ``[0]`` back
    to ``state.buffers`` once the sides built in it are dropped.

    At N = 1e5 every candidate of the margin order search copies the data into its
    sides: a new array each time costs the kernel's page faults and zeroing (blobs
    1e5 x 50, Q = 20, serial fit: 1.15 -> 0.78 s of system time, 6.1 -> 5.2 s in
    all, the same network).  The pool holds one buffer per concurrent task (list
    ``pop``/``append`` are atomic), reused while the fit lasts.
    """
    try:
        return [state.buffers.pop()]
    except IndexError:
        return [None]


def _members(y, remaining, j):
    """Whether each label is in ``remaining`` but not ``j`` (a lookup table: ``np.isin``
    sorts on every call)."""
    table = np.zeros(int(max(y.max(initial=0), max(remaining, default=0))) + 1, dtype=bool)
    table[[k for k in remaining if k != j]] = True
    return table[y]


def _side_rows(state, j, remaining, search):
    """``np.flatnonzero(y == j)`` and :func:`_pos_rows`, the same arrays, from what the
    fit keeps: each class's rows (they never change) and, in the order search, the rows
    of the classes of this step (``remaining``), whose labels then tell the forward
    side (blobs 1e5 x 50, Q = 20: 30 µs against 88 µs a candidate, with the GIL held)."""
    y = state.y
    rows_neg = state.class_rows.get(j)
    if rows_neg is None:
        # a race of two threads computes the same array twice: both are right
        rows_neg = state.class_rows[j] = np.flatnonzero(y == j)
    if not search:
        return rows_neg, np.flatnonzero(y != j)
    key = tuple(remaining)
    step = state.step_rows
    if step is None or step[0] != key:
        rows = np.flatnonzero(_members(y, remaining, None))
        step = state.step_rows = (key, rows, y[rows])
    return rows_neg, step[1][step[2] != j]


def _pos_rows(y, j, remaining, search):
    """Rows of the forward side (before the base points), as in ``_sides``."""
    if search:
        return np.flatnonzero(_members(y, remaining, j))
    return np.flatnonzero(y != j)


def _certificate(X, y, j, remaining, search, sides, active_neg, active_pos,
                 rows_neg=None, rows_pos=None):
    """The points of an infeasible hard-margin problem: rows (and their positions)
    per side, and the base points or barycenter among them.  ``rows_neg`` and
    ``rows_pos``: the rows of the sides, when the caller has them."""
    if rows_pos is None:
        rows_pos = _pos_rows(y, j, remaining, search)
    if rows_neg is None:
        rows_neg = np.flatnonzero(y == j)
    rows_neg = rows_neg[active_neg]
    is_row = active_pos < len(rows_pos)
    rows = rows_pos[active_pos[is_row]]
    return (rows_neg, X[rows_neg].copy(), rows, X[rows].copy(),
            sides[1][active_pos[~is_row]].copy())


def _start(support, rows_neg, rows_pos, n_pos):
    """Indices in a candidate's sides of the support vectors of its last solve (rows
    still on the forward side) and of every base point and the barycenter (the
    last ``n_pos - len(rows_pos)`` of the forward side), or None before any solve.

    The margin order search solves every candidate at every step, on the sides of
    the step before less one class and plus one base point: the hyperplane moves
    little, and its support vectors start the next problem (one or two rounds of
    adding violators instead of four to six, each a nonnegative least-squares
    problem that holds the GIL)."""
    if support is None:
        return None
    sup_neg, sup_pos = support
    at_pos = np.searchsorted(rows_pos, sup_pos)
    kept = at_pos < len(rows_pos)
    kept[kept] = rows_pos[at_pos[kept]] == sup_pos[kept]
    at_pos = at_pos[kept]
    return (np.searchsorted(rows_neg, sup_neg),
            np.concatenate([at_pos, np.arange(len(rows_pos), n_pos)]))


def _certified(cert, X, y, j, remaining, search, extras):
    """Whether an earlier certificate of non-separability holds for these sides."""
    if cert is None:
        return False
    rows_neg, at_neg, rows_pos, at_pos, cert_extras = cert
    forward = (_members(y[rows_pos], remaining, j) if search
               else y[rows_pos] != j)
    return bool(forward.all() and np.array_equal(X[rows_neg], at_neg)
                and np.array_equal(X[rows_pos], at_pos)
                and all((extras == e).all(axis=1).any() for e in cert_extras))


@dataclass
class _Step:
    """A layer and, when peeling, the training data after it."""

    layer: ConeLayer
    positions: np.ndarray = None
    hyperplane: tuple = None
    # (preactivations of the positions before the layer, the rows it moved): set on the
    # peel's last step only, for the hidden layer of _output_on_hidden
    preactivations: tuple = None
