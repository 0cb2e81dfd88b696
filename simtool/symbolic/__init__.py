"""Exact symbolic engine (sympy, networkx). Never imports torch or rich.

Public surface, re-exported explicitly (conventions.md, rule 2).  Names resolve lazily
(PEP 562): ``from simtool.symbolic import DeepNet`` imports only the modules it needs,
so a cold ``simtool enumerate`` does not pay for the whole engine.
"""

from __future__ import annotations

import importlib

_EXPORTS = {
    "activation": ["REGISTRY", "Z", "Activation", "ActivationProperties", "Parity", "get_activation",
                   "parse_expression"],
    "architecture": ["Network", "Role"],
    "complete_group": ["CompleteGroup", "complete_group"],
    "counting": ["count_classes", "count_elements"],
    "deep": ["DeepNet", "parse_widths"],
    "fixlattice": ["FixLattice", "FixElement", "FixClass", "build_fix_lattice"],
    "group": ["SymmetryGroup", "derive_group", "neuron_permutation", "neuron_flip", "describe_element"],
    "lattice": ["Lattice", "LatticeElement", "SymmetryClass", "enumerate_classes", "enumerate_lattice"],
    "network": ["TwoLayerNet"],
    "oracle": ["closure_lattice", "closure_of_group", "hasse_by_containment", "orbit_partition"],
    "reduction": ["Reduction", "reduce_structure"],
    "reduction_general": ["GeneralReduction", "NeuronClass", "reduce_subspace"],
    "signed_partition": ["SignedPartition"],
    "structure": ["Block", "Kind", "UnitStructure", "enumerate_structures"],
    "subspace": ["Subspace"],
    "symmetry": ["SignedPermutation", "SymmetryReport", "derive_symmetries", "group_elements", "unit_flip",
                 "unit_permutation"],
    "tangency": ["concrete_residuals", "formal_residuals", "prove_invariant"],
    "tangency_general": ["prove_invariant_any"],
    "zero": ["certified_nonzero", "decide_identity", "is_identically_zero", "provably_nonzero",
             "refute_at_rationals"],
}
_WHERE = {name: module for module, names in _EXPORTS.items() for name in names}

__all__ = sorted(_WHERE)


def __getattr__(name: str):
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module 'simtool.symbolic' has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return __all__
