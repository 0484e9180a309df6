"""What a figure reads, and the checks before it draws (numpy, no matplotlib).

* the checking readers of the result files (:mod:`figures.schemas`), each file parsed once per
  version: :func:`read_metrics`, :func:`read_epochs` (csv, empty cell -> nan),
  :func:`read_run_config`, :func:`read_fit`, :func:`read_records`, :func:`read_summary`,
  :func:`read_frontiers`;
  :func:`validate` reads every input of a figure before anything is drawn;
* :func:`select`: the records of one check family and quantity (their ``check`` and
  ``quantity`` fields, never their ``check_id``);
* where the inputs are: :func:`run_dir`, :func:`run_inputs` (every run of a setting: the folder
  itself or each of its ``seed<S>/`` folders, :func:`figures.layout.run_folders`),
  :func:`require` (a figure without any input is one line naming the ``make`` target),
  :func:`compact`, :func:`dataset_of`.

Re-exported by :mod:`figures.style`.
"""
from __future__ import annotations

from pathlib import Path

from figures import schemas
from figures.layout import Layout, layout, plain, run_folders
from figures.readers import Table

__all__ = ["read_metrics", "read_epochs", "read_run_config", "read_fit", "read_records",
           "read_summary", "read_frontiers", "READERS", "validate", "select", "run_dir",
           "run_inputs", "run_folders", "compact", "require", "check_records", "DATASETS",
           "dataset_of"]

_CACHE: dict[tuple, object] = {}


def _cached(reader, path: Path):
    """``reader(path)``, parsed once per file version (figures read the same run several
    times); the key holds the file's inode, size and modification time."""
    path = Path(path)
    try:
        st = path.stat()
        key = (reader.__name__, str(path.resolve()), st.st_ino, st.st_size, st.st_mtime_ns)
    except OSError:
        return reader(path)  # the reader names the file and the reason
    if key not in _CACHE:
        if len(_CACHE) > 64:
            _CACHE.clear()
        _CACHE[key] = reader(path)
    return _CACHE[key]


def read_metrics(path: Path) -> Table:
    """``metrics.csv`` as column name -> float array (one entry per step; empty cell -> nan)."""
    return _cached(schemas.metrics, path)


def read_epochs(path: Path) -> Table:
    """``epochs.csv`` as column name -> float array (one entry per epoch; empty cell -> nan)."""
    return _cached(schemas.epochs, path)


def read_run_config(path: Path) -> dict:
    """A network run's ``config.json`` (:func:`figures.schemas.run_config`)."""
    return _cached(schemas.run_config, path)


def read_fit(path: Path) -> dict:
    """A run's ``fit.json`` (:func:`figures.schemas.fit`)."""
    return _cached(schemas.fit, path)


def read_records(path: Path) -> list[dict]:
    """A check's ``records.jsonl`` (:func:`figures.schemas.records`)."""
    return _cached(schemas.records, path)


def read_summary(path: Path) -> dict:
    """A check's ``summary.json`` (:func:`figures.schemas.summary`)."""
    return _cached(schemas.summary, path)


def read_frontiers(path: Path) -> dict:
    """``frontiers.json`` (:func:`figures.schemas.frontiers`)."""
    return _cached(schemas.frontiers, path)


READERS = {"metrics.csv": read_metrics, "epochs.csv": read_epochs,
           "config.json": read_run_config, "fit.json": read_fit,
           "records.jsonl": read_records, "summary.json": read_summary,
           "frontiers.json": read_frontiers}


def validate(paths) -> None:
    """Read every existing file of ``paths`` with its checking reader (:data:`READERS`): the
    first problem is raised as :class:`figures.readers.InputError` before anything is drawn;
    absent files are skipped (they become "missing" panels). A run's metrics.csv and
    config.json must agree (:func:`figures.schemas.run_rows`)."""
    paths = list(dict.fromkeys(Path(p) for p in paths))
    for path in paths:
        if path.exists():
            READERS[path.name](path)
    for folder in dict.fromkeys(p.parent for p in paths if p.name == "metrics.csv"):
        if (folder / "metrics.csv").exists() and (folder / "config.json").exists():
            schemas.run_rows(folder, read_run_config(folder / "config.json"),
                             len(read_metrics(folder / "metrics.csv")["step"]))


def select(records: list[dict], check: str, quantity: str) -> list[dict]:
    """The records of check family ``check`` (e.g. "thm4") measuring ``quantity`` (e.g.
    "iterations"), in file order: read from the records' fields, never from ``check_id``."""
    return [r for r in records if r["check"] == check and r["quantity"] == quantity]


def run_dir(results: Path, preset: str, model: str, run: str) -> Path:
    """Folder of one network run: ``results/nn_checks/<preset>/<model>_<run>``."""
    return Path(results) / "nn_checks" / preset / f"{model}_{run}"


def run_inputs(folders, names=("metrics.csv", "fit.json", "config.json")) -> list[Path]:
    """The files ``names`` of every run of each setting folder (the inputs of a smoothness
    figure): of the folder itself (one run) or of each of its ``seed<S>/`` run folders."""
    return [run / n for f in folders for run in run_folders(f) for n in names]


def _brace(part: list[str]) -> str:
    return part[0] if len(part) == 1 else "{" + ",".join(part) + "}"


def compact(paths) -> str:
    """Paths in shell brace notation, e.g. ``r/{lstm_a,lstm_b}/{metrics.csv,epochs.csv}``."""
    groups: dict[Path, list[Path]] = {}
    for p in dict.fromkeys(Path(p) for p in paths):
        groups.setdefault(p.parent.parent, []).append(p)
    shown = []
    for base, group in groups.items():
        parents = list(dict.fromkeys(p.parent.name for p in group))
        names = list(dict.fromkeys(p.name for p in group))
        if len(parents) * len(names) == len(group):
            shown.append(str(base / _brace(parents) / _brace(names)))
        else:
            shown += [str(p) for p in group]
    return ", ".join(shown)


def require(paths, target: str) -> None:
    """Raise :class:`FileNotFoundError` when none of ``paths`` exists (one-line message)."""
    paths = [Path(p) for p in paths]
    if not any(p.exists() for p in paths):
        raise FileNotFoundError(f"no input found ({compact(paths)}); run `{target}` to produce it")


def check_records(results: Path, preset: str, check: Path | None
                  ) -> tuple[Layout, Path, list[dict]]:
    """(layout, records path, records) of the synthetic check a figure reads (Figs 6, 7, 10); a
    missing records file is one line naming the ``make`` target that writes it."""
    where = layout(results, preset, check_dir=check)
    path = where.check / "records.jsonl"
    require([path], where.make_check)
    return where, path, read_records(path)


DATASETS = {"ptb": "Penn Treebank", "cifar10": "CIFAR-10", "fashion-mnist": "Fashion-MNIST"}


def dataset_of(runs) -> str:
    """Human name of the data set the runs actually read (``config.json`` "dataset"), e.g.
    Fashion-MNIST where CIFAR-10 was absent; "data set unknown" when no run says. A setting
    folder of a seed sweep is read through its seeds' run folders."""
    for run in (r for folder in runs for r in run_folders(folder)):
        path = Path(run) / "config.json"
        name = read_run_config(path).get("dataset") if path.exists() else None
        if name:
            return DATASETS.get(name, plain(name, 40))
    return "data set unknown"
