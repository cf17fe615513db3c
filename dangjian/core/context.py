"""Who is acting and on behalf of which request, for audit entries and log lines.

Set by the request middleware for web requests and by ``acting_as`` for commands and jobs, so a
service never has to be handed the request object.
"""

from __future__ import annotations

import contextlib
import contextvars
import uuid
from collections.abc import Iterator
from dataclasses import dataclass


@dataclass(frozen=True)
class RequestContext:
    request_id: str = ""
    client_ip: str = ""


_request: contextvars.ContextVar[RequestContext] = contextvars.ContextVar(
    "dangjian_request",
    default=RequestContext(),  # noqa: B039 (frozen, immutable)
)


def current_request() -> RequestContext:
    return _request.get()


@contextlib.contextmanager
def request_context(*, request_id: str, client_ip: str) -> Iterator[RequestContext]:
    ctx = RequestContext(request_id=request_id, client_ip=client_ip)
    token = _request.set(ctx)
    try:
        yield ctx
    finally:
        _request.reset(token)


@contextlib.contextmanager
def command_context(command_name: str) -> Iterator[RequestContext]:
    """Commands and jobs get their own id so their audit entries can be grouped."""
    with request_context(
        request_id=f"cmd-{command_name}-{uuid.uuid4().hex[:12]}", client_ip=""
    ) as ctx:
        yield ctx
