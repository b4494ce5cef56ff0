"""iopcurr: Markdown group curricula in, facilitator guide, client handouts and session plans out."""

from __future__ import annotations

__version__ = "0.1.0"
