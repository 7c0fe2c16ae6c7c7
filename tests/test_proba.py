"""predict_proba of every constructed classifier: a softmax of the scores, usable by
scikit-learn's probability-based tools (log-loss scoring, soft voting, calibration)."""

import warnings

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.calibration import CalibratedClassifierCV
from sklearn.datasets import load_breast_cancer, load_iris, load_wine
from sklearn.ensemble import VotingClassifier
from sklearn.exceptions import NotFittedError
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sktrunc import (
    ClusteredTruncationClassifier,
    ConvexReLUClassifier,
    SequentialSeparableClassifier,
    ShallowBoundClassifier,
)
from sktrunc._base import fit_temperature
from sktrunc.exceptions import SktruncWarning

CLASSIFIERS = [ClusteredTruncationClassifier(random_state=0),
               SequentialSeparableClassifier(random_state=0), ShallowBoundClassifier()]


@pytest.fixture(autouse=True)
def _quiet():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SktruncWarning)
        yield


@pytest.mark.parametrize("est", CLASSIFIERS, ids=lambda e: type(e).__name__)
def test_probabilities_are_a_distribution_whose_argmax_is_predict(est):
    X, y = load_wine(return_X_y=True)
    X = StandardScaler().fit_transform(X)
    clf = clone(est).fit(X, y)
    proba = clf.predict_proba(X)
    assert proba.shape == (len(X), 3) and np.all(proba >= 0)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    np.testing.assert_array_equal(clf.classes_[np.argmax(proba, axis=1)], clf.predict(X))
    np.testing.assert_allclose(np.exp(clf.predict_log_proba(X)), proba, rtol=1e-12)
    assert 0.03 <= clf.temperature_ <= 1e3


@pytest.mark.parametrize("est", CLASSIFIERS, ids=lambda e: type(e).__name__)
def test_log_loss_scoring_soft_voting_and_calibration_work(est):
    X, y = load_breast_cancer(return_X_y=True)
    pipe = make_pipeline(StandardScaler(), clone(est))
    scores = cross_val_score(pipe, X, y, cv=3, scoring="neg_log_loss")
    assert np.all(np.isfinite(scores)) and scores.mean() > -0.7  # log(2): a coin
    auc = cross_val_score(pipe, X, y, cv=3, scoring="roc_auc")
    assert auc.mean() > 0.9
    vote = VotingClassifier([("ours", pipe), ("lr", LogisticRegression())], voting="soft")
    assert cross_val_score(vote, X, y, cv=3).mean() > 0.9
    calibrated = CalibratedClassifierCV(pipe, cv=3).fit(X, y)
    assert np.all(np.isfinite(calibrated.predict_proba(X)))


def test_multiclass_roc_auc():
    X, y = load_iris(return_X_y=True)
    for est in CLASSIFIERS:
        pipe = make_pipeline(StandardScaler(), clone(est))
        assert cross_val_score(pipe, X, y, cv=3, scoring="roc_auc_ovr").mean() > 0.9


def test_temperature_is_the_log_loss_minimiser_and_bounded_below():
    rng = np.random.default_rng(0)
    y = rng.integers(0, 3, 200)
    scores = rng.normal(size=(200, 3))
    scores[np.arange(200), y] += 1.0
    t = fit_temperature(scores, y)

    def loss(temp):
        z = scores / temp
        z -= z.max(axis=1, keepdims=True)
        return -np.mean(z[np.arange(200), y] - np.log(np.exp(z).sum(axis=1)))

    grid = np.exp(np.linspace(np.log(0.1), np.log(1e3), 2001))
    assert loss(t) <= min(loss(g) for g in grid) + 1e-6
    # separable scores push the temperature toward zero: it stops in the flat region
    # near the floor, never below it
    sep = 10.0 * np.eye(3)[y]
    t_sep = fit_temperature(sep, y)
    assert 0.1 <= t_sep < 1.0
    assert fit_temperature(sep, y, min_temperature=2.0) >= 2.0


@pytest.mark.parametrize("est", CLASSIFIERS, ids=lambda e: type(e).__name__)
def test_prediction_input_is_validated_as_scikit_learn_does(est):
    # predict's fast path (a float64 ndarray of the right width) must keep every check of
    # validate_data: non-finite values, the feature count, feature names
    X, y = load_wine(return_X_y=True)
    X = StandardScaler().fit_transform(X)
    for name in ("predict", "predict_proba", "predict_log_proba", "decision_function"):
        with pytest.raises(NotFittedError):
            getattr(clone(est), name)(X)
    clf = clone(est).fit(X, y)
    want = clf.predict(X)
    for other in (X.astype(np.float32), np.asfortranarray(X), X.tolist()):
        np.testing.assert_array_equal(clf.predict(other), want)
    for method in (clf.predict, clf.predict_proba, clf.decision_function):
        for bad in (np.nan, np.inf, -np.inf):
            Xb = X.copy()
            Xb[3, 2] = bad
            with pytest.raises(ValueError, match="NaN|infinity"):
                method(Xb)
        with pytest.raises(ValueError, match="features"):
            method(X[:, :-1])
        with pytest.raises(ValueError):
            method(X[:0])
    try:
        import pandas as pd
    except ImportError:
        return  # feature names need a dataframe library
    frame = pd.DataFrame(X, columns=[f"f{i}" for i in range(X.shape[1])])
    named = clone(est).fit(frame, y)
    with pytest.warns(UserWarning, match="feature names"):
        named.predict(X)
    with pytest.raises(ValueError, match="feature names"):
        named.predict(frame[frame.columns[::-1]])
    np.testing.assert_array_equal(named.predict(frame), want)


def test_two_class_prediction_is_the_argmax_of_the_scores_ties_and_nan_included():
    # predict compares the two scores instead of a row-wise argmax: ties go to the first
    # class and a NaN score wins where argmax ranks it first, as np.argmax does
    X, y = load_breast_cancer(return_X_y=True)
    X = StandardScaler().fit_transform(X)
    clf = clone(CLASSIFIERS[0]).fit(X, y)
    out = np.array([[0.3, 0.7], [0.7, 0.3], [0.5, 0.5], [np.nan, 0.2], [0.2, np.nan],
                    [np.inf, np.inf], [-np.inf, 1.0]])
    clf.network_._forward = lambda rows: out[: len(rows)].copy()
    scores = out - 0.5
    np.testing.assert_array_equal(clf.predict(X[: len(out)]),
                                  clf.classes_[np.argmax(scores, axis=1)])
    np.testing.assert_array_equal(clf.predict(X[:3]), clf.classes_[[1, 0, 0]])


def test_one_forward_pass_gives_the_cost_accuracy_and_temperature_in_any_block_size():
    # 12,001 rows: the temperature uses every 2nd row, so row blocks of odd length
    # start at odd and even offsets and must pick the same rows as one block does
    from sklearn.datasets import make_blobs

    X, y = make_blobs(12_001, 5, centers=4, cluster_std=9.0, random_state=0)
    est = ShallowBoundClassifier().fit(X, y)
    y_idx = np.searchsorted(est.classes_, y)
    whole = est._training_statistics(X, y_idx)
    blocks = est._training_statistics(X, y_idx, block=777)
    np.testing.assert_allclose(blocks, whole, rtol=1e-12)
    # against the long way: a forward pass for the accuracy, one on the subset for T
    out = est.network_.forward(X)
    assert whole[1] == np.mean(est.classes_[np.argmax(est._scores(out), axis=1)] == y)
    sub = est._scores(est.network_.forward(X[::2])) / est._score_unit()
    assert whole[2] > 0.1  # not the lower bound, which any subset would reach
    assert whole[2] == pytest.approx(fit_temperature(sub, y_idx[::2]), rel=1e-12)
    assert whole[0] == pytest.approx(0.5 * np.sum((out - est.targets_[y_idx]) ** 2), rel=1e-10)


def _held_out_log_loss(make, X, y):
    """Mean log-loss of 3-fold CV with the fitted temperature and with the bound 0.1, and
    the fitted temperatures."""
    from sklearn.metrics import log_loss
    from sklearn.model_selection import StratifiedKFold

    ours, bound, temperatures = [], [], []
    for train, test in StratifiedKFold(3, shuffle=True, random_state=0).split(X, y):
        scaler = StandardScaler().fit(X[train])
        clf = make().fit(scaler.transform(X[train]), y[train])
        temperatures.append(clf.temperature_)
        X_test = scaler.transform(X[test])
        ours.append(log_loss(y[test], clf.predict_proba(X_test)))
        clf.temperature_ = 0.1
        bound.append(log_loss(y[test], clf.predict_proba(X_test)))
    return np.mean(ours), np.mean(bound), np.array(temperatures)


def test_the_auto_search_fits_the_temperature_on_held_out_outputs():
    # digits: the clustered network separates its training rows, so a temperature fitted
    # there sits on its bound 0.1; the search's held-out outputs ask for a lower one, and
    # the held-out log-loss of 3-fold CV must be lower with it than with the bound
    from sklearn.datasets import load_digits

    X, y = load_digits(return_X_y=True)
    ours, bound, temperatures = _held_out_log_loss(
        lambda: ClusteredTruncationClassifier(random_state=0), X, y)
    assert np.all((0.03 <= temperatures) & (temperatures < 0.1))
    assert ours < 0.8 * bound
    # a fixed number of prototypes runs no search: the training rows set the temperature
    Xs = StandardScaler().fit_transform(X)
    clf = ClusteredTruncationClassifier(n_prototypes=1, random_state=0).fit(Xs, y)
    scores = clf._scores(clf.network_.forward(Xs)) / clf._score_unit()
    assert clf.temperature_ == fit_temperature(scores, np.searchsorted(clf.classes_, y),
                                               min_temperature=0.03)


def test_training_rows_set_the_temperature_floor_by_whether_they_are_all_right():
    # digits: the sequential network (no search: every step separates) misclassifies
    # some training rows, so the log-loss there has a finite minimiser below 0.1, and
    # held-out rows agree with it; wine: every training row right, the floor 0.1 holds
    from sklearn.datasets import load_digits

    X, y = load_digits(return_X_y=True)
    ours, floor, temperatures = _held_out_log_loss(
        lambda: SequentialSeparableClassifier(random_state=0), X, y)
    assert np.all((0.03 <= temperatures) & (temperatures < 0.1))
    assert ours < 0.8 * floor
    Xw, yw = load_wine(return_X_y=True)
    wine = SequentialSeparableClassifier(random_state=0).fit(
        StandardScaler().fit_transform(Xw), yw)
    assert wine.training_accuracy_ == 1.0 and wine.temperature_ >= 0.1
    # the convex program is fitted to its training rows, whose outputs are overconfident:
    # it keeps the floor 0.1 even where it misclassifies some (iris: the minimiser on the
    # training rows is 0.093)
    Xi, yi = load_iris(return_X_y=True)
    Xi = StandardScaler().fit_transform(Xi)
    cvx = ConvexReLUClassifier(random_state=0).fit(Xi, yi)
    scores = cvx._scores(cvx.network_.forward(Xi)) / cvx._score_unit()
    assert fit_temperature(scores, yi, min_temperature=0.03) < 0.1
    assert cvx.training_accuracy_ < 1.0 and cvx.temperature_ == 0.1
