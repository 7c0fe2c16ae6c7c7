"""003 Lemma 9, Lemma 15 / Theorem 12 and Theorem 5: 1-D regions, complete regions, counts."""

import itertools

import numpy as np
import pytest

from sktrunc.landscape import (
    complete_region_minimum,
    is_complete_region,
    jacobian_rank,
    pattern_is_realizable,
    region_rank_experiment,
    sample_nonempty_regions,
    step_vector_test,
    step_vectors,
)


def _forward(net, x):
    """Independent forward pass of ``v·σ(w x + b)`` from the network's arrays."""
    w, v = net.coefs[0][0], net.coefs[1][:, 0]
    pre = np.outer(x, w) + net.intercepts[0]
    return pre, np.maximum(pre, 0.0) @ v + net.intercepts[1][0]


@pytest.mark.parametrize("n", [1, 2, 5])
def test_step_vectors_are_all_realisable_patterns(n):
    steps = step_vectors(n)
    assert steps.shape == (2 * n, n)
    assert len({tuple(r) for r in steps}) == 2 * n
    x = np.random.default_rng(n).normal(size=n)
    x.sort()
    # Lemma 9 independently, by LP feasibility over every pattern of one unit
    realisable = {c for c in itertools.product([False, True], repeat=n)
                  if pattern_is_realizable(x[:, None], np.array(c))}
    assert realisable == {tuple(r) for r in steps}


def test_sampled_regions_are_non_empty_and_uniform():
    x = np.array([0.4, -1.0, 2.0, 0.0])
    A = sample_nonempty_regions(x, width=6, n_regions=3000, random_state=0)
    assert A.shape == (3000, 4, 6)
    cols = A.transpose(0, 2, 1).reshape(-1, 4)
    assert all(step_vector_test(x, c) for c in cols[:200])
    # uniform over the 2n = 8 step vectors (sorted-order patterns)
    _, counts = np.unique(cols[:, np.argsort(x)], axis=0, return_counts=True)
    assert len(counts) == 8
    expected = len(cols) / 8
    assert np.all(np.abs(counts - expected) < 5 * np.sqrt(expected))


@pytest.mark.parametrize("seed", range(6))
def test_complete_region_minimum_interpolates_in_its_region(seed):
    rng = np.random.default_rng(seed)
    n = 7
    x = rng.uniform(-3, 3, n)
    y = rng.normal(size=n) * 10
    net = complete_region_minimum(x, y, width=2 * n + 5, random_state=seed)
    pre, out = _forward(net, x)
    np.testing.assert_allclose(out, y, atol=1e-9 * np.abs(y).max())
    # every pre-activation is strictly on one side: the network is inside an open region
    assert np.abs(pre).min() > 1e-9
    A = pre > 0
    v = net.coefs[1][:, 0]
    assert is_complete_region(x, A, v)
    # and inside its own region the Jacobian (w.r.t. w, b) has full rank n (Theorem 12)
    assert jacobian_rank(x[:, None], A, v) == n


def test_complete_region_minimum_in_a_given_sampled_region():
    rng = np.random.default_rng(3)
    n = 5
    x, y = rng.normal(size=n), rng.normal(size=n)
    v = np.tile([1.0, -1.0], 60)
    found = 0
    for A in sample_nonempty_regions(x, 120, n_regions=10, random_state=1):
        if not is_complete_region(x, A, v):
            with pytest.raises(ValueError, match="not complete"):
                complete_region_minimum(x, y, pattern=A, output_weights=v)
            continue
        found += 1
        net = complete_region_minimum(x, y, pattern=A, output_weights=v, random_state=0)
        pre, out = _forward(net, x)
        np.testing.assert_array_equal(pre > 0, A)
        np.testing.assert_allclose(net.coefs[1][:, 0], v)
        np.testing.assert_allclose(out, y, atol=1e-9)
    assert found > 0


def test_complete_region_errors():
    x = np.array([0.0, 1.0, 2.0])
    with pytest.raises(ValueError, match="distinct"):
        complete_region_minimum([0.0, 0.0], [1.0, 2.0])
    with pytest.raises(ValueError, match="width >= 2n"):
        complete_region_minimum(x, [1.0, 2.0, 3.0], width=5)
    bad = np.array([[1], [0], [1]], dtype=bool)
    with pytest.raises(ValueError, match="step vector"):
        complete_region_minimum(x, [1.0, 2.0, 3.0], pattern=bad, output_weights=[1.0])
    with pytest.raises(ValueError, match="finite"):
        complete_region_minimum([0.0, np.nan], [1.0, 2.0])


def test_region_rank_experiment_all_regions():
    res = region_rank_experiment([6], [3, 12], n_features=2, n_trials=40, random_state=0)
    # Theorem 5: at d0 d1 = n many regions are rank deficient, four times wider few are
    assert res["fraction"].shape == (1, 2)
    assert res["fraction"][0, 1] >= res["fraction"][0, 0]
    assert res["fraction"][0, 1] > 0.9
    # seeds are drawn up front: the result does not depend on n_jobs
    again = region_rank_experiment([6], [3, 12], n_features=2, n_trials=40, random_state=0,
                                   n_jobs=2)
    np.testing.assert_array_equal(res["fraction"], again["fraction"])


def test_region_rank_experiment_nonempty_matches_theorem_12_width():
    from sktrunc.landscape import theory_width

    n = 4
    d1 = int(np.ceil(theory_width(n, 0.1, kind="minima")))
    res = region_rank_experiment([n], [2 * n, d1], regions="nonempty", n_trials=50,
                                 random_state=0)
    # at Theorem 12's width all but a fraction 0.1 of regions are complete
    assert res["complete"][0, 1] >= 0.9
    assert res["complete"][0, 0] <= res["complete"][0, 1]
    # complete regions have full rank (Lemma 15's map is surjective)
    assert np.all(res["fraction"] >= res["complete"])
    with pytest.raises(ValueError, match="one-dimensional"):
        region_rank_experiment([4], [8], n_features=2, regions="nonempty")
