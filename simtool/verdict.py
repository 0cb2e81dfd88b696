r"""Verdicts: the one status vocabulary of simtool, with the evidence behind a status.

Every exact proof, every numerical check and every catalogue theorem reports one of
the :class:`Status` words (conventions.md rules 12 and 17):

================  ========  ==========================================================
status            engine    meaning
================  ========  ==========================================================
``proved``        exact     decided by rational arithmetic / sympy simplification
``refuted``       exact     false, with an exact counterexample (rational point, …)
``confirmed``     numeric   floating-point evidence for, within a stated tolerance
                            and with the margin by which it was met
``violated``      numeric   floating-point evidence against (the numeric counterpart
                            of ``refuted``; never an exact refutation)
``inconclusive``  either    neither way: an exact attempt that could not decide (the
                            former ``undecided``) or a numeric run that failed / did
                            not move
``n/a``           either    the statement says nothing for this case
================  ========  ==========================================================

``UNDECIDED`` is kept as an alias of :attr:`Status.INCONCLUSIVE`: the exact engine
used to print ``undecided`` for "neither proved nor refuted"; it now prints
``inconclusive`` like every other engine.

:class:`Status` is a ``str`` enum, so ``Status.PROVED == "proved"`` and it serialises
to JSON as the bare word.  A verdict over finitely many instances of a universal
statement carries a ``scope`` ("for widths 1–4"), and its :meth:`Verdict.headline`
says so; it is never plain "proved".

>>> v = Verdict(PROVED, "tangency components simplify to 0", scope="widths 1–4")
>>> v.ok, v.status, v.headline()
(True, 'proved', 'proved for widths 1–4')
>>> Verdict.from_dict(v.as_dict()) == v
True
>>> str(UNDECIDED)
'inconclusive'
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "Status",
    "Verdict",
    "PROVED",
    "REFUTED",
    "UNDECIDED",
    "CONFIRMED",
    "VIOLATED",
    "INCONCLUSIVE",
    "NOT_APPLICABLE",
    "worst_status",
]


class Status(str, enum.Enum):
    """The status words (see the module docstring for their meaning)."""

    PROVED = "proved"
    REFUTED = "refuted"
    CONFIRMED = "confirmed"
    VIOLATED = "violated"
    INCONCLUSIVE = "inconclusive"
    NOT_APPLICABLE = "n/a"
    UNDECIDED = "inconclusive"  # alias of INCONCLUSIVE (the exact engine's old word)

    # behave like the bare word everywhere (printing, f-strings, reprs in doctests)
    __str__ = str.__str__
    __format__ = str.__format__
    __repr__ = str.__repr__

    @property
    def exact(self) -> bool:
        """``proved``/``refuted``: decided by exact computation."""
        return self in (Status.PROVED, Status.REFUTED)

    @property
    def ok(self) -> bool:
        """``proved``/``confirmed``: the statement holds (exactly or in evidence)."""
        return self in (Status.PROVED, Status.CONFIRMED)

    @classmethod
    def parse(cls, word: str) -> Status:
        """The status for a word (``"undecided"`` maps to ``inconclusive``).

        >>> Status.parse("undecided") is Status.INCONCLUSIVE
        True
        >>> type(Status.parse("proved")).__name__
        'Status'
        """
        if word == "undecided":
            return cls.INCONCLUSIVE
        try:
            return cls(word)
        except ValueError:
            choices = ", ".join(s.value for s in cls)
            raise ValueError(f"unknown status {word!r}; choose one of {choices}") from None


PROVED = Status.PROVED
REFUTED = Status.REFUTED
UNDECIDED = Status.UNDECIDED
CONFIRMED = Status.CONFIRMED
VIOLATED = Status.VIOLATED
INCONCLUSIVE = Status.INCONCLUSIVE
NOT_APPLICABLE = Status.NOT_APPLICABLE

#: statuses from "holds" to "fails" (``worst_status`` picks the last one present)
_SEVERITY = (NOT_APPLICABLE, PROVED, CONFIRMED, INCONCLUSIVE, VIOLATED, REFUTED)


def worst_status(statuses: Iterable[str]) -> Status:
    """The most severe status present (``n/a`` if there are none).

    >>> worst_status(["proved", "confirmed", "refuted"])
    'refuted'
    """
    rank = {s: i for i, s in enumerate(_SEVERITY)}
    return max((Status.parse(s) for s in statuses), key=rank.__getitem__, default=NOT_APPLICABLE)


@dataclass(frozen=True)
class Verdict:
    """Outcome of a proof or check.

    Attributes
    ----------
    status : Status
        One of the :class:`Status` words (a plain string is converted).
    evidence : str
        Why, in words, with the numbers that decided it.
    counterexample : dict, optional
        For ``refuted``/``violated``: the point, input, component that fails.
    scope : str
        The finite range of instances the verdict covers ("widths 1–4"); empty for a
        single statement decided as a whole.
    tolerance, margin : float, optional
        Numeric verdicts: the tolerance applied and the factor by which the measured
        figure met it (``tolerance / measured``; > 1 means met).
    """

    status: Status
    evidence: str = ""
    counterexample: dict[str, Any] | None = field(default=None)
    scope: str = ""
    tolerance: float | None = None
    margin: float | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "status", Status.parse(str(self.status)))

    @property
    def ok(self) -> bool:
        """``True`` for ``proved`` and ``confirmed``."""
        return self.status.ok

    def headline(self) -> str:
        """The status with its scope: ``proved for widths 1–4``."""
        return f"{self.status.value} for {self.scope}" if self.scope else self.status.value

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready plain dict (what sweep tasks return)."""
        out: dict[str, Any] = {"status": self.status.value, "evidence": self.evidence}
        if self.counterexample is not None:
            out["counterexample"] = _plain(self.counterexample)
        for key in ("scope", "tolerance", "margin"):
            value = getattr(self, key)
            if value not in (None, ""):
                out[key] = value
        return out

    @classmethod
    def from_dict(cls, doc: Mapping[str, Any]) -> Verdict:
        """Inverse of :meth:`as_dict`."""
        return cls(
            Status.parse(doc["status"]),
            doc.get("evidence", ""),
            doc.get("counterexample"),
            doc.get("scope", ""),
            doc.get("tolerance"),
            doc.get("margin"),
        )


def _plain(value: Any) -> Any:
    """Counterexamples hold Fractions and sympy numbers: make them JSON strings."""
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    return str(value)
