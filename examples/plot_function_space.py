"""
Function space of ReLUs on one-dimensional data (Karhadkar et al., Section 6)
=============================================================================

A unit ``σ(w x + b)`` evaluated on ``n`` sorted points gives a vector of ``R^n``.
Its parameter plane ``(b, w)`` is cut by the lines ``b + w x_j = 0`` into ``2n``
activation regions (Figure 5, left); on each, the outputs are linear in the
parameters, and the region maps onto a cone spanned by two ramps with a kink at
a data point.  Scaled to sum 1, all of them form a polyline in the simplex
(Proposition 13, Figure 1).  Sums of ``m`` ReLUs are non-negative multiples of
convex combinations of ``m`` polyline points; the blue dots are normalised sums
of two random ReLUs.  Proposition 7's dual picture (Figure 4): the non-empty
regions are the vertices of the zonotope ``Σ_j conv{0, (1, x_j)}``.

Last, Lemma 15: in a *complete* region (every right-facing step pattern held by a
unit of each output sign), :func:`sktrunc.landscape.complete_region_minimum`
builds a network that interpolates any targets, and
:func:`sktrunc.landscape.region_rank_experiment` counts how many of the
uniformly drawn non-empty regions are complete (Theorem 12).
"""

import matplotlib.pyplot as plt
import numpy as np

from sktrunc.landscape import (
    activation_zonotope,
    complete_region_minimum,
    region_rank_experiment,
    relu_function_space,
    theory_width,
)
from sktrunc.plotting import FunctionSpaceDisplay

rng = np.random.default_rng(0)
fig, axes = plt.subplots(2, 3, figsize=(13, 8))

# Figure 1: n = 3 and n = 4, with sums of two ReLUs
for ax, x in zip(axes[0, :2], (np.array([0.0, 1.0, 3.0]), np.array([0.0, 1.0, 2.5, 3.0]))):
    b, w = rng.normal(size=(2, 400, 2))
    sums = np.maximum(b[:, :, None] + w[:, :, None] * x, 0.0).sum(axis=1)
    FunctionSpaceDisplay.from_results(relu_function_space(x), samples=sums, ax=ax)

# Figure 4: the zonotope of three points in 1 x R
x3 = np.array([-1.0, 0.5, 2.0])
FunctionSpaceDisplay.from_results(activation_zonotope(np.column_stack([np.ones(3), x3])),
                                  ax=axes[0, 2])

# Figure 5: a single ReLU on two points, parameter space and function space
res2 = relu_function_space([0.5, 2.0])
FunctionSpaceDisplay.from_results(res2, panel="parameter", ax=axes[1, 0])
FunctionSpaceDisplay.from_results(res2, ax=axes[1, 1])
print("regions of one ReLU on 2 points (pattern, Jacobian rank):",
      [("".join(map(str, p.astype(int))), int(r)) for p, r in zip(res2["patterns"],
                                                                   res2["ranks"])])

# Lemma 15: a zero-loss network in a complete region
x = np.sort(rng.uniform(-2, 2, 8))
y = np.sin(2 * x) + 0.3 * rng.normal(size=8)
net = complete_region_minimum(x, y, width=24, random_state=0)
grid = np.linspace(x.min() - 0.2, x.max() + 0.2, 400)
ax = axes[1, 2]
ax.plot(grid, net.forward(grid[:, None]).ravel(), label="complete_region_minimum")
ax.scatter(x, y, color="k", zorder=3, label="data")
ax.set_title(f"Lemma 15: width {net.layer_sizes[1]}, max |f - y| = "
             f"{np.abs(net.forward(x[:, None]).ravel() - y).max():.1e}")
ax.legend(fontsize="small")
fig.tight_layout()

# %%
# Theorem 12 counts regions uniformly (every non-empty region once): the
# fraction of complete regions as the width grows, against the theorem's width
# ``4 n log(2n/ε)`` for ε = 0.1.
n = 5
widths = sorted([10, 20, 40, 80, 160, int(np.ceil(theory_width(n, 0.1, kind="minima")))])
res = region_rank_experiment([n], widths, regions="nonempty", n_trials=200, random_state=0)
for w, full, complete in zip(widths, res["fraction"][0], res["complete"][0]):
    print(f"d1 = {w:4d}: full rank {full:.2f}, complete {complete:.2f}")
