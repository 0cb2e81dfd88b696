r"""Sweep tasks: plain specs in, plain dicts out, failures reported with their case.

A task spec is a JSON-able dict with a ``kind``:

* ``{"kind": "theorem", "theorem": NAME, "file": PATH | None, "case": {...}}``: one
  case of a catalogue (or user-file) theorem; the result is
  :meth:`simtool.theorem.Outcome.as_dict`;
* ``{"kind": "check", "case": {...}}``: one grid point of numerical checks
  (:func:`simtool.sweep.grid.run_check_case`).

:func:`execute` runs a spec here.  :func:`execute_with_timeout` adds a wall-clock limit:
in a process's main thread by ``SIGALRM`` (local pool, sequential runs), elsewhere (Dask
worker threads) in a child ``python -m simtool.sweep.worker`` process, which applies the
same ``SIGALRM`` limit after its imports and is killed if it overruns that by
``STARTUP_GRACE``.  The limit never includes importing simtool (pool workers import the
catalogue when they start).  Either way a task that raises or times out comes back as a result dict with
``failure`` set (``"error"`` / ``"timeout"``) and its case, never as a lost task.
"""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Mapping
from contextlib import contextmanager
from typing import Any

__all__ = ["execute", "execute_with_timeout", "failed", "task_key", "TaskTimeout"]

Spec = Mapping[str, Any]


class TaskTimeout(BaseException):
    """Raised inside a task when its time limit is reached.

    A ``BaseException`` (like ``KeyboardInterrupt``), so the ``except Exception`` that
    turns a raising check into an ``error`` outcome, or one in user code, cannot
    swallow it."""


def failed(spec: Spec, failure: str, message: str, seconds: float = 0.0) -> dict[str, Any]:
    """The result dict of a task that did not finish (kept, with its case)."""
    expected = spec.get("expected", "n/a")
    return {"theorem": spec.get("theorem", spec.get("kind", "task")), "case": dict(spec.get("case", {})),
            "verdict": {"status": "inconclusive", "evidence": message}, "expected": expected,
            "matches": False, "seconds": round(seconds, 4), "failure": failure}


def execute(spec: Spec) -> dict[str, Any]:
    """Run one task spec in this process and return its plain result dict."""
    kind = spec.get("kind")
    if kind == "theorem":
        from ..catalogue import find_theorem, get_theorem, load_theorem_file
        from ..theorem import run_case

        name = spec["theorem"]
        theorem = find_theorem(name, load_theorem_file(spec["file"])) if spec.get("file") else get_theorem(name)
        return run_case(theorem, spec["case"]).as_dict()
    if kind == "check":
        from .grid import run_check_case

        return run_check_case(spec["case"])
    raise ValueError(f"unknown task kind {kind!r}; choose one of theorem, check")


@contextmanager
def _alarm(seconds: float):
    def _raise(signum, frame):
        raise TaskTimeout(f"timed out after {seconds:g} s")

    previous = signal.signal(signal.SIGALRM, _raise)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def _in_main_thread() -> bool:
    return threading.current_thread() is threading.main_thread() and hasattr(signal, "setitimer")


def execute_with_timeout(spec: Spec, timeout: float | None = None) -> dict[str, Any]:
    """:func:`execute` with a wall-clock limit (``spec["timeout"]`` if not given)."""
    limit = timeout if timeout is not None else spec.get("timeout")
    start = time.perf_counter()
    try:
        if not limit:
            return execute(spec)
        if _in_main_thread():
            with _alarm(float(limit)):
                return execute(spec)
        return _in_child(spec, float(limit))
    except TaskTimeout as exc:
        return failed(spec, "timeout", str(exc), time.perf_counter() - start)
    except Exception as exc:  # noqa: BLE001 - reported with its case
        return failed(spec, "error", f"{type(exc).__name__}: {exc}", time.perf_counter() - start)


#: the child enforces the limit itself once its imports are done (SIGALRM in its main
#: thread); the parent kills it only if it overruns by more than this start-up allowance
STARTUP_GRACE = 60.0


def _in_child(spec: Spec, limit: float) -> dict[str, Any]:
    env = dict(os.environ, OMP_NUM_THREADS="1")
    try:
        done = subprocess.run([sys.executable, "-m", "simtool.sweep.worker"], input=json.dumps(dict(spec)),
                              capture_output=True, text=True, timeout=limit + STARTUP_GRACE, env=env)
    except subprocess.TimeoutExpired:
        raise TaskTimeout(f"timed out after {limit:g} s (child process killed after the start-up "
                          f"allowance of {STARTUP_GRACE:g} s)") from None
    if done.returncode != 0:
        tail = (done.stderr or "").strip().splitlines()[-1:] or [f"exit status {done.returncode}"]
        raise RuntimeError(f"worker process failed: {tail[0]}")
    return json.loads(done.stdout)


def task_key(spec: Spec) -> str:
    """Stable key of a spec for the result store: its canonical JSON, the simtool
    version and, for a user file, the file's content hash."""
    from .. import __version__

    doc = {k: v for k, v in spec.items() if k != "timeout"}
    if spec.get("file"):
        from ..catalogue.user_file import file_digest

        doc["file_digest"] = file_digest(spec["file"])
    text = json.dumps(doc, sort_keys=True, default=str) + "|" + __version__
    return hashlib.sha256(text.encode()).hexdigest()[:32]
