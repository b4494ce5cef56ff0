"""The facilitator's night in Chromium with a controlled clock: the Tonight card picks the right
session on different dates (from file:// and from a web server), falls back to the schedule
without JavaScript and stays as `--today` fixed it; the schedule grid marks the next session;
the segment timer advances, gives minutes back after an overrun and survives a reload. The new
pages pass axe-core and the Nu checker, load nothing from another host and run no inline script."""

from __future__ import annotations

import functools
import http.server
import re
import threading
from collections.abc import Iterator
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any

import pytest
from conftest import AXE_JS, BUNDLED, need_tool

from iopcurr.pipeline import Settings, build

CHICAGO = "America/Chicago"


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=timezone.utc)  # noqa: UP017 (Playwright wants a datetime)


class Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def served(bundled_site: Path) -> Iterator[str]:
    """The bundled site from a local web server, for the test's lifetime."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(bundled_site)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()
    thread.join()


def open_at(browser: Any, url: str, when: datetime, **options: Any) -> Any:
    context = browser.new_context(timezone_id=CHICAGO, **options)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.clock.install(time=when)
    page.goto(url)
    page.errors = errors
    return page


def card_text(page: Any) -> str:
    return " ".join(page.locator("[data-tonight]").inner_text().split())


# 6:00–7:30 PM in Chicago (CST, UTC-6): session 7 is Wednesday, January 13, 2027; Monday, January
# 18 is a skipped date, so the next session after it is session 9 on Tuesday, January 19.
DATES = [
    (utc(2027, 1, 13, 16, 0), "Tonight: Session 7, Medications and Recovery", 7),
    (utc(2027, 1, 14, 0, 40), "Now: Session 7, Medications and Recovery", 7),
    (utc(2027, 1, 18, 15, 0), "Next session: Session 9, Lapse, Relapse and an Emergency Plan", 9),
]


@pytest.mark.parametrize("origin", ["file", "http"])
@pytest.mark.parametrize(("when", "heading", "number"), DATES)
def test_the_tonight_card_shows_the_session_of_the_day(browser: Any, bundled_site: Path, served: str, origin: str,
                                                       when: datetime, heading: str, number: int) -> None:
    for name in ("index.html", "schedule.html"):
        url = (bundled_site / name).as_uri() if origin == "file" else f"{served}/{name}"
        page = open_at(browser, url, when)
        title = " ".join(page.locator("#tonight-title").inner_text().split())
        assert title == heading
        text = card_text(page)
        assert "6:00 PM–7:30 PM" in text and "15 copies each" in text
        links = {a.inner_text(): a.get_attribute("href") for a in page.locator("[data-tonight] a").all()}
        assert links["Print tonight's handouts"] == f"bundles/{number}.html"
        assert links["Run sheet"] == f"runsheets/{number}.html"
        assert links["Facilitator guide"] == f"sessions/{number}.html"
        for href in links.values():
            assert (bundled_site / href).is_file(), href
        if name == "schedule.html":
            marked = page.locator(".grid-next")
            assert marked.count() == 1 and marked.get_attribute("data-session") == str(number)
        assert not page.errors
        page.context.close()


def test_after_the_last_session_the_card_says_the_calendar_ended(browser: Any, bundled_site: Path) -> None:
    page = open_at(browser, (bundled_site / "index.html").as_uri(), utc(2027, 5, 1, 12, 0))
    assert "The program calendar ended on Wednesday, April 28, 2027" in card_text(page)
    page.context.close()


def test_without_javascript_the_card_points_to_the_schedule(browser: Any, bundled_site: Path) -> None:
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto((bundled_site / "index.html").as_uri())
    assert page.locator("[data-tonight] a").get_attribute("href") == "schedule.html"
    assert "program schedule" in card_text(page)
    context.close()


def test_today_fixes_the_card_at_build_time(browser: Any, tmp_path: Path) -> None:
    out = tmp_path / "site"
    assert build(BUNDLED, out, Settings(today=date(2027, 1, 20))).ok
    html = (out / "index.html").read_text("utf-8")
    assert "data-fixed" in html and "Session 10, High-Risk Situations and Seemingly Irrelevant Decisions" in html
    page = open_at(browser, (out / "index.html").as_uri(), utc(2027, 3, 1, 12, 0))  # the browser's clock is ignored
    assert "Tonight: Session 10" in card_text(page)
    page.context.close()


def test_the_calendar_data_does_not_depend_on_the_build_date(bundled_site: Path, tmp_path: Path) -> None:
    out = tmp_path / "again"
    assert build(BUNDLED, out).ok
    assert (out / "static" / "sessions.js").read_bytes() == (bundled_site / "static" / "sessions.js").read_bytes()
    assert (out / "index.html").read_bytes() == (bundled_site / "index.html").read_bytes()


# ---------------------------------------------------------------- the segment timer


def timer_state(page: Any) -> tuple[str, str, str]:
    box = page.locator("[data-timer]")
    return (" ".join(box.locator("[data-timer-now]").inner_text().split()),
            " ".join(box.locator("[data-timer-cut]").inner_text().split()),
            box.locator("[data-timer-say]").inner_text())


def test_the_timer_advances_rebalances_after_an_overrun_and_survives_a_reload(browser: Any, bundled_site: Path) -> None:
    start = utc(2027, 1, 27, 0, 0)  # 6:00 PM in Chicago, session 13 (External and Internal Triggers)
    page = open_at(browser, (bundled_site / "runsheets" / "13.html").as_uri(), start)
    timer = page.locator("[data-timer]")
    assert timer.is_visible() and timer.locator("[data-timer-say]").get_attribute("aria-live") == "polite"
    page.get_by_role("button", name="Start the session").click()
    assert timer_state(page)[0] == "Now: Opening: check-in round (1 of 7). 5 min left, until 6:05 PM."
    page.clock.run_for("05:00")
    page.keyboard.press("Enter")  # the focus moved to "Next segment" when the timer started
    assert timer_state(page)[0] == "Now: Check-in: current concerns (2 of 7). 25 min left, until 6:30 PM."
    page.clock.run_for("10:00")
    assert timer_state(page)[0].startswith("Now: Check-in: current concerns (2 of 7). 15 min left")

    page.clock.run_for("25:00")  # 6:40 PM: the check-in ran 10 minutes over
    now, cut, said = timer_state(page)
    assert now.startswith("Now: Check-in: current concerns (2 of 7). Over by 10 min")
    cuts = {m.group(2): int(m.group(1)) for m in re.finditer(r"(\d+) min cut from ([^;.]+)", cut)}
    assert sum(cuts.values()) == 10 and set(cuts) == {
        "Topic: external triggers", "Topic: internal triggers", "Practice: my trigger chart",
        "Summary and home assignment"}
    assert "over time" in said and "cut from" in said
    plan = timer.locator("[data-timer-plan] li").all_inner_texts()
    assert plan[-1] == "7:25 PM Closing: one step forward: 5 min"  # the closing ritual keeps its time

    page.get_by_role("button", name="Next segment").click()
    after = timer_state(page)[0]
    assert after.startswith("Now: Topic: external triggers (3 of 7).")
    ends = re.search(r"until (\d+:\d+ PM)", after)
    assert ends is not None and ends.group(1) == f"6:{40 + 15 - cuts['Topic: external triggers']} PM"

    page.reload()
    assert timer_state(page)[0].startswith("Now: Topic: external triggers (3 of 7).")
    assert timer_state(page)[1] == cut
    for _ in range(4):
        page.get_by_role("button", name="Next segment").click()
    # Skipped through at 6:40: the closing ritual starts now and takes its own 5 minutes.
    assert timer_state(page)[0] == "Now: Closing: one step forward (7 of 7). 5 min left, until 6:45 PM."
    page.get_by_role("button", name="End the session").click()
    assert timer_state(page)[0] == "The session has ended."
    page.get_by_role("button", name="Reset").click()
    assert page.get_by_role("button", name="Start the session").is_visible()
    assert not page.errors
    page.context.close()


def test_the_session_page_shares_the_timer_of_its_run_sheet(browser: Any, bundled_site: Path) -> None:
    start = utc(2027, 1, 14, 0, 0)
    page = open_at(browser, (bundled_site / "runsheets" / "7.html").as_uri(), start)
    page.get_by_role("button", name="Start the session").click()
    page.goto((bundled_site / "sessions" / "7.html").as_uri())
    assert timer_state(page)[0].startswith("Now: Opening: check-in round (1 of 7).")
    page.context.close()


# ---------------------------------------------------------------- the new pages: valid and accessible

NEW_PAGES = ["index.html", "schedule.html", "joining.html", "sessions/5.html", "runsheets/5.html",
             "bundles/5.html", "paperwork/5.html", "bundles/1.html"]


def test_the_new_pages_pass_axe_and_load_nothing_from_elsewhere(browser: Any, bundled_site: Path) -> None:
    need_tool(str(AXE_JS))
    context = browser.new_context(timezone_id=CHICAGO)
    context.add_init_script(path=str(AXE_JS))
    context.add_init_script("window.__csp = []; document.addEventListener('securitypolicyviolation', "
                            "function (e) { window.__csp.push(e.violatedDirective); });")
    page = context.new_page()
    page.clock.install(time=utc(2027, 1, 13, 16, 0))
    requests: list[str] = []
    page.on("request", lambda r: None if r.url.startswith("file:") else requests.append(r.url))
    found = {}
    for name in NEW_PAGES:
        page.goto((bundled_site / name).as_uri())
        result = page.evaluate("() => axe.run(document, {resultTypes: ['violations']})")
        found[name] = [f"{v['id']}: {v['help']} {[n['target'] for n in v['nodes']][:3]}" for v in result["violations"]]
        found[name] += page.evaluate("() => window.__csp")
        if name in ("sessions/5.html", "runsheets/5.html"):
            assert page.locator("[data-timer]").is_visible()
    context.close()
    assert not requests
    assert not {k: v for k, v in found.items() if v}


def test_the_new_pages_are_valid_html_with_no_inline_script(bundled_site: Path) -> None:
    from test_html_valid import PAGED_MEDIA, vnu

    files = [bundled_site / name for name in NEW_PAGES]
    for f in files:
        assert not re.search(r"<script(?![^>]*\bsrc=)", f.read_text("utf-8")), f
    messages = [m for m in vnu(files) if not PAGED_MEDIA.search(m["message"])]
    assert not messages, [f"{m['url'].rsplit('/', 1)[-1]}:{m.get('lastLine')}: {m['message']}" for m in messages]
