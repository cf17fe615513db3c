"""Read the member sheet with python-calamine (fast, and it never expands XML entities), in a child
process with memory and time limits.

``safety.check_xlsx`` has already bounded the sheet's extent; the child is what is left to guard
against: a parser bug, a runaway or an abort takes down the child only, and becomes a Chinese error
(``UnreadableWorkbook``) on the job and the API. The child needs no database, settings or keys:
it reads the file from stdin and writes plain values back (see ``sandbox``).
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from dangjian.members.rules import echo
from dangjian.members.workbook.extent import MAX_DATA_ROWS

MAX_ROWS = MAX_DATA_ROWS


class WorkbookError(ValueError):
    """A problem with the sheet as a whole, reported with its sheet name."""


class UnreadableWorkbook(WorkbookError):
    """The parser crashed, ran out of memory or out of time: the file itself must be fixed, so
    running the same job again would only fail again."""


@dataclass(frozen=True)
class RawRow:
    number: int  # as Excel shows it: the header is row 1
    cells: dict[str, Any]


@dataclass(frozen=True)
class Sheet:
    """The non-empty data rows, in file order, kept column by column as the child sent them:
    the importer's workers build each row's cells themselves, in parallel, so the parent never
    holds 100,000 row objects."""

    name: str
    fields: list[str]  # the template fields found, in the order of ``columns``
    numbers: list[int]  # each row's number as Excel shows it (the header is row 1)
    columns: list[list[Any]]  # one list per field, ``len(numbers)`` long
    total: int  # data rows below the header, empty ones included

    def __len__(self) -> int:
        return len(self.numbers)

    def cells(self, position: int) -> dict[str, Any]:
        return {f: column[position] for f, column in zip(self.fields, self.columns, strict=True)}

    def slice(self, start: int, end: int) -> Iterator[tuple[int, dict[str, Any]]]:
        """(row number, cells) for the rows at positions start..end-1."""
        fields = self.fields
        values = zip(*(column[start:end] for column in self.columns), strict=True)
        for number, row in zip(self.numbers[start:end], values, strict=True):
            yield number, dict(zip(fields, row, strict=True))

    @property
    def rows(self) -> list[RawRow]:
        return [RawRow(number, cells) for number, cells in self.slice(0, len(self))]


def read_rows(data: bytes) -> Sheet:
    from dangjian.members.workbook.sandbox import parse_in_child

    name, fields, numbers, columns, total = parse_in_child(data)
    return Sheet(name=name, fields=fields, numbers=numbers, columns=columns, total=total)


# (header, field, required) per template column: what the child needs of ``columns``, passed
# to it so that it imports no Django at all (the choices behind ``columns`` would).
Layout = list[tuple[str, str, bool]]


def template_layout() -> tuple[str, Layout]:
    from dangjian.members.workbook.columns import COLUMNS, SHEET

    return SHEET, [(c.header, c.field, c.required) for c in COLUMNS]


def parse(
    data: bytes, preferred: str, layout: Layout
) -> tuple[str, list[str], list[int], list[list[Any]], int]:
    """In the child: the sheet's name, the template fields found, the non-empty rows' numbers,
    their values column by column (in field order), and the number of data rows."""
    from python_calamine import CalamineError, CalamineWorkbook

    try:
        book = CalamineWorkbook.from_filelike(io.BytesIO(data))
        name = preferred if preferred in book.sheet_names else book.sheet_names[0]
        sheet = book.get_sheet_by_name(name)
    except (CalamineError, IndexError, ValueError) as exc:
        raise WorkbookError("无法读取工作表，请确认文件是用 Excel 或 WPS 保存的 .xlsx") from exc
    shown = echo(name, 0)
    if sheet.total_height > MAX_ROWS + 1:  # extent was checked already; the parser agrees
        raise WorkbookError(f"工作表“{shown}”超过 {MAX_ROWS} 行的上限")
    rows = sheet.iter_rows()
    first = next(rows, None)
    if first is None:
        raise WorkbookError(f"工作表“{shown}”是空的")
    headers = [str(cell).strip().rstrip("*") for cell in first]
    positions: dict[str, int] = {}
    missing = []
    for header, field, required in layout:
        if header in headers:
            positions[field] = headers.index(header)
        elif required:
            missing.append(header)
    if missing:
        raise WorkbookError(f"工作表“{shown}”缺少必填列：{'、'.join(missing)}（请使用导入模板）")
    fields = list(positions)
    wanted = list(positions.values())
    numbers: list[int] = []
    columns: list[list[Any]] = [[] for _ in wanted]
    total = 0
    for number, row in enumerate(rows, start=2):
        total += 1
        if total > MAX_ROWS:
            raise WorkbookError(f"工作表“{shown}”超过 {MAX_ROWS} 行的上限")
        width = len(row)
        values = [row[pos] if pos < width else "" for pos in wanted]
        if all(value in ("", None) for value in values):
            continue
        numbers.append(number)
        for column, value in zip(columns, values, strict=True):
            column.append(value)
    return name, fields, numbers, columns, total
