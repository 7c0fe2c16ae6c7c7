"""Generators of data with the geometry the constructions need.

Like :func:`sklearn.datasets.make_blobs`, each returns ``X, y`` and takes a
``random_state``.
"""

import os
from numbers import Integral, Real

import numpy as np
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, validate_params

__all__ = ["make_clustered", "make_gaussian_mixture", "make_sequentially_separable"]


def _check_fits_in_memory(n_samples, n_features):
    """Refuse, before allocating, an ``X`` larger than the machine's physical memory."""
    size = 8 * int(n_samples) * int(n_features)
    try:
        memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (AttributeError, ValueError, OSError):  # not POSIX: no bound known
        return
    if size > memory:
        raise ValueError(f"X of shape ({n_samples}, {n_features}) needs {size / 2**30:.3g} GiB "
                         f"of float64, more than this machine's {memory / 2**30:.3g} GiB of "
                         "memory.")


# most classes make_sequentially_separable(unique_order=True) generates (see its Notes)
_MAX_UNIQUE_ORDER_CLASSES = 5


def _random_frame(rng, n_features, k):
    """``k`` orthonormal columns in ``R^n_features`` (Haar): O(n_features k) memory."""
    return np.linalg.qr(rng.normal(size=(n_features, k)))[0]


@validate_params(
    {
        "n_samples": [Interval(Integral, 1, None, closed="left"), "array-like"],
        "n_features": [Interval(Integral, 1, None, closed="left")],
        "n_classes": [Interval(Integral, 2, None, closed="left")],
        "clustering_ratio": [Interval(Real, 0, None, closed="left")],
        "center_distance": [Interval(Real, 0, None, closed="neither")],
        "center": [None, "array-like"],
        "shuffle": ["boolean"],
        "random_state": ["random_state"],
    },
    prefer_skip_nested_validation=True,
)
def make_clustered(
    n_samples=100,
    n_features=2,
    n_classes=3,
    *,
    clustering_ratio=0.1,
    center_distance=1.0,
    center=None,
    shuffle=True,
    random_state=None,
):
    """Clustered classes: small balls around the vertices of a regular simplex.

    The class means are the vertices of a regular simplex (``n_classes ≤
    n_features + 1``), in a random orientation, at distance ``center_distance``
    from their barycenter.  Each class is its mean plus points drawn uniformly
    in a ball, then re-centred so the sample mean *is* the vertex and rescaled so
    that ``δ = sup |x - x̄_j|`` (eq. 54 of the JMLR paper) equals
    ``clustering_ratio * center_distance``.  So the measured
    ``δ / min_j |x̄_j - x̄|`` equals ``clustering_ratio`` exactly: below 1/4 the
    data satisfies condition (55), and for the regular simplex condition (59)
    then holds as well.

    Parameters
    ----------
    n_samples : int or array-like of int, default=100
        Total number of points, split as evenly as possible between classes, or
        the number per class.
    n_features : int, default=2
        Dimension ``M`` of the input space.
    n_classes : int, default=3
        Number of classes ``Q``; at most ``n_features + 1``.
    clustering_ratio : float, default=0.1
        ``δ / min_j |x̄_j - x̄|`` of the generated data.
    center_distance : float, default=1.0
        Distance of every class mean from the barycenter.
    center : array-like of shape (n_features,), default=None
        Barycenter of the class means; the origin when ``None``.
    shuffle : bool, default=True
        Shuffle the samples.
    random_state : int, RandomState instance or None, default=None
        Seed.

    Returns
    -------
    X : ndarray of shape (n_samples, n_features)
    y : ndarray of shape (n_samples,)
        Integer labels ``0 .. n_classes - 1``.

    Examples
    --------
    >>> import numpy as np
    >>> from sktrunc.datasets import make_clustered
    >>> X, y = make_clustered(n_samples=30, n_features=4, n_classes=3,
    ...                       clustering_ratio=0.2, random_state=0)
    >>> X.shape, np.bincount(y)
    ((30, 4), array([10, 10, 10]))
    """
    if n_classes > n_features + 1:
        raise ValueError(
            f"A regular simplex with n_classes={n_classes} vertices needs "
            f"n_features >= n_classes - 1 = {n_classes - 1}; got n_features={n_features}."
        )
    rng = check_random_state(random_state)
    if np.ndim(n_samples) == 0:
        if n_samples < n_classes:
            raise ValueError(f"n_samples={n_samples} gives some of the n_classes={n_classes} "
                             "classes no point; use n_samples >= n_classes.")
        counts = np.full(n_classes, n_samples // n_classes)
        counts[: n_samples % n_classes] += 1
    else:
        counts = np.asarray(n_samples)
        if (counts.shape != (n_classes,) or counts.dtype.kind not in "iu"
                or np.any(counts < 1)):
            raise ValueError("n_samples as an array must hold n_classes positive counts; got "
                             f"{n_samples!r}.")
    if center is not None:
        center = np.asarray(center, dtype=float)
        if center.shape != (n_features,) or not np.all(np.isfinite(center)):
            raise ValueError(f"center must be a finite array of shape (n_features,) = "
                             f"({n_features},); got shape {center.shape}.")
    _check_fits_in_memory(counts.sum(), n_features)
    # vertices e_j - mean(e) of the standard simplex span Q-1 dimensions; map them
    # isometrically into a random (Q-1)-dimensional subspace of R^M
    simplex = np.eye(n_classes) - 1.0 / n_classes
    basis = np.linalg.svd(simplex, full_matrices=False)[2][: n_classes - 1]
    coords = simplex @ basis.T
    embed = _random_frame(rng, n_features, n_classes - 1)
    means = coords @ embed.T
    means *= center_distance / np.linalg.norm(means, axis=1, keepdims=True)
    if center is not None:
        means = means + center
    delta = clustering_ratio * center_distance
    X, y = [], []
    for j, n_j in enumerate(counts):
        d = rng.normal(size=(n_j, n_features))
        d /= np.linalg.norm(d, axis=1, keepdims=True)
        d *= rng.uniform(size=(n_j, 1)) ** (1.0 / n_features)
        d -= d.mean(axis=0)
        top = np.linalg.norm(d, axis=1).max()
        d *= delta / top if top > 0 else 0.0
        X.append(means[j] + d)
        y.append(np.full(n_j, j))
    X, y = np.vstack(X), np.concatenate(y)
    if shuffle:
        order = rng.permutation(len(y))
        X, y = X[order], y[order]
    return X, y


@validate_params(
    {
        "n_samples": [Interval(Integral, 3, None, closed="left")],
        "n_features": [Interval(Integral, 2, None, closed="left")],
        "n_classes": [Interval(Integral, 2, _MAX_UNIQUE_ORDER_CLASSES, closed="both")],
        "unique_order": ["boolean"],
        "noise": [Interval(Real, 0, None, closed="left")],
        "shuffle": ["boolean"],
        "random_state": ["random_state"],
    },
    prefer_skip_nested_validation=True,
)
def make_sequentially_separable(n_samples=150, n_features=2, *, n_classes=3, unique_order=False,
                                noise=0.02, shuffle=True, random_state=None):
    """Classes that can be peeled off by hyperplanes but are not clustered.

    Two configurations of Section 5 of the JMLR paper (Definition 5.1):

    * ``unique_order=False`` (default): three classes, where every order of the
      classes works.  Class 0 is a long band, classes 1 and 2 are small clusters.
      The band's mean-to-barycenter direction separates nothing (so the
      clustered construction of Proposition 4.1 fails: the clustering ratio is
      far above 1/4), yet a hyperplane below classes 1 and 2 separates the band,
      after which the two clusters separate.
    * ``unique_order=True``: the point of Figure 3, ``n_classes`` classes that are
      sequentially linearly separable in **exactly one order**, ``0, 1, …,
      n_classes - 1`` (the labels are that order).  Each class can be peeled off
      by a hyperplane only once the classes before it are collapsed to their
      base points; see Notes for the construction and why it guarantees this.

    The configuration lives in a plane (``unique_order=True``: in ``min(n_features,
    max(2, n_classes - 1))`` dimensions) embedded in ``n_features`` dimensions by a
    random isometry.

    Parameters
    ----------
    n_samples : int, default=150
        Total number of points, split evenly between the classes.  With
        ``unique_order=True`` each class needs ``2 + 4 (D - 2)`` points for the
        vertices that carry the guarantee (``D`` the dimension above).
    n_features : int, default=2
        Dimension of the input space (at least 2).
    n_classes : int, default=3
        Number of classes, 2 to 5 with ``unique_order=True``; must be 3 otherwise.
        Beyond 5 classes the best planar pinwheel of the grid search keeps a
        margin of only 2.3 % of its radius (6 classes), too thin to guarantee.
    unique_order : bool, default=False
        Generate data that only the order ``0, 1, …, n_classes - 1`` peels off.
    noise : float, default=0.02
        ``unique_order=False``: standard deviation of the isotropic Gaussian
        noise, clipped at 3 standard deviations so that separability never
        depends on the seed.  ``unique_order=True``: standard deviation of the
        displacement of each point across its blade, in the blade's plane,
        clipped at 3 standard deviations; at most ``h_Q R / 6`` (0.050 to
        0.060, see Notes), so that at least half of the design's margin is left
        for every seed.
    shuffle : bool, default=True
        Shuffle the samples.
    random_state : int, RandomState instance or None, default=None
        Seed.

    Returns
    -------
    X : ndarray of shape (n_samples, n_features)
    y : ndarray of shape (n_samples,)
        Labels ``0 .. n_classes - 1``; with ``unique_order=True`` the only order
        in which Definition 5.1 holds.

    Notes
    -----
    ``unique_order=True`` builds a pinwheel of ``Q = n_classes`` thin blades
    around the barycenter ``x̄`` of the class means.  Blade ``k`` is a segment
    whose far end (the *tip*) is ``b_k = R ρ^k (cos kΔ, sin kΔ)``, ``R = 5``, and
    which crosses the segment from the previous tip ``b_{k-1}`` to ``x̄`` at
    ``a_k = x̄ + τ (b_{k-1} - x̄)``, extending past it by a fraction ``λ`` of its
    length.  Every class is centrally symmetric about its blade's midpoint (each
    point comes with its mirror image, tips and ends included exactly), so its
    mean is that midpoint and ``x̄`` is known in closed form; the blades are built
    around it.  Then:

    * for ``k ≥ 1`` the point ``a_k`` lies both in the convex hull of class ``k``
      and on the segment from a point of class ``k - 1`` to ``x̄``: as long as
      class ``k - 1`` is present, no hyperplane separates class ``k`` from the
      other classes and ``x̄``, which Definition 5.1 requires (its hyperplane
      passes through a point strictly between the class mean and ``x̄``).  This
      holds exactly, whatever the seed and the noise (noise only adds points).
      So any order that takes a class ``k`` before class ``k - 1`` fails at that
      step; the identity is the only order left.
    * In that order a line of the plane separates each blade from the later
      blades, ``x̄`` and every point within one earlier step's margin of the
      segments from the earlier class means to ``x̄`` (where the earlier base
      points lie) with a gap of at least ``2 h_Q R``: ``h_Q`` = 0.062, 0.061,
      0.072, 0.060 for ``Q`` = 2, 3, 4, 5, with ``ρ, Δ, τ, λ`` chosen by a grid
      search to maximise it.  Noise up to ``h_Q R / 6`` (3 standard deviations on
      each side of a blade) leaves at least half of the gap.

    :class:`~sktrunc.SequentialSeparableClassifier` lifts the input by a ReLU
    layer when ``Q > n_features + 1``; the order is unique in the input space,
    not after such a lift.

    With more than two dimensions (``Q ≥ 4`` and ``n_features ≥ 3``) each blade
    is thickened across the plane into a cross-polytope of radius ``R/4``,
    offset so that ``a_k``'s point of the segment from ``b_{k-1}`` to ``x̄``
    stays inside class ``k``'s hull: the base points are then affinely
    independent, as Theorem 5.2's last layer needs, and the hyperplanes of the
    plane still separate.

    Examples
    --------
    >>> import numpy as np
    >>> from sktrunc.datasets import make_sequentially_separable
    >>> X, y = make_sequentially_separable(n_samples=30, n_features=5, random_state=0)
    >>> X.shape, np.bincount(y)
    ((30, 5), array([10, 10, 10]))
    >>> X, y = make_sequentially_separable(n_samples=60, n_classes=4, n_features=3,
    ...                                    unique_order=True, random_state=0)
    >>> X.shape, np.bincount(y)
    ((60, 3), array([15, 15, 15, 15]))
    """
    _check_fits_in_memory(n_samples, n_features)
    if unique_order:
        return _pinwheel(n_samples, n_features, n_classes, noise, shuffle, random_state)
    if n_classes != 3:
        raise ValueError("make_sequentially_separable with unique_order=False generates 3 "
                         f"classes; got n_classes={n_classes}. Use unique_order=True for 2 "
                         f"to {_MAX_UNIQUE_ORDER_CLASSES} classes.")
    rng = check_random_state(random_state)
    counts = np.full(3, n_samples // 3)
    counts[: n_samples % 3] += 1
    # in the plane: the band along y = -1 from x = -3 to x = 2, the clusters at
    # (-1, 0.3) and (2, 0).  From the band's mean (-0.5, -1) the barycenter of the
    # means lies along f = (0.66, 0.75); along f the band's far end is 1.6 away from
    # its mean, cluster 1 only 0.65, so no hyperplane orthogonal to f separates the
    # band, while y = -0.6 does (and then x = -0.5 separates cluster 1)
    band = np.column_stack([rng.uniform(-3.0, 2.0, counts[0]),
                            rng.uniform(-1.1, -0.9, counts[0])])
    c1 = np.array([-1.0, 0.3]) + rng.uniform(-0.15, 0.15, size=(counts[1], 2))
    c2 = np.array([2.0, 0.0]) + rng.uniform(-0.15, 0.15, size=(counts[2], 2))
    plane = np.vstack([band, c1, c2])
    y = np.repeat(np.arange(3), counts)
    frame = _random_frame(rng, n_features, 2)
    X = plane @ frame.T
    X += noise * np.clip(rng.normal(size=X.shape), -3.0, 3.0)
    if shuffle:
        order = rng.permutation(len(y))
        X, y = X[order], y[order]
    return X, y


# The pinwheel of make_sequentially_separable(unique_order=True), per number of
# classes Q: tip radius ratio ρ, angle step Δ (degrees), τ (where blade k crosses
# the segment from tip k-1 to the barycenter), λ (how far it extends past it), found
# by a grid search (ρ in 0.7..1, Δ in 50..100°, τ in 0.4..0.7, λ in 0.03..0.1) that
# maximised the smallest separation margin; and that margin h_Q, relative to R: the
# Euclidean half-gap between blade k and the later blades, x̄ and every point within
# one earlier step's half-gap of the segments from the earlier class means to x̄
# (hard-margin QP on the skeleton, rounded down)
_PINWHEEL = {2: (0.7, 100.0, 0.5, 0.03, 0.062),
             3: (0.9, 100.0, 0.5, 0.03, 0.061),
             4: (0.8, 90.0, 0.6, 0.03, 0.072),
             5: (0.9, 70.0, 0.7, 0.06, 0.060)}
_PINWHEEL_RADIUS = 5.0


def _pinwheel_blades(n_classes):
    """Ends ``(start, tip)`` of the blades in the plane, and the barycenter of their midpoints.

    Blade ``k`` runs from ``a_k - λ (b_k - a_k)`` to its tip ``b_k``, where
    ``a_k = x̄ + τ (b_{k-1} - x̄)`` (``b_{-1}`` a virtual tip one step before
    ``b_0``).  ``x̄``, the mean of the midpoints, depends linearly on itself
    through the ``a_k``: solved in closed form.
    """
    rho, delta, tau, lam, _ = _PINWHEEL[n_classes]
    angle = np.deg2rad(delta) * np.arange(-1, n_classes)
    tips = _PINWHEEL_RADIUS * rho ** np.arange(-1.0, n_classes)[:, None] * np.column_stack(
        [np.cos(angle), np.sin(angle)])
    # midpoint_k = ((1 + λ) a_k + (1 - λ) b_k) / 2 and a_k = x̄ + τ (b_{k-1} - x̄)
    rhs = ((1 + lam) * tau * tips[:-1] + (1 - lam) * tips[1:]).sum(axis=0) / (2 * n_classes)
    xbar = rhs / (1 - (1 + lam) * (1 - tau) / 2)
    crossing = xbar + tau * (tips[:-1] - xbar)
    tips = tips[1:]
    starts = (1 + lam) * crossing - lam * tips
    return starts, tips, crossing, xbar


def _pinwheel_offsets(n_classes, n_extra):
    """Offsets ``ζ_k`` of the classes across the plane and the cross-polytope radius ``w``.

    Class ``k``'s hull holds the blade times ``ζ_k + w B_1``; the point of the
    segment from the tip of class ``k - 1`` (at offset ``ζ_{k-1}``) to ``x̄``
    (offset ``mean ζ = 0``) above ``a_k`` has offset ``τ ζ_{k-1}``.  So
    ``ζ_k = τ ζ_{k-1} + η_k`` with ``|η_k|_1 = w/2`` keeps it inside with room
    ``w/2``; ``ζ_0`` makes the offsets average to zero.
    """
    tau = _PINWHEEL[n_classes][2]
    w = _PINWHEEL_RADIUS / 4
    eta = np.zeros((n_classes, n_extra))
    for k in range(1, n_classes):
        eta[k, (k - 1) % n_extra] = (w / 2) * (-1.0) ** ((k - 1) // n_extra)
    # ζ_k = τ^k ζ_0 + u_k with u_k = τ u_{k-1} + η_k
    u = np.zeros_like(eta)
    for k in range(1, n_classes):
        u[k] = tau * u[k - 1] + eta[k]
    powers = tau ** np.arange(n_classes)
    zeta = powers[:, None] * (-u.sum(axis=0) / powers.sum()) + u
    return zeta, w


def _pinwheel(n_samples, n_features, n_classes, noise, shuffle, random_state):
    """``make_sequentially_separable(unique_order=True)``: see its Notes."""
    dim = min(n_features, max(2, n_classes - 1))
    n_extra = dim - 2
    bound = _PINWHEEL[n_classes][4] * _PINWHEEL_RADIUS / 6
    if noise > bound:
        raise ValueError(f"noise={noise} is too large for {n_classes} classes: blades "
                         f"clipped at 3 noise must keep half of the design's margin "
                         f"{6 * bound:.3g}; use noise <= {bound:.3g}.")
    per_class = 2 + 4 * n_extra
    counts = np.full(n_classes, n_samples // n_classes)
    counts[: n_samples % n_classes] += 1
    if counts.min() < per_class:
        raise ValueError(f"unique_order=True needs {per_class} points per class in "
                         f"{dim} dimensions ({per_class * n_classes} in all); got "
                         f"n_samples={n_samples}.")
    rng = check_random_state(random_state)
    starts, tips, _, xbar = _pinwheel_blades(n_classes)
    if n_extra:
        zeta, w = _pinwheel_offsets(n_classes, n_extra)
    X = []
    for k, n_k in enumerate(counts):
        start, tip = starts[k], tips[k]
        mid = (start + tip) / 2
        across = np.array([-(tip - start)[1], (tip - start)[0]]) / np.linalg.norm(tip - start)
        # one half of the class; the other half is its mirror image through (mid, ζ_k)
        lam = [0.0]  # the ends themselves, exactly
        z = [np.zeros(n_extra)]
        for i in range(n_extra):  # ends times the vertices ±w e_i of the cross-polytope
            for sign in (1.0, -1.0):
                lam.append(0.0)
                z.append(sign * w * np.eye(n_extra)[i])
        n_random = n_k // 2 - len(lam)
        lam = np.r_[lam, rng.uniform(size=n_random)]
        shift = np.r_[np.zeros(len(z)),
                      noise * np.clip(rng.normal(size=n_random), -3.0, 3.0)]
        if n_extra:
            # uniform directions in the cross-polytope, at uniform ℓ1 radius
            d = rng.laplace(size=(n_random, n_extra))
            d *= (w * rng.uniform(size=(n_random, 1))) / np.abs(d).sum(axis=1, keepdims=True)
            z = np.vstack([np.array(z), d])
        half = start + lam[:, None] * (tip - start) + shift[:, None] * across
        points = [np.vstack([half, 2 * mid - half])]
        offsets = [np.vstack([z, -z])] if n_extra else []
        if n_k % 2:  # the midpoint keeps the mean
            points.append(mid[None])
            if n_extra:
                offsets.append(np.zeros((1, n_extra)))
        cls = np.vstack(points) - xbar
        if n_extra:
            cls = np.column_stack([cls, np.vstack(offsets) + zeta[k]])
        X.append(cls)
    X = np.vstack(X)
    y = np.repeat(np.arange(n_classes), counts)
    X = X @ _random_frame(rng, n_features, dim).T
    if shuffle:
        order = rng.permutation(len(y))
        X, y = X[order], y[order]
    return X, y


@validate_params(
    {
        "samples_per_class": [Interval(Integral, 1, None, closed="left")],
        "n_features": [Interval(Integral, 1, None, closed="left")],
        "n_classes": [Interval(Integral, 1, None, closed="left")],
        "cluster_std": [Interval(Real, 0, None, closed="left")],
        "shuffle": ["boolean"],
        "return_means": ["boolean"],
        "random_state": ["random_state"],
    },
    prefer_skip_nested_validation=True,
)
def make_gaussian_mixture(samples_per_class=10, n_features=4, n_classes=3, *, cluster_std=0.2,
                          shuffle=True, return_means=False, random_state=None):
    """Section 4 of arXiv 2309.10370: Gaussian clusters around orthonormal means.

    The means are orthonormal (QR of a Gaussian ``n_features × n_classes``
    matrix); each point is a mean plus ``cluster_std · N(0, I)``.

    Parameters
    ----------
    samples_per_class : int, default=10
    n_features : int, default=4
    n_classes : int, default=3
        At most ``n_features``.
    cluster_std : float, default=0.2
    shuffle : bool, default=True
        Shuffle the samples (otherwise sorted by class).
    return_means : bool, default=False
        Also return the generating means.
    random_state : int, RandomState instance or None, default=None

    Returns
    -------
    X : ndarray of shape (samples_per_class * n_classes, n_features)
    y : ndarray of shape (samples_per_class * n_classes,)
    means : ndarray of shape (n_classes, n_features)
        Only when ``return_means``.

    Examples
    --------
    >>> import numpy as np
    >>> from sktrunc.datasets import make_gaussian_mixture
    >>> X, y = make_gaussian_mixture(random_state=0)
    >>> X.shape, np.bincount(y).tolist()
    ((30, 4), [10, 10, 10])
    """
    if n_classes > n_features:
        raise ValueError(f"Orthonormal means need n_classes <= n_features; got {n_classes} > "
                         f"{n_features}.")
    _check_fits_in_memory(samples_per_class * n_classes, n_features)
    rng = check_random_state(random_state)
    means = np.linalg.qr(rng.normal(size=(n_features, n_classes)))[0].T
    y = np.repeat(np.arange(n_classes), samples_per_class)
    X = means[y] + cluster_std * rng.normal(size=(len(y), n_features))
    if shuffle:
        order = rng.permutation(len(y))
        X, y = X[order], y[order]
    return (X, y, means) if return_means else (X, y)
