"""The small exception hierarchy for invalid user input (conventions.md, rule 10).

Every error raised at the boundary quotes the bad value and says what would be
accepted.  The CLI turns a :class:`SimtoolError` into a one-line message and exit
status 2; library callers can catch the specific subclass.
"""

from __future__ import annotations

__all__ = [
    "SimtoolError",
    "ActivationError",
    "ArchitectureError",
    "SubspaceError",
    "TooLargeError",
    "ProofError",
    "DataError",
    "IntegratorError",
    "ModelError",
    "ResourceError",
    "OutputError",
    "TheoremError",
]


class SimtoolError(ValueError):
    """Base class: invalid input that simtool refuses with a clear message."""


class ActivationError(SimtoolError):
    """Unknown activation name, malformed or unsafe expression."""


class ArchitectureError(SimtoolError):
    """Invalid width, input dimension or parameter name."""


class SubspaceError(SimtoolError):
    """Malformed linear relations or a subspace of the wrong ambient dimension."""


class TooLargeError(SimtoolError):
    """A request whose output would be too large to enumerate; carries the exact count."""


class ProofError(SimtoolError):
    """A proof was requested that the hypotheses do not support (e.g. non-analytic sigma)."""


class DataError(SimtoolError):
    """Invalid data set: NaN, wrong shapes, empty, unknown name."""


class IntegratorError(SimtoolError):
    """Unknown integrator or invalid integrator options."""


class ModelError(ArchitectureError):
    """A user model (file, module, TOML spec) that cannot be loaded or traced exactly."""


class ResourceError(SimtoolError):
    """A run whose estimated memory or time exceeds the budget (see :mod:`simtool.guards`)."""


class OutputError(SimtoolError):
    """An output that cannot be written: bad path, directory, full device, closed stdout."""


class TheoremError(SimtoolError):
    """Unknown theorem name, or a user theorem file that is missing or malformed."""
