r"""One output layer for every command: files, standard output, strict JSON.

Pure Python (rich is imported only by :func:`console`), so commands validate their
outputs before importing the engines.  Every failure becomes an
:class:`~simtool.errors.OutputError` (one-line message, exit status 2) and never
leaves a partial file behind.

API (any command may call these)
--------------------------------
``output_file(path, option=, suffixes=, force=)``
    validate an output file *before the run*: a non-empty name with an accepted
    suffix, not a directory, not an existing file unless ``force`` (``--force``), in
    an existing directory that a probe file can be created in.
``output_dir(path, option=, force=, patterns=)``
    the same for a directory of figures: it may exist, but files matching
    ``patterns`` in it are only replaced with ``force``.
``staged_file(path, option=)``, ``staged_dir(path, option=)``
    context managers yielding a temporary path (same suffix) in the target's
    directory; on success it is renamed onto the target, on any failure or interrupt
    it is removed, and an ``OSError`` becomes an ``OutputError``.
``emit(text)``, ``emit_json(doc)``
    write to standard output; main turns a closed pipe (EPIPE) into a quiet exit 0
    after the partial output and any other write error (full device, closed
    descriptor) into a one-line error with exit status 2 (:func:`guarded_stdout`).
``dumps(doc)``, ``strict(doc)``, ``int_text(n)``
    strict RFC 8259 JSON and exact digits of any integer (from :mod:`simtool.strict_json`).
``console(**kw)``
    a rich Console whose broken-pipe handling follows the rules above (rich's own
    raises ``SystemExit(1)``, which read like a "violated" exit status).
``warn(text)``
    one line on standard error (never raises).

Strict JSON (:mod:`simtool.strict_json`): non-finite floats become ``null`` plus a
``"non_finite"`` map of JSON pointers; integers beyond ``±(2**53 − 1)`` become strings.
"""

from __future__ import annotations

import contextlib
import errno
import fnmatch
import os
import shutil
import sys
import tempfile
from collections.abc import Iterator
from typing import Any

from .errors import OutputError
from .strict_json import SAFE_INT, dumps, int_text, strict

__all__ = [
    "SAFE_INT",
    "StdoutError",
    "output_file",
    "output_dir",
    "staged_file",
    "staged_dir",
    "strict",
    "dumps",
    "int_text",
    "emit",
    "emit_json",
    "console",
    "warn",
    "guarded_stdout",
    "require_stdout",
    "silence_stdout",
    "remove_temporaries",
]

#: temporary files and directories in flight (removed on a hard interrupt)
_TEMPORARIES: set[str] = set()


class StdoutError(OutputError):
    """Standard output is closed or cannot be written (not a closed pipe)."""


def _reason(exc: OSError) -> str:
    return exc.strerror or str(exc)


def _or(suffixes) -> str:
    s = list(suffixes)
    return s[0] if len(s) == 1 else ", ".join(s[:-1]) + " or " + s[-1]


def _probe(directory: str, option: str, shown: str) -> None:
    if not os.path.exists(directory):
        raise OutputError(f"{option} {shown!r}: directory {directory!r} does not exist")
    if not os.path.isdir(directory):
        raise OutputError(f"{option} {shown!r}: {directory!r} is not a directory")
    try:
        fd, probe = tempfile.mkstemp(prefix=".simtool-probe-", dir=directory)
        os.close(fd)
        os.unlink(probe)
    except OSError as exc:
        raise OutputError(f"{option} {shown!r}: cannot write into {directory!r}: {_reason(exc)}") from None


def _name(path: object, option: str, what: str) -> str:
    text = "" if path is None else str(path)
    if not text.strip():
        raise OutputError(f"{option} needs a {what} name, got {text!r}")
    if "\0" in text:
        raise OutputError(f"{option} {text!r}: a {what} name cannot contain NUL")
    base = os.path.basename(text.rstrip(os.sep)) or text
    try:
        too_long = len(os.fsencode(base)) > 200
    except UnicodeError:
        raise OutputError(f"{option} {text!r}: the name cannot be encoded for this file system") from None
    if too_long:
        raise OutputError(f"{option} {text[:40]!r}…: the {what} name is too long")
    return text


def output_file(path: str | None, *, option: str, suffixes: tuple[str, ...] = (),
                force: bool = False) -> str | None:
    """Validate an output file before the run; ``None`` (option not given) passes."""
    if path is None:
        return None
    text = _name(path, option, "file")
    if suffixes and not text.lower().endswith(tuple(s.lower() for s in suffixes)):
        raise OutputError(f"{option} {text!r} must end in {_or(suffixes)}")
    target = os.path.abspath(text)
    if text.endswith(os.sep) or os.path.isdir(target):
        raise OutputError(f"{option} {text!r} is a directory; give a file name")
    if os.path.lexists(target):
        if not os.path.isfile(target):
            raise OutputError(f"{option} {text!r} exists and is not a regular file")
        if not force:
            raise OutputError(f"{option} {text!r} exists; pass --force to overwrite it")
    _probe(os.path.dirname(target), option, text)
    return text


def output_dir(path: str | None, *, option: str, force: bool = False,
               patterns: tuple[str, ...] = ()) -> str | None:
    """Validate an output directory before the run; ``None`` passes.

    The directory may exist; files in it matching ``patterns`` (what the command
    writes) are replaced only with ``force``.
    """
    if path is None:
        return None
    text = _name(path, option, "directory")
    target = os.path.abspath(text)
    if os.path.lexists(target):
        if not os.path.isdir(target):
            raise OutputError(f"{option} {text!r} exists and is not a directory")
        clash = sorted(f for f in os.listdir(target) if any(fnmatch.fnmatch(f, p) for p in patterns))
        if clash and not force:
            raise OutputError(f"{option} {text!r} already holds {clash[0]}"
                              f"{f' and {len(clash) - 1} more' if len(clash) > 1 else ''}; "
                              "pass --force to replace them")
        _probe(target, option, text)
    else:
        _probe(os.path.dirname(target), option, text)
    return text


@contextlib.contextmanager
def staged_file(path: str, *, option: str) -> Iterator[str]:
    """Yield a temporary file (same directory and suffix); rename it onto ``path`` on success."""
    target = os.path.abspath(path)
    directory, name = os.path.split(target)
    tmp = None
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{name}.", suffix=os.path.splitext(name)[1] or ".tmp",
                                   dir=directory)
        os.close(fd)
        _TEMPORARIES.add(tmp)
        yield tmp
        os.replace(tmp, target)
    except OSError as exc:
        raise OutputError(f"cannot write {option} {path!r}: {_reason(exc)}") from None
    finally:
        if tmp is not None:
            _TEMPORARIES.discard(tmp)
            with contextlib.suppress(OSError):
                os.unlink(tmp)


@contextlib.contextmanager
def staged_dir(path: str, *, option: str) -> Iterator[str]:
    """Yield a temporary directory; move its files into ``path`` (created) on success."""
    target = os.path.abspath(path)
    tmp = None
    try:
        parent = target if os.path.isdir(target) else os.path.dirname(target)
        tmp = tempfile.mkdtemp(prefix=f".{os.path.basename(target)}.", dir=parent)
        _TEMPORARIES.add(tmp)
        yield tmp
        if not os.path.exists(target):
            os.replace(tmp, target)
        else:
            for f in sorted(os.listdir(tmp)):
                os.replace(os.path.join(tmp, f), os.path.join(target, f))
    except OSError as exc:
        raise OutputError(f"cannot write {option} {path!r}: {_reason(exc)}") from None
    finally:
        if tmp is not None:
            _TEMPORARIES.discard(tmp)
            shutil.rmtree(tmp, ignore_errors=True)


def remove_temporaries() -> None:
    """Remove every staged file/directory in flight (used by the hard interrupt handler)."""
    for p in list(_TEMPORARIES):
        if os.path.isdir(p):
            shutil.rmtree(p, ignore_errors=True)
        else:
            with contextlib.suppress(OSError):
                os.unlink(p)


# -- standard streams -----------------------------------------------------------------
def emit(text: str) -> None:
    """Write ``text`` (a newline is added if missing) to standard output."""
    sys.stdout.write(text if text.endswith("\n") else text + "\n")


def emit_json(doc: Any, *, indent: int | None = 1, ensure_ascii: bool = True) -> None:
    """Write ``doc`` as strict JSON to standard output."""
    emit(dumps(doc, indent=indent, ensure_ascii=ensure_ascii))


def warn(text: str) -> None:
    """One line on standard error; a closed or broken stderr is ignored."""
    stream = sys.stderr
    if stream is None:
        return
    try:
        stream.write(text.rstrip("\n") + "\n")
        stream.flush()
    except (OSError, ValueError):
        pass


def console(*, stderr: bool = False, **kwargs):
    """A rich Console for this layer (imports rich; use it instead of ``Console(...)``)."""
    from rich.console import Console

    class _Console(Console):
        def on_broken_pipe(self) -> None:  # rich: dup2 devnull and SystemExit(1)
            self.quiet = True
            raise BrokenPipeError(errno.EPIPE, "Broken pipe")

    return _Console(stderr=stderr, **kwargs)


class _GuardedStream:
    """Forwards to a text stream; write errors other than EPIPE become :class:`StdoutError`."""

    def __init__(self, stream) -> None:
        self._stream = stream

    def _call(self, fn, *args):
        try:
            return fn(*args)
        except BrokenPipeError:
            raise
        except OSError as exc:
            raise StdoutError(f"cannot write to standard output: {_reason(exc)}") from None
        except ValueError as exc:  # "I/O operation on closed file"
            raise StdoutError(f"cannot write to standard output: {exc}") from None

    def write(self, s):
        return self._call(self._stream.write, s)

    def writelines(self, lines):
        return self._call(self._stream.writelines, lines)

    def flush(self):
        return self._call(self._stream.flush)

    def __getattr__(self, name):
        return getattr(self._stream, name)


@contextlib.contextmanager
def guarded_stdout() -> Iterator[None]:
    """Route writes to ``sys.stdout`` through the error rules of this module; flush at the end."""
    original = sys.stdout
    if original is None:
        yield
        return
    sys.stdout = _GuardedStream(original)  # type: ignore[assignment]
    try:
        yield
        sys.stdout.flush()
    finally:
        sys.stdout = original


def require_stdout() -> None:
    """Refuse up front when standard output is closed (``>&-``)."""
    stream = sys.stdout
    if stream is None:
        raise StdoutError("standard output is closed")
    try:
        fd = stream.fileno()
    except (OSError, ValueError, AttributeError):  # in-process capture: no descriptor
        return
    try:
        os.fstat(fd)
    except OSError as exc:
        raise StdoutError(f"standard output is unusable: {_reason(exc)}") from None


def silence_stdout() -> None:
    """Point descriptor 1 at /dev/null so the interpreter's final flush cannot fail."""
    try:
        fd = sys.__stdout__.fileno() if sys.__stdout__ is not None else 1
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, fd)
        os.close(devnull)
    except (OSError, ValueError, AttributeError):
        pass
