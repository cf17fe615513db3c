"""A file handed out as an HTTP attachment, for pages and the API alike (no views imported)."""

from __future__ import annotations

from urllib.parse import quote

from django.http import HttpResponse


def attachment(data: bytes, filename: str, content_type: str) -> HttpResponse:
    """``data`` as a download: never shown in the browser, never sniffed as another type."""
    response = HttpResponse(data, content_type=content_type)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    response["X-Content-Type-Options"] = "nosniff"
    return response
