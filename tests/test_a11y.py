"""Accessibility of every page of the bundled site, in Debian's Chromium.

One audit loads each page once (a module-scoped fixture, so once per test session): axe-core's
checks, the requests the page makes, Content-Security-Policy violations, script errors, and
sideways scrolling at 200% zoom and at 360 px. The tests below read the audit. Pages that other
features add (sessions, schedule, print collections) are found by walking the built site.

Set IOPCURR_SCREENSHOTS=<folder> to keep screenshots of each kind of page at 360 and 1280 px.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from conftest import AXE_JS, CHROMIUM, CHROMIUM_ARGS, MakeCurriculum, need_tool, site_pages

from iopcurr.pipeline import build

AXE = AXE_JS
PARALLEL = 2  # pages audited at once (axe is CPU-bound; the machines have two cores)

# Collects what a page does that it should not: CSP violations and script errors.
WATCH = """
window.__iopViolations = [];
document.addEventListener("securitypolicyviolation", function (e) {
  window.__iopViolations.push(e.violatedDirective + " " + e.blockedURI);
});
"""

# Wider than the viewport? Returns the elements that stick out (for the failure message).
OVERFLOW = """() => {
  const width = document.documentElement.clientWidth;
  if (document.documentElement.scrollWidth <= width) return [];
  return Array.from(document.querySelectorAll("body *"))
    .filter(e => e.getBoundingClientRect().right > width + 1)
    .slice(-3).map(e => e.tagName.toLowerCase() + "." + e.className);
}"""


@dataclass
class PageAudit:
    axe: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)
    csp: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    overflow: dict[int, list[str]] = field(default_factory=dict)
    styled: bool = False
    scripted: bool = False


def _axe_lines(result: dict[str, Any]) -> list[str]:
    return [
        f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:3]}"
        for v in result["violations"]
    ]


@pytest.fixture(scope="module")
def audit(bundled_site: Path) -> dict[str, PageAudit]:
    need_tool(CHROMIUM)
    need_tool(str(AXE))
    from playwright.sync_api import sync_playwright

    # Largest first: pages audited together take about as long as each other.
    pages = sorted(site_pages(bundled_site), key=lambda path: -path.stat().st_size)
    found: dict[str, PageAudit] = {}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        context.add_init_script(path=str(AXE))
        context.add_init_script(WATCH)
        tabs = [context.new_page() for _ in range(PARALLEL)]
        current: dict[int, PageAudit] = {}
        for n, tab in enumerate(tabs):
            tab.on("request", lambda r, n=n: None if r.url.startswith("file:") else current[n].requests.append(r.url))
            tab.on("pageerror", lambda e, n=n: current[n].errors.append(str(e)))
        for start in range(0, len(pages), PARALLEL):
            batch = list(enumerate(zip(tabs, pages[start : start + PARALLEL], strict=False)))
            for n, (tab, path) in batch:  # load the batch and start axe in each tab; axe runs in parallel
                current[n] = found.setdefault(path.relative_to(bundled_site).as_posix(), PageAudit())
                tab.set_viewport_size({"width": 1280, "height": 900})
                tab.goto(path.as_uri())
                tab.evaluate("() => { window.__iopAxe = axe.run(document, {resultTypes: ['violations']}); }")
            for n, (tab, _path) in batch:
                a = current[n]
                a.axe = _axe_lines(tab.evaluate("() => window.__iopAxe"))
                a.csp = tab.evaluate("() => window.__iopViolations")
                a.styled = tab.evaluate("() => getComputedStyle(document.body).margin === '0px'")
                a.scripted = tab.evaluate("() => !document.querySelector('[data-search]').hidden")
                for width in (640, 360):  # 640 CSS px = a 1280 px screen at 200% zoom
                    tab.set_viewport_size({"width": width, "height": 800})
                    a.overflow[width] = tab.evaluate(OVERFLOW)
        browser.close()
    return found


def test_the_audit_covers_every_page(audit: dict[str, PageAudit], bundled_site: Path) -> None:
    kinds = {name.split("/")[0] for name in audit}
    assert {"index.html", "facilitator", "handouts", "pages"} <= kinds
    assert len(audit) == len(site_pages(bundled_site))


def test_axe_finds_no_violations_on_any_page(audit: dict[str, PageAudit]) -> None:
    failures = [f"{name}: {line}" for name, a in audit.items() for line in a.axe]
    assert not failures, "\n".join(failures)


def test_no_page_requests_anything_from_another_host(audit: dict[str, PageAudit]) -> None:
    failures = [f"{name}: {url}" for name, a in audit.items() for url in a.requests]
    assert not failures, "\n".join(failures)


def test_the_content_security_policy_blocks_nothing_the_site_needs(audit: dict[str, PageAudit]) -> None:
    failures = [f"{name}: {v}" for name, a in audit.items() for v in a.csp + a.errors]
    assert not failures, "\n".join(failures)
    unstyled = [name for name, a in audit.items() if not a.styled]
    unscripted = [name for name, a in audit.items() if not a.scripted]
    assert not unstyled, f"the stylesheet did not load from file:// on {unstyled}"
    assert not unscripted, f"the site's script did not run from file:// on {unscripted}"


@pytest.mark.parametrize("width", [640, 360])
def test_no_page_scrolls_sideways(audit: dict[str, PageAudit], width: int) -> None:
    failures = [f"{name}: {a.overflow[width]}" for name, a in audit.items() if a.overflow[width]]
    assert not failures, f"wider than {width} px:\n" + "\n".join(failures)


# ---------------------------------------------------------------- structure, read from the HTML


def test_every_page_has_lang_one_h1_landmarks_and_a_skip_link(bundled_site: Path) -> None:
    from html.parser import HTMLParser

    class Outline(HTMLParser):
        def __init__(self) -> None:
            super().__init__()
            self.tags: list[tuple[str, dict[str, str | None]]] = []

        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            self.tags.append((tag, dict(attrs)))

    for path in site_pages(bundled_site):
        outline = Outline()
        outline.feed(path.read_text("utf-8"))
        tags = outline.tags
        name = path.relative_to(bundled_site).as_posix()
        assert tags[0] == ("html", {"lang": "es" if name.startswith(("handouts/es/", "facilitator/es/")) else "en"}), name
        assert [t for t, _ in tags].count("h1") == 1, name
        assert [t for t, _ in tags].count("main") == 1, name
        body = [t for t in tags if t[0] not in ("html", "head", "meta", "title", "link", "script")]
        assert body[1] == ("a", {"class": "skip-link", "href": "#main"}), f"{name}: the skip link comes first"
        assert ("main", {"id": "main", "tabindex": "-1"}) in tags, name
        for landmark in ("header", "nav", "footer"):
            assert landmark in [t for t, _ in tags], f"{name}: no <{landmark}>"


# ---------------------------------------------------------------- in the browser


def _outline(page: Any) -> str:
    return str(page.evaluate("() => getComputedStyle(document.activeElement).outlineStyle"))


def test_keyboard_focus_is_always_visible_and_the_skip_link_works(browser: Any, bundled_site: Path) -> None:
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto((bundled_site / "handouts" / "craving-log.html").as_uri())
    page.keyboard.press("Tab")
    assert page.evaluate("() => document.activeElement.className") == "skip-link"
    box = page.evaluate("() => document.activeElement.getBoundingClientRect().toJSON()")
    assert box["x"] >= 0 and box["y"] >= 0 and box["width"] > 50, "the focused skip link is on screen"
    assert _outline(page) == "solid"
    seen = set()
    for _ in range(12):  # brand link, search box, contents, breadcrumbs, print button ...
        page.keyboard.press("Tab")
        tag = page.evaluate("() => document.activeElement.tagName.toLowerCase()")
        seen.add(tag)
        assert _outline(page) == "solid", f"no visible focus on a <{tag}>"
    assert {"a", "input"} <= seen
    page.goto((bundled_site / "handouts" / "craving-log.html").as_uri())
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    assert page.evaluate("() => document.activeElement.id") == "main"
    page.close()


def test_worksheets_read_sensibly_to_a_screen_reader(browser: Any, make_curriculum: MakeCurriculum,
                                                     tmp_path: Path) -> None:
    module = """\
---
title: Worksheet test
objectives: [Name one thing.]
---

## Check-in

Text.

## Topic

Text.

## Practice

::: handout {#my-sheet title="My Sheet"}
Tick what fits.

- [ ] I slept well.
- [x] I went to group.

::: lines {n=3}
What will you do?
:::

::: scale {from=0 to=10 low="Calm" high="Very strong"}
How strong was the craving?
:::

::: grid {columns="Day | What happened" labels="Mon | Tue"}
My log
:::

:::
"""
    src = make_curriculum(modules={"sheets": module})
    out = tmp_path / "site"
    assert build(src, out).ok
    page = browser.new_page()
    page.goto((out / "handouts" / "my-sheet.html").as_uri())
    tree = page.locator(".handout-body").aria_snapshot()
    page.close()
    assert '- list "Checklist":' in tree
    assert "- listitem: I slept well." in tree and "☐" not in tree and "☒" not in tree
    assert "Space to write (3 lines)." in tree
    assert '- list "Circle a number from 0 to 10":' in tree and '- listitem: "10"' in tree
    assert "0 = Calm 10 = Very strong" in tree
    assert '- table "My log":' in tree
    assert '- columnheader "What happened"' in tree and '- rowheader "Tue"' in tree


def test_contents_fold_away_on_a_small_screen_and_stay_open_on_a_large_one(browser: Any,
                                                                         bundled_site: Path) -> None:
    page = browser.new_page(viewport={"width": 360, "height": 800})
    page.goto((bundled_site / "facilitator" / "anger-meter.html").as_uri())
    nav = page.locator("details[data-nav]")
    assert nav.get_attribute("open") is None
    h1 = page.locator("h1").bounding_box()
    assert h1 is not None and h1["y"] < 800, "the page's title is on the first screen of a phone"
    page.locator("summary").click()
    assert page.get_by_role("link", name="Refusal Skills").is_visible()
    page.set_viewport_size({"width": 1280, "height": 800})
    assert nav.get_attribute("open") is not None
    page.close()


def test_print_button_prints(browser: Any, bundled_site: Path) -> None:
    page = browser.new_page()
    page.add_init_script("window.print = function () { window.__printed = (window.__printed || 0) + 1; };")
    page.goto((bundled_site / "handouts" / "craving-log.html").as_uri())
    page.get_by_role("button", name="Print this handout").click()
    assert page.evaluate("() => window.__printed") == 1
    page.emulate_media(media="print")
    assert not page.get_by_role("button", name="Print this handout").is_visible()
    assert not page.locator(".sidebar").is_visible()
    page.close()


SHOTS = ["index.html", "facilitator/anger-meter.html", "handouts/weekly-schedule.html",
         "pages/member-in-crisis.html", "schedule.html", "sessions/1.html"]


@pytest.mark.parametrize("width", [360, 1280])
def test_screenshots_of_each_kind_of_page(browser: Any, bundled_site: Path, tmp_path: Path, width: int) -> None:
    keep = os.environ.get("IOPCURR_SCREENSHOTS")  # whole pages, to look at; else the first screen
    folder = Path(keep or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    page = browser.new_page(viewport={"width": width, "height": 900})
    for name in SHOTS:
        if not (bundled_site / name).exists():
            continue
        page.goto((bundled_site / name).as_uri())
        shot = folder / f"{name.replace('/', '_').removesuffix('.html')}-{width}.png"
        page.screenshot(path=str(shot), full_page=bool(keep))
        assert shot.stat().st_size > 10_000
        size = page.evaluate("() => parseFloat(getComputedStyle(document.querySelector('main')).fontSize)")
        assert size >= 16, f"{name}: body text is {size} px"
        h1 = page.locator("h1").bounding_box()
        assert h1 is not None and h1["y"] < 900, f"{name}: the title is below the first screen"
    page.close()
