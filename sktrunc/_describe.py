"""A small table type for layer-by-layer explanations (no pandas needed)."""

import numpy as np

__all__ = ["LayerTable"]


def _fmt(value, width=3):
    if value is None:
        return "-"
    if isinstance(value, (bool, np.bool_)):
        return "yes" if value else "no"
    if isinstance(value, (float, np.floating)):
        return "inf" if np.isinf(value) else f"{value:.4g}"
    if isinstance(value, np.ndarray):
        head = ", ".join(f"{v:.3g}" for v in value[:width])
        return f"[{head}{', …' if value.size > width else ''}]"
    return str(value)


class LayerTable:
    """Rows describing a constructed network, one per layer.

    Iterating gives the rows (dicts); ``str(table)`` is a text table;
    ``table.to_dict()`` gives columns, e.g. for ``pandas.DataFrame``.

    Parameters
    ----------
    columns : list of str
        Column names, in display order.
    rows : list of dict
        One dict per layer.
    title : str, default=""
        Printed above the table.

    Examples
    --------
    >>> from sktrunc import LayerTable
    >>> t = LayerTable(["layer", "action"], [{"layer": 1, "action": "collapses 'a'"}])
    >>> print(t)
    layer  action
    --------------------
    1      collapses 'a'
    >>> t.to_dict()
    {'layer': [1], 'action': ["collapses 'a'"]}
    """

    def __init__(self, columns, rows, title=""):
        self.columns = list(columns)
        self.rows = [dict(r) for r in rows]
        self.title = title

    def __iter__(self):
        return iter(self.rows)

    def __len__(self):
        return len(self.rows)

    def __getitem__(self, i):
        return self.rows[i]

    def to_dict(self):
        """Columns as lists: ``{column: [value per row]}``."""
        return {c: [r.get(c) for r in self.rows] for c in self.columns}

    def __str__(self):
        cells = [[_fmt(r.get(c)) for c in self.columns] for r in self.rows]
        widths = [max([len(c)] + [len(row[i]) for row in cells])
                  for i, c in enumerate(self.columns)]
        line = "  ".join(c.ljust(w) for c, w in zip(self.columns, widths)).rstrip()
        total = sum(widths) + 2 * (len(widths) - 1)
        out = ([self.title] if self.title else []) + [line, "-" * total]
        out += ["  ".join(v.ljust(w) for v, w in zip(row, widths)).rstrip() for row in cells]
        return "\n".join(out)

    def __repr__(self):
        return str(self)
