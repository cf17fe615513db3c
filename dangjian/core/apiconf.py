"""DRF settings hooks (pagination, error bodies), kept apart from viewsets to avoid import cycles:
DRF imports these while its own generic views are still being defined."""

from __future__ import annotations

from typing import Any

from django.http import Http404
from rest_framework import exceptions, pagination
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from dangjian.core.apierrors import ExplainedAuthenticationFailed, ExplainedPermissionDenied
from dangjian.core.errors import NOT_VISIBLE_MESSAGE, NotVisible


class Pagination(pagination.PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500
    invalid_page_message = "页码无效"


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    original = exc
    if isinstance(exc, ExplainedAuthenticationFailed | ExplainedPermissionDenied):
        pass
    elif isinstance(exc, Http404 | exceptions.NotFound | NotVisible):
        if isinstance(exc, NotVisible) and (request := context.get("request")) is not None:
            from dangjian.core.denials import record_service_refusal

            record_service_refusal(request)
        exc = exceptions.NotFound(NOT_VISIBLE_MESSAGE)
    elif isinstance(exc, exceptions.NotAuthenticated):
        exc = exceptions.NotAuthenticated("请先登录")
    elif isinstance(exc, exceptions.AuthenticationFailed):
        exc = exceptions.AuthenticationFailed("身份认证失败")
    elif isinstance(exc, exceptions.PermissionDenied):
        exc = exceptions.PermissionDenied("您的角色无权执行此操作")
    if exc is not original:
        # DRF put the challenge (WWW-Authenticate) and a 401→403 downgrade on the original.
        exc.auth_header = getattr(original, "auth_header", None)  # type: ignore[attr-defined]
        exc.status_code = getattr(original, "status_code", exc.status_code)  # type: ignore[attr-defined]
    return drf_exception_handler(exc, context)
