import numpy as np
import pytest

from sktrunc.landscape import (
    RegionLeastSquares,
    activation_pattern,
    count_regions_general_position,
    count_unit_patterns,
    full_rank_fraction,
    global_minimum_fraction,
    jacobian_rank,
    output_weights,
    pattern_is_realizable,
    region_jacobian,
    step_vector_test,
    theory_width,
)


def test_khatri_rao_jacobian_equals_finite_differences():
    rng = np.random.default_rng(0)
    X = rng.uniform(-1, 1, (7, 3))
    W, b, v = rng.normal(size=(3, 5)), rng.normal(size=5), rng.normal(size=5)

    def f(theta):
        Wt = theta.reshape(5, 4)  # unit by unit: (w_k, b_k), the Jacobian's column order
        return np.maximum(X @ Wt[:, :3].T + Wt[:, 3], 0) @ v

    theta = np.column_stack([W.T, b]).ravel()
    eps = 1e-6  # small enough not to change the activation pattern
    fd = np.array([(f(theta + eps * e) - f(theta - eps * e)) / (2 * eps)
                   for e in np.eye(theta.size)]).T
    J = region_jacobian(X, activation_pattern(X, W, b), v)
    np.testing.assert_allclose(J, fd, atol=1e-6)
    assert jacobian_rank(X, activation_pattern(X, W, b), v) == np.linalg.matrix_rank(J)


def test_proposition_6_count_equals_enumeration():
    rng = np.random.default_rng(1)
    for n, d0 in [(6, 1), (6, 2), (7, 2)]:
        X = rng.normal(size=(n, d0))  # general position almost surely
        assert count_unit_patterns(X) == count_regions_general_position(n, d0, 1)
    assert count_regions_general_position(6, 2, 3) == 32 ** 3


def test_lemma_9_step_vectors_agree_with_lp_feasibility():
    rng = np.random.default_rng(2)
    x = rng.uniform(-1, 1, 7)
    for code in range(2 ** 7):
        column = np.array([(code >> i) & 1 for i in range(7)], dtype=bool)
        assert step_vector_test(x, column) == pattern_is_realizable(x[:, None], column)


def test_region_qp_global_minimum_interpolates_by_forward_pass():
    rng = np.random.default_rng(3)
    X = rng.uniform(-1, 1, (8, 2))
    y = (np.sum(X ** 2, axis=1) - np.prod(X, axis=1))[:, None]
    V = output_weights(40, 1)
    found = 0
    for seed in range(5):
        r = np.random.default_rng(seed)
        W, b = r.uniform(-1.7, 1.7, (2, 40)), r.uniform(-1.7, 1.7, 40)
        coef, intercept = RegionLeastSquares(X, y, V).solve(activation_pattern(X, W, b))
        out = np.maximum(X @ coef + intercept, 0) @ V
        found += np.abs(out - y).max() < 1e-6
    assert found >= 3  # most wide regions hold a global minimum (Fig 6)


def test_experiments_are_monotone_in_width_and_independent_of_n_jobs():
    a = full_rank_fraction([10, 30], [20, 200], n_trials=30, random_state=0)
    b = full_rank_fraction([10, 30], [20, 200], n_trials=30, random_state=0, n_jobs=2)
    np.testing.assert_array_equal(a["fraction"], b["fraction"])
    assert a["fraction"][0, 1] >= a["fraction"][0, 0]
    assert a["fraction"][0, 1] >= a["fraction"][1, 1]  # more points: harder
    g1 = global_minimum_fraction([8], [4, 40], n_trials=6, random_state=1)
    g2 = global_minimum_fraction([8], [4, 40], n_trials=6, random_state=1, n_jobs=2)
    np.testing.assert_array_equal(g1["fraction"], g2["fraction"])
    assert g1["fraction"][0, 1] > g1["fraction"][0, 0]
    with pytest.raises(ValueError, match="labels"):
        global_minimum_fraction([8], [4], labels="nonsense")
    d0_prop = full_rank_fraction([10, 20], [20], n_features=lambda n: n // 5, n_trials=5,
                                 random_state=0)
    assert d0_prop["fraction"].shape == (2, 1)


def test_theory_widths():
    # Theorem 10 (the constant of its proof, App. C): d1 = 2 n log(n / eps);
    # Theorem 12: 2 n log(2n / eps) units of each sign, d1 = 4 n log(2n / eps) (Fig. 6)
    n = np.array([10, 20])
    np.testing.assert_allclose(theory_width(n, 0.1), 2 * n * np.log(n / 0.1))
    np.testing.assert_allclose(theory_width(n, 0.1, kind="minima"),
                               4 * n * np.log(2 * n / 0.1))
    with pytest.raises(ValueError, match="kind"):
        theory_width(10, kind="foo")
    with pytest.raises(ValueError, match="epsilon"):
        theory_width(10, epsilon=0.0)


def test_count_regions_exact_big_integers_and_logarithm():
    from math import comb, log

    per_unit = 2 * sum(comb(99, k) for k in range(11))
    assert count_regions_general_position(100, 10, 3) == per_unit ** 3
    # exact is refused past ten million bits; the logarithm answers at once
    with pytest.raises(ValueError, match="log=True"):
        count_regions_general_position(100, 10, 10**7)
    assert count_regions_general_position(100, 10, 10**7, log=True) == pytest.approx(
        10**7 * log(per_unit))
    # d0 >= n - 1: every dichotomy of n points is affine, 2^n per unit
    assert count_regions_general_position(3, 5, 2) == 8 ** 2


def test_landscape_functions_validate_their_parameters():
    with pytest.raises(ValueError, match="n_trials"):
        global_minimum_fraction([5], [4], n_trials=0)
    with pytest.raises(ValueError, match="labels"):
        global_minimum_fraction([5], [4], labels="foo")
    with pytest.raises(ValueError, match="not installed"):
        global_minimum_fraction([5], [4], n_trials=2, solver="CLARABELL")
    with pytest.raises(ValueError, match="widths"):
        full_rank_fraction([5], [], n_trials=2)
    with pytest.raises(ValueError, match="n_samples"):
        count_regions_general_position(0, 1, 1)


@pytest.mark.parametrize("labels", ["polynomial", "teacher", "random", "sum_product",
                                    "gaussian"])
def test_every_label_kind_runs(labels):
    res = global_minimum_fraction([5], [30], labels=labels, n_trials=2, random_state=0)
    assert res["fraction"].shape == (1, 1) and 0.0 <= res["fraction"][0, 0] <= 1.0
    # the paper's data sets are wide enough here that some region interpolates
    assert labels not in ("polynomial", "random") or res["fraction"][0, 0] > 0


def test_pattern_realizability_does_not_depend_on_scale():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(12, 2))
    columns = [rng.random(12) > 0.5 for _ in range(20)] + [X[:, 0] > 0.1]
    for col in columns:
        answers = {pattern_is_realizable(X * s, col) for s in (1e-10, 1.0, 1e10)}
        assert len(answers) == 1
    assert pattern_is_realizable(X * 1e-10, X[:, 0] > 0.1)
def test_dask_backend_runs_an_experiment():
    distributed = pytest.importorskip(
        "dask.distributed", reason="dask is an optional extra: pip install dask[distributed]")
    from joblib import parallel_config

    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=False) as cluster, \
            distributed.Client(cluster):
        with parallel_config(backend="dask"):
            res = full_rank_fraction([5, 10], [20], n_trials=5, random_state=0, n_jobs=2)
    local = full_rank_fraction([5, 10], [20], n_trials=5, random_state=0)
    np.testing.assert_array_equal(res["fraction"], local["fraction"])


def test_phase_diagram_display_draws():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from sktrunc.plotting import PhaseDiagramDisplay

    res = full_rank_fraction([5, 10, 20], [10, 40, 160], n_trials=5, random_state=0)
    disp = PhaseDiagramDisplay.from_results(res, theory="rank")
    disp.figure_.canvas.draw()
    np.testing.assert_array_equal(disp.image_.get_array(), res["fraction"].T)
    assert disp.ax_.get_xlabel() == "n (samples)" and len(disp.ax_.lines) == 1
    plt.close("all")
