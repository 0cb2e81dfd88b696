"""Sweeps: theorem cases and check grids as plain task specs, on a process pool or Dask.

Public names: :func:`run_tasks` (any specs), :class:`Grid`, :func:`run_grid`,
:func:`merge` (check grids), :func:`theorem_specs` (catalogue cases), :class:`ResultStore`,
:func:`execute_with_timeout` (what a worker runs).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ..theorem import Selection, Theorem
from .executors import run_tasks
from .grid import Grid, merge, run_check_case, run_grid
from .store import ResultStore
from .tasks import execute, execute_with_timeout, task_key

__all__ = ["run_tasks", "Grid", "run_grid", "merge", "run_check_case", "ResultStore", "execute",
           "execute_with_timeout", "task_key", "theorem_specs"]


def theorem_specs(theorems: Sequence[Theorem], selection: Selection | None = None, *,
                  file: str | None = None, timeout: float | None = None) -> list[dict[str, Any]]:
    """One task spec per case of each theorem (``file``: where the theorems were loaded from)."""
    specs = []
    for t in theorems:
        for case in t.case_list(selection):
            spec: dict[str, Any] = {"kind": "theorem", "theorem": t.name, "file": file, "case": case,
                                    "expected": t.expected_for(case).value}
            if timeout:
                spec["timeout"] = float(timeout)
            specs.append(spec)
    return specs
