"""Per-row parsing, validation and encryption, spread over the machine's cores for large files.

This work needs no database: branch and 党小组 lookups are plain dicts. Forked workers inherit the
rows, the lookups and the keyring, and send back plain tuples (cheap to pickle); the parent checks
duplicates and writes. Small files, and previews that encrypt nothing, stay in-process.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Iterator
from datetime import date
from typing import Any

from dangjian.members.rules import mask_id
from dangjian.members.services import MemberData, id_index
from dangjian.members.workbook.reader import Sheet

PARALLEL_MIN_ROWS = 5000
CHUNKS_PER_WORKER = 8
# Parsed in this process, rows still come in chunks of this size: the caller writes each one
# and reports progress after it, so the job page's bar moves during the write.
SERIAL_CHUNK = 500

# (row number, branch id, blind index, masked ID, insert-ready values or None, data or None)
Parsed = tuple[int, int, str, str, list[Any] | None, MemberData | None]

_SHEET: Sheet | None = None
_CONTEXT: dict[str, Any] = {}


def _work(bounds: tuple[int, int]) -> tuple[list[Parsed], list[dict[str, Any]]]:
    from dangjian.members.workbook.importer import Report, _parse, insert_values

    start, end = bounds
    ctx = _CONTEXT
    report = Report(sheet=ctx["sheet"])
    parsed: list[Parsed] = []
    assert _SHEET is not None
    for number, cells in _SHEET.slice(start, end):
        result = _parse(ctx["today"], report, number, cells, ctx["branches"], ctx["groups"])
        if result is None:
            continue
        org_id, data = result
        index = id_index(data.id_number)
        values = insert_values(data, index) if ctx["prepare"] else None
        keep = data if ctx["keep_data"] else None
        parsed.append((number, org_id, index, mask_id(data.id_number), values, keep))
    return parsed, report.errors


def parse_chunks(
    rows: Sheet,
    *,
    sheet: str,
    today: date,
    branches: dict[str, int],
    groups: dict[str, tuple[int, int]],
    prepare: bool,
) -> Iterator[tuple[list[Parsed], list[dict[str, Any]]]]:
    """Parse every row, chunk by chunk in file order; with ``prepare`` also compute what the
    insert stores. A caller may write one chunk while the workers parse the next."""
    global _SHEET, _CONTEXT
    workers = min(os.cpu_count() or 1, 4)
    forked = prepare and len(rows) >= PARALLEL_MIN_ROWS and workers > 1
    _SHEET = rows
    _CONTEXT = {
        "sheet": sheet,
        "today": today,
        "branches": branches,
        "groups": groups,
        "prepare": prepare,
        "keep_data": not forked,
    }
    try:
        if not forked:
            total = len(rows)
            for start in range(0, max(total, 1), SERIAL_CHUNK):
                yield _work((start, min(start + SERIAL_CHUNK, total)))
            return
        # Several chunks per worker: the parent takes finished chunks while the workers are
        # still busy, instead of receiving everything at the end with one core idle.
        size = -(-len(rows) // (workers * CHUNKS_PER_WORKER))
        chunks = [(i, min(i + size, len(rows))) for i in range(0, len(rows), size)]
        # fork: workers inherit everything without pickling it; they never touch the database
        # and leave with os._exit, so the parent's connection and transaction are unaffected.
        with multiprocessing.get_context("fork").Pool(workers) as pool:
            yield from pool.imap(_work, chunks)
    finally:
        _SHEET, _CONTEXT = None, {}
