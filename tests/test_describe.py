import numpy as np
import pytest
from sklearn.datasets import load_iris
from sklearn.preprocessing import StandardScaler

from sktrunc import AssumptionWarning, ClusteredTruncationClassifier, LayerTable
from sktrunc.__main__ import main
from sktrunc.datasets import make_clustered


def test_describe_matches_the_fitted_network():
    X, y = make_clustered(n_samples=80, n_features=5, n_classes=4, random_state=0)
    clf = ClusteredTruncationClassifier().fit(X, y)
    table = clf.describe()
    assert isinstance(table, LayerTable) and len(table) == len(clf.coefs_)
    for j, row in enumerate(table.rows[:-1]):
        assert row["action"] == f"collapses class {j}"
        np.testing.assert_array_equal(row["base point"], clf.base_points_[j])
        assert row["aperture [deg]"] == pytest.approx(np.degrees(clf.angles_[j]))
        assert row["cone margin"] == clf.cone_margins_[j] > 0
        assert row["cond"] == pytest.approx(clf.condition_numbers_[j])
        assert row["width"] == clf.coefs_[j].shape[1]
    assert table.rows[-1]["action"] == "affine output (exact)"
    text = str(table)
    assert "collapses class 3" in text and "training cost" in text
    assert table.to_dict()["layer"] == [1, 2, 3, 4, 5]


def test_describe_reports_kept_classes_and_the_lift():
    X, y = load_iris(return_X_y=True)
    with pytest.warns(AssumptionWarning):
        clf = ClusteredTruncationClassifier(n_prototypes=1).fit(
            StandardScaler().fit_transform(X), y)
    actions = [r["action"] for r in clf.describe()]
    assert actions[0] == "collapses class 0"
    n_in, n_out = clf.failed_[1]
    assert actions[1] == (f"keeps all (class 1 not separable: {n_in} of its points and "
                          f"{n_out} others on the wrong side)")
    x = np.concatenate([np.linspace(0, 1, 20), np.linspace(2, 3, 20), np.linspace(4, 5, 20)])
    lifted = ClusteredTruncationClassifier(random_state=0).fit(x[:, None], np.repeat([0, 1, 2], 20))
    assert lifted.describe()[0]["action"].startswith("lifts the input")


def test_explain_command(capsys):
    assert main(["explain", "--dataset", "wine"]) == 0
    out = capsys.readouterr().out
    assert "wine: N=178" in out and "layer" in out and "AssumptionWarning" in out


def test_every_constructed_classifier_describes_itself():
    from sktrunc import SequentialSeparableClassifier, ShallowBoundClassifier
    from sktrunc.datasets import make_sequentially_separable

    X, y = make_sequentially_separable(n_samples=60, random_state=0)
    for est in (SequentialSeparableClassifier(), ShallowBoundClassifier()):
        table = est.fit(X, y).describe()
        assert len(table) == len(est.coefs_)
        assert all(row["width"] == W.shape[1] for row, W in zip(table, est.coefs_))
    assert main(["explain", "--dataset", "iris", "--estimator", "SequentialSeparable"]) == 0
