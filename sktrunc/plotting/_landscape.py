"""Heatmap of a fraction over the (n, d1) grid, the papers' phase diagrams."""

import numpy as np

__all__ = ["PhaseDiagramDisplay"]


class PhaseDiagramDisplay:
    """Fraction (full rank, or regions with global minima) over ``(n, d1)``.

    Karhadkar et al.'s Figures 2, 3 and 6-8, from the results of
    :func:`sktrunc.landscape.full_rank_fraction` or
    :func:`sktrunc.landscape.global_minimum_fraction`, with the theory's width
    (Theorem 10 or 12) overlaid.  Build it with :meth:`from_results`.

    Parameters
    ----------
    n_samples, widths : ndarray
        The grid's axes.
    fraction : ndarray of shape (len(n_samples), len(widths))
    quantity : str
        What the fraction counts (colour-bar label).
    theory : {"rank", "minima"} or None
        Which theory line to draw.
    epsilon : float
        Failure probability of the theory line.

    Attributes
    ----------
    ax_ : matplotlib Axes
    figure_ : matplotlib Figure
    image_ : matplotlib AxesImage

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from sktrunc.landscape import full_rank_fraction
    >>> from sktrunc.plotting import PhaseDiagramDisplay
    >>> res = full_rank_fraction([5, 10], [10, 40], n_trials=5, random_state=0)
    >>> disp = PhaseDiagramDisplay.from_results(res, theory="rank")
    >>> disp.image_.get_array().shape
    (2, 2)
    """

    def __init__(self, n_samples, widths, fraction, quantity, theory=None, epsilon=0.1):
        self.n_samples = np.asarray(n_samples)
        self.widths = np.asarray(widths)
        self.fraction = np.asarray(fraction)
        self.quantity = quantity
        self.theory = theory
        self.epsilon = epsilon

    def _check(self):
        """Clear errors for what ``plot`` would otherwise fail on inside matplotlib."""
        n, w, frac = self.n_samples, self.widths, self.fraction
        if n.ndim != 1 or w.ndim != 1 or n.size == 0 or w.size == 0:
            raise ValueError("n_samples and widths must be non-empty 1-D sequences; got "
                             f"shapes {n.shape} and {w.shape}.")
        if frac.shape != (n.size, w.size):
            raise ValueError(f"fraction must have shape (len(n_samples), len(widths)) = "
                             f"({n.size}, {w.size}); got {frac.shape}.")
        if self.theory not in (None, "rank", "minima"):
            raise ValueError(f"theory must be 'rank', 'minima' or None; got {self.theory!r}.")
        if not (np.isscalar(self.epsilon) and 0 < self.epsilon < 1):
            raise ValueError(f"epsilon must be in (0, 1); got {self.epsilon!r}.")

    @classmethod
    def from_results(cls, results, *, theory=None, epsilon=0.1, ax=None):
        """Plot the results of a landscape experiment.

        Parameters
        ----------
        results : dict
            With ``n_samples``, ``widths``, ``fraction`` and ``quantity``.
        theory : {"rank", "minima"} or None, default=None
            Overlay ``d1 = 2n log(2n/ε)`` (Theorem 10) or ``4n log(2n/ε)``
            (Theorem 12).
        epsilon : float, default=0.1
        ax : matplotlib Axes, default=None

        Returns
        -------
        display : PhaseDiagramDisplay
        """
        if not hasattr(results, "keys"):
            raise TypeError(f"results must be the dict a landscape experiment returns; got "
                            f"{type(results).__name__}.")
        missing = [k for k in ("n_samples", "widths", "fraction") if k not in results]
        if missing:
            raise ValueError(f"results lacks the keys {missing}: pass the dict a landscape "
                             "experiment returns (e.g. full_rank_fraction).")
        disp = cls(results["n_samples"], results["widths"], results["fraction"],
                   results.get("quantity", "fraction"), theory, epsilon)
        disp._check()
        return disp.plot(ax=ax)

    def plot(self, ax=None):
        """Draw the heatmap (``d1`` up, ``n`` across) and the theory line.

        Parameters
        ----------
        ax : matplotlib Axes, default=None

        Returns
        -------
        self : PhaseDiagramDisplay
        """
        import matplotlib.pyplot as plt

        from ..landscape import theory_width

        self._check()

        if ax is None:
            _, ax = plt.subplots(figsize=(4.5, 3.8))
        n, w = self.n_samples, self.widths
        self.image_ = ax.imshow(self.fraction.T, origin="lower", aspect="auto", vmin=0, vmax=1,
                                cmap="viridis", extent=(-0.5, len(n) - 0.5, -0.5, len(w) - 0.5))
        ax.set_xticks(range(len(n)), [str(v) for v in n])
        ax.set_yticks(range(len(w)), [str(v) for v in w])
        ax.set_xlabel("n (samples)")
        ax.set_ylabel("d1 (hidden width)")
        ax.figure.colorbar(self.image_, ax=ax, label=self.quantity)
        if self.theory is not None:
            # the theory width drawn in grid coordinates, interpolated between ticks
            line = np.interp(theory_width(n, self.epsilon, self.theory), w, np.arange(len(w)),
                             left=-0.5, right=np.nan)
            ax.plot(np.arange(len(n)), line, "w--",
                    label=f"theory ({'Thm 10' if self.theory == 'rank' else 'Thm 12'})")
            ax.legend(loc="lower right", fontsize=7)
        self.ax_, self.figure_ = ax, ax.figure
        return self
