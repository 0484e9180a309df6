"""One script per figure, reading result files only (matplotlib, numpy).

Every module ``figN_<name>`` has ``draw(results, out, preset="cpu") -> list[Path]`` writing
``out/figN_<name>.png`` and ``.pdf``; :mod:`figures.style` holds the shared look and readers.
The scripts never train or refit and import nothing of ours but the style helper.
``python -m figures`` draws them all; :data:`figures.__main__.FIGURES` maps the keys below to
the modules (kept there so that ``import figures`` stays light).

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
=====  ===============================  ====================================================
"""
from __future__ import annotations
