"""The theorem catalogue shipped with simtool: executable statements with expected verdicts.

``ALL`` lists them explicitly (conventions.md rule 12); ``simtool verify`` and the
test-suite iterate over it.  :func:`get_theorem` looks one up by name and
:func:`load_theorem_file` loads a user's own theorems from a ``.py`` file (the only
user code simtool ever executes; see :mod:`simtool.catalogue.user_file`).

>>> [t.name for t in ALL][:2]
['fix-of-orthogonal-symmetry-is-sim', 'lattice-counts']
>>> get_theorem("lattice-count")  # doctest: +ELLIPSIS
Traceback (most recent call last):
...
simtool.errors.TheoremError: unknown theorem 'lattice-count'; choose one of fix-of-orthogonal-symmetry-is-sim, ...
"""

from __future__ import annotations

from collections.abc import Iterable

from ..errors import TheoremError
from ..theorem import Theorem
from .beyond import EVERY_SIM_IS_SYMMETRY_INDUCED, RANK_DROP_IMPLIES_INVARIANCE
from .conservation import CONSERVATION_LAW_COUNT
from .deep import DEEP_LATTICE_MATCHES_BRUTE_FORCE, DEEP_REDUCTION_WITH_FIBER
from .dynamics import AFFINE_SIMS_INVARIANT_UNDER_GD_SGD, FLOW_EQUIVARIANCE
from .lattice_counts import LATTICE_COUNTS
from .reduction import CONDENSATION_REDUCES_WITH_METRIC
from .symmetry import FIX_OF_ORTHOGONAL_SYMMETRY_IS_SIM, NON_ORTHOGONAL_SYMMETRY_GIVES_SIM
from .user_file import load_theorem_file

__all__ = ["ALL", "get_theorem", "find_theorem", "load_theorem_file"]

ALL: tuple[Theorem, ...] = (
    FIX_OF_ORTHOGONAL_SYMMETRY_IS_SIM,
    LATTICE_COUNTS,
    CONDENSATION_REDUCES_WITH_METRIC,
    RANK_DROP_IMPLIES_INVARIANCE,
    NON_ORTHOGONAL_SYMMETRY_GIVES_SIM,
    EVERY_SIM_IS_SYMMETRY_INDUCED,
    DEEP_LATTICE_MATCHES_BRUTE_FORCE,
    DEEP_REDUCTION_WITH_FIBER,
    CONSERVATION_LAW_COUNT,
    FLOW_EQUIVARIANCE,
    AFFINE_SIMS_INVARIANT_UNDER_GD_SGD,
)


def find_theorem(name: str, theorems: Iterable[Theorem]) -> Theorem:
    """The theorem called ``name`` among ``theorems``; :class:`TheoremError` if none."""
    pool = list(theorems)
    for t in pool:
        if t.name == name:
            return t
    raise TheoremError(f"unknown theorem {name!r}; choose one of {', '.join(t.name for t in pool)}")


def get_theorem(name: str) -> Theorem:
    """The catalogue theorem called ``name``."""
    return find_theorem(name, ALL)
