"""Pure structure and term rules for Party organisations (rules.md O1, O2, O4–O10).

Each check returns findings with a level, a Chinese explanation and the article it rests on, so
the org page can say why, not just what. Every check has its own code, prefixed by the
rules.md row it implements (O2: the joint branch of 第五条; O10: the SOE regulation's sizes).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date

from dangjian.core.rules import add_months

ERROR, WARNING, INFO = "error", "warning", "info"

BRANCH_RULES = "《中国共产党支部工作条例（试行）》"
SOURCE_BRANCH_SETUP = f"{BRANCH_RULES}第四条"
SOURCE_JOINT_BRANCH = f"{BRANCH_RULES}第五条"
SOURCE_COMMITTEE = f"{BRANCH_RULES}第二十条"
SOURCE_TERM = f"{BRANCH_RULES}第二十一条"
# rules.md O6: the secretary's article number was not read, only its chapter.
SOURCE_SECRETARY = f"{BRANCH_RULES}第六章"
# rules.md M15: who has 表决权、选举权和被选举权 (and so may hold a seat).
SOURCE_ELECTION_RIGHTS = "《中国共产党基层组织选举工作条例》第五条"
# rules.md O10: the SOE regulation's organisation-setup article (党委 / 党总支 by size).
SOURCE_SOE_SETUP = "《中国共产党国有企业基层组织工作条例（试行）》第四条"

# Plain post and standing values (the Django choices live in choices.py / members.choices).
SECRETARY, DEPUTY, DISCIPLINE, OTHER = "secretary", "deputy_secretary", "discipline", "other"
LEADER_POSTS = frozenset({SECRETARY, DEPUTY})
FULL_STANDING = "full"
MAX_POSTS_PER_MEMBER = 2
TERM_YEARS_MIN, TERM_YEARS_MAX = 3, 5


@dataclass(frozen=True)
class Finding:
    level: str
    code: str
    message: str
    source: str = ""


POST_REFUSED = "委员会成员必须是正式党员，预备党员没有被选举权"
POST_RIGHTS_REFUSED = "该党员目前没有被选举权（受留党察看处分期间或党员权利中止期间），不能担任委员"


def post_refusal(standing: str, *, may_be_elected: bool) -> str | None:
    """Every committee post needs a full member with the right to be elected: a probationary
    member has no 被选举权 (党章第七条), whatever the post, nor has a member under 留党察看 or
    whose rights are suspended (选举工作条例 第五条; ``members.rules.has_voting_rights``)."""
    if standing != FULL_STANDING:
        return POST_REFUSED
    return None if may_be_elected else POST_RIGHTS_REFUSED


def post_combination_error(
    held: Iterable[str], new: str, title: Callable[[str], str]
) -> str | None:
    """A member may hold two posts in a term (兼任), never the same post twice, and never both
    书记 and 副书记. Posts are keys: "other" posts carry their label ("other:青年委员")."""
    held = list(held)
    if new in held:
        return f"在本届已担任{title(new)}，不能重复担任"
    if {new, *held} >= LEADER_POSTS:
        return "书记和副书记不能由同一人兼任"
    if len(held) >= MAX_POSTS_PER_MEMBER:
        return f"同一党员在本届最多兼任{MAX_POSTS_PER_MEMBER}个职务"
    return None


@dataclass(frozen=True)
class SeatHolder:
    """A member holding a seat of the current term, as the structure check sees them today."""

    name: str
    title: str  # the posts held, joined (副书记兼纪检委员)
    on_registry: bool  # in service in the organisation's subtree (not exited, moved or suspended)
    may_be_elected: bool  # 被选举权 today (``members.rules.has_voting_rights``)


def _who(holders: list[SeatHolder]) -> str:
    return "、".join(f"{h.title}{h.name}" for h in holders)


def seat_holder_findings(holders: Iterable[SeatHolder]) -> list[Finding]:
    """Seats still held by members who left the organisation's registry (出党, 去世, 转出, 停止
    党籍, moved to another organisation) or who lost the right to be elected (留党察看, rights
    suspended): the committee is to be adjusted (补选 or 免职)."""
    holders = list(holders)
    gone = [h for h in holders if not h.on_registry]
    barred = [h for h in holders if h.on_registry and not h.may_be_elected]
    found: list[Finding] = []
    if gone:
        found.append(
            Finding(
                ERROR,
                "O4-seat-off-registry",
                f"{_who(gone)}已不是本组织在册党员（出党、去世、转出、停止党籍或转往其他组织），"
                "仍登记为委员，请调整委员会",
                SOURCE_COMMITTEE,
            )
        )
    if barred:
        found.append(
            Finding(
                WARNING,
                "O4-seat-rights",
                f"{_who(barred)}目前没有被选举权（受留党察看处分期间或党员权利中止期间），"
                "仍登记为委员，请按规定调整",
                SOURCE_ELECTION_RIGHTS,
            )
        )
    return found


def joined_posts(labels: Iterable[str]) -> str:
    """How a member's posts read together: 副书记兼纪检委员."""
    return "兼".join(labels)


def term_years_error(years: int) -> str | None:
    """党章: committees serve 三年至五年 (rules.md O8); the 2018 意见 fixes 3 for branches."""
    if not TERM_YEARS_MIN <= years <= TERM_YEARS_MAX:
        return f"任期应为{TERM_YEARS_MIN}至{TERM_YEARS_MAX}年（党章：三年至五年）"
    return None


def upper_record_error(ref: str, on: date | None) -> tuple[str, str] | None:
    """The upper organisation's 批准/备案 is a document number with its date: both or neither."""
    if ref.strip() and on is None:
        return ("upper_on", "请填写批准或备案日期")
    if on is not None and not ref.strip():
        return ("upper_ref", "请填写批准或备案文号")
    return None


@dataclass(frozen=True)
class BranchFacts:
    full_members: int
    all_members: int
    committee_size: int  # distinct members holding a seat, not seats
    has_secretary: bool
    secretary_standing_years: int | None
    posts: frozenset[str] = field(default_factory=frozenset)
    unapproved_leaders: int = 0  # 书记/副书记 seats without a recorded 批准


def branch_findings(facts: BranchFacts) -> list[Finding]:
    found: list[Finding] = []
    if facts.full_members < 3:
        found.append(
            Finding(
                ERROR,
                "O2-joint-branch",
                f"正式党员不足3人（现有{facts.full_members}人），不能单独"
                "成立党支部，应与相邻单位成立联合党支部",
                SOURCE_JOINT_BRANCH,
            )
        )
    if facts.all_members > 50:
        found.append(
            Finding(
                WARNING,
                "O1-branch-size",
                f"党员{facts.all_members}人，超过一般不超过50人的规模，宜考虑分设党支部",
                SOURCE_BRANCH_SETUP,
            )
        )
    found += _committee_findings(facts)
    if not facts.has_secretary:
        found.append(Finding(WARNING, "O4-secretary", "尚未登记党支部书记", SOURCE_COMMITTEE))
    elif facts.secretary_standing_years is not None and facts.secretary_standing_years < 1:
        found.append(
            Finding(
                WARNING,
                "O6-standing",
                "党支部书记党龄不足1年，一般应具有1年以上党龄",
                SOURCE_SECRETARY,
            )
        )
    if facts.unapproved_leaders:
        found.append(
            Finding(INFO, "O5-approval", "书记、副书记尚未登记上级党组织批准", SOURCE_TERM)
        )
    return found


def _committee_findings(facts: BranchFacts) -> list[Finding]:
    size = facts.committee_size
    if facts.full_members < 7:
        if facts.posts - LEADER_POSTS:
            return [
                Finding(
                    WARNING,
                    "O4-small-branch",
                    f"正式党员不足7人（现有{facts.full_members}人）的党支部"
                    "设1名书记，必要时设1名副书记，一般不设其他委员",
                    SOURCE_COMMITTEE,
                )
            ]
        return []
    found: list[Finding] = []
    if size < 3:
        found.append(
            Finding(
                ERROR,
                "O4-committee-required",
                f"正式党员7人以上（现有{facts.full_members}人）应设立"
                f"支部委员会，委员3至5人；现有{size}人",
                SOURCE_COMMITTEE,
            )
        )
    elif size > 7:
        found.append(
            Finding(
                WARNING,
                "O4-committee-max",
                f"支部委员会{size}人，一般不超过7人",
                SOURCE_COMMITTEE,
            )
        )
    elif size > 5:
        found.append(
            Finding(
                WARNING,
                "O4-committee-size",
                f"支部委员会{size}人，一般由3至5人组成",
                SOURCE_COMMITTEE,
            )
        )
    if DISCIPLINE not in facts.posts:
        found.append(
            Finding(
                WARNING,
                "O4-discipline",
                "支部委员会应设纪检委员，本届尚未登记",
                SOURCE_COMMITTEE,
            )
        )
    return found


# 国企条例 (rules.md O10): 100 or more members → 党委; 50 to 99 → 党总支; below that the kind
# needs the upper organisation's approval ("确因工作需要的，经上级党组织批准").
COMMITTEE_MIN_MEMBERS = 100
GENERAL_BRANCH_MIN_MEMBERS = 50
PARTY_COMMITTEE_KIND, GENERAL_BRANCH_KIND = "party_committee", "general_branch"


def kind_size_findings(kind: str, members: int, *, approved: bool) -> list[Finding]:
    """党委 and 党总支 against their size. ``members`` counts 党员人数 as the regulation does:
    正式 and 预备 alike (unlike the branch rules, which name 正式党员)."""
    if kind == PARTY_COMMITTEE_KIND and members < COMMITTEE_MIN_MEMBERS and not approved:
        return [
            Finding(
                WARNING,
                "O10-committee-approval",
                f"党员{members}人，不足{COMMITTEE_MIN_MEMBERS}人设立党委，"
                "须有上级党组织批准，尚未登记批准文号",
                SOURCE_SOE_SETUP,
            )
        ]
    if kind == GENERAL_BRANCH_KIND:
        if members >= COMMITTEE_MIN_MEMBERS:
            return [
                Finding(
                    WARNING,
                    "O10-general-branch-large",
                    f"党员{members}人，已达{COMMITTEE_MIN_MEMBERS}人以上，应设立党委",
                    SOURCE_SOE_SETUP,
                )
            ]
        if members < GENERAL_BRANCH_MIN_MEMBERS and not approved:
            return [
                Finding(
                    WARNING,
                    "O10-general-branch-approval",
                    f"党员{members}人，不足{GENERAL_BRANCH_MIN_MEMBERS}人设立党总支，"
                    "须有上级党组织批准，尚未登记批准文号",
                    SOURCE_SOE_SETUP,
                )
            ]
    return []


@dataclass(frozen=True)
class TermState:
    due_on: date
    effective_due_on: date
    overdue: bool
    due_soon: bool


def term_state(
    elected_on: date,
    term_years: int,
    extended_until: date | None,
    today: date,
    *,
    warn_days: int = 90,
) -> TermState:
    due = add_months(elected_on, 12 * term_years)
    effective = extended_until or due
    overdue = today > effective
    due_soon = not overdue and (effective - today).days <= warn_days
    return TermState(due_on=due, effective_due_on=effective, overdue=overdue, due_soon=due_soon)


def extension_error(due_on: date, extended_until: date, approval_ref: str) -> str | None:
    """O7/O9: an extension needs the upper organisation's approval and lasts at most one year."""
    if not approval_ref.strip():
        return "延期换届须经上级党组织批准，请填写批复文号"
    if extended_until <= due_on:
        return "延期日期应晚于原届满日期"
    if extended_until > add_months(due_on, 12):
        return f"延期一般不超过1年，最晚至{add_months(due_on, 12):%Y-%m-%d}"
    return None


def term_findings(state: TermState | None) -> list[Finding]:
    if state is None:
        return [Finding(WARNING, "O5-term-missing", "尚未登记委员会届次（选举日期）", SOURCE_TERM)]
    if state.overdue:
        return [
            Finding(
                ERROR,
                "O5-term-overdue",
                f"任期已于{state.effective_due_on:%Y-%m-%d}届满，应按期换届",
                SOURCE_TERM,
            )
        ]
    if state.due_soon:
        return [
            Finding(
                INFO,
                "O5-term-due",
                f"任期将于{state.effective_due_on:%Y-%m-%d}届满，请筹备换届",
                SOURCE_TERM,
            )
        ]
    return []


def same_person(a_member: int | None, a_name: str, b_member: int | None, b_name: str) -> bool:
    if a_member is not None and b_member is not None:
        return a_member == b_member
    return a_name.strip() == b_name.strip()
