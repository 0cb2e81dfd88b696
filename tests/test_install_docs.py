"""The README's install lines: the CPU-wheel line for users elsewhere pins the same torch
as ``constraints-cpu.txt``, and ``.ci/run`` runs exactly the README's commands."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _bash_blocks(text: str) -> list[str]:
    return re.findall(r"```bash\n(.*?)```", text, flags=re.S)


def test_cpu_wheel_line_matches_the_constraints():
    readme = (ROOT / "README.md").read_text()
    pin = re.search(r"^torch==(\S+)$", (ROOT / "constraints-cpu.txt").read_text(), flags=re.M).group(1)
    lines = [ln for b in _bash_blocks(readme) for ln in b.splitlines()]
    cpu = [ln for ln in lines if "download.pytorch.org/whl/cpu" in ln]
    assert cpu == [f"pip install torch=={pin} --index-url https://download.pytorch.org/whl/cpu"]


def test_ci_runs_the_readme_commands():
    readme = (ROOT / "README.md").read_text()
    ci = (ROOT / ".ci" / "run").read_text().splitlines()
    install = _bash_blocks(readme)[0].strip()
    assert install == 'pip install -c constraints-cpu.txt -e ".[test]"'
    assert install in ci
    assert "python -m pytest" in ci and "python -m pytest" in _bash_blocks(readme)[2]
