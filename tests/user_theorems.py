"""Helpers for tests: write a user theorem file whose cases behave as told."""

TEMPLATE = '''
import time

from simtool.theorem import Theorem
from simtool.verdict import PROVED, REFUTED, Verdict

MODES = {modes!r}


def _check(case):
    mode = case["mode"]
    if mode == "raise":
        raise RuntimeError("boom in the user check")
    if mode == "sleep":
        time.sleep(60)
    if mode == "refute":
        return Verdict(REFUTED, "counterexample at x = 1", {{"x": 1}})
    return Verdict(PROVED, "fine")


ALL = [Theorem("user-claim", "a user claim that every mode is fine", _check, ("the user",),
               cases=lambda sel: [{{"mode": m}} for m in MODES], expected=PROVED)]
'''


def write_theorems(path, modes):
    """Write a theorem file with one case per mode (ok, refute, raise, sleep)."""
    path.write_text(TEMPLATE.format(modes=list(modes)))
    return path
