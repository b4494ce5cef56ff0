"""The conversion cache: a cached build is byte-identical to a cold one, changes invalidate what
they must, and a damaged cache is never trusted."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import BUNDLED, MakeCurriculum, module_text

from iopcurr.output.cache import CACHE_DIR, TAG, ParseCache, checksum, is_cache_folder, load_secret, secret_path
from iopcurr.pipeline import BuildResult, Settings, build, read
from iopcurr.render.pages import default_theme_dir
from iopcurr.source import codec, convert, parsed
from iopcurr.source.markup import Converter
from iopcurr.source.parsed import Parsed, graded, parse_source

MODULES = {"alpha": module_text("alpha"), "beta": module_text("beta"), "gamma": module_text("gamma")}


def site_bytes(out: Path) -> dict[str, bytes]:
    """Every file of a built site except the cache."""
    return {p.relative_to(out).as_posix(): p.read_bytes() for p in sorted(out.rglob("*"))
            if p.is_file() and CACHE_DIR not in p.relative_to(out).parts}


def entries(out: Path) -> list[Path]:
    return sorted((out / CACHE_DIR / "parsed").glob("*.json"))


def converted(result: BuildResult) -> int:
    assert result.ok, [p.format() for p in result.problems]
    assert result.stats is not None
    return result.stats.converted


def test_second_build_converts_nothing_and_writes_the_same_bytes(make_curriculum: MakeCurriculum, tmp_path: Path) -> None:
    root = make_curriculum(MODULES)
    out = tmp_path / "site"
    assert converted(build(root, out)) == 4  # three modules and the authoring guide
    first = site_bytes(out)
    assert len(entries(out)) == 4 and is_cache_folder(out / CACHE_DIR)
    assert converted(build(root, out)) == 0
    assert site_bytes(out) == first


def test_editing_one_module_converts_only_that_module(make_curriculum: MakeCurriculum, tmp_path: Path) -> None:
    root = make_curriculum(MODULES)
    out = tmp_path / "site"
    build(root, out)
    path = root / "modules" / "beta.md"
    path.write_text(path.read_text("utf-8").replace("You can do this.", "You can do this today."), "utf-8")
    assert converted(build(root, out)) == 1
    assert "You can do this today." in (out / "handouts" / "beta-sheet.html").read_text("utf-8")
    assert len(entries(out)) == 4  # the entry of the old text is pruned


def test_cached_and_parallel_builds_are_byte_identical_to_a_cold_one(bundled_copy: Path, tmp_path: Path,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    cold = tmp_path / "cold"
    monkeypatch.setenv("IOPCURR_JOBS", "1")
    assert converted(build(bundled_copy, cold)) == len(read(bundled_copy).files)
    parallel = tmp_path / "parallel"
    monkeypatch.setenv("IOPCURR_JOBS", "2")
    result = build(bundled_copy, parallel)
    assert result.stats is not None and result.stats.workers == 2
    assert site_bytes(parallel) == site_bytes(cold)
    assert converted(build(bundled_copy, parallel)) == 0
    assert site_bytes(parallel) == site_bytes(cold)
    assert {p.name for p in entries(parallel)} == {p.name for p in entries(cold)}


def test_program_yml_change_converts_nothing_and_matches_a_cold_build(make_curriculum: MakeCurriculum, tmp_path: Path) -> None:
    root = make_curriculum(MODULES)
    out = tmp_path / "site"
    build(root, out)
    (root / "program.yml").write_text("title: Renamed Program\norganization: Test Clinic\nlanguage: en\n", "utf-8")
    assert converted(build(root, out)) == 0
    assert "Renamed Program" in (out / "index.html").read_text("utf-8")
    cold = tmp_path / "cold"
    build(root, cold)
    assert site_bytes(out) == site_bytes(cold)


def test_template_change_converts_nothing_and_shows(make_curriculum: MakeCurriculum, tmp_path: Path) -> None:
    root = make_curriculum(MODULES, program="title: T\ntheme:\n  override: theme\n")
    (root / "theme" / "templates").mkdir(parents=True)
    out = tmp_path / "site"
    build(root, out)
    (root / "theme" / "templates" / "page.html").write_text(
        '{% extends "base.html" %}{% block main %}<p>OVERRIDDEN PAGE</p>{% endblock %}', "utf-8")
    assert converted(build(root, out)) == 0
    assert "OVERRIDDEN PAGE" in (out / "pages" / "authoring-guide.html").read_text("utf-8")


@pytest.mark.parametrize("what", ["version", "extensions"])
def test_new_version_or_markdown_settings_invalidate_every_entry(
    make_curriculum: MakeCurriculum, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, what: str
) -> None:
    root = make_curriculum(MODULES)
    out = tmp_path / "site"
    build(root, out)
    before = site_bytes(out)
    if what == "version":
        monkeypatch.setattr(parsed, "__version__", "99.0")
    else:
        settings = parsed.extension_settings()
        monkeypatch.setattr(parsed, "extension_settings", lambda: {**settings, "extensions": ["tables"]})
    parsed.code_fingerprint.cache_clear()
    try:
        assert converted(build(root, out)) == 4
    finally:
        parsed.code_fingerprint.cache_clear()
    assert site_bytes(out) == before
    assert len(entries(out)) == 4  # the old entries are pruned


def test_code_fingerprint_follows_the_extension_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    before = parsed.code_fingerprint()
    monkeypatch.setattr(parsed, "extension_settings", lambda: {"extensions": ["something else"]})
    parsed.code_fingerprint.cache_clear()
    try:
        assert parsed.code_fingerprint() != before
    finally:
        parsed.code_fingerprint.cache_clear()


def _corrupt(path: Path, how: str) -> None:
    data = path.read_bytes()
    head, _, body = data.partition(b"\n")
    if how == "truncated":
        path.write_bytes(data[: len(data) // 2])
    elif how == "flipped":
        i = len(head) + 1 + len(body) // 2
        path.write_bytes(data[:i] + bytes([data[i] ^ 0x20]) + data[i + 1 :])
    elif how == "garbage":
        path.write_bytes(b"\x00\xff not json at all")
    elif how == "wrong-shape":  # a valid checksum over JSON of another shape
        fake = b'[["module","alpha","x",null,null,[]],[]]'
        key = path.stem
        path.write_bytes(f"{key} {checksum(load_secret(), key, fake)}\n".encode() + fake)
    elif how == "other-key":  # an entry moved under another file's name
        path.write_bytes(data.replace(head[:8], b"00000000", 1))


@pytest.mark.parametrize("how", ["truncated", "flipped", "garbage", "wrong-shape", "other-key"])
def test_corrupt_entries_are_ignored_and_rebuilt(make_curriculum: MakeCurriculum, tmp_path: Path, how: str) -> None:
    root = make_curriculum(MODULES)
    out = tmp_path / "site"
    build(root, out)
    before = site_bytes(out)
    for path in entries(out)[:2]:
        _corrupt(path, how)
    assert converted(build(root, out)) == 2
    assert site_bytes(out) == before
    assert converted(build(root, out)) == 0  # rewritten


def test_cache_is_safe_to_delete(make_curriculum: MakeCurriculum, tmp_path: Path) -> None:
    root = make_curriculum(MODULES)
    out = tmp_path / "site"
    build(root, out)
    before = site_bytes(out)
    shutil.rmtree(out / CACHE_DIR)
    assert converted(build(root, out)) == 4
    assert site_bytes(out) == before


def test_failed_build_writes_no_cache_and_no_folder(make_curriculum: MakeCurriculum, tmp_path: Path) -> None:
    root = make_curriculum({"alpha": module_text("alpha").replace("::: script", "::: scrpt")})
    out = tmp_path / "site"
    assert not build(root, out).ok
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cur"]


def test_output_folder_holding_only_a_cache_is_ours(make_curriculum: MakeCurriculum, tmp_path: Path) -> None:
    root = make_curriculum(MODULES)
    out = tmp_path / "site"
    (out / CACHE_DIR).mkdir(parents=True)
    (out / CACHE_DIR / "CACHEDIR.TAG").write_text(TAG, "utf-8")
    assert build(root, out).ok
    foreign = tmp_path / "foreign"
    (foreign / CACHE_DIR).mkdir(parents=True)  # the same name without our tag: not ours
    from iopcurr.errors import IopError

    with pytest.raises(IopError):
        build(root, foreign)


def test_parsed_values_round_trip_through_json() -> None:
    converter = Converter()
    for src in read(BUNDLED).files[:6]:
        entry = graded(parse_source(src, converter))
        assert codec.loads(codec.dumps(entry), Parsed) == entry


@pytest.mark.parametrize("data", [
    '["module","a","p",null,null]',  # a field missing
    '["module","a","p",null,null,[],7]',  # a field too many
    '["module",1,"p",null,null,[]]',  # wrong type
    '["module","a","p",null,null,[["p",1,"m","IOP001","fatal","",null]]]',  # severity not allowed
    '{"kind":"module"}',
])
def test_decoding_checks_every_field(data: str) -> None:
    with pytest.raises(codec.DecodeError):
        codec.loads(data, Parsed)


def test_pool_and_process_give_the_same_results(make_curriculum: MakeCurriculum, monkeypatch: pytest.MonkeyPatch) -> None:
    root = make_curriculum({f"m{i}": module_text(f"m{i}") for i in range(6)})
    files = read(root).files
    alone, stats_alone = convert.parse_all(files, jobs=1)
    monkeypatch.setattr(convert, "POOL_MIN", 2)
    pooled, stats_pool = convert.parse_all(files, jobs=2)
    assert stats_alone.workers == 1 and stats_pool.workers == 2
    assert pooled == alone


def test_cache_put_never_fails_a_build(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder", "utf-8")
    cache = ParseCache(blocker / "cache")
    cache.put("0" * 64, "[]")  # cannot create the folder: ignored
    assert cache.get("0" * 64) is None


def test_rebuild_after_an_edit_needs_no_new_reading_grades(make_curriculum: MakeCurriculum, tmp_path: Path,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    import textstat

    root = make_curriculum(MODULES)
    out = tmp_path / "site"
    build(root, out)
    path = root / "modules" / "beta.md"
    path.write_text(path.read_text("utf-8").replace("Overview for the facilitator.", "A new overview."), "utf-8")

    def no_textstat(text: str) -> float:
        raise AssertionError("textstat was asked again")

    monkeypatch.setattr(textstat, "flesch_kincaid_grade", no_textstat)
    monkeypatch.setattr(textstat, "smog_index", no_textstat)
    assert converted(build(root, out)) == 1


def test_fingerprint_covers_every_module_that_reading_a_file_imports() -> None:
    import subprocess
    import sys

    code = "import sys, iopcurr.source.parsed; print(' '.join(m for m in sys.modules if m.startswith('iopcurr.')))"
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                            cwd=Path(__file__).resolve().parent.parent).stdout.split()
    names = {".".join(p.relative_to(parsed.PACKAGE.parent).with_suffix("").parts) for p in parsed.PACKAGE.rglob("*.py")}
    assert set(loaded) <= {name.removesuffix(".__init__") for name in names}
    assert "iopcurr.source.markup" in loaded


@pytest.mark.parametrize("change", ["deleted page", "edited page", "template", "asset", "option", "module"])
def test_every_build_renders_and_repairs_the_output(make_curriculum: MakeCurriculum, tmp_path: Path,
                                                      change: str) -> None:
    root = make_curriculum(MODULES, program="title: T\ntheme:\n  override: theme\n")
    (root / "theme" / "templates").mkdir(parents=True)
    (root / "assets").mkdir()
    (root / "assets" / "note.txt").write_text("one", "utf-8")
    out = tmp_path / "site"
    build(root, out)
    cold = site_bytes(out)
    settings = Settings()
    if change == "deleted page":
        (out / "facilitator" / "alpha.html").unlink()
    elif change == "edited page":
        page = out / "facilitator" / "alpha.html"
        page.write_bytes(page.read_bytes().replace(b"Alpha", b"Omega"))
    elif change == "template":
        (root / "theme" / "templates" / "page.html").write_text(
            '{% extends "base.html" %}{% block main %}<p>NEW</p>{% endblock %}', "utf-8")
    elif change == "asset":
        (root / "assets" / "note.txt").write_text("two", "utf-8")
    elif change == "option":
        settings = Settings(strict=True)
    else:
        path = root / "modules" / "beta.md"
        path.write_text(path.read_text("utf-8").replace("Overview", "An overview"), "utf-8")
    result = build(root, out, settings)
    assert result.ok
    if change in ("deleted page", "edited page", "option"):
        assert site_bytes(out) == cold  # put back as it was built
    else:
        assert site_bytes(out) != cold


# ---------------------------------------------------------------- a planted entry


def _plant(entry: Path, checksum_of: Callable[[str, bytes], str]) -> None:
    """Put a script into an entry's HTML and give it a checksum as an attacker can compute it."""
    body = entry.read_bytes().partition(b"\n")[2]
    assert b"You can do this." in body
    body = body.replace(b"You can do this.", b"You can do this.<script>alert(1)</script><img src=x onerror=alert(2)>")
    entry.write_bytes(f"{entry.stem} {checksum_of(entry.stem, body)}\n".encode() + body)


@pytest.mark.parametrize("how", ["plain sha256", "another secret"])
def test_a_planted_entry_puts_no_unsanitized_html_into_the_site(
    make_curriculum: MakeCurriculum, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, how: str
) -> None:
    import hashlib

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "home-cache"))
    root = make_curriculum(MODULES)
    out = tmp_path / "site"
    build(root, out)
    before = site_bytes(out)
    forge: Callable[[str, bytes], str] = (
        (lambda key, body: hashlib.sha256(body).hexdigest()) if how == "plain sha256"
        else (lambda key, body: checksum(b"x" * 64, key, body)))
    for entry in entries(out):
        if b"You can do this." in entry.read_bytes():
            _plant(entry, forge)
    (root / "program.yml").write_text("title: Renamed\n", "utf-8")  # every page rendered again, modules reused
    result = build(root, out)
    assert converted(result) == 3  # every planted entry was refused, and converted again
    after = site_bytes(out)
    assert not any(b"alert(" in content for content in after.values())
    assert after.keys() == before.keys()


def test_the_cache_key_is_kept_outside_the_site_and_private(
    make_curriculum: MakeCurriculum, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "home-cache"))
    assert secret_path() == tmp_path / "home-cache" / "iopcurr" / "cache-key"
    build(make_curriculum(MODULES), tmp_path / "site")
    key = secret_path()
    assert len(key.read_bytes()) == 64 and key.stat().st_mode & 0o077 == 0
    assert load_secret() == key.read_bytes()
    # a second build uses the same key: its entries are found
    assert converted(build(make_curriculum(MODULES, name="cur2"), tmp_path / "site2")) == 4  # (and the guide)
    assert converted(build(tmp_path / "cur2", tmp_path / "site2")) == 0


def test_without_a_place_for_the_key_the_cache_only_misses(
    make_curriculum: MakeCurriculum, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocked = tmp_path / "file-not-folder"
    blocked.write_text("")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocked))
    root = make_curriculum(MODULES)
    assert build(root, tmp_path / "site").ok
    assert converted(build(root, tmp_path / "site")) == 4  # every entry of the last build is refused
    assert load_secret() != load_secret()  # a key per process


def test_templates_are_compiled_once_until_their_source_changes(
        make_curriculum: MakeCurriculum, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import jinja2

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "home-cache"))
    compiled: list[str | None] = []
    real = jinja2.Environment.compile

    def counting(self: jinja2.Environment, source: str, name: str | None = None,
                 filename: str | None = None, raw: bool = False, defer_init: bool = False) -> object:
        compiled.append(name)
        return real(self, source, name, filename, raw, defer_init)  # type: ignore[call-overload]

    monkeypatch.setattr(jinja2.Environment, "compile", counting)
    root = make_curriculum(MODULES, program="title: T\ntheme:\n  override: mytheme\n")
    (root / "mytheme" / "templates").mkdir(parents=True)
    first = build(root, tmp_path / "a")
    assert first.ok and "module.html" in compiled and "base.html" in compiled
    compiled.clear()
    assert build(root, tmp_path / "b").ok and compiled == []  # every template from the cache
    assert site_bytes(tmp_path / "a") == site_bytes(tmp_path / "b")
    original = (default_theme_dir() / "templates" / "module.html").read_text("utf-8")
    (root / "mytheme" / "templates" / "module.html").write_text("{# ours #}" + original, "utf-8")
    compiled.clear()
    assert build(root, tmp_path / "c").ok and compiled == ["module.html"]  # only the changed one


def test_sandboxed_and_plain_templates_are_kept_apart_and_the_cache_is_optional(
        make_curriculum: MakeCurriculum, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "home-cache"))
    root = make_curriculum(MODULES)
    (root / "mytheme").mkdir()
    program = (root / "program.yml").read_text("utf-8")
    (root / "program.yml").write_text(program + "theme:\n  override: mytheme\n", "utf-8")
    assert build(root, tmp_path / "s1").ok
    (root / "program.yml").write_text(program, "utf-8")
    assert build(root, tmp_path / "p1").ok  # (sandboxed bytecode would fail in a plain environment)
    (root / "program.yml").write_text(program + "theme:\n  override: mytheme\n", "utf-8")
    assert build(root, tmp_path / "s2").ok
    (root / "program.yml").write_text(program, "utf-8")
    names = {p.name.split("-")[0] for p in (tmp_path / "home-cache" / "iopcurr" / "templates").iterdir()}
    assert names == {"plain", "sandboxed"}
    (tmp_path / "file").write_text("not a folder", "utf-8")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "file"))  # nowhere to keep them: still builds
    assert build(root, tmp_path / "p2").ok
    assert site_bytes(tmp_path / "p1") == site_bytes(tmp_path / "p2")
