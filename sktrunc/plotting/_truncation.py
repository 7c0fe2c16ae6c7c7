"""Display of truncation layers: the papers' Figures 1 and 3 for the user's data."""

import numpy as np
from sklearn.utils.validation import check_is_fitted, column_or_1d, validate_data

__all__ = ["TruncationDisplay"]


class TruncationDisplay:
    """Each truncation layer's cone and where the data goes, layer by layer.

    For a fitted cone classifier (:class:`~sktrunc.ClusteredTruncationClassifier`,
    :class:`~sktrunc.SequentialSeparableClassifier`: the attributes their common
    base documents), draws one panel per
    layer in the first two cone coordinates: the data after that layer, the cone
    (its two boundary rays, the backward part shaded, the base point starred).
    With more than two cone coordinates the panels show the projection on the
    first two, where the cones' boundaries are only indicative.

    Use :meth:`from_estimator` to build and plot it.

    Parameters
    ----------
    stages : list of ndarray of shape (n_samples, n_cone_dims)
        The data in cone coordinates before any layer, then after each layer.
    y : ndarray of shape (n_samples,)
        Labels, for colours.
    base_points, axes, angles : ndarray
        The cones, as the estimator's attributes of the same names.
    collapsed : ndarray of bool
        Which layers collapse their class.

    Attributes
    ----------
    ax_ : ndarray of matplotlib Axes
        The panels.
    figure_ : matplotlib Figure
        The figure holding them.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from sktrunc import ClusteredTruncationClassifier
    >>> from sktrunc.datasets import make_clustered
    >>> from sktrunc.plotting import TruncationDisplay
    >>> X, y = make_clustered(n_samples=60, n_features=2, n_classes=3, random_state=0)
    >>> clf = ClusteredTruncationClassifier().fit(X, y)
    >>> disp = TruncationDisplay.from_estimator(clf, X, y)
    >>> disp.ax_.shape
    (4,)
    """

    def __init__(self, stages, y, base_points, axes, angles, collapsed):
        self.stages = stages
        self.y = y
        self.base_points = base_points
        self.axes = axes
        self.angles = angles
        self.collapsed = collapsed

    @classmethod
    def from_estimator(cls, estimator, X, y, *, ax=None, **kwargs):
        """Compute the stages of ``X`` through ``estimator``'s layers and plot them.

        Parameters
        ----------
        estimator : fitted estimator built from cones
            E.g. :class:`~sktrunc.ClusteredTruncationClassifier`.
        X : array-like of shape (n_samples, n_features)
        y : array-like of shape (n_samples,)
            Labels used for colours only.
        ax : array-like of matplotlib Axes, default=None
            One per stage (``n_layers + 1``); a new figure when None.
        **kwargs
            Passed to :meth:`plot`.

        Returns
        -------
        display : TruncationDisplay
        """
        from .._base import BaseConeClassifier

        if not isinstance(estimator, BaseConeClassifier):
            raise TypeError(f"{type(estimator).__name__} is not built from truncation cones "
                            "(a BaseConeClassifier).")
        check_is_fitted(estimator)
        # the estimator's own input checks: feature count, NaN/inf, sparse, dtype
        X = validate_data(estimator, X, reset=False, dtype=[np.float64, np.float32])
        X = np.asarray(X, dtype=np.float64)
        y = column_or_1d(y, warn=True)
        if y.shape[0] != X.shape[0]:
            raise ValueError(f"X and y must have the same number of rows; got {X.shape[0]} "
                             f"and {y.shape[0]}.")
        if estimator.lifted_:
            first = estimator.network_.hidden_outputs(X)[0]
        else:
            first = X
        stages = [(first - estimator.center_) @ estimator.components_]
        stages += [estimator.truncate(X, layer=ell)
                   for ell in range(1, len(estimator.angles_) + 1)]
        disp = cls(stages, np.asarray(y), estimator.base_points_, estimator.axes_,
                   estimator.angles_, estimator.collapsed_)
        return disp.plot(ax=ax, **kwargs)

    def plot(self, ax=None, *, reach=None, scatter_kwargs=None):
        """Draw the panels.

        Parameters
        ----------
        ax : array-like of matplotlib Axes, default=None
            One per stage; a new row of panels when None.
        reach : float, default=None
            Length of the drawn cone rays; 1.5 times the data's extent when None.
        scatter_kwargs : dict, default=None
            Passed to ``Axes.scatter``.

        Returns
        -------
        self : TruncationDisplay
        """
        import matplotlib.pyplot as plt

        if reach is not None and not (np.isscalar(reach) and np.isfinite(reach) and reach > 0):
            raise ValueError(f"reach must be a positive finite number or None; got {reach!r}.")
        if scatter_kwargs is not None and not isinstance(scatter_kwargs, dict):
            raise TypeError(f"scatter_kwargs must be a dict or None; got "
                            f"{type(scatter_kwargs).__name__}.")
        n = len(self.stages)
        if ax is None:
            fig, ax = plt.subplots(1, n, figsize=(3.2 * n, 3.2), sharex=True, sharey=True,
                                   squeeze=False)
            ax = ax[0]
        ax = np.asarray(ax, dtype=object).ravel()
        if ax.size != n:
            raise ValueError(f"ax must hold {n} Axes (one per stage); got {ax.size}.")
        kw = {"s": 10} | (scatter_kwargs or {})
        labels = np.unique(self.y)
        colors = plt.get_cmap("tab10")(np.arange(len(labels)) % 10)

        def xy(points):
            points = np.atleast_2d(points)
            return points[:, :2] if points.shape[1] >= 2 else np.c_[points, np.zeros(len(points))]

        extent = np.abs(xy(self.stages[0])).max() if len(self.y) else 1.0
        reach = 1.5 * extent if reach is None else reach
        for k, (a, pts) in enumerate(zip(ax, self.stages)):
            for lab, col in zip(labels, colors):
                a.scatter(*xy(pts[self.y == lab]).T, color=col, label=str(lab), **kw)
            a.set_title("input" if k == 0 else f"after layer {k}")
            a.set_aspect("equal", adjustable="box")
            if k == 0:
                continue
            p, f = xy(self.base_points[k - 1])[0], xy(self.axes[k - 1])[0]
            norm = np.linalg.norm(f)
            f = f / norm if norm > 0 else np.array([1.0, 0.0])
            half = self.angles[k - 1] / 2
            fan = [p]
            for t in np.linspace(-half, half, 24):
                rot = np.array([[np.cos(t), -np.sin(t)], [np.sin(t), np.cos(t)]])
                fan.append(p - reach * (rot @ f))
            for t in (-half, half):
                rot = np.array([[np.cos(t), -np.sin(t)], [np.sin(t), np.cos(t)]])
                a.plot(*np.c_[p - reach * (rot @ f), p + reach * (rot @ f)], color="0.5",
                       lw=0.8)
            shade = colors[k - 1] if self.collapsed[k - 1] else "0.8"
            a.fill(*np.array(fan).T, color=shade, alpha=0.15, lw=0)
            a.scatter(*p, marker="*", s=140, color="k", zorder=3)
        ax[0].legend(fontsize=7, loc="best")
        self.ax_ = ax
        self.figure_ = ax[0].figure
        return self
