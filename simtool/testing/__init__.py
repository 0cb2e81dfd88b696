"""simtool for your own test-suite: hypothesis strategies, property checks, profiles.

Strategies (:mod:`simtool.testing.strategies`): ``rationals``, ``activation_texts``
(a safe expression grammar), ``activations``, ``two_layer_nets``, ``deep_nets``, ``lattice_elements``, ``points_on``,
``datasets``, ``losses``.

Checks (:mod:`simtool.testing.assertions`), each raising ``AssertionError`` with the
evidence and counterexample: ``assert_sim``, ``assert_not_sim``, ``assert_reduces``,
``assert_equivariant``, ``assert_flow_equivariant``.

Profiles (:mod:`simtool.testing.profiles`): ``dev`` and ``ci`` (derandomized), chosen
by the ``SIMTOOL_HYPOTHESIS_PROFILE`` environment variable through
``load_profile()``.

Needs hypothesis (``pip install 'simtool[testing]'``); the numeric strategies and
``assert_flow_equivariant`` import torch only when used.
"""

from __future__ import annotations

try:
    import hypothesis  # noqa: F401
except ImportError as exc:  # pragma: no cover - exercised only without the extra
    raise ImportError("simtool.testing needs hypothesis: pip install 'simtool[testing]'") from exc

from .assertions import assert_equivariant, assert_flow_equivariant, assert_not_sim, assert_reduces, assert_sim
from .profiles import PROFILE_ENV, load_profile, register_profiles
from .strategies import (
    activation_texts,
    activations,
    datasets,
    deep_nets,
    lattice_elements,
    losses,
    points_on,
    rationals,
    two_layer_nets,
)

__all__ = [
    "assert_sim", "assert_not_sim", "assert_reduces", "assert_equivariant", "assert_flow_equivariant",
    "PROFILE_ENV", "load_profile", "register_profiles",
    "rationals", "activation_texts", "activations", "two_layer_nets", "deep_nets", "lattice_elements",
    "points_on", "datasets", "losses",
]
