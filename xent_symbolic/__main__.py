"""`python -m xent_symbolic` runs the `xent` command line."""

import sys

from .cli import main

sys.exit(main())
