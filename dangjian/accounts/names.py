"""People's names for the login names that records keep (timelines, "by whom" lines)."""

from __future__ import annotations

from collections.abc import Iterable

from dangjian.accounts.models import User


def display_names(usernames: Iterable[str]) -> dict[str, str]:
    """Each login name → the person's full name; the login name itself when the account has no
    full name or no longer exists, or the name is no account ("系统", a job's). One query."""
    wanted = {name for name in usernames if name}
    found = dict(
        User.objects.filter(username__in=wanted)
        .exclude(full_name="")
        .values_list("username", "full_name")
    )
    return {name: found.get(name, name) for name in wanted}
