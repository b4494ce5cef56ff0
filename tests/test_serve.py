"""The live preview's parts without a browser: what it adds to pages, which files it serves,
how it batches changes, and what a build never contains."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from pathlib import Path

from click.testing import Result
from conftest import MakeCurriculum

from iopcurr import overlay
from iopcurr.errors import Problem
from iopcurr.serve import page_of, site_file
from iopcurr.watch import Debouncer

RunCli = Callable[..., Result]
PAGE = b'<!DOCTYPE html>\n<html><head><title>x</title></head>\n<body class="page">\n<main>Text</main>\n</body></html>\n'
PROBLEM = Problem("cur/modules/alpha.md", 2, "the YAML is not valid: <oops> & more.", "IOP001")


def test_inject_adds_the_reload_script_and_nothing_else_when_all_is_well() -> None:
    page = overlay.inject(PAGE, port=8123)
    assert page == PAGE.replace(b"<head>", b'<head><script src="/__iopcurr/preview.js" defer></script>').replace(
        b"</head>", b'<script src="/livereload.js?port=8123" defer></script></head>')


def test_inject_adds_the_overlay_with_every_problem_escaped() -> None:
    warning = Problem("cur/modules/beta.md", 9, "a warning", "IOP021", "warning")
    page = overlay.inject(PAGE, port=8123, problems=(warning, PROBLEM)).decode()
    assert f'<link rel="stylesheet" href="{overlay.CSS_PATH}">' in page
    body = page.split('<body class="page">', 1)[1]
    assert body.startswith(f'<details id="{overlay.OVERLAY_ID}" role="alert" open>')
    assert "cur/modules/alpha.md:2: error IOP001: the YAML is not valid: &lt;oops&gt; &amp; more." in page
    assert page.index("alpha.md:2") < page.index("beta.md:9")  # errors first
    assert "1 error<" in page and "<oops>" not in page


def test_overlay_uses_no_inline_script_or_style() -> None:
    html = overlay.overlay_html([PROBLEM])
    assert "<script" not in html and "style=" not in html and "<style" not in html


def test_site_file_serves_only_files_inside_the_folder(tmp_path: Path) -> None:
    site = tmp_path / "site"
    (site / "pages").mkdir(parents=True)
    (site / "index.html").write_text("home", "utf-8")
    (site / "pages" / "a.html").write_text("a", "utf-8")
    (site / ".iopcurr-cache").mkdir()
    (site / ".iopcurr-cache" / "x.json").write_text("{}", "utf-8")
    (tmp_path / "secret.txt").write_text("secret", "utf-8")
    (site / "link.html").symlink_to(tmp_path / "secret.txt")
    assert site_file(site, "") == (site / "index.html").resolve()
    assert site_file(site, "pages/a.html") == (site / "pages" / "a.html").resolve()
    for bad in ("../secret.txt", "pages/../../secret.txt", ".iopcurr-cache/x.json", "link.html",
                "missing.html", "pages/..\\..\\secret.txt"):
        assert site_file(site, bad) is None, bad


def test_page_of_maps_urls_to_site_paths() -> None:
    assert page_of("/") == "index.html"
    assert page_of("/facilitator/a.html") == "facilitator/a.html"
    assert page_of("/pages/") == "pages/index.html"


def test_a_burst_of_changes_is_one_batch() -> None:
    batches: list[frozenset[Path]] = []
    done = threading.Event()

    def deliver(batch: frozenset[Path]) -> None:
        batches.append(batch)
        done.set()

    debouncer = Debouncer(deliver, quiet=0.1)
    for i in range(5):
        debouncer.add([Path(f"modules/m{i}.md")])
        time.sleep(0.02)
    assert done.wait(2)
    time.sleep(0.2)
    debouncer.stop()
    assert batches == [frozenset(Path(f"modules/m{i}.md") for i in range(5))]


def test_changes_that_keep_coming_are_delivered_within_the_longest_wait() -> None:
    batches: list[frozenset[Path]] = []
    debouncer = Debouncer(batches.append, quiet=0.1, longest=0.3)
    started = time.monotonic()
    while time.monotonic() - started < 0.6:
        debouncer.add([Path("modules/a.md")])
        time.sleep(0.02)
    debouncer.stop()
    assert len(batches) >= 1


def test_build_output_has_no_preview_additions(run_cli: RunCli, make_curriculum: MakeCurriculum, tmp_path: Path) -> None:
    root = make_curriculum()
    out = tmp_path / "site"
    assert run_cli("build", str(root), "--out", str(out)).exit_code == 0
    for page in out.rglob("*.html"):
        text = page.read_text("utf-8")
        assert "livereload" not in text and overlay.OVERLAY_ID not in text and "__iopcurr" not in text
