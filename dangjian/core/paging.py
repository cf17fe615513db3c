"""Page links for the generic lists: page numbers, or a keyset cursor for large lists (ADR 0025).

``numbered_page`` is Django's paginator (``?page=N``): a deep page makes the database sort and
skip every row before it. ``keyset_page`` names the page by the row it continues from
(``?after=<id>`` for the next page, ``?before=<id>`` for the previous one): the database
compares each row with that one and keeps the first ``size``, so page 200 costs what page 1 does.

A cursor is only a row id. Its sort values are read by a subquery inside the page's statement,
from ``anchors`` (the rows the user may see, before any filter), so the URL holds no name, query
counts do not change with the depth (the count, then ``size + 1`` rows: the extra row says
whether there is a page beyond), and an id the user may not see anchors nothing. An unknown,
out-of-scope or malformed cursor gives the first page with a message, never a 500.

The total is the plain ``COUNT(*)``. The page number is not counted (that would compare every
row with the cursor, several times the count's cost): the links carry it (``n=``) as a label,
so a number edited in the URL changes only the label, and a page without one shows the total.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from functools import cache
from math import ceil
from typing import Any

from django.apps import apps
from django.core.paginator import Page, Paginator
from django.db import connection
from django.db.models import BooleanField, F, Func, Q, QuerySet
from django.db.models.expressions import RawSQL
from django.http import QueryDict

from dangjian.core.converters import MAX_PK_DIGITS

PAGE_KEYS = ("page", "after", "before", "n")
STALE_CURSOR_MESSAGE = "翻页位置已失效，已显示第一页"


def page_query(params: QueryDict) -> str:
    """The query string page links keep: the filters, without any page position."""
    query = params.copy()
    for key in PAGE_KEYS:
        query.pop(key, None)
    return query.urlencode()


def numbered_page(rows: Any, size: int, params: QueryDict) -> Page:
    return Paginator(rows, size).get_page(params.get("page"))


@dataclass
class KeysetPage:
    """One page of a keyset-paged list; reads like Django's ``Page`` in the shared template
    (``paginator.count``, ``paginator.num_pages``, ``has_next()``...). ``number`` is the label
    the link carried, ``None`` when it did not carry a plausible one."""

    rows: list[Any]
    count: int
    size: int
    number: int | None
    more_before: bool
    more_after: bool
    message: str = ""
    keyset: bool = field(default=True, init=False)

    def __iter__(self) -> Iterator[Any]:
        return iter(self.rows)

    def __len__(self) -> int:
        return len(self.rows)

    @property
    def paginator(self) -> KeysetPage:
        return self

    @property
    def num_pages(self) -> int:
        return max(1, ceil(self.count / self.size))

    def has_previous(self) -> bool:
        return self.more_before and bool(self.rows)

    def has_next(self) -> bool:
        return self.more_after and bool(self.rows)

    @property
    def previous_query(self) -> str:
        """The previous page's position: nothing when it is the first page."""
        if self.number == 2:
            return ""
        label = f"&n={self.number - 1}" if self.number else ""
        return f"before={self.rows[0].pk}{label}"

    @property
    def next_query(self) -> str:
        label = f"&n={self.number + 1}" if self.number else ""
        return f"after={self.rows[-1].pk}{label}" if self.rows else ""


def _cursor(params: QueryDict) -> tuple[str, int] | bool | None:
    """``(direction, id)``, ``None`` without a cursor, ``False`` for a malformed one."""
    for direction in ("after", "before"):
        value = params.get(direction)
        if value is None:
            continue
        if value.isascii() and value.isdigit() and 0 < len(value) <= MAX_PK_DIGITS:
            return direction, int(value)
        return False
    return None


class _RowVersus(Func):
    """``(k1, k2, ..., pk) OP (SELECT k1, k2, ..., pk ... WHERE pk = cursor)``: a row-value
    comparison (PostgreSQL; SQLite since 3.15), the lexicographic order of the keys in one test
    against one uncorrelated subquery, which the database evaluates once per statement. The
    subquery comes compiled (``_compiled``): resolving it as an expression inside the page's
    query costs more than the page's own SQL on SQLite."""

    output_field = BooleanField()
    conditional = True

    def __init__(self, keys: Sequence[str], op: str, anchor: tuple[str, tuple[Any, ...]]) -> None:
        super().__init__(*(F(key) for key in keys))
        self.op, self.anchor = op, anchor

    def as_sql(  # type: ignore[override]  # the stubs' signature, params as a list
        self, compiler: Any, connection: Any, **extra: Any
    ) -> tuple[str, list[Any]]:
        parts, params = [], []
        for key in self.get_source_expressions():
            sql, key_params = compiler.compile(key)
            parts.append(sql)
            params.extend(key_params)
        anchor_sql, anchor_params = self.anchor
        return f"({', '.join(parts)}) {self.op} ({anchor_sql})", [*params, *anchor_params]


def _compiled(query: QuerySet[Any]) -> tuple[str, tuple[Any, ...]]:
    """A standalone statement used as a subquery: its table names shadow the outer query's
    inside the parentheses, so it stays uncorrelated."""
    sql, params = query.query.sql_with_params()
    return sql, tuple(params)


@cache
def _first_key_sql(label: str, key: str, vendor: str) -> str:
    """``SELECT <key> FROM <model> ... WHERE pk = %s``: the same statement for every cursor, so
    built once per model and key."""
    model = apps.get_model(label)
    statement = model._default_manager.filter(pk=0).order_by().values(key)[:1]
    sql, params = statement.query.sql_with_params()
    if list(params) != [0]:
        raise ValueError(f"unexpected parameters for the keyset bound on {label}: {params}")
    return sql


def _beyond(ordering: Sequence[str], anchor: QuerySet[Any], pk: int, *, forward: bool) -> Q:
    """Rows strictly after (``forward``) or before the anchor in the order of ``ordering``. The
    first key's own ``>=``/``<=`` is implied by the row comparison; it is spelled out so an
    index on that key can bound the scan. That bound reads the anchor without the scope (a
    cheaper statement): it only narrows; the scoped row comparison decides."""
    bound_sql = _first_key_sql(anchor.model._meta.label, ordering[0], connection.vendor)
    first = RawSQL(f"({bound_sql})", (pk,))  # noqa: S611 - built by the ORM, pk a parameter
    bound = Q(**{f"{ordering[0]}__{'gte' if forward else 'lte'}": first})
    row = _compiled(anchor.values(*ordering)[:1])
    return bound & Q(_RowVersus(ordering, ">" if forward else "<", row))


def _label(params: QueryDict, count: int, size: int) -> int | None:
    value = params.get("n", "")
    if value.isascii() and value.isdigit() and len(value) <= 9:
        number = int(value)
        return number if 2 <= number <= max(1, ceil(count / size)) else None
    return None


def keyset_page(
    rows: QuerySet[Any],
    *,
    ordering: Sequence[str],
    size: int,
    params: QueryDict,
    anchors: QuerySet[Any] | None = None,
) -> KeysetPage:
    """The page ``params`` names. ``ordering`` lists ascending, non-null keys ending with a
    unique one (the pk); ``rows`` are put in that order here. Two queries at any depth: the
    count and the page (a third only to replace a cursor that anchors nothing)."""
    rows = rows.order_by(*ordering)
    cursor = _cursor(params)
    if not isinstance(cursor, tuple):
        return _first_page(rows, size, STALE_CURSOR_MESSAGE if cursor is False else "")
    direction, pk = cursor
    total = rows.count()
    anchor = (rows if anchors is None else anchors).order_by().filter(pk=pk)
    number = _label(params, total, size)
    if direction == "after":
        found = list(rows.filter(_beyond(ordering, anchor, pk, forward=True))[: size + 1])
        page = KeysetPage(found[:size], total, size, number, True, len(found) > size)
    else:
        earlier = rows.filter(_beyond(ordering, anchor, pk, forward=False)).reverse()
        found = list(earlier[: size + 1])
        page = KeysetPage(found[:size][::-1], total, size, number, len(found) > size, True)
        if not page.more_before and found:  # back at the start: the first page, in full
            return _first_page(rows, size, "", total=total)
    if not page.rows and total:  # an anchor that is gone, out of scope or past the end
        return _first_page(rows, size, STALE_CURSOR_MESSAGE, total=total)
    return page


def _first_page(
    rows: QuerySet[Any], size: int, message: str, total: int | None = None
) -> KeysetPage:
    count = rows.count() if total is None else total
    found = list(rows[: size + 1])
    return KeysetPage(found[:size], count, size, 1, False, len(found) > size, message)
