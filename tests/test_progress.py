"""The build's progress bar: on a terminal, only for a build that runs long."""

from __future__ import annotations

import io

import pytest

from iopcurr import cli


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_bar_shows_on_a_terminal_once_the_build_runs_long(monkeypatch: pytest.MonkeyPatch) -> None:
    err = Terminal()
    monkeypatch.setattr(cli.sys, "stderr", err)
    bar = cli._ProgressBar("Converting Markdown", delay=0.0)
    for done in range(1, 201, 20):
        bar(done, 200)
    bar(200, 200)
    bar.close()
    assert "Converting Markdown" in err.getvalue() and "100%" in err.getvalue()


def test_no_progress_bar_off_a_terminal_or_for_a_quick_build(monkeypatch: pytest.MonkeyPatch) -> None:
    err = io.StringIO()
    monkeypatch.setattr(cli.sys, "stderr", err)
    bar = cli._ProgressBar("Converting Markdown", delay=0.0)
    bar(1, 200)
    bar.close()
    terminal = Terminal()
    monkeypatch.setattr(cli.sys, "stderr", terminal)
    quick = cli._ProgressBar("Converting Markdown", delay=60.0)
    quick(1, 200)
    quick.close()
    assert err.getvalue() == "" and terminal.getvalue() == ""
