#!/usr/bin/env python
"""Thin script: the study lives in :mod:`simtool.studies.seed001_inpca` (see its docstring).

    python experiments/seed001_inpca.py [--seed S] [--out DIR] [--smoke] [--threads N]

is the same as ``simtool experiment inpca [...]``.
"""

import sys

from simtool.studies import get_study, runner

if __name__ == "__main__":
    sys.exit(runner.main(get_study("inpca"), sys.argv[1:]))
