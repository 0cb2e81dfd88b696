"""Strict RFC 8259 parsing for every ``--json`` output in the test-suite.

``json.loads`` accepts ``NaN``/``Infinity``; simtool promises strict JSON
(``simtool.output``), so the tests parse with :func:`loads`, which refuses them.
"""

from __future__ import annotations

import json


def _refuse(name: str):
    raise ValueError(f"non-standard JSON constant {name!r}")


def loads(text: str):
    """``json.loads`` that raises on ``NaN``, ``Infinity`` and ``-Infinity``."""
    return json.loads(text, parse_constant=_refuse)
