"""``simtool inspect``: the symmetries and invariant manifolds of your own ``nn.Module``."""

from __future__ import annotations

import argparse
import json
import sys

from ..errors import ModelError

LIST_LIMIT = 40


def add_parser(subparsers, name: str, summary: str) -> None:
    p = subparsers.add_parser(
        name,
        help=summary,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Trace a torch.nn.Module with torch.fx, derive its permutation and sign-flip symmetries from "
        "the automorphisms of its computation graph and the proved parities of its activations, verify each "
        "one, and list the invariant manifolds Fix(H) up to symmetry with their reduced architectures.\n\n"
        "MODEL is path/to/model.py:ClassName (instantiated with --args), path:factory_function (called with "
        "--args), path:module_object, or a .toml spec (layers, widths, activations, skips, ties).\n"
        "Executing the model file (and the class or factory it names) is the ONLY user code simtool runs; "
        "a .toml spec runs none.",
        epilog="Parameter names: <tensor>_<i>_<j> for W[i, j] and <tensor>_<i> for a bias entry, 1-based "
        "(e.g. fc1.weight_3_7, fc1.bias_3); θ is laid out like parameters_to_vector over the parameters "
        "forward uses.",
    )
    p.add_argument("model", metavar="MODEL", help="path/to/model.py:Name or spec.toml")
    p.add_argument("--args", metavar="JSON", help="constructor/factory arguments: a JSON list or object")
    p.add_argument("--input-dim", type=int, metavar="D", help="input dimension (inferred from the first layer)")
    p.add_argument("--backend", choices=("auto", "nauty", "python"), default="auto",
                   help="graph automorphisms: pynauty (the GPL 'nauty' extra) or the pure-Python search")
    p.add_argument("--verify", choices=("auto", "symbolic", "structural"), default="auto",
                   help="symbolic f (small nets) or structural argument + exact spot check in Z/pZ")
    p.add_argument("--no-lattice", action="store_true", help="only the group, not the invariant manifolds")
    p.add_argument("--full", action="store_true",
                   help="also list every element of the lattice (not only one per orbit) when it is small")
    p.add_argument("--check", action="store_true",
                   help="numeric confirmation on the module: traced forward = module forward, generators preserve "
                   "the output, gradient descent stays on each listed manifold")
    p.add_argument("--seed", type=int, default=0, help="seed of the spot checks and numeric checks (default 0)")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.set_defaults(run=run)


def _analyse(args):
    from ..inspect import inspect_module
    from ..inspect.loader import load_model

    model, source = load_model(args.model, args.args)
    if args.input_dim is not None and args.input_dim < 1:
        raise ModelError(f"--input-dim must be positive, got {args.input_dim}")
    return inspect_module(model, input_dim=args.input_dim, backend=args.backend, verify=args.verify,
                          seed=args.seed, source=source)


def run(args) -> int:
    import numpy as np

    from .. import __version__
    from ..errors import TooLargeError
    from ..symbolic.subspace import linear_form_text

    if args.backend == "nauty":
        from ..inspect.automorphism import nauty_available

        if not nauty_available():
            raise ModelError("--backend nauty needs pynauty: pip install 'simtool[nauty]' (GPL)")
    ins = _analyse(args)
    net, G = ins.net, ins.group
    out: dict = {"simtool": __version__, "model": args.model, "seed": args.seed, "describe": net.describe(),
                 "dim": net.dim, "outputs": list(net.output_labels),
                 "group": {"order": G.order, "permutation_order": G.permutation_order, "flip_rank": G.flip_rank,
                           "order_exact": G.order_exact, "backend": G.backend,
                           "generators": [{"words": g.label, **v.as_dict()} for g, v in zip(G.generators, G.verdicts)],
                           "rejected": [{"candidate": c, "why": w} for c, w in G.rejected],
                           "notes": list(G.notes), "timings_s": G.timings}}
    lattice = None
    if not args.no_lattice:
        from ..inspect.lattice import traced_lattice

        try:
            lattice = traced_lattice(G)
        except TooLargeError as exc:
            out["lattice"] = {"skipped": str(exc)}
    if lattice is not None:
        out["lattice"] = {
            "layout": lattice.layout, "elements": lattice.count, "classes": [
                {"dim": c.dim, "orbit_size": c.orbit_size, "description": c.description, "reduced": c.reduced,
                 "invariance": c.invariance.as_dict(), "isotropy_generators": list(c.isotropy),
                 "equations": [linear_form_text(net.names, row, ascii=True) + " = 0" for row in c.subspace.equations]}
                for c in lattice.classes],
            "full": [{"class": k, "dim": S.dim,
                      "equations": [linear_form_text(net.names, row, ascii=True) + " = 0" for row in S.equations]}
                     for k, S in lattice.elements]}
    if args.check:
        from ..inspect.check import flow_stays, forward_agreement, generator_agreement

        rng = np.random.default_rng(args.seed)
        checks = [forward_agreement(ins.model, net, ins.theta, rng),
                  generator_agreement(ins.model, net, G.generators, rng)]
        if lattice is not None:
            checks += [flow_stays(ins.model, net, c.subspace, rng) for c in lattice.classes[:LIST_LIMIT]]
        out["check"] = [c.as_dict() for c in checks]
    if args.json:
        json.dump(out, sys.stdout, indent=1, default=str)
        print()
    else:
        _print(out, args.full)
    failed = args.check and not all(c["ok"] for c in out["check"])
    return 1 if failed else 0


def _print(out: dict, full: bool = False) -> None:
    from ..inspect.lattice import FULL_LATTICE

    g = out["group"]
    print(f"model: {out['model']}\n  {out['describe']}")
    if len(out["outputs"]) > 1:
        print(f"  outputs (labelled, never permuted): {', '.join(out['outputs'])}")
    order = "not computed" if g["order"] is None else f"{g['order']:,}"
    if g["order"] is not None and len(order) > 40:
        order = f"≈ 10^{len(str(g['order'])) - 1} (exact integer in --json)"
    print(f"\nsymmetry group: order {order} = {g['permutation_order']} permutations × 2^{g['flip_rank']} sign flips"
          f"   [automorphisms: {g['backend']}; {g['timings_s']['total_s']:.2f} s]")
    print("generators (each verified):")
    for gen in g["generators"]:
        print(f"  - {gen['words']}\n      {gen['status']}: {gen['evidence']}")
    for r in g["rejected"]:
        print(f"  rejected: {r['candidate']}: {r['why']}")
    for n in g["notes"]:
        print(f"  note: {n}")
    lat = out.get("lattice")
    if lat and "skipped" in lat:
        print(f"\ninvariant manifolds: skipped ({lat['skipped']})")
    elif lat:
        print(f"\ninvariant manifolds Fix(H): {lat['elements']} in all, {len(lat['classes'])} up to symmetry "
              f"(layout: {lat['layout']})")
        print(f"  {'dim':>4} {'orbit':>6}  {'proof':<8} manifold → reduced architecture")
        for c in lat["classes"][:LIST_LIMIT]:
            print(f"  {c['dim']:>4} {c['orbit_size']:>6}  {c['invariance']['status']:<8} {c['description']} → "
                  f"{c['reduced']}")
        if len(lat["classes"]) > LIST_LIMIT:
            print(f"  … {len(lat['classes']) - LIST_LIMIT} more classes (see --json)")
        if full and lat["full"]:
            print(f"  the whole lattice ({len(lat['full'])} elements; class = row above, from 0):")
            for e in lat["full"]:
                eqs = ", ".join(e["equations"][:6]) + (" …" if len(e["equations"]) > 6 else "")
                print(f"    dim {e['dim']:>3}  class {e['class']:>3}  {eqs or 'no equations'}")
        elif full:
            print(f"  (the whole lattice is listed only up to {FULL_LATTICE} elements)")
        kinds = sorted({c["invariance"]["evidence"].split(":")[0] for c in lat["classes"]})
        print("  proofs: " + "; ".join(kinds) + " (evidence per class in --json)")
    for c in out.get("check", []):
        mark = "confirmed" if c["ok"] else "VIOLATED"
        print(f"check: {c['name']}: {mark} (worst {c['worst']:.1e} ≤ {c['tolerance']:.0e}? {c['detail']})")
