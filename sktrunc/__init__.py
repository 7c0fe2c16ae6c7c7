"""sktrunc: scikit-learn estimators that construct ReLU networks instead of training them.

Each estimator measures the geometry of the classes, builds the layers in closed
form (truncation maps, cones, hyperplanes, pseudo-inverses) and returns a genuine
:class:`ReLUNetwork` that predicts by a plain forward pass.
"""

from . import datasets, exceptions, landscape, plotting
from ._clustered import ClusteredTruncationClassifier
from ._convex import ConvexReLUClassifier, ConvexReLURegressor
from ._describe import LayerTable
from ._finetune import fine_tune
from ._minima import (
    append_identity_layers,
    cost_gradient_norm,
    theorem_2_5_cost,
    truncated_data_cost,
)
from ._network import ReLUNetwork
from ._overparam import OverparamInterpolator
from ._sequential import SequentialSeparableClassifier
from ._shallow import (
    ShallowBoundClassifier,
    ShallowBoundRegressor,
    shallow_bound_experiment,
    theorem_3_2_cost,
    truncated_shallow_network,
)
from .exceptions import AssumptionWarning, ConditioningWarning, NotInterpolableError, SktruncWarning

__version__ = "0.1.0.dev0"

__all__ = [
    "AssumptionWarning",
    "ClusteredTruncationClassifier",
    "ConditioningWarning",
    "ConvexReLUClassifier",
    "ConvexReLURegressor",
    "LayerTable",
    "NotInterpolableError",
    "OverparamInterpolator",
    "ReLUNetwork",
    "SequentialSeparableClassifier",
    "ShallowBoundClassifier",
    "ShallowBoundRegressor",
    "SktruncWarning",
    "fine_tune",
    "shallow_bound_experiment",
    "theorem_3_2_cost",
    "truncated_shallow_network",
    "datasets",
    "exceptions",
    "landscape",
    "plotting",
    "__version__",
    "append_identity_layers",
    "cost_gradient_norm",
    "theorem_2_5_cost",
    "truncated_data_cost",
]
