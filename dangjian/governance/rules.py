"""Pure structure and term rules for Party organisations (rules.md O1, O4–O7, O9).

Each check returns findings with a level and a Chinese explanation that names the rule, so the
org page can say why, not just what.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from dangjian.core.rules import add_months

ERROR, WARNING, INFO = "error", "warning", "info"


@dataclass(frozen=True)
class Finding:
    level: str
    code: str
    message: str


@dataclass(frozen=True)
class BranchFacts:
    full_members: int
    all_members: int
    committee_size: int
    has_secretary: bool
    secretary_standing_years: int | None


def branch_findings(facts: BranchFacts) -> list[Finding]:
    found: list[Finding] = []
    if facts.full_members < 3:
        found.append(
            Finding(
                ERROR,
                "O1",
                f"正式党员不足3人（现有{facts.full_members}人），不能单独"
                "成立党支部，应与相邻单位成立联合党支部（支部工作条例第四条）",
            )
        )
    if facts.all_members > 50:
        found.append(
            Finding(
                WARNING,
                "O1",
                f"党员{facts.all_members}人，超过一般不超过50人的规模，宜考虑分设党支部",
            )
        )
    if facts.full_members >= 7:
        if facts.committee_size < 3:
            found.append(
                Finding(
                    ERROR,
                    "O4",
                    f"正式党员7人以上（现有{facts.full_members}人）应设立"
                    f"支部委员会，委员3至5人；现有{facts.committee_size}人",
                )
            )
        elif facts.committee_size > 7:
            found.append(Finding(ERROR, "O4", f"支部委员会{facts.committee_size}人，超过7人上限"))
        elif facts.committee_size > 5:
            found.append(
                Finding(WARNING, "O4", f"支部委员会{facts.committee_size}人，一般由3至5人组成")
            )
    elif facts.committee_size > 2:
        found.append(
            Finding(
                WARNING,
                "O4",
                f"正式党员不足7人（现有{facts.full_members}人）的党支部"
                "一般只设书记，必要时设1名副书记，不设委员会",
            )
        )
    if not facts.has_secretary:
        found.append(Finding(WARNING, "O4", "尚未配备党支部书记"))
    elif facts.secretary_standing_years is not None and facts.secretary_standing_years < 1:
        found.append(Finding(WARNING, "O6", "党支部书记党龄不足1年，一般应具有1年以上党龄"))
    return found


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
        return [Finding(WARNING, "O5", "尚未登记委员会届次（选举日期）")]
    if state.overdue:
        return [Finding(ERROR, "O5", f"任期已于{state.effective_due_on:%Y-%m-%d}届满，应按期换届")]
    if state.due_soon:
        return [Finding(INFO, "O5", f"任期将于{state.effective_due_on:%Y-%m-%d}届满，请筹备换届")]
    return []


def same_person(a_member: int | None, a_name: str, b_member: int | None, b_name: str) -> bool:
    if a_member is not None and b_member is not None:
        return a_member == b_member
    return a_name.strip() == b_name.strip()
