import pickle

import numpy as np
import pytest

from sktrunc import ReLUNetwork
from sktrunc._truncation import compose_truncations


def _manual_forward(coefs, intercepts, X):
    a = X
    for W, b in zip(coefs[:-1], intercepts[:-1]):
        a = np.maximum(a @ W + b, 0.0)
    return a @ coefs[-1] + intercepts[-1]


def _random_layers(widths, seed):
    rng = np.random.default_rng(seed)
    coefs = [rng.normal(size=(m, n)) for m, n in zip(widths[:-1], widths[1:])]
    intercepts = [rng.normal(size=n) for n in widths[1:]]
    return coefs, intercepts


@pytest.mark.parametrize("widths", [(3, 1), (4, 6, 2), (5, 4, 4, 3, 2)])
def test_forward_matches_manual_relu_pass(widths):
    coefs, intercepts = _random_layers(widths, 0)
    net = ReLUNetwork(coefs, intercepts)
    X = np.random.default_rng(1).normal(size=(20_000, widths[0]))  # spans several row blocks
    np.testing.assert_allclose(net.forward(X), _manual_forward(coefs, intercepts, X),
                               rtol=1e-12, atol=1e-12)
    assert net.layer_sizes == widths
    assert net.n_params == sum(c.size + b.size for c, b in zip(coefs, intercepts))
    hidden = net.hidden_outputs(X[:5])
    assert [h.shape[1] for h in hidden] == list(widths[1:-1])
    assert all((h >= 0).all() for h in hidden)


def _cumulative(coefs, intercepts):
    """W^(l) = W_l ... W_1 and b^(l) of eq. 21-22, in sklearn orientation."""
    cum_c, cum_b = [coefs[0]], [intercepts[0]]
    for c, b in zip(coefs[1:], intercepts[1:]):
        cum_c.append(cum_c[-1] @ c)
        cum_b.append(cum_b[-1] @ c + b)
    return cum_c, cum_b


@pytest.mark.parametrize("seed", range(3))
def test_from_cumulative_inverts_eq_21_22(seed):
    # non-increasing full-rank widths: the setting of Lemma 3.3
    coefs, intercepts = _random_layers((6, 5, 4, 3, 2), seed)
    cum_c, cum_b = _cumulative(coefs, intercepts)
    net = ReLUNetwork.from_cumulative(cum_c, cum_b)
    for got, want in zip(net.coefs, coefs):
        np.testing.assert_allclose(got, want, atol=1e-10)
    for got, want in zip(net.intercepts, intercepts):
        np.testing.assert_allclose(got, want, atol=1e-10)


@pytest.mark.parametrize("seed", range(3))
def test_network_is_composition_of_truncations_prop_3_2(seed):
    coefs, intercepts = _random_layers((6, 5, 4, 3, 2), seed)
    cum_c, cum_b = _cumulative(coefs, intercepts)
    X = np.random.default_rng(seed + 10).normal(size=(50, 6))
    net = ReLUNetwork(coefs, intercepts)
    # eq. (24): X^(L) = W^(L) X^(tau, L-1) + b^(L)
    Xt = compose_truncations(X, cum_c[:-1], cum_b[:-1])
    np.testing.assert_allclose(Xt @ cum_c[-1] + cum_b[-1], net.forward(X), atol=1e-9)
    # eq. (23) for every hidden layer
    for ell, h in enumerate(net.hidden_outputs(X), start=1):
        Xt = compose_truncations(X, cum_c[:ell], cum_b[:ell])
        np.testing.assert_allclose(Xt @ cum_c[ell - 1] + cum_b[ell - 1], h, atol=1e-9)


def test_to_mlp_predicts_like_forward_and_warm_starts():
    coefs, intercepts = _random_layers((3, 7, 5, 2), 3)
    net = ReLUNetwork(coefs, intercepts)
    X = np.random.default_rng(4).normal(size=(40, 3))
    mlp = net.to_mlp(warm_start=True, solver="sgd", learning_rate_init=1e-4, max_iter=1,
                     shuffle=False, random_state=0)
    np.testing.assert_allclose(mlp.predict(X), net.forward(X), rtol=1e-12, atol=1e-12)
    # gradient descent continues from our weights: one small step moves them only a little
    y = net.forward(X) + 0.1
    with pytest.warns(Warning):  # ConvergenceWarning after max_iter=1
        mlp.fit(X, y)
    assert mlp.n_iter_ == 1
    step = max(np.abs(a - b).max() for a, b in zip(mlp.coefs_, coefs))
    assert 0 < step < 1e-2


def test_to_mlp_single_output_is_raveled_and_pickles():
    coefs, intercepts = _random_layers((2, 4, 1), 5)
    net = ReLUNetwork(coefs, intercepts)
    X = np.random.default_rng(6).normal(size=(8, 2))
    mlp = pickle.loads(pickle.dumps(net.to_mlp()))
    np.testing.assert_allclose(mlp.predict(X), net.forward(X).ravel(), rtol=1e-12)


def test_bad_layers_are_refused():
    with pytest.raises(ValueError, match="at least one layer"):
        ReLUNetwork([], [])
    with pytest.raises(ValueError, match="does not match"):
        ReLUNetwork([np.ones((2, 3))], [np.ones(2)])
    with pytest.raises(ValueError, match="expects 4 inputs"):
        ReLUNetwork([np.ones((2, 3)), np.ones((4, 1))], [np.ones(3), np.ones(1)])
    with pytest.raises(ValueError, match="affine"):
        ReLUNetwork([np.ones((2, 1))], [np.ones(1)]).to_mlp()
    with pytest.raises(TypeError, match="fixed by the network"):
        ReLUNetwork(*_random_layers((2, 3, 1), 0)).to_mlp(activation="tanh")
