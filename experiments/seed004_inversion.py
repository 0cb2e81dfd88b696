#!/usr/bin/env python
"""Thin script: the study lives in :mod:`simtool.studies.seed004_inversion` (see its docstring).

    python experiments/seed004_inversion.py [--seed S] [--out DIR] [--smoke] [--threads N]

is the same as ``simtool experiment inversion [...]``.
"""

import sys

from simtool.studies import get_study, runner

if __name__ == "__main__":
    sys.exit(runner.main(get_study("inversion"), sys.argv[1:]))
