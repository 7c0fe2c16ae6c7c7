"""The exact shortcuts of the sequential fit's squared-hinge solves (issue 16).

Each test fails when its shortcut changes the answer: the Hessians by ``syrk`` and
from the first step's Gram matrix must reach the optimum of the problem (its
gradient vanishes), the design built in place must be the textbook one, and the
one-vs-rest SVM on a prebuilt ``[Z 1]`` must be the one on ``Z``.
"""

import numpy as np
import pytest

from sktrunc._separation import (
    _design,
    _newton_svm,
    _ovr_on_design,
    _shared_first_step,
    ovr_squared_hinge,
)


def _overlapping(n=600, d=7, seed=0):
    rng = np.random.RandomState(seed)
    X = rng.standard_normal((n, d))
    s = np.where(X[:, 0] + 0.8 * rng.standard_normal(n) > 0, 1.0, -1.0)
    return np.column_stack([X, np.ones(n)]), s


def _gradient(Z, s, C, v, weight=None):
    """Gradient of ½|v|² + C Σ ω_i max(0, 1 - s_i z_i·v)² (intercept penalised)."""
    c = 2.0 * C * (np.ones(len(s)) if weight is None else weight)
    hinge = np.maximum(1.0 - s * (Z @ v), 0.0)
    return v - Z.T @ (c * s * hinge)


@pytest.mark.parametrize("weighted", [False, True])
def test_newton_hessians_reach_the_optimum(weighted):
    # cold start (every row inside the margin: the uniform one uses Z itself), warm
    # start (a Hessian of the active rows only) and the Gram route all end where the
    # gradient vanishes, at the same point
    Z, s = _overlapping()
    weight = np.random.RandomState(1).randint(1, 4, len(s)).astype(float) if weighted else None
    C = 3.0
    cold = _newton_svm(Z, s, C, None, weight=weight, intercept_penalty=1.0, max_iter=200)[0]
    scale = np.abs(Z.T @ np.abs(s)).max() * C
    assert np.abs(_gradient(Z, s, C, cold, weight)).max() <= 1e-9 * scale
    c = 2.0 * C * (np.ones(len(s)) if weight is None else weight)
    gram = Z.T @ (Z * c[:, None])
    start = 0.5 * cold
    assert 2 * np.count_nonzero(s * (Z @ start) < 1.0) > len(s)  # the Gram route is taken
    warm = _newton_svm(Z, s, C, start, weight=weight, intercept_penalty=1.0, max_iter=200)[0]
    down = _newton_svm(Z, s, C, start, weight=weight, intercept_penalty=1.0, max_iter=200,
                       gram=gram)[0]
    np.testing.assert_allclose(warm, cold, rtol=0, atol=1e-9 * np.abs(cold).max())
    np.testing.assert_allclose(down, cold, rtol=0, atol=1e-9 * np.abs(cold).max())


def test_newton_reads_the_gram_matrix():
    # a wrong Gram matrix changes the path, so the shortcut is really taken (and the
    # right one then matters: see the test above)
    Z, s = _overlapping(seed=2)
    C = 3.0
    v = _newton_svm(Z, s, C, intercept_penalty=1.0, max_iter=200)[0]
    gram = 2.0 * C * (Z.T @ Z)
    start = 0.5 * v
    wrong = _newton_svm(Z, s, C, start, intercept_penalty=1.0, max_iter=1, gram=3.0 * gram)[0]
    right = _newton_svm(Z, s, C, start, intercept_penalty=1.0, max_iter=1, gram=gram)[0]
    plain = _newton_svm(Z, s, C, start, intercept_penalty=1.0, max_iter=1)[0]
    np.testing.assert_allclose(right, plain, rtol=1e-10, atol=1e-12)
    assert np.abs(wrong - plain).max() > 1e-3 * np.abs(plain).max()


@pytest.mark.parametrize("weighted", [False, True])
def test_shared_first_step_with_gram_is_the_optimum(weighted):
    Z, s = _overlapping(n=900, d=5, seed=3)
    weight = np.random.RandomState(4).randint(1, 5, len(s)).astype(float) if weighted else None
    C = 10.0
    v = _shared_first_step(Z, s[:, None], C, weight)[:, 0]
    scale = np.abs(Z.T @ np.abs(s)).max() * C * (1 if weight is None else weight.max())
    assert np.abs(_gradient(Z, s, C, v, weight)).max() <= 1e-9 * scale


def test_design_is_the_textbook_design():
    rng = np.random.RandomState(5)
    neg, pos = rng.standard_normal((30, 4)), rng.standard_normal((20, 4))
    center, scale = rng.standard_normal(4), rng.uniform(0.5, 2.0, 4)
    Z, s = _design(neg, pos, center, scale)
    ref = np.column_stack([(np.vstack([neg, pos]) - center) / scale, np.ones(50)])
    assert np.array_equal(Z, ref)
    assert np.array_equal(s, np.r_[-np.ones(30), np.ones(20)])


@pytest.mark.parametrize("n_classes", [2, 3])
def test_ovr_on_a_prebuilt_design_is_ovr(n_classes):
    rng = np.random.RandomState(6)
    Z = rng.standard_normal((300, 6))
    labels = rng.randint(n_classes, size=300)
    weight = rng.randint(1, 3, 300).astype(float)
    Z1 = np.column_stack([Z, np.ones(300)])
    before = Z1.copy()
    for w in (None, weight):
        W, b = ovr_squared_hinge(Z, labels, n_classes, 10.0, weight=w)
        W1, b1 = _ovr_on_design(Z1, labels, n_classes, 10.0, weight=w)
        assert np.array_equal(W1, W) and np.array_equal(b1, b)
    assert np.array_equal(Z1, before)  # read only: the least squares reads it too


def _soft_table():
    from sklearn.datasets import make_classification

    return make_classification(400, 12, n_informative=6, flip_y=0.05, random_state=0)


@pytest.mark.filterwarnings("ignore::sktrunc.exceptions.AssumptionWarning")
def test_last_hidden_layer_from_the_peels_preactivations(monkeypatch):
    # the rows the last cone leaves in place take their activations from the
    # preactivations the peel computed; the network is the one built from the
    # positions alone (to rounding), with the same predictions
    import sktrunc._sequential as seq
    from sktrunc import SequentialSeparableClassifier

    X, y = _soft_table()
    fast = SequentialSeparableClassifier(n_prototypes=1, random_state=0).fit(X, y)
    assert not fast.separable_.all()  # the soft-margin peel, whose hidden layer is reused
    original = seq._truncated
    calls = []

    def without_keep(positions, layer, axial=None, keep=None, inplace=False):
        calls.append(keep is not None)
        return original(positions, layer, axial, inplace=inplace)

    monkeypatch.setattr(seq, "_truncated", without_keep)
    slow = SequentialSeparableClassifier(n_prototypes=1, random_state=0).fit(X, y)
    assert any(calls)
    for a, b in zip(fast.coefs_ + fast.intercepts_, slow.coefs_ + slow.intercepts_):
        np.testing.assert_allclose(a, b, rtol=0, atol=1e-9 * np.abs(b).max())
    assert np.array_equal(fast.predict(X), slow.predict(X))


@pytest.mark.filterwarnings("ignore::sktrunc.exceptions.AssumptionWarning")
def test_truncated_keeps_the_preactivations_of_every_row():
    import sktrunc._sequential as seq
    from sktrunc import SequentialSeparableClassifier

    X, y = _soft_table()
    clf = SequentialSeparableClassifier(n_prototypes=1, random_state=0).fit(X, y)
    Z = (X - clf.center_) @ clf.components_ if clf.components_ is not None else X
    layer = clf.layers_[0]
    keep = []
    after, _ = seq._truncated(Z, layer, keep=keep)
    pre, moved = keep[0]
    form = layer.cumulative_factors
    ref = np.asarray(Z @ form) + layer.cumulative_intercept
    np.testing.assert_allclose(pre, ref, rtol=0, atol=1e-12 * np.abs(ref).max())
    still = np.setdiff1d(np.arange(len(Z)), moved)
    assert moved.size and still.size
    assert np.array_equal(after[still], Z[still]) and (pre[still] > 0).all()
    assert (pre[moved] <= 0).any(axis=1).all()
    # with axial coordinates only some rows' preactivations exist: nothing is kept
    keep = []
    seq._truncated(Z, layer, (np.zeros(len(Z)), np.ones(len(Z))), keep=keep)
    assert keep == []


@pytest.mark.parametrize("shape", [(500, 17), (300, 64), (1, 5), (0, 5)])
def test_rows_times_a_low_rank_update_is_the_factored_product(shape):
    # the product BLAS writes in place (LowRankUpdate.__rmatmul__) is α rows + (rows U)Vᵀ
    # and the dense product, for a cone weight, its Woodbury inverse and a multiple of
    # the identity (rank 0); a single row (1-D) too
    from sktrunc._cones import cone_factors
    from sktrunc._network import LowRankUpdate

    n, d = shape
    rng = np.random.RandomState(7)
    h = rng.standard_normal(d)
    form = cone_factors(h / np.linalg.norm(h), 1.2).T
    rows = rng.standard_normal((n, d))
    identity = LowRankUpdate(0.7, np.zeros((d, 0)), np.zeros((d, 0)))
    for f in (form, form.inv(), identity):
        got = rows @ f
        ref = f.alpha * rows + (rows @ f.U) @ f.V.T
        assert got.shape == ref.shape and got.flags.c_contiguous
        np.testing.assert_allclose(got, ref, rtol=1e-14, atol=1e-14)
        np.testing.assert_allclose(got, rows @ f.dense(), rtol=1e-12, atol=1e-12)
        if n:
            np.testing.assert_allclose(rows[0] @ f, got[0], rtol=1e-14, atol=1e-14)
    # the rows are only read
    before = rows.copy()
    rows @ form
    assert np.array_equal(rows, before)


def test_ovr_with_the_rooted_rows_is_ovr():
    rng = np.random.RandomState(8)
    Z1 = np.column_stack([rng.standard_normal((200, 4)), np.ones(200)])
    labels = rng.randint(3, size=200)
    weight = rng.randint(1, 4, 200).astype(float)
    plain = _ovr_on_design(Z1, labels, 3, 10.0, weight=weight)
    rooted = _ovr_on_design(Z1, labels, 3, 10.0, weight=weight,
                            rooted=Z1 * np.sqrt(weight)[:, None])
    assert all(np.array_equal(a, b) for a, b in zip(plain, rooted))
    # and it is read: other rows give another answer
    other = _ovr_on_design(Z1, labels, 3, 10.0, weight=weight, rooted=2.0 * Z1)
    assert not np.allclose(other[0], plain[0])


@pytest.mark.filterwarnings("ignore::sktrunc.exceptions.AssumptionWarning")
def test_peel_writes_only_into_its_own_positions(monkeypatch):
    # four soft-margin layers, each writing into the positions the one before made: the
    # network of copies everywhere, and the input untouched
    from sklearn.datasets import make_classification

    import sktrunc._sequential as seq
    from sktrunc import SequentialSeparableClassifier

    X, y = make_classification(500, 8, n_informative=5, n_classes=4, flip_y=0.05,
                               random_state=1)
    X0 = X.copy()
    fast = SequentialSeparableClassifier(n_prototypes=1, random_state=0).fit(X, y)
    assert np.array_equal(X, X0) and len(fast.layers_) == 4
    original = seq._truncated
    flags = []

    def copying(positions, layer, axial=None, keep=None, inplace=False):
        flags.append(inplace)
        before = positions.copy()
        out = original(positions, layer, axial, keep)
        assert np.array_equal(positions, before)
        return out

    monkeypatch.setattr(seq, "_truncated", copying)
    slow = SequentialSeparableClassifier(n_prototypes=1, random_state=0).fit(X, y)
    assert any(flags) and not flags[0]  # never the input data itself
    for a, b in zip(fast.coefs_ + fast.intercepts_, slow.coefs_ + slow.intercepts_):
        assert np.array_equal(a, b)


def test_truncated_in_place_returns_the_same_array():
    import sktrunc._sequential as seq
    from sktrunc import SequentialSeparableClassifier

    X, y = _soft_table()
    with pytest.warns(Warning):
        clf = SequentialSeparableClassifier(n_prototypes=1, random_state=0).fit(X, y)
    Z = X.copy()
    copy, _ = seq._truncated(Z, clf.layers_[0])
    assert copy is not Z and not np.array_equal(copy, X) and np.array_equal(Z, X)
    same, _ = seq._truncated(Z, clf.layers_[0], inplace=True)
    assert same is Z and np.array_equal(same, copy)
