"""``python -m zsim.artifacts``: the artifacts command line (see :mod:`zsim.artifacts.cli`)."""

import sys

from zsim.artifacts.cli import main

sys.exit(main())
