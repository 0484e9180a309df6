"""The import table of docs/architecture.md ("Rooms"), enforced on the source (ast, not grep)."""
from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
OURS = {"plumbing", "theory", "sweeps", "synthetic", "nn_checks", "figures"}
ALLOWED = {  # package: (our packages, third-party); docs/architecture.md, "Rooms"
    "plumbing": (set(), set()),  # standard library only: every package may import it
    "theory": ({"plumbing"}, {"numpy", "scipy", "sympy", "mpmath"}),
    "sweeps": ({"plumbing"}, {"dask", "distributed", "dask_jobqueue"}),  # imported lazily
    "synthetic": ({"plumbing", "theory", "sweeps"}, {"numpy", "scipy"}),
    "nn_checks": ({"plumbing", "theory", "sweeps"}, {"torch", "numpy", "scipy"}),  # eigsh
    "figures": ({"plumbing"}, {"matplotlib", "numpy", "markdown"}),  # markdown: report.html
}
# Command-line entry points may add progress bars (docs/architecture.md: entry points print and
# show progress with tqdm); library modules may not.
CLI_EXTRA = {"tqdm"}


def imported_roots(path: Path) -> set[str]:
    roots = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            roots |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            roots.add(node.module.split(".")[0])
    return roots


def is_command_line(path: Path) -> bool:
    """An entry point: ``__main__.py``, ``cli.py``, ``cli_*.py`` or a module of a ``cli`` /
    ``commands`` package."""
    return path.name in ("cli.py", "__main__.py") or path.name.startswith("cli_") or \
        path.parent.name in ("cli", "commands")


FILES = sorted(p for pkg in ALLOWED for p in (ROOT / pkg).rglob("*.py"))


@pytest.mark.parametrize("path", FILES, ids=[str(p.relative_to(ROOT)) for p in FILES])
def test_imports_respect_the_layering(path):
    package = path.relative_to(ROOT).parts[0]
    ours, third = ALLOWED[package]
    if is_command_line(path):
        third = third | CLI_EXTRA
    stdlib = set(sys.stdlib_module_names)
    bad = {m for m in imported_roots(path) - stdlib - {package}
           if (m in OURS and m not in ours) or (m not in OURS and m not in third)}
    assert not bad, f"{path.relative_to(ROOT)} imports {sorted(bad)}"


def test_negative_control_detects_a_forbidden_import(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text("import torch\nfrom synthetic import runners\n")
    assert imported_roots(bad) == {"torch", "synthetic"}


# ---- the rooms of theory/ (docs/architecture.md): each imports only the rooms it may ----
ROOMS = {  # room: rooms of theory it may import
    "expressions": set(),
    "smoothness": {"expressions"},
    "functions": {"expressions", "smoothness", "statements", "records"},
    "statements": set(),
    "fitting": set(),
    "records": set(),
}


def theory_rooms(path: Path) -> set[str]:
    """The rooms of theory a module imports (absolute ``theory.<room>`` imports)."""
    rooms = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        names = [a.name for a in node.names] if isinstance(node, ast.Import) else \
            [node.module] if isinstance(node, ast.ImportFrom) and node.level == 0 and \
            node.module else []
        rooms |= {n.split(".")[1] for n in names if n.startswith("theory.")}
    return rooms


THEORY_FILES = sorted(p for p in (ROOT / "theory").rglob("*.py")
                      if p.relative_to(ROOT / "theory").parts[0].removesuffix(".py") in ROOMS)


@pytest.mark.parametrize("path", THEORY_FILES, ids=[str(p.relative_to(ROOT)) for p in THEORY_FILES])
def test_theory_rooms_import_only_the_rooms_before_them(path):
    room = path.relative_to(ROOT / "theory").parts[0].removesuffix(".py")
    bad = theory_rooms(path) - ROOMS[room] - {room}
    assert not bad, f"{path.relative_to(ROOT)} ({room}) imports the room(s) {sorted(bad)}"


def test_a_room_violation_is_seen(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text("from theory.smoothness.certify import certify\nimport theory.fitting\n")
    assert theory_rooms(bad) == {"smoothness", "fitting"}


@pytest.mark.parametrize("modules", [
    "theory", "theory.statements.steps, theory.statements.bounds, theory.statements.lemmas",
    "theory.fitting, theory.records, theory.functions.gradients, plumbing.cli",
    "synthetic.fastcount"])
def test_light_imports_do_not_import_sympy(modules):
    """`import theory`, the step rules, the bounds, fitting and the records stay sympy-free
    (sympy costs ~1.6 s per process); a negative control shows the check sees sympy."""
    code = f"import sys, {modules}; print('sympy' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=120, cwd=ROOT)
    assert out.returncode == 0 and out.stdout.strip() == "False", out.stderr
    control = subprocess.run([sys.executable, "-c", "import sys, theory; theory.certify; "
                              "print('sympy' in sys.modules)"], capture_output=True, text=True,
                             timeout=120, cwd=ROOT)
    assert control.stdout.strip() == "True"
