"""`python -m foureyes ...` runs the `foureyes` command (editors use it with an interpreter)."""

import sys

from foureyes.cli.main import main

sys.exit(main())
