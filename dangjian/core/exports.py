"""One escape for every cell the platform writes into a CSV or xlsx file (formula injection).

A spreadsheet program evaluates a cell whose text begins with a formula character, so text that
came from a user (a login name, an organisation name, a member's post) could run
``=HYPERLINK(...)`` or a DDE command on the auditor's machine. OWASP's rule, extended:

- Dangerous first characters: ``=`` ``+`` ``-`` ``@`` and tab, carriage return and line feed
  (a leading control character makes some programs re-parse the rest as a formula).
- Also their full-width forms ``＝`` ``＋`` ``－`` ``＠``: Chinese input methods type them, and
  WPS and Excel with East Asian settings fold them to ASCII when a cell is entered or a CSV opened.
- Checked after leading whitespace (ASCII and the ideographic space U+3000, NBSP, BOM and other
  Unicode spaces), because Excel and LibreOffice strip it before deciding.

Such a value gets a leading apostrophe, which every spreadsheet program shows as text and a person
reading the file still recognises; the original text is otherwise kept unchanged. Values that are
not text (numbers, dates) cannot be formulas and are returned unchanged; ``None`` becomes ``""``.
"""

from __future__ import annotations

from typing import Any

FORMULA_STARTS = frozenset("=+-@\t\r\n＝＋－＠")
# Unicode spaces (and BOM, zero-width space) that spreadsheet programs drop before a formula.
_LEADING_SPACE = (
    "".join(
        chr(code)
        for code in (0x20, 0xA0, 0x1680, *range(0x2000, 0x200C), 0x2028, 0x2029, 0x202F, 0x205F)
    )
    + "\u3000\ufeff"
)


def is_formula_like(text: str) -> bool:
    """Whether a spreadsheet could read ``text`` as a formula (see the module docstring)."""
    if text[:1] in FORMULA_STARTS:
        return True
    stripped = text.lstrip(_LEADING_SPACE)
    return stripped[:1] in FORMULA_STARTS


def spreadsheet_safe(value: Any) -> Any:
    """The cell value to write: text a spreadsheet would evaluate gets a leading apostrophe."""
    if value is None:
        return ""
    if isinstance(value, bool | int | float):
        return value
    text = str(value)
    return "'" + text if is_formula_like(text) else text


def safe_row(values: list[Any]) -> list[Any]:
    """Every cell of one row through ``spreadsheet_safe``."""
    return [spreadsheet_safe(value) for value in values]
