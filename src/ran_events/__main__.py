"""``python -m ran_events``: the ``ran-events`` command."""

import sys

from .cli import main

sys.exit(main())
