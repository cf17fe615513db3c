"""API foundations: pagination, Chinese error bodies and the scoped base viewset."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from rest_framework import mixins, permissions, viewsets
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request

from dangjian.core.converters import PK_REGEX
from dangjian.core.denials import record_denial
from dangjian.core.permissions import can_anywhere


class ActionPermission(permissions.BasePermission):
    """403 only when no role of the user allows the action anywhere; else scope decides (404)."""

    def has_permission(self, request: Request, view: Any) -> bool:
        if not request.user or not request.user.is_authenticated:
            return False
        action = view.required_action()
        allowed = can_anywhere(request.user, action)
        if not allowed:
            record_denial(
                request.user,
                method=request.method or "",
                changes={"action": action, "path": request.path},
            )
        return allowed


class ScopedViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,  # type: ignore[type-arg]
):
    """Reads through ``visible_to(user, action)``; writes through the app's services.

    ``actions`` maps the DRF action name to a permission action; ``scoped_queryset`` is the
    unrestricted queryset. Subclasses implement ``perform_create`` / ``perform_update`` by calling
    service functions, never ``serializer.save()`` directly.
    """

    permission_classes = [permissions.IsAuthenticated, ActionPermission]
    lookup_value_regex = PK_REGEX  # a longer number names no row (and overflows SQLite)
    actions: dict[str, str] = {}
    view_action = ""

    def required_action(self) -> str:
        return self.actions.get(self.action or "", self.view_action)

    def get_queryset(self) -> Any:
        return self.scoped_queryset().visible_to(self.request.user, self.required_action())

    def scoped_queryset(self) -> Any:
        raise NotImplementedError

    def handle_exception(self, exc: Exception) -> Any:
        # One place turns a service's refusal into a 400 keyed by field, for every app's viewset.
        if isinstance(exc, DjangoValidationError):
            exc = service_error(exc)
        return super().handle_exception(exc)

    def get_object(self) -> Any:
        try:
            return super().get_object()
        except Http404:
            record_denial_if_exists(self.request, self.scoped_queryset(), self.kwargs.get("pk"))
            raise


def service_error(exc: DjangoValidationError) -> ValidationError:
    """A service ``ValidationError`` (dict or list) as a DRF 400 with field keys; ``__all__`` and
    a bare list become ``non_field_errors``, so each field is named once."""
    if hasattr(exc, "error_dict"):
        return ValidationError(
            {("non_field_errors" if k == "__all__" else k): v for k, v in exc.message_dict.items()}
        )
    return ValidationError({"non_field_errors": exc.messages})


def record_denial_if_exists(request: Any, unrestricted: Any, pk: Any) -> None:
    """Out of scope answers 404 like a missing object, but the attempt is a security event."""
    try:
        exists = pk is not None and unrestricted.filter(pk=pk).exists()
    except (ValueError, TypeError):
        return
    if exists:
        record_denial(
            request.user,
            method=request.method or "",
            changes={
                "object_type": unrestricted.model._meta.label_lower,
                "object_id": str(pk),
                "path": request.path,
            },
        )


def require_version(validated: dict[str, Any]) -> None:
    """Updates carry the ``version`` the client read, so two editors cannot overwrite each other
    unknowingly (optimistic locking; the service compares it under a row lock)."""
    if validated.get("version") is None:
        raise ValidationError({"version": ["请提供读取记录时得到的 version，以免覆盖他人的修改"]})
