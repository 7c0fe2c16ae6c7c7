"""The truncation map, its compositions, and the one network assembler.

``τ_{W,b}(x) = W^+ (σ(W x + b) - b)`` (eq. 18 of the JMLR paper): a layer of a
ReLU network pulled back to its input space.  Rows are points; weights are
given in scikit-learn orientation ``coef = Wᵀ`` of shape ``(n_in, n_out)``.

:func:`assemble_network` turns cumulative parameters (eq. 21-22) into the
:class:`ReLUNetwork` every cone classifier returns, and is the one place that
measures the layers' conditioning and warns about it.  A truncation layer's
cumulative weight ``W_θ R`` is the identity times ``λ`` plus rank two
(:func:`~sktrunc._cones.cone_factors`): the assembler keeps such layers as
:class:`~sktrunc._network.LowRankUpdate` and inverts them, chains them and
measures their condition numbers in closed form, so a network of ``n x n``
layers costs ``O(n²)`` per layer to build (the dense weights it must hand back)
instead of the ``O(n³)`` of generic linear algebra.
"""

import warnings

import numpy as np

from ._network import LowRankUpdate, ReLUNetwork, _real_layers, relu
from .exceptions import COND_WARN, ConditioningWarning

__all__ = ["truncate", "compose_truncations", "assemble_network", "condition_number"]


def truncate(X, coef, intercept):
    """Apply the truncation map ``τ_{W,b}`` (eq. 18) to the rows of ``X``.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_in)
    coef : array-like of shape (n_in, n_out) or LowRankUpdate
        ``Wᵀ``; a factored (cone) weight is inverted in closed form instead of
        through an SVD.
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
    intercept = np.asarray(intercept, dtype=np.float64)
    form = _factored(coef)
    if form is not None and form.alpha > 0:
        # a cone weight is invertible: its pseudo-inverse is its Woodbury inverse
        return (relu(X @ form + intercept) - intercept) @ form.inv()
    coef = np.asarray(coef, dtype=np.float64)
    return (relu(X @ coef + intercept) - intercept) @ np.linalg.pinv(coef)


def _factored(coef):
    """The :class:`LowRankUpdate` a weight is, or carries (a cone layer's ``cumulative_coef``)."""
    if isinstance(coef, LowRankUpdate):
        return coef
    form = getattr(coef, "factors", None)
    if isinstance(form, LowRankUpdate) and form.shape == np.shape(coef):
        return form
    return None


def _is_identity(matrix):
    """Whether a square matrix is exactly the identity, without allocating one."""
    n = matrix.shape[0]
    return (matrix.ndim == 2 and matrix.shape == (n, n)
            and np.count_nonzero(matrix) == n and bool(np.all(np.diagonal(matrix) == 1.0)))


def condition_number(coef):
    """2-norm condition number of a layer's weights; closed form for a factored one."""
    form = _factored(coef)
    if form is not None:
        return form.cond()
    return float(np.linalg.cond(np.asarray(coef)))


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


def assemble_network(cumulative_coefs, cumulative_intercepts, *, input_map=None, prefix=None,
                     stacklevel=2):
    """The ReLU network of cumulative parameters, its conditioning measured once.

    Parameters
    ----------
    cumulative_coefs : list of ndarray or LowRankUpdate, each (n_dims, d_ℓ)
        ``W^(ℓ)ᵀ`` of every truncation layer, then the output layer's weights
        on the same coordinates (eq. 21-22, 2.43).  A factored weight (or an
        array carrying one as ``factors``, a cone layer's ``cumulative_coef``)
        is inverted, chained and measured in closed form.
    cumulative_intercepts : list of ndarray
        ``b^(ℓ)``, then the output layer's bias.
    input_map : tuple (center, components), default=None
        The cones' coordinates ``z = (h - center) @ components``, folded into the
        first layer so that it stays a plain ReLU layer of its input.
    prefix : tuple (coef, intercept), default=None
        A ReLU layer put before the truncation layers (a lift).
    stacklevel : int, default=2
        Of the :class:`~sktrunc.exceptions.ConditioningWarning`, relative to
        the caller.

    Returns
    -------
    network : ReLUNetwork
    condition_numbers : ndarray of shape (n_hidden_layers,)
        2-norm condition number of each hidden layer's weights (the matrices
        chained through the pseudo-inverses of eq. 21-22), exact: for a
        factored layer from the singular values of a ``2r x 2r`` matrix
        (:meth:`~sktrunc._network.LowRankUpdate.singular_values`).

    Raises
    ------
    MemoryError
        Before any dense layer is allocated, when they do not fit in the
        memory available (a ``5000 x 5000`` layer is 200 MB).
    """
    cum_coefs = [_factored(c) or c for c in cumulative_coefs]
    coefs, intercepts = _real_layers(cum_coefs, cumulative_intercepts)
    if input_map is not None:
        center, components = input_map
        components = np.asarray(components, dtype=np.float64)
        # width="full" builds the cones on the input's own axes: nothing to fold
        first = coefs[0] if _is_identity(components) else components @ coefs[0]
        coefs[0], intercepts[0] = first, intercepts[0] - center @ first
    if prefix is not None:
        coefs.insert(0, prefix[0])
        intercepts.insert(0, prefix[1])
    # measured before the dense weights exist: closed form on the factored layers
    cond = np.array([condition_number(c) for c in coefs[:-1]])
    network = ReLUNetwork(coefs, intercepts)
    worst = int(np.argmax(cond)) if cond.size else 0
    if cond.size and cond[worst] > COND_WARN:
        warnings.warn(
            f"Hidden layer {worst} has condition number {cond[worst]:.3g} > {COND_WARN:.0e}: "
            "predictions may lose digits; a smaller angle_margin narrows the cones.",
            ConditioningWarning, stacklevel=stacklevel + 1)
    return network, cond
