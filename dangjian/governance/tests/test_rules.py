from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dangjian.governance.rules import (
    POST_REFUSED,
    POST_RIGHTS_REFUSED,
    BranchFacts,
    branch_findings,
    extension_error,
    joined_posts,
    post_combination_error,
    post_refusal,
    term_findings,
    term_state,
    term_years_error,
)

SEC, DEP, ORG, PUB, DIS = "secretary", "deputy_secretary", "organisation", "publicity", "discipline"
FULL_COMMITTEE = (SEC, ORG, PUB, DIS)


def facts(
    full: int,
    total: int | None = None,
    committee: int = 0,
    posts: tuple[str, ...] = (SEC,),
    secretary: bool = True,
    standing: int | None = 5,
    unapproved: int = 0,
) -> BranchFacts:
    return BranchFacts(
        full_members=full,
        all_members=total or full,
        committee_size=committee,
        has_secretary=secretary,
        secretary_standing_years=standing,
        posts=frozenset(posts),
        unapproved_leaders=unapproved,
    )


def codes(found) -> list[tuple[str, str]]:
    return [(f.level, f.code) for f in found]


@pytest.mark.parametrize(
    ("branch", "expected"),
    [
        (facts(2, committee=1), [("error", "O2-joint-branch")]),
        (facts(3, committee=1), []),
        (facts(6, committee=2, posts=(SEC, DEP)), []),
        (facts(6, committee=2, posts=(SEC, ORG)), [("warning", "O4-small-branch")]),
        (facts(6, committee=1, posts=(SEC, DEP)), []),  # 书记兼副书记 is refused elsewhere
        (
            facts(7, committee=1),
            [("error", "O4-committee-required"), ("warning", "O4-discipline")],
        ),
        (facts(7, committee=3, posts=(SEC, ORG, PUB)), [("warning", "O4-discipline")]),
        (facts(7, committee=3, posts=(SEC, ORG, DIS)), []),
        (facts(9, committee=5, posts=FULL_COMMITTEE), []),
        (facts(9, committee=6, posts=FULL_COMMITTEE), [("warning", "O4-committee-size")]),
        (facts(9, committee=7, posts=FULL_COMMITTEE), [("warning", "O4-committee-size")]),
        (facts(12, committee=8, posts=FULL_COMMITTEE), [("warning", "O4-committee-max")]),
        (facts(40, total=51, committee=5, posts=FULL_COMMITTEE), [("warning", "O1-branch-size")]),
        (facts(5, committee=1, standing=0), [("warning", "O6-standing")]),
        (
            facts(5, committee=0, posts=(), secretary=False, standing=None),
            [("warning", "O4-secretary")],
        ),
        (facts(5, committee=1, unapproved=1), [("info", "O5-approval")]),
    ],
)
def test_branch_structure_rules(branch: BranchFacts, expected) -> None:
    assert codes(branch_findings(branch)) == expected


def test_messages_explain_with_numbers_and_cite_articles() -> None:
    found = {f.code: f for f in branch_findings(facts(7, committee=2))}
    required = found["O4-committee-required"]
    assert "正式党员7人以上（现有7人）" in required.message and "现有2人" in required.message
    assert required.source == "《中国共产党支部工作条例（试行）》第二十条"
    over = branch_findings(facts(12, committee=8, posts=FULL_COMMITTEE))[0]
    assert "一般不超过7人" in over.message
    joint = branch_findings(facts(2, committee=1))[0]
    assert "第五条" in joint.source and "第四条" not in joint.message
    approval = branch_findings(facts(5, committee=1, unapproved=1))[0]
    assert approval.message == "书记、副书记尚未登记上级党组织批准"
    assert approval.source.endswith("第二十一条")


SEEN: dict[str, tuple[str, str]] = {}  # code -> (level, source), across examples


@settings(max_examples=200)
@given(
    full=st.integers(0, 60),
    extra=st.integers(0, 10),
    committee=st.integers(0, 10),
    posts=st.sets(st.sampled_from([SEC, DEP, ORG, PUB, DIS, "other"])),
    secretary=st.booleans(),
    standing=st.one_of(st.none(), st.integers(0, 30)),
    unapproved=st.integers(0, 2),
)
def test_each_check_has_its_own_code_and_a_citation(
    full, extra, committee, posts, secretary, standing, unapproved
) -> None:
    found = branch_findings(
        BranchFacts(
            full, full + extra, committee, secretary, standing, frozenset(posts), unapproved
        )
    )
    assert len({f.code for f in found}) == len(found)
    assert all(f.source.startswith("《") for f in found)
    for f in found:  # a code always means the same check at the same level
        assert SEEN.setdefault(f.code, (f.level, f.source)) == (f.level, f.source)
    if committee > 7:
        assert "error" not in {f.level for f in found if f.code.startswith("O4-committee")}


@pytest.mark.parametrize(
    ("standing", "may_be_elected", "refusal"),
    [
        ("full", True, None),
        ("probationary", False, POST_REFUSED),
        ("probationary", True, POST_REFUSED),
        ("full", False, POST_RIGHTS_REFUSED),
        ("suspended", False, POST_REFUSED),
    ],
)
def test_only_full_members_with_rights_may_hold_a_post(standing, may_be_elected, refusal) -> None:
    assert post_refusal(standing, may_be_elected=may_be_elected) == refusal
    assert "一般" not in POST_REFUSED and "预备党员没有被选举权" in POST_REFUSED


def _title(key: str) -> str:
    return {"deputy_secretary": "副书记", "discipline": "纪检委员"}.get(key, key.partition(":")[2])


@pytest.mark.parametrize(
    ("held", "new", "fragment"),
    [
        ([], SEC, None),
        ([DEP], DIS, None),
        (["other:青年委员"], "other:妇女委员", None),
        ([DIS], DIS, "已担任纪检委员"),
        (["other:青年委员"], "other:青年委员", "已担任青年委员"),
        ([SEC], DEP, "书记和副书记不能由同一人兼任"),
        ([DEP], SEC, "书记和副书记不能由同一人兼任"),
        ([DEP, DIS], ORG, "最多兼任2个职务"),
    ],
)
def test_post_combinations(held, new, fragment) -> None:
    message = post_combination_error(held, new, _title)
    assert message is None if fragment is None else fragment in (message or "")


def test_posts_read_joined() -> None:
    assert joined_posts(["副书记", "纪检委员"]) == "副书记兼纪检委员"


@pytest.mark.parametrize(("years", "ok"), [(2, False), (3, True), (4, True), (5, True), (6, False)])
def test_term_years_are_three_to_five(years: int, ok: bool) -> None:
    message = term_years_error(years)
    assert (message is None) is ok
    assert ok or "任期应为3至5年" in (message or "")


def test_term_due_overdue_and_extension() -> None:
    state = term_state(date(2023, 11, 30), 3, None, date(2026, 11, 24))
    assert state.due_on == date(2026, 11, 30) and state.due_soon and not state.overdue
    assert codes(term_findings(state)) == [("info", "O5-term-due")]
    late = term_state(date(2023, 1, 1), 3, None, date(2026, 11, 24))
    assert late.overdue and codes(term_findings(late)) == [("error", "O5-term-overdue")]
    extended = term_state(date(2023, 1, 1), 3, date(2026, 12, 31), date(2026, 11, 24))
    assert not extended.overdue
    assert codes(term_findings(None)) == [("warning", "O5-term-missing")]


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
