"""Domain refusals a service raises and the edges translate (page: 404/403, API: 404/403 JSON).

``NotVisible``: the object lies outside the actor's scope for the action. It answers exactly like
a missing object, so the refusal does not tell anyone that the object exists.
``NotAllowed``: the actor's roles allow the action nowhere; Django's ``PermissionDenied``, so
both edges already answer 403 for it.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied

NOT_VISIBLE_MESSAGE = "对象不存在或不在您的授权范围内"


class NotVisible(Exception):
    """The object is outside the actor's scope: the edge answers as for a missing object."""

    def __init__(self, message: str = NOT_VISIBLE_MESSAGE) -> None:
        super().__init__(message)


class NotAllowed(PermissionDenied):
    """None of the actor's roles may perform the action anywhere (403)."""
