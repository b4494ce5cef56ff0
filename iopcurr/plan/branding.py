"""Checks of the program's branding (theme.accent, theme.logo) that keep the site readable.

The accent colour is the colour of every link and button, so it must stand out from the light
backgrounds the theme puts text on by at least WCAG's 4.5:1 for normal text (1.4.3, level AA).
"""

from __future__ import annotations

from collections.abc import Sequence

from iopcurr.errors import Problem
from iopcurr.model import Asset, Program
from iopcurr.plan.safety import check_active_assets

MIN_CONTRAST = 4.5
# Backgrounds of the default theme that links sit on: page, header and blocks, script blocks,
# facilitator notes.
BACKGROUNDS = ("#ffffff", "#f3f5f7", "#eef4f9", "#fdf6e7")


def _luminance(colour: str) -> float:
    """Relative luminance of a `#rrggbb` colour (WCAG 2.1 definition)."""
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    r, g, b = (c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast_ratio(a: str, b: str) -> float:
    """WCAG contrast ratio of two `#rrggbb` colours, from 1 to 21."""
    la, lb = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def check_branding(program: Program, assets: Sequence[Asset]) -> list[Problem]:
    """The accent colour's contrast, the logo, and the assets published beside the pages."""
    problems: list[Problem] = []
    accent = program.theme.accent
    worst = min(contrast_ratio(accent, bg) for bg in BACKGROUNDS)
    if worst < MIN_CONTRAST:
        problems.append(Problem(
            program.path_of("theme.accent"), program.line_of("theme.accent"),
            f"the accent colour {accent} has a contrast of only {worst:.1f}:1 with the page's light "
            f"backgrounds; links and buttons need at least {MIN_CONTRAST}:1 to be readable.",
            "IOP033", "warning",
            "Choose a darker shade of the colour (the default is #1d5a85).",
        ))
    logo = program.theme.logo
    if logo is not None and logo not in {a.rel for a in assets}:
        problems.append(Problem(
            program.path_of("theme.logo"), program.line_of("theme.logo"),
            f"the logo {logo} is not a file in the curriculum's assets/ folder.", "IOP025",
            hint="Put the image in assets/ and write its path, e.g. `logo: assets/logo.png`.",
        ))
    # What the program publishes beside its pages: assets that would run scripts (IOP038).
    problems += check_active_assets(assets)
    return problems
