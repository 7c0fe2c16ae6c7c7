"""Data that only one order peels off (JMLR 2025, Figure 3 and Definition 5.1).

``make_sequentially_separable(unique_order=True)`` claims that the classes are
sequentially linearly separable in the order ``0, 1, …, Q - 1`` and in no other.
The claim is checked three ways: the construction in that order reaches zero loss
by an independent forward pass; every other order (all 5 for Q = 3, all 23 for
Q = 4) makes the strict construction raise, at the first step that leaves the
order; and an LP of our own (scipy's HiGHS, not the library's separation code)
decides Definition 5.1's first step for every class.
"""

import itertools
import warnings

import numpy as np
import pytest
from scipy.optimize import linprog
from sklearn.svm import SVC
from sklearn.utils._param_validation import InvalidParameterError

from sktrunc import SequentialSeparableClassifier
from sktrunc.datasets import make_sequentially_separable

from conftest import cost, float_zero, forward

# (n_classes, n_features, seed); the classifier lifts the input when Q > n_features + 1,
# so its checks take n_features >= Q - 1, the LP's also the planar Q = 4
CASES = [(3, 2, 0), (3, 2, 1), (3, 2, 2), (3, 3, 0), (4, 3, 0), (4, 3, 1), (4, 3, 2)]
LP_CASES = CASES + [(4, 2, 0), (4, 2, 1), (2, 2, 0), (5, 4, 0)]


def _data(n_classes, n_features, seed, **kw):
    return make_sequentially_separable(n_samples=20 * n_classes + 1, n_features=n_features,
                                       n_classes=n_classes, unique_order=True,
                                       random_state=seed, **kw)


def _strict(order):
    return SequentialSeparableClassifier(order=list(order), strict=True, n_prototypes=1)


def _separable(A, B):
    """Whether some hyperplane has ``A`` strictly on one side and ``B`` on the other.

    Feasibility of ``w·x + b <= -1`` on ``A`` and ``>= 1`` on ``B`` (any strict
    separation scales to margin 1), on data centred and scaled to order one.
    """
    both = np.vstack([A, B])
    center, scale = both.mean(axis=0), np.abs(both - both.mean(axis=0)).max()
    A, B = (A - center) / scale, (B - center) / scale
    A_ub = np.vstack([np.column_stack([A, np.ones(len(A))]),
                      -np.column_stack([B, np.ones(len(B))])])
    n_var = A.shape[1] + 1
    res = linprog(np.zeros(n_var), A_ub=A_ub, b_ub=-np.ones(len(A_ub)),
                  bounds=[(None, None)] * n_var, method="highs")
    assert res.status in (0, 2)  # solved or infeasible, nothing else
    return res.status == 0


@pytest.mark.parametrize("n_classes, n_features, seed", CASES)
def test_the_documented_order_reaches_zero_loss(n_classes, n_features, seed):
    X, y = _data(n_classes, n_features, seed)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no assumption or conditioning warning either
        clf = _strict(range(n_classes)).fit(X, y)
    assert clf.separable_.all() and clf.output_layer_ == "exact"
    assert cost(clf, X, y) <= float_zero(clf, len(y))
    assert np.array_equal(np.argmax(forward(clf, X), axis=1), y)


@pytest.mark.parametrize("n_classes, n_features, seed", CASES)
def test_every_other_order_fails_where_it_leaves_the_order(n_classes, n_features, seed):
    X, y = _data(n_classes, n_features, seed)
    others = [p for p in itertools.permutations(range(n_classes))
              if p != tuple(range(n_classes))]
    assert len(others) == {3: 5, 4: 23}[n_classes]  # all of them
    for order in others:
        # the first step where the order leaves 0, 1, ...: it takes a class k whose
        # predecessor k - 1 is still there, and Definition 5.1 fails right there
        step = next(s for s, k in enumerate(order) if k != s)
        with pytest.raises(ValueError,
                           match=rf"^Step {step + 1}: no hyperplane separates class "
                                 rf"{order[step]} from the rest"):
            _strict(order).fit(X, y)


@pytest.mark.parametrize("n_classes, n_features, seed", LP_CASES)
def test_step_one_by_an_independent_lp(n_classes, n_features, seed):
    X, y = _data(n_classes, n_features, seed)
    xbar = np.mean([X[y == k].mean(axis=0) for k in range(n_classes)], axis=0)
    # Definition 5.1, first step: the class against the other classes and x̄ (the
    # hyperplane passes strictly between the class mean and x̄)
    step_one = [_separable(X[y == k], np.vstack([X[y != k], xbar])) for k in range(n_classes)]
    assert step_one == [True] + [False] * (n_classes - 1)
    # the reason: class k - 1 and x̄ alone already block class k ...
    for k in range(1, n_classes):
        assert not _separable(X[y == k], np.vstack([X[y == k - 1], xbar]))
    # ... while in the order, class k is separable from the later classes and x̄
    for k in range(n_classes):
        assert _separable(X[y == k], np.vstack([X[y > k], xbar]))
    if n_features == 2:
        # in the plane the middle classes are stuck even without x̄: blade k (from
        # a_k on side x̄-b_{k-1} to b_k) and the segment from b_{k-1} to a_{k+1} (on
        # side x̄-b_k, inside blade k + 1) are two cevians of the triangle
        # (x̄, b_{k-1}, b_k), and two cevians from different vertices always cross
        for k in range(1, n_classes - 1):
            assert not _separable(X[y == k], X[y != k])


@pytest.mark.parametrize("search", ["margin", "greedy"])
@pytest.mark.parametrize("n_classes, n_features, seed", [(3, 2, 3), (4, 3, 3)])
def test_the_order_search_finds_the_only_order(search, n_classes, n_features, seed):
    X, y = _data(n_classes, n_features, seed)
    # relabel so that the order is not the order of the labels, which greedy tries first
    perm = np.array([2, 0, 1]) if n_classes == 3 else np.array([3, 1, 0, 2])
    clf = SequentialSeparableClassifier(order=search, strict=True, n_prototypes=1)
    clf.fit(X, perm[y])
    assert clf.order_.tolist() == perm.tolist()
    assert cost(clf, X, perm[y]) <= float_zero(clf, len(y))


def test_unique_order_data_is_seeded_and_has_the_documented_shape():
    X, y = _data(4, 6, 0)
    np.testing.assert_array_equal(X, _data(4, 6, 0)[0])
    assert not np.array_equal(X, _data(4, 6, 1)[0])
    assert X.shape == (81, 6) and np.bincount(y).tolist() == [21, 20, 20, 20]
    # the data spans min(n_features, n_classes - 1) = 3 dimensions
    assert np.linalg.matrix_rank(X - X.mean(axis=0), tol=1e-9 * np.abs(X).max()) == 3
    Xs, ys = make_sequentially_separable(n_samples=30, n_classes=3, unique_order=True,
                                         shuffle=False, random_state=0)
    assert ys.tolist() == sorted(ys.tolist())


def test_unique_order_validates():
    with pytest.raises(InvalidParameterError, match="n_classes"):
        make_sequentially_separable(n_classes=6, unique_order=True)
    with pytest.raises(InvalidParameterError, match="unique_order"):
        make_sequentially_separable(unique_order="yes")
    with pytest.raises(ValueError, match="unique_order=True for 2 to 5"):
        make_sequentially_separable(n_classes=4)
    with pytest.raises(ValueError, match="noise=0.051 is too large.*<= 0.05"):
        make_sequentially_separable(n_classes=5, noise=0.051, unique_order=True)
    with pytest.raises(ValueError, match="needs 6 points per class"):
        make_sequentially_separable(n_samples=20, n_classes=4, n_features=3,
                                    unique_order=True)
    # noise at the documented bound (h_Q R / 6 = 0.0517 for 2 classes) keeps the guarantee
    X, y = make_sequentially_separable(n_samples=41, n_classes=2, unique_order=True,
                                       noise=0.0516, random_state=0)
    xbar = (X[y == 0].mean(axis=0) + X[y == 1].mean(axis=0)) / 2
    assert _separable(X[y == 0], np.vstack([X[y == 1], xbar]))
    assert not _separable(X[y == 1], np.vstack([X[y == 0], xbar]))


@pytest.mark.parametrize("n_classes, h", [(2, 0.062), (3, 0.061), (4, 0.072), (5, 0.060)])
def test_the_documented_margins_hold_without_noise(n_classes, h):
    # h_Q R of the Notes, R = 5: in the order, a hyperplane keeps class k at least
    # 2 h_Q R from the later classes, x̄ and the segments from the earlier means to x̄
    # (the Notes claim it even for points near those segments; this checks the segments).
    # Any separating hyperplane's smallest distance bounds the best one's from below,
    # so a (near) hard-margin linear SVM that reaches h_Q R proves the claim.
    X, y = make_sequentially_separable(n_samples=30 * n_classes, n_classes=n_classes,
                                       unique_order=True, noise=0.0, random_state=0)
    means = np.array([X[y == k].mean(axis=0) for k in range(n_classes)])
    xbar = means.mean(axis=0)
    for k in range(n_classes):
        A = X[y == k]
        B = np.vstack([X[y > k], xbar[None]] + [np.linspace(means[i], xbar, 50)
                                                for i in range(k)])
        svm = SVC(kernel="linear", C=1e8).fit(np.vstack([A, B]),
                                               np.r_[-np.ones(len(A)), np.ones(len(B))])
        w, b = svm.coef_.ravel(), svm.intercept_[0]
        gap = min((-(A @ w + b)).min(), (B @ w + b).min()) / np.linalg.norm(w)
        assert gap >= h * 5.0, (k, gap / 5.0)


def test_the_margin_search_in_threads_takes_one_candidate_per_task(monkeypatch):
    # the margin order search sends each candidate of a step to its own task (a free
    # worker takes the next one); on the unique-order data most candidates are not
    # separable, so certificates come back from the workers too: the order, the network
    # and the certificates found must be the serial search's
    import sktrunc._sequential as sequential

    monkeypatch.setattr(sequential, "_PARALLEL_MIN_WORK", 0)
    tasks, task = [], sequential._separate_batch

    def counted(state, jobs, *args):
        tasks.append(len(jobs))
        return task(state, jobs, *args)

    monkeypatch.setattr(sequential, "_separate_batch", counted)
    X, y = _data(4, 3, 3)

    def fit(n_jobs):
        tasks.clear()
        clf = SequentialSeparableClassifier(order="margin", n_prototypes=1, n_jobs=n_jobs)
        return clf.fit(X, y), list(tasks)

    serial, serial_tasks = fit(None)
    threaded, threaded_tasks = fit(2)
    assert serial.order_.tolist() == [0, 1, 2, 3]
    assert threaded.order_.tolist() == serial.order_.tolist()
    # serially a step is one batch of the candidates it solves (4, then 2 and 1: an
    # earlier certificate settles one of the 3 left at step 2, and of the 2 at step 3);
    # in threads one task each, as many
    assert serial_tasks[:3] == [4, 2, 1]
    assert set(threaded_tasks) == {1} and len(threaded_tasks) == sum(serial_tasks)
    for a, b in zip(serial.coefs_ + serial.intercepts_,
                    threaded.coefs_ + threaded.intercepts_):
        np.testing.assert_array_equal(a, b)
    assert cost(threaded, X, y) < 1e-18

