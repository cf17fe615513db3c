"""A file handed out as an HTTP attachment, for pages and the API alike (no views imported)."""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import quote

from django.http import HttpResponse, HttpResponseBase, StreamingHttpResponse


def _as_attachment(response: HttpResponseBase, filename: str) -> HttpResponseBase:
    # RFC 5987/6266: the UTF-8 name, percent-encoded, so a Chinese file name survives every
    # browser; never shown in the browser, never sniffed as another type.
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    response["X-Content-Type-Options"] = "nosniff"
    return response


def attachment(data: bytes, filename: str, content_type: str) -> HttpResponse:
    """``data`` as a download."""
    response = HttpResponse(data, content_type=content_type)
    _as_attachment(response, filename)
    return response


def streaming_attachment(
    chunks: Iterable[bytes | str], filename: str, content_type: str
) -> StreamingHttpResponse:
    """``chunks`` as a download sent while it is produced (a large CSV), headers as above."""
    response = StreamingHttpResponse(chunks, content_type=content_type)
    _as_attachment(response, filename)
    return response
