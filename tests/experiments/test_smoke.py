"""Every companion experiment's --smoke mode runs, offline, and writes its JSON and figures."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from simtool.cli import main
from simtool.studies import STUDIES, get_study

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def no_network(monkeypatch):
    def refuse(*args, **kwargs):
        raise OSError("network access attempted during an experiment")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)


def _check_document(out: Path, name: str) -> dict:
    study = get_study(name)
    doc = json.loads((out / f"{study.NAME}.json").read_text())
    assert doc["experiment"] == study.NAME and doc["smoke"] is True and doc["seed"] == 3
    assert doc["config"] == json.loads(json.dumps(study.SMOKE))
    assert doc["simtool_version"] and doc["runtime_s"] > 0
    assert "verdicts" in doc["results"]["summary"]
    assert doc["figures"]
    for fig in doc["figures"]:
        assert (out / fig).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    return doc


@pytest.mark.parametrize("name", list(STUDIES))
def test_smoke_via_cli(name, tmp_path, no_network, capsys):
    assert main(["experiment", name, "--smoke", "--seed", "3", "--out", str(tmp_path)]) == 0
    assert "wrote" in capsys.readouterr().out
    _check_document(tmp_path, name)


def test_thin_script_runs_as_a_program(tmp_path):
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    proc = subprocess.run([sys.executable, str(REPO / "experiments" / "seed002_network_manifold.py"), "--smoke",
                           "--seed", "3", "--out", str(tmp_path)], capture_output=True, text=True, env=env,
                          timeout=300)
    assert proc.returncode == 0, proc.stderr
    _check_document(tmp_path, "network-manifold")


def test_every_study_has_a_thin_script():
    for module, _ in STUDIES.values():
        text = (REPO / "experiments" / f"{module}.py").read_text()
        assert "runner.main(get_study(" in text


def test_same_seed_same_results(tmp_path, no_network):
    a = main(["experiment", "network-manifold", "--smoke", "--seed", "3", "--out", str(tmp_path / "a")])
    b = main(["experiment", "network-manifold", "--smoke", "--seed", "3", "--out", str(tmp_path / "b")])
    assert a == b == 0
    ra = json.loads((tmp_path / "a" / "seed002_network_manifold.json").read_text())["results"]
    rb = json.loads((tmp_path / "b" / "seed002_network_manifold.json").read_text())["results"]
    assert ra == rb


def test_unknown_experiment_is_a_one_line_error(capsys):
    assert main(["experiment", "mnist-everything", "--smoke"]) == 2
    err = capsys.readouterr().err
    assert err.strip().count("\n") == 0 and "unknown experiment 'mnist-everything'; choose one of" in err
