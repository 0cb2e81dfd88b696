"""Bars of the exact engine, measured side by side in one run (interleaved repetitions).

    python benchmarks/bench_enumerate.py [--repeat 5] [--out DIR] [--scaling]

Commands (fresh processes, run A B C … A B C … so that machine load hits every case
alike; median and min–max reported, with the load average before and after):

* cold ``simtool enumerate --width 4`` vs ``python -c "import sympy, networkx"``
  (ratio; bar ≤ 1.3×);
* two-layer bars: width 6 with proofs (< 10 s), width 30 ``--up-to-symmetry`` (< 2 s),
  ``--count-only --width 1000`` (< 1 s);
* deep bars (full lattice, per-class proofs, < 60 s each): (3,3) tanh, (4,4) sigmoid,
  (3,3,3) sigmoid.

``--scaling`` adds, in-process, the generic closure (one representative per orbit,
atoms from conjugacy classes) against the brute-force closure over every group element,
side by side on growing nets (the brute force is skipped above ``|G| = 2,304``).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

SIMTOOL = shutil.which("simtool") or "simtool"

CASES = {
    "import sympy, networkx": [sys.executable, "-c", "import sympy, networkx"],
    "enumerate --width 4": [SIMTOOL, "enumerate", "--width", "4"],
    "enumerate --width 6 (4,088 elements, proofs)": [SIMTOOL, "enumerate", "--width", "6"],
    "enumerate --width 30 --up-to-symmetry": [SIMTOOL, "enumerate", "--width", "30", "--up-to-symmetry"],
    "enumerate --width 1000 --count-only": [SIMTOOL, "enumerate", "--width", "1000", "--count-only"],
    "enumerate --widths 3,3 (tanh)": [SIMTOOL, "enumerate", "--widths", "3,3"],
    "enumerate --widths 4,4 --activation sigmoid": [SIMTOOL, "enumerate", "--widths", "4,4", "--activation",
                                                     "sigmoid"],
    "enumerate --widths 3,3,3 --activation sigmoid": [SIMTOOL, "enumerate", "--widths", "3,3,3", "--activation",
                                                       "sigmoid"],
}
BARS = {
    "enumerate --width 6 (4,088 elements, proofs)": 10.0,
    "enumerate --width 30 --up-to-symmetry": 2.0,
    "enumerate --width 1000 --count-only": 1.0,
    "enumerate --widths 3,3 (tanh)": 60.0,
    "enumerate --widths 4,4 --activation sigmoid": 60.0,
    "enumerate --widths 3,3,3 --activation sigmoid": 60.0,
}
RATIO_BAR = 1.3


def timed(cmd: list[str]) -> float:
    t = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, env=dict(os.environ, COLUMNS="160"))
    return time.perf_counter() - t


def scaling() -> list[dict]:
    from simtool.symbolic.activation import get_activation
    from simtool.symbolic.deep import DeepNet
    from simtool.symbolic.fix_closure import close_up_to_symmetry
    from simtool.symbolic.group import derive_group
    from simtool.symbolic.oracle import closure_of_group

    rows = []
    for widths, act in [((2, 2), "tanh"), ((2, 3), "sigmoid"), ((3, 3), "sigmoid"), ((2, 3), "tanh"),
                        ((3, 3), "tanh"), ((2, 2, 2), "sigmoid"), ((3, 3, 3), "sigmoid"), ((4, 4), "sigmoid")]:
        G = derive_group(DeepNet(widths, get_activation(act)))
        t = time.perf_counter()
        C = close_up_to_symmetry(G)
        fast = time.perf_counter() - t
        brute = None
        if G.order <= 400:
            t = time.perf_counter()
            assert len(closure_of_group(G)) == C.count
            brute = time.perf_counter() - t
        rows.append({"widths": widths, "activation": act, "group_order": G.order, "elements": C.count,
                     "classes": len(C.classes), "generic_s": fast, "brute_force_s": brute})
        print(f"{str(widths):10s} {act:8s} |G| = {G.order:6d}  {C.count:6d} elements  {len(C.classes):4d} classes  "
              f"generic {fast:7.2f} s  brute force {'—' if brute is None else f'{brute:7.2f} s'}", flush=True)
    return rows


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--out", help="directory for enumerate.json")
    ap.add_argument("--scaling", action="store_true", help="also the generic vs brute-force scaling table")
    ap.add_argument("--only", nargs="*", help="run only these case names (substring match)")
    args = ap.parse_args()
    cases = {k: v for k, v in CASES.items() if not args.only or any(o in k for o in args.only)}
    load0 = os.getloadavg()
    for cmd in cases.values():
        timed(cmd)  # warm the file-system cache, not the interpreter
    samples: dict[str, list[float]] = {k: [] for k in cases}
    for _ in range(args.repeat):  # interleaved: A B C … A B C …
        for name, cmd in cases.items():
            samples[name].append(timed(cmd))
    load1 = os.getloadavg()
    med = {k: statistics.median(v) for k, v in samples.items()}
    print(f"load average before {load0[0]:.2f}, after {load1[0]:.2f} (2-core machine)")
    print(f"{'case':48s} {'median s':>9s} {'min–max':>15s}  bar")
    ratio = None
    if "enumerate --width 4" in med and "import sympy, networkx" in med:
        ratio = med["enumerate --width 4"] / med["import sympy, networkx"]
    for name, t in med.items():
        bar = BARS.get(name)
        note = f"< {bar:g} s: {'ok' if t < bar else 'MISSED'}" if bar else ""
        if name == "enumerate --width 4" and ratio is not None:
            note = f"{ratio:.2f}× the import (bar ≤ {RATIO_BAR}×): {'ok' if ratio <= RATIO_BAR else 'MISSED'}"
        lo, hi = min(samples[name]), max(samples[name])
        print(f"{name:48s} {t:9.3f} {lo:7.3f}–{hi:<7.3f}  {note}")
    rows = scaling() if args.scaling else []
    if args.out:
        out = Path(args.out)
        out.mkdir(parents=True, exist_ok=True)
        (out / "enumerate.json").write_text(json.dumps(
            {"median_s": med, "samples_s": samples, "ratio_width4": ratio, "load_before": load0,
             "load_after": load1, "scaling": rows}, indent=1, default=str))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
