"""The ReLU network every sktrunc estimator hands back.

Layers are stored in scikit-learn's MLP orientation: ``coefs[l]`` has shape
``(n_in, n_out)`` and a layer computes ``relu(a @ coef + intercept)`` (the last
layer is affine).  The papers write ``W_l x + b_l`` with ``W_l`` of shape
``(n_out, n_in)``; ``coef = W_l.T``.

Besides the forward pass the network knows its gradients (the cost of eq. (14)
by backpropagation, the Jacobian of the outputs with respect to every weight,
whose rank Chen & Moore study) and how to become a scikit-learn MLP that
gradient descent can continue from (:meth:`ReLUNetwork.to_mlp`,
:meth:`ReLUNetwork.to_mlp_classifier`, :func:`~sktrunc.fine_tune`).
"""

import os
from numbers import Integral, Real

import numpy as np
from scipy.linalg.blas import dgemm as _dgemm
from sklearn.utils import check_array, check_random_state
from sklearn.utils._param_validation import Interval, validate_params

__all__ = ["ReLUNetwork", "LowRankUpdate", "relu", "ACTIVATIONS",
           "check_fits_in_memory"]

# Bytes per row block of the forward pass: a block of 1 MiB (2048 rows of 64 floats)
# stays in L2, so each layer's few passes over it do not go to memory, and narrow
# layers get more rows per numpy call.
_BLOCK_BYTES = 1 << 20
# A square layer ``coef = alpha I + U V^T`` of rank r runs as two thin products when
# that saves at least this factor of the dense product's flops (2: measured 0.72 ->
# 0.63 of MLPClassifier(100,)'s predict time on 20-dimensional blobs; 4 left them dense).
_LOW_RANK_GAIN = 2
# Rows the cone shortcut leaves to the exact pass that take the plain layer-by-layer pass
# instead of the plan (whose per-step calls cost more than a few rows' products)
_PLAIN_ROWS = 32
# New units of a widened network: incoming weights this fraction of the existing ones.
_WIDEN_SCALE = 0.1


def relu(x):
    """Ramp function ``max(x, 0)``, elementwise."""
    return np.maximum(x, 0.0)


def _softplus(x):
    return np.logaddexp(0.0, x)


# hidden activations a network can use: the ramp (the papers' σ), and the two smooth
# ones Chen & Moore's explicit construction also covers
ACTIVATIONS = {"relu": relu, "tanh": np.tanh, "softplus": _softplus}


def _derivative_from_output(activation, a):
    """``σ'(z)`` written with the activation ``a = σ(z)`` (no pre-activations kept).

    ReLU's derivative at 0 is taken as 0, as scikit-learn's MLP does.
    """
    if activation == "relu":
        return (a > 0).astype(np.float64)
    if activation == "tanh":
        return 1.0 - a * a
    # softplus: a = log(1 + e^z) gives σ'(z) = expit(z) = 1 - e^{-a}
    return -np.expm1(-a)


class LowRankUpdate:
    """The square matrix ``alpha I + U Vᵀ``, kept in factored form.

    A truncation layer's cumulative weight ``W_θ R`` of Lemma 3.4 (JMLR 2025,
    eq. 39-41) is ``λ I`` plus a matrix of rank two, and the real layers
    ``W^(ℓ) (W^(ℓ-1))^{-1}`` of eq. 2.45 (arXiv 2309.10639) are ``λ_ℓ/λ_{ℓ-1} I``
    plus rank at most four.  In this form their products, inverses (Woodbury),
    singular values and products with a block of rows cost ``O(n r²)`` or
    ``O(m n r)`` instead of the ``O(n³)`` / ``O(m n²)`` of a dense ``n x n``
    matrix, and nothing of size ``n²`` is stored.

    ``np.asarray`` gives the dense matrix, and ``X @ A`` / ``A @ X`` take a
    dense ``X``, so the object can stand where a square weight matrix is read.

    Parameters
    ----------
    alpha : float
    U, V : ndarray of shape (n, r)

    Examples
    --------
    >>> import numpy as np
    >>> A = LowRankUpdate(2.0, np.ones((3, 1)), np.array([[1.0], [0.0], [0.0]]))
    >>> np.asarray(A)
    array([[3., 0., 0.],
           [1., 2., 0.],
           [1., 0., 2.]])
    >>> bool(np.allclose(np.asarray(A.inv()), np.linalg.inv(np.asarray(A))))
    True
    >>> bool(np.isclose(A.cond(), np.linalg.cond(np.asarray(A))))
    True
    """

    # ``ndarray @ A`` defers to ``A.__rmatmul__`` instead of treating A as an object scalar
    __array_ufunc__ = None

    def __init__(self, alpha, U, V):
        U = np.asarray(U, dtype=np.float64)
        V = np.asarray(V, dtype=np.float64)
        if U.ndim != 2 or U.shape != V.shape:
            raise ValueError(f"U and V must be 2-D of one shape (n, r); got {U.shape} and "
                             f"{V.shape}.")
        self.alpha = float(alpha)
        self.U, self.V = U, V

    @property
    def shape(self):
        n = self.U.shape[0]
        return (n, n)

    ndim = 2
    dtype = np.dtype(np.float64)

    @property
    def rank(self):
        """Columns of ``U`` (an upper bound of the rank of ``U Vᵀ``)."""
        return self.U.shape[1]

    @property
    def T(self):
        return LowRankUpdate(self.alpha, self.V, self.U)

    def dense(self):
        """The ``n x n`` matrix (``O(n² r)``)."""
        out = self.U @ self.V.T
        out.flat[::out.shape[0] + 1] += self.alpha
        return out

    def __array__(self, dtype=None, copy=None):
        out = self.dense()
        return out if dtype is None else out.astype(dtype, copy=False)

    def __getitem__(self, key):
        return self.dense()[key]

    def __matmul__(self, other):
        if isinstance(other, LowRankUpdate):
            # (a I + U Vᵀ)(c I + P Qᵀ) = a c I + [U, a P + U (Vᵀ P)] [c V, Q]ᵀ
            a, c = self.alpha, other.alpha
            left = np.hstack([self.U, a * other.U + self.U @ (self.V.T @ other.U)])
            right = np.hstack([c * self.V, other.V])
            return LowRankUpdate(a * c, left, right).compressed()
        other = np.asarray(other, dtype=np.float64)
        return self.alpha * other + self.U @ (self.V.T @ other)

    def __rmatmul__(self, other):
        """``other @ (α I + U Vᵀ)``: ``α other``, to which BLAS adds ``(other U) Vᵀ`` in
        place (gemm with β = 1) for rows of a matrix.

        One array of the rows' size instead of three: three such arrays alive at once
        (2000 x 64: 3 MB) can outgrow the allocator's trim threshold, and every product
        then faults in fresh pages (2000 x 64: 0.8 ms instead of 0.1 ms).
        """
        other = np.asarray(other, dtype=np.float64)
        out = np.multiply(other, self.alpha)
        if not self.rank or not len(other):
            return out
        if other.ndim != 2:
            return out + (other @ self.U) @ self.V.T
        # out.T (Fortran order) += V (other U)ᵀ, written into out
        res = _dgemm(1.0, self.V, (other @ self.U).T, beta=1.0, c=out.T, overwrite_c=1)
        return out if np.shares_memory(res, out) else res.T

    def compressed(self):
        """The same matrix with ``U Vᵀ`` of exact rank (QR of both factors, SVD of ``r x r``).

        Singular values of ``U Vᵀ`` below ``r eps`` times the largest of it and
        ``|alpha|`` are dropped: a change of the order of the rounding already in
        the factors.
        """
        if self.rank == 0:
            return self
        qu, ru = np.linalg.qr(self.U)
        qv, rv = np.linalg.qr(self.V)
        p, s, qt = np.linalg.svd(ru @ rv.T)
        tol = self.rank * np.finfo(np.float64).eps * max(s[0], abs(self.alpha))
        k = int(np.sum(s > tol))
        return LowRankUpdate(self.alpha, (qu @ p[:, :k]) * s[:k], qv @ qt[:k].T)

    def inv(self):
        """The inverse by the Woodbury identity, ``(1/a) (I - U (a I + VᵀU)^{-1} Vᵀ)``.

        Raises ``numpy.linalg.LinAlgError`` when the matrix is singular.
        """
        if self.alpha == 0.0:
            raise np.linalg.LinAlgError("alpha I + U Vᵀ with alpha = 0 is singular for n > r.")
        a = self.alpha
        K = a * np.eye(self.rank) + self.V.T @ self.U
        # U K^{-1} = solve(Kᵀ, Uᵀ)ᵀ
        return LowRankUpdate(1.0 / a, -np.linalg.solve(K.T, self.U.T).T / a, self.V)

    def singular_values(self):
        """All ``n`` singular values, largest first, in closed form.

        With ``Q`` an orthonormal basis of ``span[U, V]`` (``k <= 2r`` columns),
        the matrix maps ``span Q`` into itself and is ``alpha I`` on its
        orthogonal complement (``Vᵀx = 0`` there), so its singular values are
        those of the ``k x k`` matrix ``Qᵀ (alpha I + U Vᵀ) Q`` and ``|alpha|``,
        ``n - k`` times.
        """
        n = self.shape[0]
        q = np.linalg.qr(np.hstack([self.U, self.V]))[0]
        small = self.alpha * np.eye(q.shape[1]) + (q.T @ self.U) @ (self.V.T @ q)
        s = np.linalg.svd(small, compute_uv=False)
        rest = np.full(n - q.shape[1], abs(self.alpha))
        return np.sort(np.concatenate([s, rest]))[::-1]

    def cond(self):
        """2-norm condition number, as ``np.linalg.cond`` of the dense matrix."""
        s = self.singular_values()
        return float(s[0] / s[-1]) if s[-1] > 0 else np.inf

    def __repr__(self):
        return f"LowRankUpdate(n={self.shape[0]}, alpha={self.alpha:.4g}, rank={self.rank})"


# detecting the form of a dense layer (eigenvalues and an SVD, O(n³)) is tried only up
# to this width: a wider layer from the assembler comes with its form, and a dense one
# a user built would pay seconds for a form it rarely has (1024: 0.5 s on one core)
_DETECT_MAX_WIDTH = 1024


def _low_rank_form(coef):
    """``LowRankUpdate`` equal to the square ``coef`` to rounding, or None.

    The cone layers of Lemma 3.4 are ``W = (λ I + (1 - λ) e eᵀ) H`` with ``H`` a
    Householder reflection, so a real layer ``W^(l) (W^(l-1))^+`` (eq. 2.45) is
    a multiple of the identity plus a matrix of rank at most 4: two thin products
    instead of a dense one.  ``alpha`` is the eigenvalue shared by all but a few
    directions (the median eigenvalue); the rest is kept only when it reproduces
    ``coef`` to ``n eps |coef|``.  Networks built by the assembler pass their
    layers' forms and skip this search.
    """
    n = coef.shape[0]
    if coef.shape[1] != n or n < 4 * _LOW_RANK_GAIN or n > _DETECT_MAX_WIDTH:
        return None
    eig = np.linalg.eigvals(coef)
    alpha = float(np.median(eig.real))
    if not alpha > 0:
        return None
    R = coef - alpha * np.eye(n)
    u, s, vt = np.linalg.svd(R)
    scale = max(np.abs(coef).max(), alpha)
    tol = n * np.finfo(np.float64).eps * scale
    r = int(np.sum(s > tol))
    if 2 * (r + 1) * _LOW_RANK_GAIN > n:
        return None
    U, V = u[:, :r] * s[:r], vt[:r].T
    if np.abs(R - U @ V.T).max() > 10 * tol:
        return None
    return LowRankUpdate(alpha, U, V)


def _pays(form, n):
    """Whether two thin products of rank ``r`` beat the dense ``n x n`` product."""
    return form is not None and form.alpha > 0 and 2 * (form.rank + 1) * _LOW_RANK_GAIN <= n


def _build_plan(coefs, intercepts, forms=None):
    """Steps of the forward pass: dense layers, and chains of low-rank square layers.

    In a chain, ``relu(a C + b)`` with ``C = alpha I + U Vᵀ`` and ``alpha > 0``
    equals ``alpha relu(a + (a U)(Vᵀ/alpha) + b/alpha)`` (ReLU is positively
    homogeneous), so the chain runs on ``g = a / S`` with ``S`` the product of
    the alphas so far and the identity term costs one addition; ``S`` is folded
    into the next dense layer; ``scales_in[l]`` is the ``S`` of the activations
    entering step ``l``.  ``forms`` gives a hidden layer's
    :class:`LowRankUpdate` when it is known (the assembler's); otherwise small
    square layers are searched for one.
    """
    n_hidden = len(coefs) - 1
    forms = [None] * n_hidden if forms is None else list(forms)
    for i in range(n_hidden):
        if forms[i] is None:
            forms[i] = _low_rank_form(coefs[i])
    steps, scale, scales_in = [], 1.0, []
    for c, b, form in zip(coefs[:-1], intercepts[:-1], forms):
        scales_in.append(scale)
        if not _pays(form, c.shape[0]):
            steps.append(("dense", c if scale == 1.0 else scale * c, b.copy()))
            scale = 1.0
            continue
        scale *= form.alpha
        # [g U, 1] @ [[Vᵀ/alpha]; [b / S]]: the intercept rides in the thin product
        right = np.vstack([form.V.T / form.alpha, b / scale])
        # transposed and Fortran-ordered for BLAS dgemm on the transposed activations
        steps.append(("lowrank", np.ascontiguousarray(form.U.T), np.asfortranarray(right.T)))
    last = (scale * coefs[-1], intercepts[-1].copy())
    # the output of a sample whose activation is zero after layer l: a constant; row l
    # of ``a`` carries that sample, all of them through each layer at once
    a = np.zeros((0, coefs[0].shape[0]))
    for c, b, form in zip(coefs[:-1], intercepts[:-1], forms):
        # the factored product pays only on wide layers (a Python call each otherwise)
        wide = form is not None and c.shape[0] > 256
        a = np.maximum((a @ form if wide else a @ c) + b, 0.0)
        a = np.vstack([a, np.zeros((1, c.shape[1]))])
    dead = list(a @ coefs[-1] + intercepts[-1])
    return steps, last, dead, scales_in + [scale]


def _frozen(arrays):
    """Float64 copies that refuse in-place writes (the forward plan is built once)."""
    out = []
    for a in arrays:
        a = a.dense() if isinstance(a, LowRankUpdate) else np.array(a, dtype=np.float64)
        a.flags.writeable = False
        out.append(a)
    return out


def _available_memory():
    """Bytes of memory available to a new allocation (Linux ``MemAvailable``, else physical)."""
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):
        return None


def check_fits_in_memory(n_bytes, what):
    """Refuse, before allocating, ``n_bytes`` that the machine does not have available.

    Raises
    ------
    ValueError
        Naming ``what`` and both sizes in GiB (as the other size checks of
        the package do: the data sets' and ``OverparamInterpolator``'s).
    """
    available = _available_memory()
    if available is not None and n_bytes > available:
        raise ValueError(f"{what} needs {n_bytes / 2**30:.3g} GiB of float64, more than the "
                          f"{available / 2**30:.3g} GiB of memory available; nothing was "
                          "allocated.")


def _real_layers(cumulative_coefs, cumulative_intercepts):
    """The real layers of eq. 2.45 from cumulative ones, factored where both ends are.

    ``W_l^T = (W^(l-1)^T)^+ W^(l)^T``: a :class:`LowRankUpdate` predecessor is
    inverted in closed form (Woodbury, ``O(n r²)``), and two factored ends give a
    factored layer (rank at most the sum of theirs); a dense predecessor goes
    through ``lstsq`` (the minimum-norm solution).
    """
    cum_c = [c if isinstance(c, LowRankUpdate) else np.asarray(c, dtype=np.float64)
             for c in cumulative_coefs]
    cum_b = [np.asarray(b, dtype=np.float64).reshape(-1) for b in cumulative_intercepts]
    if len(cum_c) == 0 or len(cum_c) != len(cum_b):
        raise ValueError("cumulative_coefs and cumulative_intercepts must be "
                         "non-empty lists of equal length.")
    coefs, intercepts = [cum_c[0]], [cum_b[0]]
    for prev_c, prev_b, c, b in zip(cum_c[:-1], cum_b[:-1], cum_c[1:], cum_b[1:]):
        if isinstance(prev_c, LowRankUpdate) and prev_c.shape[1] == c.shape[0]:
            coef = prev_c.inv() @ c
        else:
            # W_l^T = (W^(l-1)^T)^+ W^(l)^T: min-norm solution of prev_c @ X = c
            coef = np.linalg.lstsq(np.asarray(prev_c), np.asarray(c), rcond=None)[0]
        coefs.append(coef)
        intercepts.append(b - prev_b @ coef)
    return coefs, intercepts


class ReLUNetwork:
    """A feed-forward ReLU network given by its layers.

    Hidden layers compute ``relu(a @ coef + intercept)``; the last layer is
    affine, as in eq. (4) of Chen & Muñoz Ewald (JMLR 2025).

    Parameters
    ----------
    coefs : list of array-like or LowRankUpdate, each of shape (n_in, n_out)
        Weight matrices in scikit-learn MLP orientation.  A square layer given
        as a :class:`LowRankUpdate` (``alpha I + U Vᵀ``, what the truncation
        layers are) is stored dense like any other, and the forward pass uses its
        factors: two thin products instead of a dense one, with nothing to search.
    intercepts : list of array-like, each of shape (n_out,)
        Bias vectors.
    activation : {"relu", "tanh", "softplus"}, default="relu"
        Hidden activation; ReLU unless a construction (Chen & Moore's explicit
        one) asks for a smooth one.

    Attributes
    ----------
    coefs : list of ndarray
        Float64 read-only copies of the weight matrices (build a new network to
        change them: the forward pass precomputes from them).
    intercepts : list of ndarray
        Float64 read-only copies of the bias vectors.

    Raises
    ------
    ValueError
        Before allocating, when the dense layers need more memory than the
        machine has available (e.g. a few dozen ``5000 x 5000`` layers).

    Notes
    -----
    :meth:`forward` computes the function of these layers, run by a plan
    built once: row blocks that stay in cache, chains of ``alpha I + U Vᵀ``
    layers as two thin products each, and rows whose activation dies dropped
    with their known constant output.  A network assembled from truncation
    cones (:func:`~sktrunc._truncation.assemble_network`) also settles most
    rows at once from the cones' geometry
    (:class:`~sktrunc._truncation.ConeShortcut`).  The outputs equal a plain
    layer-by-layer pass to rounding (the tests hold them to ``1e-10`` of the
    output's scale and the same argmax); :meth:`hidden_outputs` is that plain
    pass.

    Examples
    --------
    >>> import numpy as np
    >>> from sktrunc import ReLUNetwork
    >>> net = ReLUNetwork([np.eye(2), np.ones((2, 1))], [np.zeros(2), np.zeros(1)])
    >>> net.forward(np.array([[1.0, -2.0]]))
    array([[1.]])
    >>> net.layer_sizes, net.n_params
    ((2, 2, 1), 9)
    """

    def __init__(self, coefs, intercepts, activation="relu"):
        if activation not in ACTIVATIONS:
            raise ValueError(f"activation must be one of {sorted(ACTIVATIONS)}; got "
                             f"{activation!r}.")
        self.activation = activation
        coefs = list(coefs)
        forms = [c if isinstance(c, LowRankUpdate) else None for c in coefs]
        n_bytes = sum(8 * int(np.prod(np.shape(c))) for c in coefs)
        check_fits_in_memory(n_bytes, f"A network of layer sizes {_sizes(coefs)}")
        coefs = _frozen(coefs)
        intercepts = [b.reshape(-1) for b in _frozen(intercepts)]
        if len(coefs) == 0 or len(coefs) != len(intercepts):
            raise ValueError(
                "A ReLUNetwork needs at least one layer and as many intercepts as "
                f"coefs; got {len(coefs)} coefs and {len(intercepts)} intercepts."
            )
        for i, (c, b) in enumerate(zip(coefs, intercepts)):
            if c.ndim != 2 or c.shape[1] != b.shape[0]:
                raise ValueError(
                    f"Layer {i}: coef of shape {c.shape} does not match intercept of "
                    f"shape {b.shape}; coefs are (n_in, n_out)."
                )
            if i > 0 and coefs[i - 1].shape[1] != c.shape[0]:
                raise ValueError(
                    f"Layer {i} expects {c.shape[0]} inputs but layer {i - 1} has "
                    f"{coefs[i - 1].shape[1]} outputs."
                )
        self.coefs = coefs
        self.intercepts = intercepts
        # the factored form of each hidden layer given as a LowRankUpdate (forward plan)
        self._forms = forms[:-1] if any(forms[:-1]) else None

    def __setstate__(self, state):
        self.__dict__.update(state)
        # unpickled arrays are writeable again; the cached plan assumes they are not
        self.coefs = _frozen(self.coefs)
        self.intercepts = _frozen(self.intercepts)
        self.__dict__.pop("_plan_cache", None)

    @classmethod
    def from_cumulative(cls, cumulative_coefs, cumulative_intercepts):
        """Build the real layers from cumulative parameters.

        With cumulative weights ``W^(l) = W_l ... W_1`` and biases ``b^(l)``
        (eq. 21-22 of the JMLR paper, eq. 2.43 of arXiv 2309.10639), the real
        layers are ``W_l = W^(l) (W^(l-1))^+`` and ``b_l = b^(l) - W_l b^(l-1)``
        (eq. 2.45), with ``W^(0) = I`` and ``b^(0) = 0``.

        Parameters
        ----------
        cumulative_coefs : list of array-like or LowRankUpdate, each of shape (n_features, d_l)
            ``W^(l).T`` in scikit-learn orientation (the input dimension first).
            Factored ones (the truncation layers' ``W_θ R``) are inverted in
            closed form, and two factored neighbours give a factored real layer.
        cumulative_intercepts : list of array-like, each of shape (d_l,)
            ``b^(l)``.

        Returns
        -------
        network : ReLUNetwork

        Notes
        -----
        The real layers reproduce the cumulative parameters,
        ``W_l ... W_1 = W^(l)``, exactly when ``ker W^(l-1) ⊆ ker W^(l)`` for
        every ``l`` (the row space of ``W^(l)`` lies in that of ``W^(l-1)``), since
        ``W^(l) (W^(l-1))^+ W^(l-1)`` is ``W^(l)`` projected onto the row space of
        ``W^(l-1)``.  Invertible cumulative matrices (equal widths, the papers'
        Lemma 3.3) satisfy it; a surjective ``W^(l-1)`` alone does not (e.g.
        ``W^(1) = [1, 0]``, ``W^(2) = [0, 1]``), and neither do the decreasing
        widths ``I(d_0, d_l) W_θ R_l`` of Proposition 4.1 of the JMLR paper, whose
        row spaces differ from layer to layer.  Where the condition fails the
        pseudo-inverse gives the least-squares layer and the network no longer
        computes the truncation maps.  The pseudo-inverse is applied through
        ``lstsq`` (never an explicit inverse), or by the Woodbury identity for a
        :class:`LowRankUpdate` (``O(n r²)`` instead of ``O(n³)``).

        Examples
        --------
        >>> import numpy as np
        >>> from sktrunc import ReLUNetwork
        >>> W1 = np.array([[2.0, 0.0], [0.0, 1.0]])
        >>> net = ReLUNetwork.from_cumulative([W1, W1 @ np.ones((2, 1))],
        ...                                   [np.ones(2), np.zeros(1)])
        >>> net.coefs[1].ravel()
        array([1., 1.])
        >>> net.intercepts[1]
        array([-2.])
        """
        return cls(*_real_layers(cumulative_coefs, cumulative_intercepts))

    @property
    def n_layers(self):
        """Number of layers with parameters (hidden layers plus the output layer)."""
        return len(self.coefs)

    @property
    def layer_sizes(self):
        """Tuple ``(d_0, d_1, ..., d_L)`` of layer widths, input first."""
        return (self.coefs[0].shape[0],) + tuple(c.shape[1] for c in self.coefs)

    @property
    def n_params(self):
        """Number of weights and biases."""
        return int(sum(c.size + b.size for c, b in zip(self.coefs, self.intercepts)))

    # -- forward pass ---------------------------------------------------------------

    def _check_X(self, X, name="X"):
        """``X`` as a finite 2-D float64 array with ``d_0`` columns, or a clear error."""
        # fast path for what a validated estimator passes: one sum decides finiteness
        # (a NaN or inf propagates; a non-finite sum of finite values falls through)
        fast = (isinstance(X, np.ndarray) and X.dtype == np.float64 and X.ndim == 2
                and X.shape[0] > 0 and np.isfinite(X.sum()))
        if not fast:
            X = check_array(X, dtype=np.float64, input_name=name)
        if X.shape[1] != self.layer_sizes[0]:
            raise ValueError(f"{name} has {X.shape[1]} features, but this network takes "
                             f"{self.layer_sizes[0]} inputs.")
        return X

    def hidden_outputs(self, X):
        """Activations of every hidden layer.

        Parameters
        ----------
        X : array-like of shape (n_samples, d_0)

        Returns
        -------
        activations : list of ndarray
            ``activations[l]`` has shape ``(n_samples, d_{l+1})``; one entry per
            hidden layer (the output layer is not included).
        """
        return self._activations(self._check_X(X))[1:]

    def _activations(self, X):
        """``[X, a_1, ..., a_{L-1}]``: the input and every hidden activation (plain pass)."""
        acts = [X]
        sigma = ACTIVATIONS[self.activation]
        for c, b in zip(self.coefs[:-1], self.intercepts[:-1]):
            acts.append(sigma(acts[-1] @ c + b))
        return acts

    def _plan(self):
        """The forward plan of :func:`_build_plan`, built once for these arrays."""
        cache = self.__dict__.get("_plan_cache")
        key = self.coefs + self.intercepts
        if cache is None or len(cache[0]) != len(key) or any(
                a is not b for a, b in zip(cache[0], key)):
            cache = (key, _build_plan(self.coefs, self.intercepts,
                                      self.__dict__.get("_forms")))
            self._plan_cache = cache
        return cache[1]

    def forward(self, X):
        """Output of the network: ReLU on hidden layers, affine last layer.

        Parameters
        ----------
        X : array-like of shape (n_samples, d_0)
            A single sample must be passed as one row, ``x.reshape(1, -1)``.

        Returns
        -------
        output : ndarray of shape (n_samples, d_L)
        """
        return self._forward(self._check_X(X))

    def _forward(self, X):
        """:meth:`forward` on an already validated 2-D float array (no checks)."""
        n = X.shape[0]
        out = np.empty((n, self.layer_sizes[-1]))
        if self.activation != "relu":
            rows = max(256, _BLOCK_BYTES // (8 * max(self.layer_sizes)))
            for start in range(0, n, rows):
                a = self._activations(np.asarray(X[start:start + rows], dtype=np.float64))[-1]
                out[start:start + rows] = a @ self.coefs[-1] + self.intercepts[-1]
            return out
        shortcut = self.__dict__.get("_shortcut")
        if shortcut is None:
            self._run(X, 0, out, None)
            return out
        plan = self._plan()
        rows = shortcut.block_rows
        work = {}  # the shortcut's scratch buffers, shared by the blocks of this pass
        for start in range(0, n, rows):
            block = np.asarray(X[start:start + rows], dtype=np.float64)
            view = out[start:start + block.shape[0]]
            for step, idx, a in shortcut.settle(block, view, plan[2], work):
                if len(idx) <= _PLAIN_ROWS:
                    # a handful of rows: the plain pass, without the plan's per-step calls
                    for c, b in zip(self.coefs[step:-1], self.intercepts[step:-1]):
                        a = a @ c
                        a += b
                        np.maximum(a, 0.0, out=a)
                    view[idx] = a @ self.coefs[-1] + self.intercepts[-1]
                else:
                    self._run(a, step, view, idx)
        return out

    def _run(self, X, first, out, where):
        """Steps ``first, first + 1, ...`` of the plan on ``X``, the activations entering
        step ``first`` (the input when 0); the outputs go to ``out[where]`` (``where``:
        row indices, or None for all rows of ``out``)."""
        steps, (c_last, b_last), dead_out = self._plan()[:3]
        steps = steps[first:]
        if first and self._plan()[3][first] != 1.0:
            # the chain of low-rank layers runs on activations divided by its scale
            X = X / self._plan()[3][first]
        n = X.shape[0]
        widest = max(self.layer_sizes[first:-1])
        rows = max(256, _BLOCK_BYTES // (8 * widest))
        block = min(n, rows)
        # two ping-pong buffers per block: a dense layer writes into the other, so the
        # pass allocates nothing per layer; allocated on first use, since a chain of
        # cone layers updates one in place
        bufs = [None, None]
        thin = np.empty(block * (widest + 1))
        zeros, ones = np.zeros(widest), np.ones(widest)
        n_steps = len(steps)
        watch = [True] * (n_steps - 1) + [False]
        for start in range(0, n, rows):
            a = np.asarray(X[start:start + rows], dtype=np.float64)
            m = a.shape[0]
            # rows of the block still running (None: all); the others are done
            live = None
            cur = 1  # which ping-pong buffer holds ``a`` (the other one is free)
            for i, (kind, left, right) in enumerate(steps):
                if kind == "dense":
                    d = right.shape[0]
                    cur = 1 - cur
                    if bufs[cur] is None:
                        bufs[cur] = np.empty(block * widest)
                    nxt = bufs[cur][:m * d].reshape(m, d)
                    np.matmul(a, left, out=nxt)
                    nxt += right
                else:
                    # a @ U as r matrix-vector products (2x faster than one thin
                    # matmul in OpenBLAS), into the rows of [g U, 1]ᵀ
                    r, d = left.shape[0], right.shape[0]
                    t = thin[:m * (r + 1)].reshape(r + 1, m)
                    for k in range(r):
                        np.matmul(a, left[k], out=t[k])
                    t[r] = 1.0
                    if i == 0:
                        # the caller's rows: into a buffer first, the input is never
                        # updated in place
                        cur = 1 - cur
                        if bufs[cur] is None:
                            bufs[cur] = np.empty(block * widest)
                        nxt = bufs[cur][:m * d].reshape(m, d)
                        np.copyto(nxt, a)
                    else:
                        nxt = a
                    # g + [g U, 1] @ right, in place: one BLAS call with beta = 1 on the
                    # transposed (Fortran-ordered) activations saves a pass over them
                    nxt = _dgemm(1.0, right, t.T, beta=1.0, c=nxt.T, trans_b=1,
                                 overwrite_c=1).T
                # a zero row, not the scalar 0: numpy's broadcast path is 2x faster
                np.maximum(nxt, zeros[:d], out=nxt)
                a = nxt
                if watch[i]:
                    # a truncation layer collapses a class to its base point: a row
                    # whose activation is zero gives a known constant output, and
                    # dropping such rows pays when enough of the later layers are saved
                    # rows of non-negative numbers: zero sum means all zero (a NaN
                    # row, from an overflow, stays in the pass)
                    alive = ~((a @ ones[:d]) <= 0)
                    n_dead = m - np.count_nonzero(alive)
                    # a layer that kills no row of a block is not watched any more
                    watch[i] = n_dead > 0
                    if n_dead and 2 * n_dead * (n_steps - 1 - i) >= m:
                        idx = np.arange(start, start + m) if live is None else live
                        dst = idx[~alive] if where is None else where[idx[~alive]]
                        out[dst] = dead_out[first + i]
                        keep = np.flatnonzero(alive)
                        # take() with indices copies rows 2.5x faster than a mask
                        live, a = idx[keep], a.take(keep, axis=0)
                        m = a.shape[0]
                        if m == 0:
                            break
            if live is None and where is None:
                np.matmul(a, c_last, out=out[start:start + m])
                out[start:start + m] += b_last
            elif m:
                idx = np.arange(start, start + m) if live is None else live
                out[idx if where is None else where[idx]] = a @ c_last + b_last

    # -- gradients ------------------------------------------------------------------

    def _deltas(self, acts, top):
        """Backpropagate ``top`` (gradient w.r.t. the output) through the hidden layers.

        ``acts`` are the activations of :meth:`_activations`, each repeated as
        ``top`` rows need (``top`` has ``k`` rows per sample when stacked).
        Returns the gradient w.r.t. every layer's pre-activation, first layer first.
        """
        deltas = [top]
        for ell in range(self.n_layers - 1, 0, -1):
            back = deltas[0] @ self.coefs[ell].T
            back *= _derivative_from_output(self.activation, acts[ell])
            deltas.insert(0, back)
        return deltas

    @validate_params({"X": ["array-like"], "Y": ["array-like"]},
                     prefer_skip_nested_validation=True)
    def cost_gradient(self, X, Y):
        """Gradient of the L2 cost ``½ Σ_i |f(x_i) - y_i|²`` (eq. 14) by backpropagation.

        Parameters
        ----------
        X : array-like of shape (n_samples, d_0)
        Y : array-like of shape (n_samples, d_L)
            Target of each row (``Y_ext`` of the papers; ``(n_samples,)`` is
            accepted for a single output).

        Returns
        -------
        coef_grads : list of ndarray
            Same shapes as :attr:`coefs`.
        intercept_grads : list of ndarray
            Same shapes as :attr:`intercepts`.

        Notes
        -----
        The cost is a sum, not the mean scikit-learn's MLP minimises (eq. (4)
        of Chen & Moore divides by ``2N``); the ReLU derivative at 0 is 0.

        Examples
        --------
        >>> import numpy as np
        >>> from sktrunc import ReLUNetwork
        >>> net = ReLUNetwork([np.eye(1), np.eye(1)], [np.zeros(1), np.zeros(1)])
        >>> gc, gb = net.cost_gradient(np.array([[2.0]]), np.array([[0.0]]))
        >>> gc[1], gb[1]
        (array([[4.]]), array([2.]))
        """
        X = self._check_X(X)
        Y = check_array(Y, dtype=np.float64, ensure_2d=False, input_name="Y")
        if Y.ndim == 1:
            Y = Y[:, None]
        if Y.shape != (X.shape[0], self.layer_sizes[-1]):
            raise ValueError(f"Y must have shape {(X.shape[0], self.layer_sizes[-1])} "
                             f"(one target row per sample); got {Y.shape}.")
        acts = self._activations(X)
        residual = acts[-1] @ self.coefs[-1] + self.intercepts[-1] - Y
        deltas = self._deltas(acts, residual)
        coef_grads = [a.T @ d for a, d in zip(acts, deltas)]
        intercept_grads = [d.sum(axis=0) for d in deltas]
        return coef_grads, intercept_grads

    @validate_params({"X": ["array-like"]}, prefer_skip_nested_validation=True)
    def parameter_jacobian(self, X):
        """Jacobian of the outputs with respect to every weight and bias.

        The matrix ``D`` of Chen & Moore (Definition 3.1 (3)), for any depth and
        any number of outputs: row ``i * d_L + k`` is the gradient of output
        ``k`` at sample ``i``; columns are the parameters in scikit-learn's
        packing order, all ``coefs`` (each raveled row-major) and then all
        ``intercepts``.

        Parameters
        ----------
        X : array-like of shape (n_samples, d_0)

        Returns
        -------
        jacobian : ndarray of shape (n_samples * d_L, n_params)

        Examples
        --------
        >>> import numpy as np
        >>> from sktrunc import ReLUNetwork
        >>> net = ReLUNetwork([np.ones((1, 2)), np.ones((2, 1))], [np.zeros(2), np.zeros(1)])
        >>> net.parameter_jacobian(np.array([[3.0]]))
        array([[3., 3., 3., 3., 1., 1., 1.]])
        """
        X = self._check_X(X)
        n, q = X.shape[0], self.layer_sizes[-1]
        # one backward pass per (sample, output) pair, stacked as rows
        acts = [np.repeat(a, q, axis=0) for a in self._activations(X)]
        top = np.tile(np.eye(q), (n, 1))
        deltas = self._deltas(acts, top)
        blocks = [(a[:, :, None] * d[:, None, :]).reshape(n * q, -1)
                  for a, d in zip(acts, deltas)]
        return np.hstack(blocks + deltas)

    # -- export to scikit-learn ---------------------------------------------------

    def _widened(self, widen, random_state):
        """Layers with ``widen`` extra units per hidden layer and the same output.

        New unit ``k`` of layer ``l`` reads the old and new units of layer
        ``l - 1`` with random weights of ``_WIDEN_SCALE`` times the typical norm
        of the existing units' incoming weights (so its pre-activation is on the
        scale of theirs), and feeds nothing: its outgoing weights, to old units
        and to the output, are zero.  Old units never read new ones, so every
        output is unchanged; gradient descent gives the new units their
        outgoing weights from the first step on.
        """
        coefs = [c.copy() for c in self.coefs]
        intercepts = [b.copy() for b in self.intercepts]
        if widen == 0:
            return coefs, intercepts
        rng = check_random_state(random_state)
        extra_in = 0
        for ell in range(self.n_layers - 1):
            c, b = coefs[ell], intercepts[ell]
            n_in, n_out = c.shape
            col_norm = np.sqrt(np.mean(np.sum(c * c, axis=0)))
            bias_scale = np.sqrt(np.mean(b * b))
            new_in = rng.normal(size=(n_in + extra_in, widen))
            new_in *= _WIDEN_SCALE * col_norm / np.linalg.norm(new_in, axis=0)
            grown = np.zeros((n_in + extra_in, n_out + widen))
            grown[:n_in, :n_out] = c
            grown[:, n_out:] = new_in
            coefs[ell] = grown
            intercepts[ell] = np.concatenate(
                [b, _WIDEN_SCALE * bias_scale * rng.normal(size=widen)])
            extra_in = widen
        coefs[-1] = np.vstack([coefs[-1], np.zeros((widen, coefs[-1].shape[1]))])
        return coefs, intercepts

    def _mlp(self, cls, coefs, intercepts, random_state, mlp_params):
        """An ``MLPRegressor``/``MLPClassifier`` holding these layers as its fitted state.

        Sets what scikit-learn's ``BaseMultilayerPerceptron._initialize`` sets
        for the estimator's parameters (the stochastic-solver bookkeeping
        depends on ``solver`` and ``early_stopping``), so that ``predict``,
        ``partial_fit`` and a ``warm_start`` fit all take these weights as the
        current state.
        """
        if self.n_layers < 2:
            raise ValueError(f"{cls.__name__} needs at least one hidden layer; this "
                             "network is affine.")
        if self.activation == "softplus":
            raise ValueError(f"scikit-learn's {cls.__name__} has no softplus activation; "
                             "a softplus network cannot be converted.")
        for key in ("hidden_layer_sizes", "activation"):
            if key in mlp_params:
                raise TypeError(f"{key} is fixed by the network and cannot be passed.")
        mlp = cls(hidden_layer_sizes=tuple(c.shape[1] for c in coefs[:-1]),
                  activation=self.activation, random_state=random_state, **mlp_params)
        mlp.n_iter_ = 0
        mlp.t_ = 0
        mlp.n_outputs_ = coefs[-1].shape[1]
        mlp.n_layers_ = len(coefs) + 1
        mlp.n_features_in_ = self.layer_sizes[0]
        mlp.coefs_ = coefs
        mlp.intercepts_ = intercepts
        mlp._best_coefs = [c.copy() for c in coefs]
        mlp._best_intercepts = [b.copy() for b in intercepts]
        if mlp.solver in ("sgd", "adam"):
            mlp.loss_curve_ = []
            mlp._no_improvement_count = 0
            if mlp.early_stopping:
                mlp.validation_scores_ = []
                mlp.best_validation_score_ = -np.inf
                mlp.best_loss_ = None
            else:
                mlp.best_loss_ = np.inf
                mlp.validation_scores_ = None
                mlp.best_validation_score_ = None
        return mlp

    @validate_params(
        {"widen": [Interval(Integral, 0, None, closed="left")],
         "random_state": ["random_state"]},
        prefer_skip_nested_validation=True)
    def to_mlp(self, *, widen=0, random_state=None, **mlp_params):
        """A fitted-state :class:`~sklearn.neural_network.MLPRegressor` equal to this network.

        The regressor's ``predict`` equals :meth:`forward` to float precision
        (raveled when there is a single output, as scikit-learn does), and
        ``fit`` with ``warm_start=True`` (or ``partial_fit``) continues by
        gradient descent from these weights.

        Parameters
        ----------
        widen : int, default=0
            Extra units added to every hidden layer without changing the output
            (zero outgoing weights, small random incoming ones), so that
            gradient descent has capacity beyond the construction.
        random_state : int, RandomState instance or None, default=None
            Draws the new units' weights, and is the MLP's ``random_state``.
        **mlp_params
            Passed to ``MLPRegressor`` (e.g. ``solver='sgd'``,
            ``learning_rate_init=1e-3``, ``warm_start=True``,
            ``early_stopping=True``).  ``hidden_layer_sizes`` and
            ``activation`` are set from the network.

        Returns
        -------
        mlp : MLPRegressor

        Examples
        --------
        >>> import numpy as np
        >>> from sktrunc import ReLUNetwork
        >>> rng = np.random.default_rng(0)
        >>> net = ReLUNetwork([rng.normal(size=(3, 4)), rng.normal(size=(4, 2))],
        ...                   [rng.normal(size=4), rng.normal(size=2)])
        >>> X = rng.normal(size=(5, 3))
        >>> mlp = net.to_mlp(warm_start=True, widen=3, random_state=0)
        >>> mlp.hidden_layer_sizes, bool(np.allclose(mlp.predict(X), net.forward(X)))
        ((7,), True)
        """
        from sklearn.neural_network import MLPRegressor

        coefs, intercepts = self._widened(widen, random_state)
        mlp = self._mlp(MLPRegressor, coefs, intercepts, random_state, mlp_params)
        mlp.out_activation_ = "identity"
        return mlp

    @validate_params(
        {"classes": ["array-like"], "targets": ["array-like", None],
         "temperature": [Interval(Real, 0, None, closed="neither")],
         "widen": [Interval(Integral, 0, None, closed="left")],
         "random_state": ["random_state"]},
        prefer_skip_nested_validation=True)
    def to_mlp_classifier(self, classes, targets=None, *, temperature=1.0, widen=0,
                          random_state=None, **mlp_params):
        """A fitted-state :class:`~sklearn.neural_network.MLPClassifier` predicting as we do.

        The constructed classifiers predict the class of the nearest target,
        ``argmin_j |f(x) - y_j|`` (eq. 2.61 of arXiv 2309.10639), which is
        ``argmax_j (f(x)·y_j - ½|y_j|²)``.  That affine map of the output,
        divided by ``temperature``, is folded into the last layer, which then
        gives logits: a softmax over ``Q`` outputs, or for two classes one
        logistic output, the difference of the two scores.  The MLP's
        ``predict`` equals the metric prediction, and ``fit`` with
        ``warm_start=True`` (or ``partial_fit``) continues from these weights
        with the log-loss.

        Parameters
        ----------
        classes : array-like of shape (n_classes,)
            The labels, ``classes[j]`` being the class of target ``y_j``.
        targets : array-like of shape (n_classes, d_L), default=None
            The target vectors ``y_j`` as rows (pairwise distinct); one-hot when
            None.
        temperature : float, default=1.0
            Logits are the scores divided by it.  It does not change the
            prediction but sets the initial log-loss and its gradient.  A
            fitted classifier's ``temperature_ * _score_unit()`` (the
            temperature of its ``predict_proba``, fitted to the training
            log-loss and floored so that an interpolating network is not
            infinitely confident) makes the MLP's ``predict_proba`` equal to
            the classifier's: the first gradients are those of a calibrated
            model, not of a saturated softmax.
        widen : int, default=0
            Extra units per hidden layer that leave the output unchanged (see
            :meth:`to_mlp`).
        random_state : int, RandomState instance or None, default=None
            Draws the new units' weights, and is the MLP's ``random_state``.
        **mlp_params
            Passed to ``MLPClassifier``; ``hidden_layer_sizes`` and
            ``activation`` are set from the network.

        Returns
        -------
        mlp : MLPClassifier

        See Also
        --------
        sktrunc.fine_tune : gradient descent from the export that keeps the best epoch, epoch 0
            included.

        Examples
        --------
        >>> import numpy as np
        >>> from sktrunc import ReLUNetwork
        >>> rng = np.random.default_rng(0)
        >>> net = ReLUNetwork([rng.normal(size=(3, 5)), rng.normal(size=(5, 3))],
        ...                   [rng.normal(size=5), rng.normal(size=3)])
        >>> X = rng.normal(size=(20, 3))
        >>> mlp = net.to_mlp_classifier(["a", "b", "c"])
        >>> bool(np.all(mlp.predict(X) == np.array(["a", "b", "c"])[
        ...     net.forward(X).argmax(axis=1)]))
        True
        """
        from sklearn.neural_network import MLPClassifier
        from sklearn.preprocessing import LabelBinarizer

        from ._base import resolve_targets

        classes = np.asarray(classes)
        if classes.ndim != 1 or len(np.unique(classes)) != len(classes) or len(classes) < 2:
            raise ValueError("classes must be a 1-D array of at least 2 distinct labels; "
                             f"got {classes!r}.")
        Y = resolve_targets(targets, len(classes))
        if Y.shape[1] != self.layer_sizes[-1]:
            raise ValueError(f"targets have dimension {Y.shape[1]} but the network has "
                             f"{self.layer_sizes[-1]} outputs.")
        binarizer = LabelBinarizer().fit(classes)
        # MLPClassifier orders its outputs as the sorted classes (binarizer.classes_)
        Y = Y[np.argsort(classes, kind="stable")]
        coefs, intercepts = self._widened(widen, random_state)
        # scores S = f Yᵀ - ½|y_j|²; logits = S / T (softmax) or (S_1 - S_0) / T
        half_sq = 0.5 * np.einsum("ij,ij->i", Y, Y)
        if len(classes) == 2:
            dy, dh = Y[1] - Y[0], half_sq[1] - half_sq[0]
            coefs[-1] = (coefs[-1] @ dy)[:, None] / temperature
            intercepts[-1] = np.atleast_1d((intercepts[-1] @ dy - dh) / temperature)
        else:
            coefs[-1] = coefs[-1] @ Y.T / temperature
            intercepts[-1] = (intercepts[-1] @ Y.T - half_sq) / temperature
        mlp = self._mlp(MLPClassifier, coefs, intercepts, random_state, mlp_params)
        mlp._label_binarizer = binarizer
        mlp.classes_ = binarizer.classes_
        mlp.out_activation_ = "softmax" if binarizer.y_type_ == "multiclass" else "logistic"
        return mlp

    def __repr__(self):
        act = "" if self.activation == "relu" else f", activation={self.activation!r}"
        return f"ReLUNetwork(layer_sizes={self.layer_sizes}, n_params={self.n_params}{act})"


def _sizes(coefs):
    return (np.shape(coefs[0])[0],) + tuple(np.shape(c)[1] for c in coefs) if coefs else ()
