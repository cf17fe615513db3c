"""The demo accounts' password: ``DEMO_PASSWORD`` when set, else one generated and kept in var/."""

from __future__ import annotations

import os
from pathlib import Path

from django.conf import settings

from dangjian.accounts.services import generate_initial_password


def demo_password_file() -> Path:
    return Path(settings.VAR_DIR) / "demo-password.txt"


def demo_password() -> str:
    explicit = os.environ.get("DEMO_PASSWORD")
    if explicit:
        return explicit
    path = demo_password_file()
    if path.exists():
        return path.read_text(encoding="utf-8").strip()
    password = generate_initial_password()
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(password + "\n")
    return password
