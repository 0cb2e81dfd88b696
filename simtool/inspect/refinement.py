"""Colour refinement and the individualisation–refinement search (pure Python).

The fallback of :func:`~simtool.inspect.automorphism.automorphism_group` when pynauty is
not installed, and the oracle-checked reference for it.
"""

from __future__ import annotations

from .digraph import Digraph, is_automorphism

__all__ = ["refine", "search_automorphisms"]


def refine(dg: Digraph, colours: list[int]) -> list[int]:
    """Coarsest equitable refinement; new colours are canonical (sorted signatures)."""
    cur = list(colours)
    n_cls = len(set(cur))
    while True:
        sig = [(cur[v], tuple(sorted(cur[w] for w in dg.out[v])), tuple(sorted(cur[w] for w in dg.inn[v])))
               for v in range(dg.n)]
        index = {s: i for i, s in enumerate(sorted(set(sig)))}
        cur = [index[s] for s in sig]
        if len(index) == n_cls:
            return cur
        n_cls = len(index)


def _individualise(colours: list[int], v: int) -> list[int]:
    out = [2 * c for c in colours]
    out[v] += 1  # v alone, just after its old cell: canonical
    return out


def _target_cell(colours: list[int]) -> list[int] | None:
    cells: dict[int, list[int]] = {}
    for v, c in enumerate(colours):
        cells.setdefault(c, []).append(v)
    multi = [c for c, vs in cells.items() if len(vs) > 1]
    return cells[min(multi)] if multi else None


def _first_path(dg: Digraph, colours: list[int]) -> list[list[int]]:
    """The refined colourings along the first branch of the search tree, down to a leaf."""
    c = refine(dg, colours)
    path = [c]
    while (cell := _target_cell(c)) is not None:
        c = refine(dg, _individualise(c, cell[0]))
        path.append(c)
    return path


def _match(dg: Digraph, path: list[list[int]], colours: list[int], depth: int = 1) -> list[int] | None:
    """An automorphism mapping the leaf of ``path`` onto a leaf below ``colours`` (backtracking)."""
    c = refine(dg, colours)
    if depth >= len(path) or sorted(c) != sorted(path[depth]):
        return None  # a different cell structure: no automorphism below this node
    cell = _target_cell(c)
    if cell is None:
        where = {col: v for v, col in enumerate(c)}
        perm = [where[path[-1][v]] for v in range(dg.n)]
        return perm if is_automorphism(dg, perm) else None
    for w in cell:
        found = _match(dg, path, _individualise(c, w), depth + 1)
        if found is not None:
            return found
    return None


def _orbit(start: int, gens: list[list[int]]) -> set[int]:
    orbit, todo = {start}, [start]
    while todo:
        v = todo.pop()
        for g in gens:
            if g[v] not in orbit:
                orbit.add(g[v])
                todo.append(g[v])
    return orbit


def search_automorphisms(dg: Digraph, colours: list[int] | None = None) -> tuple[list[list[int]], int]:
    """Generators and exact order of ``Aut(dg)`` (pure Python; orbit–stabiliser recursion).

    ``|G| = |v^G| · |G_v|`` with ``v`` the first vertex of the first non-trivial cell;
    for each ``w`` of that cell outside the current orbit, an automorphism ``v ↦ w`` is
    searched by individualisation–refinement (the transposition ``(v w)`` is tried first).
    """
    c = refine(dg, list(dg.colour_ids) if colours is None else colours)
    cell = _target_cell(c)
    if cell is None:
        return [], 1
    v = cell[0]
    below = _individualise(c, v)
    gens, order_v = search_automorphisms(dg, below)
    path = None
    orbit = _orbit(v, gens)
    for w in cell[1:]:
        if w in orbit:
            continue
        swap = list(range(dg.n))
        swap[v], swap[w] = w, v
        found = swap if is_automorphism(dg, swap) else None
        if found is None:
            path = path if path is not None else [c] + _first_path(dg, below)
            found = _match(dg, path, _individualise(c, w))
        if found is not None:
            gens.append(found)
            orbit = _orbit(v, gens)
    return gens, len(orbit) * order_v
