"""Output safety: a build never writes into its source, and a build killed at any point leaves the
previous site as it was. Determinism: the same input gives byte-identical output."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from click.testing import Result
from conftest import BUNDLED, REPO, MakeCurriculum, module_text

from iopcurr.output.cache import CACHE_DIR
from iopcurr.pipeline import build

RunCli = Callable[..., Result]


def snapshot(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


# ---------------------------------------------------------------- output folder and source


@pytest.mark.parametrize("where", ["same", "inside", "contains", "link-inside"])
def test_build_refuses_an_output_folder_overlapping_the_source(
    where: str, make_curriculum: MakeCurriculum, run_cli: RunCli, tmp_path: Path
) -> None:
    src = make_curriculum()
    out = {"same": src, "inside": src / "site", "contains": tmp_path, "link-inside": tmp_path / "site"}[where]
    if where == "link-inside":
        (src / "built").mkdir()
        out.symlink_to(src / "built")
    before = snapshot(tmp_path)
    result = run_cli("build", str(src), "--out", str(out))
    assert result.exit_code == 2
    assert "overlap" in result.stderr and "Traceback" not in result.output
    assert snapshot(tmp_path) == before


# ---------------------------------------------------------------- a build killed mid-way

# Runs a build in a child process that stops (for ever) at one point of writing, after telling
# the test where it is; the test then kills it with SIGKILL, as a power cut or `kill -9` would.
_CHILD = """
import sys, time
from pathlib import Path
import iopcurr.output.write as w
from iopcurr.pipeline import build

source, out, ready, where = Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3]), sys.argv[4]

def hang(what):
    ready.with_suffix(".tmp").write_text(what)
    ready.with_suffix(".tmp").replace(ready)  # appears whole
    time.sleep(120)

if where == "staging":
    real_add = w.Stage.add
    count = [0]
    def add(self, f):
        real_add(self, f)
        count[0] += 1
        if count[0] == 5:
            hang("staging")
    w.Stage.add = add
elif where == "cleanup":  # removing the previous build, after the swap, as its marker goes
    import os
    real_exchange, real_unlink, swapped = w._exchange, os.unlink, [False]
    def exchange(a, b):
        swapped[0] = real_exchange(a, b)
        return swapped[0]
    def unlink(path, *args, **kwargs):
        real_unlink(path, *args, **kwargs)
        if swapped[0] and str(path).endswith(w.MARKER):
            hang("cleanup")
    w._exchange = exchange
    os.unlink = unlink
    Path.unlink = lambda self, missing_ok=False: unlink(str(self))
else:  # between the two renames of a swap without RENAME_EXCHANGE
    w._exchange = lambda a, b: False
    real_rename = Path.rename
    def rename(self, target):
        moved = real_rename(self, target)
        if ".iopcurr-old-" in str(target):
            hang("swap")
        return moved
    Path.rename = rename
build(source, out)
"""


@contextmanager
def _hung_build(source: Path, out: Path, where: str, tmp_path: Path) -> Iterator[None]:
    """A build in another process, stopped at `where` while the block runs, then killed."""
    ready = tmp_path / f"ready-{where}"
    env = dict(os.environ, PYTHONPATH=str(REPO))
    child = subprocess.Popen([sys.executable, "-c", _CHILD, str(source), str(out), str(ready), where],
                             cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 120
        while not ready.exists():
            assert child.poll() is None, child.communicate()
            assert time.monotonic() < deadline, "the child build never reached the point to kill it at"
            time.sleep(0.05)
        assert ready.read_text() == where
        yield
    finally:
        child.kill()
        child.wait()


def _kill_build(source: Path, out: Path, where: str, tmp_path: Path) -> None:
    with _hung_build(source, out, where, tmp_path):
        pass


def _two_versions(make_curriculum: MakeCurriculum, tmp_path: Path) -> tuple[Path, Path, dict[str, bytes]]:
    src = make_curriculum(modules={"alpha": module_text("alpha"), "beta": module_text("beta")})
    out = tmp_path / "site"
    assert build(src, out).written
    before = snapshot(out)
    (src / "modules" / "alpha.md").write_text(module_text("alpha", "Alpha Changed"), "utf-8")
    return src, out, before


def test_a_build_killed_while_staging_leaves_the_previous_site(make_curriculum: MakeCurriculum, tmp_path: Path) -> None:
    src, out, before = _two_versions(make_curriculum, tmp_path)
    _kill_build(src, out, "staging", tmp_path)
    assert snapshot(out) == before
    assert list(tmp_path.glob(".site.iopcurr-tmp-*"))  # the half-written stage is left beside it
    # the next build works, and clears what the killed one left
    assert build(src, out).written
    assert "Alpha Changed" in (out / "facilitator" / "alpha.html").read_text("utf-8")
    assert not list(tmp_path.glob(".site.iopcurr-*"))


def test_a_build_killed_while_removing_the_previous_build_is_cleaned_up(
    make_curriculum: MakeCurriculum, tmp_path: Path
) -> None:
    src, out, _ = _two_versions(make_curriculum, tmp_path)
    _kill_build(src, out, "cleanup", tmp_path)
    assert "Alpha Changed" in (out / "facilitator" / "alpha.html").read_text("utf-8")  # the swap happened
    assert list(tmp_path.glob(".site.iopcurr-tmp-*"))  # what was left of the previous build
    assert build(src, out).written
    assert not list(tmp_path.glob(".site.iopcurr-*"))


def test_a_second_build_into_the_same_folder_never_removes_the_first_ones_work(
    make_curriculum: MakeCurriculum, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, run_cli: RunCli
) -> None:
    src, out, before = _two_versions(make_curriculum, tmp_path)
    monkeypatch.setattr("iopcurr.output.write.LOCK_WAIT", 0.5)
    with _hung_build(src, out, "staging", tmp_path):
        stage = next(tmp_path.glob(".site.iopcurr-tmp-*"))
        staged = snapshot(stage)
        result = run_cli("build", str(src), "--out", str(out))
        assert result.exit_code == 1, result.output
        assert "another build (process" in result.stderr and "Traceback" not in result.output
        assert snapshot(stage) == staged  # the running build's work is left alone
        assert snapshot(out) == before
    # once it is gone (killed), the next build takes over and clears what it left
    assert run_cli("build", str(src), "--out", str(out)).exit_code == 0
    assert not list(tmp_path.glob(".site.iopcurr-*"))


def test_a_build_killed_during_a_non_atomic_swap_gets_the_previous_site_back(
    make_curriculum: MakeCurriculum, tmp_path: Path
) -> None:
    src, out, before = _two_versions(make_curriculum, tmp_path)
    _kill_build(src, out, "swap", tmp_path)
    assert not out.exists()  # the one moment a swap without RENAME_EXCHANGE cannot cover
    # the next build, even one that fails, puts the previous site back first
    (src / "modules" / "alpha.md").write_text("---\ntitle: [broken\n---\n", "utf-8")
    assert not build(src, out).ok
    assert snapshot(out) == before
    assert not list(tmp_path.glob(".site.iopcurr-old-*"))


# ---------------------------------------------------------------- determinism


def test_two_builds_are_byte_identical(tmp_path: Path) -> None:
    """The bundled curriculum, copied to two places, built by two processes with different hash
    seeds: every file (pages, handouts, sessions, the ICS calendar, the manifest) is the same."""
    children = []
    for n in (1, 2):
        source = tmp_path / f"copy{n}" / "curriculum"
        shutil.copytree(BUNDLED, source)
        env = dict(os.environ, PYTHONPATH=str(REPO), PYTHONHASHSEED=str(n))
        children.append(subprocess.Popen(
            [sys.executable, "-m", "iopcurr", "build", str(source), "--out", str(tmp_path / f"site{n}")],
            cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE))
    for child in children:
        _, err = child.communicate(timeout=300)
        assert child.returncode == 0, err.decode()
    # The cache is not part of the site: its keys hold the source's path, site.json file times.
    one, two = ({k: v for k, v in snapshot(tmp_path / f"site{n}").items() if not k.startswith(CACHE_DIR + "/")}
                for n in (1, 2))
    assert list(one) == list(two)
    assert [name for name in one if one[name] != two[name]] == []
    assert "schedule.ics" in one and "index.html" in one and len(one) > 50
