"""The margin order search's parallel machinery (issue 16): the same network, bit for bit.

Every candidate's hard-margin problem starts from its support vectors of the step
before, its sides are built in reused buffers, and with threads a queue feeds the
same workers for the whole search.  None of this may change the network: each
piece is checked against the route without it.
"""

import pickle

import numpy as np
import pytest
from joblib import parallel_config
from sklearn.datasets import make_blobs

import sktrunc._sequential as sequential
from sktrunc import SequentialSeparableClassifier
from sktrunc._separation import _fast_max_margin


def _fit(X, y, n_jobs=None, **kwargs):
    return SequentialSeparableClassifier(order="margin", n_prototypes=1, n_jobs=n_jobs,
                                         random_state=0, **kwargs).fit(X, y)


def _assert_same_network(a, b):
    assert a.order_.tolist() == b.order_.tolist()
    for Wa, Wb in zip(a.coefs_ + a.intercepts_, b.coefs_ + b.intercepts_, strict=True):
        np.testing.assert_array_equal(Wa, Wb)


@pytest.fixture
def blobs():
    return make_blobs(n_samples=600, n_features=8, centers=6, random_state=0)


@pytest.mark.parametrize("seed", range(3))
def test_a_start_from_the_support_vectors_gives_the_same_hyperplane(seed):
    rng = np.random.default_rng(seed)
    d = [3, 10, 40][seed]
    neg = rng.normal(size=(300, d))
    pos = rng.normal(size=(500, d)) + 9.0 * np.eye(d)[0]  # separable
    (w, b), on_neg, on_pos = _fast_max_margin(neg, pos, "CLARABEL")
    # the points returned with a hyperplane are those on its margin: its support vectors
    assert on_neg.size and on_pos.size
    np.testing.assert_allclose(neg[on_neg] @ w + b, -1.0, atol=1e-6)
    np.testing.assert_allclose(pos[on_pos] @ w + b, 1.0, atol=1e-6)
    assert np.all(neg @ w + b <= -1 + 1e-7) and np.all(pos @ w + b >= 1 - 1e-7)
    # started from them (and from a few other points), the same hyperplane, bit for bit
    extra_neg, extra_pos = rng.choice(300, 5, replace=False), rng.choice(500, 5, replace=False)
    for start in [(on_neg, on_pos),
                  (np.union1d(on_neg, extra_neg), np.union1d(on_pos, extra_pos))]:
        (w2, b2), _, _ = _fast_max_margin(neg, pos, "CLARABEL", start=start)
        np.testing.assert_array_equal(w2, w)
        assert b2 == b


def test_a_stale_start_still_gives_the_max_margin_hyperplane():
    # a start that misses most support vectors: more rounds of violators, same answer
    rng = np.random.default_rng(3)
    neg, pos = rng.normal(size=(400, 6)), rng.normal(size=(400, 6)) + 4.0
    (w, b), on_neg, on_pos = _fast_max_margin(neg, pos, "CLARABEL")
    far_neg = np.argsort(neg @ w)[:3]  # the points farthest from the hyperplane
    far_pos = np.argsort(-(pos @ w))[:3]
    (w2, b2), _, _ = _fast_max_margin(neg, pos, "CLARABEL", start=(far_neg, far_pos))
    np.testing.assert_allclose(w2, w, rtol=1e-9, atol=1e-12 * np.abs(w).max())
    assert b2 == pytest.approx(b, rel=1e-9, abs=1e-12)


def test_the_search_started_from_earlier_support_vectors_gives_the_same_network(
        monkeypatch, blobs):
    X, y = blobs
    started = []
    start = sequential._start

    def counting(support, *args):
        out = start(support, *args)
        started.append(out is not None)
        return out

    monkeypatch.setattr(sequential, "_start", counting)
    seeded = _fit(X, y)
    # every step after the first solves the candidates of the step before again
    assert sum(started) == sum(range(1, 6))
    monkeypatch.setattr(sequential, "_start", lambda *args: None)
    _assert_same_network(seeded, _fit(X, y))


@pytest.mark.parametrize("backend", [None, "threading", "loky"])
def test_threads_and_processes_give_the_serial_network(monkeypatch, blobs, backend):
    # every step to the workers (the default keeps problems this small serial); with
    # threads (the default, and "threading") a queue feeds the same workers for the
    # whole search; with processes (loky) each task is sent the search's data without
    # its buffers, and the widest margin's sides are built again in the search's process
    monkeypatch.setattr(sequential, "_PARALLEL_MIN_WORK", 0)
    X, y = blobs
    serial = _fit(X, y)
    served = []
    serve = sequential._serve

    def counting(tasks, results):
        served.append(1)
        return serve(tasks, results)

    monkeypatch.setattr(sequential, "_serve", counting)
    if backend is None:
        parallel = _fit(X, y, n_jobs=2)
    else:
        with parallel_config(backend=backend, n_jobs=2):
            parallel = _fit(X, y, n_jobs=2)
    _assert_same_network(serial, parallel)
    assert len(served) == (0 if backend == "loky" else 2)
    assert serial.training_cost_ < 1e-18


def test_workers_raise_a_task_error_and_serve_the_next_step():
    workers = sequential._Workers(2)
    try:
        # a task that fails: its error reaches the caller after every result came back
        with pytest.raises(AttributeError):
            workers.map([(None, [(0, None)], [0], [], None, "CLARABEL", False)] * 3)
        X, y = make_blobs(n_samples=60, n_features=3, centers=3, random_state=0)
        state = sequential._Peeling(X, y, np.arange(3), np.zeros((3, 3)), X.mean(axis=0),
                                    budget=12, rng=np.random.RandomState(0))
        out = workers.map([(state, [(j, None)], [0, 1, 2], [], None, "CLARABEL", False)
                           for j in range(3)])
        serial = sequential._separate_batch(state, [(j, None) for j in range(3)], [0, 1, 2],
                                            [], None, "CLARABEL", False)
        assert [batch[0][1] is None for batch in out] == [s[1] is None for s in serial]
    finally:
        workers.close()


def test_sides_in_a_reused_buffer_are_the_sides():
    X, y = make_blobs(n_samples=200, n_features=4, centers=4, random_state=1)
    state = sequential._Peeling(X, y, np.arange(4), np.zeros((4, 4)), X.mean(axis=0),
                                budget=16, rng=np.random.RandomState(0))
    sides = sequential.SequentialSeparableClassifier._sides
    fresh = sides(state, 1, [0, 1, 2], [X[0]])
    small = [np.zeros(3)]  # too small: replaced by a new buffer, kept in the list
    for out in (small, small, [None]):
        neg, pos = sides(state, 1, [0, 1, 2], [X[0]], out=out)
        np.testing.assert_array_equal(neg, fresh[0])
        np.testing.assert_array_equal(pos, fresh[1])
        assert np.shares_memory(pos, out[0])
    assert small[0].size >= fresh[1].size


def test_the_widest_margin_keeps_its_sides_and_the_others_give_their_buffer_back():
    state = sequential._Peeling(np.zeros((2, 2)), np.zeros(2, dtype=int), np.zeros(1),
                                np.zeros((1, 2)), np.zeros(2), budget=1,
                                rng=np.random.RandomState(0))
    a, b, c = (np.zeros(1) for _ in range(3))
    assert sequential._offer_widest(state, (-1.0, 1), 5, "sides 5", a) is None
    assert sequential._offer_widest(state, (-1.0, 2), 6, "sides 6", b) is b  # a tie: rank
    assert sequential._offer_widest(state, (-2.0, 3), 7, "sides 7", c) is a  # wider
    assert state.widest == ((-2.0, 3), 7, "sides 7", c)
    # a task in a worker process gets the data without buffers, lock or workers
    state.buffers.append(np.zeros(1))
    copy = pickle.loads(pickle.dumps(state))
    assert copy.buffers == [] and copy.lock is None and copy.widest is None
    assert sequential._offer_widest(copy, (-3.0, 0), 8, "sides 8", a) is a


def test_axial_coordinates_split_over_the_workers_are_the_same_numbers():
    from sktrunc._geometry import _ROW_WORKERS, axial_coordinates

    rng = np.random.default_rng(0)
    m, f = rng.normal(size=5), rng.normal(size=5)
    f /= np.linalg.norm(f)
    workers = sequential._Workers(2)
    try:
        for n in (100, 4 * 4096, 5 * 4096 + 17):
            points = rng.normal(size=(n, 5)) * 10
            serial = axial_coordinates(points, m, f)
            token = _ROW_WORKERS.set(workers)
            try:
                split = axial_coordinates(points, m, f)
            finally:
                _ROW_WORKERS.reset(token)
            for a, b in zip(serial, split, strict=True):
                np.testing.assert_array_equal(a, b)
    finally:
        workers.close()


def test_the_first_step_started_from_a_subsample_gives_the_same_network(monkeypatch):
    # the first step of a large search starts each candidate from its support vectors on
    # every k-th row: the same support vectors on all rows, the same network
    monkeypatch.setattr(sequential, "_PARALLEL_MIN_WORK", 0)
    monkeypatch.setattr(sequential, "_SUBSAMPLE", 4)
    X, y = make_blobs(n_samples=2000, n_features=5, centers=4, random_state=1)
    starts = []
    subsample_starts = sequential._subsample_starts

    def recording(*args):
        out = subsample_starts(*args)
        starts.append(out)
        return out

    monkeypatch.setattr(sequential, "_subsample_starts", recording)
    started = _fit(X, y)
    assert len(starts) == 1 and sorted(starts[0]) == [0, 1, 2, 3]
    for rows_neg, rows_pos in starts[0].values():
        # rows of the full data, every 4th
        assert rows_neg.size and rows_pos.size and not (rows_neg % 4).any()
    monkeypatch.setattr(sequential, "_subsample_starts", lambda *args: {})
    _assert_same_network(started, _fit(X, y))
    assert started.training_cost_ < 1e-18
