"""The one helper module every figure script imports (``from figures import style``).

It gathers, under one name, what the scripts use from the support modules:

=======================  ====================================================================
from                     names
=======================  ====================================================================
:mod:`figures.layout`    :func:`layout`, :class:`Layout`, :func:`plain`, :data:`CHECKS`,
                         :data:`MAKE_FRONTIERS` -- the result tree (README, "figures and
                         the report")
:mod:`figures.schemas`   :data:`LM_RUNS`, :data:`RESNET_RUNS`, :data:`RUN_NAMES`,
                         :data:`PRESETS`
:mod:`figures.look`      :func:`apply`, :func:`save`, :func:`missing`, :func:`note`,
                         :func:`dropped_note`, :func:`wrap`, :func:`legend_label`,
                         :func:`legend_with_notes`, :func:`key`, :func:`panel_grid`,
                         :func:`short_minor_labels` -- rcParams, notes, panels, png + pdf
:mod:`figures.values`    :func:`num`, :func:`tame`, :func:`positive`, :func:`log_floor`,
                         :func:`epoch_lengths`, :func:`epoch_fraction`, :func:`running_mean`,
                         :func:`shorten` -- numbers and axes
:mod:`figures.inputs`    :func:`read_metrics`, :func:`read_epochs`, :func:`read_run_config`,
                         :func:`read_fit`, :func:`read_records`, :func:`read_summary`,
                         :func:`read_frontiers`, :func:`validate`, :func:`select`,
                         :func:`run_dir`, :func:`run_inputs`, :func:`run_folders`,
                         :func:`require`,
                         :func:`compact`, :func:`dataset_of`
:mod:`figures.panels`    :func:`smoothness_panel`, :func:`seed_panel`, :func:`runs_figure`,
                         :func:`envelope`, :func:`training_curve`,
                         :func:`estimates_with_intervals` -- panels shared by figures
:mod:`figures.seeds`     :func:`seed_label`, :func:`binned_median`, :func:`draw_median`,
                         :func:`common_curve`, :func:`draw_curves`, :func:`labelled_runs` --
                         a setting over its seeds
:mod:`figures.marks`     :data:`CONSTRUCTIONS`, :func:`construction_look`,
                         :func:`construction_label`, :func:`construction_points`,
                         :func:`top_edge`, :func:`step_curve`, :func:`level_lines`,
                         :func:`two_d_member` -- marks of the step figures (Fig 6)
=======================  ====================================================================
"""
from __future__ import annotations

from figures.inputs import (DATASETS, READERS, check_records, compact, dataset_of, read_epochs,
                            read_fit, read_frontiers, read_metrics, read_records,
                            read_run_config, read_summary, require, run_dir, run_folders,
                            run_inputs, select, validate)
from figures.layout import CHECKS, MAKE_FRONTIERS, Layout, layout, plain
from figures.look import (DPI, OutputError, apply, dropped_note, key, legend_label,
                          legend_with_notes, literal_texts, missing, note, panel_grid, save,
                          short_minor_labels, wrap)
from figures.marks import (CONSTRUCTIONS, construction_label, construction_look,
                           construction_points, level_lines, step_curve, top_edge, two_d_member)
from figures.panels import (envelope, estimates_with_intervals, fitted_line, runs_figure,
                            seed_panel, smoothness_panel, training_curve)
from figures.readers import InputError, Table
from figures.seeds import (binned_median, common_curve, draw_curves, draw_median,
                           labelled_runs, seed_label)
from figures.schemas import LM_RUNS, PRESETS, RESNET_RUNS, RUN_NAMES
from figures.values import (LARGE, epoch_fraction, epoch_lengths, log_floor, num,
                            positive, running_mean, shorten, tame)

__all__ = ["DATASETS", "READERS", "check_records", "compact", "dataset_of", "read_epochs",
           "read_fit", "read_frontiers", "read_metrics", "read_records", "read_run_config",
           "read_summary", "require", "run_dir", "run_folders", "run_inputs", "select",
           "validate", "CHECKS",
           "MAKE_FRONTIERS", "Layout", "layout", "plain", "DPI", "OutputError", "apply",
           "dropped_note", "key", "legend_label", "legend_with_notes", "literal_texts",
           "missing", "note", "panel_grid", "save", "short_minor_labels", "wrap",
           "envelope", "estimates_with_intervals", "fitted_line", "runs_figure",
           "seed_panel", "smoothness_panel", "training_curve", "binned_median",
           "common_curve", "draw_curves", "draw_median", "seed_label", "labelled_runs",
           "InputError", "Table",
           "LM_RUNS",
           "PRESETS", "RESNET_RUNS", "RUN_NAMES", "LARGE", "epoch_fraction",
           "epoch_lengths", "log_floor", "num", "positive", "running_mean", "shorten",
           "tame", "CONSTRUCTIONS", "construction_label", "construction_look",
           "construction_points", "level_lines", "step_curve", "top_edge", "two_d_member"]
