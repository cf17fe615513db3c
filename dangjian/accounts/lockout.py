"""Login lockout: django-axes' per-(username, address) count plus a cap across addresses.

axes counts failures for each parameter set against a single limit, so the account-wide lock
(any one address at the limit, or the total over addresses at ``LOGIN_ACCOUNT_FAILURE_LIMIT``)
is added here: the handler folds it into the number axes compares (``rules.account_locked``).
Unknown usernames are counted exactly like real ones, so a lock never tells whether an account
exists.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from axes.attempts import get_cool_off_threshold
from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username
from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Count, Max, Sum

from dangjian.accounts.rules import account_locked
from dangjian.core import clock


def failures_by_address(username: str, *, since: datetime) -> tuple[int, int]:
    """(highest failures from one address, failures summed over addresses) since ``since``."""
    totals = AccessAttempt.objects.filter(username=username, attempt_time__gte=since).aggregate(
        worst=Max("failures_since_start"), total=Sum("failures_since_start")
    )
    return int(totals["worst"] or 0), int(totals["total"] or 0)


class AccountCapHandler(AxesDatabaseHandler):
    """The database handler with the account-wide lock folded into ``get_failures``: axes
    compares that one number with ``AXES_FAILURE_LIMIT``, so a locked account reports at
    least the limit, whichever address asks."""

    def get_failures(self, request: Any, credentials: dict[str, Any] | None = None) -> int:
        per_address = super().get_failures(request, credentials)
        username = get_client_username(request, credentials)
        if not username:
            return per_address
        worst, total = failures_by_address(str(username), since=get_cool_off_threshold(request))
        limit = settings.AXES_FAILURE_LIMIT
        locked = account_locked(
            worst, total, address_limit=limit, account_limit=settings.LOGIN_ACCOUNT_FAILURE_LIMIT
        )
        return max(per_address, limit) if locked else per_address


@dataclass(frozen=True)
class AccountFailures:
    username: str
    failures: int
    addresses: int
    last_attempt: datetime
    locked: bool


def accounts_with_failures(limit: int = 200) -> list[AccountFailures]:
    """Per username: failures across addresses inside the cool-off window, for the unlock page."""
    since = clock.now() - settings.AXES_COOLOFF_TIME
    rows = (
        AccessAttempt.objects.filter(attempt_time__gte=since)
        .values("username")
        .annotate(
            failures=Sum("failures_since_start"),
            worst=Max("failures_since_start"),
            addresses=Count("ip_address", distinct=True),
            last=Max("attempt_time"),
        )
        .order_by("-last")[:limit]
    )
    return [
        AccountFailures(
            username=row["username"] or "",
            failures=int(row["failures"] or 0),
            addresses=int(row["addresses"]),
            last_attempt=row["last"],
            locked=account_locked(
                int(row["worst"] or 0),
                int(row["failures"] or 0),
                address_limit=settings.AXES_FAILURE_LIMIT,
                account_limit=settings.LOGIN_ACCOUNT_FAILURE_LIMIT,
            ),
        )
        for row in rows
    ]
