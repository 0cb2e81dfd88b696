"""Ctrl-C at any moment: one ``simtool CMD: interrupted`` line and exit status 130.

:func:`installed` (entered first thing by :func:`simtool.cli.main`) replaces Python's
SIGINT handler by a *hard* one: it removes the output layer's temporary files,
writes the line with ``os.write`` and leaves with ``os._exit(130)``.  It is safe
while modules are being imported (a ``KeyboardInterrupt`` raised inside torch's
import could leave the interpreter half-initialised), while sympy or a C kernel
runs, and while output is written.

An inherited "ignore SIGINT" (background jobs of non-interactive shells) is kept,
as Unix programs do.

A command whose long loop can save partial results wraps that loop in
:func:`catchable`: inside it SIGINT raises ``KeyboardInterrupt`` as usual, the
command catches it, writes what it has and returns :data:`EXIT_INTERRUPTED` after
calling :func:`report`.  A second Ctrl-C while it writes is hard again.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import threading
from collections.abc import Iterator

__all__ = ["EXIT_INTERRUPTED", "installed", "catchable", "report"]

EXIT_INTERRUPTED = 130
_state = {"command": "simtool"}


def _line() -> bytes:
    return f"{_state['command']}: interrupted\n".encode()


def _hard(signum, frame) -> None:  # pragma: no cover - exercised by subprocess tests
    try:
        from ..output import remove_temporaries

        remove_temporaries()
    finally:
        with contextlib.suppress(OSError):
            os.write(2, _line())
        os._exit(EXIT_INTERRUPTED)


@contextlib.contextmanager
def installed(command: str = "simtool") -> Iterator[None]:
    """Install the hard SIGINT handler for the duration (main thread only)."""
    _state["command"] = command
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:  # inherited (e.g. `cmd &` in a script)
        yield
        return
    old = signal.signal(signal.SIGINT, _hard)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, old)


def set_command(command: str) -> None:
    """The command named in the "interrupted" line (``simtool check``)."""
    _state["command"] = command


@contextlib.contextmanager
def catchable() -> Iterator[None]:
    """Inside: SIGINT raises ``KeyboardInterrupt`` (the caller saves partial results)."""
    if threading.current_thread() is not threading.main_thread() or \
            signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
        yield
        return
    old = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, old)


def report() -> int:
    """Write the "interrupted" line to stderr; returns :data:`EXIT_INTERRUPTED`."""
    stream = sys.stderr
    if stream is not None:
        with contextlib.suppress(OSError, ValueError):
            stream.write(_line().decode())
            stream.flush()
    return EXIT_INTERRUPTED
