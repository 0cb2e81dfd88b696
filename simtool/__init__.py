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
    ModelError,
    ProofError,
    SimtoolError,
    SubspaceError,
    TheoremError,
    TooLargeError,
)


def __getattr__(name: str):
    # ``__version__`` from the installed metadata, resolved lazily: importing
    # importlib.metadata costs ~20 ms on every CLI start otherwise
    if name == "__version__":
        from importlib.metadata import PackageNotFoundError, version

        try:
            return version("simtool")
        except PackageNotFoundError:  # pragma: no cover - running from a source tree
            return "0+unknown"
    if name == "inspect_module":  # lazily: the tracer imports torch
        from .inspect import inspect_module

        return inspect_module
    raise AttributeError(f"module 'simtool' has no attribute {name!r}")

__all__ = [
    "__version__",
    "inspect_module",
    "SimtoolError",
    "ActivationError",
    "ArchitectureError",
    "DataError",
    "IntegratorError",
    "ModelError",
    "ProofError",
    "SubspaceError",
    "TheoremError",
    "TooLargeError",
]
