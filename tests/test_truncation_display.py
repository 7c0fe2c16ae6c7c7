import matplotlib
import numpy as np
import pytest

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from sklearn.inspection import DecisionBoundaryDisplay  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402

from sktrunc import ClusteredTruncationClassifier  # noqa: E402
from sktrunc.datasets import make_clustered  # noqa: E402
from sktrunc.plotting import TruncationDisplay  # noqa: E402


@pytest.fixture
def fitted():
    X, y = make_clustered(n_samples=90, n_features=2, n_classes=3, random_state=0)
    return ClusteredTruncationClassifier().fit(X, y), X, y


def test_truncation_display_draws_every_layer(fitted):
    clf, X, y = fitted
    disp = TruncationDisplay.from_estimator(clf, X, y)
    disp.figure_.canvas.draw()  # layout problems only show when drawing
    assert disp.ax_.shape == (4,) and disp.figure_ is disp.ax_[0].figure
    # the last panel holds the fully truncated data: one point per class
    offsets = disp.ax_[3].collections[:3]
    for j, coll in enumerate(offsets):
        pts = coll.get_offsets()
        np.testing.assert_allclose(pts, np.tile(clf.base_points_[j], (len(pts), 1)), atol=1e-9)
    assert [a.get_title() for a in disp.ax_] == ["input", "after layer 1", "after layer 2",
                                                 "after layer 3"]
    plt.close("all")


def test_truncation_display_uses_given_axes_and_checks_them(fitted):
    clf, X, y = fitted
    fig, axes = plt.subplots(2, 2)
    disp = TruncationDisplay.from_estimator(clf, X, y, ax=axes)
    assert disp.figure_ is fig
    with pytest.raises(ValueError, match="4 Axes"):
        TruncationDisplay.from_estimator(clf, X, y, ax=axes[0])
    with pytest.raises(TypeError, match="not built from truncation cones"):
        TruncationDisplay.from_estimator(LogisticRegression().fit(X, y), X, y)
    plt.close("all")


def test_sklearn_decision_boundary_display_works(fitted):
    clf, X, y = fitted
    disp = DecisionBoundaryDisplay.from_estimator(clf, X, response_method="predict")
    assert disp.response.shape == disp.xx0.shape
    assert set(np.unique(disp.response)) == {0, 1, 2}
    plt.close("all")


def test_truncation_display_for_the_sequential_classifier():
    from sktrunc import SequentialSeparableClassifier
    from sktrunc.datasets import make_sequentially_separable

    X, y = make_sequentially_separable(n_samples=90, random_state=0)
    clf = SequentialSeparableClassifier().fit(X, y)
    disp = TruncationDisplay.from_estimator(clf, X, y)
    disp.figure_.canvas.draw()
    assert disp.ax_.shape == (4,)
    last = disp.ax_[3].collections[:3]
    for layer, label in enumerate(clf.order_):
        pts = last[label].get_offsets()
        np.testing.assert_allclose(pts, np.tile(clf.base_points_[layer], (len(pts), 1)),
                                   atol=1e-8)
    plt.close("all")


def test_from_estimator_validates_its_input(fitted):
    clf, X, y = fitted
    with pytest.raises(ValueError, match="features"):
        TruncationDisplay.from_estimator(clf, X[:, :1], y)
    with pytest.raises(ValueError, match="NaN|infinity"):
        TruncationDisplay.from_estimator(clf, np.where(X > 0, np.nan, X), y)
    with pytest.raises(ValueError, match="same number of rows"):
        TruncationDisplay.from_estimator(clf, X, y[:-1])
    with pytest.raises(ValueError, match="reach"):
        TruncationDisplay.from_estimator(clf, X, y, reach=-1.0)
    with pytest.raises(TypeError, match="scatter_kwargs"):
        TruncationDisplay.from_estimator(clf, X, y, scatter_kwargs=[1])
    plt.close("all")


def test_phase_diagram_validates_its_results():
    from sktrunc.plotting import PhaseDiagramDisplay

    good = {"n_samples": [5, 10], "widths": [10, 40], "fraction": np.ones((2, 2))}
    with pytest.raises(TypeError, match="results"):
        PhaseDiagramDisplay.from_results([1, 2])
    with pytest.raises(ValueError, match="lacks the keys"):
        PhaseDiagramDisplay.from_results({"n_samples": [5]})
    with pytest.raises(ValueError, match="fraction must have shape"):
        PhaseDiagramDisplay.from_results({**good, "fraction": np.ones(3)})
    with pytest.raises(ValueError, match="theory"):
        PhaseDiagramDisplay.from_results(good, theory="nope")
    with pytest.raises(ValueError, match="epsilon"):
        PhaseDiagramDisplay.from_results(good, theory="rank", epsilon=0.0)
    PhaseDiagramDisplay.from_results(good, theory="rank")
    plt.close("all")
