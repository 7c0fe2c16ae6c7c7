"""Fine-tuning a constructed classifier with gradient descent, against scikit-learn's MLP.

    python benchmarks/bench_finetune.py            # digits and breast cancer, 3 seeds
    python benchmarks/bench_finetune.py --quick    # one seed

The recipe (doc/finetune.rst): construct, export with
``clf.to_mlp(widen=128,
solver="adam", learning_rate_init=1e-3)`` (the temperature of the classifier's
``predict_proba``) and run :func:`sktrunc.fine_tune`,
which keeps the best epoch on a held-out 10 %, the construction (epoch 0)
included.  Each row: test accuracy of the construction (epoch 0), after
fine-tuning, the epochs run; the same widened architecture from a random
initialisation with the same loop; and a default ``MLPClassifier()``.
"frozen" holds the construction's hidden layers fixed and trains the new
units and the output layer only (``fine_tune(freeze=network)``).  Data
standardised, one fixed stratified split (30 % test); seeds change the
fine-tuning split, the new units and the MLPs' initialisations.
"""

import argparse
import warnings

import numpy as np
from sklearn.datasets import load_breast_cancer, load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPClassifier
from sklearn.preprocessing import StandardScaler

from sktrunc import (
    ClusteredTruncationClassifier,
    SequentialSeparableClassifier,
    ShallowBoundClassifier,
    fine_tune,
)

WIDEN = 128
RECIPE = {"solver": "adam", "learning_rate_init": 1e-3}


def finetuned(est, X, y, seed, freeze=False):
    """The recipe: calibrated temperature, widened export, guarded fine-tuning."""
    # predict_proba's temperature by default: the MLP has the classifier's probabilities
    mlp = est.to_mlp(widen=WIDEN, random_state=seed, **RECIPE)
    return fine_tune(mlp, X, y, freeze=est.network_ if freeze else None, random_state=seed)


def random_init(sizes, X, y, seed):
    """The same architecture from scikit-learn's initialisation, same loop."""
    mlp = MLPClassifier(hidden_layer_sizes=sizes, random_state=seed, **RECIPE)
    mlp.partial_fit(X, y, classes=np.unique(y))  # initialise; fine_tune counts on
    return fine_tune(mlp, X, y, random_state=seed)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    warnings.simplefilter("ignore", ConvergenceWarning)
    seeds = [0] if args.quick else [0, 1, 2]
    print(f"{'data':14s} {'estimator':30s} {'epoch 0':>7s} {'tuned':>6s} {'epochs':>6s} "
          f"{'frozen':>7s} {'epochs':>6s} {'random init':>11s} {'epochs':>6s} {'MLP()':>6s} "
          f"{'epochs':>6s}")
    for name, load in (("digits", load_digits), ("breast cancer", load_breast_cancer)):
        X, y = load(return_X_y=True)
        Xtr, Xte, ytr, yte = train_test_split(X, y, test_size=0.3, random_state=0, stratify=y)
        scaler = StandardScaler().fit(Xtr)
        Xtr, Xte = scaler.transform(Xtr), scaler.transform(Xte)
        mlps = [MLPClassifier(random_state=s).fit(Xtr, ytr) for s in seeds]
        mlp_acc = np.mean([m.score(Xte, yte) for m in mlps])
        mlp_ep = np.mean([m.n_iter_ for m in mlps])
        for est in (ClusteredTruncationClassifier(), SequentialSeparableClassifier(),
                    ShallowBoundClassifier()):
            est.fit(Xtr, ytr)
            acc0 = est.score(Xte, yte)
            tuned = [finetuned(est, Xtr, ytr, s) for s in seeds]
            frozen = [finetuned(est, Xtr, ytr, s, freeze=True) for s in seeds]
            sizes = tuned[0].hidden_layer_sizes
            scratch = [random_init(sizes, Xtr, ytr, s) for s in seeds]
            row = (np.mean([m.score(Xte, yte) for m in tuned]),
                   np.mean([m.best_iter_ for m in tuned]),
                   np.mean([m.score(Xte, yte) for m in frozen]),
                   np.mean([m.best_iter_ for m in frozen]),
                   np.mean([m.score(Xte, yte) for m in scratch]),
                   np.mean([m.best_iter_ for m in scratch]) + 1)  # + its first epoch
            print(f"{name:14s} {type(est).__name__:30s} {acc0:7.3f} {row[0]:6.3f} {row[1]:6.1f} "
                  f"{row[2]:7.3f} {row[3]:6.1f} {row[4]:11.3f} {row[5]:6.1f} {mlp_acc:6.3f} "
                  f"{mlp_ep:6.1f}", flush=True)
    print(f"tuned = construction exported with widen={WIDEN}, {RECIPE}, fine_tune (best of "
          "epoch 0.. on 10 % held out); frozen = the same with the construction's hidden "
          "layers held fixed (fine_tune(freeze=network)); epochs = the epoch kept; "
          "MLP() epochs = n_iter_.")


if __name__ == "__main__":
    main()
