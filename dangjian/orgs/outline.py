"""The organisation tree as the tree page shows it: nested nodes with marks from other apps.

The tree app sits at the bottom of the layers, so what a node says about members (how many in
service) or about its set-up (findings of the structure rules) comes from the apps above it, by
registry: each registers a ``MarkSource`` from its ``ready()``, a function that answers marks
for all the nodes on the page at once, in a constant number of queries whatever their number.

``outline()`` loads the nodes a page shows (the children of one node, a whole subtree for
“全部展开”, or the path down to a search hit) in one query and nests them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.core.exceptions import ImproperlyConfigured

from dangjian.core.scoping import subtree_q
from dangjian.orgs.models import OrgNode

# A subtree opened at once is at most this many nodes; a larger one opens level by level.
EXPAND_ALL_LIMIT = 400


@dataclass(frozen=True)
class Mark:
    """A badge beside a node: its text, Bootstrap tone, an optional link and a longer title."""

    text: str
    tone: str = "light"
    url: str = ""
    title: str = ""


MarkSource = Callable[[Any, Sequence[OrgNode], date], dict[int, list[Mark]]]
_SOURCES: dict[str, tuple[int, MarkSource]] = {}


def register_marks(key: str, source: MarkSource, order: int = 100) -> None:
    if key in _SOURCES and _SOURCES[key][1] is not source:
        raise ImproperlyConfigured(f"tree marks {key!r} registered twice")
    _SOURCES[key] = (order, source)


def marks_for(user: Any, nodes: Sequence[OrgNode], today: date) -> dict[int, list[Mark]]:
    found: dict[int, list[Mark]] = {}
    for _order, source in sorted(_SOURCES.values(), key=lambda entry: entry[0]):
        for pk, marks in source(user, nodes, today).items():
            found.setdefault(pk, []).extend(marks)
    return found


def subtree_totals(nodes: Iterable[OrgNode], rows: Iterable[tuple[str, int]]) -> dict[int, int]:
    """Per node, the sum of ``(path, count)`` rows at or below it: one pass over the rows,
    walking each row's path up through its ancestors' prefixes."""
    by_path = {node.path: node.pk for node in nodes}
    steplen = OrgNode.steplen
    totals = dict.fromkeys(by_path.values(), 0)
    for path, count in rows:
        for end in range(len(path), 0, -steplen):
            pk = by_path.get(path[:end])
            if pk is not None:
                totals[pk] += count
    return totals


def covering_q(nodes: Sequence[OrgNode], field: str) -> Any:
    """``field`` at or below any of ``nodes`` (one OR of prefix scans; nested ones are dropped)."""
    tops: list[str] = []
    for path in sorted(node.path for node in nodes):
        if not tops or not path.startswith(tops[-1]):
            tops.append(path)
    query = subtree_q(field, tops[0])
    for path in tops[1:]:
        query |= subtree_q(field, path)
    return query


def nest(
    nodes: Sequence[OrgNode], tops: Sequence[OrgNode], marks: dict[int, list[Mark]]
) -> list[OrgNode]:
    """Give each node ``kids`` (its loaded children, or ``None`` when not loaded) and ``marks``;
    answers ``tops`` with their loaded descendants below them."""
    children: dict[int, list[OrgNode]] = {}
    for node in nodes:
        children.setdefault(node.parent_id or 0, []).append(node)
    for node in (*tops, *nodes):
        node.kids = children.get(node.pk)  # type: ignore[attr-defined]
        node.marks = marks.get(node.pk, [])  # type: ignore[attr-defined]
    return list(tops)


def decorate(user: Any, nodes: Sequence[OrgNode], today: date) -> list[OrgNode]:
    """Marks for a flat list of nodes (the roots, one node's children), nothing nested."""
    return nest([], nodes, marks_for(user, nodes, today) if nodes else {})


def ordered(queryset: Any) -> list[OrgNode]:
    return list(queryset.order_by("path"))


def whole_subtree(visible: Any, top: OrgNode, user: Any, today: date) -> tuple[list[OrgNode], bool]:
    """“全部展开”: every visible node below ``top``, nested; ``False`` when there are more than
    ``EXPAND_ALL_LIMIT`` (then only the children are given)."""
    below = list(
        visible.filter(subtree_q("path", top.path), depth__gt=top.depth).order_by("path")[
            : EXPAND_ALL_LIMIT + 1
        ]
    )
    if len(below) > EXPAND_ALL_LIMIT:
        kids = [n for n in below if n.parent_id == top.pk]
        return decorate(user, kids, today), False
    nested = nest(below, [top], marks_for(user, [top, *below], today))
    return nested[0].kids or [], True


def path_to(
    visible: Any, roots: Sequence[OrgNode], hit: OrgNode, user: Any, today: date
) -> list[OrgNode]:
    """The roots with the path down to ``hit`` opened: the children of each visible ancestor of
    the hit, in one query. The hit is flagged ``is_hit``."""
    ancestor_paths = [
        hit.path[:end] for end in range(OrgNode.steplen, len(hit.path), OrgNode.steplen)
    ]
    opened = ordered(visible.filter(parent__path__in=ancestor_paths)) if ancestor_paths else []
    root_pks = {root.pk for root in roots}
    below = [n for n in opened if n.pk not in root_pks]
    for node in (*roots, *below):
        node.is_hit = node.pk == hit.pk  # type: ignore[attr-defined]
    marks = marks_for(user, [*roots, *below], today)
    return nest(below, roots, marks)
