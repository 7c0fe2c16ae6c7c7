import numpy as np
import pytest
from joblib import parallel_config

from sktrunc import ReLUNetwork
from sktrunc.landscape._jacobian import depth_rank_experiment, network_jacobian_rank
from sktrunc.landscape._patterns import region_jacobian


def _net(widths, seed, activation="relu"):
    rng = np.random.default_rng(seed)
    coefs = [rng.normal(size=(m, n)) for m, n in zip(widths[:-1], widths[1:])]
    intercepts = [rng.normal(size=n) for n in widths[1:]]
    return ReLUNetwork(coefs, intercepts, activation=activation)


def test_affine_network_is_proposition_1():
    # D = [Xᵀ 1]ᵀ rows: full rank iff the data (with the bias column) are
    rng = np.random.default_rng(0)
    net = _net((6, 1), 0)
    X = rng.normal(size=(4, 6))
    res = network_jacobian_rank(net, X)
    np.testing.assert_allclose(net.parameter_jacobian(X), np.column_stack([X, np.ones(4)]))
    assert res.rank == 4 and res.full_rank and res.guaranteed
    X[3] = X[0] + X[1] - X[2]  # rank-deficient data, and [X 1] too
    res = network_jacobian_rank(net, X)
    assert res.rank == 3 and not res.data_full_rank and not res.guaranteed


@pytest.mark.parametrize("activation", ["tanh", "softplus"])
@pytest.mark.parametrize("depth", [1, 3])
def test_proposition_5_full_rank_data_give_full_rank_jacobian(activation, depth):
    m, n = 7, 5
    net = _net((m,) + (m,) * depth + (1,), depth, activation)
    X = np.random.default_rng(depth).normal(size=(n, m))
    res = network_jacobian_rank(net, X)
    assert res.guaranteed and res.submersion and res.later_layers_full_rank
    assert res.full_rank and res.rank == n


def test_first_layer_block_is_the_khatri_rao_product_of_lemma_4():
    # for one hidden ReLU layer, the first-layer columns are (A ⊙ v) ⊗̄ [x 1]
    # (Karhadkar et al.'s Lemma 4; Chen & Moore's eq. 15 with σ' the pattern)
    net = _net((3, 5, 1), 3)
    X = np.random.default_rng(4).normal(size=(6, 3))
    J = net.parameter_jacobian(X)
    A = (X @ net.coefs[0] + net.intercepts[0]) > 0
    v = net.coefs[1][:, 0]
    want = region_jacobian(X, A, v)  # columns unit by unit: (w_k, b_k)
    m, width = 3, 5
    w_cols = J[:, :m * width].reshape(6, m, width)
    b_cols = J[:, net.coefs[0].size + net.coefs[1].size:][:, :width]
    got = np.concatenate([w_cols, b_cols[:, None, :]], axis=1).transpose(0, 2, 1)
    np.testing.assert_allclose(got.reshape(6, -1), want, atol=1e-12)


def test_relu_layer_that_kills_every_sample_loses_the_rank():
    # Section 4.5: a ReLU layer mapping the data into R^M_- leaves only the output bias
    net = _net((4, 5, 5, 1), 5)
    coefs = list(net.coefs)
    intercepts = [net.intercepts[0], np.full(5, -1e6), net.intercepts[2]]
    dead = ReLUNetwork(coefs, intercepts)
    X = np.random.default_rng(6).normal(size=(3, 4))
    res = network_jacobian_rank(dead, X)
    assert res.rank == 1 and not res.full_rank
    assert res.dead_samples == [int(np.sum(~(dead.hidden_outputs(X)[0] > 0).any(1))), 3]


def test_tolerance_is_relative_to_the_largest_singular_value():
    net = _net((5, 6, 1), 7, "tanh")
    X = np.random.default_rng(8).normal(size=(4, 5))
    scaled = ReLUNetwork(net.coefs[:-1] + [1e-9 * net.coefs[-1]],
                         net.intercepts[:-1] + [net.intercepts[-1]], activation="tanh")
    assert network_jacobian_rank(scaled, 1e3 * X).rank == network_jacobian_rank(net, X).rank
    # a tolerance above every singular value ratio leaves rank 1
    assert network_jacobian_rank(net, X, tol=0.999).rank == 1
    with pytest.raises(ValueError, match="tol"):
        network_jacobian_rank(net, X, tol=2.0)
    with pytest.raises(ValueError, match="network"):
        network_jacobian_rank("not a network", X)


def test_depth_loses_rank_where_width_does_not():
    kw = dict(n_samples=4, n_trials=12, random_state=0)
    res = depth_rank_experiment([1, 48], **kw)
    # with as many parameters as 48 layers, one wide layer keeps full rank; 48 layers
    # of width 5 lose it in most trials
    assert res["wide_full_rank"][1] == 1.0 and res["deep_full_rank"][1] < 0.75
    assert res["deep_conditioning"][1] < res["wide_conditioning"][1]
    # seeds are drawn up front: the same results with workers (threads: no start-up)
    with parallel_config(backend="threading"):
        again = depth_rank_experiment([1, 48], n_jobs=2, **kw)
    np.testing.assert_array_equal(again["deep_full_rank"], res["deep_full_rank"])
    with pytest.raises(ValueError, match="positive"):
        depth_rank_experiment([0])
    with pytest.raises(ValueError, match="activation"):
        depth_rank_experiment([1], activation="sigmoid")
