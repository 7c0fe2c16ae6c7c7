"""Construct, export, fine-tune (issue 15): ``to_mlp`` on every constructed classifier,
``balance_layers`` and the guarded descent of ``fine_tune``."""

import warnings

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.datasets import make_blobs, make_classification
from sklearn.exceptions import NotFittedError
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPClassifier, MLPRegressor

from sktrunc import (
    ClusteredTruncationClassifier,
    ConvexReLUClassifier,
    SequentialSeparableClassifier,
    ShallowBoundClassifier,
    ShallowBoundRegressor,
)
from sktrunc._finetune import balance_layers, fine_tune

from conftest import forward

CLASSIFIERS = [ClusteredTruncationClassifier(random_state=0),
               SequentialSeparableClassifier(random_state=0), ShallowBoundClassifier(),
               ConvexReLUClassifier(n_patterns=10, random_state=0)]


def _ids(est):
    return type(est).__name__


@pytest.fixture(scope="module")
def data():
    # overlapping classes: no construction is perfect, so descent has something to do
    X, y = make_classification(n_samples=240, n_features=6, n_informative=4,
                               n_redundant=0, n_classes=3, n_clusters_per_class=1,
                               class_sep=1.0, random_state=0)
    return X, y


def _quiet(fn):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # assumption/conditioning warnings of the fits
        return fn()


@pytest.mark.parametrize("est", CLASSIFIERS, ids=_ids)
@pytest.mark.parametrize("widen", [0, 5])
def test_to_mlp_predicts_exactly_as_the_classifier(est, widen, data):
    X, y = data
    est = _quiet(lambda: est.fit(X, y))
    mlp = est.to_mlp(widen=widen, random_state=0)
    assert isinstance(mlp, MLPClassifier)
    np.testing.assert_array_equal(mlp.predict(X), est.predict(X))
    np.testing.assert_allclose(mlp.predict_proba(X), est.predict_proba(X), rtol=1e-7,
                               atol=1e-12)


@pytest.mark.parametrize("est", CLASSIFIERS, ids=_ids)
@pytest.mark.parametrize("widen", [0, 7])
def test_fine_tune_epoch_0_is_the_construction_exactly(est, widen, data):
    # the whole export of the recipe (calibrated and softened logits, power-of-two
    # balancing, widening with rescaled and copied new units) changes no prediction
    X, y = data
    mlp = _quiet(lambda: fine_tune(est, X, y, widen=widen, max_iter=0, random_state=0))
    assert mlp.best_iter_ == 0 and mlp.validation_scores_ == [mlp.best_validation_score_]
    assert mlp.hidden_layer_sizes == tuple(
        c.shape[1] + widen for c in mlp.construction_.coefs_[:-1])
    np.testing.assert_array_equal(mlp.predict(X), mlp.construction_.predict(X))
    # the construction was built on the 90 % not held out, not on all rows
    assert mlp.construction_ is not est


def test_fine_tune_keeps_a_fitted_estimator_without_refit(data):
    X, y = data
    est = ShallowBoundClassifier().fit(X, y)
    mlp = fine_tune(est, X, y, max_iter=0, refit=False, random_state=0)
    assert mlp.construction_ is est
    np.testing.assert_array_equal(mlp.predict(X), est.predict(X))
    with pytest.raises(NotFittedError):
        fine_tune(ShallowBoundClassifier(), X, y, refit=False)


def test_fine_tune_of_a_regressor_starts_at_its_predictions():
    rng = np.random.default_rng(3)
    X = rng.normal(size=(150, 4))
    y = X[:, 0] ** 2 + X[:, 1] + 0.1 * rng.normal(size=150)
    mlp = fine_tune(ShallowBoundRegressor(), X, y, widen=4, max_iter=0, random_state=0)
    assert isinstance(mlp, MLPRegressor)
    out = mlp.construction_.predict(X)
    np.testing.assert_allclose(mlp.predict(X), out, rtol=1e-10,
                               atol=1e-10 * float(np.abs(out).max()))
    mlp = fine_tune(ShallowBoundRegressor(), X, y, widen=4, max_iter=20, random_state=0)
    assert mlp.best_validation_score_ >= mlp.validation_scores_[0]


def _validation_rows(X, y, seed):
    return train_test_split(X, y, test_size=0.1, random_state=seed, stratify=y)[1::2]


def test_fine_tune_keeps_epoch_0_when_every_epoch_is_worse(data):
    X, y = data
    # a step far too large for every weight: each epoch ends worse than the construction
    kw = {"learning_rate_init": 50.0, "freeze": False, "max_iter": 4, "n_iter_no_change": 4,
          "random_state": 0}
    mlp = fine_tune(ShallowBoundClassifier(), X, y, fold_back=False, **kw)
    assert mlp.best_iter_ == 0 and len(mlp.validation_scores_) == 5
    assert min(mlp.validation_scores_[1:]) < mlp.validation_scores_[0]
    X_val, y_val = _validation_rows(X, y, 0)
    # the weights handed back are epoch 0's: a genuine forward pass says so
    np.testing.assert_array_equal(mlp.predict(X), mlp.construction_.predict(X))
    assert mlp.score(X_val, y_val) == mlp.validation_scores_[0]
    # folded back: the same choice, and the construction built on every row
    folded = fine_tune(ShallowBoundClassifier(), X, y, **kw)
    assert folded.best_iter_ == 0 and folded.validation_scores_ == mlp.validation_scores_
    np.testing.assert_array_equal(folded.predict(X),
                                  ShallowBoundClassifier().fit(X, y).predict(X))


def _eligible(mlp):
    """The epochs the selection may keep: validation accuracy at least epoch 0's,
    strictly above it when epoch 0 is perfect, and a better log-likelihood."""
    s0, l0 = mlp.validation_scores_[0], mlp.validation_log_likelihoods_[0]
    return [e for e, (s, lik) in enumerate(zip(mlp.validation_scores_,
                                               mlp.validation_log_likelihoods_))
            if e > 0 and lik > l0 and (s > s0 or (s == s0 < 1.0))]


@pytest.mark.parametrize("est, freeze, seed", [
    (ShallowBoundClassifier(), "auto", 0), (ShallowBoundClassifier(), "auto", 1),
    (ShallowBoundClassifier(), "auto", 2),
    # frozen: the epochs run on the one-hidden-layer view, the score is the whole network's
    (SequentialSeparableClassifier(random_state=0), True, 0)], ids=str)
def test_fine_tune_never_ends_below_epoch_0_on_validation(est, freeze, seed, data):
    X, y = data
    mlp = _quiet(lambda: fine_tune(est, X, y, widen=16, max_iter=40, freeze=freeze,
                                   fold_back=False, random_state=seed))
    if freeze is True:  # not vacuous: a deep network that did descend
        assert mlp.frozen_ and len(mlp.coefs_) > 2 and mlp.best_iter_ > 0
    X_val, y_val = _validation_rows(X, y, seed)
    start = mlp.construction_.score(X_val, y_val)
    assert mlp.validation_scores_[0] == start
    # recomputed from the returned weights, not read from what fine_tune stored
    end = float(np.mean(np.argmax(forward(mlp, X_val), axis=1)
                        == np.searchsorted(mlp.classes_, y_val)))
    assert end == mlp.best_validation_score_ >= start
    eligible = _eligible(mlp)
    if eligible:
        assert mlp.validation_log_likelihoods_[mlp.best_iter_] == max(
            mlp.validation_log_likelihoods_[e] for e in eligible)
    else:
        assert mlp.best_iter_ == 0


def test_a_tie_with_a_perfect_epoch_0_keeps_the_construction():
    # separated classes: the construction is right on every validation row, so no
    # epoch can show more; descent still raises the validation log-likelihood (it
    # sharpens the softened logits), which is no evidence of better predictions
    X, y = make_blobs(n_samples=200, centers=3, n_features=4, cluster_std=0.5,
                      random_state=0)
    kw = {"widen": 8, "max_iter": 30, "random_state": 0}
    mlp = fine_tune(ShallowBoundClassifier(), X, y, fold_back=False, **kw)
    assert mlp.validation_scores_[0] == 1.0
    assert max(mlp.validation_log_likelihoods_) > mlp.validation_log_likelihoods_[0]
    assert mlp.best_iter_ == 0 and not _eligible(mlp)
    # and what is handed back is the construction built on every row
    folded = fine_tune(ShallowBoundClassifier(), X, y, **kw)
    assert folded.best_iter_ == 0
    np.testing.assert_array_equal(folded.coefs_[-1], fine_tune(
        ShallowBoundClassifier(), X, y, max_iter=0, **{k: v for k, v in kw.items()
                                                        if k != "max_iter"}).coefs_[-1])
    np.testing.assert_array_equal(folded.predict(X),
                                  ShallowBoundClassifier().fit(X, y).predict(X))


@pytest.mark.parametrize("tol", [0.01, 0.05])
def test_patience_counts_epochs_without_relative_progress(tol, data):
    # recomputed from the stored curve: an epoch is progress when it lowers the best
    # validation log-loss by more than tol times itself; the run ends after
    # n_iter_no_change epochs without progress
    X, y = data
    mlp = fine_tune(ShallowBoundClassifier(), X, y, widen=8, max_iter=150,
                    n_iter_no_change=5, tol=tol, fold_back=False, random_state=0)
    losses = [-lik for lik in mlp.validation_log_likelihoods_]
    best, since, stop = losses[0], 0, None
    for epoch, loss in enumerate(losses[1:], start=1):
        if loss < best * (1.0 - tol):
            best, since = loss, 0
        else:
            best, since = min(best, loss), since + 1
            if since == 5:
                stop = epoch
                break
    assert stop is not None and stop == len(losses) - 1


def test_fold_back_only_replaces_a_kept_construction(data):
    X, y = data
    kw = {"widen": 16, "max_iter": 40, "freeze": False, "random_state": 1}
    split = fine_tune(ShallowBoundClassifier(), X, y, fold_back=False, **kw)
    folded = fine_tune(ShallowBoundClassifier(), X, y, **kw)
    # an epoch beat the construction: the descended network is handed back as it is
    assert split.best_iter_ > 0 and not folded.folded_back_ and not split.folded_back_
    for a, b in zip(folded.coefs_, split.coefs_):
        np.testing.assert_array_equal(a, b)


def test_fine_tune_improves_a_construction_that_descent_can_improve(data):
    X, y = data
    mlp = fine_tune(ShallowBoundClassifier(), X, y, widen=16, random_state=0)
    assert mlp.best_iter_ > 0
    assert mlp.validation_log_likelihoods_[mlp.best_iter_] > mlp.validation_log_likelihoods_[0]


def test_freeze_moves_only_the_new_units_and_the_output():
    X, y = make_blobs(n_samples=200, centers=3, n_features=4, cluster_std=3.0,
                      random_state=1)
    kw = {"widen": 6, "random_state": 0}
    start = fine_tune(ClusteredTruncationClassifier(random_state=0), X, y, max_iter=0,
                      fold_back=False, **kw)
    mlp = fine_tune(ClusteredTruncationClassifier(random_state=0), X, y, freeze=True,
                    max_iter=5, n_iter_no_change=5, **kw)
    assert mlp.frozen_
    assert len(mlp.coefs_) > 2 and mlp.best_iter_ > 0
    n_out = start.construction_.coefs_[0].shape[1]
    # the construction's units, including their (zero) weights from new units, and every
    # deeper hidden layer whole (the new units' copies of the layer below)
    np.testing.assert_array_equal(mlp.coefs_[0][:, :n_out], start.coefs_[0][:, :n_out])
    np.testing.assert_array_equal(mlp.intercepts_[0][:n_out], start.intercepts_[0][:n_out])
    for ell in range(1, len(mlp.coefs_) - 1):
        np.testing.assert_array_equal(mlp.coefs_[ell], start.coefs_[ell])
        np.testing.assert_array_equal(mlp.intercepts_[ell], start.intercepts_[ell])
    # what moves: the first layer's new units and the output layer
    assert not np.array_equal(mlp.coefs_[0][:, n_out:], start.coefs_[0][:, n_out:])
    assert not np.array_equal(mlp.coefs_[-1], start.coefs_[-1])


def test_freeze_auto_freezes_a_sharp_construction_only():
    # the deep cone network of the sequential construction loses its predictions to
    # relative weight noise of 1e-3; the shallow hinge network does not
    X, y = make_blobs(n_samples=300, centers=5, n_features=10, cluster_std=4.0,
                      random_state=0)
    exact = SequentialSeparableClassifier(max_aperture=np.pi, random_state=0)
    sharp = _quiet(lambda: fine_tune(exact, X, y, widen=0, max_iter=0, random_state=0))
    calm = fine_tune(ShallowBoundClassifier(), X, y, widen=0, max_iter=0, random_state=0)
    assert sharp.frozen_ and not calm.frozen_


def test_balance_layers_keeps_the_function_bit_for_bit():
    rng = np.random.default_rng(0)
    widths = (5, 8, 7, 3)
    coefs = [rng.normal(size=(m, n)) for m, n in zip(widths[:-1], widths[1:])]
    intercepts = [rng.normal(size=n) for n in widths[1:]]
    coefs[0] *= 1e3  # a sharp first layer and a flat second: same function when balanced
    coefs[1] *= 1e-3
    coefs[1][:, 2] = 0.0  # a dead unit is left alone
    c, b = balance_layers(coefs, intercepts)
    X = rng.normal(size=(50, 5))

    class Net:
        pass

    before, after = Net(), Net()
    before.coefs_, before.intercepts_ = coefs, intercepts
    after.coefs_, after.intercepts_ = c, b
    np.testing.assert_array_equal(forward(after, X), forward(before, X))
    assert np.all(c[1][:, 2] == 0.0)
    ratio = np.log2(np.abs(c[0]).max() / np.abs(c[1]).max())
    assert abs(ratio) < 3 < abs(np.log2(np.abs(coefs[0]).max() / np.abs(coefs[1]).max()))
    # the last hidden layer is balanced last: incoming and outgoing norms within 2x
    w_in = np.sqrt(np.sum(c[-2] ** 2, axis=0) + b[-2] ** 2)
    w_out = np.linalg.norm(c[-1], axis=1)
    assert np.all((w_in / w_out <= 2.0) & (w_in / w_out >= 0.5))
    # the inputs are not modified
    assert np.abs(coefs[0]).max() > 100


@pytest.mark.parametrize("kwargs, match", [
    ({"widen": -1}, "widen"),
    ({"softening": 0.0}, "softening"),
    ({"learning_rate_init": -1e-3}, "learning_rate_init"),
    ({"freeze": "always"}, "freeze"),
    ({"validation_fraction": 1.0}, "validation_fraction"),
    ({"n_iter_no_change": 0}, "n_iter_no_change"),
    ({"tol": 1.0}, "tol"),
    ({"fold_back": "yes"}, "fold_back"),
    ({"mlp_params": {"tol": 1e-3}}, "set by fine_tune"),
    ({"mlp_params": {"hidden_layer_sizes": (5,)}}, "set by fine_tune"),
    ({"mlp_params": {"early_stopping": True}}, "set by fine_tune"),
    ({"mlp_params": {"solver": "lbfgs"}}, "partial_fit"),
])
def test_fine_tune_rejects_bad_parameters(kwargs, match, data):
    X, y = data
    with pytest.raises(ValueError, match=match):
        fine_tune(ShallowBoundClassifier(), X, y, **kwargs)


def test_fine_tune_rejects_what_is_not_a_construction(data):
    X, y = data
    with pytest.raises(ValueError, match="estimator"):
        fine_tune(MLPClassifier(), X, y)


def test_fine_tune_rejects_nan_and_takes_a_dataframe(data):
    X, y = data
    bad = X.copy()
    bad[3, 2] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        fine_tune(ShallowBoundClassifier(), bad, y)
    pd = pytest.importorskip("pandas")
    frame = pd.DataFrame(X, columns=[f"f{i}" for i in range(X.shape[1])])
    mlp = fine_tune(ShallowBoundClassifier(), frame, pd.Series(y), widen=3, max_iter=3,
                    random_state=0)
    np.testing.assert_array_equal(
        mlp.predict(X), fine_tune(ShallowBoundClassifier(), X, y, widen=3, max_iter=3,
                                  random_state=0).predict(X))


def test_fine_tune_is_reproducible_with_an_integer_seed(data):
    # the exported MLP's own mini-batches are seeded too, not drawn from the global RNG
    X, y = data
    # each run moves the global RNG, if anything draws from it, for the next
    runs = [fine_tune(ShallowBoundClassifier(), X, y, widen=4, max_iter=3,
                      n_iter_no_change=3, random_state=5) for _ in range(3)]
    for other in runs[1:]:
        for a, b in zip(runs[0].coefs_, other.coefs_):
            np.testing.assert_array_equal(a, b)


def test_convex_constructions_are_built_with_the_small_weight_split(data):
    # the default split's nearly cancelling pairs would make the first steps destructive
    X, y = data
    est = ConvexReLUClassifier(n_patterns=10, random_state=0)
    tuned = _quiet(lambda: fine_tune(est, X, y, max_iter=0, fold_back=False,
                                     random_state=0))
    assert tuned.construction_.split == "min_norm"
    assert est.split == "gate"  # the user's estimator is left as it was
    # kept at epoch 0 and folded back: the same construction, built on every row
    folded = _quiet(lambda: fine_tune(est, X, y, max_iter=0, random_state=0))
    assert folded.folded_back_ and folded.construction_.split == "min_norm"
    np.testing.assert_array_equal(folded.predict(X), folded.construction_.predict(X))
    np.testing.assert_array_equal(
        folded.predict(X), _quiet(lambda: clone(est).set_params(split="min_norm").fit(
            X, y)).predict(X))
    w_min = max(np.abs(c).max() for c in tuned.construction_.coefs_[:-1])
    gate = _quiet(lambda: clone(est).fit(X, y))
    assert w_min < max(np.abs(c).max() for c in gate.coefs_[:-1])


def test_the_frozen_view_descends_as_the_whole_frozen_network():
    # reference: partial_fit on the whole deep network, one call per mini-batch, the
    # frozen weights put back after each; the view must keep the same weights
    from sktrunc._finetune import _descend, _export, _temperature

    X, y = make_blobs(n_samples=300, centers=4, n_features=6, cluster_std=4.0,
                      random_state=2)
    X_fit, X_val, y_fit, y_val = train_test_split(X, y, test_size=0.2, random_state=0,
                                                  stratify=y)
    est = _quiet(lambda: SequentialSeparableClassifier(random_state=0).fit(X_fit, y_fit))
    kw = {"temperature": _temperature(est, X_val, y_val, 5.0), "widen": 5,
          "random_state": 0, "mlp_params": {"learning_rate_init": 1e-3}}
    ref, shapes = _export(est, X_fit, **kw)
    assert len(shapes) > 1
    view, _ = _export(est, X_fit, **kw)
    start = [c.copy() for c in view.coefs_]
    n_first = shapes[0][1]
    fixed = [(ref.coefs_[0][:, :n_first].copy(), ref.intercepts_[0][:n_first].copy())]
    fixed += [(c.copy(), b.copy()) for c, b in zip(ref.coefs_[1:-1], ref.intercepts_[1:-1])]
    rng = np.random.RandomState(0)
    epochs = [[c.copy() for c in ref.coefs_ + ref.intercepts_]]
    for _ in range(6):
        order = rng.permutation(len(y_fit))
        for lo in range(0, len(order), 200):
            rows = order[lo:lo + 200]
            ref.partial_fit(X_fit[rows], y_fit[rows])
            ref.coefs_[0][:, :n_first], ref.intercepts_[0][:n_first] = fixed[0]
            for ell, (c, b) in enumerate(fixed[1:], start=1):
                ref.coefs_[ell][...], ref.intercepts_[ell][...] = c, b
        epochs.append([c.copy() for c in ref.coefs_ + ref.intercepts_])
    _descend(view, shapes, X_fit, y_fit, X_val, y_val, max_iter=6, n_iter_no_change=6,
             tol=0.0, frozen=True, rng=np.random.RandomState(0))
    assert view.best_iter_ > 0
    for a, b in zip(view.coefs_ + view.intercepts_, epochs[view.best_iter_]):
        np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-12 * np.abs(b).max())
    # and they moved: the first layer's new units and the output layer learned
    assert not np.array_equal(view.coefs_[0][:, n_first:], start[0][:, n_first:])
    assert not np.array_equal(view.coefs_[-1], start[-1])
