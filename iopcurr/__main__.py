"""`python -m iopcurr` runs the command line."""

from __future__ import annotations

from iopcurr.cli import main

main()
