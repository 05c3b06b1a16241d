"""``python -m sim`` is the ``alliancesim`` command."""

import sys

from .cli import main

sys.exit(main())
