"""The cone kernel: fit a cone of Lemma 3.4 to the points it must sort.

A truncation layer built on the cone ``p + C_θ[f]`` (eq. 35) is the identity on
the forward cone and sends the backward cone to its apex ``p`` (Lemma 3.4 of
Chen & Muñoz Ewald, JMLR 2025).  Both cone classifiers need the same step: given
the items (points, or balls) that must end up in the backward cone and those
that must stay in the forward cone, measured along an axis line ``m + s f``,
find the narrowest aperture that works, widen it by ``angle_margin``, and place
the apex within the interval of positions that then work.  This module is that
step, once; :func:`fit_cone` returns a :class:`Cone`, and :class:`ConeLayer` is
the per-layer record every cone network keeps.
"""

from dataclasses import dataclass, field, replace

import numpy as np

from ._geometry import (
    cone_interval,
    cone_lambda,
    cone_margin,
    envelope_candidates,
    widest_cone_cotangent,
)
from ._network import LowRankUpdate

__all__ = ["Items", "Cone", "ConeLayer", "fit_cone", "identity_cone", "in_input_units",
           "cone_factors"]

# below this |h - e|², the Householder reflection of householder_to_diagonal is the identity
_HOUSEHOLDER_TINY = 1e-30

# a cone whose sides touch no point (both item sets empty on one side) still needs an
# apex; it is put this fraction of the data's extent beyond the last point
_EMPTY_SIDE_GAP = 0.5


@dataclass(frozen=True)
class Items:
    """Points or balls along an axis line: axial coordinate ``a``, distance ``ρ``, radius ``R``."""

    a: np.ndarray
    rho: np.ndarray
    R: np.ndarray | float = 0.0

    @property
    def radii(self):
        return np.broadcast_to(np.asarray(self.R, dtype=np.float64), self.a.shape)

    def concat(self, other):
        return Items(np.concatenate([self.a, other.a]), np.concatenate([self.rho, other.rho]),
                     np.concatenate([self.radii, other.radii]))

    def as_tuple(self):
        return self.a, self.rho, self.radii


@dataclass(frozen=True)
class Cone:
    """A fitted cone along the axis line ``m + s f``.

    Attributes
    ----------
    theta : float
        Aperture θ (radians).
    position : float
        ``s`` of the apex ``p = m + s f``.
    interval : tuple of float
        Positions ``(lo, hi)`` of the apex that work for ``theta``.
    margin : float
        Smallest distance from an item to the boundary of its side of the cone.
    """

    theta: float
    position: float
    interval: tuple
    margin: float


def _aperture(c_star, angle_margin):
    """``θ = θ_min + angle_margin (π - θ_min)`` from the narrowest feasible ``cot(θ_min/2)``."""
    theta_min = 2.0 * np.arctan(1.0 / c_star)
    return theta_min + angle_margin * (np.pi - theta_min)


def fit_cone(inside, outside, *, angle_margin, base_point, s_max=np.inf, envelope=False):
    """Fit the cone that sends ``inside`` backward and keeps ``outside`` forward.

    Parameters
    ----------
    inside, outside : Items
        Items meant for the backward cone (the class collapsed to the apex) and
        for the forward cone (everything the layer must leave in place).
    angle_margin : float in (0, 1)
        Where θ lies between the narrowest feasible aperture and π.
    base_point : float in (0, 1)
        Where the apex lies within the feasible interval (0: the backward side).
    s_max : float, default=inf
        The apex must stay below this axial position (the segment's end).
    envelope : bool, default=False
        Points only: search the aperture on the conservative envelope of
        :func:`~sktrunc._geometry.envelope_candidates` (few items, whatever
        the number of points), then place the apex exactly on all of them.

    Returns
    -------
    cone : Cone or None
        None when no cone of aperture below π separates the items.
    """
    if envelope:
        a = np.concatenate([inside.a, outside.a])
        rho = np.concatenate([inside.rho, outside.rho])
        group = np.r_[np.ones(inside.a.size, np.intp), np.zeros(outside.a.size, np.intp)]
        a_in, r_in, a_out, r_out = envelope_candidates(a, rho, group)
        c_star = widest_cone_cotangent(a_in, r_in, a_out, r_out, s_max)
    else:
        c_star = widest_cone_cotangent(inside.a, inside.rho, outside.a, outside.rho, s_max,
                                       inside.radii, outside.radii)
    if c_star <= 0:
        return None
    theta = _aperture(c_star, angle_margin)
    c = 1.0 / np.tan(theta / 2.0)
    lo, hi = cone_interval(c, *inside.as_tuple()[:2], *outside.as_tuple()[:2], s_max,
                           inside.radii, outside.radii)
    if np.isfinite(lo) and np.isfinite(hi) and not lo < hi:
        return None  # the envelope's answer fails on the exact items only by rounding
    lo, hi = _close_interval(lo, hi, inside, outside)
    s = lo + base_point * (hi - lo)
    return Cone(theta=float(theta), position=float(s), interval=(float(lo), float(hi)),
                margin=cone_margin(s, theta, inside.as_tuple(), outside.as_tuple()))


def _close_interval(lo, hi, inside, outside):
    """A finite interval when a side has no item: the apex then clears the other side."""
    if np.isfinite(lo) and np.isfinite(hi):
        return lo, hi
    a = np.concatenate([inside.a, outside.a])
    extent = float(np.ptp(a)) if a.size else 0.0
    scale = max(extent, float(np.abs(a).max(initial=0.0)), float(
        np.concatenate([inside.rho, outside.rho]).max(initial=0.0)))
    gap = _EMPTY_SIDE_GAP * scale if scale > 0 else 1.0
    if not np.isfinite(lo) and not np.isfinite(hi):
        return -gap, gap
    if not np.isfinite(lo):
        return hi - gap, hi
    return lo, lo + gap


def identity_cone(items, scale):
    """A right-angled cone whose forward part holds every item: the layer keeps them all.

    The apex sits behind the items along the axis, by half their extent (or
    half of ``scale`` when they have none), so every training point stays in
    place (the ``s_j = 1`` layers of Theorem 2.5 of arXiv 2309.10639).
    """
    theta = np.pi / 2.0
    # in a right-angled cone an item at (a, ρ) is forward iff a - s >= ρ
    extent = float(np.ptp(items.a)) if items.a.size else 0.0
    gap = _EMPTY_SIDE_GAP * (extent if extent > 0 else scale)
    s = float(np.min(items.a - items.rho, initial=0.0)) - gap
    empty = Items(np.empty(0), np.empty(0))
    return Cone(theta=theta, position=s, interval=(-np.inf, s),
                margin=cone_margin(s, theta, empty.as_tuple(), items.as_tuple()))


def cone_factors(h, theta):
    """``W_θ R`` of Lemma 3.4 (eq. 39-41) as ``λ I + U Vᵀ`` of rank two, in ``O(n)``.

    With ``W_θ = λ I + (1 - λ) e eᵀ`` and the reflection ``R = I - β v vᵀ``,
    ``v = h - e``, ``β = 2/|v|²``, which swaps ``h`` and ``e`` (so ``eᵀ R = hᵀ``):
    ``W_θ R = λ I - λ β v vᵀ + (1 - λ) e hᵀ``.  Its singular values are those of
    ``W_θ`` (``R`` is orthogonal): 1 along ``e`` and ``λ`` on the rest.

    Parameters
    ----------
    h : ndarray of shape (n,)
        Unit axis of the forward cone.
    theta : float
        Aperture in ``(0, π)``.

    Returns
    -------
    W : LowRankUpdate
        In the papers' orientation (``W x``); ``np.asarray(W)`` is the dense
        ``W_θ R`` (the test suite checks it against a dense construction).
    """
    h = np.asarray(h, dtype=np.float64)
    n = h.shape[0]
    lam = cone_lambda(theta, n)
    e = np.full(n, 1.0 / np.sqrt(n))
    v = h - e
    vv = v @ v
    if vv < _HOUSEHOLDER_TINY:  # R = I, as householder_to_diagonal takes it
        return LowRankUpdate(lam, ((1.0 - lam) * e)[:, None], e[:, None])
    beta = 2.0 / vv
    return LowRankUpdate(lam, np.column_stack([-lam * beta * v, (1.0 - lam) * e]),
                         np.column_stack([v, h]))


class _FactoredArray(np.ndarray):
    """A read-only dense matrix that also carries its :class:`LowRankUpdate` form.

    What :attr:`ConeLayer.cumulative_coef` returns: an ordinary array to every
    reader, and the network assembler finds ``factors`` on it and never runs
    ``O(n³)`` linear algebra on the dense matrix.  Views and results of
    operations are plain arrays (``factors`` is None on them).
    """

    factors = None


def _factored_array(form):
    out = form.dense().view(_FactoredArray)
    out.factors = form
    out.flags.writeable = False
    return out


@dataclass
class ConeLayer:
    """One truncation layer of a cone network: the cone and what it does.

    Attributes
    ----------
    label : int
        Index (into ``classes_``) of the class the layer collapses.
    prototype : int
        Index of the prototype (sub-class) it collapses; equals ``label``
        when every class is one prototype.
    base_point : ndarray of shape (n_cone_dims,)
        Apex ``p`` in cone coordinates: where the collapsed class is sent.
    axis : ndarray of shape (n_cone_dims,)
        Unit axis ``f`` of the forward cone.
    theta : float
        Aperture (radians).
    cone_margin : float
        Distance from the nearest training point to the boundary of its side.
    collapsed : bool
        Whether the layer sends every training point of its class to
        ``base_point`` (zero loss needs every layer to).
    from_balls : bool, default=False
        Whether the cone was certified through enclosing balls rather than
        point by point.
    hyperplane_margin : float, default=nan
        ``1/|w|`` of the separating hyperplane (sequential construction).
    n_wrong_side : int, default=0
        Training points on the wrong side of that hyperplane.
    factors : LowRankUpdate
        The cumulative weight ``W^(ℓ) = W_θ R_ℓ`` (eq. 39-41) in factored form,
        papers' orientation: ``O(n)`` numbers where the dense matrix has ``n²``.
    """

    label: int
    prototype: int
    base_point: np.ndarray
    axis: np.ndarray
    theta: float
    cone_margin: float
    collapsed: bool
    from_balls: bool = False
    hyperplane_margin: float = float("nan")
    n_wrong_side: int = 0
    factors: LowRankUpdate = field(init=False, repr=False)

    def __post_init__(self):
        # cumulative weight W^(ℓ) = W_θ R_ℓ of Lemma 3.4 (eq. 39-41), papers' orientation
        self.factors = cone_factors(self.axis, self.theta)

    @property
    def weight(self):
        """``W^(ℓ)`` as a dense matrix, papers' orientation (``O(n²)``, built on each access)."""
        return self.factors.dense()

    @property
    def cumulative_factors(self):
        """``W^(ℓ)ᵀ`` in scikit-learn orientation, factored (:class:`LowRankUpdate`).

        It also carries ``cone = (axis, theta)``: the network assembler reads
        off it where the layer is the identity and where it collapses.
        """
        form = self.factors.T
        form.cone = (self.axis, self.theta)
        return form

    @property
    def cumulative_coef(self):
        """``W^(ℓ)ᵀ`` in scikit-learn orientation: a read-only dense array carrying
        :attr:`cumulative_factors` (built on each access)."""
        return _factored_array(self.cumulative_factors)

    @property
    def cumulative_intercept(self):
        """``b^(ℓ) = -W^(ℓ) p_ℓ``: the truncation map fixes the apex."""
        return -(self.factors @ self.base_point)


def in_input_units(construction, scale):
    """A cone network built on ``X / scale``, expressed in the units of ``X``.

    A truncation layer's weight ``W_θ R`` has no unit; its apex, margins and
    the cones' center carry the unit of the data, and the last layer, which
    maps apexes to unit-free targets, carries its inverse.  Because ReLU is
    positively homogeneous, multiplying every length by ``scale`` and dividing
    the last layer's weights by it gives the network of the same function of
    ``X``, whose fitted attributes (base points, margins, :meth:`truncate`) are
    in the user's units.  With a lifting layer only the lift's weights change:
    everything after it lives in the lifted space.

    Parameters
    ----------
    construction : ConeNetwork
        Built on ``X / scale``.
    scale : float
        From :func:`~sktrunc._geometry.data_scale`.

    Returns
    -------
    construction : ConeNetwork
    """
    if scale == 1.0:
        return construction
    if construction.lift is not None:
        coef, intercept = construction.lift
        return replace(construction, lift=(coef / scale, intercept))
    layers = [replace(layer, base_point=layer.base_point * scale,
                      cone_margin=layer.cone_margin * scale,
                      hyperplane_margin=layer.hyperplane_margin * scale)
              for layer in construction.layers]
    W, b = construction.output
    return replace(construction, layers=layers, center=construction.center * scale,
                   output=(W / scale, b))
