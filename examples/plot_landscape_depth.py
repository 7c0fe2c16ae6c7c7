"""
Depth can cost the training Jacobian its rank
=============================================

Chen & Moore ("Zero loss guarantees and explicit minimizers for generic
overparametrized deep learning networks", Section 4) show that for strongly
overparametrized networks (more input dimensions than samples) the Jacobian
``D`` of the outputs with respect to all parameters has full rank for generic
data when the activation is a submersion and the later weight matrices have
full rank (Proposition 5).  Without those hypotheses, **depth adds ways to
lose rank**: a ReLU layer can map a sample into the negative orthant, which
wipes out its row, and ``D`` carries products of up to ``L`` derivatives
``σ'`` (Remark 1) that make it numerically singular.  Width alone does not.

``sktrunc.landscape.depth_rank_experiment`` draws random
problems with ``N = 4`` samples in ``R^5`` and compares ``L`` hidden layers of
width 5 with a single hidden layer holding the same number of parameters.
"""

import matplotlib.pyplot as plt

from sktrunc.landscape._jacobian import depth_rank_experiment

depths = [1, 2, 4, 8, 16, 32, 64]
results = {act: depth_rank_experiment(depths, n_samples=4, activation=act, n_trials=40,
                                      random_state=0)
           for act in ("relu", "tanh")}

# %%
# Left: fraction of trials whose Jacobian has full rank ``N`` (relative tolerance
# 1e-8).  Right: the median ratio of its smallest to its largest singular value.

fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(9, 3.5))
for act, res in results.items():
    ax1.plot(depths, res["deep_full_rank"], "o-", label=f"{act}, deep (width 5)")
    ax1.plot(depths, res["wide_full_rank"], "s--", label=f"{act}, one wide layer")
    ax2.semilogy(depths, res["deep_conditioning"], "o-", label=f"{act}, deep")
    ax2.semilogy(depths, res["wide_conditioning"], "s--", label=f"{act}, wide")
for ax in (ax1, ax2):
    ax.set_xscale("log", base=2)
    ax.set_xlabel("hidden layers L (same parameter count for the wide network)")
ax1.set_ylabel("full-rank fraction")
ax2.set_ylabel("median s_min / s_max of D")
ax1.legend(fontsize=7)
fig.tight_layout()
for act, res in results.items():
    print(act, "deep:", res["deep_full_rank"].round(2), "wide:", res["wide_full_rank"].round(2))
