import numpy as np
import pytest

from sktrunc._geometry import class_statistics, enclosing_cone_angle_of_balls
from sktrunc.datasets import make_clustered


@pytest.mark.parametrize("n_features, n_classes", [(2, 3), (5, 5), (5, 6), (50, 10)])
@pytest.mark.parametrize("ratio", [0.0, 0.1, 0.24, 2.0])
def test_make_clustered_has_the_requested_geometry(n_features, n_classes, ratio):
    X, y = make_clustered(n_samples=20 * n_classes, n_features=n_features,
                          n_classes=n_classes, clustering_ratio=ratio, center_distance=3.0,
                          center=np.full(n_features, 7.0), random_state=0)
    assert X.shape == (20 * n_classes, n_features)
    np.testing.assert_array_equal(np.bincount(y), np.full(n_classes, 20))
    s = class_statistics(X, y, n_classes)
    np.testing.assert_allclose(s.center_distances, 3.0)
    np.testing.assert_allclose(s.barycenter, 7.0)
    assert s.clustering_ratio == pytest.approx(ratio, abs=1e-12)
    if ratio < 0.25:
        theta = max(enclosing_cone_angle_of_balls(s.means[j], s.directions[j],
                                                  np.delete(s.means, j, 0), 4 * s.delta)
                    for j in range(n_classes))
        assert theta < np.pi  # condition (59)


def test_make_clustered_is_seeded_and_validates():
    a = make_clustered(n_samples=30, random_state=3)
    b = make_clustered(n_samples=30, random_state=3)
    np.testing.assert_array_equal(a[0], b[0])
    with pytest.raises(ValueError, match="n_features >= n_classes - 1"):
        make_clustered(n_features=2, n_classes=4)
    with pytest.raises(ValueError):
        make_clustered(n_classes=1)
    with pytest.raises(ValueError, match="positive counts"):
        make_clustered(n_samples=[3, 0, 4])
