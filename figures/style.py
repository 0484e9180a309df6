"""Shared look, layout, readers and drawing helpers of the figure scripts (matplotlib, numpy).

Every figure script imports this module and nothing else of ours. It holds

* the layout of the result tree, for the figures and the report alike: :func:`layout` (figure
  folder, report stem, network-run folder, check folder and the ``make`` targets that write
  them), :func:`run_dir`, :data:`LM_RUNS`, :data:`RESNET_RUNS`, :data:`PRESETS`, :data:`CHECKS`;
* the look: :func:`apply` (rcParams) and :func:`save` (png + pdf, written atomically);
* the readers of the result files, each checking the file against what its producer writes
  (:mod:`figures.schemas`): :func:`read_metrics`, :func:`read_epochs` (csv, empty cell -> nan),
  :func:`read_run_config`, :func:`read_fit`, :func:`read_records`, :func:`read_frontiers`,
  :func:`validate` (every input of a figure, before anything is drawn), with :func:`num` turning
  the records' ``"inf"``/``"nan"`` strings and ``null`` into floats;
* the panel helpers: :func:`missing`, :func:`note`, :func:`positive`, :func:`require`,
  :func:`plain` (file text shown literally) and the smoothness scatter :func:`smoothness_panel`
  shared by Figs 1, 2, 3 and 5;
* the epoch axis of training curves: :func:`epoch_lengths`, :func:`epoch_fraction`,
  :func:`running_mean` (Fig 4).
"""
from __future__ import annotations

import math
import re
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # no display on these machines
import matplotlib.pyplot as plt  # noqa: E402  (after the backend is chosen)
import numpy as np  # noqa: E402
from matplotlib.axis import Axis  # noqa: E402
from matplotlib.lines import Line2D  # noqa: E402
from matplotlib.text import Text  # noqa: E402

from figures import schemas  # noqa: E402
from figures.layout import CHECKS, MAKE_FRONTIERS, Layout, layout, plain  # noqa: E402,F401
from plumbing.files import WriteError, atomic_write  # noqa: E402
from figures.readers import InputError, Table, read_json_doc, read_jsonl_docs  # noqa: E402,F401
from figures.schemas import LM_RUNS, PRESETS, RESNET_RUNS, RUN_NAMES  # noqa: E402,F401

DPI = 150
LARGE = 1e100  # beyond, a value is drawn as infinite: axis margins would overflow to inf


def apply() -> None:
    """Set the shared rcParams: readable font sizes, a light grid, constrained layout."""
    plt.rcParams.update({
        "font.size": 10, "axes.titlesize": 10, "axes.labelsize": 10, "legend.fontsize": 8,
        "xtick.labelsize": 9, "ytick.labelsize": 9, "axes.grid": True, "grid.alpha": 0.3,
        "figure.constrained_layout.use": True, "savefig.dpi": DPI, "legend.framealpha": 0.8,
    })


OutputError = WriteError  # a figure file that cannot be written (one line, exit code 2)


def save(fig, out: Path, name: str) -> list[Path]:
    """Write ``out/name.png`` (dpi :data:`DPI`) and ``out/name.pdf`` atomically, close ``fig``.

    Each file is rendered to a temporary file in ``out``, fsync-ed and moved in place
    (:func:`plumbing.files.atomic_write`), so a reader never sees a half-written figure and a
    failed write leaves the previous file. ``out`` is created. The layout computed for the png
    is kept for the pdf (constrained layout is half the cost). A failure is
    :class:`OutputError` "cannot write <path>: <reason>".
    """
    out = Path(out)
    written = []
    literal_texts(fig)
    try:
        for ext in ("png", "pdf"):
            final = out / f"{name}.{ext}"
            atomic_write(final, lambda handle, ext=ext: fig.savefig(handle, format=ext, dpi=DPI))
            written.append(final)
            fig.set_layout_engine("none")  # freeze the positions found for the png
    finally:
        plt.close(fig)
    return written


def literal_texts(fig) -> None:
    """Draw every text of ``fig`` as written -- titles, labels, legends, notes, which may hold
    text from result files -- never as mathtext (a ``$`` in a data set name would otherwise be
    parsed, and fail on malformed TeX); tick labels and offsets keep their mathtext powers."""
    for text in _texts(fig):
        text.set_parse_math(False)


def _texts(artist):
    """The Text artists below ``artist``, not descending into axes' tick machinery (an axis
    contributes its label only; walking its ticks would create them)."""
    for child in artist.get_children():
        if isinstance(child, Axis):
            yield child.label
        elif isinstance(child, Text):
            yield child
            yield from _texts(child)
        else:
            yield from _texts(child)


def num(value) -> float:
    """A record's number as float: ``None`` and unreadable values -> nan, ``"inf"`` -> inf."""
    try:
        return math.nan if value is None else float(value)
    except (TypeError, ValueError):
        return math.nan


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


def read_frontiers(path: Path) -> dict:
    """``frontiers.json`` (:func:`figures.schemas.frontiers`)."""
    return _cached(schemas.frontiers, path)


def read_json(path: Path) -> dict:
    """One JSON object, unchecked beyond that (:class:`InputError` naming the file)."""
    return read_json_doc(Path(path))


def read_jsonl(path: Path) -> list[dict]:
    """JSON lines, one object a line, blank lines skipped (else :class:`InputError`)."""
    return [doc for _, doc in read_jsonl_docs(Path(path))]


READERS = {"metrics.csv": read_metrics, "epochs.csv": read_epochs,
           "config.json": read_run_config, "fit.json": read_fit,
           "records.jsonl": read_records, "frontiers.json": read_frontiers}


def validate(paths) -> None:
    """Read every existing file of ``paths`` with its checking reader (:data:`READERS`): the
    first problem is raised as :class:`InputError` before anything is drawn; absent files are
    skipped (they become "missing" panels). A run's metrics.csv and config.json must agree
    (:func:`figures.schemas.run_rows`)."""
    paths = list(dict.fromkeys(Path(p) for p in paths))
    for path in paths:
        if path.exists():
            READERS[path.name](path)
    for folder in dict.fromkeys(p.parent for p in paths if p.name == "metrics.csv"):
        if (folder / "metrics.csv").exists() and (folder / "config.json").exists():
            schemas.run_rows(folder, read_run_config(folder / "config.json"),
                             len(read_metrics(folder / "metrics.csv")["step"]))


def run_dir(results: Path, preset: str, model: str, run: str) -> Path:
    """Folder of one network run: ``results/nn_checks/<preset>/<model>_<run>``."""
    return Path(results) / "nn_checks" / preset / f"{model}_{run}"


def run_inputs(folders, names=("metrics.csv", "fit.json", "config.json")) -> list[Path]:
    """The files ``names`` of each run folder (the inputs of a smoothness figure)."""
    return [Path(f) / n for f in folders for n in names]


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


def wrap(text: str, width: int = 48) -> str:
    """Break ``text`` into lines of at most ``width`` characters after spaces, slashes, commas."""
    lines = [""]
    for token in re.split(r"(?<=[/ ,])", str(text)):
        if lines[-1] and len(lines[-1]) + len(token) > width:
            lines.append("")
        lines[-1] += token
    return "\n".join(line.rstrip() for line in lines)


def missing(ax, path) -> None:
    """Replace a panel's data by a centred ``missing: <path>`` text."""
    ax.text(0.5, 0.5, wrap(f"missing: {path}"), transform=ax.transAxes, ha="center",
            va="center", fontsize=8, color="0.3")
    ax.set_xticks([])
    ax.set_yticks([])


def note(ax, text: str, where: str = "lower right") -> None:
    """A small grey note in a panel corner (dropped points, clipped values, missing runs)."""
    x, ha = (0.98, "right") if "right" in where else (0.02, "left")
    y, va = (0.02, "bottom") if "lower" in where else (0.98, "top")
    ax.text(x, y, text, transform=ax.transAxes, ha=ha, va=va, fontsize=7, color="0.3",
            bbox={"boxstyle": "round", "fc": "white", "ec": "0.8", "alpha": 0.8})


def dropped_note(ax, n: int) -> None:
    """Say in the panel how many points a log axis could not show."""
    if n:
        note(ax, f"{n} point{'s' if n != 1 else ''} ≤ 0 not shown")


def tame(values) -> np.ndarray:
    """``values`` as floats with every magnitude above :data:`LARGE` made ±inf (no axis can
    hold 1e308 and its margins; such a value is treated as infinite: not drawn, or drawn at the
    panel edge where a figure marks infinite values)."""
    out = np.array(values, dtype=float, copy=True).reshape(np.shape(values))
    big = np.abs(out) > LARGE
    out[big] = np.copysign(np.inf, out[big])
    return out


def positive(*arrays, log: bool = True) -> tuple[np.ndarray, int]:
    """Mask of the entries finite in every array (and > 0 in all when ``log``).

    Returns the mask and the number of finite entries dropped for being <= 0 (nan entries are
    skipped without counting: they were never measured).
    """
    arrays = [np.asarray(a, dtype=float) for a in arrays]
    finite = np.logical_and.reduce([np.isfinite(a) for a in arrays])
    keep = finite & np.logical_and.reduce([a > 0 for a in arrays]) if log else finite
    return keep, int(np.count_nonzero(finite & ~keep))


def epoch_lengths(epoch: np.ndarray, config: dict) -> tuple[dict, bool]:
    """len_e, the number of batches of each epoch e of a run's ``metrics.csv`` ``epoch`` column,
    and whether some len_e is only the row count n_e of an epoch not known to be complete.

    len_e comes from ``config["batches_per_epoch"]`` (``{"0": 50, ...}``, written by the
    training loop for each epoch it starts). Older runs lack it: every epoch then gets the
    largest n_e among the complete epochs (all but the last; the last too when the status is
    "finished"), or, when none is complete, its own n_e (a partial epoch drawn as full). A len_e
    below n_e (an inconsistent file) is raised to n_e so that epochs never overlap.
    """
    counts = {e: int(np.sum(epoch == e)) for e in np.unique(epoch[np.isfinite(epoch)])}
    recorded = config.get("batches_per_epoch") or {}  # checked: {"<epoch>": count >= 1}
    recorded = {float(k): float(v) for k, v in recorded.items()}
    done = [n for e, n in counts.items() if e < max(counts) or config.get("status") == "finished"]
    full = max(done, default=None)
    lengths = {e: max(recorded.get(e, full or n), n) for e, n in counts.items()}
    return lengths, full is None and any(e not in recorded for e in counts)


def epoch_fraction(epoch: np.ndarray, lengths: dict | None = None) -> np.ndarray:
    """x = e + i / len_e for the i-th (i = 0, 1, ...) ``metrics.csv`` row of each epoch e: the
    updates made before the row's loss was measured, in epochs.

    ``lengths`` maps e to len_e (:func:`epoch_lengths`); an epoch without one uses its row count.
    """
    x = np.full(len(epoch), np.nan)
    for e in np.unique(epoch[np.isfinite(epoch)]):
        rows = np.flatnonzero(epoch == e)
        x[rows] = e + np.arange(len(rows)) / (lengths or {}).get(e, len(rows))
    return x


def running_mean(y: np.ndarray, window: int) -> np.ndarray:
    """Mean of the last ``window`` values at each step (of all values before step ``window``)."""
    c = np.cumsum(np.insert(y, 0, 0.0))
    n = np.minimum(np.arange(1, len(y) + 1), window)
    return (c[1:] - c[np.arange(1, len(y) + 1) - n]) / n


def _line(fit: dict | None, key: str):
    """(L0, L1) of the envelope with quantile 1.0 (``key="envelope"``) or of the regression."""
    if not fit:
        return None
    entry = fit.get(key)
    if key == "envelope":
        entry = next((e for e in entry or [] if num(e.get("quantile")) == 1.0), None)
    if not entry or not all(abs(num(entry.get(k))) <= LARGE for k in ("L0", "L1")):
        return None
    return num(entry["L0"]), num(entry["L1"])


def shorten(text: str, width: int = 80) -> str:
    """``text`` on one line, paths cut to their file name, at most ``width`` characters."""
    text = re.sub(r"\S*/(\S+)", r"\1", " ".join(str(text).split()))
    return text if len(text) <= width else text[:width - 1].rstrip() + "…"


def smoothness_panel(ax, run: Path, title: str, log: bool = True) -> bool:
    """Paper Fig 1: gradient norm vs secant smoothness of one run, coloured by iteration.

    Overlays the envelope line L0 + L1 x (quantile 1.0) and the regression line of ``fit.json``
    with the Pearson r of (log x, log y); a fit.json whose status is not "fitted" (e.g.
    "insufficient": too few probed steps) is shown as "no fit: <reason>". Returns False (and
    shows the missing path) when the run's ``metrics.csv`` is absent.
    """
    ax.set_title(title)
    if not (run / "metrics.csv").exists():
        missing(ax, run / "metrics.csv")
        return False
    m = read_metrics(run / "metrics.csv")
    xkey = "probe_grad_norm" if np.isfinite(m["probe_grad_norm"]).any() else "grad_norm"
    x_all, y_all = tame(m[xkey]), tame(m["smoothness"])
    keep, dropped = positive(x_all, y_all, log=log)
    x, y = x_all[keep], y_all[keep]
    it = (m["step"] if "step" in m else np.arange(len(keep), dtype=float))[keep]
    sc = ax.scatter(x, y, c=it, cmap="viridis", s=9, alpha=0.85, linewidths=0)
    ax.figure.colorbar(sc, ax=ax, label="iteration", pad=0.01)
    if log:
        ax.set_xscale("log")
        ax.set_yscale("log")
        short_minor_labels(ax)
    fit = read_fit(run / "fit.json") if (run / "fit.json").exists() else None
    handles = []
    if len(x):
        xs = np.geomspace(x.min(), x.max(), 100) if log else np.linspace(0, x.max(), 100)
        for key, label, style in (("envelope", "envelope (q = 1)", "-"),
                                  ("regression", "regression", "--")):
            line = _line(fit, key)
            if line is not None:
                ys = line[0] + line[1] * xs
                ok = ys > 0 if log else np.ones_like(ys, bool)
                handles += ax.plot(xs[ok], ys[ok], style, color="crimson" if style == "-"
                                   else "k", lw=1.5,
                                   label=f"{label}: L0={line[0]:.3g}, L1={line[1]:.3g}")
    if fit is None:
        extra = "no fit.json"
    elif fit.get("status", "fitted") != "fitted":
        extra = wrap("no fit: " + shorten(plain(fit.get("reason") or fit.get("status")), 100),
                     44)
    else:
        extra = f"Pearson r (log-log) = {num((fit.get('correlation') or {}).get('pearson_r')):.2f}"
    handles.append(Line2D([], [], ls="none", label=extra))
    ax.legend(handles=handles, loc="upper left", fontsize=7, handlelength=1.5)
    ax.set_xlabel("gradient norm ‖∇f‖")
    ax.set_ylabel("smoothness (secant estimate along the update)")
    dropped_note(ax, dropped)
    if not len(x):
        note(ax, "no finite points", "upper right")
    return True


DATASETS = {"ptb": "Penn Treebank", "cifar10": "CIFAR-10", "fashion-mnist": "Fashion-MNIST"}


def dataset_of(runs) -> str:
    """Human name of the data set the runs actually read (``config.json`` "dataset"), e.g.
    Fashion-MNIST where CIFAR-10 was absent; "data set unknown" when no run says."""
    for run in runs:
        path = Path(run) / "config.json"
        name = read_run_config(path).get("dataset") if path.exists() else None
        if name:
            return DATASETS.get(name, plain(name, 40))
    return "data set unknown"


def runs_figure(where: Layout, out: Path, model: str, runs: tuple, name: str,
                label: str) -> list[Path]:
    """Paper Fig 2 / Fig 3 layout: one log-log smoothness panel per run, (a), (b), (c)."""
    apply()
    folders = [where.run(model, r) for r in runs]
    require([f / "metrics.csv" for f in folders], where.make_nn)
    fig, axes = plt.subplots(1, len(runs), figsize=(16, 4.8))
    for ax, letter, run, folder in zip(axes, "abcdef", runs, folders):
        smoothness_panel(ax, folder, f"({letter}) {run}")
    fig.suptitle(f"{label} on {dataset_of(folders)} (preset {where.preset}): gradient norm vs "
                 "smoothness")
    return save(fig, out, name)


def short_minor_labels(ax) -> None:
    """On log axes spanning about a decade matplotlib labels minor ticks as 2×10⁻¹, 3×10⁻¹, …
    which collide in narrow panels: label them as plain numbers (0.2, 0.3), smaller."""
    from matplotlib.ticker import LogFormatter

    for axis in (ax.xaxis, ax.yaxis):
        axis.set_minor_formatter(LogFormatter(labelOnlyBase=False, minor_thresholds=(1, 0.4)))
    ax.tick_params(which="minor", labelsize=7)
