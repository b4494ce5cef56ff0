"""Offline search: the index built at build time, and the search box in the browser.

The box must work from `file://` (a USB stick) and from a web server, with no network.
"""

from __future__ import annotations

import functools
import http.server
import json
import threading
from pathlib import Path
from typing import Any

import pytest
from conftest import NODE_MODULES, REPO, MakeCurriculum, module_text, need_tool

from iopcurr.pipeline import build, run
from iopcurr.render.search import INDEX_PATH, index_bytes, search_documents


def _data(script: str) -> dict[str, Any]:
    payload = script.split("window.IOPCURR_SEARCH = ", 1)[1].rstrip().removesuffix(";")
    data: dict[str, Any] = json.loads(payload)
    return data


@pytest.fixture
def small_site(make_curriculum: MakeCurriculum, tmp_path: Path) -> Path:
    page = "---\ntitle: Running a Group\nsummary: How a group runs.\n---\n\nStart on time and welcome everyone.\n"
    src = make_curriculum(modules={"alpha": module_text("alpha"), "beta": module_text("beta")},
                          pages={"running": page})
    out = tmp_path / "site"
    assert build(src, out).ok
    return out


# ---------------------------------------------------------------- the index


def test_one_document_per_guide_page_handout_and_page(make_curriculum: MakeCurriculum) -> None:
    result = run(make_curriculum(modules={"alpha": module_text("alpha")}))
    assert result.curriculum is not None
    docs = {d.url: d for d in search_documents(result.curriculum)}
    assert set(docs) == {"facilitator/alpha.html", "handouts/alpha-sheet.html", "pages/authoring-guide.html"}
    assert docs["facilitator/alpha.html"].kind == "module"
    assert docs["handouts/alpha-sheet.html"].kind == "handout"
    assert docs["pages/authoring-guide.html"].kind == "page"


def test_facilitator_only_text_is_in_the_guide_document_and_never_in_a_handout(
        make_curriculum: MakeCurriculum) -> None:
    result = run(make_curriculum(modules={"alpha": module_text("alpha")}))
    assert result.curriculum is not None
    docs = {d.url: d for d in search_documents(result.curriculum)}
    guide, handout = docs["facilitator/alpha.html"], docs["handouts/alpha-sheet.html"]
    assert "SECRET facilitator note" in guide.text
    assert "Let's go around the room" in guide.text.replace("’", "'")
    assert "SECRET" not in handout.text and "go around the room" not in handout.text
    assert "You can do this." in handout.text
    assert "Space to write" not in handout.text, "worksheet hints for screen readers are not search text"


def test_the_index_is_a_script_lunr_js_can_load_and_is_deterministic(make_curriculum: MakeCurriculum) -> None:
    result = run(make_curriculum(modules={"alpha": module_text("alpha"), "beta": module_text("beta")}))
    assert result.curriculum is not None
    docs = search_documents(result.curriculum)
    script = index_bytes(docs).decode()
    assert script == index_bytes(search_documents(result.curriculum)).decode()
    data = _data(script)
    assert data["index"]["version"] == "2.3.9"
    assert data["index"]["pipeline"] == ["stemmer"]
    assert data["index"]["fields"] == ["title", "summary", "body"]
    assert [d["url"] for d in data["docs"]] == [d.url for d in docs]
    terms = {entry[0] for entry in data["index"]["invertedIndex"]}
    assert {"secret", "facilit", "sheet"} <= terms, "words are stemmed as lunr.js stems them"
    files = {f.path: f.content for f in result.files}
    assert files[INDEX_PATH].decode("utf-8") == script


# ---------------------------------------------------------------- in the browser


def search(page: Any, url: str, words: str) -> list[tuple[str, str, str]]:
    """Type `words` into the search box of `url`; (title, href, excerpt) of each result."""
    page.goto(url)
    page.fill("#search-input", words)
    page.locator("#search-status").filter(has_text="for “").wait_for(timeout=15_000)
    items = page.locator(".search-results li")
    return [
        (items.nth(i).locator("a").inner_text(), items.nth(i).locator("a").get_attribute("href") or "",
         items.nth(i).locator(".search-excerpt").inner_text())
        for i in range(items.count())
    ]


def test_search_finds_anger_meter_from_a_file_url(browser: Any, bundled_site: Path) -> None:
    page = browser.new_page()
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    results = search(page, (bundled_site / "facilitator" / "cravings.html").as_uri(), "anger meter")
    hrefs = [href for _, href, _ in results]
    assert hrefs[0] == "../facilitator/anger-meter.html"
    assert "../handouts/anger-meter-cues.html" in hrefs[:3]
    assert "anger" in results[0][2].lower()
    assert page.locator(".search-results mark").first.inner_text().lower() in ("anger", "meter")
    assert all(r.startswith("file://") for r in requests)
    page.locator(".search-results a").first.click()
    page.wait_for_url("**/facilitator/anger-meter.html")
    assert page.locator("h1").inner_text() == "The Anger Meter, Events and Cues"
    page.close()


def test_search_works_from_a_web_server(browser: Any, bundled_site: Path) -> None:
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(bundled_site))
    handler.log_message = lambda *args: None  # type: ignore[attr-defined]
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        page = browser.new_page()
        results = search(page, f"http://127.0.0.1:{server.server_port}/index.html", "craving")
        assert any(href == "handouts/craving-log.html" for _, href, _ in results)
        page.close()
    finally:
        server.shutdown()
        server.server_close()


def test_facilitator_only_words_find_only_the_facilitator_page(browser: Any, small_site: Path) -> None:
    page = browser.new_page()
    results = search(page, (small_site / "facilitator" / "beta.html").as_uri(), "secret note")
    assert [(title, href) for title, href, _ in results] == [
        ("Alpha", "../facilitator/alpha.html"), ("Beta", "../facilitator/beta.html")]
    assert "SECRET facilitator note for alpha" in results[0][2]
    assert page.locator(".search-kind").first.inner_text().strip() == "· Facilitator guide"
    handout = search(page, (small_site / "index.html").as_uri(), "write one step")
    [sheet] = [r for r in handout if r[1] == "handouts/alpha-sheet.html"]
    assert sheet[0] == "Sheet for Alpha" and "SECRET" not in sheet[2]
    page.close()


def test_search_on_a_client_page_finds_handouts_only(browser: Any, small_site: Path) -> None:
    page = browser.new_page()
    for client in ("alpha-sheet.html", "large/alpha-sheet.html", "packet.html"):
        url = (small_site / "handouts" / client).as_uri()
        assert search(page, url, "secret note") == [], client  # facilitator-only words: nothing shown
        assert page.locator("#search-status").inner_text() == "No results for “secret note”."
        found = search(page, url, "write one step")
        assert {title for title, _, _ in found} == {"Sheet for Alpha", "Sheet for Beta"}, client
        assert all("SECRET" not in excerpt for _, _, excerpt in found)
    page.close()


def test_every_word_must_match_and_a_word_being_typed_matches_as_a_prefix(browser: Any,
                                                                         small_site: Path) -> None:
    page = browser.new_page()
    url = (small_site / "index.html").as_uri()
    assert [t for t, _, _ in search(page, url, "welcome everyone")] == ["Running a Group"]
    assert [t for t, _, _ in search(page, url, "secret alpha")] == ["Alpha"]
    assert "Running a Group" in [t for t, _, _ in search(page, url, "welc")]
    assert search(page, url, "zebra") == []
    assert page.locator("#search-status").inner_text() == "No results for “zebra”."
    page.close()


def test_search_by_keyboard(browser: Any, small_site: Path) -> None:
    page = browser.new_page()
    search(page, (small_site / "index.html").as_uri(), "secret")
    page.press("#search-input", "Enter")
    assert page.evaluate("() => document.activeElement.getAttribute('href')") == "facilitator/alpha.html"
    page.focus("#search-input")
    page.press("#search-input", "Escape")
    assert page.input_value("#search-input") == ""
    assert page.locator(".search-results li").count() == 0
    assert page.locator("#search-status").inner_text() == ""
    page.close()


def test_without_javascript_the_search_box_stays_hidden(browser: Any, small_site: Path) -> None:
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto((small_site / "index.html").as_uri())
    assert not page.locator("#search-input").is_visible()
    assert not page.get_by_role("button", name="Print this page").is_visible()
    context.close()


def test_the_theme_ships_the_lunr_js_that_package_json_pins() -> None:
    import lunr

    shipped = (REPO / "themes" / "default" / "static" / "lunr.min.js").read_bytes()
    version = json.loads((REPO / "package.json").read_text("utf-8"))["devDependencies"]["lunr"]
    assert f"- {version}\n".encode() in shipped[:200]
    assert version == lunr.__TARGET_JS_VERSION__, "the Python indexer writes what this lunr.js reads"
    npm = NODE_MODULES / "lunr" / "lunr.min.js"
    need_tool(str(npm))
    assert npm.read_bytes() == shipped, "copy node_modules/lunr/lunr.min.js into themes/default/static"


def test_no_documents_make_an_empty_index_not_a_crash() -> None:
    assert _data(index_bytes(()).decode())["index"] is None
