"""API refusals that carry their own Chinese reason, which the exception handler keeps as written.

A module of its own, importing only DRF's exceptions: authentication classes raise these and are
imported by DRF while ``apiconf`` (pagination, handler) is itself still being imported.
"""

from __future__ import annotations

from rest_framework import exceptions


class ExplainedAuthenticationFailed(exceptions.AuthenticationFailed):
    """A 401 that says why (expired or revoked token, disabled account)."""


class ExplainedPermissionDenied(exceptions.PermissionDenied):
    """A 403 that says why (CSRF check failed, password to be changed first)."""
