"""Full-width cone networks: the truncation layers in factored form (issue 13).

A truncation layer's weight ``W_θ R`` (Lemma 3.4, eq. 39-41 of the JMLR paper)
is ``λ I`` plus rank two, so its inverse, its condition number and the real
layers ``W^(ℓ) (W^(ℓ-1))^{-1}`` (eq. 2.45) have closed forms; here they are
checked against numpy's dense ``inv``, ``cond``, ``lstsq`` and ``pinv``, and the
networks built with them against an independent forward pass.
"""

import pickle
import warnings

import numpy as np
import pytest

from sktrunc import ClusteredTruncationClassifier, ReLUNetwork, _network
from sktrunc._cones import ConeLayer, cone_factors
from sktrunc._network import LowRankUpdate
from sktrunc._truncation import assemble_network, condition_number, truncate
from sktrunc.datasets import make_clustered
from sktrunc.exceptions import ConditioningWarning

from conftest import cost, dense_cone_weight, float_zero, forward


def _random_update(rng, n, r, alpha=None):
    alpha = rng.uniform(0.2, 3.0) * rng.choice([-1, 1]) if alpha is None else alpha
    return LowRankUpdate(alpha, rng.normal(size=(n, r)), rng.normal(size=(n, r)) / np.sqrt(n))


@pytest.mark.parametrize("n, r", [(1, 1), (2, 1), (3, 2), (5, 4), (9, 2), (40, 3)])
@pytest.mark.parametrize("seed", range(3))
def test_low_rank_update_closed_forms_equal_dense_linear_algebra(n, r, seed):
    rng = np.random.default_rng(seed)
    A = _random_update(rng, n, r)
    D = A.alpha * np.eye(n) + A.U @ A.V.T
    np.testing.assert_allclose(np.asarray(A), D, rtol=0, atol=1e-14 * np.abs(D).max())
    np.testing.assert_array_equal(np.asarray(A.T), np.asarray(A).T)
    kappa = np.linalg.cond(D)
    # the singular values of the 2r x 2r projection and |alpha|: equal to the SVD's
    np.testing.assert_allclose(A.singular_values(), np.linalg.svd(D, compute_uv=False),
                               rtol=1e-12, atol=1e-13 * np.abs(D).max())
    assert np.isclose(A.cond(), kappa, rtol=1e-9 * max(1.0, kappa / 1e3))
    assert np.isclose(condition_number(A), kappa, rtol=1e-9 * max(1.0, kappa / 1e3))
    inv = np.linalg.inv(D)
    np.testing.assert_allclose(np.asarray(A.inv()), inv, rtol=0,
                               atol=1e-13 * kappa * np.abs(inv).max())
    B = _random_update(rng, n, r)
    DB = np.asarray(B)
    prod = A @ B
    assert isinstance(prod, LowRankUpdate) and prod.rank <= 2 * r
    np.testing.assert_allclose(np.asarray(prod), D @ DB, rtol=0,
                               atol=1e-13 * np.abs(D).max() * np.abs(DB).max() * n)
    X = rng.normal(size=(7, n))
    np.testing.assert_allclose(X @ A, X @ D, rtol=1e-12, atol=1e-12 * np.abs(X @ D).max())
    np.testing.assert_allclose(A @ X.T, D @ X.T, rtol=1e-12, atol=1e-12 * np.abs(D @ X.T).max())
    np.testing.assert_allclose(X[0] @ A, X[0] @ D, rtol=1e-12, atol=1e-12 * np.abs(D).max())


def test_low_rank_update_compression_finds_the_rank_and_refuses_a_singular_inverse():
    rng = np.random.default_rng(3)
    u = rng.normal(size=(12, 1))
    # three columns spanning one direction: rank one after compression, same matrix
    A = LowRankUpdate(0.5, np.hstack([u, 2 * u, -u]), rng.normal(size=(12, 3)))
    C = A.compressed()
    assert C.rank == 1
    np.testing.assert_allclose(np.asarray(C), np.asarray(A), atol=1e-14 * np.abs(A.dense()).max())
    with pytest.raises(np.linalg.LinAlgError):
        LowRankUpdate(0.0, u, u).inv()
    with pytest.raises(ValueError, match="one shape"):
        LowRankUpdate(1.0, u, rng.normal(size=(11, 1)))
    singular = LowRankUpdate(1.0, u, -u / (u.T @ u))  # I - u uᵀ/|u|²: a projection
    assert singular.cond() == np.inf or singular.cond() > 1e14


@pytest.mark.parametrize("n", [1, 2, 3, 8, 60])
@pytest.mark.parametrize("theta", [0.4, 1.6, 2.9])
def test_cone_factors_are_the_cone_weight_and_its_condition_number(n, theta):
    rng = np.random.default_rng(n)
    h = rng.normal(size=n)
    h /= np.linalg.norm(h)
    F, W = cone_factors(h, theta), dense_cone_weight(h, theta)
    np.testing.assert_allclose(np.asarray(F), W, rtol=0, atol=1e-15 * n)
    assert F.rank <= 2
    assert np.isclose(F.cond(), np.linalg.cond(W), rtol=1e-10)
    np.testing.assert_allclose(np.asarray(F.inv()), np.linalg.inv(W), rtol=0,
                               atol=1e-13 * np.linalg.cond(W) * np.abs(np.linalg.inv(W)).max())
    # the axis already on the diagonal: R = I, and the rank drops to one
    e = np.full(n, n ** -0.5)
    np.testing.assert_allclose(np.asarray(cone_factors(e, theta)), dense_cone_weight(e, theta),
                               atol=1e-15 * n)


def _cone_layers(rng, n, k):
    layers = []
    for j in range(k):
        h = rng.normal(size=n)
        layers.append(ConeLayer(label=j, prototype=j, base_point=rng.normal(size=n),
                                axis=h / np.linalg.norm(h), theta=rng.uniform(1.6, 2.8),
                                cone_margin=0.1, collapsed=True))
    return layers


@pytest.mark.parametrize("seed", range(4))
def test_factored_assembly_equals_the_dense_one(seed):
    rng = np.random.default_rng(seed)
    n, k, d = 9, 4, 3
    layers = _cone_layers(rng, n, k)
    out = (rng.normal(size=(n, d)), rng.normal(size=d))
    dense_c = [np.array(layer.weight.T) for layer in layers] + [out[0]]
    cum_b = [layer.cumulative_intercept for layer in layers] + [out[1]]
    np.testing.assert_allclose(cum_b[0], -layers[0].weight @ layers[0].base_point)
    center = rng.normal(size=n)
    components = np.linalg.qr(rng.normal(size=(n + 2, n)))[0].T.copy()[:, :n]  # (n, n)
    for input_map in (None, (center, np.eye(n)), (center, components)):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConditioningWarning)
            got, cond = assemble_network([layer.cumulative_coef for layer in layers] + [out[0]],
                                         cum_b, input_map=input_map)
            want = ReLUNetwork.from_cumulative(dense_c, cum_b)
        coefs, intercepts = [np.array(c) for c in want.coefs], [b.copy() for b in want.intercepts]
        if input_map is not None:
            first = input_map[1] @ coefs[0]
            coefs[0], intercepts[0] = first, intercepts[0] - input_map[0] @ first
        scale = max(np.abs(c).max() for c in coefs)
        for a, b in zip(got.coefs, coefs):
            np.testing.assert_allclose(a, b, rtol=0, atol=1e-10 * scale * max(cond))
        for a, b in zip(got.intercepts, intercepts):
            np.testing.assert_allclose(a, b, rtol=0, atol=1e-10 * np.abs(b).max() * max(cond))
        # the condition numbers reported are the true ones
        np.testing.assert_allclose(cond, [np.linalg.cond(c) for c in got.coefs[:-1]],
                                   rtol=1e-8)
        X = rng.normal(size=(50, n))
        ref = X
        for c, b in zip(got.coefs[:-1], got.intercepts[:-1]):
            ref = np.maximum(ref @ c + b, 0.0)
        ref = ref @ got.coefs[-1] + got.intercepts[-1]
        np.testing.assert_allclose(got.forward(X), ref, rtol=0, atol=1e-10 * np.abs(ref).max())


def test_truncate_with_a_factored_weight_equals_the_pseudo_inverse_route():
    rng = np.random.default_rng(7)
    layer = _cone_layers(rng, 6, 1)[0]
    X = rng.normal(size=(40, 6))
    b = layer.cumulative_intercept
    dense = np.array(layer.cumulative_coef)  # a plain array: the pinv route
    assert getattr(dense, "factors", None) is None
    want = truncate(X, dense, b)
    np.testing.assert_allclose(truncate(X, layer.cumulative_coef, b), want, atol=1e-12)
    np.testing.assert_allclose(truncate(X, layer.cumulative_factors, b), want, atol=1e-12)
    # the dense array a cone layer hands out is read-only and its views carry no form
    coef = layer.cumulative_coef
    with pytest.raises(ValueError, match="read-only"):
        coef[0, 0] = 1.0
    assert coef[:, :3].factors is None and (coef * 2).factors is None


def test_a_network_given_factored_layers_runs_them_without_searching(monkeypatch):
    rng = np.random.default_rng(8)
    n = 300
    layers = [_random_update(rng, n, 3, alpha=rng.uniform(0.5, 2)) for _ in range(3)]
    coefs = layers + [rng.normal(size=(n, 4))]
    intercepts = [rng.normal(size=n) for _ in range(3)] + [rng.normal(size=4)]

    def refuse(coef):
        raise AssertionError("the layer's form was given: nothing to search")

    monkeypatch.setattr(_network, "_low_rank_form", refuse)
    net = ReLUNetwork(coefs, intercepts)
    assert [kind for kind, *_ in net._plan()[0]] == ["lowrank"] * 3
    X = rng.normal(size=(100, n))
    want = X
    for c, b in zip(net.coefs[:-1], net.intercepts[:-1]):
        want = np.maximum(want @ c + b, 0.0)
    want = want @ net.coefs[-1] + net.intercepts[-1]
    np.testing.assert_allclose(net.forward(X), want, rtol=1e-10,
                               atol=1e-10 * np.abs(want).max())
    again = pickle.loads(pickle.dumps(net))
    assert [kind for kind, *_ in again._plan()[0]] == ["lowrank"] * 3
    np.testing.assert_array_equal(again.forward(X), net.forward(X))


def test_dense_layers_that_do_not_fit_are_refused_before_allocating(monkeypatch):
    monkeypatch.setattr(_network, "_available_memory", lambda: 2**20)  # 1 MiB
    big = LowRankUpdate(1.0, np.ones((2000, 1)), np.ones((2000, 1)))  # 32 MB dense
    with pytest.raises(ValueError, match=r"needs 0\.0\d+ GiB .* 0\.000977 GiB"):
        ReLUNetwork([big, np.ones((2000, 1))], [np.zeros(2000), np.zeros(1)])
    X, y = make_clustered(n_samples=30, n_features=600, n_classes=3, random_state=0)
    with pytest.raises(ValueError, match="nothing was allocated"):
        ClusteredTruncationClassifier(width="full").fit(X, y)


@pytest.mark.parametrize("n_features, n_classes", [(40, 3), (300, 4)])
def test_full_width_network_has_zero_loss_by_an_independent_forward_pass(n_features,
                                                                         n_classes):
    # more features than samples (M > N): layers of width M, built in factored form
    X, y = make_clustered(n_samples=3 * n_classes + 8, n_features=n_features,
                          n_classes=n_classes, clustering_ratio=0.1, random_state=1)
    clf = ClusteredTruncationClassifier(width="full", n_prototypes=1).fit(X, y)
    assert all(W.shape == (n_features, n_features) for W in clf.coefs_[:-1])
    assert clf.output_layer_ == "exact" and clf.collapsed_.all()
    assert cost(clf, X, y) <= float_zero(clf, len(X))
    np.testing.assert_array_equal(
        clf.classes_[np.argmin(((forward(clf, X)[:, None] - clf.targets_) ** 2).sum(-1), 1)], y)
    # the condition numbers the estimator reports are numpy's
    np.testing.assert_allclose(clf.condition_numbers_,
                               [np.linalg.cond(W) for W in clf.coefs_[:-1]], rtol=1e-8)


def test_moderately_wide_full_network_is_built_and_exact():
    # 30 x 800: seconds before the factored assembly (SVDs, lstsq and eigvals of
    # 800 x 800 per layer); its speed is in benchmarks/bench_fullwidth.py
    X, y = make_clustered(n_samples=30, n_features=800, n_classes=3, clustering_ratio=0.1,
                          random_state=2)
    clf = ClusteredTruncationClassifier(width="full").fit(X, y)
    assert clf.network_.layer_sizes == (800, 800, 800, 800, clf.targets_.shape[1])
    assert cost(clf, X, y) <= float_zero(clf, len(X))
    assert clf.training_cost_ <= float_zero(clf, len(X))
    np.testing.assert_array_equal(clf.predict(X), y)
    # one layer's condition number against numpy's SVD (800 x 800: 0.3 s)
    assert np.isclose(clf.condition_numbers_[1], np.linalg.cond(clf.coefs_[1]), rtol=1e-8)


def test_conditioning_warning_reports_the_true_condition_number():
    # nearly flat cones (theta -> pi) are ill-conditioned: 1/lambda = sqrt(n-1) tan(theta/2)
    from sktrunc.exceptions import COND_WARN

    rng = np.random.default_rng(11)
    n = 30
    layers = _cone_layers(rng, n, 3)
    layers[1] = ConeLayer(label=1, prototype=1, base_point=rng.normal(size=n),
                          axis=layers[1].axis, theta=np.pi * (1 - 1e-7), cone_margin=0.1,
                          collapsed=True)
    cum_c = [layer.cumulative_coef for layer in layers] + [rng.normal(size=(n, 2))]
    cum_b = [layer.cumulative_intercept for layer in layers] + [np.zeros(2)]
    # the flat layer and the next one (which undoes it, eq. 2.45) are the ill-conditioned
    with pytest.warns(ConditioningWarning, match=r"Hidden layer [12] has condition number"):
        net, cond = assemble_network(cum_c, cum_b)
    dense = [np.linalg.cond(c) for c in net.coefs[:-1]]
    assert cond[0] < COND_WARN < min(cond[1], cond[2])
    np.testing.assert_allclose(cond, dense, rtol=1e-6)


@pytest.mark.parametrize("exponent", [-162, -300, 200, 300])
def test_the_cone_shortcut_equals_the_plain_pass_at_extreme_scales(exponent):
    # squared lengths underflow or overflow there: those rows must take the exact pass
    X, y = make_clustered(n_samples=60, n_features=4, n_classes=3, clustering_ratio=0.1,
                          random_state=0)
    rng = np.random.default_rng(0)
    Xt = np.vstack([X, X.mean(0) + 2 * X.std() * rng.normal(size=(60, 4))]) * 10.0 ** exponent
    for est in (ClusteredTruncationClassifier(random_state=0),
                ClusteredTruncationClassifier(width="full", random_state=0)):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            est.fit(X * 10.0 ** exponent, y)
        out = forward(est, Xt)
        np.testing.assert_allclose(est.network_.forward(Xt), out, rtol=0,
                                   atol=1e-10 * np.abs(out).max())
