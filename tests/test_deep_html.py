"""Raw HTML nested too deeply is a located problem (IOP030) for every output, and the PDFs of a
page that still ends up too deep fail with a clear error, never a RecursionError traceback."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result
from conftest import MakeCurriculum, module_text

from iopcurr.model import OutputFile
from iopcurr.plan.safety import MAX_HTML_DEPTH, scan_html

RunCli = Callable[..., Result]


def _deep(n: int, tag: str = "div") -> str:
    return f"<{tag}>" * n + "deep" + f"</{tag}>" * n


def test_nesting_up_to_the_limit_is_fine_and_one_more_is_an_error() -> None:
    assert not [f for f in scan_html(_deep(MAX_HTML_DEPTH))[0] if f.code == "IOP030"]
    (found,) = [f for f in scan_html(_deep(MAX_HTML_DEPTH + 1))[0] if f.code == "IOP030"]
    assert found.severity == "error" and found.offset == len("<div>") * MAX_HTML_DEPTH and str(MAX_HTML_DEPTH) in found.message


def test_closed_siblings_and_empty_elements_open_no_level() -> None:
    siblings = "<div>" + "<p>x</p><br><img alt='a' src='../assets/a.png'><hr/>" * 500 + "</div>"
    assert not [f for f in scan_html(siblings)[0] if f.code == "IOP030"]
    unclosed_inside = "<div>" + "<p>x" * 10 + "</div>" * 1
    assert not [f for f in scan_html(unclosed_inside * 50)[0] if f.code == "IOP030"]


def _with_body(body: str) -> str:
    return module_text("alpha").replace("Overview for the facilitator.", "Overview.\n\n" + body + "\n")


@pytest.mark.parametrize("pdf", [False, True])
def test_deep_raw_html_is_a_located_problem(pdf: bool, make_curriculum: MakeCurriculum, run_cli: RunCli,
                                            tmp_path: Path) -> None:
    if pdf:
        pytest.importorskip("weasyprint")
    src = make_curriculum(modules={"alpha": _with_body(_deep(150))})
    result = run_cli("build", str(src), "--out", str(tmp_path / "site"), *(["--pdf"] if pdf else []))
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output and "RecursionError" not in result.output
    assert "alpha.md:12:" in result.output and "IOP030" in result.output
    assert not (tmp_path / "site").exists()
    check = run_cli("check", str(src))
    assert check.exit_code == 1 and "IOP030" in check.output


def test_a_page_too_deep_for_the_pdf_renderer_is_a_clear_error() -> None:
    pytest.importorskip("weasyprint")
    from iopcurr.errors import IopError
    from iopcurr.render.pdf import render_pdfs

    page = f"<!doctype html><html><body>{_deep(400, 'span')}</body></html>".encode()
    with pytest.raises(IopError, match=r"cannot make pdf/x\.pdf: the page x\.html nests its HTML too deeply"):
        render_pdfs([OutputFile("x.html", page)], [("x.html", "pdf/x.pdf")], workers=1)
    with pytest.raises(IopError, match="too deeply") as caught:  # the same from a worker process
        render_pdfs([OutputFile("x.html", page), OutputFile("y.html", b"<p>y")],
                    [("x.html", "pdf/x.pdf"), ("y.html", "pdf/y.pdf")], workers=2)
    assert caught.value.exit_code == 1
