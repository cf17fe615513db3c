"""Refuse hostile or mistaken files before any spreadsheet parser reads them.

An .xlsx is a zip of XML parts. Sizes in zip headers can lie, so limits are enforced on the bytes
actually inflated; every XML part is scanned for DOCTYPE/ENTITY declarations (entity expansion),
and macro or external-link parts are refused outright. The member sheet's rows and columns are
bounded in the same pass (``extent``), before any parser sees a cell.
"""

from __future__ import annotations

import io
import time
import zipfile
from dataclasses import dataclass
from typing import Any

from dangjian.members.rules import echo
from dangjian.members.workbook.columns import SHEET
from dangjian.members.workbook.extent import (
    ENTITY_MESSAGE,
    MAX_SHARED_STRINGS_BYTES,
    ExtentError,
    ExtentScanner,
    sheet_part,
)

MAX_FILE_BYTES = 20 * 1024 * 1024
MAX_ENTRIES = 2000
MAX_INFLATED_BYTES = 300 * 1024 * 1024
MAX_RATIO = 200
CHUNK = 1024 * 1024
FORBIDDEN_MARKERS = (b"<!doctype", b"<!entity")
MAX_INDEX_PART_BYTES = 4 * 1024 * 1024  # workbook.xml and its relationships


class UnsafeWorkbook(ValueError):
    """The file is not an acceptable .xlsx; the message is for the user, in Chinese."""


def _not_xlsx(data: bytes) -> UnsafeWorkbook:
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        return UnsafeWorkbook("这是旧版 .xls（或加密）文件，请在 Excel 中另存为 .xlsx 后再上传")
    return UnsafeWorkbook(
        "只接受 .xlsx 格式的 Excel 文件：该文件的内容不是 .xlsx（可能只是改了扩展名）"
    )


def check_seconds() -> int:
    from django.conf import settings

    return int(getattr(settings, "IMPORT_CHECK_SECONDS", 30))


@dataclass
class _Budget:
    """What the whole check may still inflate, and until when it may run (it runs inside the
    web request that received the upload)."""

    bytes_left: int
    deadline: float

    def spend(self, size: int) -> None:
        self.bytes_left -= size
        if self.bytes_left < 0:
            raise UnsafeWorkbook("文件解压后体积异常巨大（疑似压缩炸弹），已拒绝")
        if time.monotonic() > self.deadline:
            raise UnsafeWorkbook(
                f"检查文件用时超过 {check_seconds()} 秒（文件结构过于复杂），已停止；"
                "请在 Excel 或 WPS 中打开并另存为 .xlsx 后重新上传"
            )


def _scan(
    archive: zipfile.ZipFile,
    info: zipfile.ZipInfo,
    budget: _Budget,
    extent: ExtentScanner | None = None,
) -> None:
    """Inflate one part in chunks, counting real bytes and looking for forbidden markers; the
    member sheet's chunks also go through ``extent``."""
    tail = b""
    is_rels = info.filename.endswith(".rels")
    # Only the member sheet may be large; any other part (shared strings above all) is capped.
    part_budget = None if extent is not None else MAX_SHARED_STRINGS_BYTES
    with archive.open(info) as part:
        first = part.read(CHUNK)
        if not (extent is not None or _looks_like_xml(info.filename, first)):
            _count_only(part, first, budget)
            return
        # Every check here reads UTF-8 (or ASCII) bytes; a part in UTF-16 would slip past them.
        if first.startswith((b"\xff\xfe", b"\xfe\xff")) or b"\x00" in first[:4096]:
            raise UnsafeWorkbook("文件内部的 XML 不是 UTF-8 编码，请在 Excel 或 WPS 中另存为 .xlsx")
        chunk = first
        while chunk:
            budget.spend(len(chunk))
            if part_budget is not None:
                part_budget -= len(chunk)
                if part_budget < 0:
                    what = (
                        "共享文本表"
                        if "sharedstrings" in info.filename.lower()
                        else f"部件“{echo(info.filename, 60)}”"
                    )
                    raise UnsafeWorkbook(
                        f"文件的{what}解压后超过 "
                        f"{MAX_SHARED_STRINGS_BYTES // 1024 // 1024}MB，远超导入所需，已拒绝"
                    )
            if extent is not None:
                extent.feed(chunk)  # its XML parser refuses a DOCTYPE itself
            else:
                window = (tail + chunk).lower()
                if any(marker in window for marker in FORBIDDEN_MARKERS):
                    raise UnsafeWorkbook(ENTITY_MESSAGE)
                if is_rels and b'targetmode="external"' in window:
                    raise UnsafeWorkbook("文件含有指向外部的链接，已拒绝；请删除外部链接后再上传")
            tail = chunk[-64:]
            chunk = part.read(CHUNK)
    if extent is not None:
        extent.finish()


def _looks_like_xml(name: str, first: bytes) -> bool:
    if name.lower().endswith((".xml", ".rels", ".vml")):
        return True
    start = first[:64].lstrip(b"\xef\xbb\xbf \t\r\n")
    return start.startswith(b"<") or first.startswith((b"\xff\xfe", b"\xfe\xff"))


def _count_only(part: Any, first: bytes, budget: _Budget) -> None:
    """A binary part (an image, printer settings): only its inflated size counts."""
    chunk = first
    while chunk:
        budget.spend(len(chunk))
        chunk = part.read(CHUNK)


def _member_sheet(archive: zipfile.ZipFile, names: set[str]) -> tuple[str | None, str]:
    """The part holding the sheet the reader will open, and its name (None: check every sheet)."""
    rels = "xl/_rels/workbook.xml.rels"
    if rels not in names:
        return None, SHEET
    for name in ("xl/workbook.xml", rels):
        if archive.getinfo(name).file_size > MAX_INDEX_PART_BYTES:
            raise UnsafeWorkbook("文件的工作簿目录异常巨大，已拒绝")
    workbook_xml, rels_xml = archive.read("xl/workbook.xml"), archive.read(rels)
    for part in (workbook_xml, rels_xml):
        if any(marker in part.lower() for marker in FORBIDDEN_MARKERS):
            raise UnsafeWorkbook(ENTITY_MESSAGE)
    found = sheet_part(workbook_xml, rels_xml, SHEET)
    if found is None or found[0] not in names:
        return None, SHEET
    return found


def check_xlsx(data: bytes) -> None:
    if len(data) > MAX_FILE_BYTES:
        raise UnsafeWorkbook(f"文件超过 {MAX_FILE_BYTES // 1024 // 1024}MB 上限")
    if not data.startswith(b"PK\x03\x04"):
        raise _not_xlsx(data)
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        infos = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise UnsafeWorkbook("文件已损坏或不完整，无法作为 .xlsx 打开") from exc
    if len(infos) > MAX_ENTRIES:
        raise UnsafeWorkbook("文件内部条目过多（疑似压缩炸弹），已拒绝")
    names = {info.filename for info in infos}
    if "[Content_Types].xml" not in names or "xl/workbook.xml" not in names:
        raise _not_xlsx(data)
    if sum(info.file_size for info in infos) > MAX_INFLATED_BYTES:
        raise UnsafeWorkbook("文件解压后体积异常巨大（疑似压缩炸弹），已拒绝")
    for info in infos:
        lowered = info.filename.lower()
        if lowered.endswith("vbaproject.bin") or (lowered.endswith(".bin") and "vba" in lowered):
            raise UnsafeWorkbook("文件含有宏，已拒绝；请另存为不含宏的 .xlsx 后再上传")
        if lowered.startswith("xl/externallinks/"):
            raise UnsafeWorkbook("文件含有指向外部工作簿的链接，已拒绝；请删除外部链接后再上传")
        if (
            info.compress_size
            and info.file_size > CHUNK
            and (info.file_size / info.compress_size > MAX_RATIO)
        ):
            raise UnsafeWorkbook("文件压缩比异常（疑似压缩炸弹），已拒绝")
    budget = _Budget(MAX_INFLATED_BYTES, time.monotonic() + check_seconds())
    try:
        target, sheet = _member_sheet(archive, names)
        for info in infos:
            # Every part is inflated and counted: a reader follows relationships, not names, so
            # an XML part is known by its content as much as by its extension.
            bounded = info.filename == target or (
                target is None and info.filename.startswith("xl/worksheets/")
            )
            _scan(archive, info, budget, ExtentScanner(echo(sheet, 0)) if bounded else None)
        types = archive.read("[Content_Types].xml").lower()
    except ExtentError as exc:
        raise UnsafeWorkbook(str(exc)) from exc
    except UnsafeWorkbook:
        raise
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
        raise UnsafeWorkbook("文件已损坏或不完整，无法作为 .xlsx 打开") from exc
    if b"macroenabled" in types or b"vbaproject" in types:
        raise UnsafeWorkbook("文件含有宏，已拒绝；请另存为不含宏的 .xlsx 后再上传")
