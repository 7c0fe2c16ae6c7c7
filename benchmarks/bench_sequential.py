"""Fit time of SequentialSeparableClassifier against scikit-learn, side by side.

    OPENBLAS_NUM_THREADS=1 python benchmarks/bench_sequential.py          # all rows
    OPENBLAS_NUM_THREADS=1 python benchmarks/bench_sequential.py --quick  # blobs at 1e4
    OPENBLAS_NUM_THREADS=1 python benchmarks/bench_sequential.py --cv     # + 5-fold CV
    OPENBLAS_NUM_THREADS=1 python benchmarks/bench_sequential.py --noise --no-speed

Targets from issue 16, all with default parameters: fit <= 1x
``LogisticRegression().fit`` on digits; within 3x ``LinearSVC().fit`` on
non-separable tables (``make_classification`` 5,000 x 17 and 2,000 x 56); at
least 5x faster than ``MLPClassifier().fit`` on digits, breast cancer, the
5,000-row table and N = 1e5 Gaussian blobs; ``n_jobs=2`` >= 1.6x faster than
``n_jobs=1`` for ``order="margin"`` with the same network (the load average
before each of those rows is printed: the speed-up needs the second core free).  Each row prints the
best of ``--repeat`` (5) fit times of ours and of the peer, run side by side in this
process (their fits alternating), the ratio ``ours / peer`` (``peer / ours`` for MLP, so that both
targets read "bigger is better" there), the peak memory of one fit of each
(``tracemalloc``) and the training accuracies.  Rows with ``n_prototypes=1``
show what the choice of ``n_prototypes="auto"`` costs on top, and the rows
"'auto' vs tuned" set it against a LinearSVC whose ``C`` is chosen the way "auto"
chooses (five values scored on one held-out quarter, then refitted).  ``--cv`` adds the
5-fold CV accuracy (stratified, shuffled, ``StandardScaler`` pipeline) of the
default on the tables whose accuracy must not drop.  ``--noise`` prints the
weight-noise sensitivity of issue 17 on a fixed standardised digits split (70/30,
stratified, seed 0): every weight matrix and bias multiplied elementwise by
``1 + ε N(0, 1)``, mean test accuracy of 5 draws, per setting of
``max_aperture`` (target: at most 1 point lost at ε = 1e-3 with the default).  Run with
``OPENBLAS_NUM_THREADS=1`` on a shared machine: read the ratios, not the seconds.
"""

import argparse
import os
import time
import tracemalloc
import warnings

import numpy as np
from bench_classifiers import DATA
from sklearn.datasets import (
    load_breast_cancer,
    load_digits,
    make_blobs,
    make_classification,
)
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import (
    GridSearchCV,
    StratifiedKFold,
    StratifiedShuffleSplit,
    cross_val_score,
    train_test_split,
)
from sklearn.neural_network import MLPClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import LinearSVC

from sktrunc import SequentialSeparableClassifier


def measure(make, X, y, repeat, memory=True):
    """Best fit time of ``repeat``, the fitted estimator, and the peak MiB of one fit
    (None with ``memory=False``)."""
    best, est = float("inf"), None
    for _ in range(repeat):
        start = time.perf_counter()
        est = make().fit(X, y)
        best = min(best, time.perf_counter() - start)
    if not memory:
        return best, est, None
    tracemalloc.start()
    make().fit(X, y)
    peak = tracemalloc.get_traced_memory()[1] / 2 ** 20
    tracemalloc.stop()
    return best, est, peak


def measure_pair(ours, peer, X, y, repeat):
    """:func:`measure` of ``ours`` and ``peer``, their fits alternating (a load that comes
    and goes on a shared machine then weighs on both)."""
    best, best_peer, est = float("inf"), float("inf"), None
    for _ in range(repeat):
        start = time.perf_counter()
        est = ours().fit(X, y)
        best = min(best, time.perf_counter() - start)
        start = time.perf_counter()
        peer().fit(X, y)
        best_peer = min(best_peer, time.perf_counter() - start)
    return (best, est, measure(ours, X, y, 0)[2]), (best_peer, None, measure(peer, X, y, 0)[2])


def row(label, ours, X, y, repeat, peer=None, peer_name="", target="", mlp=True):
    if peer is None:
        t, est, m = measure(ours, X, y, repeat)
    else:
        (t, est, m), (tp, _, mp) = measure_pair(ours, peer, X, y, repeat)
    parts = [f"{label:34s} ours {t:7.3f} s {m:6.1f} MiB acc {est.training_accuracy_:.3f}"]
    if peer is not None:
        parts.append(f"{peer_name} {tp:6.3f} s {mp:5.1f} MiB  ours/{peer_name} {t / tp:6.2f} "
                     f"({target})")
    if mlp:
        tm, _, mm = measure(lambda: MLPClassifier(random_state=0), X, y, 1)
        parts.append(f"MLP {tm:6.2f} s {mm:5.1f} MiB  MLP/ours {tm / t:6.1f} (>= 5)")
    print("  ".join(parts), flush=True)
    return est


# the bundled tables and nonlinear generators of bench_classifiers.py (one home for them)
CV_DATA = {name: DATA[name] for name in
           ("iris", "wine", "breast_cancer", "digits", "moons", "circles", "xor")}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--cv", action="store_true")
    parser.add_argument("--noise", action="store_true")
    parser.add_argument("--no-speed", action="store_true")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    warnings.simplefilter("ignore")  # ConvergenceWarning, AssumptionWarning
    print(f"OPENBLAS_NUM_THREADS={os.environ.get('OPENBLAS_NUM_THREADS')}, "
          f"best of {args.repeat}")
    r = args.repeat
    Seq = SequentialSeparableClassifier
    if args.noise:
        noise_table()
    if not args.no_speed:
        speed(args, r, Seq)
    if args.cv:
        folds = StratifiedKFold(5, shuffle=True, random_state=0)
        for name, load in CV_DATA.items():
            X, y = load()
            pipe = make_pipeline(StandardScaler(), Seq(random_state=0))
            scores = cross_val_score(pipe, X, y, cv=folds)
            print(f"CV {name:14s} {scores.mean():.3f} +- {scores.std():.3f}", flush=True)


def noisy_accuracy(clf, X, y, eps, draws=5, seed=0):
    """Mean test accuracy with every weight and bias times ``1 + eps N(0, 1)``."""
    rng = np.random.RandomState(seed)
    scores = []
    for _ in range(draws):
        a = X
        coefs = [W * (1 + eps * rng.standard_normal(W.shape)) for W in clf.coefs_]
        biases = [b * (1 + eps * rng.standard_normal(b.shape)) for b in clf.intercepts_]
        for W, b in zip(coefs[:-1], biases[:-1]):
            a = np.maximum(a @ W + b, 0.0)
        out = a @ coefs[-1] + biases[-1]
        scores.append(np.mean(clf.classes_[out.argmax(axis=1)] == y))
    return float(np.mean(scores))


def noise_table():
    X, y = load_digits(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.3, stratify=y,
                                                        random_state=0)
    scaler = StandardScaler().fit(X_train)
    X_train, X_test = scaler.transform(X_train), scaler.transform(X_test)
    print("weight noise on digits (test accuracy, mean of 5 draws)")
    print(f"{'max_aperture':22s} {'clean':>6s} {'1e-4':>6s} {'1e-3':>6s} {'drop':>6s} "
          f"{'max cond':>9s} {'max|W|':>7s} {'collapsed':>9s} {'output':>7s}")
    settings = {'"auto" (default)': "auto", "pi (Theorem 5.2)": np.pi}
    for k in (3, 10, 30):
        settings[f"cond {k} (eq. 37)"] = 2 * np.arctan(k / np.sqrt(X.shape[1] - 1))
    for label, cap in settings.items():
        clf = SequentialSeparableClassifier(max_aperture=cap, random_state=0)
        clf.fit(X_train, y_train)
        clean = clf.score(X_test, y_test)
        n3 = noisy_accuracy(clf, X_test, y_test, 1e-3)
        print(f"{label:22s} {clean:6.3f} {noisy_accuracy(clf, X_test, y_test, 1e-4):6.3f} "
              f"{n3:6.3f} {clean - n3:6.3f} {clf.condition_numbers_.max():9.3g} "
              f"{max(np.abs(W).max() for W in clf.coefs_):7.3g} "
              f"{int(clf.collapsed_.sum()):4d}/{len(clf.collapsed_):<4d} "
              f"{clf.output_layer_:>7s}", flush=True)


def speed(args, r, Seq):
    X, y = load_digits(return_X_y=True)
    X = StandardScaler().fit_transform(X)
    row("digits (standardized)", lambda: Seq(random_state=0), X, y, r,
        LogisticRegression, "LogReg", "<= 1")
    X, y = load_breast_cancer(return_X_y=True)
    X = StandardScaler().fit_transform(X)
    row("breast cancer (standardized)", lambda: Seq(random_state=0), X, y, r,
        LogisticRegression, "LogReg", "")

    for n, m in ((5000, 17), (2000, 56)):
        X, y = make_classification(n, m, n_informative=8, flip_y=0.05, random_state=0)
        for k in ("auto", 1):
            row(f"table {n}x{m}, n_prototypes={k!r}",
                lambda k=k: Seq(n_prototypes=k, random_state=0), X, y, r,
                LinearSVC, "LinearSVC", "<= 3", mlp=k == "auto")
        # "auto" is a model selection (five candidates scored on one held-out quarter,
        # then the choice refitted on all rows): the like-for-like linear peer selects
        # C the same way.  Printed for the decision issue 16 asks for; the target above
        # stays the untuned LinearSVC
        row(f"table {n}x{m}, 'auto' vs tuned", lambda: Seq(random_state=0), X, y, r,
            tuned_linear_svc, "LinSVC-CV", "model selection, no target", mlp=False)

    # many classes: one prototype each overlaps, so every candidate of "auto" (20 k
    # prototypes) is built knowing it; its greedy search fits soft-margin hints only for
    # the candidates it tries (not a named table of issue 16; 10 s before that)
    X, y = make_classification(2000, 20, n_informative=12, n_classes=20,
                               n_clusters_per_class=1, random_state=0)
    row("table 2000x20, 20 classes", lambda: Seq(random_state=0), X, y, min(r, 3),
        LinearSVC, "LinearSVC", "no target")

    n = 10_000 if args.quick else 100_000
    X, y = make_blobs(n_samples=n, n_features=20, centers=10, random_state=0)
    row(f"blobs N={n}, M=20, Q=10", lambda: Seq(random_state=0), X, y, min(r, 2),
        LinearSVC, "LinearSVC", "")

    # order="margin" solves every candidate of a step: n_jobs=2 against n_jobs=1.  Steps
    # whose candidates times the data's entries are below _PARALLEL_MIN_WORK run serially
    # (the first two cases); the heavy ones hand their candidates to two threads, one per
    # task.  The three fits of a repetition run one after the other (the load moves within
    # seconds on a shared machine), each best of its repetitions; on the heavy cases the
    # ceiling is what two cores give this very work right now: two copies of the
    # n_jobs=1 fit started together in two processes, against two after one another
    cases = {f"blobs N={n}, M=20, Q=10": (X, y),
             "table 5000x17": make_classification(5000, 17, n_informative=8, flip_y=0.05,
                                                  random_state=0)}
    heavy = [(100_000, 50, 20)] if args.quick else [(100_000, 50, 20), (200_000, 50, 10)]
    for n_h, m_h, q_h in heavy:
        cases[f"blobs N={n_h}, M={m_h}, Q={q_h}"] = (n_h, m_h, q_h)
    for label, data in cases.items():
        blobs = len(data) == 3
        if blobs:
            spec, data = data, _blobs(*data)
        best, loads, nets = [float("inf")] * 3, [], {}
        for _ in range(min(r, 3)):
            loads.append(os.getloadavg()[0])
            for k, n_jobs in enumerate((1, 2)):
                t, nets[n_jobs], _ = measure(
                    lambda n_jobs=n_jobs: Seq(order="margin", n_prototypes=1, n_jobs=n_jobs,
                                              random_state=0), *data, 1, memory=False)
                best[k] = min(best[k], t)
            if blobs:
                best[2] = min(best[2], ceiling_pair(spec))
        e1, e2 = nets[1], nets[2]
        same = all(np.array_equal(a, b) for a, b in zip(e1.coefs_ + e1.intercepts_,
                                                        e2.coefs_ + e2.intercepts_))
        t1, t2, pair = best
        cap = f"  ceiling {2 * t1 / pair:5.2f}" if blobs else ""
        print(f"{label + ', order=margin':34s} n_jobs=1 {t1:7.3f} s  n_jobs=2 {t2:7.3f} s  "
              f"speed-up {t1 / t2:5.2f} (>= 1.6){cap}  same network: {same}  "
              f"load {' '.join(f'{v:.2f}' for v in loads)}", flush=True)


def tuned_linear_svc():
    """LinearSVC with C chosen like ``n_prototypes="auto"`` chooses its candidate: five
    values scored on one stratified held-out quarter, the best refitted on all rows."""
    split = StratifiedShuffleSplit(n_splits=1, test_size=0.25, random_state=0)
    return GridSearchCV(LinearSVC(), {"C": [0.01, 0.1, 1.0, 10.0, 100.0]}, cv=split)


def _blobs(n, m, q):
    return make_blobs(n_samples=n, n_features=m, centers=q, random_state=0)


def _ceiling_copy(spec, barrier, times):
    """One of the two concurrent copies of the n_jobs=1 fit (a child process)."""
    X, y = _blobs(*spec)
    # a first small fit loads what the first fit of a process loads
    SequentialSeparableClassifier(order="margin", n_prototypes=1).fit(*_blobs(200, 5, 3))
    barrier.wait()
    start = time.perf_counter()
    SequentialSeparableClassifier(order="margin", n_prototypes=1, n_jobs=1,
                                  random_state=0).fit(X, y)
    times.put(time.perf_counter() - start)


def ceiling_pair(spec):
    """Wall time of two copies of the serial fit started together in two processes."""
    import multiprocessing

    ctx = multiprocessing.get_context("spawn")
    barrier, times = ctx.Barrier(2), ctx.Queue()
    copies = [ctx.Process(target=_ceiling_copy, args=(spec, barrier, times))
              for _ in range(2)]
    for p in copies:
        p.start()
    for p in copies:
        p.join()  # a float each: the queue's pipe holds it, joining first cannot block
    if any(p.exitcode for p in copies):
        raise RuntimeError("a copy of the serial fit failed")
    return max(times.get() for _ in copies)


if __name__ == "__main__":
    main()
