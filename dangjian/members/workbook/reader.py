"""Read the member sheet with python-calamine (fast, and it never expands XML entities)."""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from python_calamine import CalamineError, CalamineWorkbook

from dangjian.members.rules import echo
from dangjian.members.workbook.columns import COLUMNS, SHEET

MAX_ROWS = 200_000


class WorkbookError(ValueError):
    """A problem with the sheet as a whole, reported with its sheet name."""


@dataclass(frozen=True)
class RawRow:
    number: int  # as Excel shows it: the header is row 1
    cells: dict[str, Any]


def read_rows(data: bytes) -> tuple[str, Iterator[RawRow], int]:
    try:
        book = CalamineWorkbook.from_filelike(io.BytesIO(data))
        name = SHEET if SHEET in book.sheet_names else book.sheet_names[0]
        rows = book.get_sheet_by_name(name).to_python(skip_empty_area=False)
    except (CalamineError, IndexError, ValueError) as exc:
        raise WorkbookError("无法读取工作表，请确认文件是用 Excel 或 WPS 保存的 .xlsx") from exc
    if not rows:
        raise WorkbookError(f"工作表“{echo(name, 0)}”是空的")
    headers = [str(cell).strip().rstrip("*") for cell in rows[0]]
    positions: dict[str, int] = {}
    missing = []
    for column in COLUMNS:
        if column.header in headers:
            positions[column.field] = headers.index(column.header)
        elif column.required:
            missing.append(column.header)
    if missing:
        raise WorkbookError(
            f"工作表“{echo(name, 0)}”缺少必填列：{'、'.join(missing)}（请使用导入模板）"
        )
    data_rows = len(rows) - 1
    if data_rows > MAX_ROWS:
        raise WorkbookError(f"工作表“{echo(name, 0)}”有 {data_rows} 行，超过 {MAX_ROWS} 行的上限")

    def generate() -> Iterator[RawRow]:
        for offset, row in enumerate(rows[1:], start=2):
            cells = {field: row[pos] if pos < len(row) else "" for field, pos in positions.items()}
            if all(value in ("", None) for value in cells.values()):
                continue
            yield RawRow(number=offset, cells=cells)

    return name, generate(), data_rows
