"""
Construct, export, fine-tune
============================

A constructed network is a starting point for gradient descent.
:func:`~sktrunc.fine_tune` builds the construction on 90 % of the training set,
exports it as a fitted-state :class:`~sklearn.neural_network.MLPClassifier` that
predicts exactly as the construction does, and continues with adam on the
log-loss, keeping the best epoch on the other 10 %, **the construction (epoch 0)
included**.  Before the first step it

* calibrates the logits on the held-out rows and softens them 5x, so that the
  rows the construction was built on (on which it is confident) still have a
  gradient;
* rescales every hidden unit by a power of two so that its incoming and outgoing
  weights have equal norms (same function, same predictions);
* adds 128 units per hidden layer that feed nothing at epoch 0, so descent has
  capacity beyond the construction;
* holds the construction's hidden units fixed if it is too sharp for a step of
  its own weights (``freeze="auto"``).

Here on digits, the shallow construction of arXiv 2309.10370 against the same
widened architecture and the default ``MLPClassifier()`` architecture from
scikit-learn's random initialisation, all scored on the same held-out rows.
"""

import warnings

import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPClassifier
from sklearn.preprocessing import StandardScaler

from sktrunc import ShallowBoundClassifier, fine_tune

warnings.simplefilter("ignore")  # ConvergenceWarning of the one-epoch partial fits
X, y = load_digits(return_X_y=True)
X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.3, random_state=0,
                                                    stratify=y)
scaler = StandardScaler().fit(X_train)
X_train, X_test = scaler.transform(X_train), scaler.transform(X_test)

mlp = fine_tune(ShallowBoundClassifier(), X_train, y_train, random_state=0)
print(f"construction: test accuracy {mlp.construction_.score(X_test, y_test):.3f}; "
      f"fine-tuned: {mlp.score(X_test, y_test):.3f} (epoch {mlp.best_iter_} of "
      f"{len(mlp.validation_scores_) - 1} run)")

# %%
# The same split of the training set, for random initialisations with the same loop
# of one-epoch ``partial_fit`` calls.

X_fit, X_val, y_fit, y_val = train_test_split(X_train, y_train, test_size=0.1,
                                              random_state=0, stratify=y_train)


def curve(model, n_epochs=100):
    scores = []
    for _ in range(n_epochs):
        model.partial_fit(X_fit, y_fit, classes=np.unique(y_train))
        scores.append(model.score(X_val, y_val))
    return scores


same = curve(MLPClassifier(mlp.hidden_layer_sizes, random_state=0))
default = curve(MLPClassifier(random_state=0))

# %%
# Validation accuracy per epoch.  The constructed network starts where random
# initialisation arrives after several epochs; ``fine_tune`` hands back its best
# epoch (marked).

fig, ax = plt.subplots(figsize=(6, 4))
ax.plot(mlp.validation_scores_, label="from the construction (fine_tune)")
ax.plot(mlp.best_iter_, mlp.validation_scores_[mlp.best_iter_], "o", color="C0")
ax.plot(np.arange(1, len(same) + 1), same,
        label=f"same architecture {mlp.hidden_layer_sizes}, random init")
ax.plot(np.arange(1, len(default) + 1), default, label="MLPClassifier() (100,), random init")
ax.set_xlabel("epoch (adam, learning rate 1e-3)")
ax.set_ylabel("validation accuracy")
ax.set_ylim(0.8, 1.0)
ax.legend(loc="lower right")
fig.tight_layout()
