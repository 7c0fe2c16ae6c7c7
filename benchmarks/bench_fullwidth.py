"""Full-width cone networks (``width="full"``) when features outnumber samples.

    python benchmarks/bench_fullwidth.py            # M = 800, 1500, 5000
    python benchmarks/bench_fullwidth.py --quick    # M = 800, 1500

Issue 13: ``ClusteredTruncationClassifier(width="full")`` on 50 samples x 5,000
features took about 410 s, all of it generic ``O(M³)`` linear algebra on
``M x M`` layers (SVDs for the condition numbers and the forward plan, ``lstsq``
for the real layers, eigenvalues).  The truncation layers are ``λ I`` plus rank
two, and the assembler now keeps them factored.  Each row prints, side by side
in the same process:

* the fit against ``NearestCentroid`` and ``LogisticRegression`` on the same data;
* the assembly of the same cumulative layers in factored form against the dense
  route (plain arrays: ``lstsq``, ``np.linalg.cond``, the plan's form search),
  only up to M = 1500 (the dense route is minutes at 5000);
* peak memory of the fit (``tracemalloc``; the dense layers themselves are
  ``Q M²`` floats, 200 MB per layer at M = 5000).

Read the ratios, not the seconds.
"""

import argparse
import time
import warnings

import numpy as np
from bench_predict import peak_mib
from sklearn.datasets import make_classification
from sklearn.linear_model import LogisticRegression
from sklearn.neighbors import NearestCentroid

from sktrunc import ClusteredTruncationClassifier
from sktrunc._truncation import assemble_network


def timed(fn, repeat=1):
    best, out = float("inf"), None
    for _ in range(repeat):
        start = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - start)
    return best, out


def dense_assembly(clf):
    """The same cumulative layers as plain arrays: the generic O(M³) route."""
    layers = clf.layers_
    cum_c = [np.array(layer.cumulative_coef) for layer in layers]
    cum_b = [layer.cumulative_intercept for layer in layers]
    # the last layer in cone coordinates is not kept by the estimator: any (M, d) will do
    out = np.zeros((cum_c[0].shape[0], clf.targets_.shape[1]))
    cum_c.append(out)
    cum_b.append(np.zeros(out.shape[1]))
    net, _ = assemble_network(cum_c, cum_b, input_map=(clf.center_, clf.components_))
    net.forward(np.zeros((1, net.layer_sizes[0])))  # the plan (its form search)
    return net


def factored_assembly(clf):
    layers = clf.layers_
    cum_c = [layer.cumulative_factors for layer in layers]
    cum_b = [layer.cumulative_intercept for layer in layers]
    cum_c.append(np.zeros((cum_c[0].shape[0], clf.targets_.shape[1])))
    cum_b.append(np.zeros(clf.targets_.shape[1]))
    net, _ = assemble_network(cum_c, cum_b, input_map=(clf.center_, clf.components_))
    net.forward(np.zeros((1, net.layer_sizes[0])))
    return net


def row(n_features, n_classes, compare_dense):
    X, y = make_classification(n_samples=50, n_features=n_features, n_informative=10,
                               n_redundant=0, n_classes=n_classes, n_clusters_per_class=1,
                               random_state=0)
    t_fit, clf = timed(lambda: ClusteredTruncationClassifier(width="full").fit(X, y))
    t_nc, _ = timed(lambda: NearestCentroid().fit(X, y), 3)
    t_lr, _ = timed(lambda: LogisticRegression(max_iter=1000).fit(X, y), 3)
    mem = peak_mib(lambda: ClusteredTruncationClassifier(width="full").fit(X, y))
    line = (f"50 x {n_features:5d}, Q={n_classes}  fit {t_fit:6.2f} s  "
            f"/ NearestCentroid {t_fit / t_nc:8.0f}  / LogReg {t_fit / t_lr:6.1f}  "
            f"cost {clf.training_cost_:.1e}  max cond {clf.condition_numbers_.max():.2g}  "
            f"peak {mem:7.0f} MiB")
    if compare_dense:
        t_fac, _ = timed(lambda: factored_assembly(clf), 3)
        t_den, _ = timed(lambda: dense_assembly(clf))
        line += f"  assembly dense / factored {t_den / t_fac:6.1f}"
    print(line, flush=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    warnings.simplefilter("ignore")  # the construction's ConditioningWarning
    sizes = [800, 1500] if args.quick else [800, 1500, 5000]
    for n_features in sizes:
        for n_classes in (2, 5):
            row(n_features, n_classes, compare_dense=n_features <= 1500)
    print("fit ratios: ours / scikit-learn's fit on the same 50 rows; assembly ratio: the "
          "dense O(M³) route / the factored one, same layers")


if __name__ == "__main__":
    main()
