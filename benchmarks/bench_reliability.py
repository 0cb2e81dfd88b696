"""Bars of issue 10 (reliability), measured side by side in one run.

    python benchmarks/bench_reliability.py [--repeat 5] [--out DIR]

* ``simtool check --help`` and argument errors of ``check``/``simulate`` (bar < 0.5 s);
* every refusal of the fuzz corpus (``tests/test_fuzz_cli.py``) that is decided from
  the arguments, as a fresh process each (bar < 1 s), with the worst case named;
* baseline: ``python -c pass`` and ``python -c "import sympy"``.

Each figure is the median wall-clock time of ``--repeat`` fresh processes; the repetitions
are interleaved (case 1, case 2, …, case 1, …) so that load changes hit every case alike.
The load average is recorded: the development VM is shared.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
SIMTOOL = shutil.which("simtool") or "simtool"

FAST_CASES = {
    "python -c pass": [sys.executable, "-c", "pass"],
    "python -c 'import sympy'": [sys.executable, "-c", "import sympy"],
    "check --help": [SIMTOOL, "check", "--help"],
    "check --integrator bogus": [SIMTOOL, "check", "--width", "2", "--integrator", "bogus"],
    "check --n-traj 0": [SIMTOOL, "check", "--width", "2", "--n-traj", "0"],
    "check --seed 1.5": [SIMTOOL, "check", "--width", "2", "--seed", "1.5"],
    "simulate (no --out)": [SIMTOOL, "simulate", "--width", "2"],
    "simulate --out x.txt": [SIMTOOL, "simulate", "--width", "2", "--out", "x.txt"],
    "simulate --n-save 1": [SIMTOOL, "simulate", "--width", "2", "--out", "r.npz", "--n-save", "1"],
}


def _time(cmd: list[str], cwd: str) -> float:
    t = time.perf_counter()
    subprocess.run(cmd, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=120)
    return time.perf_counter() - t


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--out", default=None)
    args = ap.parse_args()
    from tests.test_fuzz_cli import CORPUS

    work = tempfile.mkdtemp(prefix="bench-rel-")
    for name in ("existing.dot", "existing.npz", "afile"):
        Path(work, name).write_text("keep")
    for name in ("adir.dot", "adir.npz", "figs"):
        Path(work, name).mkdir()
    Path(work, "figs", "summary.png").write_text("keep")
    cases = dict(FAST_CASES)
    for argv, _, _ in CORPUS:
        cases["corpus: " + " ".join(argv)[:90]] = [SIMTOOL, *argv]
    load = os.getloadavg()
    times: dict[str, list[float]] = {k: [] for k in cases}
    for _ in range(args.repeat):
        for name, cmd in cases.items():
            times[name].append(_time(cmd, work))
    med = {k: statistics.median(v) for k, v in times.items()}
    corpus = {k: v for k, v in med.items() if k.startswith("corpus: ")}
    worst = max(corpus, key=corpus.get)
    fast = {k: med[k] for k in FAST_CASES}
    report = {"load_before": load, "load_after": os.getloadavg(), "repeat": args.repeat,
              "fast_cases_median_s": fast, "corpus_size": len(corpus),
              "corpus_over_1s": sorted(k for k, v in corpus.items() if v >= 1.0),
              "corpus_worst": [worst, corpus[worst]],
              "corpus_median_of_medians_s": statistics.median(corpus.values())}
    for k, v in fast.items():
        print(f"{k:32s} {v:6.3f} s")
    print(f"corpus: {len(corpus)} refusals, median {report['corpus_median_of_medians_s']:.3f} s, "
          f"worst {corpus[worst]:.3f} s ({worst}); ≥ 1 s: {len(report['corpus_over_1s'])}")
    print(f"load average {load[0]:.2f} → {report['load_after'][0]:.2f}")
    if args.out:
        os.makedirs(args.out, exist_ok=True)
        with open(os.path.join(args.out, "reliability.json"), "w") as fh:
            json.dump(report, fh, indent=1)


if __name__ == "__main__":
    main()
