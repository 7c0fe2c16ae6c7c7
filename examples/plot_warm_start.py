"""
Fine-tuning a constructed classifier
====================================

A constructed network is a starting point for gradient descent.
A classifier's ``to_mlp()`` turns it into a fitted-state
:class:`~sklearn.neural_network.MLPClassifier` that predicts exactly as the
construction does (the nearest-target rule becomes softmax logits), and
``fine_tune`` continues with the log-loss without ever ending below where it
started.  The recipe (see the user guide page "Fine-tuning"):

* the default temperature, that of the classifier's ``predict_proba`` (fitted to
  the training log-loss), so that the
  MLP has the classifier's probabilities and the first gradients are those of a
  calibrated model rather than of a saturated softmax;
* ``widen=128``: extra units per hidden layer, invisible at epoch 0 (zero
  outgoing weights), so descent has capacity beyond the construction;
* adam with ``learning_rate_init=1e-3``, and ``fine_tune``, which keeps the
  best epoch on a held-out 10 %, **the construction (epoch 0) included**.

Here on digits, the shallow construction of arXiv 2309.10370 against the same
(widened) architecture from scikit-learn's random initialisation.
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

clf = ShallowBoundClassifier().fit(X_train, y_train)
mlp = clf.to_mlp(widen=128, random_state=0, solver="adam", learning_rate_init=1e-3)
print(f"constructed: test accuracy {clf.score(X_test, y_test):.3f}; exported MLP: "
      f"{mlp.score(X_test, y_test):.3f} (the same predictions)")
mlp = fine_tune(mlp, X_train, y_train, max_iter=100, random_state=0)

scratch = MLPClassifier(mlp.hidden_layer_sizes, solver="adam", learning_rate_init=1e-3,
                        random_state=0)
scratch.partial_fit(X_train, y_train, classes=np.unique(y_train))
scratch = fine_tune(scratch, X_train, y_train, max_iter=100, random_state=0)

# %%
# Validation accuracy per epoch (10 % of the training set held out).  The constructed
# network starts where random initialisation arrives after many epochs; ``fine_tune``
# returns the best epoch of each curve.

fig, ax = plt.subplots(figsize=(6, 4))
ax.plot(mlp.validation_scores_, label="from the construction")
ax.plot(np.arange(1, len(scratch.validation_scores_) + 1), scratch.validation_scores_,
        label="same architecture, random initialisation")
ax.set_xlabel("epoch (adam, learning rate 1e-3)")
ax.set_ylabel("validation accuracy")
ax.legend()
fig.tight_layout()
print(f"fine-tuned: test accuracy {mlp.score(X_test, y_test):.3f} (epoch {mlp.best_iter_}); "
      f"random init: {scratch.score(X_test, y_test):.3f} (epoch {scratch.best_iter_ + 1})")
