"""E-mail backends for the delivery tests: one that fails a set number of times first."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

from django.core.mail import EmailMessage
from django.core.mail.backends.locmem import EmailBackend as LocmemBackend


class FlakyBackend(LocmemBackend):
    """Refuses the first ``failures_left`` messages (an SMTP server that is down), then
    delivers to ``django.core.mail.outbox`` like the test backend."""

    failures_left: ClassVar[int] = 0
    attempts: ClassVar[int] = 0

    def send_messages(self, messages: Sequence[EmailMessage]) -> int:
        FlakyBackend.attempts += 1
        if FlakyBackend.failures_left > 0:
            FlakyBackend.failures_left -= 1
            raise ConnectionRefusedError("SMTP server unreachable")
        return int(super().send_messages(messages))

    @classmethod
    def reset(cls, failures: int) -> Any:
        cls.failures_left, cls.attempts = failures, 0
        return cls


class AppendingBackend(LocmemBackend):
    """For the cross-process test: every message sent appends one line to ``NOTIFY_TEST_SENT``."""

    def send_messages(self, messages: Sequence[EmailMessage]) -> int:
        import os

        with open(os.environ["NOTIFY_TEST_SENT"], "a", encoding="utf-8") as sent:
            for message in messages:
                sent.write(f"{message.to[0]}\t{message.subject}\n")
        return len(messages)
