r"""Theorems as data (conventions.md rule 12): a statement, its references, its cases.

A :class:`Theorem` is a universal statement with

* ``name``, ``statement`` (words) and ``latex``;
* ``references``: the source down to section/proposition;
* ``cases(selection)``: the finitely many instances checked, as plain JSON-able dicts
  (``{"width": 3, "activation": "tanh"}``), restricted by a :class:`Selection`;
* ``check(case) -> Verdict``: decides one instance;
* ``expected``: the status theory predicts, a :class:`~simtool.verdict.Status` or a
  function of the case (refutations are valid, expected outcomes).

A verdict that differs from the expected one is a finding: the tool is wrong or the
theory is (math.md: "if the tool finds one of them false, the tool is right and this
note is wrong").  :func:`summarize` merges the case verdicts into one verdict whose
``scope`` names the instances covered, so a finite check of a universal statement
reads "proved for widths 1–4", never plain "proved".

>>> from simtool.verdict import PROVED, Verdict
>>> t = Theorem("trivial", "w = w for every width w", lambda case: Verdict(PROVED, "by computation"),
...             cases=lambda sel: [{"width": w} for w in sel.widths_in(range(1, 4))])
>>> outcomes = t.run()
>>> [o.matches for o in outcomes]
[True, True, True]
>>> summarize(t, outcomes).headline()
'proved for widths 1–3 (3 cases)'
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from .verdict import INCONCLUSIVE, PROVED, Status, Verdict, worst_status

__all__ = ["Theorem", "Selection", "Outcome", "run_case", "summarize", "scope_text", "case_text"]

Case = Mapping[str, Any]


@dataclass(frozen=True)
class Selection:
    """Which instances to check: widths and activations asked for (``None``: defaults).

    >>> Selection(widths=(2, 5)).widths_in(range(1, 5), limit=4)
    (2,)
    >>> Selection().activations_in(("tanh", "sin"))
    ('tanh', 'sin')
    """

    widths: tuple[int, ...] | None = None
    activations: tuple[str, ...] | None = None

    def widths_in(self, default: Iterable[int], *, limit: int | None = None) -> tuple[int, ...]:
        """The requested widths (or ``default``), at most ``limit``."""
        ws = tuple(default) if self.widths is None else self.widths
        return tuple(w for w in ws if limit is None or w <= limit)

    def activations_in(self, default: Sequence[str]) -> tuple[str, ...]:
        """The requested activations (or ``default``)."""
        return tuple(default) if self.activations is None else self.activations


def _single(selection: Selection) -> list[dict[str, Any]]:
    return [{}]


@dataclass(frozen=True)
class Theorem:
    """An executable universal statement with references and expected verdicts."""

    name: str
    statement: str
    check: Callable[[Case], Verdict]
    references: tuple[str, ...] = ()
    latex: str = ""
    cases: Callable[[Selection], Sequence[Case]] = _single
    expected: Status | Callable[[Case], Status] = PROVED
    #: "exact" (proved/refuted) or "numeric" (confirmed/violated)
    engine: str = "exact"

    def expected_for(self, case: Case) -> Status:
        """The status theory predicts for ``case``."""
        exp = self.expected
        return Status.parse(str(exp if isinstance(exp, (str, Status)) else exp(case)))

    def case_list(self, selection: Selection | None = None) -> list[dict[str, Any]]:
        """The instances to check, as plain dicts."""
        return [dict(c) for c in self.cases(selection or Selection())]

    def run(self, selection: Selection | None = None) -> list[Outcome]:
        """Check every case here, in this process (sweeps use :mod:`simtool.sweep`)."""
        return [run_case(self, c) for c in self.case_list(selection)]

    def describe(self) -> dict[str, Any]:
        return {"name": self.name, "statement": self.statement, "latex": self.latex,
                "references": list(self.references), "engine": self.engine}


@dataclass(frozen=True)
class Outcome:
    """One checked case: its verdict, the expected status, time, and any failure."""

    theorem: str
    case: dict[str, Any]
    verdict: Verdict
    expected: Status
    seconds: float = 0.0
    #: ``"error"`` (the check raised), ``"timeout"``, or ``""``
    failure: str = ""
    reused: bool = field(default=False, compare=False)

    @property
    def matches(self) -> bool:
        """The verdict is the one theory predicts (a failed task never matches)."""
        return not self.failure and self.verdict.status == self.expected

    def as_dict(self) -> dict[str, Any]:
        return {"theorem": self.theorem, "case": dict(self.case), "verdict": self.verdict.as_dict(),
                "expected": self.expected.value, "matches": self.matches,
                "seconds": round(self.seconds, 4), "failure": self.failure}

    @classmethod
    def from_dict(cls, doc: Mapping[str, Any], *, reused: bool = False) -> Outcome:
        return cls(doc["theorem"], dict(doc["case"]), Verdict.from_dict(doc["verdict"]),
                   Status.parse(doc["expected"]), float(doc.get("seconds", 0.0)),
                   doc.get("failure", ""), reused)


def run_case(theorem: Theorem, case: Case) -> Outcome:
    """Check one case; an exception becomes an ``inconclusive`` outcome, never lost."""
    start = time.perf_counter()
    expected = theorem.expected_for(case)
    try:
        verdict = theorem.check(case)
        if not isinstance(verdict, Verdict):
            raise TypeError(f"check returned {type(verdict).__name__}, not a Verdict")
        failure = ""
    except Exception as exc:  # noqa: BLE001 - reported with its case
        verdict = Verdict(INCONCLUSIVE, f"the check raised {type(exc).__name__}: {exc}")
        failure = "error"
    return Outcome(theorem.name, dict(case), verdict, expected, time.perf_counter() - start, failure)


def _ranges(values: list[Any]) -> str:
    """``[1, 2, 3, 5]`` → ``1–3, 5``."""
    nums = sorted(set(values))
    runs: list[list[int]] = []
    for v in nums:
        if runs and v == runs[-1][-1] + 1:
            runs[-1].append(v)
        else:
            runs.append([v])
    return ", ".join(f"{r[0]}–{r[-1]}" if len(r) > 2 else ", ".join(map(str, r)) for r in runs)


def scope_text(cases: Sequence[Case]) -> str:
    """Words for the instances covered: ``widths 1–4 × σ ∈ {tanh, sin} (8 cases)``.

    >>> scope_text([{"width": 1, "activation": "tanh"}, {"width": 2, "activation": "tanh"}])
    'widths 1, 2 × σ = tanh (2 cases)'
    >>> scope_text([{}])
    ''
    """
    keys: list[str] = []
    for c in cases:
        keys += [k for k in c if k not in keys]
    if not keys:
        return ""
    parts = []
    for k in keys:
        vals = [c[k] for c in cases if k in c]
        distinct = list(dict.fromkeys(map(_hashable, vals)))
        if k in ("width", "widths") and all(isinstance(v, int) for v in distinct):
            parts.append(f"width{'s' if len(distinct) > 1 else ''} {_ranges(distinct)}")
        elif k == "activation":
            parts.append("σ = " + distinct[0] if len(distinct) == 1 else "σ ∈ {" + ", ".join(distinct) + "}")
        else:
            shown = ", ".join(map(str, distinct))
            parts.append(f"{k} = {shown}" if len(distinct) == 1 else f"{k} ∈ {{{shown}}}")
    sizes = [len({_hashable(c.get(k)) for c in cases}) for k in keys]
    distinct_cases = {tuple(_hashable(c.get(k)) for k in keys) for c in cases}
    product = len(cases) == _prod(sizes) == len(distinct_cases)
    n = f"{len(cases)} case{'s' if len(cases) != 1 else ''}"
    # a full grid reads "a × b"; anything else lists the values the cases take
    return " × ".join(parts) + f" ({n})" if product else f"{n} over " + ", ".join(parts)


def _prod(sizes: list[int]) -> int:
    out = 1
    for s in sizes:
        out *= s
    return out


def case_text(case: Case) -> str:
    """One case in words: ``σ = tanh, width 3``.

    >>> case_text({"activation": "tanh", "width": 3, "loss": "mse"})
    'σ = tanh, width 3, loss = mse'
    """
    words = {"activation": "σ = {}", "width": "width {}"}
    return ", ".join(words.get(k, k + " = {}").format(v) for k, v in case.items())


def _hashable(v: Any) -> Any:
    return tuple(v) if isinstance(v, list) else v


def summarize(theorem: Theorem, outcomes: Sequence[Outcome]) -> Verdict:
    """One verdict for the whole theorem: the most severe case status, with its scope.

    The evidence is that of the first case that did not match its expectation, else of
    the most severe case; a refutation keeps its counterexample.
    """
    if not outcomes:
        return Verdict(INCONCLUSIVE, "no cases selected")
    status = worst_status(o.verdict.status for o in outcomes)
    odd = [o for o in outcomes if not o.matches]
    pick = odd[0] if odd else [o for o in outcomes if o.verdict.status == status][-1]
    lead = f"{case_text(pick.case)}: " if pick.case else ""
    counts: dict[str, int] = {}
    for o in outcomes:
        counts[o.verdict.status.value] = counts.get(o.verdict.status.value, 0) + 1
    tally = ", ".join(f"{n} {s}" for s, n in counts.items()) if len(counts) > 1 else ""
    evidence = (f"[{tally}] " if tally else "") + lead + pick.verdict.evidence
    return Verdict(status, evidence, pick.verdict.counterexample,
                   scope_text([o.case for o in outcomes]),
                   pick.verdict.tolerance, pick.verdict.margin)
