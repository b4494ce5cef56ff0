"""`iopcurr build --zip`: site.zip beside the site folder, the same bytes for the same site, and
a copy unpacked anywhere works from file:// (issue 24, item 4)."""

from __future__ import annotations

import os
import stat
import zipfile
from collections.abc import Callable
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
from click.testing import Result
from conftest import CHROMIUM, CHROMIUM_ARGS, MakeCurriculum, module_text, need_tool

from iopcurr.model import OutputFile
from iopcurr.output.zipsite import EPOCH, zip_bytes

RunCli = Callable[..., Result]


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for key, value in attrs:
            if key in ("href", "src") and value:
                self.urls.append(value)


def broken_links(root: Path) -> list[str]:
    """Every relative link or file reference in the pages under `root` that finds no file."""
    broken = []
    for page in sorted(root.rglob("*.html")):
        parser = _Links()
        parser.feed(page.read_text("utf-8"))
        for url in parser.urls:
            parts = urlsplit(url)
            if parts.scheme or parts.netloc or not parts.path:
                continue  # another site, mailto:, or an anchor on this page
            target = (page.parent / unquote(parts.path)).resolve()
            if not target.is_file() or not target.is_relative_to(root.resolve()):
                broken.append(f"{page.relative_to(root)}: {url}")
    return broken


@pytest.fixture
def program(make_curriculum: MakeCurriculum) -> Path:
    return make_curriculum(modules={"alpha": module_text("alpha"), "beta": module_text("beta")},
                           pages={"notes": "---\ntitle: Notes\n---\n\nSee [alpha](../modules/alpha.md).\n"})


def test_two_builds_give_byte_identical_zips(program: Path, tmp_path: Path, run_cli: RunCli) -> None:
    first = run_cli("build", str(program), "-o", str(tmp_path / "one" / "site"), "--zip")
    assert first.exit_code == 0, first.output
    assert f"and {tmp_path}/one/site.zip" in first.output
    os.utime(program / "modules" / "alpha.md", (1, 1))  # file times must not matter
    second = run_cli("build", str(program), "-o", str(tmp_path / "two" / "site"), "--zip")
    assert second.exit_code == 0, second.output
    one, two = (tmp_path / "one" / "site.zip").read_bytes(), (tmp_path / "two" / "site.zip").read_bytes()
    assert one == two
    again = run_cli("build", str(program), "-o", str(tmp_path / "one" / "site"), "--zip")  # over its own zip
    assert again.exit_code == 0 and (tmp_path / "one" / "site.zip").read_bytes() == one


def test_zip_entries_are_sorted_dated_and_readable_by_all(program: Path, tmp_path: Path, run_cli: RunCli) -> None:
    assert run_cli("build", str(program), "-o", str(tmp_path / "site"), "--zip").exit_code == 0
    with zipfile.ZipFile(tmp_path / "site.zip") as archive:
        names = archive.namelist()
        assert names == sorted(names) and "site/index.html" in names
        assert not any(".iopcurr" in n for n in names)  # no cache or build list
        for info in archive.infolist():
            assert info.date_time == EPOCH
            assert stat.S_IMODE(info.external_attr >> 16) == 0o644
    built = {p.relative_to(tmp_path).as_posix() for p in (tmp_path / "site").rglob("*")
             if p.is_file() and ".iopcurr" not in p.as_posix()}
    assert set(names) == built


def test_zip_bytes_do_not_depend_on_the_order_of_the_files() -> None:
    files = [OutputFile("b.html", b"b"), OutputFile("a/x.css", b"x"), OutputFile("index.html", b"i")]
    assert zip_bytes(files, "site") == zip_bytes(list(reversed(files)), "site")


def test_a_zip_iopcurr_did_not_write_is_left_alone(program: Path, tmp_path: Path, run_cli: RunCli) -> None:
    (tmp_path / "site.zip").write_bytes(b"my own file")
    result = run_cli("build", str(program), "-o", str(tmp_path / "site"), "--zip")
    assert result.exit_code == 2
    assert "iopcurr did not write it" in result.output
    assert (tmp_path / "site.zip").read_bytes() == b"my own file"


def test_the_unpacked_zip_links_work_from_anywhere(program: Path, tmp_path: Path, run_cli: RunCli) -> None:
    assert run_cli("build", str(program), "-o", str(tmp_path / "site"), "--zip").exit_code == 0
    elsewhere = tmp_path / "usb-stick"
    with zipfile.ZipFile(tmp_path / "site.zip") as archive:
        archive.extractall(elsewhere)
    root = elsewhere / "site"
    assert (root / "index.html").is_file() and (root / "facilitator" / "alpha.html").is_file()
    assert broken_links(root) == []


def test_the_unpacked_zip_opens_from_file_url_in_chromium(program: Path, tmp_path: Path, run_cli: RunCli) -> None:
    need_tool(CHROMIUM)
    from playwright.sync_api import sync_playwright

    assert run_cli("build", str(program), "-o", str(tmp_path / "site"), "--zip").exit_code == 0
    elsewhere = tmp_path / "copy"
    with zipfile.ZipFile(tmp_path / "site.zip") as archive:
        archive.extractall(elsewhere)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()
            failed: list[str] = []
            page.on("requestfailed", lambda r: failed.append(r.url))
            page.goto((elsewhere / "site" / "index.html").as_uri())
            assert "Test Program" in page.title()
            page.click("a[href='facilitator/alpha.html']")
            page.wait_for_load_state()
            assert page.url.endswith("/copy/site/facilitator/alpha.html")
            assert "Alpha" in page.inner_text("h1")
            assert failed == []
        finally:
            browser.close()
