"""The import template: headers, dropdowns for every enumeration, text-formatted number columns."""

from __future__ import annotations

import io

import xlsxwriter

from dangjian.core.exports import spreadsheet_safe
from dangjian.members.choices import MemberStatus
from dangjian.members.fields import BY_NAME, Kind, MemberField
from dangjian.members.workbook.columns import (
    COLUMNS,
    IMPORTABLE_STATUSES,
    NOTES_SHEET,
    OPTIONS_SHEET,
    SHEET,
)

DATA_ROWS = 5000  # how far down the dropdowns reach

NOTES = [
    "带 * 的列必须填写；其他列可留空。",
    "身份证号码按18位填写，出生日期和性别由系统自动得出，不必另填。",
    "党支部编码、党小组编码、党籍状态、学历、民族、是否干部请从下拉列表中选择。",
    "日期写成 2020-07-01 或使用 Excel 日期格式。",
    "上传后系统会逐行检查，所有错误会按“工作表、行、列”列出；有任何错误时不会导入任何数据。",
    "党籍状态只填正式党员或预备党员；外出流动、失联、留党察看等管理状态在导入后于党员页面登记。",
    "曾从本平台转出的党员再次登记时，系统会恢复其原有档案而不是新建。",
]


# Codes and numbers typed as text: Excel would drop leading zeros and digits past the 15th.
NUMBERS_AS_TEXT = frozenset({Kind.ID_NUMBER, Kind.PHONE, Kind.BRANCH, Kind.PARTY_GROUP})


def _options(spec: MemberField) -> list[str]:
    """A choice column's dropdown: the labels (the import reads them back), and only the
    statuses a file may bring in."""
    if spec.name == "status":
        return [MemberStatus(s).label for s in IMPORTABLE_STATUSES]
    return [label for value, label in spec.choices if value]


def build_template(branches: list[tuple[str, str]], groups: list[tuple[str, str, str]]) -> bytes:
    """``branches``: (code, name) the importer may import into; ``groups``: (code, name, branch)."""
    buffer = io.BytesIO()
    # Text is never turned into a formula or link; user-derived text (branch and group names)
    # also goes through spreadsheet_safe so an organisation named "=..." stays text when edited.
    book = xlsxwriter.Workbook(
        buffer, {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False}
    )
    header = book.add_format({"bold": True, "bg_color": "#F2DCDB", "border": 1})
    text = book.add_format({"num_format": "@"})
    date_format = book.add_format({"num_format": "yyyy-mm-dd"})
    sheet = book.add_worksheet(SHEET)
    options = book.add_worksheet(OPTIONS_SHEET)
    notes = book.add_worksheet(NOTES_SHEET)
    lists = {
        Kind.BRANCH: [code for code, _ in branches] or ["（无可导入的党支部）"],
        Kind.PARTY_GROUP: [code for code, _, _ in groups] or [""],
        Kind.FLAG: ["是", "否"],
    }
    for index, column in enumerate(COLUMNS):
        spec = BY_NAME[column.field]
        sheet.write(0, index, column.header + ("*" if column.required else ""), header)
        cell_format = (
            text
            if spec.kind in NUMBERS_AS_TEXT
            else (date_format if spec.kind is Kind.DATE else None)
        )
        sheet.set_column(index, index, column.width, cell_format)
        values = _options(spec) if spec.kind is Kind.CHOICE else lists.get(spec.kind)
        if values:
            options.write_column(0, index, [spreadsheet_safe(value) for value in values])
            letter = xlsxwriter.utility.xl_col_to_name(index)
            sheet.data_validation(
                1,
                index,
                DATA_ROWS,
                index,
                {
                    "validate": "list",
                    "source": f"='{OPTIONS_SHEET}'!${letter}$1:${letter}${len(values)}",
                    "error_title": column.header,
                    "error_message": f"请从下拉列表中选择{column.header}",
                },
            )
        if spec.kind is Kind.DATE:
            sheet.data_validation(
                1,
                index,
                DATA_ROWS,
                index,
                {
                    "validate": "date",
                    "criteria": ">",
                    "value": "1900-01-01",
                    "ignore_blank": True,
                    "error_message": "请填写有效日期",
                },
            )
    sheet.freeze_panes(1, 0)
    options.hide()
    notes.set_column(0, 0, 90)
    for row, line in enumerate(NOTES):
        notes.write(row, 0, f"{row + 1}. {line}")
    notes.write(len(NOTES) + 1, 0, "可导入的党支部：")
    for row, (code, name) in enumerate(branches, start=len(NOTES) + 2):
        notes.write_string(row, 0, spreadsheet_safe(f"{code}  {name}"))
    book.close()
    return buffer.getvalue()
