"""Activation regions, Jacobian rank and the loss-landscape experiments of Karhadkar et al.

Tools to run "Mildly overparameterized ReLU networks have a favorable loss
landscape" on your own data and network sizes: activation patterns, the
Jacobian on a region and its rank, realisability of patterns (LP, or Lemma 9's
step-vector test in 1-D), region counts (Proposition 6), the region QP of
Appendix E.2 (shared with :class:`sktrunc.OverparamInterpolator`), and the
paper's experiments as functions.
"""

from ._complete import (
    complete_region_minimum,
    is_complete_region,
    region_rank_experiment,
    sample_nonempty_regions,
    step_vectors,
)
from ._experiments import full_rank_fraction, global_minimum_fraction, theory_width
from ._function_space import activation_zonotope, relu_function_space
from ._jacobian import depth_rank_experiment, network_jacobian_rank
from ._patterns import (
    activation_pattern,
    count_regions_general_position,
    count_unit_patterns,
    jacobian_rank,
    output_weights,
    pattern_is_realizable,
    region_jacobian,
    step_vector_test,
)
from ._region_qp import RegionLeastSquares, search_regions
from ._sampling import sample_activation_patterns

__all__ = [
    "RegionLeastSquares",
    "activation_pattern",
    "count_regions_general_position",
    "count_unit_patterns",
    "depth_rank_experiment",
    "full_rank_fraction",
    "global_minimum_fraction",
    "jacobian_rank",
    "network_jacobian_rank",
    "output_weights",
    "pattern_is_realizable",
    "region_jacobian",
    "sample_activation_patterns",
    "search_regions",
    "step_vector_test",
    "theory_width",
    "complete_region_minimum",
    "is_complete_region",
    "region_rank_experiment",
    "sample_nonempty_regions",
    "step_vectors",
    "activation_zonotope",
    "relu_function_space",
]
