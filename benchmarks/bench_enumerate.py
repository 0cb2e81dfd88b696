"""Bars of the exact engine (issue "Foundation"), measured side by side in one run.

    python benchmarks/bench_enumerate.py [--repeat 5] [--out DIR]

* cold ``simtool enumerate --width 4`` vs ``python -c "import sympy, networkx"``
  (ratio; bar ≤ 1.5×);
* full enumeration with proofs, width 6, odd σ (4,088 elements; bar < 10 s);
* ``--up-to-symmetry`` at width 30 (28,629 classes; bar < 2 s);
* ``--count-only --width 1000`` (bar < 1 s).

Each figure is the median wall-clock time of ``--repeat`` fresh processes.
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
}
BARS = {
    "enumerate --width 6 (4,088 elements, proofs)": 10.0,
    "enumerate --width 30 --up-to-symmetry": 2.0,
    "enumerate --width 1000 --count-only": 1.0,
}


def timed(cmd: list[str]) -> float:
    t = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, env=dict(os.environ, COLUMNS="160"))
    return time.perf_counter() - t


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--out", help="directory for results.json")
    args = ap.parse_args()
    results = {}
    for name, cmd in CASES.items():
        timed(cmd)  # warm the file-system cache, not the interpreter
        results[name] = statistics.median(timed(cmd) for _ in range(args.repeat))
    base = results["import sympy, networkx"]
    ratio = results["enumerate --width 4"] / base
    print(f"{'case':48s} {'median s':>9s}  bar")
    for name, t in results.items():
        bar = BARS.get(name)
        note = f"< {bar:g} s: {'ok' if t < bar else 'MISSED'}" if bar else ""
        if name == "enumerate --width 4":
            note = f"{ratio:.2f}× the import (bar ≤ 1.5×): {'ok' if ratio <= 1.5 else 'MISSED'}"
        print(f"{name:48s} {t:9.3f}  {note}")
    if args.out:
        out = Path(args.out)
        out.mkdir(parents=True, exist_ok=True)
        (out / "enumerate.json").write_text(json.dumps({"median_s": results, "ratio_width4": ratio}, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
