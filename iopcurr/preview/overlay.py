"""What the live preview adds to the pages it serves (and a build never writes): the reload
scripts (livereload.js, and preview.js, which keeps the reader's place across a reload), after a
failed rebuild an overlay listing every problem, and, when the curriculum has sites/*.yml, a
switcher that shows which site is previewed and switches to another (preview.js posts the choice).

Pure functions over bytes. Both additions load files from the preview server itself, so the
pages' Content-Security-Policy (`script-src 'self'`, `style-src 'self'`) lets them run; nothing
is inline.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from html import escape
from typing import Any

from iopcurr.errors import Problem

OVERLAY_ID = "iopcurr-overlay"
PREFIX = "/__iopcurr/"  # the preview's own files; no site path starts with this
CSS_PATH = PREFIX + "overlay.css"  # the overlay's and the switcher's styles (preview/overlay.css)
STATUS_PATH = PREFIX + "status.json"
SCRIPT_PATH = PREFIX + "preview.js"  # keeps the scroll position across a reload
SITE_PATH = PREFIX + "site"  # POST a site's name (empty: program.yml alone) to preview it
SWITCHER_ID = "iopcurr-sites"

_HEAD_START = re.compile(rb"<head\b[^>]*>", re.IGNORECASE)
_HEAD_END = re.compile(rb"</head\s*>", re.IGNORECASE)
_BODY_START = re.compile(rb"<body\b[^>]*>", re.IGNORECASE)


@dataclass(frozen=True)
class Status:
    """What the server knows about the last rebuild (also served as JSON, for tests and
    benchmarks)."""

    ok: bool = False
    problems: tuple[Problem, ...] = ()  # of a failed rebuild
    crash: str = ""  # an exception that stopped the last rebuild (its traceback went to the terminal)
    builds: int = 0  # rebuilds done (the first build is 1)
    version: int = 0  # of the site folder: more each time files are written, and when a rebuild ends
    converted: int = 0  # source files converted since the start
    last: dict[str, Any] = field(default_factory=dict)
    site: str | None = None  # the site previewed (None: program.yml alone)
    sites: tuple[str, ...] = ()  # the curriculum's sites/*.yml, for the switcher

    def lines(self) -> list[str]:
        return [p.format() for p in self.problems] + ([self.crash] if self.crash else [])

    def as_json(self, **more: Any) -> str:
        """The status as JSON, with `more` keys after its own."""
        return json.dumps({"ok": self.ok, "builds": self.builds, "version": self.version, "converted": self.converted,
                           "problems": self.lines(), "last": self.last, "site": self.site, "sites": self.sites,
                           **more})


def overlay_html(problems: Sequence[Problem], crash: str = "") -> str:
    """The overlay: every problem of the failed rebuild as `path:line: message`, errors first
    (`crash`: what stopped the rebuild, if an exception did)."""
    ordered = sorted(problems, key=lambda p: p.severity != "error")
    errors = sum(1 for p in problems if p.severity == "error") + bool(crash)
    lines = [("error", crash)] if crash else []
    lines += [(p.severity, p.format()) for p in ordered]
    items = "".join(f'<li class="iopcurr-{escape(kind)}"><code>{escape(text)}</code></li>' for kind, text in lines)
    return (
        f'<details id="{OVERLAY_ID}" role="alert" open>'
        f"<summary>The last save did not build: {errors} error{'s' if errors != 1 else ''}</summary>"
        "<p>This page still shows the last good build. Fix the files below and save; this box goes "
        "away by itself.</p>"
        f"<ol>{items}</ol></details>"
    )


def switcher_html(sites: Sequence[str], site: str | None) -> str:
    """The site switcher: a list of program.yml alone and every site, the previewed one chosen
    (`autocomplete="off"`: a reload shows the server's choice, not one the browser kept, as
    Firefox does)."""
    options = "".join(f'<option value="{escape(name)}"{" selected" if name == (site or "") else ""}>'
                      f'{escape(name or "program.yml")}</option>' for name in ("", *sites))
    return (f'<nav id="{SWITCHER_ID}" aria-label="Preview"><label for="{SWITCHER_ID}-choice">Preview site</label>'
            f'<select id="{SWITCHER_ID}-choice" autocomplete="off">{options}</select></nav>')


def inject(page: bytes, *, port: int, status: Status = Status()) -> bytes:
    """`page` with the reload scripts and, after a failed rebuild, the overlay; when the
    curriculum has sites, the switcher.

    livereload.js is told the server's port (where to connect). preview.js, the livereload plugin
    that keeps the reader's place, comes before it (livereload.js looks for plugins when it
    starts) and is told the version of the site folder the page was served from, so that a page
    whose reload message came before its connection (a save while it was loading) reloads. Both are
    deferred: the page shows without waiting for them."""
    body = overlay_html(status.problems, status.crash) if status.problems or status.crash else ""
    body += switcher_html(status.sites, status.site) if status.sites else ""
    head = f'<script src="/livereload.js?port={int(port)}" defer></script>'
    head += f'<link rel="stylesheet" href="{CSS_PATH}">' if body else ""  # (the overlay's and the switcher's)
    page = _insert(page, _HEAD_END, head.encode(), before=True)
    plugin = f'<script src="{SCRIPT_PATH}" data-version="{int(status.version)}" defer></script>'
    page = _insert(page, _HEAD_START, plugin.encode())
    return _insert(page, _BODY_START, body.encode(), at_end=True)


def _insert(page: bytes, where: re.Pattern[bytes], what: bytes, *, before: bool = False, at_end: bool = False) -> bytes:
    """`what` after (or `before`) the first match of `where`; without one, at the start (or `at_end`)."""
    m = where.search(page)
    if m is None:
        return page + what if at_end else what + page
    at = m.start() if before else m.end()
    return page[:at] + what + page[at:]


def placeholder(status: Status, *, port: int) -> bytes:
    """The page served while no build has succeeded yet."""
    page = (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'self'; "
        "script-src 'self'; connect-src 'self'\">"
        "<title>iopcurr preview: not built yet</title></head><body><main>"
        "<h1>Not built yet</h1><p>The curriculum has problems, so there is no site to show yet.</p>"
        "</main></body></html>\n"
    )
    return inject(page.encode(), port=port, status=status)
