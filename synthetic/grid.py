"""Grid sweeps of ``python -m synthetic lower-bound`` and ``worst-case`` (the specification).

A grid is a list of points, each a dict of option values of the wrapped command: the Cartesian
product of comma lists (:func:`axis_values`, :func:`product_points`; axes in the fixed order of
:data:`AXES`, the first axis slowest, values in the order given) or the entries of a JSON grid
file (:func:`read_grid_file`). Each point is one command line (:func:`point_args`) whose
:func:`fingerprint` keys its resumable result, and one record of ``records.jsonl``
(:func:`point_record`). The command line ``python -m synthetic grid`` is
:mod:`synthetic.cli_grid`.
"""
from __future__ import annotations

import hashlib
import itertools
import json
import math
from pathlib import Path

from plumbing.files import read_file
from plumbing.cli import UsageError, number_list

__all__ = ["AXES", "INTEGER_AXES", "REQUIRED", "MAX_POINTS", "axis_values", "product_points",
           "read_grid_file", "check_keys", "point_args", "fingerprint", "parse_output",
           "point_record", "stored_points", "keep_point"]

SCHEMA = "l0l1-grid/1"
MAX_POINTS = 10_000
MAX_GRID_FILE_BYTES = 4 << 20
MAX_POINT_BYTES = 256 << 20  # a point's log or stored result (lower-bound --grid 10000: MBs)
AXES = {"lower-bound": ("L0", "L1", "M", "eps", "delta", "h", "grid"),
        "worst-case": ("L0", "L1", "M", "eps", "delta", "h", "eta", "gamma", "beta", "seed")}
INTEGER_AXES = frozenset({"grid", "seed"})
REQUIRED = ("L0", "L1", "M", "eps", "delta")
STEP_PARAMETERS = {"gd": ("h",), "clipped": ("eta", "gamma"), "normalized": ("eta", "beta")}
OUTCOMES = {0: "ran", 1: "verdict-failed", 2: "refused"}  # else "crashed"; or "timed-out"


def _integer(name: str, value: float, where: str) -> int:
    if value != int(value):
        raise ValueError(f"{where}{name} must be an integer, got {value:g}")
    return int(value)


def axis_values(command: str, lists: dict[str, str | None]) -> dict[str, tuple]:
    """``{axis: values}`` from comma lists ``{axis: "1,2,..."}`` (None: axis not given), in the
    order of ``AXES[command]``; values in the order given, a repeated value dropped.
    ``ValueError`` (one line) for a bad number or an integer axis given a fraction."""
    values = {}
    for axis in (a for a in AXES[command] if lists.get(a) is not None):
        try:  # finite numbers, at most MAX_POINTS; a repeated value dropped
            items = tuple(dict.fromkeys(number_list(lists[axis], f"--{axis}",
                                                    max_count=MAX_POINTS)))
        except UsageError as exc:
            raise ValueError(str(exc)) from None
        if axis in INTEGER_AXES:
            items = tuple(_integer(f"--{axis}", v, "") for v in items)
        values[axis] = items
    return values


def product_points(values: dict[str, tuple]) -> list[dict]:
    """The Cartesian product of :func:`axis_values`: the first axis varies slowest, the last
    fastest. ``ValueError`` for more than :data:`MAX_POINTS` points."""
    count = math.prod(len(v) for v in values.values())
    if count > MAX_POINTS:
        raise ValueError(f"the grid has {count} points, more than {MAX_POINTS}: use fewer values")
    return [dict(zip(values, combo)) for combo in itertools.product(*values.values())]


def _refuse_constant(text: str):
    raise ValueError(f"{text} is not a number of strict JSON")


def _unique(pairs):
    keys = [k for k, _ in pairs]
    if len(set(keys)) != len(keys):
        raise ValueError(f"repeated key {next(k for k in keys if keys.count(k) > 1)!r}")
    return dict(pairs)


def _kind(value) -> str:
    """The JSON name of a parsed value's type (for messages)."""
    return {dict: "an object", list: "a list", str: "a string", bool: "a boolean",
            type(None): "null"}.get(type(value), "a number")


def read_grid_file(path: str | Path, command: str) -> list[dict]:
    """The points of a JSON grid file: a list of objects ``{"L0": 1, "L1": 10, ...}``.

    Keys are the axes of ``command`` (option names without dashes); values finite numbers
    (integers for ``grid`` and ``seed``). Strict: the file is read with a size limit, NaN and
    Infinity, repeated keys, unknown keys, booleans, strings, an empty list, repeated points and
    more than :data:`MAX_POINTS` points are refused with one ``ValueError`` line naming the file
    and the entry (0-based, the point's index). Nothing is ever evaluated.
    """
    where = f"--grid-file {path}"
    data = read_file(path, MAX_GRID_FILE_BYTES)
    try:
        entries = json.loads(data.decode("utf-8"), parse_constant=float,  # refused below
                             object_pairs_hook=_unique)
    except UnicodeDecodeError as exc:
        raise ValueError(f"{where}: not UTF-8 text (byte {exc.start})") from None
    except ValueError as exc:
        raise ValueError(f"{where}: not strict JSON ({' '.join(str(exc).split())})") from None
    except RecursionError:
        raise ValueError(f"{where}: not a grid file (nested too deeply)") from None
    if not isinstance(entries, list) or not entries:
        raise ValueError(f"{where}: must be a non-empty JSON list of objects (one per point), "
                         f"got {'an empty list' if entries == [] else _kind(entries)}")
    if len(entries) > MAX_POINTS:
        raise ValueError(f"{where}: {len(entries)} points, more than {MAX_POINTS}")
    known, points, seen = AXES[command], [], {}
    for index, entry in enumerate(entries):
        at = f"{where}: entry {index}: "
        if not isinstance(entry, dict):
            raise ValueError(f"{at}must be an object such as {{\"L0\": 1, \"L1\": 10}}, got "
                             f"{_kind(entry)}")
        point = {}
        for key, value in entry.items():
            if key not in known:
                raise ValueError(f"{at}unknown key {key!r} (known for {command}: "
                                 f"{', '.join(known)})")
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise ValueError(f"{at}{key} must be a number, got {_kind(value)}")
            try:
                number = float(value)
            except OverflowError:
                number = math.inf
            if not math.isfinite(number):
                raise ValueError(f"{at}{key} must be finite, got {str(value)[:40]}")
            if key in INTEGER_AXES and not isinstance(value, int):
                raise ValueError(f"{at}{key} must be an integer, got {value!r}")
            point[key] = value if key in INTEGER_AXES else number
        key = json.dumps(point, sort_keys=True)
        if key in seen:
            raise ValueError(f"{at}repeats entry {seen[key]}")
        seen[key] = index
        points.append(point)
    return points


def check_keys(command: str, keys, method: str | None, rule: str | None,
               search: bool) -> str | None:
    """Why a point with these keys cannot be a command line of ``command`` (None if it can):
    a required class parameter missing, not exactly one of h / grid (lower-bound), the step
    parameters not those of ``method`` or given with ``rule``, a seed without ``search``."""
    keys = set(keys)
    missing = [k for k in REQUIRED if k not in keys]
    if missing:
        return f"missing {', '.join(missing)} (every point needs {', '.join(REQUIRED)})"
    if command == "lower-bound":
        return None if len(keys & {"h", "grid"}) == 1 else "give exactly one of h or grid"
    steps = keys & {"h", "eta", "gamma", "beta"}
    if rule is not None and steps:
        return f"--rule {rule} sets the step: drop {', '.join(sorted(steps))}"
    if method is not None and steps != set(STEP_PARAMETERS[method]):
        return f"--method {method} needs exactly {', '.join(STEP_PARAMETERS[method])}"
    if "seed" in keys and not search:
        return "seed applies only with --search"
    return None


def _text(key: str, value) -> str:
    return str(int(value)) if key in INTEGER_AXES else repr(float(value))


def point_args(command: str, point: dict, options: list[str]) -> tuple[str, ...]:
    """``-m synthetic COMMAND --AXIS=VALUE ... OPTIONS --json``: the point's command line after
    the interpreter (axes in the order of :data:`AXES`; floats as their shortest repr, which the
    command parses back to the same double)."""
    axes = [f"--{k}={_text(k, point[k])}" for k in AXES[command] if k in point]
    return ("-m", "synthetic", command, *axes, *options, "--json")


def fingerprint(args: tuple[str, ...]) -> str:
    """The identity of a point's result: sha256 of the record format and its command line."""
    return hashlib.sha256(json.dumps([SCHEMA, list(args)]).encode("utf-8")).hexdigest()


def parse_output(text: str, command: str):
    """(the command's JSON output or None, its last error line or None) from a point's log,
    where stdout and stderr are mixed: the JSON is the last line that parses as a JSON list
    (lower-bound) or object (worst-case); the error is the last line ``synthetic: ...``, else
    the last non-empty line."""
    kind = list if command == "lower-bound" else dict
    lines = [ln.rsplit("\r", 1)[-1].strip() for ln in text.split("\n")]
    lines = [ln for ln in lines if ln]
    result = None
    for line in reversed(lines):
        if line[0] in "[{":
            try:
                value = json.loads(line, parse_constant=_refuse_constant)
            except ValueError:
                continue
            if isinstance(value, kind):
                result = value
                break
    errors = [ln for ln in lines if ln.startswith("synthetic: ")]
    return result, (errors[-1] if errors else lines[-1] if lines else None)


def point_record(index: int, command: str, point: dict, returncode: int | None,
                 timed_out: bool, timeout: float | None, text: str) -> dict:
    """The record of one point: ``point``, ``params``, ``command``, ``exit_code``, ``outcome``
    (ran, verdict-failed, refused, timed-out, crashed), ``result`` (the command's JSON without
    worst-case's ``seconds`` and ``search_seconds``: records never hold timings) and ``error``
    (one line or null)."""
    result, error = parse_output(text, command)
    if timed_out:
        outcome, result = "timed-out", None
        error = f"timed out after {timeout:g} s (killed)"
    else:
        outcome = OUTCOMES.get(returncode, "crashed")
        if outcome in ("ran", "verdict-failed") and result is None:
            outcome, error = "crashed", f"no JSON output ({error or 'empty output'})"
        elif outcome in ("ran", "verdict-failed"):
            error = None
        else:
            result = None
    if isinstance(result, dict):
        result.pop("seconds", None)
        for key in ("seconds", "search_seconds"):
            (result.get("search") or {}).pop(key, None)
    return {"point": index, "params": dict(point), "command": command,
            "exit_code": None if timed_out else returncode, "outcome": outcome,
            "result": result, "error": error}


def stored_points(folder: Path) -> dict:
    """``{fingerprint: (file name, payload)}`` of the readable point files in ``folder`` (a
    damaged one -- not JSON, or a field missing or of the wrong type -- is ignored: its point
    is redone)."""
    found = {}
    for path in sorted(folder.glob("*.json")):
        try:
            payload = json.loads(read_file(path, MAX_POINT_BYTES))
        except (ValueError, OSError):
            continue
        if _stored_payload(payload):
            found[payload["fingerprint"]] = (path.name, payload)
    return found


RECORD_KEYS = ("point", "params", "command", "exit_code", "outcome", "result", "error")


def _number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _stored_payload(payload) -> bool:
    """Whether a point file holds what :mod:`synthetic.cli_grid` writes: a fingerprint, a
    record with every field of :func:`point_record` (a known outcome), the seconds, the host and
    the timeout it ran under."""
    if not isinstance(payload, dict) or not isinstance(payload.get("fingerprint"), str):
        return False
    record = payload.get("record")
    return isinstance(record, dict) and all(k in record for k in RECORD_KEYS) and \
        record["outcome"] in (*OUTCOMES.values(), "crashed", "timed-out") and \
        isinstance(record["params"], dict) and (record["error"] is None or
                                                isinstance(record["error"], str)) and \
        _number(payload.get("seconds")) and \
        isinstance(payload.get("host"), str) and _number(payload.get("timeout"))


def keep_point(payload: dict | None, timeout: float) -> bool:
    """Whether a rerun keeps a stored point: it ran, its verdict failed or it was refused (its
    command line, hence its outcome, is unchanged), or it timed out under a ``timeout`` at
    least as long as this one; a crashed point is redone."""
    if payload is None:
        return False
    outcome = payload["record"]["outcome"]
    return outcome in ("ran", "verdict-failed", "refused") or (
        outcome == "timed-out" and payload.get("timeout", 0) >= timeout)
