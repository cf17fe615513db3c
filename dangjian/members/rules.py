"""Pure member rules: GB 11643 ID numbers, 党龄, 预备期/转正, the lost-contact review date."""

from __future__ import annotations

import operator
import re
import unicodedata
from dataclasses import dataclass
from datetime import date, timedelta

from dangjian.core.rules import add_months

ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK = "10X98765432"


@dataclass(frozen=True)
class IdFacts:
    birth_date: date
    gender: str  # "male" | "female"


def id_check_char(first17: str) -> str:
    # map/operator keeps this cheap: it runs for every row of a 100,000-row import.
    return ID_CHECK[sum(map(operator.mul, map(int, first17), ID_WEIGHTS)) % 11]


def normalise_id(raw: str) -> str:
    """Full-width digits and letters (typed with a Chinese input method) become ASCII, so the
    same number always has the same blind index and the uniqueness check cannot be sidestepped."""
    value = raw.strip()
    if not value.isascii():
        value = unicodedata.normalize("NFKC", value).strip()
    return value.upper()


def id_number_error(raw: str, *, today: date) -> str | None:
    """A Chinese message naming what is wrong with a 公民身份号码 (GB 11643), or ``None``."""
    value = normalise_id(raw)
    if len(value) != 18:
        return f"身份证号码应为18位，当前为{len(value)}位"
    if (
        not value.isascii()
        or not value[:17].isdigit()
        or not (value[17].isdigit() or value[17] == "X")
    ):
        return "身份证号码前17位必须是数字，最后一位是数字或X"
    try:
        born = date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        return f"身份证号码中的出生日期{value[6:14]}不是有效日期"
    if born > today or born.year < 1900:
        return f"身份证号码中的出生日期{born:%Y-%m-%d}不合理"
    if id_check_char(value[:17]) != value[17]:
        return "身份证号码校验位不正确，请核对"
    return None


def id_facts(value: str) -> IdFacts:
    """Birth date and gender read from a valid ID number (never typed twice)."""
    value = normalise_id(value)
    born = date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    return IdFacts(birth_date=born, gender="male" if int(value[16]) % 2 else "female")


def mask_id(value: str) -> str:
    """Region and check character stay visible; the birth date and serial do not."""
    value = normalise_id(value)
    return value[:4] + "*" * 10 + value[14:] if len(value) == 18 else "*" * len(value)


def mask_phone(value: str) -> str:
    return value[:3] + "****" + value[7:] if len(value) == 11 else "*" * len(value)


def completed_years(start: date, today: date) -> int:
    years = today.year - start.year
    if (today.month, today.day) < (start.month, start.day):
        years -= 1
    return max(years, 0)


def party_standing_years(full_on: date | None, today: date) -> int | None:
    """党龄: counted from the day the probationary period ended (党章 第七条), in whole years."""
    if full_on is None or full_on > today:
        return None
    return completed_years(full_on, today)


# 党章 第七条: the probation is one year from the day the 支部大会 admitted the member.
PROBATION_MONTHS = 12
# 发展党员细则 第三十三条: extended once, by no less than six months and no more than one year.
EXTENSION_MIN_MONTHS, EXTENSION_MAX_MONTHS = 6, 12


def probation_ends(admitted_on: date, *, extension_months: int = 0) -> date:
    """The earliest 转正 date: the first anniversary of admission, plus a recorded extension.

    The year is complete on the anniversary (admitted 2025-03-10 → 2026-03-10, so a 转正 dated the
    admission day or any day before the anniversary is refused). Months follow
    ``core.rules.add_months`` and are counted from the admission day in one step, so a member
    admitted on 29 February completes the year on 28 February of a common year (2024-02-29 →
    2025-02-28) and, with a 6-month extension, on 2025-08-29 (18 months from admission, not
    6 months from the clamped 28 February)."""
    return add_months(admitted_on, PROBATION_MONTHS + extension_months)


def full_on_error(admitted_on: date, full_on: date, *, extension_months: int = 0) -> str | None:
    """A Chinese message when a 转正 date comes before the probation (and its extension) ended."""
    if full_on < admitted_on:
        return "转正日期不能早于入党日期"
    earliest = probation_ends(admitted_on, extension_months=extension_months)
    if full_on >= earliest:
        return None
    if extension_months:
        return (
            f"预备期已延长{extension_months}个月，转正日期不能早于{earliest:%Y-%m-%d}"
            "（入党满一年加延长期）"
        )
    return f"预备期为一年，转正日期不能早于{earliest:%Y-%m-%d}（入党满一年）"


def probation_extension_errors(
    *,
    months: int,
    decided_on: date,
    reason: str,
    admitted_on: date | None,
    already_extended: bool,
    is_full: bool,
    today: date,
) -> dict[str, str]:
    """延长预备期 (发展党员细则 第三十三条): once, 6 to 12 months, dated and reasoned, for a
    probationary member only. Messages keyed by field, in Chinese."""
    errors: dict[str, str] = {}
    if is_full:
        errors["months"] = "正式党员不能延长预备期"
        return errors
    if already_extended:
        errors["months"] = "预备期只能延长一次，该党员已延长过预备期"
        return errors
    if not EXTENSION_MIN_MONTHS <= months <= EXTENSION_MAX_MONTHS:
        errors["months"] = (
            f"延长预备期应为{EXTENSION_MIN_MONTHS}至{EXTENSION_MAX_MONTHS}个月"
            "（不少于半年，最长不超过一年）"
        )
    if admitted_on is None:
        errors["decided_on"] = "该党员没有入党日期，不能延长预备期"
    elif decided_on < admitted_on:
        errors["decided_on"] = "延长预备期的决定日期不能早于入党日期"
    elif decided_on > today:
        errors["decided_on"] = "决定日期不能晚于今天"
    if not reason.strip():
        errors["reason"] = "请填写延长预备期的原因"
    return errors


# 党员教育管理工作条例 第二十四条 (R2): lost contact for six months or more → 停止党籍 review. A
# central rule: the county may lengthen the wait, never shorten it.
LOST_CONTACT_REVIEW_MONTHS = 6


def lost_contact_review_months(setting: int | None = None) -> int:
    """The months of lost contact before review: the county's setting, never under six."""
    return max(LOST_CONTACT_REVIEW_MONTHS, setting or 0)


def lost_contact_review_from(lost_since: date, months: int = LOST_CONTACT_REVIEW_MONTHS) -> date:
    """The first day a member lost since ``lost_since`` may be reviewed for 停止党籍: ``months``
    (at least six) later, clamped to the month's end (lost 2026-08-29, -30 or -31 → 2027-02-28;
    in a leap year 2027-08-31 → 2028-02-29). The review list and the service both use it."""
    return add_months(lost_since, lost_contact_review_months(months))


def suspension_review_due(
    lost_since: date | None, today: date, *, months: int = LOST_CONTACT_REVIEW_MONTHS
) -> bool:
    """R2: lost contact for 6 months or more → candidate for 停止党籍 review."""
    return lost_since is not None and lost_contact_review_from(lost_since, months) <= today


# R2 again: 停止党籍 for two years and still out of touch → 除名 as 自行脱党.
STRIKE_OFF_MONTHS = 24


def strike_off_from(suspended_on: date) -> date:
    """The first day a member suspended on ``suspended_on`` is listed for the 除名 decision."""
    return add_months(suspended_on, STRIKE_OFF_MONTHS)


def strike_off_due(suspended_on: date | None, today: date) -> bool:
    return suspended_on is not None and strike_off_from(suspended_on) <= today


def restore_errors(
    *, suspended_on: date | None, contact_on: date, decision: str, today: date
) -> dict[str, str]:
    """恢复党籍: the member is back in touch (on or after the suspension, not in the future) and
    the Party organisation decided it, before the two years after which 除名 is the path."""
    errors: dict[str, str] = {}
    if contact_on > today:
        errors["on"] = "恢复联系日期不能晚于今天"
    elif suspended_on is not None and contact_on < suspended_on:
        errors["on"] = f"恢复联系日期不能早于停止党籍日期（{suspended_on:%Y-%m-%d}）"
    elif suspended_on is not None and strike_off_due(suspended_on, contact_on):
        errors["on"] = (
            f"停止党籍已满两年（{strike_off_from(suspended_on):%Y-%m-%d}起），"
            "应按自行脱党予以除名，不能恢复党籍"
        )
    if not decision.strip():
        errors["decision"] = "请填写党组织决定恢复党籍的文号或说明"
    return errors


# 党章 第四十条: 留党察看 lasts one year at most two.
WATCH_MAX_MONTHS = 24


def watch_period_error(watch_from: date, watch_until: date) -> str | None:
    if watch_until <= watch_from:
        return "留党察看截止日期应晚于起始日期"
    if watch_until > add_months(watch_from, WATCH_MAX_MONTHS):
        return "留党察看期限最长为两年"
    return None


def under_watch(watch_from: date | None, watch_until: date | None, on: date) -> bool:
    return (
        watch_from is not None and watch_from <= on and (watch_until is None or on <= watch_until)
    )


def watch_ongoing(watch_from: date | None, watch_until: date | None, today: date) -> bool:
    """A recorded 留党察看 not yet over on ``today`` (under way, or starting later): the page
    offers no second one while it lasts."""
    return watch_from is not None and (watch_until is None or today <= watch_until)


def watch_overlap_error(
    held_from: date | None, held_until: date | None, new_from: date, new_until: date
) -> str | None:
    """One 留党察看 at a time: a new period may not overlap the one recorded (an open end
    overlaps everything after its start). A later period once the first has ended is fine."""
    if held_from is None:
        return None
    if held_from <= new_until and (held_until is None or new_from <= held_until):
        until = f"至{held_until:%Y-%m-%d}" if held_until else "，未定截止日期"
        return (
            f"该党员已受留党察看（{held_from:%Y-%m-%d}起{until}），新的察看期与之重叠，不能重复登记"
        )
    return None


def counts_as_full(status: str) -> bool:
    """Who counts as a 正式党员 for the structure rules (3 and 7 full members, O1/O4): the
    standing alone, so a full member who is away (流动) or out of touch (失联) still counts."""
    return status == "full"


def has_voting_rights(
    status: str,
    *,
    on: date,
    watch_from: date | None = None,
    watch_until: date | None = None,
    rights_suspended_since: date | None = None,
) -> bool:
    """表决权、选举权和被选举权 on ``on`` (选举工作条例 第五条, M15): a full member, not under
    留党察看, whose rights are not suspended for 留置 or 逮捕. The ledger's votes and every
    committee post ask this; ``members.selectors.voting_q`` is its SQL twin."""
    return (
        counts_as_full(status)
        and not under_watch(watch_from, watch_until, on)
        and not (rights_suspended_since is not None and rights_suspended_since <= on)
    )


# 组织关系介绍信 (转出). A letter is valid through ``valid_until`` inclusive; from the next day it
# has expired and must be reissued (it cannot be completed as 已转出).
LETTER_PENDING, LETTER_EXPIRED = "pending", "expired"


def letter_expired(valid_until: date, on: date) -> bool:
    """Whether a letter valid through ``valid_until`` has expired on day ``on``."""
    return on > valid_until


def letter_expired_from(valid_until: date) -> date:
    """The first day a letter valid through ``valid_until`` is no longer valid."""
    return valid_until + timedelta(days=1)


def letter_state(status: str, valid_until: date, on: date) -> str:
    """The state a letter shows on day ``on``: a pending letter past its validity reads as
    expired even before the daily job has recorded it; every other state is the stored one."""
    if status == LETTER_PENDING and letter_expired(valid_until, on):
        return LETTER_EXPIRED
    return status


def letter_expired_message(valid_until: date) -> str:
    return (
        f"介绍信有效期至{valid_until:%Y-%m-%d}，已于{letter_expired_from(valid_until):%Y-%m-%d}"
        "过期，请重新开具"
    )


def receipt_errors(
    *, receipt_org: str, receipt_on: date | None, issued_on: date, today: date
) -> dict[str, str]:
    """The 回执 a completion records: who received the member, and when (not before the letter
    was issued, not after today). Messages keyed by field, in Chinese."""
    errors: dict[str, str] = {}
    if not receipt_org.strip():
        errors["receipt_org"] = "请填写回执上的接收党组织"
    if receipt_on is None:
        errors["receipt_on"] = "请填写回执日期"
    elif receipt_on < issued_on:
        errors["receipt_on"] = f"回执日期不能早于介绍信开具日期{issued_on:%Y-%m-%d}"
    elif receipt_on > today:
        errors["receipt_on"] = "回执日期不能晚于今天"
    return errors


def reissue_validity_error(valid_until: date, *, issued_on: date, longest: date) -> str | None:
    """A reissued letter's own validity: from its issue day, at most the county's months."""
    if valid_until < issued_on:
        return "有效期不能早于开具日期"
    if valid_until > longest:
        return f"有效期不能超过{longest:%Y-%m-%d}（县级规定的介绍信有效期）"
    return None


EDITABLE_STATUSES = frozenset({"full", "probationary"})


def status_edit_error(before: str, after: str) -> str | None:
    """Editing a record may correct 正式/预备 (or record 转正); every other change of status is a
    movement with its own dates and timeline event, so an edit must not make it silently."""
    if before == after or (before in EDITABLE_STATUSES and after in EDITABLE_STATUSES):
        return None
    return (
        "党籍状态不能在编辑中直接修改；停止党籍、恢复党籍、出党、去世、转出等请在党员页面"
        "使用相应的办理功能"
    )


# Nine or more digits (or X), possibly split by spaces, dashes, dots or slashes: an ID or phone.
_LONG_NUMBER = re.compile(r"[0-9Xx](?:[\s\-./_]*[0-9Xx]){8,}")


def _mask_run(match: re.Match[str]) -> str:
    run = match.group()
    return run[:3] + "*" * (len(run) - 5) + run[-2:]


def echo(text: str, limit: int = 20) -> str:
    """A user's text quoted in something that will be stored (import errors, file names in the
    audit log): full-width characters folded, long digit runs (an ID or phone number typed into
    the wrong place) masked, then cut to ``limit`` characters (0: no cut)."""
    folded = unicodedata.normalize("NFKC", text)
    masked = _LONG_NUMBER.sub(_mask_run, folded)
    return masked if not limit or len(masked) <= limit else masked[:limit] + "…"


_ID_SEPARATORS = re.compile(r"[\s\-./_]+")
_ID_SHAPE = re.compile(r"[0-9]{17}[0-9X]")


def id_like(text: str) -> str | None:
    """The text as an ID number when it is shaped like one — 17 digits and a digit or X, perhaps
    full-width or split by spaces or dashes — whether or not its check character is right.
    Searches use it to keep such text out of URLs and to match the number however it was typed."""
    compact = _ID_SEPARATORS.sub("", normalise_id(text))
    return compact if _ID_SHAPE.fullmatch(compact) else None


def seam_number(letter_no: str) -> str:
    """The 骑缝 number written across a letter's 裁剪线: its own number, read as 第…号
    (a number already ending in 号, such as 城建转〔2026〕3号, is written as it is)."""
    number = letter_no.strip()
    return number if number.endswith("号") else f"第{number}号"
