"""Executable theorems about SIMs of two-layer networks, each with a verdict.

``ALL`` lists them explicitly; ``tests/test_theorems.py`` runs every one and requires
its verdict to equal the theory's expectation.  They use only simtool's public names.
"""

from .two_layer import (
    FIX_OF_ORTHOGONAL_SYMMETRY_IS_SIM,
    LATTICE_COUNTS,
    NON_ORTHOGONAL_FLIP_NO_SIM,
    RANK_DROP_IS_NOT_INVARIANCE,
    REDUCED_FLOW_NEEDS_METRIC,
    ZERO_UNIT_WITHOUT_SYMMETRY,
)

ALL = (
    FIX_OF_ORTHOGONAL_SYMMETRY_IS_SIM,
    LATTICE_COUNTS,
    RANK_DROP_IS_NOT_INVARIANCE,
    REDUCED_FLOW_NEEDS_METRIC,
    NON_ORTHOGONAL_FLIP_NO_SIM,
    ZERO_UNIT_WITHOUT_SYMMETRY,
)

__all__ = ["ALL"]
