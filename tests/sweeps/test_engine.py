"""sweeps: tasks as subprocesses under a wall-clock limit, run locally or on a Dask
LocalCluster, results in task order whatever the engine; seed and value specs."""
from __future__ import annotations

import os
import sys
import time

import pytest

from sweeps import EngineError, Task, describe_engine, parse_seeds, run_tasks
from sweeps.tasks import run_task


def py(code: str) -> tuple[str, ...]:
    return (sys.executable, "-c", code)


def test_commands_run_in_order_and_stop_at_the_first_failure(tmp_path):
    log = tmp_path / "logs" / "t.log"
    result = run_task(Task("t", (py("print('one')"), py("import sys; print('two'); sys.exit(4)"),
                                 py("print('three')")), log=str(log)))
    assert (result.returncode, result.failed, result.ok) == (4, 1, False)
    assert result.tail == "two" and log.read_text().split() == ["one", "two"]
    assert run_task(Task("ok", (py("pass"),))).ok


def test_environment_and_working_folder_reach_the_command(tmp_path):
    out = tmp_path / "env.txt"
    code = f"import os; open({str(out)!r}, 'w').write(os.environ['X_SWEEP'] + ' ' + os.getcwd())"
    assert run_task(Task("e", (py(code),), env=(("X_SWEEP", "42"),), cwd=str(tmp_path))).ok
    assert out.read_text() == f"42 {tmp_path}"


def test_the_time_limit_kills_the_whole_process_group(tmp_path):
    """The command starts a grandchild that would outlive it; both are gone after the limit."""
    pidfile = tmp_path / "child.pid"
    code = ("import subprocess, sys, time; p = subprocess.Popen([sys.executable, '-c', "
            "'import time; time.sleep(60)']); open(%r, 'w').write(str(p.pid)); time.sleep(60)"
            % str(pidfile))
    start = time.monotonic()
    result = run_task(Task("slow", (py(code),), timeout=3))
    assert result.timed_out and not result.ok and result.returncode is None
    assert time.monotonic() - start < 20
    child = int(pidfile.read_text())
    for _ in range(50):  # the kernel reaps asynchronously
        try:
            os.kill(child, 0)
        except ProcessLookupError:
            break
        time.sleep(0.1)
    else:
        pytest.fail(f"grandchild {child} survived the time limit")


def test_a_command_that_cannot_start_is_a_failed_result(tmp_path):
    log = tmp_path / "x.log"
    result = run_task(Task("missing", (("/nonexistent/binary",),), log=str(log)))
    assert not result.ok and result.returncode == 127
    assert result.tail == "cannot start /nonexistent/binary: No such file or directory"


def test_invalid_tasks_and_engines_are_refused():
    with pytest.raises(ValueError):
        Task("", (py("pass"),))
    with pytest.raises(ValueError):
        Task("t", (py("pass"),), timeout=0)
    for bad in (dict(engine="ray"), dict(engine="local", workers=2),
                dict(engine="dask", workers=0), dict(engine="dask", scheduler="tcp://x:1",
                                                     workers=2),
                dict(engine="dask", scheduler="  ")):
        with pytest.raises(EngineError):
            describe_engine(**bad)
    with pytest.raises(EngineError, match="unique"):
        run_tasks([Task("a", (py("pass"),)), Task("a", (py("pass"),))])


def test_an_unreachable_scheduler_is_one_line():
    with pytest.raises(EngineError, match="cannot connect"):
        run_tasks([Task("a", (py("pass"),))], "dask", scheduler="tcp://127.0.0.1:9")


def test_dask_returns_results_in_task_order_not_completion_order(tmp_path):
    """The first task is the slowest: it ends last on 2 workers but comes back first."""
    tasks = [Task(f"t{i}", (py(f"import time; time.sleep({4 if i == 0 else 0.05}); "
                               f"print({i})"),), log=str(tmp_path / f"{i}.log"))
             for i in range(5)]
    done = []
    results = run_tasks(tasks, "dask", workers=2, progress=lambda r: done.append(r.key))
    assert [r.key for r in results] == [t.key for t in tasks]
    assert all(r.ok for r in results) and done[-1] == "t0"  # completion order differs
    assert [(tmp_path / f"{i}.log").read_text().strip() for i in range(5)] == \
        [str(i) for i in range(5)]


def test_time_limits_hold_in_dask_workers():
    start = time.monotonic()
    [result] = run_tasks([Task("slow", (py("import time; time.sleep(60)"),), timeout=2)],
                         "dask", workers=1)
    assert result.timed_out and time.monotonic() - start < 30


@pytest.mark.parametrize("spec, seeds", [("0-4", (0, 1, 2, 3, 4)), ("1,3,7", (1, 3, 7)),
                                         ("0-2,10,2", (0, 1, 2, 10)), (" 5 ", (5,))])
def test_seed_specs(spec, seeds):
    assert parse_seeds(spec) == seeds


@pytest.mark.parametrize("spec", ["", "4-0", "-1", "a", "1,,2", "0-5000", "1.5", "0x3",
                                  str(2**32), "٣"])
def test_bad_seed_specs_are_refused(spec):
    with pytest.raises(ValueError, match="--seeds"):
        parse_seeds(spec)


def test_a_seed_of_thousands_of_digits_is_refused_in_the_words_of_seeds():
    """int() refuses 4300+ digits with a message about sys.set_int_max_str_digits."""
    for spec in ("9" * 5000, "0-" + "9" * 5000, "0" * 5000 + "7"):
        if spec.startswith("000"):
            assert parse_seeds(spec) == (7,)
            continue
        with pytest.raises(ValueError, match=r"^--seeds '9{57}\.\.\.'|^--seeds '0-9") as info:
            parse_seeds(spec)
        assert "above 4294967295" in str(info.value) and len(str(info.value)) < 200
    with pytest.raises(ValueError, match="negative"):
        parse_seeds("-1")



def test_gpu_workers_see_one_gpu_each_and_run_one_gpu_task_at_a_time(tmp_path):
    """The GPU engine's mechanism, without a GPU: two workers, CUDA_VISIBLE_DEVICES 0 and 1,
    each offering GPU=1; four tasks that need GPU=1 and record their device and time span.
    No two tasks overlap on one device (at most one training run per GPU)."""
    code = ("import os, time; a = time.time(); time.sleep(1.0); "
            "open(%r, 'w').write(os.environ.get('CUDA_VISIBLE_DEVICES', '?') + ' ' + "
            "str(a) + ' ' + str(time.time()))")
    tasks = [Task(f"g{i}", (py(code % str(tmp_path / f"{i}.txt")),), resources=(("GPU", 1),))
             for i in range(4)]
    assert all(r.ok for r in run_tasks(tasks, "dask", gpus=2))
    spans: dict[str, list[tuple[float, float]]] = {}
    for i in range(4):
        device, start, end = (tmp_path / f"{i}.txt").read_text().split()
        spans.setdefault(device, []).append((float(start), float(end)))
    assert set(spans) == {"0", "1"}
    for device, times in spans.items():
        times.sort()
        assert all(b[0] >= a[1] for a, b in zip(times, times[1:])), (device, times)


@pytest.mark.parametrize("address", ["garbage", "tcp://host", "ucx://127.0.0.1:1",
                                     "inproc://nothing", "tcp://[::1", "tcp://::1:8786",
                                     "tcp://h:0", "tcp://h:99999", "tcp://h:8x", "tcp://:8786",
                                     "tcp://a/b:1", "tcp://h:٣"])
def test_a_malformed_scheduler_address_is_refused_before_anything_starts(address):
    with pytest.raises(EngineError, match="--scheduler"):
        describe_engine("dask", scheduler=address)


@pytest.mark.parametrize("address", ["tcp://127.0.0.1:8786", "h:1", "tls://[::1]:8786",
                                     "ws://host.example:80"])
def test_well_formed_scheduler_addresses_are_accepted(address):
    assert describe_engine("dask", scheduler=address)["scheduler"] == address


def test_a_malformed_scheduler_writes_nothing(tmp_path):
    """The commands check the address before they create their folder (was: a .lock, and a
    TypeError, exit 3, for ucx://)."""
    import subprocess
    import sys
    for argv in (["synthetic", "check", "--quick", "--only", "thm7", "--engine", "dask"],
                 ["synthetic", "grid", "lower-bound", "--L0", "1", "--L1", "1", "--M", "10",
                  "--eps", "0.1", "--delta", "10", "--h", "0.01", "--engine", "dask"]):
        for address in ("garbage", "ucx://127.0.0.1:1"):
            out = tmp_path / "out"
            done = subprocess.run([sys.executable, "-m", *argv, "--scheduler", address,
                                   "--out", str(out)], capture_output=True, text=True,
                                  timeout=120)
            assert done.returncode == 2 and done.stderr.count("\n") == 1, done.stderr
            assert "--scheduler" in done.stderr and not out.exists(), done.stderr


def test_a_local_cluster_has_no_more_workers_than_tasks(monkeypatch):
    """--workers 1024 (or 8 GPUs) for two tasks starts two worker processes, not 1024."""
    import distributed

    started = []

    class Refused(Exception):
        pass

    def local_cluster(n_workers, **_):
        started.append(("cpu", n_workers))
        raise Refused

    def spec_cluster(workers, **_):
        started.append(("gpu", len(workers)))
        raise Refused
    monkeypatch.setattr(distributed, "LocalCluster", local_cluster)
    monkeypatch.setattr(distributed, "SpecCluster", spec_cluster)
    tasks = [Task("a", (py("pass"),)), Task("b", (py("pass"),))]
    for options in (dict(workers=1024), dict(gpus=8), dict(workers=1)):
        with pytest.raises(Refused):
            run_tasks(tasks, "dask", **options)
    assert started == [("cpu", 2), ("gpu", 2), ("cpu", 1)]
