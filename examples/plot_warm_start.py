"""
Gradient descent from a constructed minimiser
=============================================

``to_mlp()`` turns any constructed network into a fitted-state
:class:`~sklearn.neural_network.MLPRegressor` with the same weights, so gradient
descent can start where the construction ended.  What does it do there?

* On clustered data the constructed network is a global minimum of the L2 cost
  (zero loss).  Plain gradient descent (``alpha=0``) has nothing to do: the
  gradient vanishes.  scikit-learn's default ``alpha=1e-4`` adds an L2 penalty on
  the weights, whose minimiser is not the zero-loss network: descent trades a
  little training loss for smaller weights.
* From a random initialisation, the same architecture needs many epochs to come
  near the loss the construction starts from.
"""

import warnings

import matplotlib.pyplot as plt
import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPRegressor

from sktrunc import ClusteredTruncationClassifier
from sktrunc.datasets import make_clustered

warnings.simplefilter("ignore", ConvergenceWarning)
X, y = make_clustered(n_samples=300, n_features=8, n_classes=4, clustering_ratio=0.2,
                      random_state=0)
Y = np.eye(4)[y]
clf = ClusteredTruncationClassifier().fit(X, y)
print(clf.network_, f"training cost {clf.training_cost_:.1e}")


def half_mse(model):
    """scikit-learn's squared loss (½ mean squared error) without the penalty."""
    return 0.5 * np.mean(np.sum((model.predict(X) - Y) ** 2, axis=1))


curves = {}
for alpha in (0.0, 1e-4):
    mlp = clf.to_mlp(warm_start=True, solver="sgd", learning_rate_init=0.01, momentum=0.9,
                     alpha=alpha, max_iter=1, batch_size=len(X), shuffle=False,
                     random_state=0)
    losses = [half_mse(mlp)]
    for _ in range(200):
        mlp.fit(X, Y)
        losses.append(half_mse(mlp))
    curves[f"from the construction, alpha={alpha:g}"] = losses

sizes = clf.network_.layer_sizes[1:-1]
scratch = MLPRegressor(hidden_layer_sizes=sizes, solver="sgd", learning_rate_init=0.01,
                       momentum=0.9, max_iter=1, batch_size=len(X), warm_start=True,
                       shuffle=False,
                       random_state=0)
losses = []
for _ in range(201):
    scratch.fit(X, Y)
    losses.append(half_mse(scratch))
curves["same architecture, random initialisation"] = losses

# %%
# Training loss per epoch (½ MSE, the penalty excluded).  The zero-loss curve is at
# the floor of float precision; a log scale shows all three.

fig, ax = plt.subplots(figsize=(6, 4))
for label, c in curves.items():
    ax.semilogy(np.maximum(c, 1e-32), label=label)
ax.set_xlabel("epoch of full-batch SGD")
ax.set_ylabel("training loss")
ax.legend(fontsize=8)
fig.tight_layout()
for label, c in curves.items():
    print(f"{label:45s} start {c[0]:.2e}  after 200 epochs {c[-1]:.2e}")
