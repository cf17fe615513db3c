"""The members app's kind of stored file: the uploaded member workbook."""

from __future__ import annotations

from typing import Any

from dangjian.core.files.purposes import FilePurpose, register
from dangjian.core.files.rules import SPREADSHEETS
from dangjian.members.permissions import MemberAction

MAX_WORKBOOK_BYTES = 20 * 1024 * 1024


def _uploader_only(user: Any, stored: Any) -> bool:
    # The same rule as the import job pages: a workbook full of ID numbers is its uploader's.
    return bool(stored.uploaded_by_id) and stored.uploaded_by_id == user.pk


IMPORT_WORKBOOK = FilePurpose(
    key="members.import_workbook",
    label="党员导入文件",
    allowed_types=SPREADSHEETS,
    max_bytes=MAX_WORKBOOK_BYTES,
    upload_action=MemberAction.IMPORT,
    read_action=MemberAction.IMPORT,
    may_read=_uploader_only,
)


def register_purposes() -> None:
    register(IMPORT_WORKBOOK)
