"""Theorems as data: ``Theorem(name, statement, references, check)`` (conventions.md, rule 12).

``check()`` returns a :class:`~simtool.verdict.Verdict`; ``expected`` is the status the
theory predicts.  A theorem whose verdict differs from ``expected`` is a finding: either
the tool is wrong or the theory is (math.md: "if the tool finds one of them false, the
tool is right and this note is wrong").

>>> from simtool.verdict import PROVED, Verdict
>>> t = Theorem("trivial", "0 = 0", ("none",), lambda: Verdict(PROVED, "by computation"))
>>> t.run().status
'proved'
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from .verdict import PROVED, Verdict

__all__ = ["Theorem"]


@dataclass(frozen=True)
class Theorem:
    """An executable statement with references and the verdict theory expects."""

    name: str
    statement: str
    references: tuple[str, ...]
    check: Callable[[], Verdict]
    expected: str = PROVED

    def run(self) -> Verdict:
        return self.check()
