"""The notification centre: the user's own notifications, mark one or all read, e-mail choices."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import BooleanField, ExpressionWrapper, Q
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from dangjian.core import clock
from dangjian.core.api import record_denial_if_exists
from dangjian.core.generic import ScopedListView
from dangjian.notifications import services
from dangjian.notifications.models import Notification
from dangjian.notifications.registry import all_kinds
from dangjian.notifications.templatetags.notifications import cached_unread_count

PAGE_SIZE = 20
_UNREAD = ExpressionWrapper(Q(read_at__isnull=True), output_field=BooleanField())


def _own_or_404(request: HttpRequest, pk: int, *, now: Any) -> Notification:
    try:
        notification = services.mark_read(request.user, pk, now=now)
    except Notification.DoesNotExist:
        # Another user's notification answers like a missing one; the probe is recorded.
        record_denial_if_exists(request, Notification.objects.all(), pk)
        raise Http404 from None
    # The bell on the page that comes back must count the row just read.
    request._notification_unread = None  # type: ignore[attr-defined]
    return notification


def _safe_path(request: HttpRequest, target: str) -> str:
    if (
        target.startswith("/")
        and not target.startswith("//")
        and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()})
    ):
        return target
    return reverse("notifications:centre")


class CentreView(ScopedListView):
    """Unread first, newest first within each; the same number of queries at any size. The rows
    are the recipient's own, so no action gates the page: any signed-in user has one."""

    template_name = "notifications/centre.html"
    nav_active = "notifications"
    paginate_by = PAGE_SIZE
    http_method_names = ["get"]  # as ``require_GET``: anything else is a 405

    def only_unread(self) -> bool:
        return self.request.GET.get("show") == "unread"

    def get_rows(self, request: HttpRequest) -> tuple[Any, Any]:
        rows = services.for_recipient(request.user)
        if self.only_unread():
            rows = rows.filter(read_at__isnull=True)
        return rows.order_by(_UNREAD.desc(), "-created_at", "-id"), None

    def list_context(self, rows: Any) -> dict[str, Any]:
        page = Paginator(rows, self.paginate_by).get_page(self.request.GET.get("page"))
        labels = {kind.key: kind.label for kind in all_kinds()}
        for row in page:
            row.kind_label = labels.get(row.kind, "通知")
        return {"page": page, "query": "show=unread" if self.only_unread() else ""}

    def get_context(self, obj: Any) -> dict[str, Any]:
        return {"only_unread": self.only_unread()}


centre = CentreView.as_view()


@login_required
@require_POST
def read(request: HttpRequest, pk: int) -> HttpResponse:
    notification = _own_or_404(request, pk, now=clock.now())
    if request.headers.get("HX-Request"):
        notification.kind_label = {k.key: k.label for k in all_kinds()}.get(  # type: ignore[attr-defined]
            notification.kind, "通知"
        )
        return render(
            request,
            "notifications/_read_response.html",
            {"row": notification, "unread": cached_unread_count(request)},
        )
    return HttpResponseRedirect(_safe_path(request, request.POST.get("next", "")))


@login_required
@require_POST
def open_item(request: HttpRequest, pk: int) -> HttpResponse:
    """Following a notification marks it read and goes to its object (whose own page checks
    scope again: the link grants nothing)."""
    notification = _own_or_404(request, pk, now=clock.now())
    return HttpResponseRedirect(_safe_path(request, notification.link))


@login_required
@require_POST
def read_all(request: HttpRequest) -> HttpResponse:
    marked = services.mark_all_read(request.user, now=clock.now())
    messages.success(request, f"已将 {marked} 条通知标为已读" if marked else "没有未读通知")
    return HttpResponseRedirect(reverse("notifications:centre"))


@login_required
@require_POST
def preferences(request: HttpRequest) -> HttpResponse:
    """The profile page's 通知设置 section posts here: ticked kinds get e-mail."""
    try:
        services.set_email_preferences(
            request.user,
            set(request.POST.getlist("email_kinds")),
            email=request.POST.get("email", ""),
            actor=request.user,
        )
    except ValidationError as exc:
        messages.error(request, _first_error(exc) + "，通知设置未保存")
    else:
        if not request.user.email:  # type: ignore[union-attr]
            messages.warning(request, "通知设置已保存；未填写接收邮箱，邮件通知不会送达")
        else:
            messages.success(request, "通知设置已保存")
    return HttpResponseRedirect(reverse("accounts:profile") + "#notification-settings")


_FIELD_LABELS = {"email": "接收邮箱", "email_kinds": "邮件通知"}


def _first_error(exc: ValidationError) -> str:
    """“字段：原因”, like the form fields elsewhere."""
    field, reasons = next(iter(exc.message_dict.items()))
    return f"{_FIELD_LABELS.get(field, field)}：{reasons[0]}"
