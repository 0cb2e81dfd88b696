"""The companion experiments (issue 11) as importable studies; ``experiments/*.py`` are thin scripts.

This is a driver layer like :mod:`simtool.cli`: it trains ensembles with
:mod:`simtool.numeric`, measures with :mod:`simtool.measure`, and writes JSON and
figures (matplotlib's object API, no pyplot).  It never imports rich.

``STUDIES`` maps the name used by ``simtool experiment NAME`` to the module;
:func:`get_study` resolves a name (also the script name ``seed001_inpca``).
"""

from __future__ import annotations

import importlib

from ..errors import SimtoolError

__all__ = ["STUDIES", "get_study"]

#: experiment name -> (module, seed paper)
STUDIES: dict[str, tuple[str, str]] = {
    "deep-manifold": ("seed000_deep_manifold", "seed 000, Deep Manifold (arXiv 2409.17592)"),
    "inpca": ("seed001_inpca", "seed 001, InPCA trajectories (arXiv 2305.01604)"),
    "network-manifold": ("seed002_network_manifold", "seed 002, manifold of networks (arXiv 2411.12626)"),
    "inversion": ("seed004_inversion", "seed 004, class-manifold inversion (arXiv 2303.05161)"),
}


def get_study(name: str):
    """The study module for ``name`` (an experiment name or its module name)."""
    for key, (module, _) in STUDIES.items():
        if name in (key, module):
            return importlib.import_module(f".{module}", __name__)
    raise SimtoolError(f"unknown experiment {name!r}; choose one of {', '.join(STUDIES)}")
