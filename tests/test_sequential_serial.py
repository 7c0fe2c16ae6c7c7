"""The serial fit's shortcuts of issue 16 give the same numbers as the plain operations.

Each shortcut replaces a numpy operation that walks a tall, narrow matrix row by row
(or a walk that sorts the same kinks again and again) by one that computes the same
floating-point values in fewer calls; the tests compare them bit for bit with the
plain operations, and a whole ``n_prototypes="auto"`` fit with every shortcut undone.
"""

import numpy as np
import pytest
from sklearn.datasets import make_classification

import sktrunc._prototypes as prototypes
import sktrunc._separation as separation
import sktrunc._sequential as sequential
from sktrunc import SequentialSeparableClassifier
from sktrunc._separation import _column_sums, _design, _line_search
from sktrunc._sequential import _rows_with_any


@pytest.mark.parametrize("shape", [(3750, 18), (40, 255), (40, 256), (0, 5), (6, 0), (1, 1)])
@pytest.mark.parametrize("density", [0.0, 0.02, 0.5, 1.0])
def test_rows_with_any_is_any_along_rows(shape, density):
    # 255 Trues still fit in the byte that holds a row's count; 256 columns take numpy's any
    mask = np.random.RandomState(0).uniform(size=shape) < density
    np.testing.assert_array_equal(_rows_with_any(mask).astype(bool), mask.any(axis=1))
    # a strided view (not C-contiguous) takes numpy's any as well
    wide = np.zeros((shape[0], 2 * shape[1]), dtype=bool)
    wide[:, ::2] = mask
    np.testing.assert_array_equal(_rows_with_any(wide[:, ::2]).astype(bool),
                                  mask.any(axis=1))


@pytest.mark.parametrize("shape", [(3800, 17), (1500, 56), (7, 2), (300, 1), (0, 4)])
def test_column_sums_are_numpys_sums_bit_for_bit(shape):
    rng = np.random.RandomState(1)
    X = rng.standard_cauchy(shape) * 10.0 ** rng.uniform(-6, 6, shape[1])
    assert np.array_equal(_column_sums(X), X.sum(axis=0))
    F = np.asfortranarray(X)  # numpy sums a contiguous column pairwise: taken as is
    assert np.array_equal(_column_sums(F), F.sum(axis=0))


def test_design_with_one_scale_is_the_textbook_design():
    rng = np.random.RandomState(2)
    neg, pos = rng.standard_normal((30, 5)) * 7.0, rng.standard_normal((45, 5))
    center, scale = rng.standard_normal(5), np.float64(3.7)
    Z, s = _design(neg, pos, center, scale)
    ref = np.column_stack([(np.vstack([neg, pos]) - center) / scale, np.ones(75)])
    assert np.array_equal(Z, ref)
    assert np.array_equal(s, np.r_[-np.ones(30), np.ones(45)])


def _first_step(n, seed, decimals=None):
    """A first step from 0 along the ridge solution: r = 1, kinks at 1 / margin."""
    rng = np.random.RandomState(seed)
    delta = rng.normal(1.0, 0.6, n)
    if decimals is not None:  # equal margins: tied kinks
        delta = np.round(delta, decimals)
    c = np.full(n, 2.0) if seed % 2 else rng.uniform(0.5, 3.0, n)
    return np.ones(n), delta, c


@pytest.mark.parametrize("n", [20, 100, 700, 3000])
@pytest.mark.parametrize("pull", [0.02, 0.2, 1.0, 5.0])
@pytest.mark.parametrize("decimals", [None, 1])
def test_deep_line_search_is_the_walk_bit_for_bit(n, pull, decimals):
    # |Δw|² sets how far beyond 1 the root lies: from the first kinks (the deep round
    # starts again from the walk's first size) to hundreds of kinks away
    r, delta, c = _first_step(n, n, decimals)
    dw2 = pull * n
    walk = _line_search(0.0, dw2, r, delta, c, r > 0)
    assert _line_search(0.0, dw2, r, delta, c, r > 0, deep=True) == walk


def test_deep_line_search_starts_again_on_tied_kinks(monkeypatch):
    # with equal kinks the first sizes of the walk could order them otherwise: the deep
    # round is then dropped for the walk from its first size (argpartition at 31 again)
    calls = []
    partition = np.argpartition

    def spy(a, kth, *args, **kwargs):
        calls.append(kth)
        return partition(a, kth, *args, **kwargs)

    r, delta, c = _first_step(3000, 3, decimals=1)
    walk = _line_search(0.0, 0.2 * 3000, r, delta, c, r > 0)
    monkeypatch.setattr(np, "argpartition", spy)
    assert _line_search(0.0, 0.2 * 3000, r, delta, c, r > 0, deep=True) == walk
    assert calls[0] == 16 * separation._KINKS - 1 and separation._KINKS - 1 in calls[1:]
    calls.clear()
    r, delta, c = _first_step(3000, 3)  # distinct kinks: the deep round stands
    _line_search(0.0, 0.2 * 3000, r, delta, c, r > 0, deep=True)
    assert separation._KINKS - 1 not in calls


def _plain_kmeans(X, k, rng):
    """Lloyd's iterations with fresh arrays and numpy's own reductions (same seeding)."""
    sq = np.einsum("ij,ij->i", X, X)
    C = prototypes._kmeans_plusplus(X, sq, k, rng)
    labels = None
    for _ in range(prototypes._KMEANS_ITER):
        dist = sq[:, None] - 2.0 * X @ C.T + np.einsum("ij,ij->i", C, C)[None, :]
        new = np.argmin(dist, axis=1)
        if labels is not None and np.array_equal(new, labels):
            break
        labels = new
        onehot = np.zeros((len(X), k))
        onehot[np.arange(len(X)), labels] = 1.0
        counts = np.bincount(labels, minlength=k)
        filled = counts > 0
        C[filled] = (onehot.T @ X)[filled] / counts[filled, None]
    return labels


@pytest.mark.filterwarnings("ignore::sktrunc.exceptions.AssumptionWarning")
def test_auto_fit_is_the_fit_without_the_shortcuts(monkeypatch):
    # n_prototypes="auto" on an overlapping table (k-means splits, soft-margin peels,
    # first steps, distinct rows, held-out scores): every array of the network equal
    X, y = make_classification(600, 6, n_informative=4, flip_y=0.05, random_state=0)
    fast = SequentialSeparableClassifier(random_state=0).fit(X, y)
    assert fast.n_prototypes_.max() > 1  # the search split the classes
    search = separation._line_search
    monkeypatch.setattr(separation, "_column_sums", lambda A: A.sum(axis=0))
    monkeypatch.setattr(sequential, "_rows_with_any", lambda mask: mask.any(axis=1))
    monkeypatch.setattr(separation, "_line_search",
                        lambda *args, deep=False: search(*args))
    monkeypatch.setattr(prototypes, "kmeans", _plain_kmeans)
    plain = SequentialSeparableClassifier(random_state=0).fit(X, y)
    for a, b in zip(fast.coefs_ + fast.intercepts_, plain.coefs_ + plain.intercepts_):
        assert np.array_equal(a, b)
    np.testing.assert_array_equal(fast.n_prototypes_, plain.n_prototypes_)
