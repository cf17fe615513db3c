"""Sheets whose extent would make the parser allocate without bound: each is refused from its XML
before any cell is read, in bounded time; legal but unusual layouts within the limits still read."""

from __future__ import annotations

import io
import resource
import time
import zipfile

import pytest

from dangjian.members.tests.workbooks import SHEET_PART, rezip, row, with_sheet_data, workbook
from dangjian.members.workbook import reader
from dangjian.members.workbook.extent import MAX_SHEET_ROWS
from dangjian.members.workbook.safety import UnsafeWorkbook, check_xlsx


def far_cell(ref: str) -> bytes:
    number = "".join(ch for ch in ref if ch.isdigit())
    return with_sheet_data(f'<row r="{number}"><c r="{ref}"><v>1</v></c></row>')


def wide_header() -> bytes:
    """A header row reaching column 16,384."""
    cells = "".join(f'<c r="{_letters(i)}3"><v>{i}</v></c>' for i in range(1, 16385))
    return with_sheet_data(f'<row r="3">{cells}</row>')


def _letters(number: int) -> str:
    letters = ""
    while number:
        number, rest = divmod(number - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def styled_million_rows() -> bytes:
    """Formatting down to the last row Excel has, and no values at all."""
    rows = "".join(f'<row r="{i}" s="1" customFormat="1"/>' for i in range(3, 1_048_577))
    return with_sheet_data(rows)


def cells_without_references() -> bytes:
    """16,384 cells with no r attribute: a parser places them one after another."""
    return with_sheet_data("<row>" + "<c><v>1</v></c>" * 16384 + "</row>")


def huge_shared_strings() -> bytes:
    base = workbook([row("张三", "110101199003074514")])
    strings = b"".join(b"<si><t>%d</t></si>" % i for i in range(4_500_000))
    body = (
        b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        + strings
        + b"</sst>"
    )
    return rezip(base, replace={"xl/sharedStrings.xml": body})


def utf16_sheet() -> bytes:
    """Every byte pattern of the checks would miss a sheet written in UTF-16."""
    data = far_cell("XFD1048576")
    sheet = zipfile.ZipFile(io.BytesIO(data)).read(SHEET_PART).decode()
    sheet = sheet.replace('encoding="UTF-8"', 'encoding="UTF-16"')
    return rezip(data, replace={SHEET_PART: sheet.encode("utf-16")})


def _parts(data: bytes) -> tuple[str, str, str]:
    book = zipfile.ZipFile(io.BytesIO(data))
    names = (SHEET_PART, "xl/workbook.xml", "xl/_rels/workbook.xml.rels")
    sheet, workbook_xml, rels = (book.read(name).decode() for name in names)
    return sheet, workbook_xml, rels


def sheet_under_another_name() -> bytes:
    """The member sheet's part named .bin: a reader follows the relationship, not the name."""
    data = far_cell("XFD1048576")
    sheet, _, rels = _parts(data)
    rels = rels.replace("worksheets/sheet1.xml", "worksheets/sheet1.bin")
    return rezip(
        data,
        replace={"xl/_rels/workbook.xml.rels": rels.encode()},
        add={"xl/worksheets/sheet1.bin": sheet.encode()},
    )


def decoy_sheet_name() -> bytes:
    """A quote of the other kind inside the sheet name hides a second r:id in it."""
    base = workbook([row("张三", "110101199003074514")])
    sheet, workbook_xml, rels = _parts(far_cell("XFD1048576"))
    rels = rels.replace('Target="worksheets/sheet1.xml"', 'Target="worksheets/far.xml"').replace(
        "</Relationships>",
        '<Relationship Id="rId99" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
        'relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>',
    )
    workbook_xml = workbook_xml.replace(
        '<sheet name="党员信息" sheetId="1" r:id="rId1"/>',
        '<sheet r:id="rId1" name="党员信息\' r:id=\'rId99" sheetId="1"/>',
    )
    return rezip(
        base,
        replace={
            "xl/workbook.xml": workbook_xml.encode(),
            "xl/_rels/workbook.xml.rels": rels.encode(),
        },
        add={"xl/worksheets/far.xml": sheet.encode()},
    )


def cell(tag: str) -> bytes:
    return with_sheet_data(f'<row r="3">{tag}<v>1</v></c></row>')


CORPUS = {
    "far-away single cell XFD1048576": (lambda: far_cell("XFD1048576"), "超过 200000 行"),
    "far-away cell AZ1048576": (lambda: far_cell("AZ1048576"), "超过 200000 行"),
    "far-away cell in range rows, far column": (lambda: far_cell("XFD7"), "XFD7"),
    "one row past the cap": (lambda: far_cell(f"A{MAX_SHEET_ROWS + 1}"), "超过 200000 行"),
    "declared dimension larger than the data": (
        lambda: with_sheet_data("", dimension="A1:XFD1048576"),
        "声明的数据范围",
    ),
    "16,384 columns": (wide_header, "超出导入模板的列范围"),
    "styles for a million rows, no values": (styled_million_rows, "超过 200000 行"),
    "cells without references": (cells_without_references, "超出导入模板的列范围"),
    "reference not the first attribute": (
        lambda: with_sheet_data('<row r="3"><c s="0" r="XFD3"><v>1</v></c></row>'),
        "XFD3",
    ),
    "namespace prefix": (
        lambda: with_sheet_data('<row r="3"><c r="XFD3"><v>1</v></c></row>', prefix="x"),
        "XFD3",
    ),
    "huge shared strings": (huge_shared_strings, "共享文本表"),
    "character reference in a reference": (
        lambda: with_sheet_data('<row r="3"><c r="&#88;FD3"><v>1</v></c></row>'),
        "无法识别",
    ),
    "sheet in UTF-16": (utf16_sheet, "UTF-8"),
    "lower-case column": (lambda: cell('<c r="xfd1048576">'), "无法识别"),
    "leading zeros in the row": (lambda: cell('<c r="Z0001048576">'), "无法识别"),
    "member sheet stored as .bin": (sheet_under_another_name, "超过 200000 行"),
    "r= inside another attribute's value": (
        lambda: cell("""<c foo="x' r='A3" r="XFD1048576">"""),
        "超过 200000 行",
    ),
    "quote trick in the sheet name": (decoy_sheet_name, "超过 200000 行"),
    "> inside an attribute value": (lambda: cell('<c foo="a>b" r="XFD3">'), "XFD3"),
    "< inside an attribute value": (lambda: cell('<c foo="a<b" r="XFD3">'), "不是规范的 XML"),
    "same attribute twice": (lambda: cell('<c r="A3" r="XFD3">'), "不是规范的 XML"),
}


@pytest.mark.parametrize("name", list(CORPUS))
def test_hostile_extents_are_refused_before_parsing(name: str) -> None:
    build, fragment = CORPUS[name]
    data = build()
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.monotonic()
    with pytest.raises(UnsafeWorkbook, match=fragment):
        check_xlsx(data)
    assert time.monotonic() - started < 10
    # The check inflates in 1 MB chunks: it never holds a sheet, let alone a dense range.
    grown_mb = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
    assert grown_mb < 200


def test_a_parser_places_unreferenced_cells_the_same_way_and_they_are_read() -> None:
    """Cells without r, attributes in another order and a prefix are legal: within the limits
    they pass the check and the reader finds the member in them."""
    base = workbook([row("张三", "110101199003074514")])
    sheet = zipfile.ZipFile(io.BytesIO(base)).read(SHEET_PART).decode()
    sheet = sheet.replace('<c r="', '<c s="0" r="', 1).replace('<row r="2" spans="1:12">', "<row>")
    for column in "ABCDEFGHIJKL":
        sheet = sheet.replace(f' r="{column}2"', "", 1)
    data = rezip(base, replace={SHEET_PART: sheet.encode()})
    check_xlsx(data)
    read = reader.read_rows(data)
    assert [r.cells["name"] for r in read.rows] == ["张三"]
    assert read.rows[0].number == 2


def test_a_sheet_at_the_limits_passes() -> None:
    data = with_sheet_data(f'<row r="{MAX_SHEET_ROWS}"><c r="Z{MAX_SHEET_ROWS}"><v>1</v></c></row>')
    check_xlsx(data)


def test_only_the_member_sheet_is_bounded() -> None:
    """Another sheet of the user's may be wide; the reader never opens it."""
    data = workbook([row("张三", "110101199003074514")])
    check_xlsx(data)
    wide = '<row r="1"><c r="XFD1"><v>1</v></c></row>'
    sheet = zipfile.ZipFile(io.BytesIO(data)).read(SHEET_PART).decode()
    extra = sheet.replace(
        sheet[sheet.index("<sheetData>") : sheet.index("</sheetData>")], "<sheetData>" + wide
    )
    book = zipfile.ZipFile(io.BytesIO(data))
    workbook_xml = (
        book.read("xl/workbook.xml")
        .decode()
        .replace("</sheets>", '<sheet name="备注" sheetId="2" r:id="rId9"/></sheets>')
    )
    rels = (
        book.read("xl/_rels/workbook.xml.rels")
        .decode()
        .replace(
            "</Relationships>",
            '<Relationship Id="rId9" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
            'relationships/worksheet" Target="worksheets/sheet2.xml"/></Relationships>',
        )
    )
    combined = rezip(
        data,
        replace={
            "xl/workbook.xml": workbook_xml.encode(),
            "xl/_rels/workbook.xml.rels": rels.encode(),
        },
        add={"xl/worksheets/sheet2.xml": extra.encode()},
    )
    check_xlsx(combined)
    with pytest.raises(UnsafeWorkbook, match="XFD1"):
        check_xlsx(rezip(data, replace={SHEET_PART: extra.encode()}))
