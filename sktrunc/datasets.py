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
        "noise": [Interval(Real, 0, None, closed="left")],
        "shuffle": ["boolean"],
        "random_state": ["random_state"],
    },
    prefer_skip_nested_validation=True,
)
def make_sequentially_separable(n_samples=150, n_features=2, *, noise=0.02, shuffle=True,
                                random_state=None):
    """Three classes that can be peeled off by hyperplanes but are not clustered.

    A Figure-3-like configuration (JMLR 2025, Section 5): class 0 is a long band,
    classes 1 and 2 are small clusters.  The band's mean-to-barycenter direction
    separates nothing (so the clustered construction of Proposition 4.1 fails:
    the clustering ratio is far above 1/4), yet a hyperplane below classes 1 and
    2 separates the band, after which the two clusters separate (Definition
    5.1).  The plane of the configuration is embedded in ``n_features``
    dimensions by a random isometry, with isotropic noise of size ``noise``
    (kept below the separation margins).

    Parameters
    ----------
    n_samples : int, default=150
        Total number of points, split evenly between the three classes.
    n_features : int, default=2
        Dimension of the input space (at least 2).
    noise : float, default=0.02
        Standard deviation of the isotropic Gaussian noise, clipped at 3 standard
        deviations so that separability never depends on the seed.
    shuffle : bool, default=True
        Shuffle the samples.
    random_state : int, RandomState instance or None, default=None
        Seed.

    Returns
    -------
    X : ndarray of shape (n_samples, n_features)
    y : ndarray of shape (n_samples,)
        Labels 0 (the band), 1, 2.

    Examples
    --------
    >>> import numpy as np
    >>> from sktrunc.datasets import make_sequentially_separable
    >>> X, y = make_sequentially_separable(n_samples=30, n_features=5, random_state=0)
    >>> X.shape, np.bincount(y)
    ((30, 5), array([10, 10, 10]))
    """
    _check_fits_in_memory(n_samples, n_features)
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
