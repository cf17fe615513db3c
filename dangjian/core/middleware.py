from __future__ import annotations

import logging
import re
import uuid
from collections.abc import Callable

from django.core.handlers.exception import response_for_exception
from django.db import DatabaseError, InterfaceError, OperationalError
from django.http import Http404, HttpRequest, HttpResponse
from django.template.loader import render_to_string

from dangjian.core.context import request_context
from dangjian.core.errors import NotVisible

_VALID_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")
logger = logging.getLogger("dangjian.request")


def client_ip(request: HttpRequest) -> str:
    # Behind a proxy the deployment sets REMOTE_ADDR correctly (gunicorn --forwarded-allow-ips);
    # trusting X-Forwarded-For here would let a client pick its own lockout bucket.
    return str(request.META.get("REMOTE_ADDR", ""))[:64]


class RequestIdMiddleware:
    """Give every request an id (or keep a sane one from the caller) for logs and audit entries."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        incoming = request.headers.get("X-Request-ID", "")
        request_id = incoming if _VALID_REQUEST_ID.match(incoming) else uuid.uuid4().hex
        request.request_id = request_id  # type: ignore[attr-defined]
        with request_context(request_id=request_id, client_ip=client_ip(request)):
            response = self.get_response(request)
            logger.info(
                "request",
                extra={
                    "method": request.method,
                    "path": request.path,
                    "status": response.status_code,
                    "user": getattr(getattr(request, "user", None), "username", "") or "",
                },
            )
        response["X-Request-ID"] = request_id
        return response


class DatabaseUnavailableMiddleware:
    """A lost or locked database answers 503 with a Chinese page, never a bare 500."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, OperationalError | InterfaceError) or (
            isinstance(exception, DatabaseError) and "locked" in str(exception)
        ):
            logger.error("database unavailable", exc_info=exception)
            body = render_to_string("503.html", request=None)
            response = HttpResponse(body, status=503)
            response["Retry-After"] = "5"
            return response
        return None


class NotVisibleMiddleware:
    """A service's ``NotVisible`` (object outside the actor's scope) is the normal 404 page."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, NotVisible):
            from dangjian.core.denials import record_service_refusal

            record_service_refusal(request)
            return response_for_exception(request, Http404(str(exception)))
        return None


class MethodNotAllowedPageMiddleware:
    """A page asked with the wrong HTTP method answers with the Chinese 405 page (Django's
    ``require_POST`` and class views answer with an empty body). The API keeps its JSON answer,
    and the ``Allow`` header stays."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if (
            response.status_code != 405
            or request.path.startswith("/api/")
            or getattr(response, "streaming", False)
            or response.content
            or getattr(request, "htmx", False)
        ):
            return response
        response.content = render_to_string("405.html", request=request).encode()
        response["Content-Type"] = "text/html; charset=utf-8"
        return response
