"""Valid but extreme values (1e308, "inf" where a producer may write it, 1e-308) are drawn, not
crashed on (every figure reading a number, Figs 6, 9 and 10's new fields among them): exit 0,
nothing on stderr (no overflow warnings either), every figure written.
Before, 1e308 on a log axis made matplotlib fail with "Axis limits cannot be NaN or Inf"."""
from __future__ import annotations

import json

from figures import style
from figures.__main__ import main
from test_figures import METRICS, _csv, write_results


def test_extreme_values_are_drawn(tmp_path, capsys):
    root = write_results(tmp_path / "results")
    path = root / "synthetic" / "check" / "records.jsonl"
    records = [json.loads(line) for line in path.read_text().splitlines()]
    for r in records:
        if r["check_id"].startswith("thm4/"):
            r.update(bound="inf", measured=1e308 if r["measured"] == 3790.0 else r["measured"])
            r["params"]["h_thr"] = "inf"
            r["extra"]["bound_alt_log"] = 1e308
        if r["check_id"].startswith("rem5/M="):
            r["bound"] = 1e308
        if r["check_id"] == "rem5/separation-growth":
            r.update(measured="nan", extra={**r["extra"], "predicted_slope": "-inf"})
        if r["quantity"] == "iterations":
            r["extra"]["minimax_1d"] = 1e308
        if r["quantity"] == "minimax-2d":
            r["params"].update(h_cycle=1e308, M_2d="inf")
            r["extra"]["per_h"][0].update(h=1e-308, measured=1e308)
        if r["quantity"] == "thresholds-2d":
            r["extra"].update(crossover_M=1e308, c="nan")
            r["extra"]["table"][0].update(M=1e-308, h_2c_1d=1e308, pi_limit="inf")
            r["extra"]["table"][-1].update(M=1e308, w2_limit=1e-308)
    path.write_text("".join(json.dumps(r) + "\n" for r in records))
    run = style.run_dir(root, "cpu", "lstm", "lr30clip0.25")
    _csv(run / "metrics.csv", METRICS, [[t, t // 20, 30.0, 1e308 if t % 2 else "inf", 1e308, 1,
                                         1e308, 1e308 if t else 1e-308, None, None,
                                         1e-308 * (t + 1)] for t in range(40)])
    fit = json.loads((run / "fit.json").read_text())
    fit["envelope"][0].update(L0=1e308, L1=1e308)
    (run / "fit.json").write_text(json.dumps(fit))
    frontiers = root / "theory" / "frontiers" / "frontiers.json"
    doc = json.loads(frontiers.read_text())
    doc["functions"][0]["points"][1]["L1"] = "inf"
    doc["functions"][2]["points"][1]["L0"] = 1e308
    frontiers.write_text(json.dumps(doc))
    summary = root / "synthetic" / "check" / "summary.json"
    doc = json.loads(summary.read_text())
    doc["rows"][1].update(ratio_min=1e-308, ratio_max=1e308, tightness_witness=1e-308)
    summary.write_text(json.dumps(doc))
    assert main(["--results", str(root), "--only", "fig1,fig6,fig7,fig8,fig9,fig10"]) == 0
    captured = capsys.readouterr()
    assert captured.err == "" and len(captured.out.split()) == 12
    assert style.tame([1e101, -1e308, 5.0]).tolist() == [float("inf"), float("-inf"), 5.0]
