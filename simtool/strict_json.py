r"""Strict RFC 8259 JSON for every ``--json`` output (used through :mod:`simtool.output`).

``NaN`` and ``±Infinity`` are not JSON.  :func:`dumps` writes them as ``null`` and,
when the document is an object, adds ``"non_finite": {pointer: "nan" | "inf" |
"-inf"}`` naming each replaced value by its JSON pointer (RFC 6901), e.g.
``{"/risk_end_median": "inf"}``.  Integers outside ``±(2**53 − 1)`` (what a
JavaScript or double-based consumer holds exactly) are written as decimal strings,
of any length (Python's int→str digit limit is lifted for them).

>>> dumps({"a": float("inf"), "n": 2**60, "ok": [1.5, float("nan")]}, indent=None)
'{"a": null, "n": "1152921504606846976", "ok": [1.5, null], "non_finite": {"/a": "inf", "/ok/1": "nan"}}'
"""

from __future__ import annotations

import json
import math
import numbers
import sys
from collections.abc import Mapping
from typing import Any

__all__ = ["SAFE_INT", "strict", "dumps", "int_text"]

#: integers beyond this magnitude are written to JSON as strings
SAFE_INT = 2**53 - 1


def _pointer_token(key: str) -> str:
    return key.replace("~", "~0").replace("/", "~1")


def strict(doc: Any) -> tuple[Any, dict[str, str]]:
    """``(clean, non_finite)``: ``doc`` with JSON-only values, and the replaced floats."""
    bad: dict[str, str] = {}

    def walk(x: Any, ptr: str) -> Any:
        if x is None or isinstance(x, (str, bool)):
            return x
        if isinstance(x, numbers.Integral):
            v = int(x)
            return v if -SAFE_INT <= v <= SAFE_INT else int_text(v)
        if isinstance(x, numbers.Real):
            f = float(x)
            if math.isfinite(f):
                return f
            bad[ptr] = "nan" if math.isnan(f) else ("inf" if f > 0 else "-inf")
            return None
        if isinstance(x, Mapping):
            return {str(k): walk(v, f"{ptr}/{_pointer_token(str(k))}") for k, v in x.items()}
        if isinstance(x, (list, tuple)):
            return [walk(v, f"{ptr}/{i}") for i, v in enumerate(x)]
        return str(x)

    return walk(doc, ""), bad


def int_text(v: int, *, grouped: bool = False) -> str:
    """All digits of ``v`` (``grouped``: with thousands separators), whatever its size.

    >>> int_text(10**5000).count("0")
    5000
    """
    fmt = "{:,}" if grouped else "{}"
    limit = sys.get_int_max_str_digits() if hasattr(sys, "get_int_max_str_digits") else 0
    if not limit:
        return fmt.format(v)
    sys.set_int_max_str_digits(0)
    try:
        return fmt.format(v)
    finally:
        sys.set_int_max_str_digits(limit)


def dumps(doc: Any, *, indent: int | None = 1, ensure_ascii: bool = True) -> str:
    """Strict JSON text of ``doc`` (see the module docstring)."""
    clean, bad = strict(doc)
    if bad and isinstance(clean, dict):
        clean["non_finite"] = bad
    return json.dumps(clean, indent=indent, ensure_ascii=ensure_ascii, allow_nan=False)
