"""What every test module shares: the independent forward pass and the L2 cost.

Zero-loss claims are checked against these, computed from the public
``coefs_``/``intercepts_`` with plain numpy, never from the estimator's own
network object or a stored value.  Import them as ``from conftest import
forward, cost`` (pytest puts this folder on ``sys.path``).
"""

import os

# scikit-learn's check_array_api_input runs only with SciPy's array API support on,
# which SciPy reads once at import: set it before anything imports scipy.
os.environ.setdefault("SCIPY_ARRAY_API", "1")

import numpy as np  # noqa: E402

ACTIVATIONS = {"relu": lambda z: np.maximum(z, 0.0), "tanh": np.tanh,
               "softplus": lambda z: np.logaddexp(0.0, z)}


def forward(est, X, activation="relu"):
    """Genuine forward pass from ``est.coefs_`` and ``est.intercepts_``."""
    a = np.asarray(X, dtype=np.float64)
    for W, b in zip(est.coefs_[:-1], est.intercepts_[:-1]):
        a = ACTIVATIONS[activation](a @ W + b)
    return a @ est.coefs_[-1] + est.intercepts_[-1]


def cost(est, X, y):
    """Eq. (14), ½ Σ |f(x_i) - y_{j(i)}|², from the forward pass; targets by label."""
    out = forward(est, X)
    idx = np.searchsorted(est.classes_, y)
    return 0.5 * np.sum((out - est.targets_[idx]) ** 2)


def float_zero(est, n_samples):
    """The largest eq. (14) cost a forward pass can leave on an exact network, by rounding.

    Each of the ``L`` layers multiplies float64 rounding (``eps``) by at most its
    condition number ``κ`` (eq. 21-22 chain them through pseudo-inverses), so a
    network that is exact in real arithmetic leaves per-point residuals up to about
    ``L κ eps |y|``.  Deep lifted prototype networks have ``κ`` up to ~1e6.
    """
    eps = np.finfo(float).eps
    kappa = max(float(np.max(est.condition_numbers_)), 1.0)
    scale = float(np.abs(est.targets_).max())
    return 0.5 * n_samples * (len(est.coefs_) * kappa * eps * scale) ** 2


def dense_cone_weight(h, theta):
    """Independent dense ``W_θ R`` of Lemma 3.4 (eq. 39-41), the reference for the
    library's factored ``cone_factors``: ``W_θ = λ I + (1 - λ) e eᵀ`` with
    ``e = 1/√n`` and ``R`` the Householder reflection taking ``h`` to ``e``."""
    from sktrunc._geometry import cone_lambda, householder_to_diagonal
    h = np.asarray(h, dtype=np.float64)
    n = h.shape[0]
    lam = cone_lambda(theta, n)
    e = np.full(n, 1.0 / np.sqrt(n))
    return (lam * np.eye(n) + (1.0 - lam) * np.outer(e, e)) @ householder_to_diagonal(h)
