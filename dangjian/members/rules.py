"""Pure member rules: GB 11643 ID numbers, 党龄, and the lost-contact review date."""

from __future__ import annotations

import operator
import re
import unicodedata
from dataclasses import dataclass
from datetime import date

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


def suspension_review_due(lost_since: date | None, today: date, *, months: int = 6) -> bool:
    """R2: lost contact for 6 months or more → candidate for 停止党籍 review."""
    return lost_since is not None and add_months(lost_since, months) <= today


EDITABLE_STATUSES = frozenset({"full", "probationary"})


def status_edit_error(before: str, after: str) -> str | None:
    """Editing a record may correct 正式/预备 (or record 转正); every other change of status is a
    movement with its own dates and timeline event, so an edit must not make it silently."""
    if before == after or (before in EDITABLE_STATUSES and after in EDITABLE_STATUSES):
        return None
    return (
        "党籍状态不能在编辑中直接修改；流动、失联、恢复联系、停止党籍、转出等请在党员页面"
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
