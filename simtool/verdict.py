"""Verdicts: the outcome of a proof attempt or a check, with its evidence.

``Verdict(status, evidence, counterexample)`` is what every theorem check, every
tangency test and every numerical check returns (conventions.md, rule 12).  Exact
statuses (``proved``/``refuted``) come only from exact computations; numerical checks
use ``confirmed``/``violated``/``inconclusive`` and say so in ``evidence``.

>>> v = Verdict(PROVED, "tangency components simplify to 0")
>>> v.ok, v.status
(True, 'proved')
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "Verdict",
    "PROVED",
    "REFUTED",
    "UNDECIDED",
    "CONFIRMED",
    "VIOLATED",
    "INCONCLUSIVE",
]

PROVED = "proved"
REFUTED = "refuted"
UNDECIDED = "undecided"
CONFIRMED = "confirmed"
VIOLATED = "violated"
INCONCLUSIVE = "inconclusive"


@dataclass(frozen=True)
class Verdict:
    """Outcome of a proof or check: a status word, human evidence, optional counterexample."""

    status: str
    evidence: str = ""
    counterexample: dict[str, Any] | None = field(default=None)

    @property
    def ok(self) -> bool:
        """``True`` for ``proved`` and ``confirmed``."""
        return self.status in (PROVED, CONFIRMED)

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"status": self.status, "evidence": self.evidence}
        if self.counterexample is not None:
            out["counterexample"] = self.counterexample
        return out
