"""ShallowBoundClassifier's output rules against the linear peers: 5-fold CV accuracy.

    python benchmarks/bench_shallow_classifier.py

Every model in a ``StandardScaler`` pipeline, 5-fold stratified CV (shuffled, seed 0):
NearestCentroid, LDA (Ledoit-Wolf shrinkage, class proportions as priors), RidgeClassifierCV,
LogisticRegression, and ShallowBoundClassifier with its default (whitened nearest mean
with the class proportions as priors), with ``priors="equal"`` (the rule before priors),
``output_layer="constructive"`` (the paper's network) and ``"lstsq"``.  Tables: the four
bundled ones, four ``make_classification`` tables (600 x 20, balanced) and three
imbalanced ones, where the priors matter.  Balanced-accuracy is printed for the
imbalanced tables too: equal priors are the rule for that score.
"""

import time
import warnings

from sklearn.datasets import (
    load_breast_cancer,
    load_digits,
    load_iris,
    load_wine,
    make_classification,
)
from sklearn.discriminant_analysis import LinearDiscriminantAnalysis
from sklearn.linear_model import LogisticRegression, RidgeClassifierCV
from sklearn.model_selection import StratifiedKFold, cross_val_score
from sklearn.neighbors import NearestCentroid
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sktrunc import ShallowBoundClassifier


def _table(n_classes, n_informative, seed, weights=None, n_samples=600):
    return lambda: make_classification(n_samples, 20, n_informative=n_informative,
                                       n_redundant=2, n_classes=n_classes,
                                       n_clusters_per_class=1, weights=weights,
                                       random_state=seed)


DATA = {
    "iris": lambda: load_iris(return_X_y=True),
    "wine": lambda: load_wine(return_X_y=True),
    "breast cancer": lambda: load_breast_cancer(return_X_y=True),
    "digits": lambda: load_digits(return_X_y=True),
    "6 classes, 5 inf.": _table(6, 5, 0),
    "9 classes, 4 inf.": _table(9, 4, 1),
    "7 classes, 8 inf.": _table(7, 8, 2),
    "8 classes, 3 inf.": _table(8, 3, 3),
    "3 cl. 75/20/5 %": _table(3, 6, 4, [.75, .2, .05], 1000),
    "5 cl. 50..4 %": _table(5, 6, 5, [.5, .25, .13, .08, .04], 1500),
    "2 cl. 90/10 %": _table(2, 5, 6, [.9, .1], 1000),
}
IMBALANCED = ("3 cl. 75/20/5 %", "5 cl. 50..4 %", "2 cl. 90/10 %")

MODELS = {
    "NC": NearestCentroid(),
    "LDA": LinearDiscriminantAnalysis(solver="lsqr", shrinkage="auto"),
    "RidgeCV": RidgeClassifierCV(),
    "LogReg": LogisticRegression(max_iter=5000),
    "default": ShallowBoundClassifier(),
    "equal": ShallowBoundClassifier(priors="equal"),
    "constructive": ShallowBoundClassifier(output_layer="constructive"),
    "lstsq": ShallowBoundClassifier(output_layer="lstsq"),
}


def main():
    warnings.simplefilter("ignore")
    cv = StratifiedKFold(5, shuffle=True, random_state=0)
    start = time.perf_counter()
    for scoring in ("accuracy", "balanced_accuracy"):
        names = list(DATA) if scoring == "accuracy" else list(IMBALANCED)
        print(f"\n5-fold CV {scoring}")
        print(f"{'dataset':20s}" + "".join(f"{m:>14s}" for m in MODELS))
        for name in names:
            X, y = DATA[name]()
            cells = [cross_val_score(make_pipeline(StandardScaler(), est), X, y, cv=cv,
                                     scoring=scoring).mean() for est in MODELS.values()]
            print(f"{name:20s}" + "".join(f"{c:14.3f}" for c in cells), flush=True)
    print(f"\nDone in {time.perf_counter() - start:.1f} s")


if __name__ == "__main__":
    main()
