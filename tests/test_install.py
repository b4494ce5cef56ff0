"""A non-editable install works from any directory: theme, scaffold and guide ship in the wheel.

The test installs the wheel into a fresh virtual environment of its own. That environment sees
the dependencies already installed for the running interpreter (markdown, jinja2, ...), whether
the tests run in a venv, outside one, or in CI, through a `.pth` file that lists the running
interpreter's site-packages folders after the new environment's own; so nothing is downloaded,
and the wheel's `iopcurr` (in the new environment's own site-packages) comes first.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest
from conftest import REPO


def _clean_env() -> dict[str, str]:
    """The environment without PYTHONPATH and the running venv, so the checkout cannot leak in."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV", "PYTHONHOME")}
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    return env


def _site_folders() -> list[str]:
    """The running interpreter's site-packages folders (a venv's own, and the base's when it sees them)."""
    found = [p for p in sys.path if Path(p).name in ("site-packages", "dist-packages") and Path(p).is_dir()]
    for key in ("purelib", "platlib"):
        path = sysconfig.get_paths()[key]
        if path not in found and Path(path).is_dir():
            found.append(path)
    return found


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(out), str(REPO)],
        check=True,
        cwd=out,
        env=_clean_env(),
    )
    (path,) = out.glob("iopcurr-*.whl")
    return path


def test_wheel_contains_theme_scaffold_and_guide(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    for required in (
        "iopcurr/themes/default/templates/base.html",
        "iopcurr/themes/default/static/iopcurr.css",
        "iopcurr/scaffold/program.yml",
        "iopcurr/scaffold/modules/welcome.md",
        "iopcurr/docs/authoring-guide.md",
        "iopcurr/py.typed",
        "iopcurr/preview/preview.js",
        "iopcurr/preview/overlay.css",
        "iopcurr/curriculum/program.yml",  # for `library: [iopcurr:curriculum]`
        "iopcurr/curriculum/modules/orientation.md",
        "iopcurr/curriculum/pages/group-agreements.md",
    ):
        assert required in names


def test_installed_wheel_runs_new_and_build_outside_the_repo(wheel: Path, tmp_path: Path) -> None:
    venv = tmp_path / "venv"
    env = _clean_env()
    # sys.executable, not the base interpreter: in a venv, `--system-site-packages` would see the
    # base's packages, which lack our dependencies; the .pth below sees the running ones.
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, env=env)
    py = venv / "bin" / "python"
    purelib = subprocess.run([str(py), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                             capture_output=True, text=True, check=True, env=env).stdout.strip()
    (Path(purelib) / "zz-running-interpreter.pth").write_text("\n".join(_site_folders()) + "\n", "utf-8")
    subprocess.run([str(py), "-m", "pip", "install", "-q", "--no-deps", "--force-reinstall", str(wheel)],
                   check=True, env=env)
    where = subprocess.run([str(py), "-c", "import iopcurr, markdown; print(iopcurr.__file__)"], cwd=tmp_path,
                           capture_output=True, text=True, check=True, env=env).stdout
    assert str(venv) in where  # the wheel, not the checkout
    exe = venv / "bin" / "iopcurr"
    subprocess.run([str(exe), "new", "x"], cwd=tmp_path, check=True, env=env)
    result = subprocess.run([str(exe), "build", "x", "--out", "x-site", "--strict"], cwd=tmp_path,
                            capture_output=True, text=True, env=env)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "x-site" / "facilitator" / "welcome.html").exists()
    assert (tmp_path / "x-site" / "pages" / "authoring-guide.html").exists()
    # the bundled curriculum, from inside the installed package, as a library
    program = tmp_path / "x" / "program.yml"
    program.write_text(program.read_text("utf-8") + '\nlibrary: ["iopcurr:curriculum"]\n', "utf-8")
    result = subprocess.run([str(exe), "build", "x", "--out", "y-site"], cwd=tmp_path,
                            capture_output=True, text=True, env=env)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "y-site" / "facilitator" / "orientation.html").exists()


def test_wheel_metadata_is_ready_to_publish(wheel: Path) -> None:
    (name,) = [n for n in zipfile.ZipFile(wheel).namelist() if n.endswith(".dist-info/METADATA")]
    meta = zipfile.ZipFile(wheel).read(name).decode("utf-8")
    for field in ("Requires-Python: >=3.11", "License-Expression: MIT", "Author: The iopcurr authors",
                  "Project-URL: Source, ", "Classifier: Programming Language :: Python :: 3.11", "Keywords: ",
                  "Provides-Extra: pdf", "Description-Content-Type: text/markdown"):
        assert field in meta, field


@pytest.mark.parametrize(("tool", "reason"), [
    ("/nowhere/chromium", "needs Chromium: apt-get install chromium"),
    ("/nowhere/java", "needs Java: apt-get install default-jre-headless"),
    ("/nowhere/pdftotext", "needs poppler: apt-get install poppler-utils"),
    ("/nowhere/node_modules/vnu-jar/build/dist/vnu.jar", "needs the npm tools: npm ci"),
])
def test_a_skip_names_the_command_that_enables_it_and_fails_under_ci(
    tool: str, reason: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    import conftest

    monkeypatch.setattr(conftest, "CI", False)
    with pytest.raises(pytest.skip.Exception, match=f"^{re.escape(reason)}$"):
        conftest.need_tool(tool)
    monkeypatch.setattr(conftest, "CI", True)
    with pytest.raises(pytest.fail.Exception, match=f"^{re.escape(reason)} \\(CI=true: required, not skipped\\)$"):
        conftest.need_tool(tool)
