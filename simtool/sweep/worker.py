"""``python -m simtool.sweep.worker``: run one task spec (JSON on stdin, result on stdout).

Used by :func:`simtool.sweep.tasks.execute_with_timeout` where a signal cannot
interrupt the task (a Dask worker thread).
"""

from __future__ import annotations

import json
import sys

from .tasks import execute_with_timeout


def main() -> int:
    spec = json.loads(sys.stdin.read())
    # import before the time limit starts: the limit is for the task, not for start-up
    import simtool.catalogue  # noqa: F401

    if spec.get("kind") == "check":
        import simtool.numeric.checks  # noqa: F401
    json.dump(execute_with_timeout(spec), sys.stdout)  # SIGALRM limit, in this main thread
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
