"""The kinds of upload the platform keeps, each declared by the app that owns it.

An app registers its purposes from its ``AppConfig.ready()``; core knows none of them. A purpose
says which content types it accepts (by sniffed content), how large a file may be, which action
uploads it and which action reads it back (scope is the owning node's), and optionally a further
check on who may read one file (the import workbook: only its uploader).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

_PURPOSES: dict[str, FilePurpose] = {}


@dataclass(frozen=True)
class FilePurpose:
    key: str  # stored in every row: never rename one that has files
    label: str  # what users read: 党员导入文件, 会议佐证材料, …
    allowed_types: frozenset[str]
    max_bytes: int
    upload_action: str
    read_action: str
    may_read: Callable[[Any, Any], bool] | None = None  # (user, stored file) → bool

    def __post_init__(self) -> None:
        if not self.allowed_types:
            raise ValueError(f"file purpose {self.key!r} accepts no content type")
        if self.max_bytes <= 0:
            raise ValueError(f"file purpose {self.key!r} needs a positive size limit")


def register(purpose: FilePurpose) -> FilePurpose:
    """Declare a purpose; declaring the same one again (a second ``ready()``) is harmless."""
    existing = _PURPOSES.get(purpose.key)
    if existing is not None and existing != purpose:
        raise ValueError(f"file purpose {purpose.key!r} is already declared differently")
    _PURPOSES[purpose.key] = purpose
    return purpose


def unregister(key: str) -> None:
    """For tests that declare a purpose of their own."""
    _PURPOSES.pop(key, None)


def get(key: str) -> FilePurpose:
    try:
        return _PURPOSES[key]
    except KeyError:
        raise LookupError(f"no file purpose {key!r} is declared") from None


def declared() -> list[FilePurpose]:
    return sorted(_PURPOSES.values(), key=lambda purpose: purpose.key)
