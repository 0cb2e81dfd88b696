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


def _time(cmd: list[str], cwd: str) -> tuple[float, float]:
    """(wall, CPU user+sys) seconds of one fresh process."""
    t = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, _, usage = os.wait4(proc.pid, 0)
    proc.returncode = 0  # reaped by wait4
    return time.perf_counter() - t, usage.ru_utime + usage.ru_stime


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
    wall: dict[str, list[float]] = {k: [] for k in cases}
    cpu: dict[str, list[float]] = {k: [] for k in cases}
    for _ in range(args.repeat):
        for name, cmd in cases.items():
            w, c = _time(cmd, work)
            wall[name].append(w)
            cpu[name].append(c)
    med = {k: statistics.median(v) for k, v in wall.items()}
    med_cpu = {k: statistics.median(v) for k, v in cpu.items()}
    corpus = {k: v for k, v in med.items() if k.startswith("corpus: ")}
    corpus_cpu = {k: med_cpu[k] for k in corpus}
    worst = max(corpus, key=corpus.get)
    worst_cpu = max(corpus_cpu, key=corpus_cpu.get)
    fast = {k: [med[k], med_cpu[k]] for k in FAST_CASES}
    report = {"load_before": load, "load_after": os.getloadavg(), "repeat": args.repeat,
              "fast_cases_median_wall_cpu_s": fast, "corpus_size": len(corpus),
              "corpus_wall_over_1s": sorted(k for k, v in corpus.items() if v >= 1.0),
              "corpus_cpu_over_1s": sorted(k for k, v in corpus_cpu.items() if v >= 1.0),
              "corpus_worst_wall": [worst, corpus[worst]],
              "corpus_worst_cpu": [worst_cpu, corpus_cpu[worst_cpu]],
              "corpus_median_wall_s": statistics.median(corpus.values()),
              "corpus_median_cpu_s": statistics.median(corpus_cpu.values())}
    print(f"{'case':32s}   wall     CPU")
    for k, (w, c) in fast.items():
        print(f"{k:32s} {w:6.3f} s {c:6.3f} s")
    print(f"corpus: {len(corpus)} refusals; wall median {report['corpus_median_wall_s']:.3f} s, worst "
          f"{corpus[worst]:.3f} s ({worst}), ≥ 1 s: {len(report['corpus_wall_over_1s'])}; CPU median "
          f"{report['corpus_median_cpu_s']:.3f} s, worst {corpus_cpu[worst_cpu]:.3f} s ({worst_cpu}), "
          f"≥ 1 s: {len(report['corpus_cpu_over_1s'])}")
    print(f"load average {load[0]:.2f} → {report['load_after'][0]:.2f}")
    if args.out:
        os.makedirs(args.out, exist_ok=True)
        with open(os.path.join(args.out, "reliability.json"), "w") as fh:
            json.dump(report, fh, indent=1)


if __name__ == "__main__":
    main()
