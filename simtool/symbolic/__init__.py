"""Exact symbolic engine (sympy, networkx). Never imports torch or rich.

Public surface, re-exported explicitly (conventions.md, rule 2).
"""

from .activation import REGISTRY, Activation, ActivationProperties, Parity, Z, get_activation, parse_expression
from .counting import count_classes, count_elements
from .lattice import Lattice, LatticeElement, SymmetryClass, enumerate_classes, enumerate_lattice
from .network import TwoLayerNet
from .oracle import closure_lattice, hasse_by_containment, orbit_partition
from .reduction import Reduction, reduce_structure
from .structure import Block, Kind, UnitStructure, enumerate_structures
from .subspace import Subspace
from .symmetry import SignedPermutation, SymmetryReport, derive_symmetries, group_elements, unit_flip, unit_permutation
from .tangency import concrete_residuals, formal_residuals, prove_invariant
from .zero import certified_nonzero, decide_identity, is_identically_zero, provably_nonzero, refute_at_rationals

__all__ = [
    "REGISTRY", "Z", "Activation", "ActivationProperties", "Parity", "get_activation", "parse_expression",
    "count_classes", "count_elements",
    "Lattice", "LatticeElement", "SymmetryClass", "enumerate_classes", "enumerate_lattice",
    "TwoLayerNet",
    "closure_lattice", "hasse_by_containment", "orbit_partition",
    "Reduction", "reduce_structure",
    "Block", "Kind", "UnitStructure", "enumerate_structures",
    "Subspace",
    "SignedPermutation", "SymmetryReport", "derive_symmetries", "group_elements", "unit_flip", "unit_permutation",
    "concrete_residuals", "formal_residuals", "prove_invariant",
    "certified_nonzero", "decide_identity", "is_identically_zero", "provably_nonzero", "refute_at_rationals",
]
