from __future__ import annotations

from datetime import date

import pytest

from dangjian.governance.rules import (
    BranchFacts,
    branch_findings,
    extension_error,
    term_findings,
    term_state,
)


def facts(
    full: int,
    total: int | None = None,
    committee: int = 0,
    secretary: bool = True,
    standing: int | None = 5,
) -> BranchFacts:
    return BranchFacts(
        full_members=full,
        all_members=total or full,
        committee_size=committee,
        has_secretary=secretary,
        secretary_standing_years=standing,
    )


def codes(found) -> list[tuple[str, str]]:
    return [(f.level, f.code) for f in found]


@pytest.mark.parametrize(
    ("branch", "expected"),
    [
        (facts(2, committee=1), [("error", "O1")]),
        (facts(3, committee=1), []),
        (facts(6, committee=2), []),
        (facts(6, committee=3), [("warning", "O4")]),
        (facts(7, committee=1), [("error", "O4")]),
        (facts(7, committee=3), []),
        (facts(9, committee=5), []),
        (facts(9, committee=6), [("warning", "O4")]),
        (facts(12, committee=8), [("error", "O4")]),
        (facts(40, total=51, committee=5), [("warning", "O1")]),
        (facts(5, committee=1, standing=0), [("warning", "O6")]),
        (facts(5, committee=0, secretary=False, standing=None), [("warning", "O4")]),
    ],
)
def test_branch_structure_rules(branch: BranchFacts, expected) -> None:
    assert codes(branch_findings(branch)) == expected


def test_messages_explain_with_numbers() -> None:
    [finding] = branch_findings(facts(7, committee=2))
    assert "正式党员7人以上（现有7人）" in finding.message and "现有2人" in finding.message


def test_term_due_overdue_and_extension() -> None:
    state = term_state(date(2023, 11, 30), 3, None, date(2026, 11, 24))
    assert state.due_on == date(2026, 11, 30) and state.due_soon and not state.overdue
    assert codes(term_findings(state)) == [("info", "O5")]
    late = term_state(date(2023, 1, 1), 3, None, date(2026, 11, 24))
    assert late.overdue and codes(term_findings(late)) == [("error", "O5")]
    extended = term_state(date(2023, 1, 1), 3, date(2026, 12, 31), date(2026, 11, 24))
    assert not extended.overdue
    assert codes(term_findings(None)) == [("warning", "O5")]


@pytest.mark.parametrize(
    ("until", "ref", "fragment"),
    [
        (date(2027, 1, 2), "", "批复文号"),
        (date(2026, 1, 1), "X组〔2026〕1号", "晚于原届满日期"),
        (date(2027, 1, 2), "X组〔2026〕1号", "不超过1年"),
    ],
)
def test_extension_rules(until: date, ref: str, fragment: str) -> None:
    message = extension_error(date(2026, 1, 1), until, ref)
    assert message is not None and fragment in message
    assert extension_error(date(2026, 1, 1), date(2027, 1, 1), "X组〔2026〕1号") is None
