"""Run the theorem checks into a run folder, resumably, and summarise the verdicts
(``python -m synthetic check``).

A run folder ``DIR`` holds

* ``parts/<name>.jsonl`` -- the resume cache: each check's records, written (atomically) as soon
  as the check finishes, tagged with a fingerprint of its configuration; a rerun with the same
  sizes keeps a finished part and runs only the rest; a damaged part is redone;
* ``records.jsonl`` -- every record of the run, check by check in :data:`CHECKS` order;
* ``summary.json`` -- the verdict table (:func:`summary_rows`) and the failing records;
* ``config.json`` -- ``quick``, the checks of the run, their resolved configurations, the compute
  seconds of each check, ``invocations`` (which checks each call selected, which it ran and
  which it resumed, when, at which git revision) and ``records_sha256`` (the digest of
  ``records.jsonl``, so that a later call can tell the two files belong together);
* ``env.json`` -- the provenance of the latest call.

Rules (README, "Results and provenance"):

* a call changes the published files (``records.jsonl``, ``summary.json``, ``config.json``,
  ``env.json``) only once every selected check has finished; an interrupted call leaves them as
  they were (only finished parts are added, for the resume);
* a call selecting some checks (``--only``) *adds* them to the run: the records of the run's
  other checks are kept as they are, and the published files describe the union. It is refused,
  with the reason, when the union would mix sizes (the run was made with ``--quick`` and this call
  is not, or the reverse), when ``DIR`` holds files of something else, or when the published
  files are damaged or do not belong together;
* one writer at a time: the call holds :class:`plumbing.locks.RunLock` on ``DIR``.
"""
from __future__ import annotations

import dataclasses
import datetime as _dt
import hashlib
import json
import math
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from plumbing.jsonio import (MAX_JSONL_BYTES, json_text, jsonl_text, read_jsonl, to_jsonable,
                             write_jsonl)
from synthetic.checks import CHECKS, module
from theory.records import RECORD_FORMAT, ResultRecord
from plumbing.provenance import environment_info
from plumbing.locks import RunLock
from plumbing.files import check_output_folder, read_file, replace_together

__all__ = ["CHECKS", "PUBLISHED", "RunState", "config_of", "read_state", "run_checks",
           "summary_rows", "algorithm_of", "total_units", "check_of", "part_path",
           "part_is_current"]

PUBLISHED = ("records.jsonl", "summary.json", "config.json", "env.json")


def _module(name: str):
    return module(name)


def config_of(name: str, quick: bool):
    """The configuration of check ``name``: its module's ``QUICK`` or ``FULL`` sizes.

    Parameters
    ----------
    name : str
        One of :data:`CHECKS`.
    quick : bool
        The small sizes of ``check --quick``.
    """
    module = _module(name)
    return module.QUICK if quick else module.FULL


def _fingerprint(config) -> str:
    """A part's key: its check's sizes and the record format (a part written with another
    format, by an older version, is stale and redone)."""
    text = json.dumps({"config": dataclasses.asdict(config), "format": RECORD_FORMAT},
                      sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def total_units(names, quick: bool) -> int:
    """How many times :func:`run_checks` calls ``progress`` for the checks ``names``."""
    return sum(_module(n).units(config_of(n, quick)) for n in names)


def check_of(row: dict) -> str:
    """The check a record belongs to: its ``check`` field (theory.records.ResultRecord);
    '' when there is none (a record written before the field existed)."""
    check = row.get("check")
    return check if isinstance(check, str) else ""


@dataclass(frozen=True)
class RunState:
    """What a run folder already holds, read (and validated) before a call writes anything.

    ``checks`` are the run's checks (empty for a new folder), ``kept`` those of them a call
    selecting other checks keeps, with their records in ``kept_rows``.
    """

    quick: bool | None
    checks: tuple[str, ...]
    configs: dict
    seconds: dict
    invocations: list
    kept: tuple[str, ...]
    kept_rows: list[dict]


def _refuse(folder: Path, why: str) -> ValueError:
    return ValueError(f"--out {folder}: {why}")


def _read_config(folder: Path) -> dict:
    path = folder / "config.json"
    try:
        text = read_file(path, MAX_JSONL_BYTES).decode("utf-8")
    except (OSError, ValueError) as exc:  # UnicodeDecodeError and read_file's refusals too
        reason = getattr(exc, "strerror", None) or str(exc)
        raise _refuse(folder, f"cannot read {path}: {reason}") from None
    try:
        config = json.loads(text)
    except ValueError as exc:
        raise _refuse(folder, f"{path} is not valid JSON ({exc}); it is damaged or not a "
                              "check run's: remove it (finished parts/ are resumed) or choose "
                              "another --out") from None
    if not isinstance(config, dict) or config.get("command") != "check":
        what = config.get("command") if isinstance(config, dict) else None
        raise _refuse(folder, f"{path} belongs to another command"
                              f"{f' ({what!r})' if isinstance(what, str) else ''}, not to "
                              "'synthetic check'; choose another --out")
    checks = config.get("checks")
    problems = []
    if not isinstance(config.get("quick"), bool):
        problems.append("'quick' is not true/false")
    if not (isinstance(checks, list) and checks and all(c in CHECKS for c in checks)
            and len(set(checks)) == len(checks)):
        problems.append(f"'checks' is not a list of distinct checks among {', '.join(CHECKS)}")
    if not isinstance(config.get("configs"), dict):
        problems.append("'configs' is not an object")
    seconds = config.get("seconds", {})
    if not (isinstance(seconds, dict) and all(
            v is None or (isinstance(v, (int, float)) and not isinstance(v, bool)
                          and math.isfinite(v) and v >= 0) for v in seconds.values())):
        problems.append("'seconds' is not an object of non-negative numbers")
    if not isinstance(config.get("invocations", []), list):
        problems.append("'invocations' is not a list")
    if not isinstance(config.get("records_sha256", ""), str):
        problems.append("'records_sha256' is not a string")
    if problems:
        raise _refuse(folder, f"{path}: {'; '.join(problems)}: remove it (finished parts/ are "
                              "resumed) or choose another --out")
    return config


def _read_records(folder: Path, config: dict) -> list[dict]:
    path = folder / "records.jsonl"
    try:
        data = read_file(path, MAX_JSONL_BYTES)
    except (OSError, ValueError) as exc:
        raise _refuse(folder, f"cannot read {path} ({getattr(exc, 'strerror', None) or exc}), "
                              "so the records of "
                              "the run's other checks cannot be kept: rerun without --only "
                              "(finished parts/ are resumed) or choose another --out") from None
    digest = config.get("records_sha256")
    if digest is not None and hashlib.sha256(data).hexdigest() != digest:
        raise _refuse(folder, f"{path} does not match config.json's records_sha256 (an "
                              "interrupted write or an edit): rerun without --only to redo the "
                              "run (finished parts/ are resumed) or choose another --out")
    try:
        rows = read_jsonl(path)
    except (ValueError, UnicodeDecodeError) as exc:  # names the file and the line
        raise _refuse(folder, f"{exc}, so the records of the run's other checks cannot be "
                              "kept: rerun without --only (finished parts/ are resumed) or "
                              "choose another --out") from None
    for number, row in enumerate(rows, 1):
        if isinstance(row, dict) and isinstance(row.get("check_id"), str) and "check" not in row:
            raise _refuse(folder, f"{path}: record {number} has no check field (written by an "
                                  "older version of synthetic check): rerun without --only "
                                  "(finished parts/ are redone) or choose another --out")
        if not (isinstance(row, dict) and isinstance(row.get("check_id"), str)
                and check_of(row) in CHECKS):
            raise _refuse(folder, f"{path}: record {number} has no check_id of a known check: "
                                  "rerun without --only or choose another --out")
    return rows


def read_state(out: str | Path, names, quick: bool) -> RunState:
    """Validate what ``out`` holds against a call selecting ``names`` (reads only).

    Raises
    ------
    ValueError
        One line naming the folder and the reason: a file of another command or a damaged
        ``config.json``; published files without a ``config.json``; a different ``quick`` than
        the run's while other checks' records would be kept; an unreadable, damaged or
        mismatching ``records.jsonl`` while records must be kept from it.
    """
    folder = Path(out)
    if not folder.is_dir():
        return RunState(None, (), {}, {}, [], (), [])
    if not (folder / "config.json").exists():
        present = [n for n in PUBLISHED if (folder / n).exists()]
        if present:
            raise _refuse(folder, f"holds {', '.join(present)} but no config.json of a check "
                                  "run (results of something else?); choose another --out")
        return RunState(None, (), {}, {}, [], (), [])
    config = _read_config(folder)
    checks = tuple(config["checks"])
    kept = tuple(c for c in checks if c not in names)
    kept_rows: list[dict] = []
    if kept and config["quick"] != quick:
        made, now = ("with", "without") if config["quick"] else ("without", "with")
        raise _refuse(folder, f"the run was made {made} --quick, this call is {now}; its other "
                              f"checks ({', '.join(kept)}) would mix sizes: "
                              f"{'add' if config['quick'] else 'drop'} --quick, select every "
                              "check of the run, or choose another --out")
    if kept:
        kept_rows = [r for r in _read_records(folder, config) if check_of(r) in kept]
    invocations = config.get("invocations")
    if invocations is None:  # written before invocations were recorded
        invocations = [{"checks": list(checks), "finished_utc": None}]
    return RunState(config["quick"], checks, config["configs"], config.get("seconds", {}),
                    invocations, kept, kept_rows)


def _load_part(part: Path, tag: str) -> tuple[list[dict], float | None] | None:
    """The records of a finished part with fingerprint ``tag`` (None: absent, damaged, stale)."""
    if not part.exists():
        return None
    try:
        done = read_jsonl(part)
    except (ValueError, OSError, UnicodeDecodeError):  # damaged from outside: redo it
        return None
    if not done or not isinstance(done[0], dict) or done[0].get("fingerprint") != tag \
            or not all(isinstance(r, dict) for r in done[1:]):
        return None
    seconds = done[0].get("seconds")
    return done[1:], seconds if isinstance(seconds, (int, float)) else None


def part_path(out: str | Path, name: str) -> Path:
    """The resume cache of check ``name`` in the run folder ``out``."""
    return Path(out) / "parts" / f"{name}.jsonl"


def part_is_current(path: str | Path, name: str, quick: bool) -> bool:
    """Whether ``path`` holds a finished, undamaged part of check ``name`` at these sizes."""
    return _load_part(Path(path), _fingerprint(config_of(name, quick))) is not None


def run_checks(out: str | Path, names=CHECKS, quick: bool = False,
               progress: Callable[[str], None] | None = None, command: str = "synthetic check",
               compute_parts: Callable[[list[str]], None] | None = None,
               engine: str = "local") -> list[dict]:
    """Run (or resume) the checks ``names`` into the run folder ``out``; return the run's records.

    Holds :class:`plumbing.locks.RunLock` on ``out`` throughout. The records of the run's other
    checks are kept (see the module docstring), so the list returned -- and ``records.jsonl`` --
    is the union, in :data:`CHECKS` order. ``progress(label)`` is called once per unit of work
    (:func:`total_units`), kept parts included.

    ``compute_parts(missing)``, when given, is called under the lock with the selected checks
    whose parts are missing or stale, and must write them (:func:`part_path`), e.g. on other
    processes (``synthetic check --engine dask``); a check it did not write is run here. The
    records do not depend on who wrote a part; the invocation names the ``engine`` and which
    checks it ran.

    Raises
    ------
    ValueError
        Unknown checks; a refusal of :func:`read_state`; :class:`plumbing.locks.LockedError`
        when another process writes ``out``.
    OSError
        :class:`plumbing.files.WriteError` when a file cannot be written.
    """
    names = tuple(dict.fromkeys(names))
    unknown = [n for n in names if n not in CHECKS]
    if unknown or not names:
        raise ValueError(f"unknown check(s) {unknown or '(none selected)'}; choose from "
                         f"{', '.join(CHECKS)}")
    out = check_output_folder(out, "--out")
    read_state(out, names, quick)  # refuse before the lock creates the folder
    with RunLock(out, command):
        state = read_state(out, names, quick)  # authoritative, under the lock
        configs = {n: config_of(n, quick) for n in names}
        new_rows: dict[str, list[dict]] = {}
        timings: dict[str, float | None] = {}
        ran, resumed, by_engine = [], [], set()
        if compute_parts is not None:  # the engine writes the missing parts; read once below
            by_engine = {n for n in names if not part_is_current(part_path(out, n), n, quick)}
            if by_engine:
                compute_parts([n for n in CHECKS if n in by_engine])
        for name in (n for n in CHECKS if n in names):
            part = part_path(out, name)
            tag = _fingerprint(configs[name])
            loaded = _load_part(part, tag)
            if loaded is not None:
                new_rows[name], timings[name] = loaded
                (ran if name in by_engine else resumed).append(name)
                for _ in range(_module(name).units(configs[name])
                               if progress and name not in by_engine else 0):
                    progress(f"{name} (kept)")
                continue
            start = time.perf_counter()
            records: list[ResultRecord] = _module(name).run(configs[name], progress=progress)
            timings[name] = time.perf_counter() - start
            new_rows[name] = [to_jsonable(r.to_dict()) for r in records]
            write_jsonl(part, [{"fingerprint": tag, "seconds": timings[name]}] + new_rows[name])
            ran.append(name)
        by_check = {c: [r for r in state.kept_rows if check_of(r) == c] for c in state.kept}
        by_check.update(new_rows)
        union = tuple(c for c in CHECKS if c in by_check)
        rows = [r for c in union for r in by_check[c]]
        text = jsonl_text(rows)
        env = environment_info(seed=None)
        invocation = {"checks": [n for n in CHECKS if n in names], "ran": ran,
                      "resumed": resumed, "engine": engine,
                      "git_revision": env.get("git_revision"),
                      "finished_utc": _dt.datetime.now(_dt.timezone.utc)
                      .isoformat(timespec="seconds")}
        keep = set(state.kept)
        config = {
            "command": "check", "quick": quick, "checks": list(union),
            "configs": {c: (dataclasses.asdict(configs[c]) if c in configs
                            else state.configs.get(c)) for c in union},
            "seconds": {c: (timings[c] if c in timings else state.seconds.get(c))
                        for c in union},
            "invocations": (list(state.invocations) if keep else []) + [invocation],
            "records_sha256": hashlib.sha256(text.encode("utf-8")).hexdigest()}
        summary = {"schema": "l0l1-check-summary/1", "rows": summary_rows(rows),
                   "fails": [{k: r.get(k) for k in ("check_id", "theorem", "measured", "bound",
                                                     "notes")}
                             for r in rows if r.get("verdict") == "fail"]}
        # all four or none (plumbing.files.replace_together); config.json's records_sha256
        # still tells a later --only call if a kill -9 cut the renames short
        replace_together({out / "config.json": json_text(config).encode(),
                          out / "records.jsonl": text.encode("utf-8"),
                          out / "summary.json": json_text(summary).encode(),
                          out / "env.json": json_text(env).encode()})
    return rows


RATIO_QUANTITIES = ("iterations", "median-iterations")  # T_ε against a bound on T_ε


def _ratio(row: dict) -> float | None:
    """measured/bound of a decided one-sided comparison of T_ε (None when censored, missing, ∞,
    or a record about something else: membership, growth, ...)."""
    m, b = row.get("measured"), row.get("bound")
    if row.get("verdict") not in ("pass", "fail") or \
            row.get("quantity") not in RATIO_QUANTITIES or \
            row.get("bound_kind") not in ("upper", "lower") or not all(
            isinstance(v, (int, float)) and math.isfinite(v) for v in (m, b)) or b == 0:
        return None
    return float(m) / float(b)


def _witness_ratio(row: dict, key: str) -> float | None:
    """A worst-case witness record's ``extra[key]`` (witness or analytic sup over the bound)."""
    extra = row.get("extra") or {}
    v = extra.get(key) if row.get("quantity") == "witness-iterations" else None
    return float(v) if isinstance(v, (int, float)) and math.isfinite(v) else None


def summary_rows(rows: list[dict]) -> list[dict]:
    """One line per (check, theorem, mark, algorithm): verdict counts, the range of
    measured/bound over the catalogue (and hard-member) runs, and the tightness: the best
    certified worst-case witness over the bound and the analytic 1-D supremum over the bound
    (docs/statements.md §5c). ``algorithm`` (:func:`algorithm_of`) parts Thm 3's clipped GD
    from normalized GD measured against the same bound; None elsewhere."""
    groups: dict[tuple, list[dict]] = {}
    for r in rows:
        key = (r["check_id"].split("/")[0], r["theorem"], r["mark"], algorithm_of(r))
        groups.setdefault(key, []).append(r)
    out = []
    for (check, theorem, mark, algorithm), rs in groups.items():
        counts = {v: sum(r["verdict"] == v for r in rs)
                  for v in ("pass", "fail", "inconclusive", "shape-only")}
        ratios = [q for q in map(_ratio, rs) if q is not None]
        witness = [q for r in rs if (q := _witness_ratio(r, "ratio")) is not None]
        analytic = [q for r in rs if (q := _witness_ratio(r, "analytic_ratio")) is not None]
        out.append({"check": check, "theorem": theorem, "mark": mark, "algorithm": algorithm,
                    "records": len(rs), **counts,
                    "ratio_min": min(ratios) if ratios else None,
                    "ratio_max": max(ratios) if ratios else None,
                    "tightness_witness": max(witness) if witness else None,
                    "tightness_analytic": max(analytic) if analytic else None})
    return out


ALGORITHMS = {"clipped": "clipped GD", "normalized": "normalized GD"}  # Thm 3's two rules


def algorithm_of(row: dict) -> str | None:
    """The summary's algorithm of a record: Thm 3's records run clipped GD (its own rule) or
    normalized GD (mapped onto it, docs/statements.md §3), by ``params["method"]``; None for
    every other check, whose rule is the theorem's."""
    if row["check_id"].split("/")[0] != "thm3":
        return None
    return ALGORITHMS.get((row.get("params") or {}).get("method"), "clipped GD")
