# Select the hypothesis profile from $SIMTOOL_HYPOTHESIS_PROFILE (dev when unset; CI sets ci).
from simtool.testing import load_profile

load_profile()
