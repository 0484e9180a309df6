"""The report's hardware table: what each producer's ``env.json`` says about where it ran.

Every producer writes ``env.json`` beside its results (plumbing.provenance.environment_info:
platform, machine, processor, CPU count, Python and package versions, device, git revision,
time; the network runs add their GPU, CUDA, cuDNN, TF32 settings and thread count). One row
per producer whose folder exists -- the synthetic check read, the catalogue, the frontiers, each
network run (each seed's run folder in a seed sweep)
-- with "not recorded" for every field its env.json lacks (or for all, without an env.json),
never a guess. A run's thread count and device may also come from its ``config.json``.
"""
from __future__ import annotations

from pathlib import Path

from figures import schemas
from figures.layout import Layout, run_folders
from figures.markup import code, text

__all__ = ["hardware", "GPU_FIELDS"]

NOT_RECORDED = "not recorded"
# label -> the env.json keys read for it, first present wins (a nested "gpu" object too)
GPU_FIELDS = (("GPU", ("gpu_name", "gpu", "cuda_device_name", "device_name", "name")),
              ("CUDA", ("cuda", "cuda_version")), ("cuDNN", ("cudnn", "cudnn_version")),
              ("TF32", ("tf32", "allow_tf32")),
              ("threads", ("threads", "torch_threads", "num_threads")))


def _value(value) -> str | None:
    """An env.json value as escaped text: booleans on/off, objects as "key value" pairs."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "on" if value else "off"
    if isinstance(value, dict):
        parts = [f"{text(k)} {_value(v)}" for k, v in value.items() if _value(v) is not None]
        return ", ".join(parts) or None
    if isinstance(value, list):
        return ", ".join(v for v in map(_value, value) if v is not None) or None
    return text(value)


def _gpu(env: dict, config: dict) -> list[str]:
    """"GPU <name>", "CUDA <v>", ... for the fields present."""
    sources = [env] + [env[k] for k in ("gpu", "cuda") if isinstance(env.get(k), dict)]
    out = []
    for label, keys in GPU_FIELDS:
        found = next((s[k] for s in sources for k in keys if s.get(k) is not None and
                      not (k in ("gpu", "cuda") and isinstance(s[k], dict))), None)
        if found is None and label == "threads":
            found = config.get("threads")
        if found is not None:
            out.append(f"{label} {_value(found)}")
    return out


def _packages(env: dict) -> str:
    packages = env.get("packages")
    if not packages:
        return NOT_RECORDED
    return ", ".join(f"{text(name)} {text(v) if v else NOT_RECORDED}"
                     for name, v in packages.items())


def _row(name: str, env: dict | None, config: dict | None = None) -> list[str]:
    env, config = env or {}, config or {}

    def field(key: str) -> str:
        return NOT_RECORDED if env.get(key) is None else text(env[key])

    device = env.get("device") or config.get("device")
    details = _gpu(env, config)
    shown = (text(device) if device else NOT_RECORDED) + (f" ({'; '.join(details)})"
                                                          if details else "")
    revision = env.get("git_revision")
    return [name, field("platform"), field("machine"), field("processor"), field("cpu_count"),
            field("python"), _packages(env), shown,
            code(revision) if revision else NOT_RECORDED, field("created_utc")]


def hardware(where: Layout) -> list[str]:
    """The "Hardware" lines of the report: a table, or one line when nothing was recorded."""
    producers: list[tuple[str, Path, Path | None]] = [
        (f"synthetic check ({text(where.shown(where.check))})", where.check, None),
        ("theory catalogue", where.results / "theory" / "catalogue", None),
        ("theory frontiers", where.results / "theory" / "frontiers", None)]
    producers += [(f"nn_checks {text(where.run_name(r))}", r, r / "config.json")
                  for f in where.runs() for r in run_folders(f)]  # each seed's in a sweep
    rows = []
    for name, folder, config in producers:
        if not folder.is_dir():
            continue
        env_path = folder / "env.json"
        env = schemas.env(env_path) if env_path.exists() else None
        conf = schemas.run_config(config) if config is not None and config.exists() else None
        rows.append(_row(name + ("" if env else " — no env.json"), env, conf))
    if not rows:
        return [f"Hardware: {NOT_RECORDED} (no producer's folder under "
                f"{text(where.results)} yet; each writes an env.json beside its results)."]
    head = ["producer", "platform", "machine", "processor", "CPU cores", "Python", "packages",
            "device", "git revision", "recorded (UTC)"]
    return ["Hardware and software, as each producer recorded it in its env.json:", "",
            "| " + " | ".join(head) + " |", "|" + "---|" * len(head)] + [
        "| " + " | ".join(row) + " |" for row in rows]
