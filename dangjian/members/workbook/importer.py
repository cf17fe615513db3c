"""Validate every row of a member workbook, then import all of it in one transaction or nothing.

Designed for 100,000 rows: one query for the importer's branches, one for their 党小组, chunked
blind-index lookups for duplicates, bulk inserts, and a single audit entry for the whole file.
Messages name sheet, row and column; ID numbers in messages are masked.
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cache
from typing import Any

from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from dangjian.core import audit, clock
from dangjian.core.actors import Actor, SystemActor, actor_name, require_actor
from dangjian.members.choices import REACTIVATABLE, EventKind, MemberStatus
from dangjian.members.models import Member, MemberEvent
from dangjian.members.permissions import MemberAction
from dangjian.members.rules import echo, normalise_id
from dangjian.members.services import (
    STORED_COLUMNS,
    MemberData,
    add_event,
    apply_data,
    field_errors,
    record_registered_elsewhere,
    stored_values,
)
from dangjian.members.workbook.columns import (
    BY_FIELD,
    EDUCATION_BY_TEXT,
    NO,
    STATUS_BY_TEXT,
    YES,
    status_refusal,
)
from dangjian.members.workbook.reader import UnreadableWorkbook, WorkbookError, read_rows
from dangjian.orgs.choices import OrgKind
from dangjian.orgs.models import OrgNode

LOOKUP_CHUNK = 900  # below SQLite's default limit of bound parameters
INSERT_BATCH = 2000
Progress = Callable[[int], None]


@dataclass
class Planned:
    row: int
    org_id: int
    data: MemberData | None  # None when parsed in a worker process (values carry the row)
    index: str
    existing_pk: int | None = None
    values: list[Any] | None = None  # stored column values, when prepared in advance
    masked: str = ""


@dataclass
class Report:
    sheet: str
    total: int = 0
    planned: list[Planned] = field(default_factory=list)
    errors: list[dict[str, Any]] = field(default_factory=list)
    registered_elsewhere: int = 0  # rows whose ID is registered outside the importer's scope
    unreadable: bool = False  # the parser failed: the file must be fixed, a retry cannot help

    def add(self, row: int, field_name: str, message: str) -> None:
        column = BY_FIELD[field_name].header if field_name in BY_FIELD else ""
        self.errors.append({"sheet": self.sheet, "row": row, "column": column, "message": message})


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _date(value: Any) -> date | None:
    if value in ("", None):
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = _text(value).replace("/", "-").replace(".", "-")
    try:
        return date.fromisoformat(
            text if len(text) == 10 else "-".join(part.zfill(2) for part in text.split("-"))
        )
    except ValueError as exc:
        raise ValueError(f"“{echo(text)}”不是有效日期，请写成 2020-07-01 的形式") from exc


def _parse(
    today: date,
    report: Report,
    number: int,
    cells: dict[str, Any],
    branches: dict[str, int],
    groups: dict[str, tuple[int, int]],
) -> tuple[int, MemberData] | None:
    before = len(report.errors)
    raw_id = cells.get("id_number")
    if isinstance(raw_id, float | int) and not isinstance(raw_id, bool):
        report.add(
            number,
            "id_number",
            "身份证号码被 Excel 存成了数字，末几位可能已经丢失；请把该列设为文本格式后重新填写",
        )
    id_number = normalise_id(_text(raw_id))
    branch_code = _text(cells.get("branch"))
    org_id = branches.get(branch_code)
    if org_id is None:
        report.add(
            number,
            "branch",
            f"党支部编码“{echo(branch_code)}”不存在或不在您的导入范围内"
            if branch_code
            else "请填写党支部编码",
        )
    group_code = _text(cells.get("party_group"))
    group_id = None
    if group_code:
        group = groups.get(group_code)
        if group is None or (org_id is not None and group[1] != org_id):
            report.add(number, "party_group", f"党小组编码“{echo(group_code)}”不属于所填的党支部")
        else:
            group_id = group[0]
    status = STATUS_BY_TEXT.get(_text(cells.get("status")))
    if status is None:
        given = _text(cells.get("status"))
        report.add(
            number,
            "status",
            # A refusal quotes only a known value, never the raw cell.
            status_refusal(given) or f"党籍状态“{echo(given)}”无效，请从下拉列表选择",
        )
    education_text = _text(cells.get("education"))
    education = EDUCATION_BY_TEXT.get(education_text, None if education_text else "")
    if education is None:
        report.add(number, "education", f"学历“{echo(education_text)}”无效，请从下拉列表选择")
    cadre_text = _text(cells.get("is_cadre")).upper()
    if cadre_text not in YES and cadre_text not in NO:
        report.add(number, "is_cadre", "是否干部请填“是”或“否”")
    ethnicity = _text(cells.get("ethnicity")) or "汉族"
    dates: dict[str, date | None] = {}
    for name in ("admitted_on", "full_on"):
        try:
            dates[name] = _date(cells.get(name))
        except ValueError as exc:
            report.add(number, name, str(exc))
            dates[name] = None
    data = MemberData(
        name=_text(cells.get("name")),
        id_number=id_number,
        status=status or MemberStatus.FULL,
        ethnicity=ethnicity,
        phone=_text(cells.get("phone")),
        education=education or "",
        post=_text(cells.get("post"))[:60],
        is_cadre=cadre_text in YES,
        admitted_on=dates["admitted_on"],
        full_on=dates["full_on"],
        party_group_id=group_id,
    )
    for name, message in field_errors(data, today=today).items():
        if name == "status" and status is None:
            continue
        if name == "id_number" and isinstance(raw_id, float | int):
            continue
        report.add(number, name, message)
    if len(report.errors) > before or org_id is None:
        return None
    return org_id, data


def _scope(actor: Actor) -> tuple[dict[str, int], dict[str, tuple[int, int]]]:
    branches = OrgNode.objects.filter(kind=OrgKind.BRANCH, dissolved_on__isnull=True)
    if not isinstance(actor, SystemActor):  # a command imports platform-wide
        branches = branches.visible_to(actor, MemberAction.IMPORT)
    by_code = dict(branches.values_list("code", "pk"))
    groups = OrgNode.objects.filter(
        kind=OrgKind.PARTY_GROUP, dissolved_on__isnull=True, parent__in=branches
    )
    return by_code, {
        code: (pk, parent) for code, pk, parent in groups.values_list("code", "pk", "parent_id")
    }


@dataclass(frozen=True)
class Existing:
    pk: int
    status: str
    branch: str  # the branch's name, only when the importer may read that record; else ""


def _existing(indexes: list[str], actor: Actor) -> dict[str, Existing]:
    """Records already holding these ID numbers. Whether the importer may read each one decides
    what the message says: a record outside its scope is reported without name or place."""
    found: dict[str, Existing] = {}
    meta, quote = Member._meta, connection.ops.quote_name
    # Plain SQL: the ORM spent several times the query's own cost compiling 900 parameters,
    # 112 times for a 100,000-row file that usually matches nothing.
    columns = ", ".join(quote(_column(Member, n)) for n in ("id_number_index", "id", "status"))
    select = (
        f"SELECT {columns} FROM {quote(meta.db_table)} "
        f"WHERE {quote(_column(Member, 'id_number_index'))} IN "
    )
    for start in range(0, len(indexes), LOOKUP_CHUNK):
        chunk = indexes[start : start + LOOKUP_CHUNK]
        with connection.cursor() as cursor:
            cursor.execute(f"{select}({', '.join(['%s'] * len(chunk))})", chunk)
            rows = cursor.fetchall()
        if not rows:
            continue
        readable = Member.objects.filter(id_number_index__in=chunk)
        if not isinstance(actor, SystemActor):
            readable = readable.visible_to(actor, MemberAction.VIEW)
        names = dict(readable.values_list("pk", "org__name"))
        for index, pk, status in rows:
            found[index] = Existing(pk, status, names.get(pk, ""))
    return found


def duplicate_message(masked: str, match: Existing) -> str:
    if match.branch:
        return f"身份证号码{masked}已在“{match.branch}”登记为党员，调整党支部请使用平台内转移"
    return (
        f"身份证号码{masked}已在平台其他党组织登记为党员，不能重复建档；"
        "如属组织关系转入，请由其所在党组织办理转移"
    )


@contextmanager
def _rows_kept_out_of_gc() -> Iterator[None]:
    """The rows read so far stay out of the cyclic collector until the import ends.

    100,000 rows are a few million objects; every full collection walked them all (over a
    second of a 100,000-row import), and in the forked workers that walk also writes to every
    object's header, copying the pages they inherited. Frozen objects are still freed by
    reference counting; only cycles among them wait for ``unfreeze``. Freezing is process-wide
    and harmless to other threads: their objects, too, are merely collected a few seconds later.
    """
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


def validate(
    data: bytes,
    *,
    actor: Actor,
    progress: Progress | None = None,
    prepare: bool = False,
    sink: Callable[[list[Planned]], None] | None = None,
    today: date | None = None,
) -> Report:
    """Check every row. ``prepare`` also computes what the insert stores (ciphertexts, masks),
    on all cores for large files. ``sink`` receives new rows chunk by chunk while no error has
    been found, so ``import_file`` writes while the workers parse; its caller's transaction
    undoes those writes if an error turns up later."""
    with _rows_kept_out_of_gc():
        return _validate(
            data, actor=actor, progress=progress, prepare=prepare, sink=sink, today=today
        )


def _validate(
    data: bytes,
    *,
    actor: Actor,
    progress: Progress | None,
    prepare: bool,
    sink: Callable[[list[Planned]], None] | None,
    today: date | None,
) -> Report:
    from dangjian.members.workbook.parallel import parse_chunks

    require_actor(actor)
    try:
        read = read_rows(data)
    except WorkbookError as exc:
        report = Report(sheet="", unreadable=isinstance(exc, UnreadableWorkbook))
        report.errors.append({"sheet": "", "row": 1, "column": "", "message": str(exc)})
        return report
    sheet = echo(read.name, 0)  # quoted in every stored error: no number typed as a sheet name
    total = read.total
    report = Report(sheet=sheet, total=total)
    today = today or clock.today()
    branches, groups = _scope(actor)
    first_row: dict[str, int] = {}
    done = 0
    gc.freeze()  # the rows just read; the forked workers inherit them frozen
    for parsed, errors in parse_chunks(
        read, sheet=sheet, today=today, branches=branches, groups=groups, prepare=prepare
    ):
        report.errors.extend(errors)
        chunk: list[Planned] = []
        for number, org_id, index, masked, values, member_data in parsed:
            if index in first_row:
                report.add(number, "id_number", f"身份证号码{masked}与第{first_row[index]}行重复")
                report.add(first_row[index], "id_number", f"身份证号码{masked}与第{number}行重复")
                continue
            first_row[index] = number
            chunk.append(Planned(number, org_id, member_data, index, values=values, masked=masked))
        _match_existing(report, chunk, actor)
        report.planned.extend(chunk)
        if sink is not None and not report.errors:
            fresh = [p for p in chunk if p.existing_pk is None]
            sink(fresh)
            for written in fresh:
                written.values = None  # stored: no need to hold the ciphertexts any longer
        done += len(parsed) + len({e["row"] for e in errors})
        gc.freeze()  # this chunk's rows too: later collections walk only what is new
        if progress is not None:
            progress(min(done, total))
    position: dict[int, int] | None = None
    for planned in report.planned:
        if planned.existing_pk is not None and planned.data is None:
            # Parsed in a worker, which keeps no MemberData: parse again here, it is one row.
            if position is None:
                position = {number: at for at, number in enumerate(read.numbers)}
            cells = read.cells(position[planned.row])
            again = _parse(today, Report(sheet=sheet), planned.row, cells, branches, groups)
            planned.data = again[1] if again else None
    if report.errors:
        report.errors.sort(key=lambda e: (e["row"], e["column"]))
        report.planned = []
    return report


def _match_existing(report: Report, chunk: list[Planned], actor: Actor) -> None:
    """Rows whose number the platform already holds: an error, or a former member to
    reactivate (``existing_pk``)."""
    existing = _existing([p.index for p in chunk], actor)
    for planned in chunk:
        match = existing.get(planned.index)
        if match is None:
            continue
        if match.status not in REACTIVATABLE:
            report.add(planned.row, "id_number", duplicate_message(planned.masked, match))
            if not match.branch:
                report.registered_elsewhere += 1
            continue
        planned.existing_pk = match.pk


def record_check(report: Report, *, actor: Actor, file_sha256: str, original_name: str) -> None:
    """A preview or dry run that met ID numbers registered outside the importer's scope is
    audited (see ``record_registered_elsewhere``); ordinary bad files leave no entry."""
    if not report.registered_elsewhere:
        return
    record_registered_elsewhere(
        actor,
        via="import",
        file_sha256=file_sha256,
        file=echo(original_name, 199),
        rows=report.total,
        hits=report.registered_elsewhere,
    )


def _column(model: Any, name: str) -> str:
    field = model._meta.get_field(name)
    return str(field.column)


@cache
def _date_positions() -> tuple[int, ...]:
    return tuple(
        at
        for at, name in enumerate(STORED_COLUMNS)
        if Member._meta.get_field(name).get_internal_type() == "DateField"
    )


def insert_values(data: MemberData, index: str) -> list[Any]:
    """A new row's stored columns as the insert sends them, dates already adapted by the
    backend (an ISO string on SQLite): done in the workers, and a string is also several times
    cheaper than a date to pass back from one."""
    values = list(stored_values(data, index=index).values())
    adapt = connection.ops.adapt_datefield_value
    for at in _date_positions():
        values[at] = adapt(values[at])
    return values


def _insert_members(planned: list[Planned], now: datetime, progress: Progress | None) -> None:
    """Plain executemany: Django's bulk_create spends most of its time compiling SQL per value,
    which dominates at 100,000 rows. Columns come from the model so they cannot drift."""
    if not planned:
        return
    names = ["org_id", *STORED_COLUMNS, "version", "created_at", "updated_at"]
    meta = Member._meta
    columns = ", ".join(connection.ops.quote_name(_column(Member, n)) for n in names)
    sql = (
        f"INSERT INTO {connection.ops.quote_name(meta.db_table)} ({columns}) "
        f"VALUES ({', '.join(['%s'] * len(names))})"
    )
    stamp = connection.ops.adapt_datetimefield_value(now)
    batch: list[list[Any]] = []
    with connection.cursor() as cursor:
        for done, row in enumerate(planned, start=1):
            if row.values is not None:
                values = row.values
            else:
                assert row.data is not None
                values = insert_values(row.data, row.index)
            batch.append([row.org_id, *values, 1, stamp, stamp])
            if len(batch) == INSERT_BATCH:
                cursor.executemany(sql, batch)
                batch = []
                if progress is not None:
                    progress(done)
        if batch:
            cursor.executemany(sql, batch)


@transaction.atomic
def commit(
    report: Report,
    *,
    actor: Actor,
    file_sha256: str,
    original_name: str,
    progress: Progress | None = None,
    now: datetime | None = None,
) -> tuple[int, int]:
    """Write every planned row of a clean report, or nothing. One audit entry for the file."""
    require_actor(actor)
    if report.errors:
        raise ValueError("a report with errors cannot be committed")
    now = now or clock.now()
    _insert_members([p for p in report.planned if p.existing_pk is None], now, progress)
    return _finish(report, actor=actor, now=now, file_sha256=file_sha256, name=original_name)


class _Refused(Exception):
    """Carries the report out of ``import_file``'s transaction so that it rolls back."""

    def __init__(self, report: Report) -> None:
        super().__init__("import refused")
        self.report = report


def import_file(
    data: bytes,
    *,
    actor: Actor,
    file_sha256: str,
    original_name: str,
    progress: Progress | None = None,
    now: datetime | None = None,
) -> tuple[Report, tuple[int, int] | None]:
    """Validate and write in one pass and one transaction: chunks are inserted while the
    workers parse the next ones; any error anywhere rolls everything back. Returns the report
    and (created, reactivated), or ``None`` when nothing was written."""
    require_actor(actor)
    now = now or clock.now()
    try:
        with transaction.atomic():
            report = validate(
                data,
                actor=actor,
                progress=progress,
                prepare=True,
                sink=lambda rows: _insert_members(rows, now, None),
                today=timezone.localdate(now),
            )
            if report.errors:
                raise _Refused(report)
            counts = _finish(
                report, actor=actor, now=now, file_sha256=file_sha256, name=original_name
            )
    except _Refused as refused:
        return refused.report, None
    return report, counts


def _finish(
    report: Report, *, actor: Actor, now: datetime, file_sha256: str, name: str
) -> tuple[int, int]:
    """After the new rows are in: their timeline events, reactivations, the one audit entry."""
    today = timezone.localdate(now)
    who = actor_name(actor) or "系统"
    # One statement for all the timeline events: the new rows are exactly those stamped `now`.
    _bulk_events(Member.objects.filter(created_at=now), now, who)
    created = sum(1 for p in report.planned if p.existing_pk is None)
    reactivated = 0
    for planned in report.planned:
        if planned.existing_pk is None:
            continue
        member = Member.objects.select_for_update().get(pk=planned.existing_pk)
        member.org_id = planned.org_id
        assert planned.data is not None
        apply_data(member, planned.data)
        member.version += 1
        member.save()
        add_event(member, EventKind.REACTIVATED, today, "批量导入，恢复原有档案", actor)
        reactivated += 1
    audit.record(
        "members.member.import",
        actor=actor,
        object_repr=echo(name, 199),
        changes={
            "file_sha256": file_sha256,
            "file": echo(name, 199),
            "rows": len(report.planned),
            "created": created,
            "reactivated": reactivated,
        },
    )
    return created, reactivated


def _bulk_events(new_members: Any, now: datetime, who: str) -> None:
    """INSERT … SELECT for large imports: no Python objects per event."""
    event = MemberEvent._meta
    quote = connection.ops.quote_name
    columns = ", ".join(
        quote(_column(MemberEvent, n))
        for n in (
            "member",
            "kind",
            "occurred_on",
            "summary",
            "actor_username",
            "version",
            "created_at",
            "updated_at",
        )
    )
    pk_sql, params = (
        new_members.order_by().annotate(ref=F("pk")).values_list("ref").query.sql_with_params()
    )
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {quote(event.db_table)} ({columns}) "
            f"SELECT sub.ref, %s, %s, %s, %s, %s, %s, %s FROM ({pk_sql}) AS sub",
            [
                EventKind.CREATED,
                connection.ops.adapt_datefield_value(timezone.localdate(now)),
                "批量导入",
                who,
                1,
                connection.ops.adapt_datetimefield_value(now),
                connection.ops.adapt_datetimefield_value(now),
                *params,
            ],
        )
