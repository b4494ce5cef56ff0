"""Shared fixtures: small curricula written into tmp_path, and a CLI runner."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, NoReturn

import pytest
from click.testing import CliRunner, Result

from iopcurr.cli import cli

REPO = Path(__file__).resolve().parent.parent
BUNDLED = REPO / "curriculum"
CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")

PROGRAM = """\
title: Test Program
organization: Test Clinic
language: en
"""

MODULE = """\
---
title: {title}
summary: A test module.
objectives:
  - Name one thing.
  - Practise one thing.
materials: [Pens]
---

Overview for the facilitator.

## Check-in: current concerns

::: script
"Let's go around the room."
:::

## Topic: the topic

::: discussion
- What do you think?
:::

::: facilitator
SECRET facilitator note for {id}.
:::

## Practice and summary

::: handout {{#{id}-sheet title="Sheet for {title}"}}
You can do this. Write one step.

::: lines {{n=2}}
My step:
:::

:::

::: homework
Try the step.
:::
"""


def module_text(ident: str, title: str | None = None) -> str:
    return MODULE.format(id=ident, title=title or ident.replace("-", " ").title())


MakeCurriculum = Callable[..., Path]


@pytest.fixture
def make_curriculum(tmp_path: Path) -> MakeCurriculum:
    """Write a curriculum: make_curriculum(modules={"a": text}, pages={...}, program="...")."""

    def make(
        modules: dict[str, str] | None = None,
        pages: dict[str, str] | None = None,
        program: str = PROGRAM,
        name: str = "cur",
    ) -> Path:
        root = tmp_path / name
        (root / "modules").mkdir(parents=True)
        (root / "pages").mkdir()
        (root / "program.yml").write_text(program, "utf-8")
        for ident, text in (modules if modules is not None else {"alpha": module_text("alpha")}).items():
            (root / "modules" / f"{ident}.md").write_text(text, "utf-8")
        for ident, text in (pages or {}).items():
            (root / "pages" / f"{ident}.md").write_text(text, "utf-8")
        return root

    return make


@pytest.fixture
def bundled_copy(tmp_path: Path) -> Path:
    """A private copy of the bundled curriculum, safe to edit."""
    target = tmp_path / "bundled"
    shutil.copytree(BUNDLED, target)
    return target


@pytest.fixture
def run_cli() -> Callable[..., Result]:
    def run(*args: str) -> Result:
        return CliRunner().invoke(cli, list(args), catch_exceptions=False)

    return run


# What installs each tool the optional tests use: the one command a skip names (README: "Tests that skip").
APT = "apt-get install"
TOOL_COMMANDS: dict[str, tuple[str, str]] = {
    "chromium": ("Chromium", f"{APT} chromium"),
    "java": ("Java", f"{APT} default-jre-headless"),
    "pdftotext": ("poppler", f"{APT} poppler-utils"),
    "node_modules": ("the npm tools", "npm ci"),
}


def need(what: str, command: str) -> NoReturn:
    """Skip with a one-line reason naming the command that would enable the test; fail under CI=true."""
    reason = f"needs {what}: {command}"
    if CI:
        pytest.fail(f"{reason} (CI=true: required, not skipped)")
    pytest.skip(reason)


def need_weasyprint() -> None:
    """WeasyPrint (the `pdf` extra) and the Pango library it loads; else skip naming the command (fail in CI)."""
    try:
        import weasyprint  # noqa: F401
    except ImportError:
        need("WeasyPrint", "pip install -e '.[pdf]'")
    except OSError:  # WeasyPrint is there, the Pango library it loads is not
        need("Pango for WeasyPrint", "apt-get install libpango-1.0-0 libpangoft2-1.0-0")


def need_tool(path: str) -> str:
    """`path` (a program or a file) if it is there; else skip naming its install command (fail in CI)."""
    if shutil.which(path) or Path(path).exists():
        return path
    key = "node_modules" if "node_modules" in Path(path).parts else Path(path).name
    what, command = TOOL_COMMANDS.get(key, (path, f"{APT} {Path(path).name}"))
    need(what, command)


# ---------------------------------------------------------------- the built bundled site, browsers

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
NODE_MODULES = REPO / "node_modules"  # npm dev tools (package.json): axe-core, vnu-jar, lunr
AXE_JS = NODE_MODULES / "axe-core" / "axe.min.js"


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Debian's Chromium, headless, driven by Playwright (skips without it, fails in CI)."""
    need_tool(CHROMIUM)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture(scope="session")
def bundled_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bundled curriculum, built once per test session. Read it; never change it."""
    from iopcurr.pipeline import build

    out = tmp_path_factory.mktemp("bundled-site") / "site"
    result = build(BUNDLED, out)
    assert result.ok, "\n".join(p.format() for p in result.problems)
    return out


def site_pages(site: Path) -> list[Path]:
    """Every HTML page of a built site, in a stable order (new kinds of pages included)."""
    return sorted(site.rglob("*.html"))
