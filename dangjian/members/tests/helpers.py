"""Valid test identities, generated (no real person's number)."""

from __future__ import annotations

from datetime import date
from itertools import count

from dangjian.members.rules import id_check_char
from dangjian.members.services import MemberData

_serial = count(500)


def new_id(born: date = date(1990, 5, 17)) -> str:
    body = f"330106{born:%Y%m%d}{next(_serial) % 1000:03d}"
    return body + id_check_char(body)


def data(**overrides: object) -> MemberData:
    values: dict[str, object] = {
        "name": "测试党员",
        "id_number": new_id(),
        "status": "full",
        "admitted_on": date(2015, 6, 1),
        "full_on": date(2016, 6, 1),
    }
    values.update(overrides)
    return MemberData(**values)  # type: ignore[arg-type]
