"""
Clustered data collapsing layer by layer
========================================

:class:`~sktrunc.ClusteredTruncationClassifier` builds a ReLU network whose hidden
layer ``ℓ`` is a *truncation map*: a cone based at ``p_ℓ`` with axis ``f_ℓ`` (toward
the barycenter of the class means) that sends class ``ℓ`` to the point ``p_ℓ`` and
leaves everything in the forward cone where it is (Lemma 3.4 of Chen & Muñoz Ewald,
JMLR 2025).  After ``Q`` layers every class is a single point and the last, affine
layer maps those points to the one-hot targets: zero training loss, no gradient
descent.

This example draws, for three clustered classes in the plane, the cone of each
layer and where the training points sit after it.
"""

import matplotlib.pyplot as plt
import numpy as np

from sktrunc import ClusteredTruncationClassifier
from sktrunc.datasets import make_clustered

X, y = make_clustered(n_samples=150, n_features=2, n_classes=3, clustering_ratio=0.2,
                      random_state=0)
clf = ClusteredTruncationClassifier().fit(X, y)
print(clf.network_)
print(f"training cost (eq. 14, forward pass): {clf.training_cost_:.2e}")
print(f"clustering ratio {clf.clustering_ratio_:.2f} (< 0.25), "
      f"theta_* = {clf.theta_star_:.2f} rad (< pi)")

# %%
# The cones and the truncated data
# --------------------------------
# Coordinates are the classifier's cone coordinates ``(x - center_) @ components_``
# (here the plane itself, rotated).  Each panel shows the data after ``ℓ`` layers
# and the cone of layer ``ℓ``: the backward part (shaded) is collapsed to the base
# point ``p_ℓ`` (star), the forward part is left unchanged.

colors = ["tab:blue", "tab:orange", "tab:green"]
fig, axes = plt.subplots(1, 4, figsize=(14, 3.8), sharex=True, sharey=True)
z = (X - clf.center_) @ clf.components_
panels = [z] + [clf.truncate(X, layer=ell) for ell in (1, 2, 3)]
for ell, (ax, pts) in enumerate(zip(axes, panels)):
    for j, c in enumerate(colors):
        ax.scatter(*pts[y == j].T, s=12, color=c, label=f"class {j}")
    ax.set_title("input" if ell == 0 else f"after layer {ell}")
    ax.set_aspect("equal")
    if ell == 0:
        continue
    p, f, theta = clf.base_points_[ell - 1], clf.axes_[ell - 1], clf.angles_[ell - 1]
    for sign in (1, -1):
        rot = np.array([[np.cos(sign * theta / 2), -np.sin(sign * theta / 2)],
                        [np.sin(sign * theta / 2), np.cos(sign * theta / 2)]])
        edge = rot @ f
        ax.plot(*np.c_[p - 3 * edge, p + 3 * edge], color="gray", lw=0.8)
    back = [p] + [p - 3 * (np.array([[np.cos(a), -np.sin(a)], [np.sin(a), np.cos(a)]]) @ f)
                  for a in np.linspace(-theta / 2, theta / 2, 20)]
    ax.fill(*np.array(back).T, color=colors[ell - 1], alpha=0.12)
    ax.scatter(*p, marker="*", s=160, color="k", zorder=3)
axes[0].legend(loc="lower left", fontsize=7)
for ax in axes:
    ax.set_xlim(-1.6, 1.6)
    ax.set_ylim(-1.6, 1.6)
fig.tight_layout()

# %%
# The network is an ordinary ReLU network: a hand-written forward pass from
# ``coefs_`` and ``intercepts_`` reproduces the targets exactly.

a = X
for W, b in zip(clf.coefs_[:-1], clf.intercepts_[:-1]):
    a = np.maximum(a @ W + b, 0.0)
out = a @ clf.coefs_[-1] + clf.intercepts_[-1]
print("max |f(x) - y|:", np.abs(out - np.eye(3)[y]).max())
