"""The notification centre: the user's own notifications, mark one or all read, e-mail choices.

Every page here is about the signed-in user's own rows: no role or tree decides (ADR 0022), the
generic views' lookup is replaced by the recipient's own queryset.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import BooleanField, ExpressionWrapper, Q
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme

from dangjian.core import clock
from dangjian.core.api import record_denial_if_exists
from dangjian.core.generic import ConfirmActionView, ScopedListView, ScopedView
from dangjian.notifications import services
from dangjian.notifications.models import Notification
from dangjian.notifications.registry import all_kinds
from dangjian.notifications.templatetags.notifications import cached_unread_count

PAGE_SIZE = 20
_UNREAD = ExpressionWrapper(Q(read_at__isnull=True), output_field=BooleanField())


def _kind_label(kind: str) -> str:
    return {k.key: k.label for k in all_kinds()}.get(kind, "通知")


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


class _OwnNotificationAction(ConfirmActionView):
    """A button on one of the user's own notifications: POST only, marks it read."""

    http_method_names = ["post"]

    def get_object(self) -> Notification:
        pk = self.kwargs[self.pk_url_kwarg]
        notification = services.for_recipient(self.request.user).filter(pk=pk).first()
        if notification is None:
            # Another user's notification answers like a missing one; the probe is recorded.
            record_denial_if_exists(self.request, Notification.objects.all(), pk)
            raise Http404
        return notification

    def run(self, obj: Notification, actor: Any) -> Notification:
        notification = services.mark_read(actor, obj.pk, now=clock.now())
        # The bell on the page that comes back must count the row just read.
        self.request._notification_unread = None  # type: ignore[attr-defined]
        return notification

    def next_path(self, target: str) -> str:
        if (
            target.startswith("/")
            and not target.startswith("//")
            and url_has_allowed_host_and_scheme(target, allowed_hosts={self.request.get_host()})
        ):
            return target
        return reverse("notifications:centre")


class ReadView(_OwnNotificationAction):
    """标为已读: an htmx click swaps the row; a plain form goes back to where it was posted."""

    def get_success_url(self, obj: Any, result: Any) -> str:
        return self.next_path(self.request.POST.get("next", ""))

    def success_response(self, obj: Any, result: Notification) -> HttpResponse:
        if not getattr(self.request, "htmx", False):
            return super().success_response(obj, result)
        result.kind_label = _kind_label(result.kind)  # type: ignore[attr-defined]
        return render(
            self.request,
            "notifications/_read_response.html",
            {"row": result, "unread": cached_unread_count(self.request)},
        )


read = ReadView.as_view()


class OpenView(_OwnNotificationAction):
    """Following a notification marks it read and goes to its object (whose own page checks
    scope again: the link grants nothing)."""

    def get_success_url(self, obj: Any, result: Notification) -> str:
        return self.next_path(result.link)


open_item = OpenView.as_view()


class ReadAllView(ConfirmActionView):
    """全部标为已读: the user's own unread rows."""

    http_method_names = ["post"]

    def get_object(self) -> None:
        return None

    def run(self, obj: None, actor: Any) -> int:
        return services.mark_all_read(actor, now=clock.now())

    def get_success_message(self, obj: Any, marked: int) -> str:
        return f"已将 {marked} 条通知标为已读" if marked else "没有未读通知"

    def get_success_url(self, obj: Any, result: Any) -> str:
        return reverse("notifications:centre")


read_all = ReadAllView.as_view()


_FIELD_LABELS = {"email": "接收邮箱", "email_kinds": "邮件通知"}


class PreferencesView(ScopedView):
    """The profile page's 通知设置 section posts here: ticked kinds get e-mail. The section lives
    on the profile page, so both outcomes go back there with a message."""

    http_method_names = ["post"]

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
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


preferences = PreferencesView.as_view()


def _first_error(exc: ValidationError) -> str:
    """“字段：原因”, like the form fields elsewhere."""
    field, reasons = next(iter(exc.message_dict.items()))
    return f"{_FIELD_LABELS.get(field, field)}：{reasons[0]}"
