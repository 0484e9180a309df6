"""One script per figure, reading result files only (matplotlib, numpy).

Every module ``figN_<name>`` has ``draw(results, out, preset="cpu", check=None, sweep=False) ->
list[Path]`` writing ``out/figN_<name>.png`` and ``.pdf`` (``check``: the synthetic check folder,
default ``results/synthetic/check``; ``sweep``: read the seed sweep's runs,
``nn_checks/<preset>-sweep/<model>_<run>/seed<S>/``) and ``inputs(layout) -> list[Path]``,
every file it reads; the
scripts never train or refit and import nothing of ours but :mod:`figures.style`.
``python -m figures`` draws them all; :data:`figures.__main__.FIGURES` maps the keys below to
the modules (kept there so that ``import figures`` stays light). ``python -m figures.report``
writes the report.

Support modules: :mod:`figures.style` (the one name the scripts import, gathering
:mod:`figures.look` -- rcParams, notes, saving --, :mod:`figures.values` -- numbers and axes --,
:mod:`figures.inputs` -- checked readers, record selection, input paths -- and
:mod:`figures.panels` -- panels shared by figures --, :mod:`figures.seeds` -- a setting over
its seeds: pooled points, the binned median, mean curves), :mod:`figures.layout` (one layout of the
result tree for the figures, the report and the Makefile), :mod:`figures.readers` and
:mod:`figures.schemas` (every result file checked against what its producer writes),
:mod:`figures.markup` (file text escaped for the report), :mod:`figures.report_env` (the
report's hardware table), :mod:`figures.report_seeds` (the seeds and steps behind each claim,
each setting across its seeds). Exit codes, one-line errors, atomic fsync-ed writes and the folder
lock come from :mod:`plumbing`, shared by every package.

=====  ===============================  ====================================================
key    module                           shows
=====  ===============================  ====================================================
fig1   fig1_lm_smoothness               paper Fig 1: LSTM gradient norm vs smoothness
fig2   fig2_lm_smoothness_runs          paper Fig 2 (a-c): the three LSTM runs
fig3   fig3_resnet_smoothness_runs      paper Fig 3 (a-c): the three ResNet20 runs
fig4   fig4_training_curves             paper Fig 4 (a-d): training curves
fig5   fig5_smoothness_linear           paper Fig 5: smoothness plot on linear axes
fig6   fig6_lower_bound                 ours: Theorem 4's lower bound vs fixed-step GD
fig7   fig7_separation                  ours: Remark 5's separation vs M
fig8   fig8_frontiers                   ours: catalogue frontiers and fitted NN constants
fig9   fig9_tightness                   ours: upper bounds' tightness (catalogue, witness, sup)
fig10  fig10_thresholds                 ours: 1-D and 2-D step thresholds vs M
=====  ===============================  ====================================================

The paper's figures are described in docs/statements.md §6; the theorems and constructions
behind Figs 6, 7 and 9 in §4, §5 and §5c, the 2-D member of Figs 6 and 10 in §9.
"""
from __future__ import annotations
