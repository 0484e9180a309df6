"""The GPU smoke check (``python -m nn_checks.gpu_smoke``): its small mode runs every check on the
CPU at smoke size; its check functions catch a factor of 2; without CUDA it exits 2."""
from __future__ import annotations

import json
import math

import pytest
import torch

from nn_checks.gpu_smoke import check_first_loss, check_rows, check_update, main
from nn_fixtures import needs_ptb

CHECKS = ["lm_rows", "lm_first_loss", "lm_update", "kill_resume", "tf32_off", "resnet_eig",
          "exact_symmetric"]


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
