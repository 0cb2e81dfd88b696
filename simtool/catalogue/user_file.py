"""Loading a user's theorems from a Python file: the only user code simtool executes.

``simtool verify --file my_theorems.py`` imports that file as a module (under a private
name, not on ``sys.path``) and reads its ``ALL``: a list or tuple of
:class:`~simtool.theorem.Theorem`.  Everything else simtool accepts from users
(activation expressions, widths, data files) is parsed, never executed.  Sweep workers
load the same file by path, so on a cluster the path must be readable by the workers.
"""

from __future__ import annotations

import hashlib
import importlib.util
import sys
from functools import lru_cache
from pathlib import Path

from ..errors import TheoremError
from ..theorem import Theorem

__all__ = ["load_theorem_file", "file_digest"]


def file_digest(path: str | Path) -> str:
    """SHA-256 of the file's bytes (part of a cached result's key)."""
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def load_theorem_file(path: str | Path) -> tuple[Theorem, ...]:
    """Import ``path`` and return its ``ALL`` (validated).

    Raises
    ------
    TheoremError
        Missing or non-``.py`` file, a file that fails to import (its exception is
        quoted), no ``ALL``, or entries that are not ``Theorem`` objects.
    """
    p = Path(path).expanduser().resolve()
    if p.suffix != ".py":
        raise TheoremError(f"theorem file {str(path)!r} must be a .py file")
    if not p.is_file():
        raise TheoremError(f"theorem file {str(path)!r} does not exist")
    return _load(str(p), file_digest(p))


@lru_cache(maxsize=16)
def _load(path: str, digest: str) -> tuple[Theorem, ...]:
    name = f"simtool_user_theorems_{digest[:16]}"
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:  # pragma: no cover - .py files always have a loader
        raise TheoremError(f"cannot load theorem file {path!r}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses and pickling look modules up by name
    try:
        spec.loader.exec_module(module)
    except Exception as exc:  # noqa: BLE001 - user code: quote its failure in one line
        sys.modules.pop(name, None)
        raise TheoremError(f"theorem file {path!r} failed to import: {type(exc).__name__}: {exc}") from None
    found = getattr(module, "ALL", None)
    if not isinstance(found, (list, tuple)) or not found:
        raise TheoremError(f"theorem file {path!r} must define ALL, a non-empty list or tuple of Theorem")
    bad = [repr(t)[:40] for t in found if not isinstance(t, Theorem)]
    if bad:
        raise TheoremError(f"theorem file {path!r}: ALL holds non-Theorem entries: {', '.join(bad)}")
    names = [t.name for t in found]
    dup = sorted({n for n in names if names.count(n) > 1})
    if dup:
        raise TheoremError(f"theorem file {path!r}: duplicate theorem names {', '.join(dup)}")
    return tuple(found)
