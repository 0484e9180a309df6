"""The import table of docs/architecture.md ("Rooms"), enforced on the source (ast, not grep)."""
from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
OURS = {"plumbing", "theory", "synthetic", "nn_checks", "figures"}
ALLOWED = {  # package: (our packages, third-party); docs/architecture.md, "Rooms"
    "plumbing": (set(), set()),  # standard library only: every package may import it
    "theory": ({"plumbing"}, {"numpy", "scipy", "sympy", "mpmath"}),
    "synthetic": ({"plumbing", "theory"}, {"numpy", "scipy"}),
    "nn_checks": ({"plumbing", "theory"}, {"torch", "numpy", "scipy"}),  # scipy: Lanczos eigsh
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


FILES = sorted(p for pkg in ALLOWED for p in (ROOT / pkg).rglob("*.py"))


@pytest.mark.parametrize("path", FILES, ids=[str(p.relative_to(ROOT)) for p in FILES])
def test_imports_respect_the_layering(path):
    package = path.relative_to(ROOT).parts[0]
    ours, third = ALLOWED[package]
    if path.name in ("cli.py", "__main__.py"):
        third = third | CLI_EXTRA
    stdlib = set(sys.stdlib_module_names)
    bad = {m for m in imported_roots(path) - stdlib - {package}
           if (m in OURS and m not in ours) or (m not in OURS and m not in third)}
    assert not bad, f"{path.relative_to(ROOT)} imports {sorted(bad)}"


def test_negative_control_detects_a_forbidden_import(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text("import torch\nfrom synthetic import runners\n")
    assert imported_roots(bad) == {"torch", "synthetic"}
