"""Bound the member sheet's extent from its XML, before any parser materialises a cell.

python-calamine builds one dense range from the first to the last cell it finds, so a header at A1
and one value at XFD1048576 ask for about 512 GiB, and a sheet's declared or styled extent can be
far larger than its data. Every place a parser could put a cell is checked here on the inflated
bytes as they stream past, and reading stops at the first row or column beyond the limits.

Two paths keep this cheap: files written by Excel, WPS, LibreOffice and the usual libraries put
``r="…"`` first on every ``<row>`` and ``<c>``, so a few substring counts over a folded copy of a
chunk show that it has that shape and holds no reference past the limits (a regular expression
then looks at the rare chunk that might). A chunk of any other shape (attributes in another order,
cells without a reference, which a parser places one after another) is walked tag by tag.
"""

from __future__ import annotations

import html
import posixpath
import re
from dataclasses import dataclass, field
from typing import Any
from xml.parsers import expat

from dangjian.members.rules import echo

MAX_DATA_ROWS = 200_000
MAX_SHEET_ROWS = MAX_DATA_ROWS + 1  # the header is row 1
MAX_COLUMNS = 26  # A–Z: the template has 12 columns; a few added by hand still fit
LAST_COLUMN = "Z"
MAX_SHARED_STRINGS_BYTES = 64 * 1024 * 1024

# In a chunk of the usual shape every <row> and <c> starts with r="…": their references.
_LEADING_REF = re.compile(rb'<(?:[\w.-]+:)?(?:c|row) r="([^"]*)"')
# Letters to A, digits to 0, one kind of quote, and blanks, ">" and "/" to a space: the tests
# below are then a few plain substring counts (about 1 GB/s each), where a regular expression
# would stop at every "<".
_FOLD = bytes.maketrans(
    b"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789'\t\n\r>/",
    b"A" * 26 + b"0" * 10 + b'"' + b" " * 5,
)
# Only a chunk holding one of these can reference a column past Z or a row from 100000 on.
_MAYBE_FAR = (b' r="AA', b'r="A000000', b'r="000000')


def _is_odd(folded: bytes) -> bool:
    """A <row> or <c> that does not start with r="…", or one under a namespace prefix: the
    chunk is then walked tag by tag."""
    # Folded, a reference Excel writes starts with a letter (now "A") or, for a row, a digit
    # ("0"); lower-case letters or anything else make the counts differ.
    if folded.count(b"<c ") != folded.count(b'<c r="A'):
        return True
    if folded.count(b"<row ") != folded.count(b'<row r="0'):
        return True
    # A character reference in a reference (r="&#88;FD1") is walked too, and refused there.
    return b":c " in folded or b":row " in folded or b'r="&' in folded


# A whole start or end tag: a ">" inside a quoted attribute value does not end it.
_TAG = re.compile(rb"""<(/?)(?:[\w.-]+:)?(c|row)(?=[\s/>])((?:[^>"']|"[^"]*"|'[^']*')*)>""")
_REF_WITH_AMPERSAND = re.compile(rb"""\sr\s*=\s*(?:"[^"]*&|'[^']*&)""")
_LAST_ROW = re.compile(rb"""<(?:[\w.-]+:)?row r="(\d+)\"""")
_LAST_CELL = re.compile(rb"""<(?:[\w.-]+:)?c r="([A-Z]+)(\d+)\"""")
_DIMENSION = re.compile(rb"""<(?:[\w.-]+:)?dimension\b[^>]*\sref=["']([^"']*)["']""")
# What Excel writes, and nothing else: upper-case letters, a row without leading zeros.
_CELL_REF = re.compile(r"([A-Z]{1,3})([1-9][0-9]{0,6})")
_ROW_REF = re.compile(r"[1-9][0-9]{0,6}")
_SHEET_TAG = re.compile(rb"<(?:[\w.-]+:)?sheet\s[^>]*>")
# Attribute values in matched quotes: a quote of the other kind inside a value is just text.
_ATTR = re.compile(rb"""([\w.:-]+)\s*=\s*(?:"([^"]*)"|'([^']*)')""")
_RELATIONSHIP = re.compile(rb"<(?:[\w.-]+:)?Relationship\s[^>]*>")


class ExtentError(ValueError):
    """The sheet reaches past what an import may read; the message is for the user."""


def column_number(letters: str) -> int:
    number = 0
    for letter in letters:
        number = number * 26 + ord(letter) - 64
    return number


def _split_ref(ref: str) -> tuple[int, int]:
    match = _CELL_REF.fullmatch(ref.replace("$", ""))
    if match is None:
        raise ExtentError("文件已损坏：单元格位置“" + echo(ref, 20) + "”无法识别")
    return column_number(match.group(1)), int(match.group(2))


def _row_number(ref: str) -> int:
    if _ROW_REF.fullmatch(ref) is None:
        raise ExtentError("文件已损坏：行号“" + echo(ref, 20) + "”无法识别")
    return int(ref)


def attributes(tag: bytes) -> dict[bytes, bytes]:
    """A tag's attributes by local name. A name given twice (``r`` and ``x:r``, two ``id``s) is
    refused: parsers disagree on which one counts."""
    found: dict[bytes, bytes] = {}
    for key, double, single in _ATTR.findall(tag):
        local = key.split(b":")[-1]
        if local in found:
            raise ExtentError(
                "文件已损坏：同一元素重复声明了属性“" + echo(local.decode(), 20) + "”"
            )
        found[local] = double or single
    return found


def sheet_part(workbook_xml: bytes, rels_xml: bytes, preferred: str) -> tuple[str, str] | None:
    """The worksheet part the reader will open (the sheet named ``preferred``, else the first)
    and the sheet's name, from workbook.xml and its relationships; None when they don't say."""
    sheets: list[tuple[str, str]] = []
    for tag in _SHEET_TAG.findall(workbook_xml):
        attrs = attributes(tag)
        name = html.unescape(attrs.get(b"name", b"").decode("utf-8", "replace"))
        sheets.append((name, attrs.get(b"id", b"").decode("ascii", "replace")))
    if not sheets:
        return None
    name, rel_id = next(((n, r) for n, r in sheets if n == preferred), sheets[0])
    for tag in _RELATIONSHIP.findall(rels_xml):
        attrs = attributes(tag)
        if attrs.get(b"Id", b"").decode("ascii", "replace") == rel_id:
            target = html.unescape(attrs.get(b"Target", b"").decode("utf-8", "replace"))
            if target.startswith("/"):
                return target.lstrip("/"), name
            return posixpath.normpath(posixpath.join("xl", target)), name
    return None


ENTITY_MESSAGE = "文件含有 XML 实体声明（DOCTYPE/ENTITY），存在安全风险，已拒绝"


def _refuse_doctype(*_: Any) -> None:
    raise ExtentError(ENTITY_MESSAGE)


def _strict_parser() -> Any:
    parser = expat.ParserCreate()
    parser.StartDoctypeDeclHandler = _refuse_doctype
    parser.EntityDeclHandler = _refuse_doctype
    return parser


@dataclass
class ExtentScanner:
    """Fed the inflated worksheet part chunk by chunk; raises ``ExtentError`` at the first row or
    column a parser would place beyond the limits."""

    sheet: str
    row: int = 0  # the row and column where a cell without a reference would go next
    column: int = 0
    carry: bytes = b""
    body_started: bool = False
    # Well-formedness first: then "<" never stands inside an attribute value, so a chunk cut
    # at its last "<" holds only whole tags, and every parser sees the same elements.
    # It also refuses a DOCTYPE outright, which spares the member sheet the byte scan for one.
    xml: Any = field(default_factory=lambda: _strict_parser())

    def feed(self, chunk: bytes) -> None:
        self._parse(chunk)
        buffer = self.carry + chunk
        cut = buffer.rfind(b"<")
        if cut <= 0:
            self.carry = buffer
            return
        # A tag never spans the last "<": everything before it is complete.
        self.carry, buffer = buffer[cut:], buffer[:cut]
        self._scan(buffer)

    def _parse(self, chunk: bytes, final: bool = False) -> None:
        try:
            self.xml.Parse(chunk, final)
        except expat.ExpatError as exc:
            raise ExtentError(
                f"工作表“{self.sheet}”不是规范的 XML（第 {exc.lineno} 行附近），"
                "请在 Excel 或 WPS 中打开并另存为 .xlsx 后重新上传"
            ) from exc

    def finish(self) -> None:
        self._parse(b"", final=True)
        if self.carry:
            self._scan(self.carry + b" ")
            self.carry = b""

    def _scan(self, buffer: bytes) -> None:
        if not self.body_started:
            self._check_dimension(buffer)
            self.body_started = b"sheetData" in buffer
        folded = buffer.translate(_FOLD)
        if _is_odd(folded):
            self._walk(buffer)
            return
        if b"&" in buffer and _REF_WITH_AMPERSAND.search(buffer):
            raise ExtentError("文件已损坏：单元格位置中含有字符引用，无法识别")
        if any(marker in folded for marker in _MAYBE_FAR):
            self._check_far(buffer)
        self._remember_position(buffer)

    def _check_far(self, buffer: bytes) -> None:
        for match in _LEADING_REF.finditer(buffer):
            ref = match.group(1).decode("ascii", "replace")
            if ref[:1].isdigit():
                self._check(1, _row_number(ref), ref)
            else:
                self._check(*_split_ref(ref), ref)

    def _remember_position(self, buffer: bytes) -> None:
        """Where the last row and cell of a chunk were, for a later chunk that is walked."""
        at = buffer.rfind(b'row r="')
        if at >= 0:
            row = _LAST_ROW.match(buffer, buffer.rfind(b"<", 0, at))
            if row is not None:
                self.row, self.column = int(row.group(1)), 0
            buffer = buffer[at:]
        cells = _LAST_CELL.findall(buffer)
        if cells:
            letters, row_digits = cells[-1]
            self.column, self.row = column_number(letters.decode()), int(row_digits)

    def _walk(self, buffer: bytes) -> None:
        """Tag by tag, as a parser places cells: a row or cell without a reference follows the
        previous one."""
        for match in _TAG.finditer(buffer):
            if match.group(1):
                continue
            ref = attributes(match.group(3)).get(b"r", b"").decode("ascii", "replace")
            if match.group(2) == b"row":
                self.row, self.column = (_row_number(ref) if ref else self.row + 1), 0
                self._check(1, self.row, ref or str(self.row))
                continue
            if ref:
                self.column, self.row = _split_ref(ref)
            else:
                self.column += 1
            self._check(self.column, self.row, ref or f"第{self.row}行第{self.column}列")

    def _check(self, column: int, row: int, ref: str) -> None:
        if row > MAX_SHEET_ROWS:
            raise ExtentError(
                f"工作表“{self.sheet}”超过 {MAX_DATA_ROWS} 行的上限（第 {row} 行有内容或格式）；"
                "请删除多余的行后重新上传"
            )
        if column > MAX_COLUMNS:
            raise ExtentError(
                f"工作表“{self.sheet}”的 {echo(ref, 20)} 有内容或格式，超出导入模板的列范围"
                f"（最多到 {LAST_COLUMN} 列）；请删除多余的列后重新上传"
            )

    def _check_dimension(self, buffer: bytes) -> None:
        found = _DIMENSION.search(buffer)
        if found is None:
            return
        declared = found.group(1).decode("ascii", "replace")
        column, row = _split_ref(declared.split(":")[-1])
        if row > MAX_SHEET_ROWS or column > MAX_COLUMNS:
            raise ExtentError(
                f"工作表“{self.sheet}”声明的数据范围 {echo(declared, 30)} 超出导入上限"
                f"（最多到 {LAST_COLUMN} 列、{MAX_SHEET_ROWS} 行）；"
                "请删除多余的行和列，或把数据复制到新的导入模板后重新上传"
            )
