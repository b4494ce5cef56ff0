from __future__ import annotations

from pathlib import Path

import pytest

from iopcurr.errors import IopError
from iopcurr.model import OutputFile
from iopcurr.write import MARKER, read_manifest, write_site


def files(**content: str) -> list[OutputFile]:
    return [OutputFile(k.replace("__", "/"), v.encode()) for k, v in content.items()]


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
    # The stage writes in a thread of its own; an error there still stops the build, names the
    # file, and leaves the previous site as it was, with no stage behind.
    src, out = tmp_path / "src", tmp_path / "site"
    src.mkdir()
    write_site(out, src, files(index_html="old"))
    with pytest.raises(IopError, match=r"cannot write the site: .*notes"):
        write_site(out, src, files(notes="a file", notes__inside_html="needs notes/ to be a folder", z="1"))
    assert (out / "index_html").read_text() == "old" and read_manifest(out) == {"index_html"}
    assert not list(tmp_path.glob(".site.iopcurr-*"))


def test_many_files_all_arrive(tmp_path: Path) -> None:
    # More files than the writer lets wait, in nested folders: every one is on disk after commit.
    src, out = tmp_path / "src", tmp_path / "site"
    src.mkdir()
    many = [OutputFile(f"d{i % 7}/e{i % 3}/f{i}.html", str(i).encode() * (i % 50)) for i in range(300)]
    written = write_site(out, src, many)
    assert len(written) == 300
    assert all((out / f.path).read_bytes() == f.content for f in many)
