"""Fuzz suite for the command line (issue 10): every accepted input finishes or is refused.

* ``CORPUS``: a table of bad or unusual inputs for every command; each must exit
  with the stated status, print exactly one ``simtool CMD: error: …`` line naming the
  problem, print no traceback and leave no file behind.  The ``check``/``simulate``
  rows are all decided from the arguments, before torch is imported (a subprocess
  test checks ``sys.modules`` and the time).
* ``test_argv_fuzzer``: hypothesis over argv for the parsers and the preflight checks
  (the engines are replaced by a sentinel, so accepted inputs do not run).
* resource guards: refusals allocate nothing (``tracemalloc``).
"""

from __future__ import annotations

import contextlib
import io
import os
import subprocess
import sys
import tracemalloc

import pytest
from hypothesis import given
from hypothesis import strategies as st

from simtool.cli import main

BIG = "9" * 60
#: (argv, exit status, text the one-line message must contain)
CORPUS: list[tuple[list[str], int, str]] = [
    # -- enumerate: sizes -------------------------------------------------------------
    (["enumerate", "--width", "0"], 2, "positive integer"),
    (["enumerate", "--width", "-3"], 2, "positive integer"),
    (["enumerate", "--width", "2.5"], 2, "positive integer"),
    (["enumerate", "--width", ""], 2, "positive integer"),
    (["enumerate", "--width", "abc"], 2, "positive integer"),
    (["enumerate", "--width", BIG], 2, "positive integer"),
    (["enumerate", "--width", "10001"], 2, "limit is 10,000"),
    (["enumerate", "--width", "9999"], 2, "more than 50,000 lattice elements"),
    (["enumerate", "--width", "200"], 2, "use --up-to-symmetry or --count-only"),
    (["enumerate", "--width", "200", "--up-to-symmetry"], 2, "symmetry classes"),
    (["enumerate", "--width", "3001", "--count-only"], 2, "too large to count exactly"),
    (["enumerate", "--width", "2", "--input-dim", "0"], 2, "input dimension"),
    (["enumerate", "--width", "2", "--input-dim", "10001"], 2, "limit is 10,000"),
    (["enumerate", "--width", "2", "--input-dim", "10000"], 2, "--no-proofs"),
    (["enumerate", "--width", "3", "--input-dim", "2000"], 2, "many minutes"),
    # -- enumerate: activations and proofs ---------------------------------------------
    (["enumerate", "--width", "2", "--activation", "nosuch"], 2, "nosuch"),
    (["enumerate", "--width", "2", "--activation", ""], 2, "activation"),
    (["enumerate", "--width", "2", "--activation", "__import__('os')"], 2, "not allowed"),
    (["enumerate", "--width", "2", "--activation", "z.real"], 2, "activation"),
    (["enumerate", "--width", "2", "--activation", "z**z**z**z"], 2, "not defined on all of R"),
    (["enumerate", "--width", "2", "--activation", "relu"], 2, "--allow-nonsmooth"),
    # -- enumerate: outputs -------------------------------------------------------------
    (["enumerate", "--width", "2", "--hasse", ""], 2, "needs a file name"),
    (["enumerate", "--width", "2", "--hasse", "  "], 2, "needs a file name"),
    (["enumerate", "--width", "2", "--hasse", "out.txt"], 2, "must end in .dot"),
    (["enumerate", "--width", "2", "--hasse", "nodir/h.dot"], 2, "does not exist"),
    (["enumerate", "--width", "2", "--hasse", "adir.dot"], 2, "is a directory"),
    (["enumerate", "--width", "2", "--hasse", "existing.dot"], 2, "pass --force"),
    (["enumerate", "--width", "2", "--hasse", "afile/h.dot"], 2, "is not a directory"),
    (["enumerate", "--width", "2", "--hasse", "/proc/h.dot"], 2, "cannot write into"),
    (["enumerate", "--width", "2", "--hasse", "/dev/full"], 2, "must end in"),
    (["enumerate", "--width", "2", "--hasse", "x" * 300 + ".dot"], 2, "too long"),
    (["enumerate", "--width", "2", "--hasse", "h.dot", "--count-only"], 2, "needs the full lattice"),
    (["enumerate", "--widths", "50"], 2, "more than 200,000 lattice elements"),
    (["enumerate", "--widths", "1000,1000"], 2, "more than 200,000 lattice elements"),
    (["enumerate", "--widths", "6,6"], 2, "more than 200,000 lattice elements"),
    (["enumerate", "--widths", "4,4", "--count-only"], 2, "runs for many minutes"),
    (["enumerate", "--widths", "3,3,3"], 2, "runs for many minutes"),
    (["enumerate", "--widths", BIG * 80], 2, "hidden width must be a positive integer"),
    (["enumerate", "--widths", "3,,3"], 2, "comma-separated positive integers"),
    (["enumerate", "--widths", "2,2", "--hasse", ""], 2, "needs a file name"),
    (["enumerate", "--widths", "2,2", "--hasse", "existing.dot"], 2, "pass --force"),
    (["enumerate", "--width", "2", "--activations", "tanh"], 2, "--activations needs --widths"),
    (["enumerate", "--width", "2", "--bogus"], 2, "unrecognized arguments"),
    (["enumerate"], 2, "required"),
    # -- activations ----------------------------------------------------------------------
    (["activations", "--activation", "nosuch"], 2, "nosuch"),
    (["activations", "--activation", "lambda: 0"], 2, "activation"),
    (["activations", "--activation", "open('x')"], 2, "activation"),
    # -- check: decided before torch ---------------------------------------------------------
    (["check", "--width", "0"], 2, "positive integer"),
    (["check", "--width", BIG], 2, "positive integer"),
    (["check", "--width", "200"], 2, "use --up-to-symmetry, or a smaller --width"),
    (["check", "--width", "9999"], 2, "more than 50,000"),
    (["check", "--width", "60", "--up-to-symmetry"], 2, "symmetry classes"),
    (["check", "--width", "2", "--n-samples", "100000000"], 2, "--max-memory"),
    (["check", "--width", "2", "--n-traj", "10000000"], 2, "lower --n-traj"),
    (["check", "--width", "2", "--n-traj", "0"], 2, "--n-traj must be a positive integer"),
    (["check", "--width", "2", "--n-samples", "-5"], 2, "--n-samples must be"),
    (["check", "--width", "2", "--threads", "0"], 2, "--threads must be"),
    (["check", "--width", "2", "--t-max", "nan"], 2, "--t-max must be"),
    (["check", "--width", "2", "--t-max", "inf"], 2, "--t-max must be"),
    (["check", "--width", "2", "--dt", "-1"], 2, "--dt must be"),
    (["check", "--width", "2", "--rtol", "0"], 2, "--rtol must be"),
    (["check", "--width", "2", "--integrator", "bogus"], 2, "invalid choice"),
    (["check", "--width", "2", "--loss", "l7"], 2, "invalid choice"),
    (["check", "--width", "2", "--seed", "1.5"], 2, "invalid int value"),
    (["check", "--width", "2", "--seed", "2**64"], 2, "invalid int value"),
    (["check", "--width", "2", "--element", ""], 2, "names no element"),
    (["check", "--width", "2", "--element", " , "], 2, "names no element"),
    (["check", "--width", "2", "--element", "S99"], 2, "unknown element 'S99'"),
    (["check", "--width", "2", "--element", "X1"], 2, "unknown element 'X1'"),
    (["check", "--width", "3", "--element", "S4", "--up-to-symmetry"], 2, "not both"),
    (["check", "--width", "2", "--input-dim", "10000"], 2, "--max-memory"),
    (["check", "--width", "2", "--input-dim", "3000", "--max-memory", "100G"], 2, "--no-proofs"),
    (["check", "--width", "2", "--input-dim", "2000", "--no-proofs"], 2, "--max-memory"),
    (["check", "--width", "2", "--plot", ""], 2, "needs a directory name"),
    (["check", "--width", "2", "--plot", "afile"], 2, "not a directory"),
    (["check", "--width", "2", "--plot", "nodir/figs"], 2, "does not exist"),
    (["check", "--width", "2", "--plot", "figs"], 2, "pass --force"),
    (["check", "--width", "2", "--data", "nosuch"], 2, "unknown data set"),
    (["check", "--width", "2", "--data", "missing.csv"], 2, "does not exist"),
    (["check", "--width", "2", "--data", "digits", "--input-dim", "65"], 2, "exceeds the 64"),
    (["check", "--width", "2", "--data", "digits", "--n-samples", "5000"], 2, "only 1797"),
    (["check", "--width", "2", "--activation", "nosuch"], 2, "nosuch"),
    (["check", "--width", "2", "--max-memory", "lots"], 2, "--max-memory"),
    (["check", "--width", "2", "--max-memory", "1k"], 2, "budget 1.0 KiB"),
    (["check", "--width", "2", "--device", "tpu"], 2, "invalid choice"),
    # -- simulate: decided before torch ----------------------------------------------------
    (["simulate", "--width", "2"], 2, "--out"),
    (["simulate", "--width", "2", "--out", ""], 2, "needs a file name"),
    (["simulate", "--width", "2", "--out", "run.txt"], 2, "must end in .npz"),
    (["simulate", "--width", "2", "--out", "existing.npz"], 2, "pass --force"),
    (["simulate", "--width", "2", "--out", "adir.npz"], 2, "is a directory"),
    (["simulate", "--width", "2", "--out", "nodir/r.npz"], 2, "does not exist"),
    (["simulate", "--width", "2", "--out", "r.npz", "--n-save", "100000000"], 2, "--n-save"),
    (["simulate", "--width", "2", "--out", "r.npz", "--n-save", "1"], 2, "at least 2"),
    (["simulate", "--width", "2", "--out", "r.npz", "--n-traj", "10000000"], 2, "--max-memory"),
    (["simulate", "--width", "2", "--out", "r.npz", "--std", "0"], 2, "--std must be"),
    (["simulate", "--width", "2", "--out", "r.npz", "--element", ""], 2, "names no element"),
    (["simulate", "--width", "2", "--out", "r.npz", "--element", "S42"], 2, "unknown element 'S42'"),
    (["simulate", "--width", "200", "--out", "r.npz", "--element", "S1"], 2, "sample without --element"),
    (["simulate", "--width", "2", "--out", "r.npz", "--element", "S1", "--theta", "a1=1"], 2,
     "cannot be combined"),
    (["simulate", "--width", "2", "--out", "r.npz", "--theta", "a1=1", "--theta-file", "t.npy"], 2,
     "not allowed with"),
    (["simulate", "--width", "2", "--out", "r.npz", "--seed", "x"], 2, "invalid int value"),
    # -- top level ----------------------------------------------------------------------
    (["nosuch"], 2, "invalid choice"),
    (["--bogus"], 2, "unrecognized arguments"),
]


def _run(argv, *, env_cwd=None) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(argv)
    return code, out.getvalue(), err.getvalue()


@pytest.fixture()
def workdir(tmp_path, monkeypatch):
    """A directory with the fixtures the corpus names (existing files, a directory…)."""
    (tmp_path / "existing.dot").write_text("keep")
    (tmp_path / "existing.npz").write_bytes(b"keep")
    (tmp_path / "adir.dot").mkdir()
    (tmp_path / "adir.npz").mkdir()
    (tmp_path / "afile").write_text("a file")
    (tmp_path / "figs").mkdir()
    (tmp_path / "figs" / "summary.png").write_bytes(b"keep")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _tree(root) -> dict[str, bytes]:
    out = {}
    for dirpath, dirnames, files in os.walk(root):
        for d in dirnames:
            out[os.path.relpath(os.path.join(dirpath, d), root) + "/"] = b""
        for f in files:
            p = os.path.join(dirpath, f)
            with open(p, "rb") as fh:
                out[os.path.relpath(p, root)] = fh.read()
    return out


@pytest.mark.parametrize(("argv", "status", "message"), CORPUS, ids=[" ".join(c[0])[:60] for c in CORPUS])
def test_corpus(argv, status, message, workdir):
    before = _tree(workdir)
    code, out, err = _run(argv)
    assert code == status
    assert err.count("\n") == 1 and err.endswith("\n"), err  # exactly one line
    assert err.startswith("simtool") and ": error: " in err
    assert message in err
    assert "Traceback" not in err and out == ""
    assert _tree(workdir) == before  # nothing created, nothing overwritten


def test_corpus_size():
    """The README quotes the corpus size; keep it honest."""
    assert len(CORPUS) >= 90


# -- the flow commands refuse before importing torch, and fast --------------------------
_PROBE = r"""
import json, os, sys, time
os.chdir(sys.argv[1])
from simtool.cli import main
rows = json.loads(sys.argv[2])
times = []
for argv in rows:
    t = time.perf_counter()
    code = main(argv)
    times.append(time.perf_counter() - t)
    assert code == 2, (argv, code)
print(json.dumps({"torch": "torch" in sys.modules, "times": times}))
"""


def test_flow_refusals_never_import_torch(workdir):
    import json

    rows = [argv for argv, _, _ in CORPUS if argv[0] in ("check", "simulate")]
    res = subprocess.run([sys.executable, "-c", _PROBE, str(workdir), json.dumps(rows)],
                         capture_output=True, text=True, timeout=120)
    assert res.returncode == 0, res.stderr[-2000:]
    doc = json.loads(res.stdout.strip().splitlines()[-1])
    assert doc["torch"] is False
    assert len(doc["times"]) == len(rows)


# -- refusals allocate nothing --------------------------------------------------------
@pytest.mark.parametrize("argv", [
    ["check", "--width", "2", "--n-samples", "100000000"],
    ["check", "--width", "2", "--n-traj", "10000000"],
    ["simulate", "--width", "2", "--out", "r.npz", "--n-save", "100000000"],
    ["simulate", "--width", "2", "--out", "r.npz", "--n-traj", "100000000"],
])
def test_resource_refusal_before_allocation(argv, workdir):
    _run(["check", "--width", "2", "--n-traj", "0"])  # warm the imports (sympy) first
    _run(argv)
    tracemalloc.start()
    try:
        code, _, err = _run(argv)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert code == 2 and "needs about" in err
    assert peak < 20 * 2**20  # the refused run would need gigabytes


# -- hypothesis over argv ------------------------------------------------------------------
class Accepted(Exception):
    """Raised instead of running an engine: the input passed every check."""


def _accept(*args, **kwargs):
    raise Accepted


VALUES = st.one_of(
    st.sampled_from(["", " ", "0", "1", "2", "3", "-1", "1.5", "nan", "inf", "-inf", "1e309", BIG,
                     "10001", "9999", "S0", "S1", "S999", "a1=1", "tanh", "cos", "relu", "z**2",
                     "x.dot", "x.npz", "figs", "/proc/x.dot", "é", "\u202e", "--width", "2,2", "3,,3",
                     "tanh,cos", "1,2,3,4"]),
    st.integers(min_value=-(2**70), max_value=2**70).map(str),
    st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\0"),
            max_size=8),
)
OPTIONS = {
    "enumerate": ["--width", "--widths", "--activations", "--activation", "--input-dim", "--hasse",
                  "--up-to-symmetry", "--count-only",
                  "--json", "--no-bias", "--output-bias", "--no-proofs", "--force", "--quiet"],
    "check": ["--width", "--activation", "--input-dim", "--n-samples", "--n-traj", "--t-max", "--dt",
              "--seed", "--threads", "--element", "--up-to-symmetry", "--plot", "--integrator",
              "--loss", "--data", "--max-memory", "--json", "--stability", "--force"],
    "simulate": ["--width", "--out", "--n-traj", "--n-save", "--std", "--theta", "--element", "--seed",
                 "--data", "--max-memory", "--integrator", "--json", "--force"],
}
FLAGS = {"--up-to-symmetry", "--count-only", "--json", "--no-bias", "--output-bias", "--no-proofs",
         "--force", "--quiet", "--stability"}


@st.composite
def argvs(draw):
    command = draw(st.sampled_from(sorted(OPTIONS)))
    argv = [command]
    for opt in draw(st.lists(st.sampled_from(OPTIONS[command]), max_size=6)):
        argv.append(opt)
        if opt not in FLAGS:
            argv.append(draw(VALUES))
    return argv


@given(argv=argvs())
def test_argv_fuzzer(argv, tmp_path_factory, monkeypatch_module):
    monkeypatch_module.chdir(tmp_path_factory.getbasetemp())
    try:
        code, out, err = _run(argv)
    except Accepted:
        return  # every boundary check passed; the engine would run now
    assert "Traceback" not in err
    assert code in (0, 2), (argv, code, err)
    if code == 2:
        lines = [line for line in err.splitlines() if ": warning: " not in line]
        assert len(lines) == 1 and ": error: " in lines[0], (argv, err)


@pytest.fixture(scope="module")
def monkeypatch_module():
    mp = pytest.MonkeyPatch()
    import simtool.cli.check_cmd as check_cmd
    import simtool.cli.simulate_cmd as simulate_cmd
    import simtool.symbolic.fixlattice as fixlattice
    import simtool.symbolic.lattice as lattice
    import simtool.symbolic.symmetry as symmetry

    for mod, name in ((check_cmd, "build_problem"), (simulate_cmd, "build_problem"),
                      (lattice, "enumerate_lattice"), (lattice, "enumerate_classes"),
                      (symmetry, "derive_symmetries"), (fixlattice, "build_fix_lattice")):
        mp.setattr(mod, name, _accept)
    yield mp
    mp.undo()
