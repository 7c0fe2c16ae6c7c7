"""Every sktrunc regressor against scikit-learn's, side by side: CV R², fit time, memory.

    python benchmarks/bench_regression.py           # all tables
    python benchmarks/bench_regression.py --quick   # diabetes and linnerud only

For each table: 5-fold cross-validated R² of ``make_pipeline(StandardScaler(), est)``
for every public sktrunc regressor, with its defaults and tuned (``GridSearchCV`` over
``alpha``, 3 inner folds), next to LinearRegression, Ridge (defaults and tuned the
same way), MLPRegressor and RandomForestRegressor.  Then, for one fit on the whole
table: fit time over MLPRegressor's (lower is faster) and peak traced memory
(``tracemalloc``, MB); times are the best of 3.  Read the ratios, not the seconds.
"""

import argparse
import inspect
import time
import tracemalloc
import warnings

from sklearn.base import RegressorMixin, clone
from sklearn.datasets import load_diabetes, load_linnerud, make_friedman1, make_friedman2
from sklearn.ensemble import RandomForestRegressor
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LinearRegression, Ridge
from sklearn.model_selection import GridSearchCV, KFold, cross_val_score
from sklearn.neural_network import MLPRegressor
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

import sktrunc
from sktrunc.exceptions import SktruncWarning

# relative penalties for the sktrunc estimators, absolute ones for Ridge
SKTRUNC_ALPHAS = [1e-4, 1e-3, 1e-2, 1e-1, 1.0, 10.0]
RIDGE_ALPHAS = [1e-2, 1e-1, 1.0, 10.0, 100.0, 1000.0]


def tables(quick):
    X, y = load_diabetes(return_X_y=True)
    yield "diabetes", X, y
    if not quick:
        X, y = make_friedman1(n_samples=500, noise=1.0, random_state=0)
        yield "friedman1", X, y
        X, y = make_friedman2(n_samples=500, noise=10.0, random_state=0)
        yield "friedman2", X, y
    X, Y = load_linnerud(return_X_y=True)
    yield "linnerud[0]", X, Y[:, 0]


def sktrunc_regressors():
    """Public sktrunc regressors, found by their class (new ones join automatically)."""
    found = []
    for name in sktrunc.__all__:
        obj = getattr(sktrunc, name)
        if inspect.isclass(obj) and issubclass(obj, RegressorMixin):
            params = obj().get_params()
            found.append((name, obj(random_state=0) if "random_state" in params else obj()))
    return found


def tuned(est, alphas):
    step = type(est).__name__.lower()
    return GridSearchCV(make_pipeline(StandardScaler(), est), {f"{step}__alpha": alphas}, cv=3)


def models():
    rows = []
    for name, est in sktrunc_regressors():
        rows.append((name, make_pipeline(StandardScaler(), est)))
        if "alpha" in est.get_params():
            rows.append((f"{name} tuned", tuned(clone(est), SKTRUNC_ALPHAS)))
    rows += [
        ("LinearRegression", make_pipeline(StandardScaler(), LinearRegression())),
        ("Ridge", make_pipeline(StandardScaler(), Ridge())),
        ("Ridge tuned", tuned(Ridge(), RIDGE_ALPHAS)),
        ("MLPRegressor", make_pipeline(StandardScaler(),
                                       MLPRegressor(max_iter=2000, random_state=0))),
        ("RandomForest", make_pipeline(StandardScaler(),
                                       RandomForestRegressor(random_state=0))),
    ]
    return rows


def fit_cost(model, X, y, repeat=3):
    """Best seconds of ``repeat`` fits, then peak traced MB of another (tracing slows Python)."""
    seconds = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        clone(model).fit(X, y)
        seconds = min(seconds, time.perf_counter() - start)
    tracemalloc.start()
    clone(model).fit(X, y)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return seconds, peak / 2**20


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    warnings.simplefilter("ignore", ConvergenceWarning)
    warnings.simplefilter("ignore", SktruncWarning)
    rows = models()
    data = list(tables(args.quick))
    cv = KFold(5)
    width = max(len(name) for name, _ in rows)
    print(f"{'5-fold CV R2':<{width}} " + " ".join(f"{t:>12}" for t, _, _ in data))
    scores = {}
    for name, model in rows:
        scores[name] = [cross_val_score(model, X, y, cv=cv).mean() for _, X, y in data]
        print(f"{name:<{width}} " + " ".join(f"{s:>12.4g}" for s in scores[name]), flush=True)
    print(f"\n{'fit time / MLP, peak MB':<{width}} " + " ".join(f"{t:>12}" for t, _, _ in data))
    mlp = dict(rows)["MLPRegressor"]
    mlp_times = [fit_cost(mlp, X, y)[0] for _, X, y in data]
    for name, model in rows:
        cells = []
        for (_, X, y), t_mlp in zip(data, mlp_times):
            seconds, peak = fit_cost(model, X, y)
            cells.append(f"{seconds / t_mlp:>6.2f} {peak:>5.1f}")
        print(f"{name:<{width}} " + " ".join(f"{c:>12}" for c in cells), flush=True)


if __name__ == "__main__":
    main()
