"""Trustworthy timing on a shared machine: interleaved repetitions, medians, min–max,
the machine's GEMM peak and its load, recorded next to every number.

``interleaved({"a": fa, "b": fb}, reps)`` runs ``a b a b …`` (after one warm-up call of
each) and returns per contender ``{"median_s", "min_s", "max_s", "times_s"}``; ratios are
taken of medians.  ``gemm_peak(device)`` is the float64 GFLOP/s of a 1024³ matmul
(median of 5).  ``machine()`` records cores, threads, load average, torch and simtool
versions and ``OMP_WAIT_POLICY``.
"""

from __future__ import annotations

import contextlib
import multiprocessing as mp
import os
import platform
import statistics
import time
from collections.abc import Callable

import torch

__all__ = ["sync", "interleaved", "gemm_peak", "machine", "ratio", "busy_load"]


def sync(device: str | torch.device) -> None:
    if str(device).startswith("cuda"):
        torch.cuda.synchronize()


def _once(fn: Callable[[], object], device) -> float:
    sync(device)
    t0 = time.perf_counter()
    fn()
    sync(device)
    return time.perf_counter() - t0


def interleaved(fns: dict[str, Callable[[], object]], reps: int, device="cpu",
                warmup: bool = True) -> dict[str, dict]:
    """Median, min and max over ``reps`` interleaved repetitions of each contender (after
    one untimed call of each, unless the caller has just run them: ``warmup=False``)."""
    for fn in fns.values() if warmup else ():
        fn()  # warm-up (allocations, caches, lazy init)
    times: dict[str, list[float]] = {k: [] for k in fns}
    for _ in range(reps):
        for k, fn in fns.items():
            times[k].append(_once(fn, device))
    return {k: {"median_s": statistics.median(v), "min_s": min(v), "max_s": max(v), "times_s": v}
            for k, v in times.items()}


def ratio(stats: dict[str, dict], slow: str, fast: str) -> float:
    """``median(slow) / median(fast)``."""
    return stats[slow]["median_s"] / stats[fast]["median_s"]


def gemm_peak(device="cpu", n: int = 1024) -> float:
    """Float64 GFLOP/s of an ``n × n`` matmul (median of 5) on ``device``."""
    A = torch.randn(n, n, dtype=torch.float64, device=device)
    st = interleaved({"mm": lambda: A @ A}, 5, device)["mm"]
    return 2 * n ** 3 / st["median_s"] / 1e9


def machine(device="cpu") -> dict:
    from simtool import __version__

    out = {"simtool_version": __version__, "torch": torch.__version__,
           "python": platform.python_version(), "cpu_count": os.cpu_count(),
           "torch_threads": torch.get_num_threads(),
           "omp_wait_policy": os.environ.get("OMP_WAIT_POLICY", "(unset)"),
           "loadavg": os.getloadavg(), "device": str(device)}
    if str(device).startswith("cuda"):
        out["gpu"] = torch.cuda.get_device_name(0)
    return out


def _spin() -> None:  # pragma: no cover - a busy process
    while True:
        pass


@contextlib.contextmanager
def busy_load(n: int):
    """``n`` processes spinning on the CPU for the duration (another user's jobs on a
    shared machine); ``n = 0`` does nothing."""
    procs = [mp.Process(target=_spin, daemon=True) for _ in range(n)]
    for p in procs:
        p.start()
    try:
        yield
    finally:
        for p in procs:
            p.terminate()
        for p in procs:
            p.join()
