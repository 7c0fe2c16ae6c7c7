"""Geometry of the classes and of the cones that truncation layers act on.

Pure numpy.  Equation numbers refer to Chen & Muñoz Ewald, "Interpretable
global minima of deep ReLU networks on sequentially separable data" (JMLR 2025,
arXiv 2405.07098), unless stated otherwise.  Points are rows.
"""

from dataclasses import dataclass

import numpy as np

__all__ = [
    "ClassStatistics",
    "class_statistics",
    "theta_n",
    "cone_lambda",
    "householder_to_diagonal",
    "cone_weight",
    "cone_angles",
    "in_cone",
    "enclosing_cone_angle_of_balls",
    "affine_rank",
    "rank_tolerance",
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


def cone_weight(h, theta):
    """Weight ``W = W_θ R`` of Lemma 3.4 (eq. 39-41) for a full-width layer.

    ``W_θ = λ I + (1 - λ) e eᵀ`` with ``e = u/|u|`` is eq. (40) written without
    the auxiliary rotation ``R̃`` (``R̃ diag(1, λ, …, λ) R̃ᵀ`` fixes ``e`` and
    scales its complement by ``λ``).  With ``b = -W p`` the layer's truncation
    map is the identity on ``p + C_θ[h]`` and sends ``p + C_θ[-h]`` to ``p``.

    Parameters
    ----------
    h : ndarray of shape (n,)
        Unit axis of the forward cone.
    theta : float
        Aperture in ``(0, π)``.

    Returns
    -------
    W : ndarray of shape (n, n)
        In the papers' orientation (``W x``); its condition number is
        ``1/λ = sqrt(n - 1) tan(θ/2)`` when ``θ > θ_n``.
    """
    h = np.asarray(h, dtype=np.float64)
    n = h.shape[0]
    lam = cone_lambda(theta, n)
    e = np.full(n, 1.0 / np.sqrt(n))
    W_theta = lam * np.eye(n) + (1.0 - lam) * np.outer(e, e)
    return W_theta @ householder_to_diagonal(h)


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
