"""``python -m theory``: see :mod:`theory.cli`."""
import sys

from theory.cli import main

sys.exit(main())
