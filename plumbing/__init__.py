"""plumbing: what every package of the workbench shares (docs/architecture.md, "Plumbing").

Standard library only, so ``theory``, ``synthetic``, ``nn_checks`` and ``figures`` may all
import it without pulling anything heavy:

files       bounded reads of regular files, atomic replacement (temp + fsync + rename, cleaned
            on failure), several files replaced together, output-folder checks
locks       one writer per folder (``RunLock`` on ``<folder>/.lock``, ``FolderLock`` on the folder)
jsonio      the one JSON policy of result files (inf/NaN/None), JSON and JSON-lines I/O
cli         exit codes, one-line errors, the argument parser, list options
layout      the results-folder layout (``results/<package>/<run-name>/``)
provenance  env.json: versions, platform, device, seed, git revision
"""
