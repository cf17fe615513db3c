"""A file's type comes from its bytes: every family recognised, renamed ones not fooled."""

from __future__ import annotations

import io
import zipfile

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dangjian.core.files import rules
from dangjian.core.files.rules import kept_name, size_refusal, sniff, type_refusal


def ooxml(main_part: str, content_type: str, *, extra: dict[str, bytes] | None = None) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/'
            'package/2006/content-types"><Default Extension="xml" ContentType="application/xml"/>'
            f'<Override ContentType="{content_type}" PartName="/{main_part}"/></Types>',
        )
        archive.writestr(main_part, "<root/>")
        for name, data in (extra or {}).items():
            archive.writestr(name, data)
    return buffer.getvalue()


OOXML = "application/vnd.openxmlformats-officedocument."
DOCX_BYTES = ooxml("word/document.xml", OOXML + "wordprocessingml.document.main+xml")
XLSX_BYTES = ooxml("xl/workbook.xml", OOXML + "spreadsheetml.sheet.main+xml")
PPTX_BYTES = ooxml("ppt/presentation.xml", OOXML + "presentationml.presentation.main+xml")


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj", rules.PDF),
        (b"\xff\xd8\xff\xe0\x00\x10JFIF\x00", rules.JPEG),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", rules.PNG),
        (b"RIFF\x24\x00\x00\x00WEBPVP8 ", rules.WEBP),
        (DOCX_BYTES, rules.DOCX),
        (XLSX_BYTES, rules.XLSX),
        (PPTX_BYTES, rules.PPTX),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, rules.OLE),
        (b"MZ\x90\x00\x03\x00\x00\x00", rules.EXECUTABLE),
        (b"\x7fELF\x02\x01\x01\x00", rules.EXECUTABLE),
        (b"\xcf\xfa\xed\xfe\x07\x00\x00\x01", rules.EXECUTABLE),
        (b"#!/bin/sh\nrm -rf /\n", rules.SCRIPT),
        (b"\xef\xbb\xbf  <html><script>alert(1)</script>", rules.SCRIPT),
        (b"<svg xmlns='http://www.w3.org/2000/svg' onload='x()'/>", rules.SCRIPT),
        (b"<?php system($_GET['c']);", rules.SCRIPT),
        (b"just some text", None),
        (b"", None),
    ],
)
def test_type_is_decided_by_content(data: bytes, expected: str | None) -> None:
    assert sniff(data).content_type == expected


def test_a_zip_is_office_only_when_its_main_part_is_declared_and_present() -> None:
    plain = io.BytesIO()
    with zipfile.ZipFile(plain, "w") as archive:
        archive.writestr("readme.txt", "hello")
    assert sniff(plain.getvalue()).content_type == rules.ZIP
    # Content types name the workbook, but the part is missing: not an .xlsx.
    hollow = io.BytesIO()
    with zipfile.ZipFile(hollow, "w") as archive:
        archive.writestr(
            "[Content_Types].xml",
            f'<Types><Override PartName="/xl/workbook.xml" ContentType="{OOXML}'
            'spreadsheetml.sheet.main+xml"/></Types>',
        )
    assert sniff(hollow.getvalue()).content_type == rules.ZIP
    assert sniff(b"PK\x03\x04 broken archive").content_type is None


def test_macro_packages_are_recognised_whatever_they_claim() -> None:
    xlsm = ooxml("xl/workbook.xml", "application/vnd.ms-excel.sheet.macroEnabled.main+xml")
    assert sniff(xlsm).content_type == rules.MACRO_OFFICE
    disguised = ooxml(
        "word/document.xml",
        OOXML + "wordprocessingml.document.main+xml",
        extra={"word/vbaProject.bin": b"\xd0\xcf\x11\xe0"},
    )
    assert sniff(disguised).content_type == rules.MACRO_OFFICE
    assert sniff(disguised).dangerous


def test_refusals_name_what_the_file_is_and_what_is_accepted() -> None:
    allowed = rules.PDFS | rules.IMAGES
    assert type_refusal(sniff(b"%PDF-1.4"), allowed) is None
    executable = type_refusal(sniff(b"MZ\x90\x00"), allowed)
    assert executable is not None and "可执行程序" in executable and "改了扩展名" in executable
    assert "PDF" in executable and "PNG 图片" in executable
    script = type_refusal(sniff(b"#!/usr/bin/env python"), allowed)
    assert script is not None and "脚本" in script
    legacy = type_refusal(sniff(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"), rules.OFFICE_DOCUMENTS)
    assert legacy is not None and "旧版 Office" in legacy
    assert type_refusal(sniff(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"), rules.LEGACY_OFFICE) is None
    unknown = type_refusal(sniff(b"plain"), rules.SPREADSHEETS)
    assert unknown is not None and "无法识别" in unknown and "Excel 工作簿（.xlsx）" in unknown


def test_size_refusal() -> None:
    assert size_refusal(5 * 1024 * 1024, 5 * 1024 * 1024) is None
    assert size_refusal(5 * 1024 * 1024 + 1, 5 * 1024 * 1024) == "文件不能超过5MB"
    assert size_refusal(0, 100) == "文件是空的，请选择要上传的文件"


def test_kept_name_masks_numbers_and_drops_directories() -> None:
    assert kept_name("C:\\fakepath\\110101199003074514张三.xlsx") == "110*************14张三.xlsx"
    assert kept_name("../../etc/passwd") == "passwd"
    assert kept_name("ａｂｃ\x00\x1f.pdf") == "abc.pdf"
    assert kept_name("   ") == "未命名文件"
    long = kept_name("很" * 300 + ".pdf")
    assert len(long) == 200 and long.endswith("….pdf")


@given(st.binary(max_size=64))
def test_any_bytes_behind_an_executable_header_are_executable(tail: bytes) -> None:
    for magic in (b"MZ", b"\x7fELF"):
        assert type_refusal(sniff(magic + tail), rules.PDFS | rules.OFFICE_DOCUMENTS) is not None


@given(st.text(max_size=300))
def test_kept_name_is_bounded_and_has_no_separators(name: str) -> None:
    kept = kept_name(name)
    assert 0 < len(kept) <= 200 and "/" not in kept and "\\" not in kept
    assert not any(ord(ch) < 32 for ch in kept)
