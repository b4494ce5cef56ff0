"""Property-based tests: whatever an author writes, the answer is problems or a site, never a
traceback, and the site never carries a script the theme did not put there.

The budget is fixed (`max_examples`) so that CI stays fast; in CI the examples are derandomized
(the same every run). Set IOPCURR_FUZZ=<n> to run n examples per test while hunting locally.
"""

from __future__ import annotations

import os
import re
import tempfile
from functools import cache
from pathlib import Path

import yaml
from conftest import CI, PROGRAM, module_text
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from iopcurr.errors import CODES, Problem
from iopcurr.pipeline import run
from iopcurr.plan.schedule import build_schedule
from iopcurr.plan.thirds import plan_module
from iopcurr.source.config import parse_program
from iopcurr.source.loader import MODULE_KEYS, SourceFile, decode_source, parse_module, parse_page
from iopcurr.source.markup import Converter

EXAMPLES = int(os.environ.get("IOPCURR_FUZZ", "0")) or None


def budget(examples: int) -> settings:
    return settings(
        max_examples=EXAMPLES or examples,
        deadline=None,
        derandomize=CI,
        database=None if CI else settings.default.database,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )


CONVERTER = Converter()

# ---------------------------------------------------------------- strategies

scalars = (st.none() | st.booleans() | st.integers(-10**6, 10**6) | st.floats(allow_nan=False)
           | st.text(max_size=30) | st.dates())
yaml_values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=4)
                           | st.dictionaries(st.text(max_size=12), inner, max_size=4), max_leaves=12)
keys = st.sampled_from([*MODULE_KEYS, "titel", "order", "id", "session", "schedule", "tracks"]) | st.text(max_size=12)
structured = st.dictionaries(keys, yaml_values, max_size=8).map(
    lambda d: yaml.safe_dump(d, allow_unicode=True, sort_keys=False))
yaml_like = st.lists(st.sampled_from(["title: T", "- x", "  - y", "a: [1, 2", "b: {c: d}", "&a x", "*a", "? [k]",
                                      ": v", "'", '"', "|", ">", "---", "...", "%YAML 1.1", "!!python/object:os.system",
                                      "key: !!binary AAA", "\t", "x: &x [*x]"])
                     | st.text(max_size=20), max_size=12).map("\n".join)
front_matter = structured | yaml_like

PIECES = [
    "::: script", "::: discussion", "::: roleplay {title=\"Offer\"}", "::: facilitator", "::: homework",
    "::: handout {#sheet title=\"Sheet\"}", "::: handout", "::: handout {#Bad_ID title=x}", "::: lines {n=3}",
    "::: lines {n=999}", "::: scale {from=0 to=10 low=\"Calm\" high=\"Angry\"}", "::: scale {from=9 to=2}",
    "::: grid {columns=\"Day | What\" rows=2}", "::: grid {labels=\"Mon | Tue\"}", "::: {.script}", "::: nope",
    "::: script {unknown=1 #x .y}", "::: script {", ":::", "::::", "## Check-in {minutes=20}", "## Topic",
    "## Practice {third=3 minutes=x}", "## {minutes=5}", "## Odd {third=9 #same}", "## Odd {#same}", "### Sub",
    "#### Deep", "# Top", "- item", "- [ ] task", "- [x] done", "  - nested", "1. one", "> quote", ">> deeper",
    "```", "~~~", "    code", "| a | b |", "|---|---|", "| 1 | 2 |", "Term", ": definition", "*[IOP]: Intensive",
    "<script>alert(1)</script>", "<b onclick=\"x()\">b</b>", "<img src=x onerror=alert(1)>", "<img src=\"a.png\">",
    "[js](javascript:alert(1))", "[e](&#106;avascript:alert(1))", "<a href=\"JAVASCRIPT:x\">a</a>", "<iframe src=x>",
    "<!--iop:seg:0-->", "<!--iop:handout:sheet-->", "<div>", "</div>", "<![CDATA[x]]>", "<!x", "<?php ?>",
    "[m](other.md#part)", "[p](../pages/p.md)", "[a](#anchor)", "[o](../../out.md)", "![i](../assets/x.png)",
    "![](../assets/y.png)", "![r](https://example.org/x.png)", "[ref]: other.md", "[x][ref]", "<https://x.org>",
    "<me@example.org>", "{{ 7 * 7 }}", "{% if x %}", "\\", "*", "_", "`", "[", "]", "(", ")", "&", "<", ">", "",
]
lines = st.lists(st.sampled_from(PIECES) | st.text(max_size=25), max_size=40)
bodies = lines.map("\n".join)


def assert_problems_only(problems: list[Problem] | tuple[Problem, ...]) -> None:
    for p in problems:
        assert p.code in CODES, p
        assert p.severity in ("error", "warning")
        assert p.line is None or p.line >= 1


SCRIPT = re.compile(r"<script\b[^>]*>", re.IGNORECASE)
HANDLER = re.compile(r"<[a-z][^>]*\son[a-z]+\s*=[^>]*>", re.IGNORECASE)


SCRIPT_URL = re.compile(r"<[a-z][^>]*=\s*[\"']?\s*(?:java|vb)script:[^>]*>", re.IGNORECASE)


def dangerous(html: str) -> list[str]:
    """Script tags, event handlers and script URLs: tags that would run something."""
    return SCRIPT.findall(html) + HANDLER.findall(html) + SCRIPT_URL.findall(html)


def assert_clean_html(html: str) -> None:
    """Converted content (before the theme wraps it) holds no script at all."""
    assert not dangerous(html), dangerous(html)


@cache
def theme_scripts() -> frozenset[str]:
    """Script tags and handlers the theme itself writes, from a build of a harmless curriculum."""
    with tempfile.TemporaryDirectory() as tmp:
        src = write_curriculum(Path(tmp), {"alpha": module_text("alpha")}, PROGRAM)
        result = run(src)
        assert result.ok and result.files
        return frozenset(tag for f in result.files if f.path.endswith(".html") for tag in dangerous(f.content.decode()))


def write_curriculum(root: Path, modules: dict[str, str | bytes], program: str | bytes) -> Path:
    src = root / "cur"
    (src / "modules").mkdir(parents=True)
    (src / "pages").mkdir()
    (src / "program.yml").write_bytes(program.encode() if isinstance(program, str) else program)
    for ident, text in modules.items():
        (src / "modules" / f"{ident}.md").write_bytes(text.encode() if isinstance(text, str) else text)
    return src


# ---------------------------------------------------------------- properties


@budget(100)
@given(front_matter, bodies)
def test_random_front_matter_and_body_give_problems_not_tracebacks(meta: str, body: str) -> None:
    text = f"---\n{meta}\n---\n\n{body}\n"
    module, problems = parse_module(SourceFile("module", "m", "m.md", text), CONVERTER)
    assert_problems_only(problems)
    page, more = parse_page(SourceFile("page", "p", "p.md", text), CONVERTER)
    assert_problems_only(more)
    for html in (module.overview_html, page.html, *(s.html for s in module.segments),
                 *(s.title_html for s in module.segments), *(h.html for h in module.handouts)):
        assert_clean_html(html)


@budget(150)
@given(bodies)
def test_random_block_nesting_plans_or_reports(body: str) -> None:
    program, _ = parse_program(PROGRAM)
    module, problems = parse_module(SourceFile("module", "m", "m.md", "---\ntitle: T\n---\n" + body), CONVERTER)
    assert_problems_only(problems)
    plan, more = plan_module(module, program)
    assert_problems_only(more)
    if plan is not None:
        assert plan.total == program.session.minutes
    for html in (module.overview_html, *(s.html for s in module.segments), *(h.html for h in module.handouts)):
        assert_clean_html(html)


@budget(150)
@given(st.binary(max_size=3000))
def test_random_bytes_give_problems_not_tracebacks(data: bytes) -> None:
    text, problems = decode_source(data, "m.md")
    assert_problems_only(problems)
    if text is None:
        assert [p.code for p in problems] == ["IOP016"]
        return
    _, more = parse_module(SourceFile("module", "m", "m.md", text), CONVERTER)
    assert_problems_only(more)
    _, more = parse_program(text, "program.yml")
    assert_problems_only(more)


@budget(60)
@given(st.dictionaries(st.sampled_from(["title", "language", "session", "tracks", "schedule", "handouts",
                                        "crisis", "theme", "plan", "disclaimer", "organization"]),
                       yaml_values, max_size=6).map(lambda d: yaml.safe_dump(d, allow_unicode=True)) | yaml_like)
def test_random_program_gives_a_program_and_a_schedule(text: str) -> None:
    program, problems = parse_program(text, "program.yml")
    assert_problems_only(problems)
    module, _ = parse_module(SourceFile("module", "alpha", "alpha.md", module_text("alpha")), CONVERTER)
    _, more = build_schedule(program, (module,))
    assert_problems_only(more)


GUIDE = "---\ntitle: Authoring Guide\n---\n\nA short guide, so that each example builds fast.\n"
FAST = PROGRAM + "schedule:\n  weeks: 1\n  days: [mon]\n"


@budget(12)
@given(front_matter, bodies, st.binary(max_size=300), st.one_of(st.just(FAST), yaml_like))
def test_random_curricula_build_or_report_and_never_carry_a_script(meta: str, body: str, data: bytes,
                                                                     program: str) -> None:
    allowed = theme_scripts()
    with tempfile.TemporaryDirectory() as tmp:
        modules: dict[str, str | bytes] = {
            "alpha": module_text("alpha"),
            "beta": f"---\n{meta}\n---\n\n{body}\n",
            "gamma": module_text("gamma").replace("You can do this.", body),
            "delta": data,
        }
        src = write_curriculum(Path(tmp), modules, program)
        (src / "pages" / "authoring-guide.md").write_text(GUIDE, "utf-8")
        result = run(src)
        assert_problems_only(result.problems)
        for f in result.files:
            if f.path.endswith(".html"):
                extra = [tag for tag in dangerous(f.content.decode()) if tag not in allowed]
                assert not extra, (f.path, extra)


RAW_HTML = st.lists(st.sampled_from([
    "<script>alert(1)</script>", "<SCRIPT>x</SCRIPT>", "<scr<script>ipt>alert(1)</script>", "<b onclick=x()>b</b>",
    "<img src=\"../assets/x.png\" alt=\"x\" onerror=\"y()\">", "<a href=\"JavaScript:y\">a</a>",
    "<a href=\"&#106;avascript:z\">b</a>", "<a href=\" java\tscript:z\">c</a>", "[j](javascript:x)",
    "<div onmouseover='x'>d</div>", "<iframe src=x></iframe>", "<svg onload=x>", "<math><mi xlink:href=javascript:x>",
    "<style>body{}</style>", "<object data=x>", "<embed src=x>", "<form action=javascript:x>", "<base href=x>",
    "<meta http-equiv=refresh>", "<link rel=import>", "<!-- <script> -->", "<![CDATA[<script>]]>", "<p>", "</p>",
    "text", "`<script>`", "    <script>in code</script>", "",
]), min_size=1, max_size=12).map("\n\n".join)


@budget(8)
@given(RAW_HTML)
def test_a_site_with_unsafe_html_builds_without_it(raw: str) -> None:
    """Unsafe HTML is a warning: the site is written, and the sanitizer has taken it all out."""
    allowed = theme_scripts()
    with tempfile.TemporaryDirectory() as tmp:
        gamma = module_text("gamma").replace("Overview for the facilitator.", raw)
        src = write_curriculum(Path(tmp), {"alpha": module_text("alpha"), "gamma": gamma}, FAST)
        (src / "pages" / "authoring-guide.md").write_text(GUIDE, "utf-8")
        (src / "assets").mkdir()
        (src / "assets" / "x.png").write_bytes(b"\x89PNG\r\n\x1a\n")
        result = run(src)
        assert_problems_only(result.problems)
        assert result.ok, [p.format() for p in result.problems]
        pages = [f for f in result.files if f.path.endswith(".html")]
        assert pages
        for f in pages:
            extra = [tag for tag in dangerous(f.content.decode()) if tag not in allowed]
            assert not extra, (f.path, extra)
