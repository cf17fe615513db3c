"""Pure rules of the outbox: retry backoff, what an e-mail may say. No ORM, no clock."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

# 18-digit resident ID (last character may be X), the older 15-digit form, mainland mobiles.
_IDENTIFIER = re.compile(r"(?<![0-9A-Za-z])(?:\d{17}[0-9Xx]|\d{15}|1[3-9]\d{9})(?![0-9A-Za-z])")
REDACTED = "[已隐去]"


def redact_identifiers(text: str) -> str:
    """Notifications leave the platform by e-mail: whatever a producer passes, an ID or mobile
    number never goes with it."""
    return _IDENTIFIER.sub(REDACTED, text)


def retry_delay(attempts: int, *, base_seconds: int, cap_seconds: int) -> timedelta:
    """Exponential backoff after the ``attempts``-th failed attempt: base, 2×base, 4×base … cap."""
    if attempts < 1:
        raise ValueError("attempts counts failures so far and starts at 1")
    seconds = base_seconds * 2 ** min(attempts - 1, 30)
    return timedelta(seconds=min(seconds, cap_seconds))


def next_attempt(
    now: datetime, attempts: int, *, max_attempts: int, base_seconds: int, cap_seconds: int
) -> datetime | None:
    """When to try again after a failure, or None once ``max_attempts`` have failed."""
    if attempts >= max_attempts:
        return None
    return now + retry_delay(attempts, base_seconds=base_seconds, cap_seconds=cap_seconds)


def email_subject(title: str) -> str:
    # One line: a header cannot carry a newline.
    return "【国企党建监管平台】" + " ".join(redact_identifiers(title).split())


def email_text(*, title: str, body: str, url: str) -> str:
    lines = [redact_identifiers(title), ""]
    if body:
        lines += [redact_identifiers(body), ""]
    if url:
        lines += [f"查看详情：{url}", ""]
    lines.append(
        "此邮件由国企党建监管平台自动发送，请勿回复。可在平台“个人信息”页面设置是否接收此类邮件。"
    )
    return "\n".join(lines)


def absolute_link(base_url: str, link: str) -> str:
    """Links are stored as site paths; e-mails need the platform's address in front."""
    if not link:
        return ""
    return base_url.rstrip("/") + "/" + link.lstrip("/")
