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


SHEET_PART = "xl/worksheets/sheet1.xml"


def with_sheet_data(extra_rows: str, *, dimension: str | None = None, prefix: str = "") -> bytes:
    """A valid one-member workbook whose sheet XML gains ``extra_rows`` after its own rows (and
    optionally another declared dimension, or every element under a namespace prefix)."""
    base = workbook([row("张三", "110101199003074514")])
    sheet = zipfile.ZipFile(io.BytesIO(base)).read(SHEET_PART).decode()
    sheet = sheet.replace("</sheetData>", extra_rows + "</sheetData>")
    if dimension is not None:
        start = sheet.index("<dimension ref=")
        end = sheet.index("/>", start) + 2
        sheet = sheet[:start] + f'<dimension ref="{dimension}"/>' + sheet[end:]
    if prefix:
        sheet = sheet.replace("<", f"<{prefix}:").replace(f"<{prefix}:/", f"</{prefix}:")
        sheet = sheet.replace(f"<{prefix}:?xml", "<?xml").replace('xmlns="', f'xmlns:{prefix}="')
    return rezip(base, replace={SHEET_PART: sheet.encode()})
