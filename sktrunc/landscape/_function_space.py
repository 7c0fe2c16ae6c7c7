"""Function space of ReLUs on one-dimensional data (Karhadkar et al., Section 6, App. D).

A unit ``σ(w x + b)`` on sorted distinct points ``x_1 < ... < x_n`` is the
linear unit ``σ(⟨θ, x̃_j⟩)`` on the lifted points ``x̃_j = (1, x_j) ∈ 1 × R`` with
``θ = (b, w)``.  The lines ``⟨θ, x̃_j⟩ = 0`` cut the parameter plane into ``2n``
sectors, the non-empty activation regions (Figure 5, left); on each the vector
of outputs ``F_X(θ) ∈ R^n`` is linear in ``θ``, so the region maps onto the cone
spanned by the images of its two boundary rays (Figure 5, right).  Together they
make up the function space of one ReLU: the non-negative multiples of a polyline
whose vertices are the ramps ``(x_i - x_j)_+`` and ``(x_j - x_i)_+`` with a kink
at a data point (Proposition 13, Figure 1).  :func:`activation_zonotope` gives
Proposition 7's dual picture (Figure 4).
"""

import numpy as np
from sklearn.utils._param_validation import validate_params

__all__ = ["activation_zonotope", "relu_function_space"]


def _sorted_points(x):
    from ._complete import _sorted_distinct

    x, order = _sorted_distinct(x)
    return x[order]


def _sectors(points):
    """Sectors of the arrangement ``{θ : ⟨θ, p_j⟩ = 0}`` in the plane.

    Returns the boundary rays (unit vectors, by angle) and, per sector, the two
    rays bounding it and a direction strictly inside (the bisector).
    """
    normals = np.column_stack([-points[:, 1], points[:, 0]])   # ⟨normal, p_j⟩ = 0
    normals /= np.linalg.norm(normals, axis=1, keepdims=True)
    rays = np.vstack([normals, -normals])
    angles = np.arctan2(rays[:, 1], rays[:, 0])
    keep = np.unique(np.round(angles, 12), return_index=True)[1]
    rays, angles = rays[keep], angles[keep]
    order = np.argsort(angles)
    rays, angles = rays[order], angles[order]
    nxt = np.roll(np.arange(len(rays)), -1)
    mid = angles + 0.5 * np.mod(angles[nxt] - angles, 2 * np.pi)
    inside = np.column_stack([np.cos(mid), np.sin(mid)])
    return rays, nxt, inside


@validate_params({"x": ["array-like"]}, prefer_skip_nested_validation=True)
def relu_function_space(x):
    """Activation regions and function space of one ReLU on 1-D data (Prop. 13, Figs 1, 5).

    Parameters
    ----------
    x : array-like of shape (n_samples,)
        Distinct inputs; they are sorted.

    Returns
    -------
    results : dict
        With the keys below.

        - ``x``: the sorted inputs.
        - ``vertices``, shape ``(2n - 2, n)``: the polyline of Proposition 13 in
          order, the left ramps ``((x_i - x_j)_+)_j`` for ``i = 2..n`` (the
          first is ``∝ e_1``), then the right ramps ``((x_j - x_i)_+)_j`` for
          ``i = 1..n-1`` (the last is ``∝ e_n``).  The function space of one
          ReLU is the set of non-negative multiples of points on it.
        - ``simplex_vertices``: the same, scaled to sum 1 (the red polyline of
          Figure 1).
        - ``patterns``, bool of shape ``(2n, n)``: the pattern of each
          non-empty region (a sector of the ``(b, w)`` plane), in angular order.
        - ``ranks``, shape ``(2n,)``: rank of the Jacobian ``∂F_X/∂(b, w)`` on
          each region; one region 0, two regions 1, the other ``2n - 3``
          regions 2.
        - ``parameter_rays``, shape ``(2n, 2, 2)``: the two boundary rays
          ``(b, w)`` of each region (Figure 5, left).
        - ``function_rays``, shape ``(2n, 2, n)``: their images ``F_X``; each
          region maps onto the cone they span (Figure 5, right; App. D's table).
        - ``figure``: ``"function space"``.

    Examples
    --------
    >>> from sktrunc.landscape import relu_function_space
    >>> res = relu_function_space([0.0, 1.0, 3.0])
    >>> res["vertices"]
    array([[1., 0., 0.],
           [3., 2., 0.],
           [0., 1., 3.],
           [0., 0., 2.]])
    >>> sorted(res["ranks"].tolist())
    [0, 1, 1, 2, 2, 2]
    """
    x = _sorted_points(x)
    n = len(x)
    left = np.maximum(x[1:, None] - x[None, :], 0.0)     # kinks at x_2 .. x_n
    right = np.maximum(x[None, :] - x[:-1, None], 0.0)   # kinks at x_1 .. x_{n-1}
    vertices = np.vstack([left, right])
    sums = vertices.sum(axis=1, keepdims=True)
    lifted = np.column_stack([np.ones(n), x])            # x̃_j = (1, x_j); θ = (b, w)
    rays, nxt, inside = _sectors(lifted)
    patterns = inside @ lifted.T > 0
    bounds = np.stack([rays, rays[nxt]], axis=1)         # (sectors, 2, 2)
    images = np.maximum(bounds @ lifted.T, 0.0) * patterns[:, None, :]
    # a boundary ray lies on a line ⟨θ, x̃_j⟩ = 0: its rounding residue is exactly 0
    images[images <= 1e-12 * np.abs(lifted).max()] = 0.0
    ranks = np.array([np.linalg.matrix_rank(lifted[p]) if p.any() else 0 for p in patterns])
    return {"x": x, "vertices": vertices, "simplex_vertices": vertices / sums,
            "patterns": patterns, "ranks": ranks, "parameter_rays": bounds,
            "function_rays": images, "figure": "function space"}


@validate_params({"X": ["array-like"]}, prefer_skip_nested_validation=True)
def activation_zonotope(X):
    """Proposition 7 in the plane: the zonotope whose vertices are the non-empty regions (Fig. 4).

    For points ``x^(j) ∈ R²`` (e.g. ``(1, x_j)``, a unit with a bias on 1-D
    data) the pattern ``a`` of one unit is realisable iff
    ``Σ_{j: a_j = 1} x^(j)`` is a vertex of the Minkowski sum
    ``P = Σ_j conv{0, x^(j)}``.  The vertices come from the sectors of the
    arrangement ``⟨w, x^(j)⟩ = 0``: the vertex of a sector is the sum of the
    points active on it.

    Parameters
    ----------
    X : array-like of shape (n_samples, 2)
        Non-zero points, no two on a common line through the origin.

    Returns
    -------
    results : dict
        ``X``; ``vertices`` of shape ``(n_vertices, 2)`` in counter-clockwise
        order; ``patterns`` of shape ``(n_vertices, n_samples)``, the pattern
        of each vertex; ``figure``: ``"zonotope"``.

    Examples
    --------
    >>> import numpy as np
    >>> from sktrunc.landscape import activation_zonotope
    >>> res = activation_zonotope(np.column_stack([np.ones(3), [0.0, 1.0, 2.0]]))
    >>> len(res["vertices"]), res["patterns"].sum(axis=1).tolist()
    (6, [0, 1, 2, 3, 2, 1])
    """
    X = np.asarray(X, dtype=np.float64)
    if X.ndim != 2 or X.shape[1] != 2 or len(X) == 0 or not np.all(np.isfinite(X)):
        raise ValueError(f"X must be a finite array of shape (n_samples, 2); got {np.shape(X)}.")
    norms = np.linalg.norm(X, axis=1)
    if np.any(norms == 0):
        raise ValueError("X must not contain the origin (its segment conv{0, 0} is a point).")
    unit = X / norms[:, None]
    cross = np.abs(unit[:, None, 0] * unit[None, :, 1] - unit[:, None, 1] * unit[None, :, 0])
    np.fill_diagonal(cross, 1.0)
    if cross.min() < 1e-12:
        raise ValueError("Two points of X lie on a common line through the origin; the "
                         "arrangement is not in general position.")
    _, _, inside = _sectors(X)
    patterns = inside @ X.T > 0
    vertices = patterns.astype(np.float64) @ X
    # counter-clockwise around the centre of P (its centre is half the total sum)
    c = 0.5 * X.sum(axis=0)
    order = np.argsort(np.arctan2(vertices[:, 1] - c[1], vertices[:, 0] - c[0]))
    return {"X": X, "vertices": vertices[order], "patterns": patterns[order],
            "figure": "zonotope"}
