"""The truncation map and its compositions.

``τ_{W,b}(x) = W^+ (σ(W x + b) - b)`` (eq. 18 of the JMLR paper): a layer of a
ReLU network pulled back to its input space.  Rows are points; weights are
given in scikit-learn orientation ``coef = Wᵀ`` of shape ``(n_in, n_out)``.
"""

import numpy as np

from ._network import relu

__all__ = ["truncate", "compose_truncations"]


def truncate(X, coef, intercept):
    """Apply the truncation map ``τ_{W,b}`` (eq. 18) to the rows of ``X``.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_in)
    coef : array-like of shape (n_in, n_out)
        ``Wᵀ``.
    intercept : array-like of shape (n_out,)
        ``b``.

    Returns
    -------
    X_trunc : ndarray of shape (n_samples, n_in)
        ``(σ(X coef + b) - b) coef^+``; a point whose preactivations are all
        positive is mapped to ``W^+ W x`` (itself when ``W`` is injective), one
        whose preactivations are all non-positive to ``-W^+ b``.

    Examples
    --------
    >>> import numpy as np
    >>> truncate(np.array([[2.0, 3.0], [-1.0, 3.0]]), np.eye(2), np.zeros(2))
    array([[2., 3.],
           [0., 3.]])
    """
    X = np.asarray(X, dtype=np.float64)
    coef = np.asarray(coef, dtype=np.float64)
    intercept = np.asarray(intercept, dtype=np.float64)
    return (relu(X @ coef + intercept) - intercept) @ np.linalg.pinv(coef)


def compose_truncations(X, cumulative_coefs, cumulative_intercepts):
    """``X^(τ, ℓ)``: nested truncations with cumulative parameters (eq. 25).

    By Proposition 3.2 the hidden layer ``ℓ`` of the network built by
    :meth:`ReLUNetwork.from_cumulative` equals
    ``W^(ℓ) X^(τ, ℓ) + b^(ℓ)``, and the output equals
    ``W^(L) X^(τ, L-1) + b^(L)`` (eq. 23-24).

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
    cumulative_coefs : list of ndarray, each (n_features, d_ℓ)
        Cumulative hidden-layer weights ``W^(ℓ)ᵀ``.
    cumulative_intercepts : list of ndarray, each (d_ℓ,)

    Returns
    -------
    X_trunc : ndarray of shape (n_samples, n_features)
    """
    Xt = np.asarray(X, dtype=np.float64)
    for c, b in zip(cumulative_coefs, cumulative_intercepts):
        Xt = truncate(Xt, c, b)
    return Xt
