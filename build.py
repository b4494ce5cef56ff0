"""`python build.py` builds the bundled curriculum/ into site/ (the same as `iopcurr build`)."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from iopcurr.cli import cli

if __name__ == "__main__":
    here = Path(__file__).resolve().parent
    cli(["build", str(here / "curriculum"), "--out", str(here / "site"), *sys.argv[1:]], prog_name="build.py")
