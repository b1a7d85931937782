"""`python -m client`: the reference client's command line (client/cli.py)."""

import sys

from .cli import main

sys.exit(main())
