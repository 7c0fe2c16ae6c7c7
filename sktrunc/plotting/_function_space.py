"""Figures 1, 4 and 5 of Karhadkar et al.: the function space of ReLUs on 1-D data."""

import numpy as np

__all__ = ["FunctionSpaceDisplay"]


def _simplex_coordinates(n):
    """Plane coordinates of the unit vectors of ``R^n`` (a triangle, a projected tetrahedron)."""
    if n == 2:
        return np.array([[0.0, 0.0], [1.0, 0.0]])
    if n == 3:
        return np.array([[0.0, 0.0], [1.0, 0.0], [0.5, np.sqrt(3) / 2]])
    if n == 4:
        # an oblique view of the regular tetrahedron
        return np.array([[0.0, 0.0], [1.0, 0.0], [0.62, 0.3], [0.45, 0.85]])
    raise ValueError(f"The simplex of functions on n points is drawn for n <= 4; got n = {n}.")


class FunctionSpaceDisplay:
    """The function space of a ReLU on one-dimensional data, or Prop. 7's zonotope.

    From the results of :func:`sktrunc.landscape.relu_function_space`:

    * ``panel="function"``: the normalised functions ``f / Σ f`` of one ReLU,
      the polyline of Proposition 13 in the simplex (Figure 1, ``n = 3, 4``;
      for ``n = 2`` the cones of Figure 5, right), with ``samples`` optional
      points (e.g. normalised sums of ReLUs, which fall in the convex hull of
      the polyline);
    * ``panel="parameter"``: the ``(b, w)`` plane cut by the lines
      ``b + w x_j = 0`` into the activation regions, each labelled with its
      pattern and Jacobian rank (Figure 5, left).

    From :func:`sktrunc.landscape.activation_zonotope`: the zonotope
    ``Σ_j conv{0, x^(j)}`` with each vertex labelled by its pattern (Figure 4).
    Build it with :meth:`from_results`.

    Parameters
    ----------
    results : dict
        The experiment's output.
    panel : {"function", "parameter"}
        Which picture of a ``relu_function_space`` result.
    samples : ndarray of shape (n_points, n) or None
        Function vectors to scatter in the simplex.

    Attributes
    ----------
    ax_ : matplotlib Axes
    figure_ : matplotlib Figure
    lines_ : list of matplotlib artists
        The polyline, region boundaries or zonotope edges.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from sktrunc.landscape import relu_function_space
    >>> from sktrunc.plotting import FunctionSpaceDisplay
    >>> disp = FunctionSpaceDisplay.from_results(relu_function_space([0.0, 1.0, 3.0]))
    >>> len(disp.lines_[0].get_xdata())
    4
    """

    def __init__(self, results, panel="function", samples=None):
        if panel not in ("function", "parameter"):
            raise ValueError(f"panel must be 'function' or 'parameter'; got {panel!r}.")
        if results.get("figure") not in ("function space", "zonotope"):
            raise ValueError("results must come from relu_function_space or "
                             "activation_zonotope.")
        self.results = results
        self.panel = panel
        self.samples = None if samples is None else np.asarray(samples, dtype=np.float64)

    @classmethod
    def from_results(cls, results, *, panel="function", samples=None, ax=None):
        """Plot the results of :func:`~sktrunc.landscape.relu_function_space` or
        :func:`~sktrunc.landscape.activation_zonotope`.

        Parameters
        ----------
        results : dict
        panel : {"function", "parameter"}, default="function"
        samples : ndarray of shape (n_points, n), default=None
        ax : matplotlib Axes, default=None

        Returns
        -------
        display : FunctionSpaceDisplay
        """
        return cls(results, panel=panel, samples=samples).plot(ax=ax)

    def plot(self, ax=None):
        """Draw the picture.

        Parameters
        ----------
        ax : matplotlib Axes, default=None
            New figure when None.

        Returns
        -------
        self : FunctionSpaceDisplay
        """
        import matplotlib.pyplot as plt

        if ax is None:
            _, ax = plt.subplots(figsize=(4.5, 4.0))
        self.ax_, self.figure_ = ax, ax.figure
        if self.results["figure"] == "zonotope":
            self._plot_zonotope(ax)
        elif self.panel == "parameter":
            self._plot_parameter(ax)
        else:
            self._plot_function(ax)
        ax.set_aspect("equal", adjustable="datalim")
        return self

    def _plot_function(self, ax):
        res = self.results
        n = len(res["x"])
        if n == 2:
            # Figure 5, right: the cones of R^2 the regions map onto
            self.lines_ = []
            for rays, rank in zip(res["function_rays"], res["ranks"]):
                units = [r / np.linalg.norm(r) for r in rays if np.any(r > 0)]
                for u in units:
                    self.lines_ += ax.plot([0, u[0]], [0, u[1]], color="C3")
                if rank == 2:
                    # a rank-2 region maps onto the whole cone between its two rays
                    ax.fill([0, units[0][0], units[1][0]], [0, units[0][1], units[1][1]],
                            color="C3", alpha=0.2)
            ax.set_xlabel("f(x_1)")
            ax.set_ylabel("f(x_2)")
            ax.set_title("One ReLU on 2 points: function space")
            return
        corners = _simplex_coordinates(n)
        edges = [(i, j) for i in range(n) for j in range(i + 1, n)]
        for i, j in edges:
            ax.plot(*corners[[i, j]].T, color="0.7", lw=0.8)
        for k, c in enumerate(corners):
            ax.annotate(f"e{k + 1}", c, textcoords="offset points", xytext=(4, 4))
        poly = res["simplex_vertices"] @ corners
        self.lines_ = ax.plot(*poly.T, color="C3", marker="o", lw=2,
                              label="one ReLU (Prop. 13)")
        if self.samples is not None:
            s = self.samples[self.samples.sum(axis=1) > 0]
            pts = (s / s.sum(axis=1, keepdims=True)) @ corners
            ax.scatter(*pts.T, s=6, color="C0", alpha=0.5, label="samples")
        ax.set_axis_off()
        ax.set_title(f"One ReLU on {n} points (Prop. 13)")
        ax.legend(loc="upper right", fontsize="small")

    def _plot_parameter(self, ax):
        res = self.results
        self.lines_ = []
        for rays in res["parameter_rays"]:
            self.lines_ += ax.plot([0, rays[0, 0]], [0, rays[0, 1]], color="0.4", lw=1)
        for rays, pattern, rank in zip(res["parameter_rays"], res["patterns"], res["ranks"]):
            mid = rays.sum(axis=0)
            mid = 0.6 * mid / (np.linalg.norm(mid) or 1.0)
            label = "".join(str(int(a)) for a in pattern)
            ax.annotate(f"{label}\nrank {rank}", mid, ha="center", va="center",
                        fontsize="small")
        ax.set_xlabel("b")
        ax.set_ylabel("w")
        ax.set_title("Activation regions in (b, w)")

    def _plot_zonotope(self, ax):
        res = self.results
        V = res["vertices"]
        closed = np.vstack([V, V[:1]])
        self.lines_ = ax.plot(*closed.T, color="C0", marker="o")
        for v, pattern in zip(V, res["patterns"]):
            ax.annotate("".join(str(int(a)) for a in pattern), v, textcoords="offset points",
                        xytext=(5, -10), fontsize="small")
        for x in res["X"]:
            ax.annotate("", x, (0, 0), arrowprops={"arrowstyle": "->", "color": "C3"})
        ax.set_title("Prop. 7: zonotope vertices = regions")
