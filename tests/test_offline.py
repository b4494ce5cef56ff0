"""Private and offline: no built file refers to another host, and the CSP says so and works.

Links to other sites in the content (a SAMHSA page in the references) stay ordinary links: a
reader may follow them, but no page loads anything from another host by itself.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

from conftest import CHROMIUM, CHROMIUM_ARGS, MakeCurriculum, need_tool, site_pages
from markupsafe import escape

from iopcurr.pipeline import build
from iopcurr.render.pages import CSP

# Attributes that make a browser load something, whatever the element.
LOADING_ATTRS = ("src", "srcset", "poster", "data", "action", "formaction", "background", "manifest")
CSS_REFS = re.compile(r"""url\(\s*(['"]?)([^'")]*)\1\s*\)|@import\s+(['"])([^'"]*)\3""", re.I)
JS_REFS = re.compile(r"""(?:\.src|\.href|fetch|import|importScripts|XMLHttpRequest)\s*[=(]?\s*['"`]((?:https?:)?//[^'"`]*)""")


def is_external(url: str) -> bool:
    url = url.strip().lower()
    return url.startswith("//") or (bool(re.match(r"^[a-z][a-z0-9+.-]*:", url)) and not url.startswith("data:"))


class _Refs(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []
        self._style = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        for key in LOADING_ATTRS:
            if key in a:
                urls = [part.strip().split(" ")[0] for part in a[key].split(",")] if key == "srcset" else [a[key]]
                self.found += [f"<{tag} {key}={u}>" for u in urls if is_external(u)]
        if tag == "link" and is_external(a.get("href", "")):  # stylesheets, icons, preloads: all load
            self.found.append(f"<link href={a['href']}>")
        if tag == "meta" and a.get("http-equiv", "").lower() == "refresh" and "url=" in a.get("content", "").lower():
            url = a["content"].lower().split("url=", 1)[1]
            if is_external(url):
                self.found.append(f"<meta refresh {url}>")
        if "style" in a:
            self.found += css_refs(a["style"])
        self._style = tag == "style"

    def handle_data(self, data: str) -> None:
        if self._style:
            self.found += css_refs(data)

    def handle_endtag(self, tag: str) -> None:
        self._style = False


def css_refs(text: str) -> list[str]:
    out = []
    for m in CSS_REFS.finditer(text):
        url = m.group(2) if m.group(2) is not None else m.group(4)
        if is_external(url or ""):
            out.append(m.group(0))
    return out


def external_refs(name: str, text: str) -> list[str]:
    """References in a built file that would make a browser contact another host."""
    if name.endswith((".html", ".svg")):
        parser = _Refs()
        parser.feed(text)
        return parser.found
    if name.endswith(".css"):
        return css_refs(text)
    if name.endswith(".js"):
        return css_refs(text) + [m.group(0) for m in JS_REFS.finditer(text)]
    return []


def test_the_scanner_finds_every_kind_of_reference() -> None:
    page = """<link rel="stylesheet" href="https://cdn.example/x.css"><script src="//cdn.example/x.js"></script>
    <img src="http://example.org/a.png" srcset="a.png 1x, https://example.org/b.png 2x">
    <div style="background: url('https://example.org/bg.png')"></div>
    <style>@import "https://fonts.example/f.css";</style><a href="https://www.samhsa.gov/">SAMHSA</a>
    <img src="data:image/png;base64,AAAA" alt=""><img src="../assets/logo.png" alt="">"""
    found = external_refs("x.html", page)
    assert len(found) == 6, found
    assert not any("samhsa" in f for f in found), "ordinary links are not loads"
    assert len(external_refs("x.css", "a{background:url(//x.example/a.png)} @import url('https://x.example/b.css');"
                                      " b{background:url(../img/ok.png)}")) == 2
    assert len(external_refs("x.js", 's.src = "https://cdn.example/lib.js"; fetch("//api.example/q");')) == 2


def test_no_built_file_refers_to_another_host(bundled_site: Path) -> None:
    failures = []
    checked = 0
    for path in sorted(p for p in bundled_site.rglob("*") if p.is_file()):
        name = path.relative_to(bundled_site).as_posix()
        if name.endswith((".html", ".css", ".js", ".svg")):
            checked += 1
            failures += [f"{name}: {ref}" for ref in external_refs(name, path.read_text("utf-8"))]
    assert checked >= len(site_pages(bundled_site)) + 3
    assert not failures, "\n".join(failures)


def test_fonts_are_system_fonts(bundled_site: Path) -> None:
    for path in bundled_site.rglob("*.css"):
        assert "@font-face" not in path.read_text("utf-8"), path.name
    assert not [p for p in bundled_site.rglob("*") if p.suffix in (".woff", ".woff2", ".ttf", ".otf")]


def test_content_links_to_other_sites_stay_ordinary_links(make_curriculum: MakeCurriculum, tmp_path: Path) -> None:
    page = "---\ntitle: Help\n---\n\nFind treatment at [SAMHSA](https://www.samhsa.gov/find-help).\n"
    out = tmp_path / "site"
    assert build(make_curriculum(pages={"help": page}), out).ok
    text = (out / "pages" / "help.html").read_text("utf-8")
    assert '<a href="https://www.samhsa.gov/find-help">SAMHSA</a>' in text
    assert external_refs("help.html", text) == []


def test_every_page_carries_the_policy_before_anything_it_loads(bundled_site: Path) -> None:
    sources = {s for d in CSP.split(";") for s in d.split()[1:]}
    assert sources <= {"'self'", "'none'", "data:"}, "the policy names no other host"
    meta = f'<meta http-equiv="Content-Security-Policy" content="{escape(CSP)}">'
    for path in site_pages(bundled_site):
        head = path.read_text("utf-8").split("</head>", 1)[0]
        assert meta in head, path.name
        first_load = min(i for i in (head.find("<link"), head.find("<script"), len(head)) if i >= 0)
        assert head.index(meta) < first_load, f"{path.name}: the policy must come before the first <link>/<script>"


def test_the_policy_really_blocks_other_hosts_and_inline_code_from_file_urls(bundled_site: Path,
                                                                            tmp_path: Path) -> None:
    need_tool(CHROMIUM)
    import shutil

    from playwright.sync_api import sync_playwright

    site = tmp_path / "site"
    shutil.copytree(bundled_site, site)
    page_path = site / "handouts" / "craving-log.html"
    intruders = (
        '<script>window.__inline = true;</script>'
        '<img src="https://tracker.example/pixel.png" alt="">'
        '<link rel="stylesheet" href="https://cdn.example/evil.css">'
        '<p id="styled" style="color: rgb(255, 0, 0)">x</p>'
    )
    page_path.write_text(page_path.read_text("utf-8").replace("</body>", intruders + "</body>"), "utf-8")
    outside: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = browser.new_context()
        # Nothing may leave the machine even if the policy failed: record and refuse instead.
        context.route(re.compile(r"^(?!file:).*"), lambda route: (outside.append(route.request.url), route.abort()))
        page = context.new_page()
        page.add_init_script("window.__blocked = []; document.addEventListener('securitypolicyviolation',"
                             " e => window.__blocked.push(e.violatedDirective + ' ' + e.blockedURI));")
        page.goto(page_path.as_uri())
        page.wait_for_load_state("load")
        state: dict[str, Any] = page.evaluate("""() => ({
            inline: window.__inline === true,
            blocked: window.__blocked,
            inlineStyle: getComputedStyle(document.getElementById('styled')).color,
            ownStyle: getComputedStyle(document.body).margin,
            ownScript: !document.querySelector('[data-search]').hidden,
        })""")
        browser.close()
    assert state["ownStyle"] == "0px" and state["ownScript"], "the site's own CSS and JS load from file://"
    assert not state["inline"], "inline scripts are blocked"
    assert state["inlineStyle"] != "rgb(255, 0, 0)", "inline styles are blocked"
    blocked = " ".join(state["blocked"])
    for directive in ("script-src", "img-src https://tracker.example", "style-src"):
        assert directive in blocked, blocked
    assert "https://cdn.example/evil.css" in blocked
    assert outside == [], "the policy stopped every request to another host before it was made"
