"""simtool: symmetry-induced invariant manifolds of neural-network training dynamics.

The exact engine lives in :mod:`simtool.symbolic` (sympy, networkx; never torch);
the floating-point engine in :mod:`simtool.numeric` (torch); the command line in
:mod:`simtool.cli`.
"""

from importlib.metadata import PackageNotFoundError, version

from .errors import (
    ActivationError,
    ArchitectureError,
    DataError,
    IntegratorError,
    ProofError,
    SimtoolError,
    SubspaceError,
    TooLargeError,
)

try:
    __version__ = version("simtool")
except PackageNotFoundError:  # pragma: no cover - running from a source tree
    __version__ = "0+unknown"

__all__ = [
    "__version__",
    "SimtoolError",
    "ActivationError",
    "ArchitectureError",
    "DataError",
    "IntegratorError",
    "ProofError",
    "SubspaceError",
    "TooLargeError",
]
