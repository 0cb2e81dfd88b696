r"""Exact facts about one two-layer *unit*, computed once and shipped for the registry.

Two results of issue "Beyond the template group" depend only on the activation and
on the unit's shape ``(d, bias, output bias)``, not on the width:

* ``Aut(u)``, the group of signed permutations of one unit's coordinates preserving its
  term (so the complete two-layer group is ``Aut(u) ≀ S_m``,
  :mod:`~simtool.symbolic.complete_group`);
* the hint lines of plain ``simtool enumerate`` (width-1 members of the search family
  that are invariant but not symmetry-induced; continuous orthogonal symmetries).

Computing them takes 0.1–1 s (a backtracking search with exact proofs), which would
dominate a cold ``simtool enumerate --width 4``.  So for every registry activation and
``d ∈ {1, 2}``, both bias flags, they are computed by :func:`compute_facts` and stored
in ``data/unit_facts.json`` (regenerate with ``python -m simtool.symbolic.unit_facts``);
:func:`unit_facts` reads the file for those keys and computes anything else live.  The
file is a cache of exact results, never a source of truth: ``tests/test_unit_facts.py``
recomputes entries and requires equality (all of them under ``-m slow``).
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from pathlib import Path

from .network import TwoLayerNet
from .symmetry import SignedPermutation

__all__ = ["UnitFacts", "unit_facts", "compute_facts", "FACTS_FILE"]

FACTS_FILE = Path(__file__).with_name("data") / "unit_facts.json"


@dataclass(frozen=True)
class UnitFacts:
    """``Aut(u)`` (as signed permutations of one unit's coordinates) and plain-enumerate hints."""

    aut: tuple[tuple[tuple[int, ...], tuple[int, ...]], ...]
    hints: tuple[str, ...]
    source: str = "computed"

    @property
    def aut_order(self) -> int:
        return len(self.aut)

    def automorphisms(self) -> list[SignedPermutation]:
        return [SignedPermutation(p, s) for p, s in self.aut]


def _key(net: TwoLayerNet) -> str:
    return f"{net.activation.expr}|d={net.input_dim}|bias={int(net.bias)}|c={int(net.output_bias)}"


def compute_facts(net: TwoLayerNet) -> UnitFacts:
    """Recompute the facts of ``net``'s unit (the width is irrelevant)."""
    from .complete_group import unit_automorphisms
    from .invariant_search import width_one_hints

    one = TwoLayerNet(1, net.activation, net.input_dim, net.bias, net.output_bias)
    aut = tuple(sorted((b.perm, b.signs) for b in unit_automorphisms(one)))
    hints = width_one_hints(one, live=True)
    return UnitFacts(aut, hints)


@functools.lru_cache(maxsize=1)
def _shipped() -> dict[str, dict]:
    try:
        return json.loads(FACTS_FILE.read_text())
    except (OSError, ValueError):  # pragma: no cover - a broken install computes live
        return {}


def unit_facts(net: TwoLayerNet) -> UnitFacts:
    """The facts of ``net``'s unit: from the shipped cache when present, else computed."""
    entry = _shipped().get(_key(net))
    if entry is not None:
        aut = tuple((tuple(p), tuple(s)) for p, s in entry["aut"])
        return UnitFacts(aut, tuple(entry["hints"]), "shipped cache (data/unit_facts.json)")
    return compute_facts(net)


def enumerate_hints(net: TwoLayerNet, shown_order: int | None) -> list[str]:
    """The plain-``enumerate`` hint lines from the cache (cheap; the search is not imported).

    The same lines as :func:`simtool.symbolic.invariant_search.beyond_symmetry_hint`.
    """
    import math

    facts = unit_facts(net)
    return hint_lines(net, facts.aut_order ** net.width * math.factorial(net.width), shown_order, facts.hints)


def hint_lines(net: TwoLayerNet, order: int, shown_order: int | None, width_one: tuple[str, ...]) -> list[str]:
    """A larger complete group (``order`` vs ``shown_order``), continuous orthogonal symmetries
    (decided exactly for polynomial ``f`` only), then the width-1 search lines."""
    lines = []
    if shown_order is not None and order > shown_order:
        lines.append(f"beyond the lattice's group: the complete signed-permutation group has order {order:,} "
                     f"> {shown_order:,} (e.g. role-mixing symmetries), so this lattice misses some Fix(H); "
                     "`simtool subspace --where …` decides any candidate relative to the complete group")
    if net.function().is_polynomial(*net.symbols, *net.x_symbols):
        from .orthogonal_algebra import orthogonal_algebra

        alg = orthogonal_algebra(net)
        if alg.dim:
            lines.append(f"continuum: continuous orthogonal symmetries ({alg.describe()}); every subspace fixed by "
                         "one of their subgroups is a SIM, so the lattice above is a finite sublattice of a continuum")
    return lines + list(width_one)


def _registry_nets():
    from .activation import REGISTRY

    for act in REGISTRY.values():
        if not act.analytic:
            continue
        for d in (1, 2):
            for bias in (True, False):
                for c in (False, True):
                    yield TwoLayerNet(1, act, d, bias, c)


def write_cache(path: Path = FACTS_FILE) -> int:
    out = {}
    for net in _registry_nets():
        f = compute_facts(net)
        out[_key(net)] = {"aut": [[list(p), list(s)] for p, s in f.aut], "hints": list(f.hints)}
    path.parent.mkdir(parents=True, exist_ok=True)
    items = sorted(out.items())
    body = ",\n".join(json.dumps(k, ensure_ascii=False) + ": "
                      + json.dumps(v, ensure_ascii=False, separators=(",", ":")) for k, v in items)
    path.write_text("{\n" + body + "\n}\n")
    return len(out)


if __name__ == "__main__":  # pragma: no cover
    print(f"wrote {write_cache()} entries to {FACTS_FILE}")
