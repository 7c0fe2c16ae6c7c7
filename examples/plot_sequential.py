"""
Sequentially separable data: where only the sequential construction is exact
============================================================================

:class:`~sktrunc.SequentialSeparableClassifier` implements Theorem 5.2 of Chen &
Muñoz Ewald (JMLR 2025): if the classes can be peeled off one at a time by
hyperplanes, each through a point between the class mean and the barycenter of
the means (Definition 5.1), a ReLU network with one truncation layer per class
reaches zero training loss.  The estimator *finds* the order and the hyperplanes
(max-margin problems solved with cvxpy).

On this Figure-3-like dataset the long band (class 0) reaches, along the
direction from its mean to the barycenter, beyond the cluster above it: no cone
around that axis can swallow it, so the clustered construction of Proposition
4.1 fails, while a hyperplane below the clusters separates it.
"""

import warnings

import matplotlib.pyplot as plt

from sktrunc import (
    AssumptionWarning,
    ClusteredTruncationClassifier,
    SequentialSeparableClassifier,
)
from sktrunc.datasets import make_sequentially_separable
from sktrunc.plotting import TruncationDisplay

X, y = make_sequentially_separable(n_samples=240, random_state=0)

with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always", AssumptionWarning)
    clustered = ClusteredTruncationClassifier().fit(X, y)
print(f"clustered:  ratio {clustered.clustering_ratio_:.2f} (needs < 0.25), "
      f"collapsed {clustered.collapsed_.tolist()}, cost {clustered.training_cost_:.3g}")
print(caught[0].message if caught else "no warning")

sequential = SequentialSeparableClassifier().fit(X, y)
print(f"sequential: order {sequential.order_.tolist()}, cost {sequential.training_cost_:.1e}, "
      f"margins {sequential.hyperplane_margins_.round(3).tolist()}")
print(sequential.describe())

# %%
# Layer by layer
# --------------
# Each panel shows the data after one more layer.  The gray lines bound the cone
# of that layer (aperture ``angles_``, nearly a half-plane), the shaded part is
# sent to the base point (star).

TruncationDisplay.from_estimator(sequential, X, y)
plt.suptitle("SequentialSeparableClassifier: one hyperplane-like cone per class")
plt.tight_layout()

# %%
# The clustered construction on the same data leaves the band and the cluster
# next to it un-truncated (its cones must be centred on the mean-to-barycenter
# axis):

TruncationDisplay.from_estimator(clustered, X, y)
plt.suptitle("ClusteredTruncationClassifier: the band cannot be collapsed")
plt.tight_layout()
