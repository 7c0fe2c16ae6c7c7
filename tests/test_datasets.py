import numpy as np
import pytest

from sktrunc._geometry import class_statistics, enclosing_cone_angle_of_balls
from sktrunc.datasets import make_clustered, make_gaussian_mixture, make_sequentially_separable


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


def test_make_clustered_refuses_too_few_samples_and_bad_centers():
    with pytest.raises(ValueError, match="n_samples >= n_classes"):
        make_clustered(n_samples=1)
    with pytest.raises(ValueError, match="positive counts"):
        make_clustered(n_samples=[1.5, 2, 3])
    with pytest.raises(ValueError, match="center must be"):
        make_clustered(center=[0.0, np.nan])
    with pytest.raises(ValueError, match="center_distance"):
        make_clustered(center_distance=np.inf)


@pytest.mark.parametrize("make", [
    lambda **kw: make_clustered(n_samples=10, **kw),
    lambda **kw: make_sequentially_separable(n_samples=10, **kw),
    lambda **kw: make_gaussian_mixture(samples_per_class=5, n_classes=2, **kw)])
def test_generators_need_no_square_matrix_of_features(make):
    # 20000 features: the old n_features x n_features QR alone took 3.2 GB
    import tracemalloc
    tracemalloc.start()
    X, _ = make(n_features=20_000, random_state=0)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert X.shape[1] == 20_000
    assert peak < 50 * 2**20


def test_generators_refuse_a_size_that_cannot_fit_before_allocating():
    with pytest.raises(ValueError, match=r"\(10, 10000000000000\).*GiB"):
        make_clustered(n_samples=10, n_features=10**13)
    with pytest.raises(ValueError, match="GiB"):
        make_sequentially_separable(n_samples=10**13)
    with pytest.raises(ValueError, match="GiB"):
        make_gaussian_mixture(samples_per_class=10**13)
