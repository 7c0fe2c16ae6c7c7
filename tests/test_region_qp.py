import numpy as np

from sktrunc.landscape import (
    RegionLeastSquares,
    activation_pattern,
    output_weights,
    search_regions,
)


def test_output_weights_alternate_and_cover_every_output():
    V = output_weights(6, 2)
    np.testing.assert_array_equal(V[:, 0], [1, 0, -1, 0, 1, 0])
    np.testing.assert_array_equal(V[:, 1], [0, 1, 0, -1, 0, 1])


def test_region_least_squares_respects_its_region_and_is_optimal_there():
    rng = np.random.default_rng(0)
    X, Y = rng.uniform(-1, 1, (20, 2)), rng.normal(size=(20, 1))
    V = output_weights(6, 1)
    A = activation_pattern(X, rng.normal(size=(2, 6)), rng.normal(size=6))
    coef, intercept = RegionLeastSquares(X, Y, V).solve(A)
    pre = X @ coef + intercept
    assert np.all(pre[A] >= -1e-7) and np.all(pre[~A] <= 1e-7)
    # inside the region the network is linear in the parameters: its loss is at most that
    # of any other point of the region, e.g. the initial pattern's own parameters scaled down
    fit = np.maximum(pre, 0) @ V
    loss = np.sum((fit - Y) ** 2)
    assert loss <= np.sum(Y ** 2) + 1e-9  # W = 0 lies in the closed region


def test_search_regions_reports_the_first_interpolating_seed():
    rng = np.random.default_rng(1)
    X, Y = rng.uniform(-1, 1, (8, 2)), rng.normal(size=(8, 1))
    res = search_regions(X, Y, 16, seeds=range(6))
    assert res["interpolates"] and 1 <= res["n_tried"] <= 6
    out = np.maximum(X @ res["coef"] + res["intercept"], 0) @ res["output_coef"]
    assert np.abs(out - Y).max() <= 1e-6 * max(1, np.abs(Y).max())
    assert res["pattern"].shape == (8, 16)
