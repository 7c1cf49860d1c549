"""``python -m jetpack_tui`` is the same command as ``jetpack-tui``."""

import sys

from jetpack_tui.cli import main

sys.exit(main())
