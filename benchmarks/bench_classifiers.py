"""Constructed classifiers against scikit-learn's, as users judge them: cross-validation.

Each estimator with its default parameters in a ``StandardScaler`` pipeline, 5-fold
stratified CV (shuffled, seeded) on the four bundled tables, three nonlinear
generators and four held-out generators nobody tuned on (``make_classification``
with informative and redundant features, Gaussian quantiles, noisy moons); mean
accuracy, the rank among all estimators per data set, fit time as a ratio of
``MLPClassifier()``'s on the same folds, run side by side in this process, and peak
traced memory.  Then the robustness of each constructed network on digits (and of
the clustered one on XOR): test accuracy after multiplying every weight by
``1 + eps * N(0, 1)``.

    python benchmarks/bench_classifiers.py            # everything (several minutes)
    python benchmarks/bench_classifiers.py --quick    # iris, wine, moons, xor
    python benchmarks/bench_classifiers.py --skip ConvexReLU   # without the slowest

Set ``OPENBLAS_NUM_THREADS=1`` on a shared machine: two BLAS threads on busy cores
make small matrix products up to 100x slower, for every estimator alike.
"""

import argparse
import os
import time
import tracemalloc
import warnings

import numpy as np
from sklearn.base import clone
from sklearn.datasets import (
    load_breast_cancer,
    load_digits,
    load_iris,
    load_wine,
    make_blobs,
    make_circles,
    make_classification,
    make_gaussian_quantiles,
    make_moons,
)
from sklearn.ensemble import RandomForestClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold, train_test_split
from sklearn.neighbors import NearestCentroid
from sklearn.neural_network import MLPClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC

import sktrunc

OURS = {
    "ClusteredTruncation": sktrunc.ClusteredTruncationClassifier(random_state=0),
    "SequentialSeparable": sktrunc.SequentialSeparableClassifier(random_state=0),
    "ShallowBound": sktrunc.ShallowBoundClassifier(),
}
if hasattr(sktrunc, "ConvexReLUClassifier"):
    OURS["ConvexReLU"] = sktrunc.ConvexReLUClassifier(random_state=0)
PEERS = {
    "LogisticRegression": LogisticRegression(max_iter=5000),
    "SVC(rbf)": SVC(),
    "MLPClassifier": MLPClassifier(random_state=0),
    "RandomForest": RandomForestClassifier(random_state=0),
    "NearestCentroid": NearestCentroid(),
}


def xor_of_blobs(n_samples=400, seed=0):
    centers = 4.0 * np.array([[0, 0], [1, 1], [0, 1], [1, 0]])
    X, lab = make_blobs(n_samples, centers=centers, cluster_std=0.6, random_state=seed)
    return X, (lab >= 2).astype(int)


DATA = {
    "iris": lambda: load_iris(return_X_y=True),
    "wine": lambda: load_wine(return_X_y=True),
    "breast_cancer": lambda: load_breast_cancer(return_X_y=True),
    "digits": lambda: load_digits(return_X_y=True),
    "moons": lambda: make_moons(400, noise=0.25, random_state=0),
    "circles": lambda: make_circles(400, noise=0.1, factor=0.5, random_state=0),
    "xor": xor_of_blobs,
    # held out: never used to choose a default
    "classif_3x20": lambda: make_classification(600, 20, n_informative=6, n_redundant=4,
                                                n_classes=3, random_state=1),
    "classif_flip": lambda: make_classification(500, 10, n_informative=4, n_redundant=2,
                                                flip_y=0.05, random_state=2),
    "quantiles": lambda: make_gaussian_quantiles(n_samples=500, n_features=4, n_classes=3,
                                                 random_state=3),
    "noisy_moons": lambda: make_moons(500, noise=0.4, random_state=4),
}


def cross_validate(est, X, y):
    """Mean accuracy, total fit seconds and peak traced MB over 5 folds.

    The fits are timed untraced (tracemalloc slows Python-level code far more than
    BLAS-bound code, which would bias the ratios); the peak memory is that of one more
    fit on the first fold's training rows, traced.
    """
    folds = list(StratifiedKFold(5, shuffle=True, random_state=0).split(X, y))
    scores, fit_time = [], 0.0
    for train, test in folds:
        pipe = make_pipeline(StandardScaler(), clone(est))
        t = time.perf_counter()
        pipe.fit(X[train], y[train])
        fit_time += time.perf_counter() - t
        scores.append(pipe.score(X[test], y[test]))
    train = folds[0][0]
    tracemalloc.start()
    make_pipeline(StandardScaler(), clone(est)).fit(X[train], y[train])
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return float(np.mean(scores)), fit_time, peak / 2**20


def robustness(est, eps_values=(1e-4, 1e-3), draws=5, data="digits"):
    """Test accuracy of the constructed network after relative weight noise."""
    X, y = DATA[data]()
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.3, random_state=0,
                                                        stratify=y)
    scaler = StandardScaler().fit(X_train)
    clf = clone(est).fit(scaler.transform(X_train), y_train)
    Xt = scaler.transform(X_test)
    base = clf.score(Xt, y_test)
    rng = np.random.default_rng(0)
    out = {}
    for eps in eps_values:
        accs = []
        for _ in range(draws):
            coefs = [W * (1 + eps * rng.normal(size=W.shape)) for W in clf.coefs_]
            net = sktrunc.ReLUNetwork(coefs, clf.intercepts_)
            scores = clf._scores(net.forward(Xt))
            accs.append(np.mean(clf.classes_[np.argmax(scores, axis=1)] == y_test))
        out[eps] = float(np.mean(accs))
    return base, out, max(float(np.abs(W).max()) for W in clf.coefs_)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--skip", nargs="*", default=[], help="estimators to leave out")
    parser.add_argument("--data", nargs="*", default=None, help="data sets to run")
    args = parser.parse_args()
    names = ["iris", "wine", "moons", "xor"] if args.quick else list(DATA)
    names = args.data or names
    for name in args.skip:
        OURS.pop(name, None)
    print(f"OPENBLAS_NUM_THREADS={os.environ.get('OPENBLAS_NUM_THREADS', 'unset')}")
    warnings.simplefilter("ignore")
    estimators = {**OURS, **PEERS}
    acc, ratio, mem = {}, {}, {}
    for name in names:
        X, y = DATA[name]()
        mlp_time = None
        for est_name, est in [("MLPClassifier", PEERS["MLPClassifier"])] + [
                (k, v) for k, v in estimators.items() if k != "MLPClassifier"]:
            score, seconds, peak = cross_validate(est, X, y)
            mlp_time = seconds if est_name == "MLPClassifier" else mlp_time
            acc[est_name, name] = score
            ratio[est_name, name] = seconds / mlp_time
            mem[est_name, name] = peak
        print(f"  {name} done", flush=True)
    print("\n5-fold CV accuracy (rank among the estimators; fit time / MLPClassifier's; peak MB)")
    print(f"{'estimator':22s}" + "".join(f"{n[:24]:>26s}" for n in names) + f"{'mean rank':>11s}")
    ranks = {}
    for name in names:
        order = sorted(estimators, key=lambda e: -acc[e, name])
        for e in estimators:
            # ties share the best rank
            ranks[e, name] = 1 + sum(acc[o, name] > acc[e, name] + 1e-12 for o in order)
    for e in estimators:
        cells = "".join(f"{acc[e, n]:7.3f} ({ranks[e, n]:2d}) {ratio[e, n]:6.2f}x {mem[e, n]:4.0f}"
                        for n in names)
        print(f"{e:22s}{cells}{np.mean([ranks[e, n] for n in names]):11.2f}")
    best = {n: max(acc[o, n] for o in OURS) for n in names}
    print("\nbest sktrunc minus LogisticRegression: "
          + ", ".join(f"{n} {best[n] - acc['LogisticRegression', n]:+.3f}" for n in names))
    print("\nMLPClassifier's fit time / ours (side by side, same folds; target >= 5)")
    for e in OURS:
        print(f"{e:22s}" + "  ".join(f"{n} {1 / ratio[e, n]:.1f}x" for n in names))
    print("\nRobustness (test accuracy; every weight times 1 + eps N(0,1), 5 draws)")
    robust = dict(OURS)
    if "max_aperture" in sktrunc.ClusteredTruncationClassifier().get_params():
        robust["Clustered(max_aperture=0.9pi)"] = sktrunc.ClusteredTruncationClassifier(
            max_aperture=0.9 * np.pi, random_state=0)
    for data in ("digits", "xor"):
        for e, est in robust.items():
            if data == "xor" and not e.startswith("Clustered"):
                continue
            base, noisy, wmax = robustness(est, data=data)
            print(f"{data:7s}{e:30s} clean {base:.3f}  eps=1e-4 {noisy[1e-4]:.3f}  "
                  f"eps=1e-3 {noisy[1e-3]:.3f}  max|W| {wmax:.3g}")


if __name__ == "__main__":
    main()
