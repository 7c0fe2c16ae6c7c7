"""
Jacobian rank phase transition (Figure 2 of Karhadkar et al.)
=============================================================

On an activation region a two-layer ReLU network is linear in its first-layer
parameters; when that Jacobian has full rank ``n`` every small change of the
outputs is reachable, and the region's critical points are global minima.  How
wide must the hidden layer be?  :func:`sktrunc.landscape.full_rank_fraction`
samples data uniform on ``[-1, 1]^{d0}`` and He-uniform initialisations and
counts how often the Jacobian (Khatri-Rao form, rank from the eigenvalues of
``J Jᵀ``) has full rank.  The dashed line is Theorem 10's sufficient width
``2 n log(2n/ε)`` for ``d0 = 1``.
"""

import matplotlib.pyplot as plt

from sktrunc.landscape import full_rank_fraction
from sktrunc.plotting import PhaseDiagramDisplay

n_samples = [5, 10, 15, 20, 30, 40]
widths = [10, 25, 50, 100, 200, 400]
fig, axes = plt.subplots(1, 2, figsize=(10, 4))
for ax, d0 in zip(axes, (1, 2)):
    res = full_rank_fraction(n_samples, widths, n_features=d0, n_trials=40, random_state=0)
    PhaseDiagramDisplay.from_results(res, theory="rank" if d0 == 1 else None, ax=ax)
    ax.set_title(f"d0 = {d0}")
    print(f"d0 = {d0}: full-rank fraction at d1 = 100:",
          dict(zip(n_samples, res["fraction"][:, widths.index(100)].round(2))))
fig.tight_layout()
