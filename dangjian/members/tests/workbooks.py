"""Build workbooks inside the tests (no binary fixtures are committed)."""

from __future__ import annotations

import io
import zipfile
from typing import Any

import xlsxwriter

from dangjian.members.workbook.columns import HEADERS, SHEET


def workbook(rows: list[list[Any]], *, headers: tuple[str, ...] = HEADERS) -> bytes:
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(
        buffer, {"in_memory": True, "constant_memory": True, "strings_to_numbers": False}
    )
    sheet = book.add_worksheet(SHEET)
    sheet.write_row(0, 0, headers)
    for index, row in enumerate(rows, start=1):
        for col, value in enumerate(row):
            if isinstance(value, str):
                sheet.write_string(index, col, value)
            elif value is not None:
                sheet.write(index, col, value)
    book.close()
    return buffer.getvalue()


def row(name: str, id_number: str, branch: str = "CT01-ZB1", **extra: Any) -> list[Any]:
    values = {
        "party_group": "",
        "status": "正式党员",
        "ethnicity": "汉族",
        "phone": "",
        "education": "大学本科",
        "post": "工程部",
        "is_cadre": "否",
        "admitted_on": "2012-07-01",
        "full_on": "2013-07-01",
        **extra,
    }
    return [
        name,
        id_number,
        branch,
        values["party_group"],
        values["status"],
        values["ethnicity"],
        values["phone"],
        values["education"],
        values["post"],
        values["is_cadre"],
        values["admitted_on"],
        values["full_on"],
    ]


def rezip(
    data: bytes, *, add: dict[str, bytes] | None = None, replace: dict[str, bytes] | None = None
) -> bytes:
    """Copy an .xlsx, adding or replacing parts."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            body = (replace or {}).get(info.filename, source.read(info.filename))
            target.writestr(info.filename, body)
        for name, body in (add or {}).items():
            target.writestr(name, body)
    return out.getvalue()
