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

from ._network import _DETECT_MAX_WIDTH, LowRankUpdate, ReLUNetwork, _real_layers, relu
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


def _orthonormal(C):
    """Whether the columns of ``C`` are orthonormal to rounding."""
    k = C.shape[1]
    return bool(np.allclose(C.T @ C, np.eye(k), rtol=0,
                            atol=8 * C.shape[0] * np.finfo(np.float64).eps))


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
    ValueError
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
    cones = cum_coefs[:-1]
    if cones and all(getattr(c, "cone", None) is not None for c in cones):
        shortcut = ConeShortcut(
            cones, [np.asarray(b, dtype=np.float64) for b in cumulative_intercepts[:-1]],
            (np.asarray(cum_coefs[-1], dtype=np.float64),
             np.asarray(cumulative_intercepts[-1], dtype=np.float64).reshape(-1)),
            input_map, prefix)
        if shortcut.qq_max < _SQUARE_MAX:  # apexes beyond 1e120: the plain plan
            network._shortcut = shortcut
    worst = int(np.argmax(cond)) if cond.size else 0
    if cond.size and cond[worst] > COND_WARN:
        warnings.warn(
            f"Hidden layer {worst} has condition number {cond[worst]:.3g} > {COND_WARN:.0e}: "
            "predictions may lose digits; a smaller angle_margin narrows the cones.",
            ConditioningWarning, stacklevel=stacklevel + 1)
    return network, cond


# squared lengths outside these bounds are not trusted by the shortcut (underflow to
# subnormals or overflow to inf): with lengths between 1e-120 and 1e120 they are exact
# to rounding
_SQUARE_MIN, _SQUARE_MAX = 1e-240, 1e240
# at most this many rows the shortcut does not settle resume at one layer, the earliest
_MERGE_ROWS = 256
# rows per block of the shortcut: its arrays (the input, the cone coordinates, one column
# per layer for the axis, the apex and the masks) stay within a few MiB
_SHORTCUT_BLOCK_BYTES = 4 << 20


class ConeShortcut:
    """Exact evaluation of the rows a cone network's cones settle (Lemma 3.4, Prop. 3.2).

    A truncation layer is the identity on its forward cone ``p + C_θ[h]`` and
    sends its backward cone ``p + C_θ[-h]`` to the apex (Lemma 3.4 of Chen &
    Muñoz Ewald, JMLR 2025): a point ``z`` (in the cones' coordinates) in the
    forward cones of layers ``1 .. k-1`` reaches layer ``k`` unchanged, where by
    Proposition 3.2 the network's activation is ``W^(k-1) z + b^(k-1)``.  So one
    product of the rows with the axes and apexes of all layers at once,
    ``z·h_ℓ`` and ``z·p_ℓ`` (with ``|z|²``, the angle to every axis), settles
    each row:

    * in every forward cone: the output is the last layer on ``z`` itself;
    * first out of a forward cone into the backward one of layer ``k``: the
      activation is zero there, and the output is the constant of a dead row;
    * otherwise the exact pass resumes at layer ``k`` from ``W^(k-1) z + b^(k-1)``.

    The tests are strict by a margin of the rounding of ``|z - p|²`` (rows
    closer to a cone's surface resume the exact pass), so settled rows get the
    network's output up to rounding.  The change to the cones' coordinates is
    folded into that product where it pays: an orthonormal square basis always,
    and a basis of all but a few of the input's dimensions (the span of the data
    of a network whose layers keep every point) through ``|z|² = |w - c|² -
    |(w - c) N|²``, ``N`` the directions it leaves out; a network on digits then
    predicts in one ``64 x 34`` product instead of eleven ``61 x 61`` ones.  The
    network keeps it as ``_shortcut``; :meth:`ReLUNetwork.forward` calls
    :meth:`settle`.
    """

    def __init__(self, cones, intercepts, output, input_map, prefix):
        L = len(cones)
        axes = np.array([np.asarray(c.cone[0], dtype=np.float64) for c in cones])
        cos2 = np.cos(np.array([c.cone[1] for c in cones], dtype=np.float64) / 2.0) ** 2
        # b = -W p  =>  p = -W^{-1} b, in closed form (scikit-learn orientation: b @ W^{-T})
        apexes = np.array([-(b @ c.inv()) for c, b in zip(cones, intercepts)])
        out_coef, out_intercept = output
        n = axes.shape[1]
        center, C = input_map if input_map is not None else (np.zeros(n), None)
        center = np.asarray(center, dtype=np.float64)
        C = None if C is None else np.asarray(C, dtype=np.float64)
        if C is not None and _is_identity(C):
            C = None
        # With C square and orthonormal (or absent), z - p = ((w - c) - p Cᵀ) C for the
        # rows w the cones' coordinates come from: the tests run on w itself against the
        # apexes q = c + p Cᵀ and axes h Cᵀ, and no row is rotated.  Otherwise the rows
        # are projected, z = w C - c C, and the tests run on z; or, when C has
        # orthonormal columns and few dimensions are left out (a network whose cones
        # live in the span of the data, often all but a few of its dimensions), the
        # projection is folded into the one product: h·z, p·z and the output are
        # linear in w, and |z|² = |w - c|² - |(w - c) N|² with N an orthonormal basis
        # of the directions C leaves out, so only the unsettled rows are projected.
        # (the checks cost O(n³): wider bases are projected like the others)
        self.mode, N = "square", None
        square = C is None or (C.shape[0] == C.shape[1] <= _DETECT_MAX_WIDTH and _orthonormal(C))
        if not square and C.shape[0] > C.shape[1] and C.shape[0] <= _DETECT_MAX_WIDTH:
            m, k, per_row = C.shape[0], C.shape[1], 2 * L + out_coef.shape[1]
            # flops per row: folded, m (per_row + (m - k) + 1); projected, m k + k per_row
            if m * (per_row + m - k + 1) < m * k + k * per_row and _orthonormal(C):
                full = np.linalg.qr(C, mode="complete")[0]
                N = full[:, k:]
                self.mode = "fold"
        if square:
            if C is None:
                axes_w, apexes_w, out_w = axes, center + apexes, out_coef
            else:
                axes_w, apexes_w, out_w = axes @ C.T, center + apexes @ C.T, C @ out_coef
            out_b = out_intercept - center @ out_w
            self.project = None
        elif self.mode == "fold":
            # the product reads w: h·z = w·(C h) - c·(C h), likewise p·z and the output
            axes_w, apexes_w, out_w = axes @ C.T, apexes @ C.T, C @ out_coef
            out_b = out_intercept - center @ out_w
            self.project = (C, center @ C)
        else:
            axes_w, apexes_w, out_w, out_b = axes, apexes, out_coef, out_intercept
            self.project = (C, center @ C)
            self.mode = "project"
        # rounding of |w - q|² = |w|² - 2 w·q + |q|² and of (h·(w - q))²: a few eps per
        # coordinate times (|w| + |q|)² <= 2 (|w|² + |q|²)
        tol = 16.0 * (n + 2) * np.finfo(np.float64).eps
        qq = np.einsum("ij,ij->i", apexes_w, apexes_w)
        # w is in the forward cone of layer l (margin included) iff
        #   (h·w - h·q) |h·w - h·q| >= (cos² + tol) |w|² - 2 cos² w·q + (cos² + tol) |q|²
        # and in the backward one iff the left side is <= minus the right side
        # one product gives, per layer (rows of the result), h·w, -2 cos² q·w, and the
        # output on w; transposed, so that each layer's numbers are contiguous
        blocks = [axes_w.T, (-2.0 * cos2) * apexes_w.T, out_w]
        self.hq = np.einsum("ij,ij->i", axes_w, apexes_w)[:, None]
        self.k_norm = cos2 + tol
        self.k_const = ((cos2 + tol) * qq)[:, None]
        self.qq_max = float(qq.max(initial=0.0))
        if self.mode == "fold":
            # the same tests on z, whose numbers come from w: h·z - h·p is h·w minus
            # (c·(C h) + h·p), p·z is p·w minus c·(C p); |z|² is computed from |w|²,
            # w·c and (w - c) N, each rounded relative to |w|² + |c|², which the margin
            # then covers (four times the square case's, for the extra terms)
            tol *= 4.0
            cc = float(center @ center)
            pp = np.einsum("ij,ij->i", apexes, apexes)
            self.hq = (center @ axes_w.T + np.einsum("ij,ij->i", axes, apexes))[:, None]
            self.k_norm = cos2
            self.k_const = (2.0 * cos2 * (center @ apexes_w.T) + cos2 * pp
                            + tol * (cc + pp))[:, None]
            self.tol, self.cc = tol, cc
            self.perp = (N.shape[1], center @ N)
            blocks += [N, center[:, None]]
            self.qq_max = float(pp.max(initial=0.0)) + cc
        self.Gt = np.ascontiguousarray(np.hstack(blocks).T)
        self.n_out = out_coef.shape[1]
        # A lifted network (a ReLU layer before the cones, on a few input features)
        # carries a constant 1 through its products: [x, 1] @ [[P, 0], [b, 1]] keeps the
        # 1 through the ReLU, [[C, 0], [-cC, 1]] projects, and the last column of the
        # tests' product adds -h·q, the constant of the right side and the output's
        # bias; five passes over the rows' arrays (1.6 ms of 14 at 1e5 rows on XOR)
        # become one column of each product.  Without a lift the 1 would cost a copy
        # of the input.
        self.augmented = prefix is not None and self.mode == "project"
        if self.augmented:
            P, b = (np.asarray(a, dtype=np.float64) for a in prefix)
            d_in, d_lift = P.shape
            k = C.shape[1]
            self.P_aug = np.zeros((d_in + 1, d_lift + 1))
            self.P_aug[:d_in, :d_lift], self.P_aug[d_in, :d_lift] = P, b.reshape(-1)
            self.P_aug[d_in, d_lift] = 1.0
            # one more column, zero here, takes |z|² once it is known: its
            # coefficient k_norm in the tests' product adds the rank-one term of the
            # right side there, two passes over the (layers x rows) arrays fewer
            self.C_aug = np.zeros((d_lift + 1, k + 2))
            self.C_aug[:d_lift, :k], self.C_aug[d_lift, :k] = C, -self.project[1]
            self.C_aug[d_lift, k] = 1.0
            const = np.concatenate([-self.hq[:, 0], self.k_const[:, 0], out_b])
            norm = np.concatenate([np.zeros(L), self.k_norm, np.zeros(len(out_b))])
            self.Gt = np.ascontiguousarray(np.column_stack([self.Gt, const, norm]))
            # the rows run as columns (features x rows): the products are then wide and
            # the sums over features add long rows (8% of the pass on XOR)
            self.P_aug_t = np.ascontiguousarray(self.P_aug.T)
            self.C_aug_t = np.ascontiguousarray(self.C_aug.T)
        self.out_b = out_b
        self.square, self.rot, self.center = square, C, center
        self.n_layers, self.n_prefix, self.prefix = L, int(prefix is not None), prefix
        self.layers = list(zip(cones, intercepts))
        width = prefix[0].shape[1] if prefix is not None else (n if C is None else C.shape[0])
        self.block_rows = max(256, _SHORTCUT_BLOCK_BYTES // (
            8 * (width + n + 2 * L + self.Gt.shape[0])))

    def settle(self, X, out, dead_out, work=None):
        """Write the settled rows' outputs into ``out``; yield the others.

        ``work`` is a dict of scratch buffers that the calls on successive row
        blocks of one pass share (each block would otherwise allocate its
        arrays afresh, and fresh pages cost more than the arithmetic on them:
        on a lifted network, 1.1 ms of 1.8 ms per block of 4,500 rows).

        Yields
        ------
        step, rows, activations
            The hidden layer the exact pass resumes at, the rows (indices into
            ``X``) and their activations entering it.
        """
        L, m = self.n_layers, X.shape[0]
        work = {} if work is None else work

        def scratch(name, rows, cols, dtype=np.float64):
            flat = work.get(name)
            if flat is None or flat.size < rows * cols:
                # the first block of a pass is its largest
                flat = work[name] = np.empty(rows * cols, dtype=dtype)
            return flat[:rows * cols].reshape(rows, cols)

        if self.augmented:
            return (yield from self._settle_augmented(X, out, dead_out, scratch))
        if self.prefix is None:
            base = X
        else:
            base = np.matmul(X, self.prefix[0], out=scratch("base", m, self.prefix[0].shape[1]))
            base += self.prefix[1]
            np.maximum(base, 0.0, out=base)
        if self.mode != "project":
            w = base
        else:
            w = np.matmul(base, self.project[0], out=scratch("w", m, self.project[0].shape[1]))
            w -= self.project[1]
        St = np.matmul(self.Gt, w.T, out=scratch("St", self.Gt.shape[0], m))
        nw = np.einsum("ij,ij->i", w, w)
        hd = St[:L]
        hd -= self.hq
        rhs = scratch("rhs", L, m)
        if self.mode == "fold":
            # |z|² = |w - c|² - |(w - c) N|², and the rounding margin on |w|² + |c|²
            first = 2 * L + self.n_out
            n_perp, c_perp = self.perp
            perp = St[first:first + n_perp]
            perp -= c_perp[:, None]
            nz = nw - 2.0 * St[-1]
            nz += self.cc
            nz -= np.einsum("ij,ij->j", perp, perp)
            np.multiply.outer(self.k_norm, nz, out=rhs)
            rhs += self.tol * nw
        else:
            np.multiply.outer(self.k_norm, nw, out=rhs)
        rhs += St[L:2 * L]
        rhs += self.k_const
        signed = np.abs(hd, out=scratch("signed", L, m))
        signed *= hd
        fwd = np.greater_equal(signed, rhs, out=scratch("fwd", L, m, dtype=bool))
        yield from self._finish(X, out, dead_out, St, nw, signed, rhs, fwd, base, w)

    def _settle_augmented(self, X, out, dead_out, scratch):
        """:meth:`settle` of a lifted network, its constants carried by a column of 1."""
        L, m = self.n_layers, X.shape[0]
        d_in = X.shape[1]
        xa = scratch("xa", d_in + 1, m)
        xa[:d_in] = X.T
        xa[d_in] = 1.0
        base = np.matmul(self.P_aug_t, xa, out=scratch("base", self.P_aug_t.shape[0], m))
        np.maximum(base, 0.0, out=base)
        wa = np.matmul(self.C_aug_t, base, out=scratch("w", self.C_aug_t.shape[0], m))
        # (rows x features) views for the rows the exact pass resumes
        base, w = base[:-1].T, wa[:-2].T
        nw = np.einsum("ij,ij->j", wa[:-2], wa[:-2])
        wa[-1] = nw
        St = np.matmul(self.Gt, wa, out=scratch("St", self.Gt.shape[0], m))
        hd, rhs = St[:L], St[L:2 * L]
        signed = np.abs(hd, out=scratch("signed", L, m))
        signed *= hd
        fwd = np.greater_equal(signed, rhs, out=scratch("fwd", L, m, dtype=bool))
        yield from self._finish(X, out, dead_out, St, nw, signed, rhs, fwd, base, w,
                                biased=True)

    def _finish(self, X, out, dead_out, St, nw, signed, rhs, fwd, base, w, biased=False):
        """The rows :meth:`settle` decides from the tests, and those it resumes."""
        L = self.n_layers
        out_b = 0.0 if biased else self.out_b
        # squares that overflow, or underflow with the apexes', decide nothing: such rows
        # take the exact pass from the first cone on
        bad = ~((nw + self.qq_max) > _SQUARE_MIN) | ~(nw < _SQUARE_MAX)
        any_bad = bad.any()
        if any_bad:
            fwd[:, bad] = False
        done = fwd.all(axis=0)
        n_done = np.count_nonzero(done)
        if n_done == X.shape[0]:
            np.add(St[2 * L:2 * L + self.n_out].T, out_b, out=out)
            return
        if n_done:
            keep = np.flatnonzero(done)
            out[keep] = St[2 * L:2 * L + self.n_out, keep].T + out_b
        rest = np.flatnonzero(~done)
        # the first layer whose forward cone does not hold the row
        k = np.argmin(fwd[:, rest], axis=0)
        dead = -signed[k, rest] >= rhs[k, rest]
        if any_bad:
            dead &= ~bad[rest]
        if dead.any():
            out[rest[dead]] = np.asarray(dead_out)[k[dead] + self.n_prefix]
        rest, k = rest[~dead], k[~dead]
        if 0 < len(rest) <= _MERGE_ROWS:
            # a row first out of cone k is in the forward cones before it, so it enters
            # any earlier layer unchanged too: a few rows resume together at the
            # earliest of their layers (one pass instead of one per layer; each costs
            # tens of microseconds of calls for a handful of rows)
            k = np.full_like(k, k.min())
        for layer in np.unique(k):
            idx = rest[k == layer]
            if layer == 0:
                a = base[idx]
            else:
                # the cones' coordinates of these rows
                if self.mode == "fold":
                    z = w[idx] @ self.rot
                    z -= self.project[1]
                else:
                    z = w[idx]
                if self.project is None:
                    z = z - self.center
                    if self.rot is not None:
                        z = z @ self.rot
                coef, b = self.layers[layer - 1]
                a = z @ coef
                a += b
                np.maximum(a, 0.0, out=a)
            yield int(layer) + self.n_prefix, idx, a
