"""
Which clustered networks are minima? (Theorems 2.3-2.5 of arXiv 2309.10639)
===========================================================================

Chen & Muñoz Ewald construct, for clustered data with ``M = Q``, a zero-loss
network (every class collapsed to a point, Theorem 2.3) and ``2^Q - 1``
"degenerate local minima" in which some classes are left un-truncated
(Theorems 2.4-2.5).  ``ClusteredTruncationClassifier(collapse=[...])`` builds
each pattern.  Here we *measure* what each configuration is: its training cost
(eq. 14), the norm of the cost's gradient in the hidden parameters
(:func:`sktrunc.cost_gradient_norm`), the paper's value (2.85)
(:func:`sktrunc.theorem_2_5_cost`) and the best linear last layer on the
truncated data, (2.54) (:func:`sktrunc.truncated_data_cost`).

The result: every class collapsed is a global minimum (cost and gradient 0).
Nothing collapsed with ``width="full"`` is a critical point.  Every other
pattern has a gradient of the order of its cost, so it is not a critical point,
let alone a local minimum: one small gradient step on the hidden layers and a
refit of the last layer lowers the cost.
"""

import itertools
import warnings

import matplotlib.pyplot as plt
import numpy as np

from sktrunc import (
    ClusteredTruncationClassifier,
    append_identity_layers,
    cost_gradient_norm,
    theorem_2_5_cost,
    truncated_data_cost,
)

rng = np.random.default_rng(0)
Q = 3
y = np.repeat(np.arange(Q), 30)
X = 3.0 * np.eye(Q)[y] + 0.3 * rng.normal(size=(len(y), Q))


def refit_cost(coefs, intercepts, Y):
    """Eq. (14) with the best affine last layer on the given hidden layers."""
    a = X
    for W, b in zip(coefs[:-1], intercepts[:-1]):
        a = np.maximum(a @ W + b, 0.0)
    A = np.column_stack([a, np.ones(len(a))])
    r = A @ np.linalg.lstsq(A, Y, rcond=None)[0] - Y
    return 0.5 * float(np.sum(r * r))


rows = []
print(f"{'collapse':<22}{'width':<9}{'cost (14)':>11}{'|grad|':>10}{'after step':>12}"
      f"{'(2.85)':>9}{'(2.54)':>9}")
for pattern in itertools.product([False, True], repeat=Q):
    for width in ("full", "reduced"):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            clf = ClusteredTruncationClassifier(width=width, collapse=list(pattern),
                                                output_layer="lstsq", n_prototypes=1)
            clf.fit(X, y)
        Y = clf.targets_[y]
        grad = cost_gradient_norm(clf, X, y)
        gc, gb = clf.network_.cost_gradient(X, Y)
        step = 1e-3 / max(grad, 1e-300)
        after = refit_cost([c - step * g for c, g in zip(clf.coefs_, gc)],
                           [b - step * g for b, g in zip(clf.intercepts_, gb)], Y)
        # (2.54) on the network's own truncated data, back in input coordinates
        value = (truncated_data_cost(clf.truncate(X) + clf.center_, y) if width == "full"
                 else np.nan)
        rows.append((pattern, width, clf.training_cost_, grad))
        print(f"{str(pattern):<22}{width:<9}{clf.training_cost_:>11.3g}{grad:>10.2g}"
              f"{after:>12.4g}{theorem_2_5_cost(X, y, pattern):>9.3g}{value:>9.3g}")

# %%
# The gradient norm of every pattern, for both widths: only "all collapsed" and
# "none collapsed, full width" are critical points.
fig, ax = plt.subplots(figsize=(8, 3.5))
labels = ["".join("c" if p else "-" for p in pattern) for pattern, w, _, _ in rows[::2]]
for k, width in enumerate(("full", "reduced")):
    grads = [max(g, 1e-16) for _, w, _, g in rows if w == width]
    ax.bar(np.arange(len(grads)) + 0.4 * k, grads, width=0.4, label=f'width="{width}"')
ax.set_yscale("log")
ax.set_xticks(np.arange(len(labels)) + 0.2, labels)
ax.set_xlabel("collapse pattern (c = class collapsed)")
ax.set_ylabel("|∇ cost| in the hidden layers")
ax.legend(loc="center", framealpha=0.9)
fig.tight_layout()

# %%
# Deeper than ``Q`` layers (``L > Q``, Theorem 2.3): truncation layers that are
# the identity on the data keep the zero loss and the zero gradient.
clf = ClusteredTruncationClassifier(n_prototypes=1).fit(X, y)
deep = append_identity_layers(clf.network_, X, n_layers=2, random_state=0)
r = deep.forward(X) - clf.targets_[y]
print(f"L = Q: {clf.network_.layer_sizes}; L = Q + 2: {deep.layer_sizes}, cost "
      f"{0.5 * np.sum(r * r):.2g}, |grad| "
      f"{cost_gradient_norm(deep, X, clf.targets_[y], parameters='all'):.2g}")

# %%
# The width reduction of the user guide at ``M = 100``, ``Q = 10``: parameters
# and the largest condition number of a hidden layer, computed here (the
# numbers quoted in the user guide come from this output).
from sktrunc.datasets import make_clustered  # noqa: E402

Xb, yb = make_clustered(n_samples=500, n_features=100, n_classes=10, clustering_ratio=0.2,
                        random_state=0)
for width in ("reduced", "full"):
    big = ClusteredTruncationClassifier(width=width, n_prototypes=1).fit(Xb, yb)
    print(f'width="{width}": {big.n_params_} parameters, largest condition number '
          f"{big.condition_numbers_.max():.1f}, training cost {big.training_cost_:.1g}")
