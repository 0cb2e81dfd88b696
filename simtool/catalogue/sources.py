"""What the catalogue's theorems share: references and the network of a case.

A case is a plain dict (it travels to sweep workers as JSON); :func:`two_layer_net`
turns its ``width``/``activation``/``input_dim``/``bias``/``output_bias`` entries into
a :class:`~simtool.symbolic.TwoLayerNet`.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from typing import Any

from simtool.symbolic import Lattice, TwoLayerNet, enumerate_lattice, get_activation

__all__ = ["ZHAO", "MGP", "MATH", "two_layer_net", "lattice_of", "arch_key"]

#: the primary source (math.md)
ZHAO = "Zhao, Luo, Zhang, Architecture Induces Structural Invariant Manifolds of Neural Network " \
       "Training Dynamics, arXiv 2510.09564"
#: conservation laws
MGP = "Marcotte, Gribonval, Peyré, Abide by the law and follow the flow: conservation laws for " \
      "gradient flows, NeurIPS 2023"
#: the design note shipped with the repository
MATH = "simtool math.md"


def arch_key(case: Mapping[str, Any]) -> tuple:
    """The architecture entries of a case, hashable (for per-process caches)."""
    return (int(case["width"]), str(case["activation"]), int(case.get("input_dim", 1)),
            bool(case.get("bias", True)), bool(case.get("output_bias", False)))


@lru_cache(maxsize=64)
def _net(key: tuple) -> TwoLayerNet:
    width, act, d, bias, ob = key
    return TwoLayerNet(width, get_activation(act), input_dim=d, bias=bias, output_bias=ob)


def two_layer_net(case: Mapping[str, Any]) -> TwoLayerNet:
    """The two-layer network a case describes."""
    return _net(arch_key(case))


@lru_cache(maxsize=32)
def _lattice(key: tuple) -> Lattice:
    return enumerate_lattice(_net(key))


def lattice_of(case: Mapping[str, Any]) -> Lattice:
    """The proved SIM lattice of the case's network (cached per process)."""
    return _lattice(arch_key(case))
