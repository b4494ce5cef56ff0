"""The bundled curriculum meets the content standard of CONTENT.md (what a supervisor checks first)."""

from __future__ import annotations

import pytest
from conftest import BUNDLED

from iopcurr.model import Curriculum
from iopcurr.pipeline import Settings, run
from iopcurr.plan.checks import readability_of

REQUIRED_TOPICS = [
    "orientation", "structuring-time", "trigger-cycle", "triggers", "cravings", "thoughts-euphoric-recall",
    "refusal-skills", "problem-solving", "high-risk-situations", "relapse-process", "relapse-warning-signs",
    "lapse-relapse-plan", "paws", "stress-self-care", "relaxation-skills", "anger-meter", "anger-control-plan",
    "aggression-cycle", "assertiveness-conflict", "shame-guilt-mood", "support-networks", "family-recovery",
    "continuing-care",
]


@pytest.fixture(scope="module")
def cur() -> Curriculum:
    result = run(BUNDLED, Settings(strict=True))
    assert result.ok and result.curriculum is not None
    return result.curriculum


def test_all_content_md_topics_are_modules(cur: Curriculum) -> None:
    assert set(REQUIRED_TOPICS) <= {m.id for m in cur.modules}


def test_every_module_is_complete(cur: Curriculum) -> None:
    for m in cur.modules:
        assert 2 <= len(m.objectives) <= 4, m.id
        assert m.materials, m.id
        assert m.session_handouts and "homework" in m.block_kinds, m.id
        assert {"script", "discussion", "facilitator"} <= set(m.block_kinds), m.id
        assert len(m.segments) >= 3, m.id
        assert len(m.search[0].text.split()) > 1500, m.id  # runnable from the page alone


def test_skills_practised_in_role_plays(cur: Curriculum) -> None:
    by_id = {m.id: m for m in cur.modules}
    for ident in ("refusal-skills", "assertiveness-conflict", "problem-solving"):
        assert by_id[ident].block_kinds.count("roleplay") >= 2, ident


def test_anger_modules_open_with_the_anger_meter_check_in(cur: Curriculum) -> None:
    for m in cur.modules:
        if m.id in ("anger-meter", "anger-control-plan", "aggression-cycle", "assertiveness-conflict"):
            first = m.segments[0]
            assert "anger" in (first.title + first.html).lower() and "meter" in first.html.lower(), m.id


def test_handouts_are_plain_language_and_mostly_worksheets(cur: Curriculum) -> None:
    handouts = [h for m in cur.modules for h in m.handouts]
    assert len(handouts) >= len(cur.modules)
    assert all(readability_of(h).grade <= 7 for h in handouts)
    assert sum(readability_of(h).grade <= 6 for h in handouts) >= 0.8 * len(handouts)
    assert all(readability_of(h).smog <= 8 for h in handouts)
    worksheets = [h for h in handouts if any(k in h.html for k in ("ws-line", "ws-check", "ws-grid", "ws-scale"))]
    assert len(worksheets) >= 0.8 * len(handouts)


def test_facilitator_pages_exist(cur: Curriculum) -> None:
    ids = {p.id for p in cur.pages}
    assert {"running-a-session", "group-agreements", "member-in-crisis", "adapting-sessions", "references"} <= ids


def test_program_settings_follow_the_iop_model(cur: Curriculum) -> None:
    p = cur.program
    assert p.session.minutes == 90 and 12 <= p.schedule.weeks <= 16 and 3 <= len(p.schedule.days) <= 5
    contacts = " ".join(c.contact for c in p.crisis)
    assert "988" in contacts and "1-800-662-4357" in contacts and "911" in contacts
    assert len(p.tracks) >= 5
