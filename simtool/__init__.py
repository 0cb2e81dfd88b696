"""simtool: symmetry-induced invariant manifolds of neural-network training dynamics.

The exact engine lives in :mod:`simtool.symbolic` (sympy, networkx; never torch);
the floating-point engine in :mod:`simtool.numeric` (torch); the command line in
:mod:`simtool.cli`.
"""

from .errors import (
    ActivationError,
    ArchitectureError,
    DataError,
    IntegratorError,
    ProofError,
    SimtoolError,
    SubspaceError,
    TheoremError,
    TooLargeError,
)


def __getattr__(name: str) -> str:
    # ``__version__`` from the installed metadata, resolved lazily: importing
    # importlib.metadata costs ~20 ms on every CLI start otherwise
    if name == "__version__":
        from importlib.metadata import PackageNotFoundError, version

        try:
            return version("simtool")
        except PackageNotFoundError:  # pragma: no cover - running from a source tree
            return "0+unknown"
    raise AttributeError(f"module 'simtool' has no attribute {name!r}")

__all__ = [
    "__version__",
    "SimtoolError",
    "ActivationError",
    "ArchitectureError",
    "DataError",
    "IntegratorError",
    "ProofError",
    "SubspaceError",
    "TheoremError",
    "TooLargeError",
]
