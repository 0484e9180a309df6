"""The readers of figures/ accept what the producers really write: a small synthetic check, the
catalogue and frontiers of one function, real ``nn_checks fit`` and ``claims`` output over
network-run files, and ``environment_info`` -- so a strict check never refuses a good file."""
from __future__ import annotations

import numpy as np
import pytest

from figures import schemas, style
from figures.__main__ import FIGURES
from figures.report import main as report_main
from test_figures import write_nn


@pytest.fixture(scope="module")
def produced(tmp_path_factory):
    from nn_checks.cli import main as nn_main
    from synthetic.checkrun import run_checks
    from theory.cli import main as theory_main
    from plumbing.provenance import environment_info
    from plumbing.jsonio import write_json

    root = tmp_path_factory.mktemp("produced") / "results"
    run_checks(root / "synthetic" / "check", names=("thm7", "followup"), quick=True)
    assert theory_main(["frontiers", "--only", "quadratic", "--out",
                        str(root / "theory" / "frontiers")]) == 0
    assert theory_main(["catalogue", "--only", "quadratic", "--out",
                        str(root / "theory" / "catalogue")]) == 0
    write_nn(root, np.random.default_rng(7))
    for folder in style.layout(root).runs():
        (folder / "fit.json").unlink(missing_ok=True)
        assert nn_main(["fit", "--n-boot", "20", "--allow-insufficient", str(folder)]) == 0
        write_json(folder / "env.json", environment_info(seed=1, device="cpu",
                                                         packages=("numpy", "scipy")))
    assert nn_main(["claims", str(root / "nn_checks" / "cpu")]) == 0
    return root


def test_every_reader_accepts_its_producers_file(produced):
    check, theory = produced / "synthetic" / "check", produced / "theory"
    assert len(schemas.records(check / "records.jsonl")) > 0
    assert schemas.summary(check / "summary.json")["rows"]
    assert schemas.check_config(check / "config.json")["quick"] is True
    schemas.env(check / "env.json")
    assert schemas.frontiers(theory / "frontiers" / "frontiers.json")["functions"]
    schemas.frontiers_config(theory / "frontiers" / "config.json")
    assert schemas.records(theory / "catalogue" / "records.jsonl")
    claims = schemas.claims(produced / "nn_checks" / "cpu" / "claims.json")
    assert [r["name"] for r in claims["runs"]] == list(schemas.RUN_NAMES)
    for folder in style.layout(produced).runs():
        assert schemas.fit(folder / "fit.json")["status"] == "fitted"
        schemas.env(folder / "env.json")


def test_figures_and_report_take_the_produced_tree(produced, capsys):
    where = style.layout(produced)
    style.validate(p for module in FIGURES.values() for p in module.inputs(where))
    assert report_main(["--results", str(produced)]) == 0
    md = (produced / "report.md").read_text()
    assert "Missing runs" not in md and "not recorded |" not in md.split("Hardware")[1]
    capsys.readouterr()
