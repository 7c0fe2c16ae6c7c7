"""The margin order search with threads and the training statistics (issue 16).

The subsample problems are solved in the search's thread (they hold the GIL), each
class's rows are kept for the fit, and the training statistics reduce smaller row
blocks with one-hot scores formed in place.  None of this may change a number.
"""

import threading

import numpy as np
import pytest
from sklearn.datasets import make_blobs
from test_sequential_parallel import _assert_same_network, _fit

import sktrunc._sequential as sequential
from sktrunc import SequentialSeparableClassifier


@pytest.fixture
def blobs():
    return make_blobs(n_samples=2000, n_features=5, centers=6, random_state=1)


def test_subsample_problems_run_in_the_search_thread(monkeypatch, blobs):
    # every step to the workers, and the first from a subsample of every 4th row, whose
    # problems hold the GIL: solved in the search's thread, not on its workers
    monkeypatch.setattr(sequential, "_PARALLEL_MIN_WORK", 0)
    monkeypatch.setattr(sequential, "_SUBSAMPLE", 4)
    X, y = blobs
    calls = []
    subsample_start = sequential._subsample_start

    def recording(sub, j, remaining, solver):
        calls.append(threading.get_ident())
        return subsample_start(sub, j, remaining, solver)

    monkeypatch.setattr(sequential, "_subsample_start", recording)
    serial = _fit(X, y)
    assert len(calls) == 6
    calls.clear()
    threaded = _fit(X, y, n_jobs=2)
    assert calls == [threading.get_ident()] * 6
    _assert_same_network(serial, threaded)
    assert threaded.training_cost_ < 1e-18


def test_side_rows_are_the_rows_of_the_sides():
    rng = np.random.RandomState(0)
    y = rng.randint(0, 6, 500)
    state = sequential._Peeling(rng.normal(size=(500, 3)), y, np.arange(6),
                                np.zeros((6, 3)), np.zeros(3), budget=1, rng=rng)
    for remaining in ([0, 1, 2, 3, 4, 5], [1, 3, 4], [2, 5]):
        for j in remaining:
            for search in (True, False):
                rows_neg, rows_pos = sequential._side_rows(state, j, remaining, search)
                np.testing.assert_array_equal(rows_neg, np.flatnonzero(y == j))
                np.testing.assert_array_equal(
                    rows_pos, sequential._pos_rows(y, j, remaining, search))


def _reference_statistics(clf, X, y_idx, block):
    """The training statistics as computed before (65,536-row blocks, ``out @ Yᵀ``)."""
    from sktrunc._base import _MIN_TEMPERATURE, _TEMPERATURE_ROWS, fit_temperature

    Y = clf.targets_
    half_sq = 0.5 * np.einsum("ij,ij->i", Y, Y)
    step = max(1, X.shape[0] // _TEMPERATURE_ROWS)
    cost, correct, kept = 0.0, 0, []
    for start in range(0, X.shape[0], block):
        out = clf.network_.forward(X[start:start + block])
        idx = y_idx[start:start + block]
        r = out - Y[idx]
        cost += 0.5 * float(np.einsum("ij,ij->", r, r))
        scores = out @ Y.T - half_sq
        correct += int(np.count_nonzero(np.argmax(scores, axis=1) == idx))
        kept.append(scores[(-start) % step::step])
    scores, truth = np.concatenate(kept), y_idx[::step]
    # the floor drops to the misfit bound where a kept row is on the wrong side: the
    # bracket of the Newton search, and so the last bits of the temperature, follow it
    bound = (clf._misfit_min_temperature if np.any(np.argmax(scores, axis=1) != truth)
             else _MIN_TEMPERATURE)
    temperature = fit_temperature(scores / clf._score_unit(), truth, min_temperature=bound)
    return cost, correct / X.shape[0], temperature


@pytest.mark.filterwarnings("ignore::sktrunc.exceptions.AssumptionWarning")
def test_training_statistics_in_blocks_with_one_hot_scores_are_the_same_numbers():
    # 12,000 rows: two blocks of the old pass, two of the new; the temperature from every
    # 2nd row, whose scores formed in place are those of the product with the identity
    X, y = make_blobs(n_samples=12_000, n_features=6, centers=5, cluster_std=4.0,
                      random_state=0)
    clf = SequentialSeparableClassifier(n_prototypes=1, random_state=0).fit(X, y)
    y_idx = np.searchsorted(clf.classes_, y)
    # overlapping classes: a temperature above its bound, fitted on the kept scores
    assert np.array_equal(clf.targets_, np.eye(5)) and clf.training_accuracy_ < 1.0
    assert clf.temperature_ > 0.1
    new = clf._training_statistics(X, y_idx)
    assert new[1:] == (clf.training_accuracy_, clf.temperature_)
    for block in (65_536, 8_192):
        old = _reference_statistics(clf, X, y_idx, block)
        assert new[1:] == old[1:]
        np.testing.assert_allclose(new[0], old[0], rtol=1e-12)
    # eq. (14) from a plain forward pass of the public weights
    a = X
    for W, b in zip(clf.coefs_[:-1], clf.intercepts_[:-1]):
        a = np.maximum(a @ W + b, 0.0)
    out = a @ clf.coefs_[-1] + clf.intercepts_[-1]
    r = out - clf.targets_[y_idx]
    np.testing.assert_allclose(new[0], 0.5 * np.sum(r * r), rtol=1e-9)
    assert new[1] == np.mean(np.argmax(out, axis=1) == y_idx)
