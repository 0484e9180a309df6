"""``python -m nn_checks``: see :mod:`nn_checks.cli`."""
import sys

from nn_checks.cli import main

sys.exit(main())
