"""
Two-layer ReLU networks by convex optimisation
==============================================

:class:`~sktrunc.ConvexReLURegressor` solves the convex reformulation of
the weight-decay training problem of a two-layer ReLU network (Pilanci & Ergen
2020) over sampled activation patterns, and reads the network off the solution:
no initialisation, no learning rate, and a certified optimality gap (a
dual-feasible point's value: no network over the sampled patterns does better
by more than that fraction).  Here it meets ``MLPRegressor`` on a
one-dimensional nonlinear curve, then
:class:`~sktrunc.ConvexReLUClassifier` meets ``MLPClassifier`` on a
held-out quarter of the breast-cancer table.
"""

import time

import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_breast_cancer
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPClassifier, MLPRegressor
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sktrunc import ConvexReLUClassifier, ConvexReLURegressor

rng = np.random.default_rng(0)
x = np.sort(rng.uniform(-3, 3, 150))
y = np.sin(2 * x) + 0.3 * np.abs(x) + 0.1 * rng.normal(size=150)
X = x[:, None]

reg = ConvexReLURegressor(random_state=0).fit(X, y)
mlp = MLPRegressor(max_iter=2000, random_state=0).fit(X, y)
print(f"convex: {reg.coefs_[0].shape[1]} hidden units from {reg.n_patterns_} patterns, "
      f"certified relative gap {reg.optimality_gap_:.1e} after {reg.n_iter_} FISTA steps, "
      f"train R² {reg.score(X, y):.3f}")
print(f"MLPRegressor (100 units, Adam): train R² {mlp.score(X, y):.3f}")
# the network is a plain forward pass: an MLPRegressor with the same weights agrees
print("to_mlp agrees:", np.allclose(reg.to_mlp().predict(X), reg.predict(X)))

grid = np.linspace(-3.2, 3.2, 400)[:, None]
fig, ax = plt.subplots(figsize=(6, 3.5))
ax.scatter(x, y, s=8, color="k", label="training points")
ax.plot(grid, reg.predict(grid), label="ConvexReLURegressor")
ax.plot(grid, mlp.predict(grid), "--", label="MLPRegressor")
ax.legend(fontsize=8)
fig.tight_layout()

# %%
# Classification: one-hot targets with the squared loss, prediction by argmax,
# probabilities by a softmax whose temperature is fitted on the training data.

Xc, yc = load_breast_cancer(return_X_y=True)
Xa, Xb, ya, yb = train_test_split(Xc, yc, random_state=0, stratify=yc)
for name, est in [("ConvexReLUClassifier", ConvexReLUClassifier(random_state=0)),
                  ("MLPClassifier", MLPClassifier(max_iter=1000, random_state=0))]:
    start = time.perf_counter()
    model = make_pipeline(StandardScaler(), est).fit(Xa, ya)
    print(f"{name:<21} test accuracy {model.score(Xb, yb):.3f} "
          f"({time.perf_counter() - start:.2f} s)")
clf = make_pipeline(StandardScaler(), ConvexReLUClassifier(random_state=0)).fit(Xa, ya)
print("probabilities of the first test rows:", clf.predict_proba(Xb[:3]).round(3).tolist())
