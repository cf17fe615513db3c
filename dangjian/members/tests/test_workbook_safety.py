"""A hostile-file corpus, generated here: each one refused before parsing, in bounded time."""

from __future__ import annotations

import io
import time
import zipfile

import pytest

from dangjian.members.tests.helpers import new_id
from dangjian.members.tests.workbooks import rezip, row, workbook
from dangjian.members.workbook.safety import UnsafeWorkbook, check_xlsx


def good() -> bytes:
    return workbook([row("张三", new_id())])


def zip_bomb() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"0" * (400 * 1024 * 1024))
    return out.getvalue()


def many_entries() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
        for i in range(2500):
            archive.writestr(f"xl/x{i}.xml", "<x/>")
    return out.getvalue()


def docx() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<document/>")
    return out.getvalue()


ENTITY_BOMB = (
    b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
    b'<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]><worksheet>&lol2;</worksheet>'
)
EXTERNAL_RELS = (
    b'<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/'
    b'relationships"><Relationship Id="rId9" Type="http://x/externalLink" '
    b'Target="file:///C:/secret.xlsx" TargetMode="External"/></Relationships>'
)

CORPUS = {
    "zip bomb": (zip_bomb, "压缩炸弹"),
    "too many entries": (many_entries, "条目过多"),
    "macros": (lambda: rezip(good(), add={"xl/vbaProject.bin": b"\x00" * 64}), "宏"),
    "external link part": (
        lambda: rezip(good(), add={"xl/externalLinks/externalLink1.xml": b"<externalLink/>"}),
        "外部",
    ),
    "external relationship": (
        lambda: rezip(good(), replace={"xl/_rels/workbook.xml.rels": EXTERNAL_RELS}),
        "外部",
    ),
    "xml entities": (
        lambda: rezip(good(), replace={"xl/worksheets/sheet1.xml": ENTITY_BOMB}),
        "实体",
    ),
    "csv renamed": (lambda: "姓名,身份证号码\n张三,1\n".encode(), "只接受 .xlsx"),
    "legacy xls": (lambda: b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 512, "旧版 .xls"),
    "png": (lambda: b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, "只接受 .xlsx"),
    "docx renamed": (docx, "不是 .xlsx"),
    "truncated": (lambda: good()[:400], "损坏"),
}


@pytest.mark.parametrize("name", list(CORPUS))
def test_hostile_files_are_refused_quickly(name: str) -> None:
    build, fragment = CORPUS[name]
    data = build()
    started = time.monotonic()
    with pytest.raises(UnsafeWorkbook, match=fragment):
        check_xlsx(data)
    assert time.monotonic() - started < 10


def test_a_normal_workbook_passes() -> None:
    check_xlsx(good())
