"""Warnings and errors raised by sktrunc.

Every warning derives from :class:`SktruncWarning`, so one filter silences them
all (``warnings.filterwarnings("ignore", category=SktruncWarning)``) and a test
suite can turn them into errors the same way.
"""

__all__ = [
    "SktruncWarning",
    "AssumptionWarning",
    "ConditioningWarning",
    "NotInterpolableError",
]


class SktruncWarning(UserWarning):
    """Base class of every warning sktrunc emits.

    Examples
    --------
    >>> import warnings
    >>> from sktrunc.exceptions import SktruncWarning
    >>> warnings.filterwarnings("ignore", category=SktruncWarning)
    """


class AssumptionWarning(SktruncWarning):
    """A theorem's assumption does not hold on the training data.

    The message names the assumption and the measured value; the estimator
    still returns its best-effort network, and its fitted attributes and
    ``describe()`` give the details.  Pass ``strict=True`` to the estimator to
    get a ``ValueError`` instead.

    Examples
    --------
    >>> import warnings
    >>> from sklearn.datasets import load_iris
    >>> from sktrunc import ClusteredTruncationClassifier
    >>> from sktrunc.exceptions import AssumptionWarning
    >>> X, y = load_iris(return_X_y=True)
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     clf = ClusteredTruncationClassifier().fit(X, y)
    >>> any(issubclass(w.category, AssumptionWarning) for w in caught)
    True
    """


class ConditioningWarning(SktruncWarning):
    """A constructed layer is ill-conditioned (condition number above ``COND_WARN``).

    Predictions then lose digits through the pseudo-inverses that link the
    layers (eq. 21-22 of Chen & Muñoz Ewald, JMLR 2025); narrower cones (a
    smaller ``angle_margin``) help.

    Examples
    --------
    >>> import warnings
    >>> from sktrunc import ClusteredTruncationClassifier
    >>> from sktrunc.datasets import make_clustered
    >>> from sktrunc.exceptions import ConditioningWarning
    >>> X, y = make_clustered(n_samples=30, n_features=3, n_classes=3, random_state=0)
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     clf = ClusteredTruncationClassifier(angle_margin=1 - 1e-12).fit(X, y)
    >>> any(issubclass(w.category, ConditioningWarning) for w in caught)
    True
    """


class NotInterpolableError(ValueError):
    """The chosen strategy cannot interpolate these inputs (e.g. rank-deficient ``X``).

    Examples
    --------
    >>> import numpy as np
    >>> from sktrunc import OverparamInterpolator
    >>> from sktrunc.exceptions import NotInterpolableError
    >>> X = np.zeros((3, 2))
    >>> try:
    ...     OverparamInterpolator(strategy="explicit").fit(X, [0.0, 1.0, 2.0])
    ... except NotInterpolableError as exc:
    ...     print(str(exc)[:59])
    The explicit construction needs linearly independent inputs
    """


# A layer whose condition number passes this loses about half of float64's 16 digits
# in the pseudo-inverse that links it to the next layer (eq. 21-22).
COND_WARN = 1e8
