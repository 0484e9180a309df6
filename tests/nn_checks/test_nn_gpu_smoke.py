"""The GPU smoke check (``python -m nn_checks.gpu_smoke``): its small mode runs every check on the
CPU at smoke size (``make test-slow``; the default run checks the same in this process, without
the subprocess kill); its check functions catch a factor of 2; without CUDA it exits 2."""
from __future__ import annotations

import json
import math

import pytest
import torch

from nn_checks import gpu_smoke
from nn_checks.gpu_smoke import check_first_loss, check_rows, check_update, main
from nn_fixtures import needs_ptb

CHECKS = ["lm_rows", "lm_first_loss", "lm_update", "kill_resume", "tf32_off", "resnet_eig",
          "exact_symmetric"]


@pytest.mark.slow
@needs_ptb
def test_small_mode_passes_every_check(tmp_path, capsys):
    assert main(["--small", "--out", str(tmp_path)]) == 0
    report = capsys.readouterr().out
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert [c["name"] for c in summary["checks"]] == CHECKS
    assert summary["passed"] and all(c["passed"] for c in summary["checks"])
    assert summary["device"] == "cpu" and summary["small"] and summary["steps"] == 8
    assert all(v > 0 for v in summary["ms_per_step"].values())
    assert summary["estimate"]["paper_preset_minutes"] > 0
    assert "7/7 checks passed" in report and (tmp_path / "report.txt").read_text() in report + "\n"


@needs_ptb
def test_small_mode_checks_pass_in_process(tmp_path):
    """The default run's version of the test above: the small mode's checks run in this process
    on the CPU -- the smoke LSTM for 3 steps instead of 8 (rows, first loss ln V, clipped
    update), TF32, the ResNet8 eigenvalue and the symmetric exact product -- without the
    subprocess kill and resume (tests/nn_checks/test_nn_resume_kills.py kills and resumes
    measure) and the ResNet timing."""
    from nn_checks.config import resolve

    cpu = torch.device("cpu")
    config = resolve("lstm", "smoke", steps=3)
    status, intervals = gpu_smoke._lm_run(config, tmp_path / "lm", cpu, None)
    rows = gpu_smoke._rows(tmp_path / "lm" / "metrics.csv")
    assert status["status"] == "finished" and len(intervals) == 2
    assert check_rows(rows, 3)[0] and check_first_loss(float(rows[0]["loss"]))[0]
    assert check_update(rows, config.clip)[0]
    assert gpu_smoke._tf32_check(cpu)[0]
    eig, sym = gpu_smoke._eig_checks(cpu, small=True)
    assert (eig[0], sym[0]) == ("resnet_eig", "exact_symmetric") and eig[1] and sym[1], (eig, sym)
    assert eig[3]["exact_converged"] and eig[3]["exact"] > 0


def test_report_counts_the_checks_and_exits_1_on_a_failed_one(tmp_path, capsys):
    """summary.json and report.txt say what the checks found; one failed check is exit 1 and
    named (the negative control of the exit 0 above)."""
    import argparse

    extra = {"ms_per_step": {"lstm_secant": 50.0, "resnet20_none": 10.0,
                             "resnet20_secant": 30.0},
             "estimate": gpu_smoke._estimate_minutes(50.0, {"none": 10.0, "secant": 30.0})}
    args = argparse.Namespace(small=True)
    checks = [("lm_rows", True, "8 rows", {}), ("tf32_off", True, "off", {})]
    assert gpu_smoke._report(args, torch.device("cpu"), 8, checks, extra, tmp_path / "a") == 0
    summary = json.loads((tmp_path / "a" / "summary.json").read_text())
    assert summary["passed"] and [c["name"] for c in summary["checks"]] == ["lm_rows", "tf32_off"]
    assert "2/2 checks passed" in capsys.readouterr().out
    checks[1] = ("tf32_off", False, "on", {})
    assert gpu_smoke._report(args, torch.device("cpu"), 8, checks, extra, tmp_path / "b") == 1
    summary = json.loads((tmp_path / "b" / "summary.json").read_text())
    assert not summary["passed"] and not summary["checks"][1]["passed"]
    text = (tmp_path / "b" / "report.txt").read_text()
    assert "1/2 checks passed; failed: tf32_off" in text and "FAIL  tf32_off" in text
    assert summary["estimate"]["paper_preset_minutes"] > 0


def _row(step, lr, grad, update):
    return {"step": str(step), "lr": str(lr), "grad_norm": str(grad), "update_norm": str(update)}


def test_checks_catch_a_factor_of_two():
    good = [_row(0, 30.0, 2.0, 7.5), _row(1, 30.0, 0.1, 3.0)]
    assert check_update(good, 0.25)[0]
    assert not check_update([_row(0, 30.0, 2.0, 15.0)], 0.25)[0]  # lr·c doubled
    assert not check_update([_row(0, 30.0, 0.1, 1.5)], 0.25)[0]   # half the step
    assert check_update([_row(0, 2.0, 3.0, 6.0)], None)[0]
    assert not check_update([], 0.25)[0]
    assert check_first_loss(math.log(1e4) + 0.01)[0]
    assert not check_first_loss(math.log(2e4))[0] and not check_first_loss(math.nan)[0]
    assert check_rows(good, 2)[0] and not check_rows(good[:1], 2)[0]
    assert not check_rows([good[1], good[0]], 2)[0]


def test_without_cuda_it_says_so_and_exits_2(capsys):
    if torch.cuda.is_available():
        pytest.skip("a CUDA device is present")
    assert main([]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "no CUDA device: run it on a machine with a GPU" in err[0]


@pytest.mark.parametrize("argv,match", [(["--small", "--steps", "3"], "--steps"),
                                        (["--small", "--device", "tpu"], "device"),
                                        (["--small", "--out", ""], "--out")])
def test_bad_options_are_one_line(argv, match, capsys):
    assert main(argv) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and match in err[0]


@pytest.mark.gpu
def test_gpu_smoke_on_a_gpu(tmp_path):
    assert main(["--out", str(tmp_path)]) == 0
