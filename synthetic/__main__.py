"""``python -m synthetic``: see :mod:`synthetic.cli`."""
import sys

from synthetic.cli import main

sys.exit(main())
