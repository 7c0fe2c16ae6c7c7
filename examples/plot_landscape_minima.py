"""
Regions that contain global minima (Figures 6-7 of Karhadkar et al.)
====================================================================

Inside an activation region the best fit is a convex QP (Appendix E.2), solved
here with cvxpy; the region holds a zero-loss global minimum when the forward
pass of the QP's optimum interpolates the data.
:func:`sktrunc.landscape.global_minimum_fraction` reports how often that happens
for random regions, for 'polynomial' and 'teacher' labels: wide enough networks
have most of their regions containing global minima — a favourable landscape
without any gradient descent.  The same QP is the region strategy of
:class:`sktrunc.OverparamInterpolator`.
"""

import matplotlib.pyplot as plt

from sktrunc.landscape import global_minimum_fraction
from sktrunc.plotting import PhaseDiagramDisplay

n_samples = [5, 10, 20]
widths = [5, 10, 20, 40, 80]
fig, axes = plt.subplots(1, 2, figsize=(10, 4))
for ax, labels in zip(axes, ("polynomial", "teacher")):
    res = global_minimum_fraction(n_samples, widths, n_features=2, labels=labels, n_trials=12,
                                  random_state=0)
    PhaseDiagramDisplay.from_results(res, ax=ax)
    ax.set_title(f"{labels} labels, d0 = 2")
    print(labels, "fraction of regions with a global minimum:\n", res["fraction"].round(2))
fig.tight_layout()
