"""Shared test configuration: hypothesis profiles, float64 + deterministic torch.

torch is configured lazily (only when a numeric test imports it) so that the
symbolic tests never pay for importing torch.
"""

from __future__ import annotations

import os
import sys

from hypothesis import HealthCheck, settings

settings.register_profile(
    "ci",
    derandomize=True,
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
    print_blob=True,
)
settings.register_profile("dev", max_examples=30, deadline=None)
settings.register_profile("thorough", max_examples=500, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


def pytest_collection_modifyitems(config, items):  # noqa: D103 - pytest hook
    # numeric tests live under tests/numeric; configure torch once if it is needed
    if any("numeric" in str(item.fspath) for item in items):
        import torch

        torch.set_default_dtype(torch.float64)
        torch.use_deterministic_algorithms(True)
        torch.set_num_threads(1)  # tiny matmuls: threads cost more than they give
    sys.setrecursionlimit(max(sys.getrecursionlimit(), 5000))
