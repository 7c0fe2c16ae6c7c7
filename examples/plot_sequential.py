"""
Sequentially separable data: where only the sequential construction is exact
============================================================================

:class:`~sktrunc.SequentialSeparableClassifier` implements Theorem 5.2 of Chen &
Muñoz Ewald (JMLR 2025): if the classes can be peeled off one at a time by
hyperplanes, each through a point between the class mean and the barycenter of
the means (Definition 5.1), a ReLU network with one truncation layer per class
reaches zero training loss.  The estimator *finds* the order and the hyperplanes
(max-margin problems solved with cvxpy).

On the first dataset the long band (class 0) reaches, along the direction from
its mean to the barycenter, beyond the cluster above it: no cone around that axis
can swallow it, so the clustered construction of Proposition 4.1 fails, while a
hyperplane below the clusters separates it.  Every order of its classes works.
The last section shows data in the spirit of the paper's Figure 3, where only one
order does.
"""

import warnings
from itertools import permutations

import matplotlib.pyplot as plt
import numpy as np

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

# %%
# Data that only one order peels off (Figure 3)
# ---------------------------------------------
# On the data above every order of the classes works.  Figure 3 of the paper makes
# the opposite point: the order can matter so much that only one works.
# ``make_sequentially_separable(unique_order=True)`` builds such data, a pinwheel
# of thin blades around the barycenter ``x̄`` of the class means: blade ``k``
# crosses the segment from the tip of blade ``k - 1`` to ``x̄``, so while class
# ``k - 1`` is there no hyperplane separates class ``k`` from the rest and ``x̄``
# (Definition 5.1).  Only the order of the labels, ``0, 1, 2``, works; every other
# order fails at its first step out of it.

X3, y3 = make_sequentially_separable(n_samples=150, n_classes=3, unique_order=True,
                                     random_state=0)
for order in permutations(range(3)):
    try:
        fixed = SequentialSeparableClassifier(order=list(order), strict=True,
                                              n_prototypes=1).fit(X3, y3)
        print(f"order {list(order)}: cost {fixed.training_cost_:.1e}")
    except ValueError as exc:
        print(f"order {list(order)}: {str(exc).split(' (')[0]}")

# the order search finds it (here with the labels shuffled, so that it is not
# simply the order in which the classes are tried)
relabel = np.array([2, 0, 1])
found = SequentialSeparableClassifier(order="margin", n_prototypes=1).fit(X3, relabel[y3])
print(f"order='margin' finds {found.order_.tolist()} (the true order is "
      f"{relabel.tolist()}), cost {found.training_cost_:.1e}")

# In the first panel the dotted lines join the far tip of each blade to x̄ (the
# cross): each crosses the next blade, which is therefore stuck until the blade
# behind it has been collapsed.
only = SequentialSeparableClassifier(order=[0, 1, 2], strict=True, n_prototypes=1).fit(X3, y3)
disp = TruncationDisplay.from_estimator(only, X3, y3)
xbar = np.mean([X3[y3 == k].mean(axis=0) for k in range(3)], axis=0)
for k in range(2):
    blade = X3[y3 == k]
    tip = blade[np.argmax(np.linalg.norm(blade - xbar, axis=1))]
    segment = (np.vstack([tip, xbar]) - only.center_) @ only.components_
    disp.ax_[0].plot(*segment.T, "k:", lw=1)
disp.ax_[0].plot(*((xbar - only.center_) @ only.components_), "kx")
plt.suptitle("Only one order: each blade is freed by collapsing the one behind it")
plt.tight_layout()
