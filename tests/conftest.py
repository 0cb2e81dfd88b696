"""Shared test configuration: hypothesis profiles, float64 + deterministic torch.

torch is configured lazily (only when a numeric test imports it) so that the
symbolic tests never pay for importing torch.
"""

from __future__ import annotations

import os
import sys

from simtool.testing.profiles import load_profile

# the profiles users get (dev, ci derandomized, thorough), chosen by
# $SIMTOOL_HYPOTHESIS_PROFILE; simtool's own suite defaults to ci (or $HYPOTHESIS_PROFILE)
load_profile(default=os.environ.get("HYPOTHESIS_PROFILE", "ci"))


def pytest_collection_modifyitems(config, items):  # noqa: D103 - pytest hook
    # numeric tests live under tests/numeric; configure torch once if it is needed
    if any("numeric" in str(item.fspath) for item in items):
        import torch

        torch.set_default_dtype(torch.float64)
        torch.use_deterministic_algorithms(True)
        torch.set_num_threads(1)  # tiny matmuls: threads cost more than they give
    sys.setrecursionlimit(max(sys.getrecursionlimit(), 5000))
