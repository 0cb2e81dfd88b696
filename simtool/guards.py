r"""Resource guards at the boundary: refuse up front what would not finish.

Every function here is pure Python (no torch, numpy or sympy), so a command can
decide a refusal from its arguments *before* importing the engines; a refusal
costs milliseconds and allocates nothing.  Each raises
:class:`~simtool.errors.ResourceError` (a :class:`~simtool.errors.SimtoolError`:
one-line message, exit status 2) that states the estimate, the budget and the
option that helps.

API (any command may call these)
--------------------------------
``check_size(value, what=, limit=)``
    a positive integer ≤ ``limit`` (widths: :data:`MAX_WIDTH`, input dimensions:
    :data:`MAX_INPUT_DIM`, the same limits in every command).
``memory_budget(text)``, ``parse_size(text)``, ``format_bytes(n)``
    the budget from ``--max-memory`` (``8G``, ``512M``, ``1.5GiB``, bytes), else the
    environment variable ``SIMTOOL_MAX_MEMORY``, else :data:`DEFAULT_MAX_MEMORY`.
``require_memory(estimate, budget, what=, helps=)``
    refuse an estimate above the budget.
``flow_memory(...)``, ``check_batch(...)``
    the estimate of a batched gradient-flow run (see :func:`flow_memory`).
``require_lattice_size(width, kind, ..., hint=)``
    refuse a lattice (or class list) larger than the engine's limits *without*
    computing astronomically large counts first.
``require_deep_lattice_size(widths, limit=, hint=)``
    the same for a deep net, from the lower bound Π B(n_l).
``require_proof_work(width, n_classes, unit_size=, hint=)``
    refuse exact tangency proofs that would run for many minutes.
``cap_threads(n, warn)``
    ``--threads`` capped at the usable cores (a warning says so).
``generator_seed(seed)``
    any integer seed mapped to the generators' range by a documented rule.
``format_count(n)``
    an exact count for a message: all digits when short, otherwise leading digits
    and the number of digits (never hits Python's int→str digit limit).

Examples
--------
>>> parse_size("8G"), parse_size("512MiB"), parse_size("1000")
(8589934592, 536870912, 1000)
>>> generator_seed(-1), generator_seed(2**64), generator_seed(7)
(9223372036854775807, 0, 7)
>>> format_count(10**40)
'1.000e40 (41 digits)'
"""

from __future__ import annotations

import math
import os
import re

from .errors import ArchitectureError, ResourceError, TooLargeError

__all__ = [
    "MAX_WIDTH",
    "MAX_INPUT_DIM",
    "MAX_COUNT_WIDTH",
    "MAX_ELEMENTS",
    "MAX_CLASSES",
    "DEFAULT_MAX_MEMORY",
    "PROOF_WORK_LIMIT",
    "DEEP_WORK_LIMIT",
    "SEED_MODULUS",
    "check_size",
    "parse_size",
    "format_bytes",
    "memory_budget",
    "require_memory",
    "flow_memory",
    "check_batch",
    "require_lattice_size",
    "require_proof_work",
    "require_deep_lattice_size",
    "usable_cores",
    "cap_threads",
    "generator_seed",
    "format_count",
]

#: widths above this are refused by every command (the lattice guards refuse far
#: smaller widths for full enumerations; see :func:`require_lattice_size`)
MAX_WIDTH = 10_000
#: input dimensions above this are refused by every command
MAX_INPUT_DIM = 10_000
#: ``enumerate --count-only`` computes exact counts up to this width (O(m²) big-integer
#: recurrences: about 15 s at the limit on the development VM)
MAX_COUNT_WIDTH = 3_000
#: the engine's limits (``simtool.symbolic.lattice.MAX_ELEMENTS``/``MAX_CLASSES``; a test
#: checks they agree)
MAX_ELEMENTS = 50_000
MAX_CLASSES = 100_000
#: default memory budget of one run: 4 GiB, or half the physical memory if that is less
DEFAULT_MAX_MEMORY = 4 * 2**30
#: a rough unit count of exact tangency work (classes × D²/2) above which proofs are
#: refused: about one to two minutes on the development VM
PROOF_WORK_LIMIT = 20_000_000
#: deep nets whose lattice has at least this many elements (the lower bound of
#: :func:`require_deep_lattice_size`) are refused: the group-based enumeration took 8 s of
#: CPU for widths (3,3) tanh (bound 576) and more than 10 minutes for (4,4) (bound 13,456)
DEEP_WORK_LIMIT = 5_000
#: seeds are reduced modulo this (numpy accepts any non-negative integer, torch
#: ``manual_seed`` at most 2**64 − 1; 2**63 keeps every seed a signed 64-bit integer)
SEED_MODULUS = 2**63

_UNITS = {"": 1, "b": 1, "k": 2**10, "m": 2**20, "g": 2**30, "t": 2**40}
_SIZE = re.compile(r"^\s*(\d+(?:\.\d*)?|\.\d+)\s*([kmgt]?)(?:i?b)?\s*$", re.IGNORECASE)


def check_size(value: object, *, what: str, limit: int) -> int:
    """A positive integer from the command line, at most ``limit``.

    >>> check_size("12", what="width", limit=MAX_WIDTH)
    12
    >>> check_size("10001", what="width", limit=MAX_WIDTH)
    Traceback (most recent call last):
    ...
    simtool.errors.ArchitectureError: width 10001 is too large; the limit is 10,000
    """
    text = str(value).strip()
    if isinstance(value, bool) or not re.fullmatch(r"[+-]?\d{1,30}", text):
        shown = text if len(text) <= 40 else text[:37] + "..."
        raise ArchitectureError(f"{what} must be a positive integer, got {shown!r}")
    n = int(text)
    if n < 1:
        raise ArchitectureError(f"{what} must be a positive integer, got {n}")
    if n > limit:
        raise ArchitectureError(f"{what} {n} is too large; the limit is {limit:,}")
    return n


def parse_size(text: str) -> int:
    """Bytes from ``"8G"``, ``"512M"``, ``"1.5GiB"``, ``"100k"`` or a plain number."""
    m = _SIZE.match(str(text))
    if not m:
        raise ResourceError(f"--max-memory {text!r}: expected a size such as 8G, 512M or 1.5GiB")
    value = float(m.group(1)) * _UNITS[m.group(2).lower()]
    if not math.isfinite(value) or value < 1:
        raise ResourceError(f"--max-memory {text!r}: must be at least one byte")
    return int(value)


def format_bytes(n: float) -> str:
    """``1536`` → ``'1.5 KiB'``.

    >>> format_bytes(3 * 2**30)
    '3.0 GiB'
    """
    for unit in ("B", "KiB", "MiB", "GiB", "TiB", "PiB"):
        if abs(n) < 1024 or unit == "PiB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    raise AssertionError("unreachable")  # pragma: no cover


def _physical_memory() -> int | None:
    try:
        return int(os.sysconf("SC_PAGE_SIZE")) * int(os.sysconf("SC_PHYS_PAGES"))
    except (ValueError, OSError, AttributeError):  # pragma: no cover - non-POSIX
        return None


def memory_budget(text: str | None = None) -> int:
    """The budget in bytes: ``--max-memory`` if given, else ``$SIMTOOL_MAX_MEMORY``,
    else :data:`DEFAULT_MAX_MEMORY` (or half the physical memory if that is less)."""
    if text is None:
        text = os.environ.get("SIMTOOL_MAX_MEMORY") or None
    if text is not None:
        return parse_size(text)
    phys = _physical_memory()
    return min(DEFAULT_MAX_MEMORY, phys // 2) if phys else DEFAULT_MAX_MEMORY


def require_memory(estimate: int, budget: int, *, what: str, helps: str) -> None:
    """Refuse when ``estimate`` bytes exceed ``budget``.

    >>> require_memory(10 * 2**30, 2**30, what="the flow", helps="lower --n-traj")
    ... # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    simtool.errors.ResourceError: the flow needs about 10.0 GiB (budget 1.0 GiB); lower ... --max-memory 12G
    """
    if estimate <= budget:
        return
    need_g = max(1, math.ceil(estimate * 1.2 / 2**30))
    raise ResourceError(
        f"{what} needs about {format_bytes(estimate)} (budget {format_bytes(budget)}); {helps}, "
        f"or raise the budget with --max-memory {need_g}G")


#: float64 buffers of size (batch, D) an integrator keeps besides the saved states
_STAGES = {"euler": 3, "gd": 3, "sgd": 4, "rk4": 7, "dopri5": 11, "radau": 4}
#: trajectories one ``simtool check`` batch groups (``simtool.numeric.checks``)
ROWS_PER_BATCH = 8192
#: symmetric images per generator in the "stays" batch (``simtool.numeric.check_flows``)
IMAGES = 32
#: saved times of a ``check`` flow (``FlowSetup.n_save``)
CHECK_SAVES = 41
#: bytes of traces a ``check`` report keeps per trajectory and saved time (six series)
TRACE_BYTES = 48


def check_batch(n_traj: int, n_generators: int, stability: bool) -> tuple[int, int]:
    """``(rows, elements)`` of one ``simtool check`` batch (grouped as ``check_elements``)."""
    per_element = n_traj * (4 + (1 if stability else 0)) + min(n_traj, IMAGES) * n_generators
    group = max(1, ROWS_PER_BATCH // max(per_element, 1))
    return group * per_element, group


def flow_memory(*, batch: int, dim: int, n_save: int, n_samples: int, input_dim: int,
                width: int, integrator: str, subspaces: int = 0, traces: int = 0) -> int:
    r"""Estimated peak bytes of a batched float64 gradient-flow run.

    .. math::
        8\,[\,T B D + s B D + 4 B D + 3 B m + 4 n (d + 2) + 4 k D^2\,]
        + J + \text{traces}

    with ``T`` saved times, ``B`` trajectories, ``D`` parameters, ``s`` stage buffers
    of the integrator, ``m`` the width, ``n`` samples of dimension ``d``, ``k`` exact
    subspaces held as dense float matrices, ``J = 48 D^2`` for ``radau`` (scipy's
    Jacobian and its real and complex LU factors) and ``traces`` bytes kept for a
    report.  An order-of-magnitude estimate: it decides refusals, not allocations.

    >>> flow_memory(batch=16, dim=6, n_save=101, n_samples=32, input_dim=1, width=2,
    ...             integrator="rk4")
    89856
    """
    stages = _STAGES.get(integrator, 11)
    floats = (n_save * batch * dim + (stages + 4) * batch * dim + 3 * batch * width
              + 4 * n_samples * (input_dim + 2) + 4 * subspaces * dim * dim)
    jac = 48 * dim * dim if integrator == "radau" else 0
    return 8 * floats + jac + traces


def format_count(n: int) -> str:
    """An exact integer for a message: grouped digits up to 15 digits, else
    ``d.ddde<exp> (N digits)``; safe for any size (no int→str digit limit).

    >>> format_count(116), format_count(123456789012345678)
    ('116', '1.235e17 (18 digits)')
    """
    if abs(n) < 10**15:
        return f"{n:,}"
    digits = _digits(abs(n))
    lead = abs(n) // 10 ** max(digits - 7, 0)  # the first 7 digits (never a huge str())
    mantissa = lead / 10 ** (len(str(lead)) - 1)
    # rounding to 4 significant digits may carry (9.9995 → 10.000)
    text = f"{mantissa:.3f}"
    exp = digits - 1
    if text.startswith("10"):
        text, exp = "1.000", exp + 1
    return f"{'-' if n < 0 else ''}{text}e{exp} ({digits:,} digits)"


def _digits(n: int) -> int:
    """Number of decimal digits of ``n > 0`` without converting it to a string."""
    d = max(1, int(n.bit_length() * 0.30102999566398120) - 1)
    while 10**d <= n:
        d += 1
    return d


def _count(kind: str, width: int, classes: bool) -> int:
    from .symbolic.counting import count_classes, count_elements

    return (count_classes if classes else count_elements)(kind, width)


#: above these widths even the smallest sequence (Bell numbers for elements,
#: partitions p(m) for classes) exceeds the limit, so nothing is counted to refuse
_ELEMENT_WIDTH_BOUND = 9  # B(9) = 21,147; B(10) = 115,975 > MAX_ELEMENTS
_CLASS_WIDTH_BOUND = 48  # p(48) = 147,273 > MAX_CLASSES
#: a refusal quotes the exact count only up to this width (the recurrences are
#: O(m²) big-integer operations: milliseconds here, minutes at m = 10,000)
_EXACT_IN_MESSAGE = 400


def require_lattice_size(width: int, kind: str, *, classes: bool = False,
                         hint: str = "", limit: int | None = None) -> int | None:
    """Refuse a lattice (``classes=False``) or class list with more than ``limit`` entries.

    ``kind`` is ``perm``, ``odd`` or ``even`` (the group acting on the units).  Returns
    the exact count when it was computed (small widths), else ``None``.  Widths beyond
    the point where every sequence exceeds the limit are refused without counting.

    >>> require_lattice_size(4, "odd")
    116
    >>> require_lattice_size(9999, "odd", hint="use --count-only")
    Traceback (most recent call last):
    ...
    simtool.errors.TooLargeError: width 9999 gives more than 50,000 lattice elements (limit 50,000); use --count-only
    """
    limit = (MAX_CLASSES if classes else MAX_ELEMENTS) if limit is None else limit
    noun = "symmetry classes" if classes else "lattice elements"
    suffix = f"; {hint}" if hint else ""
    if width <= _EXACT_IN_MESSAGE:
        total = _count(kind, width, classes)
        if total <= limit:
            return total
        raise TooLargeError(f"width {width} has {format_count(total)} {noun} (limit {limit:,}){suffix}")
    # every sequence is increasing and already exceeds its limit at the width bounds
    raise TooLargeError(f"width {width} gives more than {limit:,} {noun} (limit {limit:,}){suffix}")


def require_deep_lattice_size(widths, *, limit: int, hint: str, kinds=None) -> None:
    """Refuse a deep net whose Fix(H) lattice surely exceeds ``limit`` elements, at once.

    The symmetries of each hidden layer alone (permutations of its neurons, and their
    sign flips when its σ is odd or even) give that layer's two-layer lattice, and
    products of per-layer subgroups give distinct subspaces: ``Π_l a_{k_l}(n_l)`` is a
    lower bound (``a_k`` the two-layer counts of kind ``k_l``; ``perm`` when ``kinds``
    is omitted).

    Below ``limit``, a bound above :data:`DEEP_WORK_LIMIT` is refused too (time).

    >>> require_deep_lattice_size((3, 3), limit=200_000, hint="")
    >>> require_deep_lattice_size((6, 6), kinds=("odd", "odd"), limit=200_000, hint="use a smaller net")
    ... # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    simtool.errors.TooLargeError: hidden widths (6,6) give more than 200,000 lattice elements ...; use a smaller net
    """
    kinds = tuple(kinds) if kinds is not None else ("perm",) * len(widths)
    bound = 1
    for n, kind in zip(widths, kinds):
        n = int(n)
        # every sequence exceeds 10**6 by width 12; beyond, only the cap matters
        bound *= _count(kind, n, False) if n <= 12 else limit + 1
        if bound > limit:
            shown = ",".join(str(int(w)) for w in widths)
            raise TooLargeError(f"hidden widths ({shown}) give more than {limit:,} lattice elements "
                                f"(at least the product of the layers' own lattices){'; ' + hint if hint else ''}")
    if bound > DEEP_WORK_LIMIT:
        shown = ",".join(str(int(w)) for w in widths)
        raise ResourceError(f"hidden widths ({shown}) give at least {bound:,} lattice elements; enumerating "
                            f"more than {DEEP_WORK_LIMIT:,} from the group runs for many minutes "
                            f"(widths 4,4 took over 10){'; ' + hint if hint else ''}")


def require_proof_work(width: int, n_classes: int, *, unit_size: int, hint: str) -> None:
    """Refuse exact tangency proofs estimated at more than :data:`PROOF_WORK_LIMIT` units.

    One class costs about ``D² / 2`` sympy operations (every normal component of the
    gradient on the class's subspace), with ``D = min(width, 12) · unit_size``
    (above width 12 classes are proved block by block on narrow nets).
    """
    dim = min(width, 12) * unit_size
    work = n_classes * dim * dim // 2
    if work > PROOF_WORK_LIMIT:
        raise ResourceError(
            f"exact proofs for {n_classes:,} symmetry classes at D = {dim:,} parameters would take "
            f"many minutes (about {work / PROOF_WORK_LIMIT:.0f}× the limit of about a minute); {hint}")


def usable_cores() -> int:
    """CPU cores this process may run on."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


def cap_threads(n: int, warn) -> int:
    """``n`` capped at :func:`usable_cores`; ``warn(message)`` is called when capped."""
    cores = usable_cores()
    if n > cores:
        warn(f"--threads {format_count(n)} exceeds the {cores} usable core(s); using {cores}")
        return cores
    return n


def generator_seed(seed: int) -> int:
    """The seed the random generators get: ``seed mod 2**63``.

    Seeds ``0 ≤ s < 2**63`` are used unchanged; any other integer (negative, or too
    large for numpy/torch) is reduced modulo :data:`SEED_MODULUS`, so ``-1`` becomes
    ``2**63 − 1``.  Reports record the seed as given and this value.
    """
    return int(seed) % SEED_MODULUS
