"""Notification kinds, declared by the apps that emit them.

An app registers its kinds once, from its ``apps.py`` ``ready()`` (or a module imported there):
the key producers pass to ``notify``, the Chinese label users see on their profile page, and
whether e-mail is on for a user who has not chosen. Nothing here knows any domain app.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class NotificationKind:
    key: str
    label: str
    email_default: bool


class UnknownKind(LookupError):
    """A producer named a kind nobody registered (a programming error, not user input)."""


_KINDS: dict[str, NotificationKind] = {}


def register_kind(key: str, label: str, *, email_default: bool) -> NotificationKind:
    """Declare a kind; registering the same declaration again (a reloaded module) is harmless,
    a different one under a taken key is refused."""
    kind = NotificationKind(key=key, label=label, email_default=email_default)
    existing = _KINDS.get(key)
    if existing is not None and existing != kind:
        raise ValueError(f"notification kind {key!r} is already registered as {existing}")
    _KINDS[key] = kind
    return kind


def get_kind(key: str) -> NotificationKind:
    try:
        return _KINDS[key]
    except KeyError:
        raise UnknownKind(f"notification kind {key!r} is not registered") from None


def all_kinds() -> list[NotificationKind]:
    return sorted(_KINDS.values(), key=lambda kind: kind.key)
