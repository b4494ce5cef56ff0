"""Every page and stylesheet of the bundled site passes the Nu HTML Checker (vnu) with no error.

vnu comes from the `vnu-jar` npm package (package.json) and runs on the machine's Java. It runs
once, over every file of one shared build, so new kinds of pages are checked as they appear.
"""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest
from conftest import NODE_MODULES, need_tool, site_pages

VNU = NODE_MODULES / "vnu-jar" / "build" / "dist" / "vnu.jar"


def vnu(files: list[Path]) -> list[dict[str, Any]]:
    """The error messages vnu reports for `files` (HTML and CSS)."""
    java = need_tool("java")
    need_tool(str(VNU))
    proc = subprocess.run(
        [java, "-jar", str(VNU), "--errors-only", "--also-check-css", "--format", "json", "--stdout",
         *map(str, files)],
        capture_output=True, text=True, timeout=300, check=False,
    )
    messages: list[dict[str, Any]] = json.loads(proc.stdout)["messages"]
    assert proc.returncode == (1 if messages else 0), proc.stderr
    return messages


# CSS for paged media (W3C GCPM: running heads, PDF bookmarks) that print.css uses for WeasyPrint
# and that vnu's CSS checker does not know yet. Nothing else is excused.
PAGED_MEDIA = re.compile(r"“(string-set|bookmark-level|bookmark-label|bookmark-state)”: Property .* doesn't exist"
                         r"|“content”: “(string|target-counter|target-text)\(")


@pytest.fixture(scope="module")
def site_messages(bundled_site: Path) -> list[dict[str, Any]]:
    files = site_pages(bundled_site) + sorted(bundled_site.rglob("*.css"))
    return [m for m in vnu(files) if not PAGED_MEDIA.search(m["message"])]


def test_every_page_and_stylesheet_is_valid(site_messages: list[dict[str, Any]], bundled_site: Path) -> None:
    shown = [
        f"{m['url'].split(bundled_site.name + '/', 1)[-1]}:{m.get('lastLine')}: {m['message']}"
        for m in site_messages
    ]
    assert not shown, "\n".join(shown)


def test_the_checker_does_report_errors(tmp_path: Path) -> None:
    page = tmp_path / "broken.html"
    page.write_text('<!DOCTYPE html><html lang="en"><head><title>x</title></head>'
                    "<body><p><div>block in a paragraph</div></p><img src=a.png></body></html>", "utf-8")
    sheet = tmp_path / "broken.css"
    sheet.write_text("p { colour: red; }\n", "utf-8")
    messages = vnu([page, sheet])
    text = " ".join(m["message"] for m in messages)
    assert "“p” end tag" in text
    assert "alt" in text
    assert any(m["url"].endswith("broken.css") for m in messages)
