"""Sub-class prototypes shared by the cone classifiers.

A class that is a union of several clusters, or wraps around another class,
cannot be collapsed by one cone or peeled off by one hyperplane.  Splitting each
class into clusters (k-means within the class) and giving every cluster its own
truncation layer refines the labels; Proposition 4.1 and Theorem 5.2 of Chen &
Muñoz Ewald (JMLR 2025) apply unchanged to the refined labels, and the last
affine layer sends the base points of all clusters of a class to the class's
target vector.
"""

from dataclasses import dataclass

import numpy as np
from sklearn.utils import check_random_state

__all__ = ["Prototypes", "split_classes"]


@dataclass(frozen=True)
class Prototypes:
    """A refinement of the class labels.

    Attributes
    ----------
    labels : ndarray of shape (n_samples,)
        Prototype index of every training row.
    owner : ndarray of shape (n_prototypes,)
        Class index of every prototype.
    """

    labels: np.ndarray
    owner: np.ndarray

    @property
    def counts(self):
        """Prototypes per class."""
        return np.bincount(self.owner)

    def subset(self, rows):
        """The refinement restricted to ``rows``, prototypes left without a row dropped.

        Used to reuse one k-means split for every fold of a cross-validation.
        """
        used, labels = np.unique(self.labels[rows], return_inverse=True)
        return Prototypes(labels=labels.astype(np.intp, copy=False), owner=self.owner[used])


def split_classes(X, y_idx, n_classes, counts, random_state):
    """Split class ``c`` into ``counts[c]`` clusters by k-means, seeded by ``random_state``.

    A class with fewer distinct points than requested gets one prototype per
    distinct point (k-means cannot find more clusters than there are points);
    a class of one point is one prototype.

    Returns
    -------
    prototypes : Prototypes
    """
    rng = check_random_state(random_state)
    labels = np.empty(len(y_idx), dtype=np.intp)
    owner = []
    for c in range(n_classes):
        rows = np.flatnonzero(y_idx == c)
        k = int(counts[c])
        # the class's rows, copied once (take: the rows of X[rows], 2.5x faster)
        Xc = X.take(rows, axis=0) if k > 1 else None
        if k > 1:
            # at most as many clusters as distinct rows; k distinct values of one
            # projection already prove k distinct rows, and sorting a vector is 1 ms
            # cheaper per class than the row-wise unique (5 % of a 5000 x 17 "auto" fit)
            proj = Xc @ np.linspace(1.0, 2.0, X.shape[1])
            if len(np.unique(proj)) < k:
                k = min(k, len(np.unique(Xc, axis=0)))
        if k <= 1:
            sub = np.zeros(len(rows), dtype=np.intp)
        else:
            sub = kmeans(Xc, k, rng)
            # a cluster can end up empty on ties: renumber the clusters used
            sub = np.unique(sub, return_inverse=True)[1]
            k = int(sub.max()) + 1
        labels[rows] = sub + len(owner)
        owner += [c] * k
    return Prototypes(labels=labels, owner=np.array(owner, dtype=np.intp))


# Lloyd iterations of kmeans() after k-means++ seeding: within-class clusters of a few
# hundred points settle in far fewer
_KMEANS_ITER = 50


def _kmeans_plusplus(X, sq, k, rng):
    """k-means++ seeding (Arthur & Vassilvitskii, 2007): ``k`` rows of ``X`` as centers,
    ``sq`` the rows' squared norms."""
    centers = [X[rng.randint(len(X))]]
    d2 = np.maximum(sq - 2.0 * X @ centers[0] + centers[0] @ centers[0], 0.0)
    for _ in range(1, k):
        total = d2.sum()
        # the next center with probability proportional to d², a point not yet chosen
        # when every distance is zero (duplicates)
        nxt = rng.choice(len(X), p=d2 / total) if total > 0 else rng.randint(len(X))
        centers.append(X[nxt])
        d2 = np.minimum(d2, np.maximum(sq - 2.0 * X @ X[nxt] + X[nxt] @ X[nxt], 0.0))
    return np.array(centers)


def kmeans(X, k, rng):
    """Labels of Lloyd's k-means with k-means++ seeding (Arthur & Vassilvitskii, 2007).

    A small numpy implementation for the few clusters of one class: scikit-learn's
    ``KMeans`` costs tens of milliseconds per call in set-up alone, and the
    prototype search calls it once per class and candidate.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features)
    k : int
        At most the number of distinct rows of ``X``.
    rng : numpy.random.RandomState

    Returns
    -------
    labels : ndarray of shape (n_samples,)
    """
    sq = np.einsum("ij,ij->i", X, X)
    C = _kmeans_plusplus(X, sq, k, rng)
    # the Lloyd iterations below compute what ``sq[:, None] - 2.0 * X @ C.T + |C|²``
    # and a fresh one-hot matrix would, operation for operation (2 X is exact), in
    # buffers allocated once: the same labels, 2-3x fewer microseconds per iteration on
    # the few thousand rows of a class
    X2 = 2.0 * X
    n = len(X)
    dist = np.empty((n, k))
    onehot = np.zeros((n, k))
    # the one-hot entries by their flat index (row * k + label): a 1-D scatter, 3x faster
    # than the (rows, labels) pair of index arrays, the same entries
    flat, at = onehot.reshape(-1), np.arange(0, n * k, k)
    # |x|² and |c|² repeated along the flat distance matrix: the two sums then run over
    # one contiguous vector, not row by row over the k entries of each row (the same
    # numbers, 2500 x 5: 8 against 24 µs per iteration)
    sq_rep, dist_flat = np.repeat(sq, k), dist.reshape(-1)
    labels, where = None, None
    for _ in range(_KMEANS_ITER):
        np.matmul(X2, C.T, out=dist)
        np.subtract(sq_rep, dist_flat, out=dist_flat)
        dist_flat += np.tile(np.einsum("ij,ij->i", C, C), n)
        # two clusters: the second where strictly nearer, as argmin keeps the first of
        # equal distances (the same labels; 4x numpy's argmin along rows of two)
        new = (dist[:, 1] < dist[:, 0]).astype(np.intp) if k == 2 else np.argmin(dist, axis=1)
        if labels is not None and np.array_equal(new, labels):
            break
        if where is not None:
            flat[where] = 0.0
        labels = new
        where = at + labels
        counts = np.bincount(labels, minlength=k)
        # a one-hot product, not np.add.at (unbuffered, 60x slower on 2500 x 17, k=5)
        flat[where] = 1.0
        sums = onehot.T @ X
        filled = counts > 0
        C[filled] = sums[filled] / counts[filled, None]
    return labels
