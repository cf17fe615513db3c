"""Log test clients in the way a person would, second factor included."""

from __future__ import annotations

from typing import Any

from django.test import Client
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice


def current_token(device: TOTPDevice) -> str:
    return f"{totp(device.bin_key, device.step, device.t0, device.digits, device.drift):06d}"


def login(client: Client, user: Any) -> Client:
    """Session login; admin roles additionally pass a real TOTP check."""
    client.force_login(user)
    if user.needs_second_factor:
        device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
        if device is None:
            device = TOTPDevice.objects.create(user=user, name="测试", confirmed=True)
        response = client.post("/accounts/otp/verify/", {"token": current_token(device)})
        assert response.status_code == 302, "second factor was refused in the test login"
    # The first request stamps the idle-timeout clock; do it here so measured requests are steady.
    client.get("/accounts/profile/")
    return client
