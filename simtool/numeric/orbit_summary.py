r"""What ``simtool orbit`` reports: both orbit-rank estimates, the conserved count, the laws.

:func:`orbit_summary` runs :func:`~simtool.numeric.orbit.lie_rank` and
:func:`~simtool.numeric.orbit.endpoint_rank` at one point and combines them into a JSON-
ready dict; :func:`laws_summary` adds the exact polynomial laws
(:func:`~simtool.symbolic.conservation.polynomial_laws`) with their proofs and their
numeric drift along simulated flows (:func:`~simtool.numeric.law_drift.law_drift`).

Logic of the count (math.md §6; Marcotte, Gribonval, Peyré, "Abide by the law and
follow the flow", NeurIPS 2023, arXiv 2307.00144): near a
generic point the number of independent conservation laws is ``D − r`` with ``r`` the
generic orbit dimension.  Both float ranks are lower bounds on ``r``, so ``D − r̂`` is
an *upper* bound on the number of laws (if the float decisions are right), and the
proved, functionally independent polynomial laws are a *lower* bound.  When the two
meet, the count is pinned.
"""

from __future__ import annotations

import time

import sympy
import torch

from ..symbolic.conservation import LawSearch, polynomial_laws
from .law_drift import law_drift
from .orbit import endpoint_rank, lie_rank

__all__ = ["orbit_summary", "laws_summary", "law_terms", "numeric_model"]

def numeric_model(net):
    """The float model of ``net`` from the numeric engine's registry (any network)."""
    from .models import model_for

    return model_for(net)


LOWER_BOUND_NOTE = ("both ranks are lower bounds on the orbit dimension: finitely many inputs, "
                    "a finite bracket depth and finitely many flows can miss directions; a rank "
                    "deficit never shows that a set is invariant")


def orbit_summary(model, theta: torch.Tensor, *, generic: bool, depth: int, seed: int,
                  rows: int | None = None, flows: int | None = None, endpoint: bool = True,
                  scale: float = 1.0, tol: float = 1e-9) -> dict:
    """Both rank estimates at ``theta`` and what they imply (see the module docstring)."""
    D = model.dim
    gen = torch.Generator().manual_seed(seed)
    t0 = time.perf_counter()
    lie = lie_rank(model, theta, depth=depth, rows=rows, generator=gen, scale=scale, tol=tol)
    t_lie = time.perf_counter() - t0
    out: dict = {
        "D": D,
        "lie": {"depth": lie.depth, "rows_per_depth": lie.rows_per_depth,
                "rank_by_depth": [r.rank for r in lie.by_depth], "decision": lie.final.as_dict(),
                "statement": lie.final.statement(), "seconds": round(t_lie, 3)},
    }
    ranks = [lie.rank]
    if endpoint:
        t0 = time.perf_counter()
        end, info = endpoint_rank(model, theta, n_flows=flows, generator=gen, scale=scale, tol=tol)
        out["endpoint"] = {**info, "decision": end.as_dict(), "statement": end.statement(),
                           "seconds": round(time.perf_counter() - t0, 3)}
        ranks.append(end.rank)
    r = max(ranks)
    out["orbit_dim_lower_bound"] = r
    out["agree"] = len(set(ranks)) == 1
    weak = [k for k in ("lie", "endpoint") if k in out and out[k]["decision"]["confidence"] == "weak"]
    out["confidence"] = ("weak: " + ", ".join(weak) + " decision(s) without a clear gap") if weak else \
        ("clear gaps" + ("" if out["agree"] else "; the two estimates differ (the larger is the better bound)"))
    if generic:
        out["conserved"] = D - r
        out["conserved_note"] = (f"at a generic point: at most {D - r} independent conservation laws "
                                 f"(D − r with r ≥ {r}; exactly this many if r is the orbit dimension)")
    else:
        out["orbit_codim_upper_bound"] = D - r
    out["note"] = LOWER_BOUND_NOTE
    return out


def law_terms(expr: sympy.Expr, symbols) -> list[tuple[float, tuple[int, ...]]]:
    """A polynomial law as plain data for :func:`~simtool.numeric.law_drift.law_drift`."""
    poly = sympy.Poly(expr, *symbols)
    out = []
    for exps, c in poly.terms():
        mono = tuple(i for i, e in enumerate(exps) for _ in range(e))
        out.append((float(c), mono))
    return out


def laws_summary(net, model, *, degree: int, seed: int, simulate: bool = True,
                 conserved: int | None = None) -> tuple[dict, LawSearch]:
    """Exact laws (proved), their independence, and their numeric drift."""
    t0 = time.perf_counter()
    search = polynomial_laws(net, degree, seed=seed)
    out: dict = {
        "degree": degree, "identities": list(search.identities), "samples": search.samples,
        "basis": [{"law": str(law.expr), "proof": law.proof.as_dict()} for law in search.laws],
        "independent": search.independent,
        "independent_laws": [str(law.expr) for law in search.independent_laws],
        "unproved_candidates": [str(e) for e in search.unproved],
        "seconds": round(time.perf_counter() - t0, 3),
    }
    if conserved is not None:
        k = search.independent
        out["count_status"] = (
            f"pinned: {k} proved independent laws = D − r" if k == conserved else
            f"{k} proved independent polynomial laws (degree ≤ {degree}) ≤ #laws ≤ {conserved} = D − r"
            + ("" if k < conserved else " (more laws than D − r: the float orbit rank is too high?)"))
    if simulate and search.laws and model is not None:
        gen = torch.Generator().manual_seed(seed)
        drift = law_drift(model, [law_terms(law.expr, net.symbols) for law in search.laws], generator=gen)
        out["simulation"] = drift.as_dict()
    return out, search
