#!/usr/bin/env python
"""Thin script: the study lives in :mod:`simtool.studies.seed002_network_manifold` (see its docstring).

    python experiments/seed002_network_manifold.py [--seed S] [--out DIR] [--smoke] [--threads N]

is the same as ``simtool experiment network-manifold [...]``.
"""

import sys

from simtool.studies import get_study, runner

if __name__ == "__main__":
    sys.exit(runner.main(get_study("network-manifold"), sys.argv[1:]))
