"""The output layer (simtool.output), the resource guards (simtool.guards) and the
process-level behaviour of main: closed and full stdout, closed pipes, Ctrl-C."""

from __future__ import annotations

import contextlib
import errno
import io
import json
import math
import os
import signal
import subprocess
import sys
import time

import pytest
from hypothesis import given
from hypothesis import strategies as st

from simtool import guards, output
from simtool.cli import main
from simtool.errors import OutputError, ResourceError, TooLargeError
from simtool.symbolic.counting import count_classes, count_elements
from tests import strict_json

# -- strict JSON ------------------------------------------------------------------------


def test_strict_json_replaces_non_finite_and_names_them():
    doc = {"a": float("inf"), "b": [1.0, float("-inf"), {"c/d": float("nan")}], "n": 3}
    text = output.dumps(doc)
    parsed = strict_json.loads(text)
    assert parsed["a"] is None and parsed["b"][1] is None and parsed["b"][2]["c/d"] is None
    assert parsed["non_finite"] == {"/a": "inf", "/b/1": "-inf", "/b/2/c~1d": "nan"}
    assert parsed["n"] == 3


def test_strict_json_refuses_what_json_module_accepts():
    with pytest.raises(ValueError, match="Infinity"):
        strict_json.loads(json.dumps({"x": float("inf")}))


@given(st.integers())
def test_big_integers_become_strings_exactly(n):
    parsed = strict_json.loads(output.dumps({"n": n}))
    if abs(n) <= output.SAFE_INT:
        assert parsed["n"] == n
    else:
        assert parsed["n"] == str(n)


def test_huge_integer_beyond_the_digit_limit():
    n = 7**20000  # 16,902 digits: str(n) raises ValueError under the default limit
    text = strict_json.loads(output.dumps({"n": n}))["n"]
    # leading digits from log10(7**20000) = 20000·log10(7): 16,902 digits starting 9.1369…
    assert len(text) == 16902 and text[:4] == f"{10 ** (20000 * math.log10(7) % 1):.4f}".replace(".", "")[:4]
    assert output.int_text(n) == output.strict({"n": n})[0]["n"]


# -- guards -----------------------------------------------------------------------------


@given(st.integers())
def test_generator_seed_rule(seed):
    s = guards.generator_seed(seed)
    assert 0 <= s < 2**63 and (s - seed) % 2**63 == 0
    if 0 <= seed < 2**63:
        assert s == seed


@given(st.integers(min_value=1, max_value=10**9000))
def test_format_count_digits(n):
    text = guards.format_count(n)
    digits = len(output.int_text(n))
    if n < 10**15:
        assert text == f"{n:,}"
    else:
        assert text.endswith(f"({digits:,} digits)")
        mantissa, exp = text.split(" ")[0].split("e")
        assert int(exp) in (digits - 1, digits)  # rounding may carry into the next power
        assert 1 <= float(mantissa) < 10


@pytest.mark.parametrize(("text", "value"), [("8G", 8 * 2**30), ("512M", 512 * 2**20), ("1.5GiB", 3 * 2**29),
                                             ("100k", 102400), ("1000", 1000), ("2 gb", 2 * 2**30)])
def test_parse_size(text, value):
    assert guards.parse_size(text) == value


@pytest.mark.parametrize("text", ["", "lots", "-1G", "1X", "0", "nanG", "1e3"])
def test_parse_size_refuses(text):
    with pytest.raises(ResourceError):
        guards.parse_size(text)


def test_budget_from_environment(monkeypatch):
    monkeypatch.setenv("SIMTOOL_MAX_MEMORY", "3G")
    assert guards.memory_budget() == 3 * 2**30
    assert guards.memory_budget("1G") == 2**30


@pytest.mark.parametrize("kind", ["perm", "odd", "even"])
def test_lattice_guard_agrees_with_the_counts(kind):
    from simtool.symbolic.lattice import MAX_CLASSES, MAX_ELEMENTS

    assert (guards.MAX_ELEMENTS, guards.MAX_CLASSES) == (MAX_ELEMENTS, MAX_CLASSES)
    for m in range(1, 60):
        n = count_elements(kind, m)
        if n <= MAX_ELEMENTS:
            assert guards.require_lattice_size(m, kind) == n
        else:
            with pytest.raises(TooLargeError):
                guards.require_lattice_size(m, kind)
        c = count_classes(kind, m)
        if c <= MAX_CLASSES:
            assert guards.require_lattice_size(m, kind, classes=True) == c
        else:
            with pytest.raises(TooLargeError):
                guards.require_lattice_size(m, kind, classes=True)
    # the widths refused without counting are beyond the smallest sequences' limits
    assert count_elements("perm", guards._ELEMENT_WIDTH_BOUND + 1) > MAX_ELEMENTS
    assert count_classes("perm", guards._CLASS_WIDTH_BOUND) > MAX_CLASSES
    assert guards._EXACT_IN_MESSAGE > guards._CLASS_WIDTH_BOUND


def test_threads_capped(monkeypatch):
    said = []
    monkeypatch.setattr(guards, "usable_cores", lambda: 2)
    assert guards.cap_threads(100_000, said.append) == 2 and "2 usable core(s)" in said[0]
    assert guards.cap_threads(2, said.append) == 2 and len(said) == 1


# -- output files -------------------------------------------------------------------------


def test_output_file_rules(tmp_path):
    f = tmp_path / "a.dot"
    assert output.output_file(str(f), option="--x", suffixes=(".dot",)) == str(f)
    assert not f.exists()  # validation writes nothing
    f.write_text("old")
    with pytest.raises(OutputError, match="pass --force"):
        output.output_file(str(f), option="--x")
    assert output.output_file(str(f), option="--x", force=True) == str(f)
    with pytest.raises(OutputError, match="is a directory"):
        output.output_file(str(tmp_path), option="--x")
    with pytest.raises(OutputError, match="does not exist"):
        output.output_file(str(tmp_path / "no" / "a.dot"), option="--x")


def test_staged_file_leaves_nothing_on_failure(tmp_path):
    target = tmp_path / "r.npz"
    with pytest.raises(OutputError, match="No space left"):
        with output.staged_file(str(target), option="--out") as tmp:
            assert tmp.endswith(".npz") and os.path.dirname(tmp) == str(tmp_path)
            raise OSError(errno.ENOSPC, "No space left on device")
    assert os.listdir(tmp_path) == []
    with pytest.raises(KeyboardInterrupt), output.staged_file(str(target), option="--out") as tmp:
        _write(tmp, "partial")
        raise KeyboardInterrupt
    assert os.listdir(tmp_path) == []
    with output.staged_file(str(target), option="--out") as tmp:
        _write(tmp, "done")
    assert os.listdir(tmp_path) == ["r.npz"] and target.read_text() == "done"


def test_staged_dir_moves_files_in(tmp_path):
    with output.staged_dir(str(tmp_path / "figs"), option="--plot") as tmp:
        _write(os.path.join(tmp, "summary.png"), "x")
    assert os.listdir(tmp_path / "figs") == ["summary.png"]
    with pytest.raises(OutputError, match="pass --force"):
        output.output_dir(str(tmp_path / "figs"), option="--plot", patterns=("summary.png",))
    with output.staged_dir(str(tmp_path / "figs"), option="--plot") as tmp:
        _write(os.path.join(tmp, "distance_S1.png"), "y")
    assert sorted(os.listdir(tmp_path / "figs")) == ["distance_S1.png", "summary.png"]
    assert sorted(os.listdir(tmp_path)) == ["figs"]


def _write(path, text: str) -> None:
    with open(path, "w") as fh:
        fh.write(text)


# -- standard output failures, in-process ---------------------------------------------------


class _Failing(io.StringIO):
    def __init__(self, err: int) -> None:
        super().__init__()
        self.err = err

    def write(self, s):
        raise OSError(self.err, os.strerror(self.err))

    def flush(self):
        raise OSError(self.err, os.strerror(self.err))


@pytest.mark.parametrize("argv", [["enumerate", "--width", "3"], ["enumerate", "--width", "3", "--json"],
                                  ["enumerate", "--width", "30", "--count-only"], ["activations"]])
def test_full_stdout_is_one_line_exit_2(argv, monkeypatch):
    err = io.StringIO()
    monkeypatch.setattr(output, "silence_stdout", lambda: None)  # pytest owns descriptor 1
    with contextlib.redirect_stdout(_Failing(errno.ENOSPC)), contextlib.redirect_stderr(err):
        code = main(argv)
    assert code == 2
    assert err.getvalue() == f"simtool {argv[0]}: error: cannot write to standard output: No space left on device\n"


@pytest.mark.parametrize("argv", [["enumerate", "--width", "3"], ["enumerate", "--width", "3", "--json"]])
def test_broken_pipe_is_quiet_exit_0(argv, monkeypatch):
    err = io.StringIO()
    monkeypatch.setattr(output, "silence_stdout", lambda: None)
    with contextlib.redirect_stdout(_Failing(errno.EPIPE)), contextlib.redirect_stderr(err):
        code = main(argv)
    assert code == 0 and err.getvalue() == ""


def test_enumerate_count_beyond_the_int_digit_limit(capsys, monkeypatch):
    """Counts of more than 4,300 digits (widths from about 1,800) print in full."""
    import simtool.symbolic.counting as counting

    huge = 3**10000  # 4,772 digits
    monkeypatch.setattr(counting, "count_elements", lambda kind, m: huge)
    assert main(["enumerate", "--width", "5", "--count-only", "--json"]) == 0
    assert strict_json.loads(capsys.readouterr().out)["count"] == output.int_text(huge)
    assert main(["enumerate", "--width", "5", "--count-only"]) == 0
    assert output.int_text(huge, grouped=True) in capsys.readouterr().out


@pytest.mark.slow
def test_enumerate_count_width_2000(capsys):
    assert main(["enumerate", "--width", "2000", "--count-only", "--json"]) == 0
    doc = strict_json.loads(capsys.readouterr().out)
    assert doc["count"] == output.int_text(count_elements("odd", 2000)) and len(doc["count"]) > 4300


def test_hasse_written_atomically(tmp_path, capsys):
    path = tmp_path / "h.dot"
    assert main(["enumerate", "--width", "2", "--hasse", str(path)]) == 0
    first = path.read_text()
    assert first.startswith("digraph")
    assert main(["enumerate", "--width", "2", "--hasse", str(path)]) == 2
    assert "pass --force" in capsys.readouterr().err
    assert main(["enumerate", "--width", "2", "--hasse", str(path), "--force"]) == 0
    assert sorted(os.listdir(tmp_path)) == ["h.dot"]


# -- process level: a handful of subprocesses ---------------------------------------------
def _simtool(*argv, **kw):
    return subprocess.run([sys.executable, "-m", "simtool", *argv], text=True, capture_output=True,
                          timeout=120, **kw)


def test_closed_stdout_subprocess():
    res = subprocess.run([sys.executable, "-m", "simtool", "enumerate", "--width", "2"],
                         stderr=subprocess.PIPE, text=True, timeout=120, preexec_fn=lambda: os.close(1))
    assert res.returncode == 2
    assert res.stderr == "simtool enumerate: error: standard output is closed\n"


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full")
@pytest.mark.parametrize("extra", [[], ["--json"]])
def test_dev_full_subprocess(extra):
    with open("/dev/full", "w") as full:
        res = subprocess.run([sys.executable, "-m", "simtool", "enumerate", "--width", "3", *extra],
                             stdout=full, stderr=subprocess.PIPE, text=True, timeout=120)
    assert res.returncode == 2
    assert res.stderr == "simtool enumerate: error: cannot write to standard output: No space left on device\n"


def test_head_closes_the_pipe_subprocess():
    proc = subprocess.Popen([sys.executable, "-m", "simtool", "enumerate", "--width", "6"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    first = proc.stdout.readline()
    proc.stdout.close()  # what `| head -1` does
    _, err = proc.communicate(timeout=120)
    assert first.startswith(b"simtool enumerate: width 6")
    assert proc.returncode == 0 and err == b""


@pytest.mark.parametrize("delay", [0.8, 2.0])
def test_sigint_during_start_up(delay):
    """Ctrl-C while torch and sympy are imported: one line, exit 130, no traceback."""
    proc = subprocess.Popen([sys.executable, "-m", "simtool", "check", "--width", "2", "--n-traj", "4",
                             "--quiet"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    time.sleep(delay)
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=120)
    finished = "exit status" in out  # the whole report was written before the signal came
    if proc.returncode == 0 or (finished and proc.returncode == -signal.SIGINT):  # pragma: no cover
        # a fast machine finished first; a signal during interpreter shutdown (handlers are
        # back at SIG_DFL there) ends the already finished process by the signal
        pytest.skip("the run finished before the signal")
    assert proc.returncode == 130, err
    assert err in ("simtool check: interrupted\n", "simtool: interrupted\n")
    assert "Traceback" not in out
