"""Display objects in scikit-learn's style (matplotlib is imported only when plotting)."""

from ._function_space import FunctionSpaceDisplay
from ._landscape import PhaseDiagramDisplay
from ._truncation import TruncationDisplay

__all__ = ["PhaseDiagramDisplay", "TruncationDisplay", "FunctionSpaceDisplay"]
