"""The output directory of a sweep: one JSON file per finished task, reused on re-runs.

A result is stored under :func:`~simtool.sweep.tasks.task_key` of its spec (the spec,
the simtool version and a user file's content hash), so a changed theorem file or a new
simtool version re-runs.  Failed tasks (errors, timeouts) are not stored: a re-run
tries them again.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from ..errors import SimtoolError

__all__ = ["ResultStore"]


class ResultStore:
    """Finished task results in ``directory/results/<key>.json``."""

    def __init__(self, directory: str | os.PathLike) -> None:
        self.root = Path(directory)
        self.dir = self.root / "results"
        try:
            self.dir.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise SimtoolError(f"cannot create output directory {str(directory)!r}: {exc.strerror}") from None

    def get(self, key: str) -> dict[str, Any] | None:
        path = self.dir / f"{key}.json"
        try:
            return json.loads(path.read_text())
        except (OSError, ValueError):
            return None

    def put(self, key: str, result: dict[str, Any]) -> None:
        if result.get("failure"):
            return
        tmp = self.dir / f".{key}.tmp"
        tmp.write_text(json.dumps(result, sort_keys=True))
        os.replace(tmp, self.dir / f"{key}.json")  # atomic: a killed run leaves no half file
