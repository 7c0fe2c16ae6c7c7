"""003 Proposition 13, Proposition 7 and Figures 1, 4, 5: function space on 1-D data."""

import itertools

import numpy as np
import pytest
from scipy.spatial import ConvexHull

from sktrunc.landscape import (
    activation_zonotope,
    pattern_is_realizable,
    relu_function_space,
    step_vectors,
)


def _distance_to_polyline(p, vertices):
    best = np.inf
    for a, b in zip(vertices[:-1], vertices[1:]):
        d = b - a
        t = np.clip((p - a) @ d / (d @ d), 0.0, 1.0)
        best = min(best, np.linalg.norm(p - (a + t * d)))
    return best


@pytest.mark.parametrize("n", [2, 3, 4, 6])
def test_regions_ranks_and_patterns(n):
    rng = np.random.default_rng(n)
    x = rng.normal(size=n)
    res = relu_function_space(x)
    # 2n non-empty regions, exactly the step vectors (Lemma 9)
    assert len(res["patterns"]) == 2 * n
    assert {tuple(p) for p in res["patterns"]} == {tuple(s) for s in step_vectors(n)}
    # one region of rank 0, two of rank 1, 2n - 3 of rank 2 (Section 6)
    assert sorted(res["ranks"].tolist()) == [0, 1, 1] + [2] * (2 * n - 3)
    # each region's parameters really have its pattern, and map into its function cone
    xs = res["x"]
    for rays, images, pattern in zip(res["parameter_rays"], res["function_rays"],
                                     res["patterns"]):
        for lam in rng.uniform(0.05, 1.0, size=(5, 2)):
            b, w = lam @ rays
            assert np.array_equal(b + w * xs > 0, pattern)
            np.testing.assert_allclose(np.maximum(b + w * xs, 0.0), lam @ images, atol=1e-12)


def test_one_relu_lies_on_the_polyline():
    """Proposition 13, item 1, against random units computed independently."""
    rng = np.random.default_rng(0)
    x = np.sort(rng.uniform(-2, 2, 5))
    res = relu_function_space(x)
    V = res["simplex_vertices"]
    hits = 0
    for b, w in rng.normal(size=(400, 2)):
        f = np.maximum(b + w * x, 0.0)
        if f.sum() <= 0:
            continue
        hits += 1
        assert _distance_to_polyline(f / f.sum(), V) < 1e-10
    assert hits > 100
    # the constant is one ReLU (active everywhere, w = 0); a bump is not
    assert _distance_to_polyline(np.full(5, 0.2), V) < 1e-12
    assert _distance_to_polyline(np.array([0.1, 0.4, 0.1, 0.3, 0.1]), V) > 1e-2


def test_sums_of_relus_are_non_negative_convex():
    """Prop. 13, item 2: a non-negative sum of ReLUs is a non-negative convex function on X."""
    rng = np.random.default_rng(1)
    x = np.sort(rng.uniform(-2, 2, 6))
    for _ in range(50):
        b, w = rng.normal(size=(2, 4))
        f = np.maximum(np.outer(x, w) + b, 0.0) @ rng.uniform(0, 1, 4)
        slopes = np.diff(f) / np.diff(x)
        assert np.all(f >= 0) and np.all(np.diff(slopes) >= -1e-12)


def test_function_rays_are_polyline_vertices():
    x = np.array([0.0, 1.0, 3.0, 4.5])
    res = relu_function_space(x)
    V = res["simplex_vertices"]
    for rays in res["function_rays"]:
        for r in rays:
            if r.sum() > 0:
                assert np.min(np.linalg.norm(V - r / r.sum(), axis=1)) < 1e-12


@pytest.mark.parametrize("seed", range(3))
def test_zonotope_vertices_are_the_realisable_patterns(seed):
    """Proposition 7: checked against a convex hull of all subset sums and an LP."""
    rng = np.random.default_rng(seed)
    n = 5
    X = np.column_stack([np.ones(n), rng.normal(size=n)])
    res = activation_zonotope(X)
    subsets = np.array(list(itertools.product([0, 1], repeat=n)), dtype=float)
    sums = subsets @ X
    hull = ConvexHull(sums)
    hull_vertices = {tuple(np.round(sums[i], 9)) for i in hull.vertices}
    assert {tuple(np.round(v, 9)) for v in res["vertices"]} == hull_vertices
    realisable = {tuple(s.astype(bool)) for s in subsets
                  if pattern_is_realizable(X, s.astype(bool), bias=False)}
    assert {tuple(p) for p in res["patterns"]} == realisable


def test_errors():
    with pytest.raises(ValueError, match="distinct"):
        relu_function_space([1.0, 1.0])
    with pytest.raises(ValueError, match="common line"):
        activation_zonotope(np.array([[1.0, 1.0], [2.0, 2.0]]))
    with pytest.raises(ValueError, match="shape"):
        activation_zonotope(np.ones((3, 3)))


def test_display():
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from sktrunc.plotting import FunctionSpaceDisplay

    res = relu_function_space([0.0, 1.0, 3.0, 4.0])
    samples = np.maximum(np.outer([0.0, 1.0, 3.0, 4.0], [1.0, -1.0]) + [0.5, 3.5], 0).T
    disp = FunctionSpaceDisplay.from_results(res, samples=samples)
    assert disp.plot() is disp
    assert len(disp.lines_[0].get_xdata()) == 2 * 4 - 2
    two = FunctionSpaceDisplay.from_results(relu_function_space([0.0, 1.0]))
    assert len(two.lines_) >= 2
    par = FunctionSpaceDisplay.from_results(res, panel="parameter")
    assert len(par.lines_) == 8
    zono = FunctionSpaceDisplay.from_results(
        activation_zonotope(np.column_stack([np.ones(3), [0.0, 1.0, 2.0]])))
    assert len(zono.lines_[0].get_xdata()) == 7
    with pytest.raises(ValueError, match="n <= 4"):
        FunctionSpaceDisplay.from_results(relu_function_space(np.arange(6.0)))
    with pytest.raises(ValueError, match="panel"):
        FunctionSpaceDisplay(res, panel="nope")
    plt.close("all")
