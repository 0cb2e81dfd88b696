"""Text rendering of ``simtool orbit`` results and of the orbit-dimension strata of a lattice.

:func:`print_orbit` prints what :func:`simtool.numeric.orbit_summary.orbit_summary`
(and ``laws_summary``) returned; :func:`orbit_strata` computes, for every element of a
Fix(H) lattice, the orbit rank at a random point of it (``enumerate --orbit-dims``).
"""

from __future__ import annotations

import json
import sys

__all__ = ["print_orbit", "orbit_strata", "print_orbit_strata"]


def _sv(values, rank: int, k: int = 3) -> str:
    lo, hi = max(0, rank - k), min(len(values), rank + k)
    parts = [f"{v:.1e}" for v in values[lo:hi]]
    if rank < len(values):
        parts.insert(rank - lo, "|")
    return ("… " if lo else "") + " ".join(parts) + (" …" if hi < len(values) else "")


def print_orbit(out: dict, file=None) -> None:
    """Human-readable report of one ``simtool orbit`` run."""
    w = file or sys.stdout
    p = lambda *a: print(*a, file=w)  # noqa: E731
    p(f"{out['network']}; D = {out['D']}")
    p(f"point: {out['point']}")
    lie = out["lie"]
    p(f"Lie brackets up to depth {lie['depth']} ({lie['rows_per_depth']} random input tuples per depth): "
      f"ranks by depth {lie['rank_by_depth']}  [{lie['seconds']:.2f} s]")
    p(f"  {lie['statement']}")
    dec = lie["decision"]
    p(f"  singular values (relative) around the cut: {_sv(dec['singular_values'], dec['rank'])}")
    if "endpoint" in out:
        e = out["endpoint"]
        p(f"endpoint map of {e['flows']} flows (RK4, {e['substeps']} steps each, flows accepted at relative "
          f"discretisation ≤ {e['flow_tol']:.0e}; {e['shortened']} flow times halved)  [{e['seconds']:.2f} s]")
        p(f"  {e['statement']}")
        dec = e["decision"]
        p(f"  singular values (relative) around the cut: {_sv(dec['singular_values'], dec['rank'])}")
    else:
        p("endpoint map: skipped (--no-endpoint, or D above the default limit; --endpoint forces it)")
    p(f"orbit dimension ≥ {out['orbit_dim_lower_bound']} (float evidence; {out['confidence']})")
    if "conserved" in out:
        p(f"conserved: {out['conserved']}  — {out['conserved_note']}")
    else:
        p(f"orbit codimension at this point ≤ {out['orbit_codim_upper_bound']} (not a law count: the point is "
          "not generic)")
    p(f"note: {out['note']}")
    laws = out.get("laws")
    if laws is None:
        return
    p(f"polynomial conservation laws, degree ≤ {laws['degree']} (exact search over Q, {laws['samples']} sample "
      f"points; σ identity: {'; '.join(sorted(set(laws['identities'])))})  [{laws['seconds']:.2f} s]")
    sim = laws.get("simulation")
    for k, law in enumerate(laws["basis"]):
        drift = f"; max relative drift {sim['drift'][k]:.1e}" if sim else ""
        p(f"  h{k + 1} = {law['law']}   [{law['proof']['status']}{drift}]")
    if not laws["basis"]:
        p("  none found in this ansatz")
    p(f"  functionally independent (exact rank of gradients at a random rational point): {laws['independent']}")
    if "count_status" in laws:
        p(f"  count: {laws['count_status']}")
    if laws["unproved_candidates"]:
        p(f"  candidates whose proof failed (not counted): {', '.join(laws['unproved_candidates'])}")
    if sim:
        p(f"  simulation: {sim['n_traj']} gradient flows (MSE, random data, dopri5 rtol = {sim['rtol']:g}, t ≤ "
          f"{sim['t_max']:g}; {', '.join(f'{v} {k}' for k, v in sim['status'].items())}); control ‖θ‖² moved by "
          f"{sim['control_drift']:.1e} relative")


def orbit_strata(net, elements, *, seed: int = 0, depth: int = 2) -> list[dict]:
    """Orbit rank (Lie brackets up to ``depth``) at a random point of every element.

    ``elements``: objects with ``id``, ``dim``, ``description`` and an exact
    ``subspace`` (``basis()``), as in both lattice types.
    """
    import torch

    from ..numeric.orbit import lie_rank
    from ..numeric.orbit_summary import numeric_model

    model = numeric_model(net)
    rows = []
    for k, el in enumerate(elements):
        gen = torch.Generator().manual_seed(seed + k)
        theta = torch.zeros(net.dim, dtype=torch.float64)
        for vec in el.subspace.basis():
            theta += float(torch.randn(1, generator=gen, dtype=torch.float64)) * torch.tensor(
                [float(v) for v in vec], dtype=torch.float64)
        if el.dim == 0:
            rows.append({"id": el.id, "dim": 0, "orbit_rank": 0, "confidence": "exact (the origin)",
                         "description": el.description})
            continue
        lie = lie_rank(model, theta, depth=depth, generator=gen)
        rows.append({"id": el.id, "dim": el.dim, "orbit_rank": lie.rank, "gap": lie.final.gap,
                     "confidence": lie.final.confidence, "description": el.description})
    return rows


def print_orbit_strata(net, elements, *, as_json: bool = False, seed: int = 0) -> None:
    """``enumerate --orbit-dims``: one line per element (or a JSON list)."""
    rows = orbit_strata(net, elements, seed=seed)
    if as_json:
        json.dump({"orbit_dims": rows, "seed": seed,
                   "note": "orbit rank = Lie-bracket rank (depth 2) at a random point of the element: "
                   "a lower bound on the orbit dimension there (float evidence)"}, sys.stdout, indent=1,
                  default=lambda v: None)
        sys.stdout.write("\n")
        return
    print(f"orbit-dimension strata (Lie brackets up to depth 2 at a random point of each element; "
          f"lower bounds, float evidence; seed {seed}):")
    for r in rows:
        print(f"  {r['id']:>6}  dim {r['dim']:>3}  orbit ≥ {r['orbit_rank']:>3}  ({r['confidence']})  "
              f"{r['description']}")


def run_orbit_strata(args, net) -> int:
    """``simtool enumerate … --orbit-dims``: the lattice's elements with their orbit ranks.

    Uses the same lattice as plain ``enumerate`` (two-layer: ``enumerate_lattice``; deep:
    ``build_fix_lattice``), without invariance proofs (the ranks do not use them).
    """
    from ..symbolic.network import TwoLayerNet

    if isinstance(net, TwoLayerNet):
        from ..symbolic.lattice import enumerate_lattice

        elements = enumerate_lattice(net, prove=False).elements
    else:
        from ..symbolic.fixlattice import build_fix_lattice

        elements = tuple(build_fix_lattice(net, prove=False))
    if not args.json:
        print(f"{net.describe()}; {len(elements)} lattice elements")
    print_orbit_strata(net, elements, as_json=args.json)
    return 0
