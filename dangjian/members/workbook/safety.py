"""Refuse hostile or mistaken files before any spreadsheet parser reads them.

An .xlsx is a zip of XML parts. Sizes in zip headers can lie, so limits are enforced on the bytes
actually inflated; every XML part is scanned for DOCTYPE/ENTITY declarations (entity expansion),
and macro or external-link parts are refused outright.
"""

from __future__ import annotations

import io
import zipfile

MAX_FILE_BYTES = 20 * 1024 * 1024
MAX_ENTRIES = 2000
MAX_INFLATED_BYTES = 300 * 1024 * 1024
MAX_RATIO = 200
CHUNK = 1024 * 1024
FORBIDDEN_MARKERS = (b"<!doctype", b"<!entity")


class UnsafeWorkbook(ValueError):
    """The file is not an acceptable .xlsx; the message is for the user, in Chinese."""


def _not_xlsx(data: bytes) -> UnsafeWorkbook:
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        return UnsafeWorkbook("这是旧版 .xls（或加密）文件，请在 Excel 中另存为 .xlsx 后再上传")
    return UnsafeWorkbook(
        "只接受 .xlsx 格式的 Excel 文件：该文件的内容不是 .xlsx（可能只是改了扩展名）"
    )


def _scan(archive: zipfile.ZipFile, info: zipfile.ZipInfo, budget: list[int]) -> None:
    """Inflate one part in chunks, counting real bytes and looking for forbidden markers."""
    tail = b""
    is_rels = info.filename.endswith(".rels")
    with archive.open(info) as part:
        while chunk := part.read(CHUNK):
            budget[0] -= len(chunk)
            if budget[0] < 0:
                raise UnsafeWorkbook("文件解压后体积异常巨大（疑似压缩炸弹），已拒绝")
            window = (tail + chunk).lower()
            if any(marker in window for marker in FORBIDDEN_MARKERS):
                raise UnsafeWorkbook(
                    "文件含有 XML 实体声明（DOCTYPE/ENTITY），存在安全风险，已拒绝"
                )
            if is_rels and b'targetmode="external"' in window:
                raise UnsafeWorkbook("文件含有指向外部的链接，已拒绝；请删除外部链接后再上传")
            tail = chunk[-64:]


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
    budget = [MAX_INFLATED_BYTES]
    try:
        for info in infos:
            if info.filename.endswith((".xml", ".rels", ".vml")):
                _scan(archive, info, budget)
        types = archive.read("[Content_Types].xml").lower()
    except UnsafeWorkbook:
        raise
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
        raise UnsafeWorkbook("文件已损坏或不完整，无法作为 .xlsx 打开") from exc
    if b"macroenabled" in types or b"vbaproject" in types:
        raise UnsafeWorkbook("文件含有宏，已拒绝；请另存为不含宏的 .xlsx 后再上传")
