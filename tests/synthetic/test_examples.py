"""The README's worked example runs and says what the README says it says."""
from __future__ import annotations

import runpy
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_construction_toolkit_example(capsys):
    runpy.run_path(str(ROOT / "examples" / "construction_toolkit.py"), run_name="__main__")
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("quadratic bowl member: False | f, f', f'' jump by (0.0, 0.0, 0.2)")
    assert lines[1].startswith("wide-B member: True, certified: True, f* = 0.0, Delta = 4, M = 0.2")
    rows = [line for line in lines if line.startswith("h = ")]
    assert len(rows) == 4 and all("holds: True" in row for row in rows)
