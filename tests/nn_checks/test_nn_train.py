"""Training with the probe on real data slices: rows, resume after an interruption with no
duplicated or missing rows, divergence, fit, and the command line's bad input."""
from __future__ import annotations

import csv
import json

import pytest

from nn_checks.cli import main
from nn_checks.config import resolve
from nn_checks.models import LSTMLanguageModel
from nn_checks.train import METRICS, measure
from nn_fixtures import HAVE_PTB, needs_ptb, synthetic_images



def rows(path):
    with open(path, newline="") as handle:
        return list(csv.DictReader(handle))


@needs_ptb
def test_lm_smoke_rows_and_fit(tmp_path, capsys):
    config = resolve("lstm", "smoke", steps=12)
    status = measure(config, tmp_path)
    assert status["status"] == "finished" and status["steps"] == 12
    metrics = rows(tmp_path / "metrics.csv")
    assert [int(r["step"]) for r in metrics] == list(range(12))
    assert list(metrics[0]) == list(METRICS)
    assert all(float(r["smoothness"]) > 0 and float(r["grad_norm"]) > 0 for r in metrics)
    # clipped iff the pre-clip norm exceeds c = 0.25; the update then has length lr * 0.25
    for r in metrics:
        assert r["clipped"] == str(int(float(r["grad_norm"]) > 0.25))
        if r["clipped"] == "1":
            assert float(r["update_norm"]) == pytest.approx(30 * 0.25, rel=1e-5)
    assert len(rows(tmp_path / "epochs.csv")) == 1
    saved = json.loads((tmp_path / "config.json").read_text())
    assert saved["batches_per_epoch"] == {"0": 63}  # 1,250 rows of 16 streams: 62 x 20 + 9
    assert saved["dataset"] == "ptb" and saved["wall_seconds"] > 0
    assert main(["fit", str(tmp_path), "--n-boot", "49"]) == 0
    fit = json.loads((tmp_path / "fit.json").read_text())
    envelope = next(e for e in fit["envelope"] if e["quantile"] == 1.0)  # by value
    assert fit["n"] == 12 and envelope["L1"] is not None


@needs_ptb
def test_probe_grad_norm_is_the_training_norm_with_one_probe_batch(tmp_path):
    measure(resolve("lstm", "smoke", steps=4), tmp_path)
    for r in rows(tmp_path / "metrics.csv"):
        assert float(r["probe_grad_norm"]) == pytest.approx(float(r["grad_norm"]), rel=1e-9)  # both float64


@needs_ptb
def test_large_batch_probe_has_its_own_gradient_scale(tmp_path):
    """k = 3 probe batches: the probe's ∇f is the mean over three windows, not the step's."""
    measure(resolve("lstm", "smoke", steps=4, probe_batches=3), tmp_path)
    metrics = rows(tmp_path / "metrics.csv")
    assert all(float(r["smoothness"]) > 0 for r in metrics)
    assert any(abs(float(r["probe_grad_norm"]) / float(r["grad_norm"]) - 1) > 1e-3
               for r in metrics)


@needs_ptb
def test_large_batch_probe_row_recomputed_by_hand(tmp_path):
    """Step 0 with k = 3, rebuilt with plain autograd: g0 = ∇ of the mean loss over windows 0-2
    at θ0 (window 0 from the step's state, the others from zero), θ1 = θ0 − lr·clip(∇ of window
    0), smoothness = ||g(θ0 + d/2) − g0|| / ||d/2||. A probe mixing the single-batch and the
    mean loss, or another scale, would not match."""
    import torch

    from nn_checks.tasks import LMTask
    config = resolve("lstm", "smoke", steps=1, probe_batches=3)
    measure(config, tmp_path)
    row = rows(tmp_path / "metrics.csv")[0]
    torch.manual_seed(config.seed)
    task = LMTask(config, "cpu", None)
    params = list(task.model.parameters())
    specs = task.batches(0)[:3]

    def mean_grad():
        loss = sum(task.loss(spec, None)[0] for spec in specs) / 3
        return torch.cat([g.reshape(-1) for g in torch.autograd.grad(loss, params)]).double()

    def install(theta):
        torch.nn.utils.vector_to_parameters(theta, params)

    theta0 = torch.nn.utils.parameters_to_vector(params).detach().clone()
    g0 = mean_grad()
    step = torch.cat([g.reshape(-1) for g in torch.autograd.grad(
        task.loss(specs[0], None)[0], params)]).double()
    d = -config.lr * step * min(1.0, config.clip / (step.norm().item() + 1e-6))
    with torch.no_grad():
        install((theta0.double() + d / 2).float())
    secant = (mean_grad() - g0).norm().item() / (d / 2).norm().item()
    assert float(row["probe_grad_norm"]) == pytest.approx(g0.norm().item(), rel=1e-5)
    assert float(row["update_norm"]) == pytest.approx(d.norm().item(), rel=1e-4)
    assert float(row["smoothness"]) == pytest.approx(secant, rel=1e-3)
    # the check discriminates: the single-window gradient (k = 1's) has another norm
    assert abs(step.norm().item() / g0.norm().item() - 1) > 1e-2


@needs_ptb
def test_fixed_windows_keep_the_lr_also_on_a_short_last_window(tmp_path):
    config = resolve("lstm", "smoke", train_tokens=16 * 55, steps=None, epochs=1, lr=2.0)
    measure(config, tmp_path)  # 55 rows of 16 streams: windows of 20, 20 and 14 tokens
    assert [float(r["lr"]) for r in rows(tmp_path / "metrics.csv")] == [2.0, 2.0, 2.0]


@needs_ptb
def test_variable_bptt_windows_cover_the_data_and_scale_the_lr(tmp_path):
    config = resolve("lstm", "smoke", steps=20, variable_bptt=True, clip=None, lr=2.0)
    from nn_checks.tasks import LMTask
    task = LMTask(config, "cpu", None)
    specs = task.batches(0)
    assert specs == task.batches(0) and specs != task.batches(1)  # seeded by (seed, epoch)
    assert specs[0][0] == 0 and all(a[0] + a[1] == b[0] for a, b in zip(specs, specs[1:]))
    assert all(length >= 5 for _, length in specs) and len({n for _, n in specs}) > 3
    measure(config, tmp_path)
    for spec, r in zip(specs, rows(tmp_path / "metrics.csv")):
        assert float(r["lr"]) == pytest.approx(2.0 * spec[1] / config.bptt)


@needs_ptb
def test_resume_after_interruption_gives_the_same_rows(tmp_path):
    config = resolve("lstm", "smoke", steps=14)
    measure(config, tmp_path / "whole", checkpoint_every=5)

    def crash(report):
        if report["step"] == 8:
            raise KeyboardInterrupt
    with pytest.raises(KeyboardInterrupt):
        measure(config, tmp_path / "cut", progress=crash, checkpoint_every=5)
    assert len(rows(tmp_path / "cut" / "metrics.csv")) == 8  # rows 6, 7 lie past the checkpoint
    measure(config, tmp_path / "cut", checkpoint_every=5)
    whole = (tmp_path / "whole" / "metrics.csv").read_text()
    assert (tmp_path / "cut" / "metrics.csv").read_text() == whole


@needs_ptb
def test_exploding_loss_ends_cleanly_as_diverged(tmp_path):
    config = resolve("lstm", "smoke", steps=30, lr=1e4, clip=None, probe="none")
    status = measure(config, tmp_path)
    assert status["status"] == "diverged"
    saved = json.loads((tmp_path / "config.json").read_text())
    assert saved["status"] == "diverged"
    metrics = rows(tmp_path / "metrics.csv")
    assert 0 < len(metrics) < 30 and metrics[-1]["grad_norm"] == ""
    # a crash after the last checkpoint but before config.json said "diverged": the rerun adds
    # no second row for the diverging step
    before = (tmp_path / "metrics.csv").read_text()
    (tmp_path / "config.json").write_text(json.dumps({**saved, "status": "running"}))
    assert measure(config, tmp_path)["status"] == "diverged"
    assert (tmp_path / "metrics.csv").read_text() == before
    # no smoothness was probed: fit refuses (exit 2), or records why with --allow-insufficient
    assert main(["fit", str(tmp_path)]) == 2
    assert not (tmp_path / "fit.json").exists()
    assert main(["fit", "--allow-insufficient", str(tmp_path)]) == 0
    fit = json.loads((tmp_path / "fit.json").read_text())
    assert fit["status"] == "insufficient" and fit["n"] == 0 and "need >= 3" in fit["reason"]


@needs_ptb
def test_another_config_in_the_same_folder_is_refused(tmp_path):
    measure(resolve("lstm", "smoke", steps=2, probe="none"), tmp_path)
    with pytest.raises(ValueError, match="another configuration"):
        measure(resolve("lstm", "smoke", steps=3, probe="none"), tmp_path)


@pytest.mark.parametrize("argv,match", [
    (["measure", "--model", "lstm", "--preset", "smoke", "--run", "fast"], "unknown run"),
    (["measure", "--model", "lstm", "--preset", "smoke", "--steps", "2", "--epochs", "1"],
     "not both"),
    (["measure", "--model", "cnn", "--preset", "smoke"], "invalid choice"),
    (["measure", "--model", "lstm", "--preset", "smoke", "--data-dir", "EMPTY"],
     "penn treebank"),
    (["fit", "NOWHERE"], "no such run folder"),
])
def test_bad_input_is_one_line_exit_2(argv, match, tmp_path, capsys):
    empty = tmp_path / "empty"
    empty.mkdir()
    argv = [str(empty) if a == "EMPTY" else str(tmp_path / "none") if a == "NOWHERE" else a
            for a in argv]
    if argv[0] == "measure":
        argv += ["--out", str(tmp_path / "out")]
    code = main(argv)
    err = capsys.readouterr().err.strip()
    assert code == 2 and len(err.splitlines()) == 1 and match in err.lower()


# ------------------------------------------------------------------ seeds, bad input, devices

def _bytes(folder):
    return {name: (folder / name).read_bytes() for name in ("metrics.csv", "epochs.csv")}


@needs_ptb
def test_same_seed_same_bytes_other_seed_other_trajectory(tmp_path):
    for name, seed in (("a", 7), ("b", 7), ("c", 8)):
        assert main(["measure", "--model", "lstm", "--preset", "smoke", "--steps", "4",
                     "--probe", "none", "--seed", str(seed), "--device", "cpu",
                     "--out", str(tmp_path / name)]) == 0
    assert _bytes(tmp_path / "a") == _bytes(tmp_path / "b")
    losses = {name: [r["loss"] for r in rows(tmp_path / name / "metrics.csv")] for name in "ac"}
    assert all(x != y for x, y in zip(losses["a"], losses["c"]))
    for name in "ac":
        saved = json.loads((tmp_path / name / "config.json").read_text())
        env = json.loads((tmp_path / name / "env.json").read_text())
        assert saved["seed"] == saved["config"]["seed"] == env["seed"] == (7 if name == "a" else 8)


@needs_ptb
def test_update_is_lr_times_the_norm_without_clipping(tmp_path):
    """clip none: update = lr·||g|| (the float32 parameter difference; 1e-5 relative), a 2x
    slip would show."""
    measure(resolve("lstm", "smoke", steps=3, clip=None, lr=2.0, probe="none"), tmp_path)
    for r in rows(tmp_path / "metrics.csv"):
        assert r["clipped"] == "0"
        assert float(r["update_norm"]) == pytest.approx(2.0 * float(r["grad_norm"]), rel=1e-5)


def test_metrics_columns_keep_their_order_and_append():
    assert METRICS == ("step", "epoch", "lr", "loss", "grad_norm", "clipped", "update_norm",
                       "smoothness", "hessian_top_eig", "n_hvps", "probe_grad_norm",
                       "hessian_converged")


@needs_ptb
def test_hessian_every_max_hvps_and_converged_column_short(tmp_path):
    """The default run's version of the test below: 2 steps, the eigenvalue on step 0 only
    (hessian_every 2) with exact products on the CPU (auto), at most 3 products, converged 1 or
    0; the secant on both steps, empty eigenvalue cells on step 1."""
    assert main(["measure", "--model", "lstm", "--preset", "smoke", "--steps", "2", "--probe",
                 "secant+hessian", "--hessian-every", "2", "--max-hvps", "3", "--device", "cpu",
                 "--out", str(tmp_path)]) == 0
    metrics = rows(tmp_path / "metrics.csv")
    assert [r["step"] for r in metrics] == ["0", "1"]
    assert all(float(r["smoothness"]) > 0 for r in metrics)
    first, second = metrics
    assert float(first["hessian_top_eig"]) > 0 and 0 < int(first["n_hvps"]) <= 3
    assert first["hessian_converged"] in ("0", "1")
    assert second["hessian_top_eig"] == second["n_hvps"] == second["hessian_converged"] == ""
    saved = json.loads((tmp_path / "config.json").read_text())
    assert saved["hvp"] == "exact" and saved["config"]["max_hvps"] == 3
    assert saved["config"]["hessian_every"] == 2


@pytest.mark.slow
@needs_ptb
def test_hessian_every_max_hvps_and_converged_column(tmp_path):
    """Secant on every step, the eigenvalue on steps 0 and 2 (hessian_every 2) with exact products
    on the CPU (auto), at most 8 products, converged 1 or 0; empty cells on the other steps."""
    assert main(["measure", "--model", "lstm", "--preset", "smoke", "--steps", "3", "--probe",
                 "secant+hessian", "--hessian-every", "2", "--max-hvps", "8", "--device", "cpu",
                 "--out", str(tmp_path)]) == 0
    metrics = rows(tmp_path / "metrics.csv")
    assert all(float(r["smoothness"]) > 0 for r in metrics)
    for r in metrics:
        if int(r["step"]) % 2 == 0:
            assert float(r["hessian_top_eig"]) > 0 and 0 < int(r["n_hvps"]) <= 8
            assert r["hessian_converged"] in ("0", "1")
        else:
            assert r["hessian_top_eig"] == r["n_hvps"] == r["hessian_converged"] == ""
    saved = json.loads((tmp_path / "config.json").read_text())
    assert saved["hvp"] == "exact" and saved["config"]["max_hvps"] == 8
    assert saved["config"]["hessian_every"] == 2


@needs_ptb
def test_explicit_exact_hvp_on_a_cudnn_rnn_is_refused_up_front(tmp_path, monkeypatch, capsys):
    """Where double backward does not work (as for cuDNN's LSTM) --hvp exact is one line, exit
    2, nothing written; auto then picks finite differences."""
    import nn_checks.probe.hessian as hessian
    import nn_checks.train as train

    monkeypatch.setattr(train, "double_backward_supported", lambda model: False)
    monkeypatch.setattr(hessian, "double_backward_supported", lambda model: False)
    out = tmp_path / "out"
    argv = ["measure", "--model", "lstm", "--preset", "smoke", "--steps", "2", "--probe",
            "hessian", "--device", "cpu", "--out", str(out)]
    assert main(argv + ["--hvp", "exact"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "--hvp exact" in err[0] and not out.exists()
    config = resolve("lstm", "smoke", probe="hessian")
    assert train.hvp_mode(config, LSTMLanguageModel(50, 8, 8, 1), "cpu") == "finite-difference"
    assert train.hvp_mode(resolve("lstm", "smoke"), LSTMLanguageModel(50, 8, 8, 1), "cpu") is None


@pytest.mark.parametrize("flag,value,match", [
    ("--lr", "inf", "lr must be a finite"), ("--lr", "nan", "lr must be a finite"),
    ("--lr", "-inf", "lr must be a finite"), ("--momentum", "nan", "momentum must be a finite"),
    ("--clip", "inf", "clip must be a finite"), ("--clip", "nan", "clip must be a finite"),
    ("--clip", "0.25x", "--clip"), ("--seed", "-1", "seed"), ("--seed", str(2**40), "seed"),
    ("--max-hvps", "0", "max_hvps"), ("--max-hvps", "100000", "max_hvps"),
    ("--hessian-every", "0", "hessian_every"), ("--device", "cuda:7", "--device cuda:7"),
    ("--device", "tpu", "--device"), ("--checkpoint-every", "0", "--checkpoint-every"),
    ("--batch-size", "20000", "training tokens"), ("--probe-batches", "999", "probe_batches"),
    ("--ptb-dir", "", "empty folder name")])
def test_measure_bad_values_are_one_line_and_write_nothing(flag, value, match, tmp_path, capsys):
    if flag in ("--batch-size", "--probe-batches") and not HAVE_PTB:
        pytest.skip("needs Penn Treebank")
    out = tmp_path / "out"
    code = main(["measure", "--model", "lstm", "--preset", "smoke", f"{flag}={value}",
                 "--out", str(out)])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1 and match in err[0], err
    assert not out.exists()




def test_fewer_images_than_one_batch_are_refused(tmp_path):
    with pytest.raises(ValueError, match="batch_size 32 exceeds the 10 training images"):
        measure(resolve("resnet20", "smoke"), tmp_path / "out", data=synthetic_images(10))
    assert not (tmp_path / "out").exists()


def test_resnet_steps_on_images_given_as_tensors(tmp_path):
    """The image path (device permutation, clipping, secant, evaluation) on 64 tensors: two
    epochs of two steps, update = lr·min(||g||, c)."""
    config = resolve("resnet20", "smoke", run="lr5clip0.25", steps=None, epochs=2)
    status = measure(config, tmp_path, data=synthetic_images(64))
    assert status["status"] == "finished" and status["steps"] == 4
    assert status["dataset"] == "synthetic" and status["batches_per_epoch"] == {"0": 2, "1": 2}
    metrics = rows(tmp_path / "metrics.csv")
    for r in metrics:
        expected = 5.0 * min(float(r["grad_norm"]), 0.25)
        assert float(r["update_norm"]) == pytest.approx(expected, rel=1e-5)
        assert float(r["smoothness"]) > 0
    assert [r["epoch"] for r in rows(tmp_path / "epochs.csv")] == ["0", "1"]


@needs_ptb
def test_one_host_sync_per_unprobed_step(tmp_path, monkeypatch):
    """No .item() in the loop: one .tolist() per step (loss, norm and update together); the
    epoch's evaluation reads one number."""
    import torch

    calls = {"item": 0, "tolist": 0}
    real_item, real_tolist = torch.Tensor.item, torch.Tensor.tolist

    def item(self):
        calls["item"] += 1
        return real_item(self)

    def tolist(self):
        calls["tolist"] += 1
        return real_tolist(self)
    monkeypatch.setattr(torch.Tensor, "item", item)
    monkeypatch.setattr(torch.Tensor, "tolist", tolist)
    measure(resolve("lstm", "smoke", steps=5, probe="none"), tmp_path)
    assert calls == {"item": 1, "tolist": 5}


@needs_ptb
def test_env_json_describes_the_hardware(tmp_path):
    measure(resolve("lstm", "smoke", steps=1, probe="none"), tmp_path)
    env = json.loads((tmp_path / "env.json").read_text())
    assert env["device"] == "cpu" and env["device_type"] == "cpu" and env["gpu"] is None
    assert env["cpu_count"] >= 1 and env["torch_threads"] >= 1 and env["seed"] == 1111
    assert set(env["tf32"]) == {"matmul", "cudnn", "applies"} and env["tf32"]["applies"] is False
    assert "processor" in env and "cuda_version" in env and "cudnn_version" in env


def test_resolve_device():
    import torch

    from nn_checks.envinfo import resolve_device

    assert resolve_device("cpu") == torch.device("cpu")
    expected = torch.device("cuda", 0) if torch.cuda.is_available() else torch.device("cpu")
    assert resolve_device("auto") == expected
    for bad in ("gpu", "cuda:", "cuda:x", "cuda:99999", "CPU"):
        with pytest.raises(ValueError, match="device"):
            resolve_device(bad)


def test_measure_help_lists_runs_presets_and_defaults(capsys):
    assert main(["measure", "--help"]) == 0
    text = capsys.readouterr().out
    for name in ("lr30clip0.25", "lr2noclip", "lr2clip0.25", "sgdmom", "lr1noclip",
                 "lr5clip0.25", "smoke", "hidden=1150", "probe_every=10", "(default: 25",
                 "(default: auto", "(default: 1111", "(default: 100)", "cuda:N"):
        assert name in text, name
    assert main(["--version"]) == 0 and "l0l1-workbench" in capsys.readouterr().out
