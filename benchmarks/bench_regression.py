"""Every sktrunc regressor against scikit-learn's, side by side: CV R², fit time, memory.

    python benchmarks/bench_regression.py           # all tables
    python benchmarks/bench_regression.py --quick   # diabetes and linnerud only

Tables: diabetes; Friedman #1, #2, #3 (500 rows); two generated tables with the
structure of public ones, built here so nothing is downloaded: ``concrete~``
(strength by Abrams' law in the water/binder ratio times the ACI age curve, 8
mix features, 1,000 rows) and ``mpg~`` (fuel economy inverse in weight and
power, 6 features, 400 rows); Linnerud (20 rows, 3 features), its first target
and all three.  The generated tables' seeds are not the ones the defaults were
developed on.

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

import numpy as np
from sklearn.base import RegressorMixin, clone
from sklearn.datasets import (
    load_diabetes,
    load_linnerud,
    make_friedman1,
    make_friedman2,
    make_friedman3,
)
from sklearn.ensemble import RandomForestRegressor
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LinearRegression, Ridge
from sklearn.model_selection import GridSearchCV, KFold, cross_val_score
from sklearn.neural_network import MLPRegressor
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

import sktrunc
from sktrunc.exceptions import SktruncWarning

# not grid-searched here: 5 folds x 3 inner folds x 6 penalties of a convex program on
# every table take hours (benchmarks/bench_convex.py measures it)
NOT_TUNED = ("ConvexReLURegressor",)
# relative penalties for the sktrunc estimators, absolute ones for Ridge
SKTRUNC_ALPHAS = [1e-4, 1e-3, 1e-2, 1e-1, 1.0, 10.0]
RIDGE_ALPHAS = [1e-2, 1e-1, 1.0, 10.0, 100.0, 1000.0]


def make_concrete_like(n_samples=1000, noise=4.0, random_state=0):
    """Concrete compressive strength's structure: Abrams' law, the ACI age curve.

    Strength ``96.5 / 7^(w/b) * t / (4 + 0.85 t) + 0.4 sp + noise`` (MPa) with
    the binder ``b = cement + 0.6 slag + 0.4 ash``, water ``w``, age ``t`` in
    days and superplasticizer ``sp``; coarse and fine aggregate are inert.
    """
    rng = np.random.default_rng(random_state)
    cement = rng.uniform(100, 540, n_samples)
    slag = (rng.random(n_samples) < 0.55) * rng.uniform(0, 360, n_samples)
    ash = (rng.random(n_samples) < 0.45) * rng.uniform(0, 200, n_samples)
    water = rng.uniform(120, 250, n_samples)
    plasticizer = np.maximum(0, rng.normal(6, 6, n_samples)) * (water < 200)
    coarse = rng.uniform(800, 1150, n_samples)
    fine = rng.uniform(590, 990, n_samples)
    age = rng.choice([1, 3, 7, 14, 28, 56, 90, 180, 365], n_samples,
                     p=[.02, .13, .12, .05, .43, .08, .08, .04, .05]).astype(float)
    ratio = water / (cement + 0.6 * slag + 0.4 * ash)
    strength = (96.5 / 7.0 ** ratio * age / (4.0 + 0.85 * age) + 0.4 * plasticizer
                + noise * rng.normal(size=n_samples))
    return np.column_stack([cement, slag, ash, water, plasticizer, coarse, fine, age]), strength


def make_mpg_like(n_samples=400, noise=2.0, random_state=0):
    """Fuel economy's structure: inverse in weight and power, improving by model year."""
    rng = np.random.default_rng(random_state)
    cylinders = rng.choice([4, 6, 8], n_samples, p=[.5, .25, .25]).astype(float)
    displacement = cylinders * rng.uniform(20, 45, n_samples)
    power = 0.35 * displacement + rng.uniform(30, 70, n_samples)
    weight = 1500 + 6 * displacement + rng.normal(0, 250, n_samples)
    acceleration = 25 - power / 20 + rng.normal(0, 1.5, n_samples)
    year = rng.integers(70, 83, n_samples).astype(float)
    mpg = (1 + 0.025 * (year - 70)) / (0.008 + 1.2e-5 * weight + 8e-5 * power)
    X = np.column_stack([cylinders, displacement, power, weight, acceleration, year])
    return X, mpg + noise * rng.normal(size=n_samples)


def tables(quick):
    X, y = load_diabetes(return_X_y=True)
    yield "diabetes", X, y
    if not quick:
        X, y = make_friedman1(n_samples=500, noise=1.0, random_state=0)
        yield "friedman1", X, y
        X, y = make_friedman2(n_samples=500, noise=10.0, random_state=0)
        yield "friedman2", X, y
        X, y = make_friedman3(n_samples=500, noise=0.1, random_state=0)
        yield "friedman3", X, y
        X, y = make_concrete_like(random_state=0)
        yield "concrete~", X, y
        X, y = make_mpg_like(random_state=0)
        yield "mpg~", X, y
    X, Y = load_linnerud(return_X_y=True)
    yield "linnerud[0]", X, Y[:, 0]
    yield "linnerud", X, Y


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


def models(only=None):
    rows = []
    for name, est in sktrunc_regressors():
        if only and only not in name:
            continue
        rows.append((name, make_pipeline(StandardScaler(), est)))
        if "alpha" in est.get_params() and name not in NOT_TUNED:
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
    parser.add_argument("--only", default=None, help="substring of the sktrunc rows to run")
    args = parser.parse_args()
    warnings.simplefilter("ignore", ConvergenceWarning)
    warnings.simplefilter("ignore", SktruncWarning)
    rows = models(args.only)
    data = list(tables(args.quick))
    cv = KFold(5)
    width = max(len(name) for name, _ in rows)
    print(f"{'5-fold CV R2':<{width}} " + " ".join(f"{t:>11}" for t, _, _ in data))
    scores = {}
    for name, model in rows:
        scores[name] = [cross_val_score(model, X, y, cv=cv).mean() for _, X, y in data]
        print(f"{name:<{width}} " + " ".join(f"{s:>11.3f}" for s in scores[name]), flush=True)
    print(f"\n{'fit time / MLP, peak MB':<{width}} " + " ".join(f"{t:>11}" for t, _, _ in data))
    mlp = dict(rows)["MLPRegressor"]
    mlp_times = [fit_cost(mlp, X, y)[0] for _, X, y in data]
    for name, model in rows:
        cells = []
        for (_, X, y), t_mlp in zip(data, mlp_times):
            seconds, peak = fit_cost(model, X, y)
            cells.append(f"{seconds / t_mlp:>5.2f} {peak:>5.1f}")
        print(f"{name:<{width}} " + " ".join(f"{c:>11}" for c in cells), flush=True)


if __name__ == "__main__":
    main()
