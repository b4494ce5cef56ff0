"""A non-editable install works from any directory: theme, scaffold and guide ship in the wheel."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from conftest import REPO


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(out), str(REPO)],
        check=True,
        cwd=out,
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
        "iopcurr/preview.js",
    ):
        assert required in names


def test_installed_wheel_runs_new_and_build_outside_the_repo(wheel: Path, tmp_path: Path) -> None:
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--system-site-packages", str(venv)], check=True)
    py = venv / "bin" / "python"
    subprocess.run([str(py), "-m", "pip", "install", "-q", "--no-deps", "--force-reinstall", str(wheel)], check=True)
    where = subprocess.run([str(py), "-c", "import iopcurr; print(iopcurr.__file__)"], cwd=tmp_path,
                           capture_output=True, text=True, check=True).stdout
    assert str(venv) in where  # the wheel, not the checkout
    exe = venv / "bin" / "iopcurr"
    subprocess.run([str(exe), "new", "x"], cwd=tmp_path, check=True)
    result = subprocess.run([str(exe), "build", "x", "--out", "x-site", "--strict"], cwd=tmp_path,
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "x-site" / "facilitator" / "welcome.html").exists()
    assert (tmp_path / "x-site" / "pages" / "authoring-guide.html").exists()
