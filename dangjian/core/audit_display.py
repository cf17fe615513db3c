"""How an audit entry reads to a person: the object by name with a link, the organisation by
name, the roles in Chinese, a denial as what was refused.

Core knows no domain app, so each app declares through this module:

- ``declare_permission_labels``: the Chinese name of each permission action it declared
  (``member.view`` → 查看党员), shown in a denial ("拒绝访问：查看党员 /members/5/").
- ``declare_object_links``: per ``object_type`` (a model's ``label_lower``), the permission action
  its page needs and the page from the object's id, without a query (the object may be gone; its
  page then answers 404). The link is shown only to a viewer whose role allows that action: the
  审计管理员 reads the log, not the business records (三权分立), so it sees the object's name and
  kind, and a link where its role would open the page.
- ``set_org_namer``: the organisations' names for a set of tree paths, in one query (the orgs
  app plugs it in).

``describe_entries`` dresses a page of entries (one query for the organisation names of the
whole page, none per row); the CSV export dresses its stream chunk by chunk the same way.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.core.exceptions import ImproperlyConfigured

from dangjian.core.permissions import Role, admin_role, can_anywhere, roles_for

_PERMISSION_LABELS: dict[str, str] = {}
_OBJECT_LINKS: dict[str, tuple[str, Callable[[str], str | None]]] = {}
_ORG_NAMER: list[Callable[[set[str]], Mapping[str, str]]] = []

DENIED_ACTIONS = frozenset({"access.denied", "access.denied.repeated"})
ROLE_LABELS = dict(Role.choices)


def declare_permission_labels(labels: Mapping[str, str]) -> None:
    for action, label in labels.items():
        if not label.strip():
            raise ImproperlyConfigured(f"permission action {action!r} needs a Chinese label")
        if _PERMISSION_LABELS.get(action, label) != label:
            raise ImproperlyConfigured(f"permission action {action!r} labelled twice differently")
        _PERMISSION_LABELS[action] = label


def permission_label(action: str) -> str:
    return _PERMISSION_LABELS.get(action, action)


def declared_permission_labels() -> Mapping[str, str]:
    return dict(_PERMISSION_LABELS)


def declare_object_links(links: Mapping[str, tuple[str, Callable[[str], str | None]]]) -> None:
    """``{"members.member": ("member.view", lambda pk: reverse(...))}``."""
    _OBJECT_LINKS.update(links)


def object_url(
    object_type: str, object_id: str, may: Callable[[str], bool] = lambda action: True
) -> str | None:
    link = _OBJECT_LINKS.get(object_type)
    if link is None or not object_id:
        return None
    action, resolver = link
    if not may(action):
        return None
    try:
        return resolver(object_id)
    except (ValueError, LookupError):  # an id that is not this model's kind of key
        return None


def _viewer_may(user: Any) -> Callable[[str], bool]:
    """Whether the viewer's role allows an action somewhere, remembered per action. An admin
    role holds no grants (三权分立), so no query is needed to refuse it a business page."""
    if user is None:
        return lambda action: True
    answers: dict[str, bool] = {}

    def may(action: str) -> bool:
        if action not in answers:
            role = admin_role(user)
            answers[action] = role in roles_for(action) if role else can_anywhere(user, action)
        return answers[action]

    return may


def set_org_namer(namer: Callable[[set[str]], Mapping[str, str]]) -> None:
    _ORG_NAMER[:] = [namer]


def org_names(paths: set[str]) -> Mapping[str, str]:
    paths = {p for p in paths if p}
    if not paths or not _ORG_NAMER:
        return {}
    return _ORG_NAMER[0](paths)


def role_paths(snapshot: str) -> set[str]:
    """The tree paths a role snapshot (``describe_roles``) names."""
    paths = set()
    for part in snapshot.split(";"):
        _, at, path = part.partition("@")
        if at:
            paths.add(path.rstrip("*"))
    return paths


def readable_roles(snapshot: str, names: Mapping[str, str]) -> str:
    """``secretary@/1/5/*;clerk@/1/5/8/`` → ``党组织书记（某党委及下级）；党务工作者（某支部）``;
    anything not understood is kept as written."""
    if not snapshot:
        return ""
    shown = []
    for part in snapshot.split(";"):
        role, at, path = part.partition("@")
        label = ROLE_LABELS.get(role)
        if label is None:
            shown.append(part)
            continue
        if not at:
            shown.append(label)
            continue
        subtree = path.endswith("*")
        path = path.rstrip("*")
        where = names.get(path, path)
        shown.append(f"{label}（{where}{'及下级' if subtree else ''}）")
    return "；".join(shown)


def refusal(entry: Any) -> str:
    """What a denial refused, in words: ``拒绝访问：查看党员 /members/5/``."""
    if entry.action not in DENIED_ACTIONS:
        return ""
    changes = _changes(entry)
    if changes.get("action"):
        text = f"拒绝访问：{permission_label(str(changes['action']))}"
    elif changes.get("object_type"):
        text = f"拒绝访问：权限范围外的{model_label(str(changes['object_type']))}"
    else:
        text = "拒绝访问：权限范围外的对象"
    if changes.get("path"):
        text += f" {changes['path']}"
    if entry.action == "access.denied.repeated" and changes.get("repeats"):
        text += f"，重复 {changes['repeats']} 次"
    return text


def _changes(entry: Any) -> dict[str, Any]:
    return entry.changes if isinstance(entry.changes, dict) else {}


def model_label(object_type: str) -> str:
    """A model's Chinese name from its ``label_lower`` (``members.member`` → 党员)."""
    try:
        return str(apps.get_model(object_type)._meta.verbose_name)
    except (LookupError, ValueError):
        return object_type


def entry_link(entry: Any, may: Callable[[str], bool] = lambda action: True) -> str | None:
    """The page of the entry's object, or of the object a denial was about."""
    if entry.object_type:
        return object_url(entry.object_type, entry.object_id, may)
    changes = _changes(entry)
    if entry.action in DENIED_ACTIONS and changes.get("object_type"):
        return object_url(str(changes["object_type"]), str(changes.get("object_id", "")), may)
    return None


@dataclass(frozen=True)
class EntryView:
    """One entry as the log and its CSV show it."""

    entry: Any
    object_name: str
    object_kind: str
    object_url: str | None
    org_name: str
    roles: str


def describe_entries(entries: Iterable[Any], viewer: Any = None) -> list[EntryView]:
    """The entries dressed for ``viewer`` (links only to pages its role opens; ``None``: no
    viewer to judge, as in the CSV, which carries no links)."""
    may = _viewer_may(viewer)
    rows = list(entries)
    paths: set[str] = set()
    for e in rows:
        paths.add(e.org_path)
        paths |= role_paths(e.actor_roles)
    names = org_names(paths)
    return [
        EntryView(
            entry=e,
            object_name=refusal(e) or e.object_repr,
            object_kind=model_label(e.object_type) if e.object_type else "",
            object_url=entry_link(e, may),
            org_name=names.get(e.org_path, e.org_path),
            roles=readable_roles(e.actor_roles, names),
        )
        for e in rows
    ]


# The platform's own permission actions.
declare_permission_labels(
    {
        "audit.view": "查看审计日志",
        "period.seal": "封存报告期",
        "scheduler.view": "查看定时任务",
        "scheduler.run": "运行定时任务",
    }
)
