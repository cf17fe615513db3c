"""Page links for the generic lists: page numbers, or a keyset cursor for large lists (ADR 0025).

``numbered_page`` is Django's paginator (``?page=N``): a deep page makes the database sort and
skip every row before it. ``keyset_page`` names the page by the row it continues from
(``?after=<id>`` for the next page, ``?before=<id>`` for the previous one): the database
compares each row with that one and keeps the first ``size``, so page 200 costs what page 1 does.

A cursor is only a row id. Its sort values are read by scalar subqueries inside the same
statements, from ``anchors`` (the rows the user may see, before any filter), so the URL holds no
name, query counts do not change with the depth, and an id the user may not see anchors nothing.
An unknown, out-of-scope or malformed cursor gives the first page with a message, never a 500.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from math import ceil
from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import Count, Max, Q, QuerySet, Subquery
from django.http import QueryDict

from dangjian.core.converters import MAX_PK_DIGITS

PAGE_KEYS = ("page", "after", "before")
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
    (``number``, ``paginator.count``, ``paginator.num_pages``, ``has_next``...)."""

    rows: list[Any]
    count: int
    size: int
    start: int  # rows before this page, in the list's order
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

    @property
    def number(self) -> int:
        return min(self.start // self.size + 1, self.num_pages)

    def has_previous(self) -> bool:
        return self.start > 0 and bool(self.rows)

    def has_next(self) -> bool:
        return self.start + len(self.rows) < self.count and bool(self.rows)

    @property
    def previous_cursor(self) -> int | None:
        """``before=`` for the previous page; ``None`` when that page is the first."""
        return self.rows[0].pk if self.start > self.size else None

    @property
    def next_cursor(self) -> int | None:
        return self.rows[-1].pk if self.rows else None


def _cursor(params: QueryDict) -> tuple[str, int] | None | bool:
    """``(direction, id)``, ``None`` without a cursor, ``False`` for a malformed one."""
    for direction in ("after", "before"):
        value = params.get(direction)
        if value is None:
            continue
        if value.isascii() and value.isdigit() and 0 < len(value) <= MAX_PK_DIGITS:
            return direction, int(value)
        return False
    return None


def _beyond(ordering: Sequence[str], values: Sequence[Any], *, forward: bool) -> Q:
    """Rows strictly after (``forward``) or before the anchor in the lexicographic order of
    ``ordering``. The leading ``>=``/``<=`` on the first key is implied by the rest; it is
    spelled out so an index on that key can bound the scan."""
    op = "gt" if forward else "lt"
    first = ordering[0]
    condition = Q(**{f"{first}__{op}e": values[0]})
    alternatives = Q()
    for i, key in enumerate(ordering):
        equal = {ordering[j]: values[j] for j in range(i)}
        alternatives |= Q(**equal, **{f"{key}__{op}": values[i]})
    return condition & alternatives


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
    count (with the rows before the cursor beside it) and the page."""
    rows = rows.order_by(*ordering)
    cursor = _cursor(params)
    if not cursor:
        return _first_page(rows, size, STALE_CURSOR_MESSAGE if cursor is False else "")
    direction, pk = cursor
    source = (rows if anchors is None else anchors).order_by()
    values = [Subquery(source.filter(pk=pk).values(key)[:1]) for key in ordering]
    before = _beyond(ordering, values, forward=False)
    if direction == "after":
        before |= Q(pk=pk)
    anchor = Max(Subquery(source.filter(pk=pk).values("pk")[:1]))  # NULL: no such visible row
    counted = rows.aggregate(total=Count("pk"), before=Count("pk", filter=before), anchor=anchor)
    total, preceding = counted["total"], counted["before"]
    if counted["anchor"] is None:
        return _first_page(rows, size, STALE_CURSOR_MESSAGE if total else "", total=total)
    if direction == "after":
        page = list(rows.filter(_beyond(ordering, values, forward=True))[:size])
        start = preceding
    elif preceding <= size:  # the previous page is the first: no short first page
        page, start = list(rows[:size]), 0
    else:
        page = list(rows.filter(before).reverse()[:size])[::-1]
        start = preceding - len(page)
    if not page and total:  # an anchor that is gone, out of scope or past the end
        return _first_page(rows, size, STALE_CURSOR_MESSAGE, total=total)
    return KeysetPage(rows=page, count=total, size=size, start=start)


def _first_page(rows: QuerySet[Any], size: int, message: str, total: int | None = None) -> KeysetPage:
    count = rows.count() if total is None else total
    return KeysetPage(rows=list(rows[:size]), count=count, size=size, start=0, message=message)
