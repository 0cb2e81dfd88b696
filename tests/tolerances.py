"""Named numerical tolerances used by the float checks (never by exact decisions).

Every float comparison in the test-suite names one of these, so loosening one is a
visible, reviewable change.
"""

#: relative distance to a SIM that counts as "stayed on it" in float64 flows
#: (round-off accumulates roughly linearly in the number of steps)
ROUNDOFF_REL = 1e-10
#: a control (non-invariant look-alike) must leave by at least this factor
CONTROL_GROWTH = 1e4
#: agreement of batched vs per-sample evaluation in float64
BATCH_VS_SINGLE = 1e-12
#: integrator-order fits: measured order within this of the declared order
ORDER_SLACK = 0.3
#: central finite differences (step 1e-6) against exact Jacobian-vector products
FINITE_DIFFERENCE = 1e-8
#: InPCA: the full signed embedding reproduces the distance matrix to this (issue 11 bar)
INPCA_RECONSTRUCTION = 1e-10
#: float64 identities of the measurement functions (a few ulps of O(1) quantities)
MEASURE_ROUNDOFF = 1e-12
#: relative error of a sample variance from ~3000 Gaussian draws (sd ≈ 2.6 %; this is ~5 sd)
SAMPLE_VARIANCE_REL = 0.15
#: two different adaptive integrators at rtol ≤ 1e-10 agree to this (relative)
INTEGRATORS_AGREE = 1e-6
#: a hand-written float64 kernel against the torch.func oracle (same math, other order)
KERNEL_VS_ORACLE = 1e-12
#: the same float64 formula in another memory layout or blocking: a few ulps of O(1) values
ULP_LEVEL = 1e-15
#: the same float64 sums taken in another order (reassociation)
REASSOCIATION = 1e-14
#: a float64 kernel against the exact (sympy) value of the same expression
FLOAT_VS_EXACT = 1e-13
#: relative singular-value threshold for ranks of finite-difference Lie brackets
#: (central differences with step 1e-4: truncation ~1e-8, round-off ~1e-12)
FD_RANK_TOL = 1e-6
#: relative drift of a proved conservation law along a dopri5 flow (rtol 1e-10)
LAW_DRIFT = 1e-7
