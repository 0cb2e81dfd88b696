"""``simtool verify``: exit statuses, JSON, reports, reuse, bad input."""

import json

import pytest

from simtool.cli import main
from tests.user_theorems import write_theorems

FAST = ["--theorem", "lattice-counts", "--widths", "1..2"]


def test_catalogue_subset_exits_0_with_a_summary(capsys):
    assert main(["verify", *FAST]) == 0
    out = capsys.readouterr().out
    assert "lattice-counts" in out and "proved for kind" in out and "6/6" in out
    assert "every verdict as expected" in out


def test_unexpected_refutation_from_a_user_file_exits_1(tmp_path, capsys):
    f = write_theorems(tmp_path / "mine.py", ["ok", "refute"])
    assert main(["verify", "--file", str(f)]) == 1
    out = capsys.readouterr().out
    assert "1 case(s) differ from the expected verdict" in out
    assert "mode = refute" in out or "'mode': 'refute'" in out


def test_user_file_as_expected_exits_0(tmp_path):
    f = write_theorems(tmp_path / "mine.py", ["ok"])
    assert main(["verify", "--file", str(f)]) == 0


def test_a_case_that_raises_is_reported_and_exits_1(tmp_path, capsys):
    f = write_theorems(tmp_path / "mine.py", ["ok", "raise"])
    assert main(["verify", "--file", str(f), "--json"]) == 1
    doc = json.loads(capsys.readouterr().out)
    [bad] = [c for c in doc["cases"] if not c["matches"]]
    assert bad["case"] == {"mode": "raise"} and bad["failure"] == "error"
    assert "boom in the user check" in bad["verdict"]["evidence"]
    assert doc["all_as_expected"] is False


def test_json_lists_theorems_with_scope(capsys):
    assert main(["verify", *FAST, "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    [row] = doc["theorems"]
    assert row["theorem"] == "lattice-counts" and row["n_match"] == row["n_cases"] == 6
    assert row["verdict"]["scope"] == "kind ∈ {perm, odd, even} × widths 1, 2 (6 cases)"


@pytest.mark.parametrize("suffix", [".md", ".html"])
def test_report_has_evidence_and_a_figure(tmp_path, suffix):
    rep = tmp_path / f"report{suffix}"
    assert main(["verify", *FAST, "--report", str(rep)]) == 0
    text = rep.read_text()
    assert "Dowling numbers, OEIS A007405" in text
    if suffix == ".md":
        assert (tmp_path / "report_files" / "verdicts.png").read_bytes()[:4] == b"\x89PNG"
    else:
        assert "data:image/png;base64," in text


def test_out_directory_reuses_finished_cases(tmp_path, capsys):
    args = ["verify", *FAST, "--out", str(tmp_path / "run")]
    assert main(args) == 0
    capsys.readouterr()
    assert main(args + ["--json"]) == 0
    assert json.loads(capsys.readouterr().out)["reused"] == 6


@pytest.mark.parametrize("argv, message", [
    (["--theorem", "nope"], "unknown theorem 'nope'; choose one of"),
    (["--widths", "0..3"], "--widths '0..3'"),
    (["--widths", "a,b"], "--widths 'a,b'"),
    (["--activations", "__import__('os')"], "simtool verify: error:"),
    (["--file", "missing.py"], "does not exist"),
    (["--jobs", "0"], "--jobs must be a positive integer"),
    (["--report", "r.txt", *FAST], "use a .md or .html file name"),
])
def test_bad_input_is_one_line_and_exits_2(argv, message, capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(["verify", *argv]) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1


def test_file_without_all_is_refused(tmp_path, capsys):
    f = tmp_path / "empty.py"
    f.write_text("X = 1\n")
    assert main(["verify", "--file", str(f)]) == 2
    assert "must define ALL" in capsys.readouterr().err


def test_help_says_the_file_is_the_only_user_code_run(capsys):
    assert main(["verify", "--help"]) == 0
    assert "only user code simtool" in capsys.readouterr().out


def test_list_runs_nothing(capsys):
    assert main(["verify", "--list"]) == 0
    out = capsys.readouterr().out
    assert "conservation-law-count" in out and "Marcotte" in out


def test_scheduler_address_runs_on_dask(capsys):
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=1, threads_per_worker=2, processes=False,
                                  dashboard_address=None) as cluster:
        # --timeout 0: cases run in the worker threads (the child-process limit is tested in test_sweep)
        assert main(["verify", *FAST, "--scheduler", cluster.scheduler_address, "--timeout", "0", "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["scheduler"] == cluster.scheduler_address and doc["all_as_expected"]


def test_unreachable_scheduler_is_a_one_line_error(capsys, monkeypatch):
    pytest.importorskip("distributed")
    from simtool.sweep import executors

    monkeypatch.setattr(executors, "CONNECT_TIMEOUT", "1s")
    assert main(["verify", *FAST, "--scheduler", "tcp://127.0.0.1:9"]) == 2
    assert "cannot reach Dask scheduler" in capsys.readouterr().err
