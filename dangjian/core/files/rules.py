"""Pure decisions about uploaded bytes: what type they really are, and the name kept for them.

The type comes from the content (magic numbers; for a zip, the OOXML ``[Content_Types].xml``
and its main part), never from the extension or the browser's claim, so a renamed executable is
recognised as one. No ORM, no clock.
"""

from __future__ import annotations

import io
import re
import unicodedata
import zipfile
from dataclasses import dataclass

PDF = "application/pdf"
JPEG = "image/jpeg"
PNG = "image/png"
WEBP = "image/webp"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PPTX = "application/vnd.openxmlformats-officedocument.presentationml.presentation"
# Legacy binary Office (.doc/.xls/.ppt) is an OLE compound file; it can carry macros unseen.
OLE = "application/x-ole-storage"
MACRO_OFFICE = "application/vnd.ms-office.macroenabled"
ZIP = "application/zip"
EXECUTABLE = "application/x-executable"
SCRIPT = "text/x-script"

# Groups purposes are declared with.
IMAGES = frozenset({JPEG, PNG, WEBP})
PDFS = frozenset({PDF})
OFFICE_DOCUMENTS = frozenset({DOCX, XLSX, PPTX})
SPREADSHEETS = frozenset({XLSX})
LEGACY_OFFICE = frozenset({OLE})

LABELS = {
    PDF: "PDF",
    JPEG: "JPEG 图片",
    PNG: "PNG 图片",
    WEBP: "WebP 图片",
    DOCX: "Word 文档（.docx）",
    XLSX: "Excel 工作簿（.xlsx）",
    PPTX: "PowerPoint 演示文稿（.pptx）",
    OLE: "旧版 Office 文档（.doc/.xls/.ppt）",
    MACRO_OFFICE: "含宏的 Office 文档",
    ZIP: "压缩包",
    EXECUTABLE: "可执行程序",
    SCRIPT: "脚本或网页",
}

# OOXML main parts: the part the package's content types must name, and what it makes the file.
_OOXML_MAIN = {
    "/word/document.xml": {
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml": DOCX,
        "application/vnd.ms-word.document.macroenabled.main+xml": MACRO_OFFICE,
    },
    "/xl/workbook.xml": {
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml": XLSX,
        "application/vnd.ms-excel.sheet.macroenabled.main+xml": MACRO_OFFICE,
    },
    "/ppt/presentation.xml": {
        "application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml": PPTX,
        "application/vnd.ms-powerpoint.presentation.macroenabled.main+xml": MACRO_OFFICE,
    },
}
MAX_CONTENT_TYPES_BYTES = 256 * 1024

_EXECUTABLE_MAGIC = (
    b"MZ",  # Windows PE / DOS
    b"\x7fELF",
    b"\xfe\xed\xfa\xce",  # Mach-O, both word sizes and byte orders
    b"\xfe\xed\xfa\xcf",
    b"\xce\xfa\xed\xfe",
    b"\xcf\xfa\xed\xfe",
    b"\xca\xfe\xba\xbe",  # Mach-O fat binary / Java class
    b"\x00asm",  # WebAssembly
)
_SCRIPT_STARTS = (b"#!", b"<?php", b"<script", b"<html", b"<!doctype html", b"<svg", b"@echo off")


@dataclass(frozen=True)
class Sniffed:
    content_type: str | None  # None: nothing recognised

    @property
    def label(self) -> str:
        return LABELS.get(self.content_type or "", "无法识别的类型")

    @property
    def dangerous(self) -> bool:
        return self.content_type in (EXECUTABLE, SCRIPT, MACRO_OFFICE)


def sniff(data: bytes) -> Sniffed:
    """The type the bytes are, whatever the file is called."""
    head = data[:512]
    if head.startswith(_EXECUTABLE_MAGIC):
        return Sniffed(EXECUTABLE)
    text_head = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if text_head.startswith(_SCRIPT_STARTS):
        return Sniffed(SCRIPT)
    if head.startswith(b"%PDF-"):
        return Sniffed(PDF)
    if head.startswith(b"\xff\xd8\xff"):
        return Sniffed(JPEG)
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return Sniffed(PNG)
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return Sniffed(WEBP)
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return Sniffed(OLE)
    if head.startswith(b"PK\x03\x04"):
        return Sniffed(_zip_type(data))
    return Sniffed(None)


_OVERRIDE = re.compile(rb"<Override\b([^>]*)>", re.IGNORECASE)
_ATTRIBUTE = re.compile(rb'([A-Za-z]+)\s*=\s*"([^"]*)"')


def _zip_type(data: bytes) -> str | None:
    """An OOXML document when ``[Content_Types].xml`` names a main part that exists; a package
    with a VBA project is macro-enabled whatever it claims; any other zip is just a zip."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        names = {info.filename: info for info in archive.infolist()}
        types_info = names.get("[Content_Types].xml")
        if types_info is None:
            return ZIP
        if types_info.file_size > MAX_CONTENT_TYPES_BYTES:
            return None
        with archive.open(types_info) as part:
            types_xml = part.read(MAX_CONTENT_TYPES_BYTES + 1)
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError):
        return None
    if len(types_xml) > MAX_CONTENT_TYPES_BYTES:
        return None  # the header lied about the size
    if any(name.lower().endswith("vbaproject.bin") for name in names):
        return MACRO_OFFICE
    for attributes in _OVERRIDE.findall(types_xml):
        values = {k.lower(): v for k, v in _ATTRIBUTE.findall(attributes)}
        part_name = values.get(b"partname", b"").decode("ascii", "replace")
        content_type = values.get(b"contenttype", b"").decode("ascii", "replace").lower()
        known = _OOXML_MAIN.get(part_name, {}).get(content_type)
        if known is not None and part_name.lstrip("/") in names:
            return known
    return ZIP


def describe(types: frozenset[str]) -> str:
    """``PDF、JPEG 图片`` — the allow-list as a user reads it, in a stable order."""
    return "、".join(sorted(LABELS.get(t, t) for t in types))


def type_refusal(sniffed: Sniffed, allowed: frozenset[str]) -> str | None:
    """Why these bytes may not be stored for a purpose accepting ``allowed``; None when they may."""
    if sniffed.content_type in allowed:
        return None
    accepted = describe(allowed)
    if sniffed.content_type in (EXECUTABLE, SCRIPT):
        return f"文件内容是{sniffed.label}（可能只是改了扩展名），不能上传；只接受{accepted}"
    if sniffed.content_type == MACRO_OFFICE:
        return f"文件含有宏，不能上传；请另存为不含宏的文档，只接受{accepted}"
    if sniffed.content_type is None:
        return f"无法识别文件的类型（可能已损坏或只是改了扩展名），只接受{accepted}"
    return f"文件内容是{sniffed.label}，此处只接受{accepted}"


def size_refusal(size: int, limit: int) -> str | None:
    if size > limit:
        return f"文件不能超过{human_size(limit)}"
    if size == 0:
        return "文件是空的，请选择要上传的文件"
    return None


def human_size(size: int) -> str:
    if size >= 1024 * 1024 and size % (1024 * 1024) == 0:
        return f"{size // (1024 * 1024)}MB"
    if size >= 1024 * 1024:
        return f"{size / (1024 * 1024):.1f}MB"
    return f"{max(1, size // 1024)}KB"


_LONG_NUMBER = re.compile(r"[0-9Xx](?:[\s\-./_]*[0-9Xx]){8,}")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
MAX_NAME = 200


def _mask_run(match: re.Match[str]) -> str:
    run = match.group(0)
    return run[:3] + "*" * (len(run) - 5) + run[-2:]


def kept_name(original: str, limit: int = MAX_NAME) -> str:
    """The name a stored file keeps: no directories or control characters, full-width folded,
    long digit runs masked (people name files after an ID or phone number), the extension kept
    when cut to ``limit``."""
    folded = unicodedata.normalize("NFKC", original)
    base = folded.replace("\\", "/").rsplit("/", 1)[-1]
    cleaned = _CONTROL.sub("", base).strip() or "未命名文件"
    masked = _LONG_NUMBER.sub(_mask_run, cleaned)
    if len(masked) <= limit:
        return masked
    stem, dot, extension = masked.rpartition(".")
    if dot and 0 < len(extension) <= 10:
        return stem[: limit - len(extension) - 2] + "…." + extension
    return masked[: limit - 1] + "…"
