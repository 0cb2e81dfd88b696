"""A heartbeat line on stderr for long runs when stderr is not a terminal.

A CI log shows nothing for minutes while a check or a proof runs; with stderr not a
TTY (and without ``--quiet``) a daemon thread writes
``simtool check: still running after 30 s (12/24 elements)`` every
:data:`INTERVAL` seconds (``$SIMTOOL_HEARTBEAT`` overrides it, in seconds).  Runs
shorter than the interval print nothing.  Commands report what they are doing with
:func:`status`; on a terminal the commands' own progress bars are used instead.
"""

from __future__ import annotations

import contextlib
import os
import sys
import threading
import time
from collections.abc import Iterator

__all__ = ["INTERVAL", "running", "status"]

#: seconds between heartbeat lines
INTERVAL = 30.0
_current: dict[str, str] = {"status": ""}


def status(text: str) -> None:
    """What the run is doing now (shown in the next heartbeat line)."""
    _current["status"] = text


def _interval() -> float:
    try:
        value = float(os.environ.get("SIMTOOL_HEARTBEAT", INTERVAL))
    except ValueError:
        return INTERVAL
    return value if value > 0 else INTERVAL


def _stderr_is_tty() -> bool:
    try:
        return sys.stderr is not None and sys.stderr.isatty()
    except (ValueError, OSError):
        return False


@contextlib.contextmanager
def running(command: str, *, quiet: bool = False) -> Iterator[None]:
    """Beat while the block runs, unless ``quiet`` or stderr is a terminal."""
    _current["status"] = ""
    if quiet or sys.stderr is None or _stderr_is_tty():
        yield
        return
    stop = threading.Event()
    start = time.monotonic()
    every = _interval()

    def beat() -> None:
        while not stop.wait(every):
            extra = f" ({_current['status']})" if _current["status"] else ""
            line = f"{command}: still running after {time.monotonic() - start:.0f} s{extra}\n"
            try:
                sys.stderr.write(line)
                sys.stderr.flush()
            except (OSError, ValueError, AttributeError):
                return

    thread = threading.Thread(target=beat, name="simtool-heartbeat", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(timeout=1.0)
