"""sktrunc: scikit-learn estimators that construct ReLU networks instead of training them.

Each estimator measures the geometry of the classes, builds the layers in closed
form (truncation maps, cones, hyperplanes, pseudo-inverses) and returns a genuine
:class:`ReLUNetwork` that predicts by a plain forward pass.
"""

from . import datasets, landscape, plotting
from ._base import AssumptionWarning, ConditioningWarning
from ._clustered import ClusteredTruncationClassifier
from ._describe import LayerTable
from ._network import ReLUNetwork
from ._overparam import NotInterpolableError, OverparamInterpolator
from ._sequential import SequentialSeparableClassifier
from ._shallow import ShallowBoundClassifier, ShallowBoundRegressor, shallow_bound_experiment

__version__ = "0.1.0.dev0"

__all__ = [
    "AssumptionWarning",
    "ClusteredTruncationClassifier",
    "ConditioningWarning",
    "LayerTable",
    "NotInterpolableError",
    "OverparamInterpolator",
    "ReLUNetwork",
    "SequentialSeparableClassifier",
    "ShallowBoundClassifier",
    "ShallowBoundRegressor",
    "shallow_bound_experiment",
    "datasets",
    "landscape",
    "plotting",
    "__version__",
]
