"""hypothesis profiles for simtool properties: ``dev`` (random) and ``ci`` (derandomized).

Call :func:`load_profile` from your ``conftest.py``; the profile comes from the
``SIMTOOL_HYPOTHESIS_PROFILE`` environment variable (``dev`` when unset), so CI sets
``SIMTOOL_HYPOTHESIS_PROFILE=ci`` and gets the same examples on every run.

>>> register_profiles()
>>> sorted(PROFILES)
['ci', 'dev', 'thorough']
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

__all__ = ["PROFILE_ENV", "PROFILES", "register_profiles", "load_profile"]

#: the environment variable that selects the profile
PROFILE_ENV = "SIMTOOL_HYPOTHESIS_PROFILE"
#: exact checks (sympy) are slow per example: no deadline, few examples
PROFILES = {
    "dev": dict(max_examples=30, deadline=None),
    "ci": dict(derandomize=True, max_examples=30, deadline=None, print_blob=True,
               suppress_health_check=[HealthCheck.too_slow]),
    "thorough": dict(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow]),
}


def register_profiles() -> None:
    """Register ``dev``, ``ci`` and ``thorough`` with hypothesis."""
    for name, kwargs in PROFILES.items():
        settings.register_profile(name, **kwargs)


def load_profile(default: str = "dev", *, env: str = PROFILE_ENV) -> str:
    """Register the profiles and load the one named by ``$env`` (else ``default``)."""
    register_profiles()
    name = os.environ.get(env, default)
    if name not in PROFILES:
        raise ValueError(f"unknown hypothesis profile {name!r} in ${env}; choose one of {', '.join(PROFILES)}")
    settings.load_profile(name)
    return name
