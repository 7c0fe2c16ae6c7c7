"""Geometry of the classes and of the cones that truncation layers act on.

Pure numpy.  Equation numbers refer to Chen & Muñoz Ewald, "Interpretable
global minima of deep ReLU networks on sequentially separable data" (JMLR 2025,
arXiv 2405.07098), unless stated otherwise.  Points are rows.
"""

from contextvars import ContextVar
from dataclasses import dataclass

import numpy as np

__all__ = [
    "ClassStatistics",
    "class_statistics",
    "theta_n",
    "cone_lambda",
    "householder_to_diagonal",
    "cone_angles",
    "in_cone",
    "enclosing_cone_angle_of_balls",
    "data_scale",
    "affine_rank",
    "rank_tolerance",
    "axial_coordinates",
    "cone_interval",
    "cone_margin",
    "envelope_candidates",
    "widest_cone_cotangent",
    "affine_hull_basis",
    "random_relu_lift",
    "lift_until",
]


@dataclass
class ClassStatistics:
    """Means, barycenter and spreads of labelled data (eq. 8, 9, 54, 56, 57).

    Attributes
    ----------
    means : ndarray of shape (n_classes, n_features)
        Class averages ``x̄_{0,j}`` (eq. 8).
    counts : ndarray of shape (n_classes,)
        Number of points ``N_j`` per class.
    barycenter : ndarray of shape (n_features,)
        ``x̄ = (1/Q) Σ_j x̄_{0,j}`` (eq. 56): the average of the class means, not
        of the points.
    radii : ndarray of shape (n_classes,)
        ``max_i |Δx_{0,j,i}|`` per class (eq. 9).
    delta : float
        ``δ = sup_{i,j} |Δx_{0,j,i}|`` (eq. 54).
    directions : ndarray of shape (n_classes, n_features)
        Unit vectors ``f_j`` from each mean toward the barycenter (eq. 57);
        a zero row where a mean coincides with the barycenter.
    center_distances : ndarray of shape (n_classes,)
        ``|x̄_{0,j} - x̄|``.
    """

    means: np.ndarray
    counts: np.ndarray
    barycenter: np.ndarray
    radii: np.ndarray
    delta: float
    directions: np.ndarray
    center_distances: np.ndarray

    @property
    def clustering_ratio(self):
        """``δ / min_j |x̄_{0,j} - x̄|``; condition (55) asks for less than 1/4."""
        d = self.center_distances.min()
        return float(self.delta / d) if d > 0 else np.inf

    @property
    def theta_star(self):
        """``max_j θ_{*,j}`` of conditions (58)-(59) (radians); (59) asks for less than π.

        ``θ_{*,j}`` is the aperture of the narrowest cone with apex ``x̄_{0,j}`` and
        axis ``f_j`` that holds the ``4δ``-balls around the other means; ``inf``
        when such a ball contains the apex or a mean is the barycenter.
        """
        n_classes = self.means.shape[0]
        return max(
            (enclosing_cone_angle_of_balls(self.means[j], self.directions[j],
                                           np.delete(self.means, j, axis=0), 4.0 * self.delta)
             if self.center_distances[j] > 0 else np.inf for j in range(n_classes)),
            default=np.inf)


def class_statistics(X, y_idx, n_classes):
    """Class statistics of ``X`` with integer labels ``y_idx`` in ``[0, n_classes)``.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features)
    y_idx : ndarray of shape (n_samples,) of int
    n_classes : int

    Returns
    -------
    stats : ClassStatistics

    Examples
    --------
    >>> import numpy as np
    >>> X = np.array([[0.0, 0.0], [0.0, 2.0], [4.0, 0.0], [4.0, 2.0]])
    >>> s = class_statistics(X, np.array([0, 0, 1, 1]), 2)
    >>> s.means, s.barycenter, s.delta
    (array([[0., 1.],
           [4., 1.]]), array([2., 1.]), 1.0)
    >>> s.clustering_ratio
    0.5
    """
    X = np.asarray(X, dtype=np.float64)
    counts = np.bincount(y_idx, minlength=n_classes)
    means = np.zeros((n_classes, X.shape[1]))
    radii = np.zeros(n_classes)
    for j in range(n_classes):
        Xj = X[y_idx == j]
        if Xj.shape[0] == 0:
            continue
        means[j] = Xj.mean(axis=0)
        Xj -= means[j]
        radii[j] = np.sqrt(np.einsum("ij,ij->i", Xj, Xj).max())
    barycenter = means.mean(axis=0)
    diff = barycenter - means
    dist = np.linalg.norm(diff, axis=1)
    directions = np.divide(diff, dist[:, None], out=np.zeros_like(diff),
                           where=dist[:, None] > 0)
    return ClassStatistics(
        means=means, counts=counts, barycenter=barycenter, radii=radii,
        delta=float(radii.max()) if n_classes else 0.0, directions=directions,
        center_distances=dist,
    )


def theta_n(n):
    """Aperture of the largest cone around the diagonal inside ``R^n_+`` (eq. 36).

    ``θ_n = 2 arccos(sqrt((n - 1)/n))``; ``θ_1 = π``.

    Examples
    --------
    >>> import numpy as np
    >>> bool(np.isclose(theta_n(2), np.pi / 2))
    True
    """
    return 2.0 * np.arccos(np.sqrt((n - 1.0) / n))


def cone_lambda(theta, n):
    """Shrink factor ``λ(θ, θ_n)`` of eq. (37): ``tan(θ_n/2)/tan(θ/2)`` when ``θ > θ_n``."""
    tn = theta_n(n)
    if theta <= tn:
        return 1.0
    return float(np.tan(tn / 2.0) / np.tan(theta / 2.0))


def householder_to_diagonal(h):
    """Orthogonal ``R`` (a Householder reflection) with ``R h = u/|u|`` (eq. 41).

    Parameters
    ----------
    h : ndarray of shape (n,)
        A unit vector.

    Returns
    -------
    R : ndarray of shape (n, n)
        Symmetric and orthogonal.

    Examples
    --------
    >>> import numpy as np
    >>> R = householder_to_diagonal(np.array([1.0, 0.0]))
    >>> bool(np.allclose(R @ [1.0, 0.0], [2 ** -0.5, 2 ** -0.5]))
    True
    """
    h = np.asarray(h, dtype=np.float64)
    n = h.shape[0]
    e = np.full(n, 1.0 / np.sqrt(n))
    v = h - e
    vv = v @ v
    # h already on the diagonal: the identity; also avoids dividing by ~0
    if vv < 1e-30:
        return np.eye(n)
    return np.eye(n) - (2.0 / vv) * np.outer(v, v)


def cone_angles(points, apex, axis):
    """Angle between ``points - apex`` and ``axis`` (radians, in ``[0, π]``).

    A point equal to the apex gets angle 0 (it lies in every cone).
    """
    d = np.atleast_2d(points) - apex
    norms = np.linalg.norm(d, axis=1)
    cos = np.divide(d @ axis, norms, out=np.ones_like(norms), where=norms > 0)
    return np.arccos(np.clip(cos, -1.0, 1.0))


def in_cone(points, apex, axis, theta):
    """Whether each point lies in the closed cone ``apex + C_θ[axis]`` (eq. 35)."""
    return cone_angles(points, apex, axis) <= theta / 2.0 + 1e-12


def enclosing_cone_angle_of_balls(apex, axis, centers, radius):
    """Smallest aperture ``θ`` with ``∪ B_radius(c) ⊂ apex + C_θ[axis]``.

    This is ``θ_{*,j}`` of eq. (58) with ``radius = 4δ``.  Returns ``inf`` when
    a ball contains the apex (no cone of aperture below ``2π`` contains it).
    """
    centers = np.atleast_2d(centers)
    d = np.linalg.norm(centers - apex, axis=1)
    if np.any(d <= radius):
        return np.inf
    half = cone_angles(centers, apex, axis) + np.arcsin(radius / d)
    return float(2.0 * half.max())


def data_scale(X):
    """A positive scalar that brings ``X`` to order one: ``max |x_ij|`` (1 for zeros).

    The cone classifiers construct on ``X / s`` and express the result in the
    units of ``X`` (:func:`~sktrunc._cones.in_input_units`), so every tolerance
    of the construction is relative to the data's scale: a model fitted on
    ``λ X`` predicts on ``λ X`` what it predicts on ``X``, and ``X·1e300``
    neither overflows nor underflows in a squared distance.

    Examples
    --------
    >>> import numpy as np
    >>> data_scale(np.array([[1e-200, -3e-200]]))
    3e-200
    >>> data_scale(np.zeros((2, 2)))
    1.0
    """
    s = float(np.max(np.abs(X), initial=0.0))
    return s if s > 0 and np.isfinite(s) else 1.0


def affine_rank(points, tol=None):
    """Affine rank of the rows: ``len(points) - 1`` iff they are affinely independent.

    The default tolerance is relative to the size of the points themselves, not
    of their differences: points far from the origin carry rounding errors of
    order ``eps * |point|`` into every difference.
    """
    points = np.atleast_2d(np.asarray(points, dtype=np.float64))
    if points.shape[0] < 2:
        return 0
    diffs = points[1:] - points[0]
    s = np.linalg.svd(diffs, compute_uv=False)
    if tol is None:
        tol = rank_tolerance(points, s)
    return int(np.sum(s > tol))


def rank_tolerance(points, singular_values):
    """Threshold under which a singular value of centred ``points`` is rounding noise."""
    scale = max(np.abs(points).max(initial=0.0), singular_values.max(initial=0.0))
    return 1e3 * np.finfo(float).eps * max(points.shape) * scale


# Fitting a cone to data.  Along an axis line ``m + s f`` every item (a point, or
# a ball of radius R) has an axial coordinate a and a distance ρ to the line.

# cot(θ/2) beyond this is θ ≈ 0: nothing left to gain from a narrower cone
COT_MAX = 1e12


def envelope_candidates(a, rho, group, n_bins=512):
    """Few points that bound the cone conditions of many, conservatively.

    Points of ``group`` 0 must end in the forward cone (``s ≤ a - cρ``), of group
    1 in the backward cone (``s ≥ a + cρ``); group 2 is ignored.  Within a bin
    of ``ρ`` the pair (smallest ``a`` of group 0, the bin's largest ``ρ``)
    satisfies ``a' - cρ' ≤ a - cρ`` for every point of the bin and every
    ``c ≥ 0`` (and symmetrically for group 1), so a cone that works for the
    returned points works for all of them.  One pass over the data, whatever
    the number of points.
    """
    rho_max = rho.max(initial=0.0)
    width = rho_max / n_bins if rho_max > 0 else 1.0
    bins = np.minimum((rho / width).astype(np.intp), n_bins - 1)
    key = bins + n_bins * group
    env = np.full(3 * n_bins, np.inf)
    # the backward side keeps its largest a: store -a so one minimum serves both
    np.minimum.at(env, key, np.where(group == 1, -a, a))
    edges = width * np.arange(1, n_bins + 1)
    out_env, in_env = env[:n_bins], env[n_bins:2 * n_bins]
    keep_out, keep_in = np.isfinite(out_env), np.isfinite(in_env)
    return (-in_env[keep_in], edges[keep_in], out_env[keep_out], edges[keep_out])


def cone_interval(c, a_in, r_in, a_out, r_out, s_max, R_in=0.0, R_out=0.0):
    """Base-point positions ``s`` for which the cone of cotangent ``c`` works.

    Items are points (radius 0) or balls of radius ``R`` with center at axial
    coordinate ``a`` and distance ``ρ`` from the axis.  With apex
    ``p = m + s f`` and half-aperture ``φ = atan(1/c)``, a ball lies in the
    backward cone iff its distance to the cone's boundary,
    ``(s - a) sin φ - ρ cos φ``, is at least ``R``, i.e.
    ``s ≥ a + cρ + R sqrt(1 + c²)``, and in the forward cone iff
    ``s ≤ a - cρ - R sqrt(1 + c²)``.
    """
    k = np.sqrt(1.0 + c * c)
    lo = np.max(a_in + c * r_in + k * R_in) if a_in.size else -np.inf
    hi = min(np.min(a_out - c * r_out - k * R_out) if a_out.size else np.inf, s_max)
    return lo, hi


def widest_cone_cotangent(a_in, r_in, a_out, r_out, s_max, R_in=None, R_out=None):
    """Largest ``c = cot(θ/2)`` for which a base point exists (smallest aperture θ).

    A base point exists iff every pair (inside item ``i``, outside item ``k``)
    leaves room between them: ``A - cP - S sqrt(1 + c²) > 0`` with
    ``A = a_k - a_i``, ``P = ρ_i + ρ_k``, ``S = R_i + R_k`` (see
    :func:`cone_interval`), and every inside item stays below ``s_max``.
    Each condition is decreasing in ``c`` with the closed-form root
    ``c = (A² - S²) / (A P + S sqrt(A² + P² - S²))`` when ``A > S`` (none
    otherwise), so the answer is the smallest root, with no iteration.
    Returns 0 when no base point exists even for ``θ = π`` (a hyperplane).
    """
    R_in = np.zeros_like(a_in) if R_in is None else R_in
    R_out = np.zeros_like(a_out) if R_out is None else R_out
    # the segment's end acts as one more outside item: a point at s_max on the axis
    if np.isfinite(s_max):
        a_out, r_out, R_out = (np.append(a_out, s_max), np.append(r_out, 0.0),
                               np.append(R_out, 0.0))
    A = a_out[None, :] - a_in[:, None]
    P = r_out[None, :] + r_in[:, None]
    S = R_out[None, :] + R_in[:, None]
    if np.any(A <= S):
        return 0.0
    denom = A * P + S * np.sqrt(A * A + P * P - S * S)
    roots = np.divide(A * A - S * S, denom, out=np.full(A.shape, np.inf), where=denom > 0)
    return float(min(roots.min(initial=np.inf), COT_MAX))


# workers (``_sequential._Workers``) that axial_coordinates may split its rows over: set by
# the margin order search, in its own thread, while it builds a layer and its workers
# wait for the next step (blobs 1e5 x 50, Q = 20: 20 layers, 0.03 s of the parallel fit)
_ROW_WORKERS = ContextVar("_ROW_WORKERS", default=None)
_AXIAL_BLOCK = 4096


def axial_coordinates(points, m, f):
    """Axial coordinate along ``m + s f`` and distance to that axis, of each row."""
    points = np.asarray(points, dtype=np.float64).reshape(-1, m.shape[0])
    workers = _ROW_WORKERS.get()
    if workers is not None and len(points) >= 4 * _AXIAL_BLOCK:
        # two halves split at a whole number of blocks: the same blocks, the same numbers
        half = _AXIAL_BLOCK * (len(points) // (2 * _AXIAL_BLOCK))
        (a0, r0), (a1, r1) = workers.map([(points[:half], m, f), (points[half:], m, f)],
                                         axial_coordinates)
        return np.concatenate([a0, a1]), np.concatenate([r0, r1])
    a, r = np.empty(len(points)), np.empty(len(points))
    # blocks of rows: no temporary the size of the data (95000 x 50: 5.6 ms against
    # 8-14 ms, and the serial part of a parallel order search), the same numbers
    for i in range(0, len(points), _AXIAL_BLOCK):
        d = points[i:i + _AXIAL_BLOCK] - m
        a[i:i + _AXIAL_BLOCK] = d @ f
        r[i:i + _AXIAL_BLOCK] = np.einsum("ij,ij->i", d, d)
    r -= a * a
    return a, np.sqrt(np.maximum(r, 0.0), out=r)


def cone_margin(s, theta, inside, outside):
    """Smallest distance from an item to the boundary of its cone (apex ``m + s f``).

    ``inside``/``outside`` are ``(a, ρ, R)`` of the items meant for the backward /
    forward cone; a ball's margin is that of its center minus its radius.
    """
    sin, cos = np.sin(theta / 2.0), np.cos(theta / 2.0)
    a, r, R = inside
    m_in = np.min((s - a) * sin - r * cos - R, initial=np.inf)
    a, r, R = outside
    m_out = np.min((a - s) * sin - r * cos - R, initial=np.inf)
    return float(min(m_in, m_out))


def random_relu_lift(X, n_random, rng, *, keep_linear=False):
    """A ReLU layer of random units whose hyperplanes pass through training points.

    Unit ``k`` computes ``σ(g_k·(x - x_{i_k}))`` with ``g_k`` Gaussian, scaled by
    the features' spreads relative to their typical spread, and ``x_{i_k}`` a
    random training point, so every unit cuts through the data and the lift of
    ``λ X`` is ``λ`` times the lift of ``X``.  With ``keep_linear`` the layer starts with
    ``[σ(x - x̄), σ(x̄ - x)]``, which keeps every linear feature (``x - x̄`` is
    their difference).

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features)
    n_random : int
        Random units.
    rng : numpy.random.RandomState
    keep_linear : bool, default=False

    Returns
    -------
    coef : ndarray of shape (n_features, width)
    intercept : ndarray of shape (width,)
    """
    n, m = X.shape
    scale = X.std(axis=0)
    # the units' outputs carry the data's unit, like the linear ones: the lift of λX is
    # λ times the lift of X, so the construction after it does not depend on the units
    typical = float(np.sqrt(np.mean(scale ** 2)))
    scale[scale == 0] = typical if typical > 0 else 1.0
    G = rng.normal(size=(m, n_random)) * ((typical if typical > 0 else 1.0)
                                          / (scale[:, None] * np.sqrt(m)))
    anchors = X[rng.randint(n, size=n_random)]
    intercept = -np.einsum("ij,ji->i", anchors, G)
    if not keep_linear:
        return G, intercept
    center = X.mean(axis=0)
    return (np.hstack([np.eye(m), -np.eye(m), G]),
            np.concatenate([-center, center, intercept]))


# a lift that fails its test this many times, doubling its random units each time,
# is returned anyway: the caller measures and reports what it got
_LIFT_TRIES = 3


def lift_until(X, accept, n_random, rng, *, keep_linear=False):
    """:func:`random_relu_lift`, doubling the random units until ``accept(H)`` holds.

    Returns
    -------
    coef, intercept : ndarray
        The lifting layer.
    H : ndarray of shape (n_samples, width)
        ``σ(X @ coef + intercept)``.
    """
    for _ in range(_LIFT_TRIES):
        coef, intercept = random_relu_lift(X, n_random, rng, keep_linear=keep_linear)
        H = np.maximum(X @ coef + intercept, 0.0)
        if accept(H):
            break
        n_random *= 2
    return coef, intercept, H


def affine_hull_basis(points):
    """Center and orthonormal basis of the affine hull of the rows of ``points``.

    Returns
    -------
    center : ndarray of shape (n_features,)
        The mean of the rows.
    basis : ndarray of shape (n_features, r)
        ``r`` = the affine rank (at least 1): ``(x - center) @ basis`` are
        coordinates in which every row keeps its distances to the others.
    """
    points = np.asarray(points, dtype=np.float64)
    center = points.mean(axis=0)
    _, s, Vt = np.linalg.svd(points - center, full_matrices=False)
    r = max(int(np.sum(s > rank_tolerance(points, s))), 1)
    return center, Vt[:r].T
