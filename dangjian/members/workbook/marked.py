"""Two views of an uploaded workbook for the job page: the first rows as a preview before the
import is confirmed, and a copy with every error marked in its cell.

Both read the upload the way the import does (``reader.read_rows``: calamine in a sandboxed
child), never with a second parser in the web process. The marked copy is rebuilt with
xlsxwriter from those values, on the template's columns and at the rows Excel showed: a cell
named by an error is filled red and carries the Chinese message as a comment; an error about a
whole row is marked on its first cell, one about the sheet on A1. Cells are written as text
(no formula from a user's cell is ever evaluated).
"""

from __future__ import annotations

import io
from collections import defaultdict
from datetime import date, datetime
from typing import Any

import xlsxwriter

from dangjian.members.rules import mask_id, mask_phone
from dangjian.members.workbook.columns import COLUMNS, SHEET
from dangjian.members.workbook.reader import read_rows

PREVIEW_ROWS = 10
MASKED = {"id_number": mask_id, "phone": mask_phone}


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else str(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def preview(data: bytes, limit: int = PREVIEW_ROWS) -> dict[str, Any]:
    """The template's headers and the first ``limit`` non-empty rows as text, ID and phone
    numbers masked (the page is no place for a full number): ``{"headers", "rows"}``, each row
    ``(row number, [cell text])``."""
    sheet = read_rows(data)
    rows = []
    for position in range(min(limit, len(sheet))):
        cells = sheet.cells(position)
        texts = []
        for column in COLUMNS:
            text = _text(cells.get(column.field))
            mask = MASKED.get(column.field)
            texts.append(mask(text) if mask and text else text)
        rows.append((sheet.numbers[position], texts))
    return {"headers": [c.header for c in COLUMNS], "rows": rows}


def marked_copy(data: bytes, errors: list[dict[str, Any]]) -> bytes:
    """The uploaded rows on the template's columns, each error's cell filled and commented."""
    sheet = read_rows(data)
    col_of = {c.header: at for at, c in enumerate(COLUMNS)}
    notes: dict[tuple[int, int], list[str]] = defaultdict(list)
    for error in errors:
        row = max(int(error.get("row") or 1), 1) - 1  # Excel's row number → zero-based
        col = col_of.get(str(error.get("column") or ""), 0)
        notes[(row, col)].append(str(error.get("message", "")))
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True, "strings_to_numbers": False})
    ws = book.add_worksheet(SHEET)
    header = book.add_format({"bold": True, "bg_color": "#F2F2F2", "border": 1})
    wrong = book.add_format({"bg_color": "#FFC7CE", "font_color": "#9C0006", "border": 1})
    wrong_header = book.add_format({"bold": True, "bg_color": "#FFC7CE", "border": 1})
    for at, column in enumerate(COLUMNS):
        ws.set_column(at, at, column.width)
    values: dict[tuple[int, int], str] = {}
    for at, column in enumerate(COLUMNS):
        values[(0, at)] = column.header
    for position, number in enumerate(sheet.numbers):
        cells = sheet.cells(position)
        for at, column in enumerate(COLUMNS):
            values[(number - 1, at)] = _text(cells.get(column.field))
    for (row, col), text in sorted(values.items()):
        marked = (row, col) in notes
        style = (wrong_header if marked else header) if row == 0 else (wrong if marked else None)
        ws.write_string(row, col, text, style)
    for (row, col), messages in sorted(notes.items()):
        if (row, col) not in values:
            ws.write_string(row, col, "", wrong_header if row == 0 else wrong)
        ws.write_comment(row, col, "\n".join(messages), {"x_scale": 2, "y_scale": 1.5})
    ws.freeze_panes(1, 0)
    book.close()
    return buffer.getvalue()
