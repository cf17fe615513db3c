"""The home page: whatever the installed apps' home panels have to show this user."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from dangjian.core.panels import HOME, render_panels


@login_required
def home(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "dashboard/home.html",
        {"nav_active": "home", "panels": render_panels(HOME, request)},
    )
