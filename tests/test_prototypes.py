"""Sub-class prototypes of the cone classifiers (n_prototypes)."""

import warnings

import numpy as np
import pytest
from sklearn.datasets import make_blobs
from sklearn.model_selection import train_test_split

from sktrunc import ClusteredTruncationClassifier, SequentialSeparableClassifier
from sktrunc._prototypes import kmeans, split_classes
from sktrunc.datasets import make_clustered
from sktrunc.exceptions import AssumptionWarning, SktruncWarning

from conftest import cost, float_zero

CONE_CLASSIFIERS = [ClusteredTruncationClassifier, SequentialSeparableClassifier]


def unions_of_clusters(n_features, seed, clusters_per_class=3, n_classes=2, per_cluster=40):
    """Classes that are unions of small, far-apart clusters."""
    rng = np.random.default_rng(seed)
    centers = rng.uniform(-10, 10, (n_classes * clusters_per_class, n_features))
    X, lab = make_blobs(per_cluster * len(centers), centers=centers, cluster_std=0.3,
                        random_state=seed)
    return X, lab % n_classes


def xor_of_blobs(n_samples=400, seed=0):
    centers = 4.0 * np.array([[0, 0], [1, 1], [0, 1], [1, 0]])
    X, lab = make_blobs(n_samples, centers=centers, cluster_std=0.6, random_state=seed)
    return X, (lab >= 2).astype(int)


@pytest.mark.parametrize("n_features", [2, 3])
@pytest.mark.parametrize("seed", range(3))
def test_sequential_default_reaches_zero_loss_on_unions_of_far_apart_clusters(n_features, seed):
    X, y = unions_of_clusters(n_features, seed)
    with warnings.catch_warnings():
        warnings.simplefilter("error", AssumptionWarning)
        clf = SequentialSeparableClassifier(random_state=0).fit(X, y)
    assert clf.separable_.all() and clf.output_layer_ == "exact"
    # independent forward pass from coefs_/intercepts_: zero up to the rounding that the
    # layers' conditioning allows (about 1e-18 here)
    assert cost(clf, X, y) <= max(1e-18, float_zero(clf, len(y)))
    assert clf.score(X, y) == 1.0


def test_one_prototype_per_class_fails_where_prototypes_succeed():
    X, y = unions_of_clusters(2, seed=0)
    with pytest.warns(AssumptionWarning):
        one = SequentialSeparableClassifier(n_prototypes=1, random_state=0).fit(X, y)
    assert cost(one, X, y) > 1.0
    three = SequentialSeparableClassifier(n_prototypes=3, random_state=0).fit(X, y)
    assert cost(three, X, y) < 1e-18
    # every prototype gets its own layer; all prototypes of a class share its target
    assert len(three.layers_) == 6 and list(three.n_prototypes_) == [3, 3]
    np.testing.assert_array_equal(np.sort(three.prototype_classes_), [0, 0, 0, 1, 1, 1])
    assert [three.classes_[layer.label] for layer in three.layers_] == list(three.order_)


@pytest.mark.parametrize("Est", CONE_CLASSIFIERS)
def test_both_classifiers_learn_an_xor_of_blobs(Est):
    X, y = xor_of_blobs()
    X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0, stratify=y)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SktruncWarning)
        clf = Est(random_state=0).fit(X_train, y_train)
    assert clf.score(X_test, y_test) >= 0.95
    assert clf.n_prototypes_.min() > 1  # one cone or hyperplane per class cannot do it


@pytest.mark.parametrize("Est", CONE_CLASSIFIERS)
def test_auto_keeps_one_prototype_where_the_theorem_applies(Est):
    X, y = make_clustered(n_samples=90, n_features=4, n_classes=3, clustering_ratio=0.1,
                          random_state=0)
    clf = Est(random_state=0).fit(X, y)
    assert list(clf.n_prototypes_) == [1, 1, 1] and cost(clf, X, y) < 1e-18


@pytest.mark.parametrize("Est", CONE_CLASSIFIERS)
def test_auto_is_reproducible_and_its_choice_is_a_plain_parameter(Est):
    X, y = xor_of_blobs(200, seed=1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SktruncWarning)
        a = Est(random_state=3).fit(X, y)
        b = Est(random_state=3).fit(X, y)
        fixed = Est(n_prototypes=a.n_prototypes_, random_state=3).fit(X, y)
    for W, V in zip(a.coefs_, b.coefs_):
        np.testing.assert_array_equal(W, V)
    np.testing.assert_array_equal(fixed.n_prototypes_, a.n_prototypes_)


@pytest.mark.parametrize("Est", CONE_CLASSIFIERS)
def test_prototype_counts_beyond_a_class_and_degenerate_classes(Est):
    rng = np.random.default_rng(0)
    X = np.vstack([rng.normal(size=(20, 2)), rng.normal(size=(5, 2)) + 6.0, [[-8.0, 8.0]]])
    y = np.r_[np.zeros(20), np.ones(5), 2]
    # 10 prototypes for a class of 5 points and a class of one point: one per point
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SktruncWarning)
        clf = Est(n_prototypes=10, random_state=0).fit(X, y)
    assert list(clf.n_prototypes_) == [10, 5, 1]
    assert np.all(np.isfinite(clf.predict_proba(X)))
    # duplicates within a class: at most one prototype per distinct point
    Xd = np.vstack([np.repeat([[0.0, 0.0], [1.0, 0.0]], 10, axis=0), [[5.0, 5.0]] * 4])
    yd = np.r_[np.zeros(20), np.ones(4)]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SktruncWarning)
        dup = Est(n_prototypes=4, random_state=0).fit(Xd, yd)
    assert list(dup.n_prototypes_) == [2, 1] and dup.score(Xd, yd) == 1.0


@pytest.mark.parametrize("Est", CONE_CLASSIFIERS)
@pytest.mark.parametrize("bad", [0, -1, [1, 2], [1, 0, 1], [1.5, 1, 1]])
def test_invalid_prototype_counts_are_refused(Est, bad):
    X, y = make_clustered(n_samples=30, n_features=3, n_classes=3, random_state=0)
    with pytest.raises(ValueError, match="n_prototypes"):
        Est(n_prototypes=bad).fit(X, y)


def test_a_fixed_order_takes_one_prototype_per_class():
    X, y = make_clustered(n_samples=30, n_features=3, n_classes=3, random_state=0)
    with pytest.raises(ValueError, match="one prototype per class"):
        SequentialSeparableClassifier(order=[2, 1, 0], n_prototypes=2).fit(X, y)
    clf = SequentialSeparableClassifier(order=[2, 1, 0]).fit(X, y)
    assert list(clf.order_) == [2, 1, 0] and list(clf.n_prototypes_) == [1, 1, 1]


def test_describe_names_the_prototype_each_layer_collapses():
    X, y = unions_of_clusters(2, seed=0)
    clf = SequentialSeparableClassifier(n_prototypes=3, random_state=0).fit(X, y)
    actions = [row["action"] for row in clf.describe()][int(clf.lifted_):-1]
    assert all("prototype" in a for a in actions)
    assert sum("class 0 (prototype" in a for a in actions) == 3


def test_kmeans_splits_far_apart_clusters_and_is_seeded():
    rng = np.random.RandomState(0)
    X = np.vstack([rng.normal(size=(30, 2)), rng.normal(size=(30, 2)) + 20.0])
    labels = kmeans(X, 2, np.random.RandomState(1))
    assert len(set(labels[:30])) == 1 and len(set(labels[30:])) == 1
    assert labels[0] != labels[-1]
    np.testing.assert_array_equal(labels, kmeans(X, 2, np.random.RandomState(1)))
    protos = split_classes(X, np.zeros(60, dtype=int), 1, [2], 0)
    assert list(protos.owner) == [0, 0] and set(protos.labels) == {0, 1}


@pytest.mark.parametrize("n_prototypes", ["auto", 1, 2])
def test_soft_margin_last_layer_is_fitted_to_what_the_network_computes(n_prototypes):
    # with cones of aperture near pi the chained pseudo-inverses are ill-conditioned
    # (condition numbers above 1e6 here): a last layer chosen on the step-by-step
    # truncated positions classified 27-56 % of this table correctly, the forward pass
    # of the assembled network now agrees with the layer's choice
    from sklearn.datasets import make_classification
    from sklearn.svm import LinearSVC

    X, y = make_classification(2000, 17, n_informative=8, flip_y=0.05, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SktruncWarning)
        clf = SequentialSeparableClassifier(n_prototypes=n_prototypes, random_state=0).fit(X, y)
    assert not clf.separable_.all()
    linear = LinearSVC().fit(X, y).score(X, y)
    assert clf.score(X, y) >= linear - 0.02
    assert clf.training_accuracy_ == clf.score(X, y)


def test_sequential_builds_in_the_affine_hull_when_features_outnumber_samples():
    # 50 points in 5,000 dimensions: layers of width 49 (the hull), not 5,000; this fit
    # took 420 s with square layers
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(50, 5000)), rng.integers(0, 3, 50)
    clf = SequentialSeparableClassifier(random_state=0).fit(X, y)
    assert clf.network_.layer_sizes == (5000, 49, 49, 49, 3)
    assert clf.components_.shape == (5000, 49)
    assert cost(clf, X, y) <= max(1e-18, float_zero(clf, len(y)))
    # truncate() and predictions live in the hull's coordinates and the input's
    assert clf.truncate(X).shape == (50, 49)
    assert clf.score(X, y) == 1.0


def test_prototypes_subset_renumbers_and_drops_prototypes_without_rows():
    X, y = unions_of_clusters(2, seed=0)
    protos = split_classes(X, y, 2, np.array([3, 3]), np.random.RandomState(0))
    rows = np.flatnonzero(protos.labels != 1)  # prototype 1 (of class owner[1]) loses its rows
    sub = protos.subset(rows)
    assert len(sub.owner) == 5 and sub.labels.max() == 4
    np.testing.assert_array_equal(sub.owner, np.delete(protos.owner, 1))
    # the same points stay together, under the new numbers
    np.testing.assert_array_equal(sub.owner[sub.labels], protos.owner[protos.labels[rows]])


def _plain_lloyd(X, k, rng):
    """kmeans()'s Lloyd iterations as first written: fresh arrays in every iteration
    (the same seeding)."""
    from sktrunc._prototypes import _kmeans_plusplus

    sq = np.einsum("ij,ij->i", X, X)
    C = _kmeans_plusplus(X, sq, k, rng)
    labels = None
    for _ in range(50):
        dist = sq[:, None] - 2.0 * X @ C.T + np.einsum("ij,ij->i", C, C)[None, :]
        new = np.argmin(dist, axis=1)
        if labels is not None and np.array_equal(new, labels):
            break
        labels = new
        counts = np.bincount(labels, minlength=k)
        onehot = np.zeros((len(X), k))
        onehot[np.arange(len(X)), labels] = 1.0
        sums = onehot.T @ X
        filled = counts > 0
        C[filled] = sums[filled] / counts[filled, None]
    return labels


@pytest.mark.parametrize("seed", [0, 1])
def test_kmeans_buffers_give_the_labels_of_fresh_arrays(seed):
    # the Lloyd iterations reuse their buffers: the same operations on the same numbers,
    # so the same labels, also with duplicate rows and overlapping clusters
    rng = np.random.RandomState(seed)
    X = np.vstack([rng.normal(size=(300, 7)), rng.normal(size=(200, 7)) + 0.5,
                   np.repeat(rng.normal(size=(5, 7)), 20, axis=0)])
    for k in (2, 3, 5, 8):
        np.testing.assert_array_equal(kmeans(X, k, np.random.RandomState(seed)),
                                      _plain_lloyd(X, k, np.random.RandomState(seed)))
