from __future__ import annotations

import time
from pathlib import Path

import pytest

from iopcurr.errors import IopError
from iopcurr.model import OutputFile
from iopcurr.output.write import CACHE_DIR, MARKER, OutputLock, Stage, read_manifest


def files(**content: str) -> list[OutputFile]:
    return [OutputFile(k.replace("__", "/"), v.encode()) for k, v in content.items()]


def write_site(out: Path, source: Path, outputs: list[OutputFile]) -> None:
    """`outputs` staged and swapped in as `out`, as a build does."""
    stage = Stage(out, source)
    try:
        for f in outputs:
            stage.add(f)
        stage.commit()
    finally:
        stage.discard()


def test_writes_new_folder_with_manifest(tmp_path: Path) -> None:
    src, out = tmp_path / "src", tmp_path / "site"
    src.mkdir()
    write_site(out, src, files(index_html="hi", a__b_html="x"))
    assert (out / "index_html").read_text() == "hi" and (out / "a" / "b_html").exists()
    assert read_manifest(out) == {"index_html", "a/b_html"}


def test_rebuild_replaces_old_files(tmp_path: Path) -> None:
    src, out = tmp_path / "src", tmp_path / "site"
    src.mkdir()
    write_site(out, src, files(old="1", keep="1"))
    write_site(out, src, files(keep="2"))
    assert not (out / "old").exists() and (out / "keep").read_text() == "2"
    assert not list(tmp_path.glob(".site.iopcurr-*"))  # no stage left behind


def test_foreign_folder_is_refused_and_untouched(tmp_path: Path) -> None:
    src, out = tmp_path / "src", tmp_path / "site"
    src.mkdir()
    out.mkdir()
    (out / "thesis.docx").write_text("precious")
    with pytest.raises(IopError, match="was not written by iopcurr"):
        write_site(out, src, files(index_html="x"))
    assert [p.name for p in out.iterdir()] == ["thesis.docx"]


def test_foreign_file_inside_previous_build_is_refused(tmp_path: Path) -> None:
    src, out = tmp_path / "src", tmp_path / "site"
    src.mkdir()
    write_site(out, src, files(index_html="x"))
    (out / "notes.txt").write_text("mine")
    with pytest.raises(IopError, match=r"did not write \(notes.txt\)"):
        write_site(out, src, files(index_html="y"))
    assert (out / "notes.txt").read_text() == "mine" and (out / "index_html").read_text() == "x"


@pytest.mark.parametrize("where", ["same", "inside", "contains"])
def test_output_overlapping_source_is_refused(tmp_path: Path, where: str) -> None:
    src = tmp_path / "cur"
    src.mkdir()
    out = {"same": src, "inside": src / "site", "contains": tmp_path}[where]
    with pytest.raises(IopError, match="overlap"):
        write_site(out, src, files(index_html="x"))


def test_duplicate_output_path_is_refused(tmp_path: Path) -> None:
    src = tmp_path / "src"
    src.mkdir()
    with pytest.raises(IopError, match="same path"):
        write_site(tmp_path / "site", src, [OutputFile("a.html", b"1"), OutputFile("a.html", b"2")])
    assert not (tmp_path / "site").exists()


def test_marker_is_written_and_deterministic(tmp_path: Path) -> None:
    src = tmp_path / "src"
    src.mkdir()
    write_site(tmp_path / "a", src, files(x="1", y="2"))
    write_site(tmp_path / "b", src, files(y="2", x="1"))
    assert (tmp_path / "a" / MARKER).read_bytes() == (tmp_path / "b" / MARKER).read_bytes()


def test_a_file_the_disk_refuses_fails_the_build_and_keeps_the_old_site(tmp_path: Path) -> None:
    # A file the disk refuses stops the build, names the file, and leaves the previous site as
    # it was, with no stage behind.
    src, out = tmp_path / "src", tmp_path / "site"
    src.mkdir()
    write_site(out, src, files(index_html="old"))
    with pytest.raises(IopError, match=r"cannot write the site: .*notes"):
        write_site(out, src, files(notes="a file", notes__inside_html="needs notes/ to be a folder", z="1"))
    assert (out / "index_html").read_text() == "old" and read_manifest(out) == {"index_html"}
    assert not list(tmp_path.glob(".site.iopcurr-*"))


def test_many_files_all_arrive(tmp_path: Path) -> None:
    # Many files in nested folders: every one is on disk after commit.
    src, out = tmp_path / "src", tmp_path / "site"
    src.mkdir()
    many = [OutputFile(f"d{i % 7}/e{i % 3}/f{i}.html", str(i).encode() * (i % 50)) for i in range(300)]
    write_site(out, src, many)
    assert len(read_manifest(out) or ()) == 300
    assert all((out / f.path).read_bytes() == f.content for f in many)


def test_writing_needs_no_thread(tmp_path: Path) -> None:
    # The stage writes each file as it is handed over: nothing runs beside the build.
    import threading

    src, out = tmp_path / "src", tmp_path / "site"
    src.mkdir()
    before = threading.active_count()
    stage = Stage(out, src)
    try:
        stage.add(OutputFile("a/b.html", b"1"))
        assert (stage.folder / "a" / "b.html").read_bytes() == b"1"  # on disk at once
        assert threading.active_count() == before
        stage.commit()
    finally:
        stage.discard()
    assert (out / "a" / "b.html").read_bytes() == b"1"


# ---------------------------------------------------------------- what is not ours is refused


@pytest.mark.parametrize("kind", ["linked folder", "linked file", "empty folder", "empty nested folder"])
def test_links_and_empty_folders_in_a_previous_build_are_refused(tmp_path: Path, kind: str) -> None:
    src, out = tmp_path / "src", tmp_path / "site"
    src.mkdir()
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "precious.txt").write_text("mine")
    write_site(out, src, files(index_html="x", a__b_html="y"))
    name = {"linked folder": "docs", "linked file": "index_html", "empty folder": "drafts",
            "empty nested folder": "a/drafts"}[kind]
    if kind == "linked folder":
        (out / name).symlink_to(elsewhere, target_is_directory=True)
    elif kind == "linked file":
        (out / name).unlink()
        (out / name).symlink_to(elsewhere / "precious.txt")
    else:
        (out / name).mkdir()
    with pytest.raises(IopError, match="did not write") as caught:
        write_site(out, src, files(index_html="new"))
    assert name in caught.value.message
    assert (out / name).exists() or (out / name).is_symlink()
    assert (elsewhere / "precious.txt").read_text() == "mine"
    assert not list(tmp_path.glob(".site.iopcurr-*"))  # no stage, no lock left


# ---------------------------------------------------------------- one build at a time


def test_a_second_build_into_a_locked_folder_waits_then_refuses(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    src, out = tmp_path / "src", tmp_path / "site"
    src.mkdir()
    write_site(out, src, files(index_html="first"))
    held = OutputLock(out)  # as a build running in another process holds it
    monkeypatch.setattr("iopcurr.output.write.LOCK_WAIT", 0.3)
    try:
        started = time.monotonic()
        with pytest.raises(IopError, match=r"another build \(process \d+\) is writing to") as caught:
            OutputLock(out)
        assert time.monotonic() - started >= 0.3
        assert caught.value.exit_code == 1
    finally:
        held.release()
    assert (out / "index_html").read_text() == "first"
    write_site(out, src, files(index_html="second"))  # free again
    assert (out / "index_html").read_text() == "second"
    assert not held.path.exists()


def test_a_build_waits_for_the_one_before_it(tmp_path: Path) -> None:
    import threading

    src, out = tmp_path / "src", tmp_path / "site"
    src.mkdir()
    held = OutputLock(out)
    threading.Timer(0.3, held.release).start()
    write_site(out, src, files(index_html="after"))  # waits (LOCK_WAIT) rather than failing
    assert (out / "index_html").read_text() == "after"


def test_a_stage_left_half_removed_is_cleaned_by_the_next_build(tmp_path: Path) -> None:
    # A build killed while it removed the previous build (after the swap) leaves a stage folder:
    # with its marker (removed last), or empty. The next build removes both, nothing else.
    src, out = tmp_path / "src", tmp_path / "site"
    src.mkdir()
    write_site(out, src, files(index_html="x"))
    half = tmp_path / ".site.iopcurr-tmp-999999"
    (half / "facilitator").mkdir(parents=True)
    (half / "facilitator" / "a.html").write_text("old")
    (half / MARKER).write_text("{}")
    empty = tmp_path / ".site.iopcurr-tmp-999998"
    empty.mkdir()
    someone_elses = tmp_path / ".site.iopcurr-tmp-999997"
    someone_elses.mkdir()
    (someone_elses / "notes.txt").write_text("not ours")
    write_site(out, src, files(index_html="y"))
    assert not half.exists() and not empty.exists()
    assert (someone_elses / "notes.txt").read_text() == "not ours"


def test_a_cache_folder_cut_short_is_not_foreign(tmp_path: Path) -> None:
    # A build killed while it made the cache folder leaves it without its tag, maybe empty.
    src, out = tmp_path / "src", tmp_path / "site"
    src.mkdir()
    write_site(out, src, files(index_html="x"))
    (out / CACHE_DIR / "parsed").mkdir(parents=True)
    write_site(out, src, files(index_html="y"))
    assert (out / "index_html").read_text() == "y"


def test_a_file_system_without_locks_still_builds(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import errno
    import fcntl

    def no_locks(fd: int, operation: int) -> None:
        raise OSError(errno.ENOLCK, "No locks available")

    monkeypatch.setattr(fcntl, "flock", no_locks)
    src, out = tmp_path / "src", tmp_path / "site"
    src.mkdir()
    write_site(out, src, files(index_html="x"))
    assert (out / "index_html").read_text() == "x" and not (tmp_path / ".site.iopcurr-lock").exists()
