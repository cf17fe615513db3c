"""Generic scoped pages: each app declares a queryset, an action, a form and a service call.

Five views cover the pages of the platform (ADR 0022):

- ``ScopedListView``: rows through ``visible_to(user, action)`` (or, with ``tree_scoped = False``,
  every row once the role allows the action), an optional django-filter FilterSet (the same class
  the API viewset uses), pagination (page numbers, or a keyset cursor for a large list: ADR 0025);
  an htmx request gets only the table partial.
- ``ScopedDetailView``: one object through ``get_scoped_or_404``.
- ``ServiceFormView``: an object in scope for the action, a form, ``run(obj, actor, data)``;
  a service ``ValidationError`` lands on the form's fields and nothing is written.
- ``ConfirmActionView``: GET asks, POST runs ``run(obj, actor)``.
- ``ScopedDownloadView``: GET answers ``get_file(obj)`` as an attachment (a workbook, an
  export), or with ``streaming = True`` ``get_stream(obj)`` as a streamed one (a CSV of the
  audit log); a refusal is a message on ``get_error_url``'s page.

Lookups follow the tree (``get_scoped_or_404``) unless a page sets ``tree_scoped = False``: then
the role alone decides (accounts, the audit log) and the row is looked up directly.

Every view requires a signed-in user; the role check, the denial audit entry and the 404 for an
object out of scope come from ``get_scoped_or_404`` / ``require_action``, as on hand-written pages.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, ClassVar

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, QueryDict
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, render
from django.views import View
from django_htmx.http import HttpResponseLocation

from dangjian.core.downloads import attachment, streaming_attachment
from dangjian.core.forms import apply_service_errors
from dangjian.core.paging import keyset_page, numbered_page, page_query
from dangjian.core.views import get_scoped_or_404, require_action


class ScopedView(View):
    """The shared part: sign-in, the action, the unrestricted queryset and the object lookup.

    ``queryset`` is unrestricted (``visible_to`` narrows it per request); ``None`` means the page
    is about no object and only the role is checked.
    """

    queryset: ClassVar[Any] = None
    action: ClassVar[str] = ""
    template_name: ClassVar[str] = ""
    nav_active: ClassVar[str] = ""
    pk_url_kwarg: ClassVar[str] = "pk"
    # False for a page gated by the role alone, outside the tree (the audit log, accounts):
    # after ``require_action`` a list shows every row of ``queryset`` and an object is looked
    # up directly (a 404 only when it does not exist).
    tree_scoped: ClassVar[bool] = True

    @classmethod
    def as_view(cls, **initkwargs: Any) -> Any:
        # The same decorator as the function views, so the login redirect is identical.
        return login_required(super().as_view(**initkwargs))

    def get_queryset(self) -> Any:
        return self.queryset.all()

    def get_object(self) -> Any:
        if self.queryset is None:
            require_action(self.request, self.action)
            return None
        pk = self.kwargs[self.pk_url_kwarg]
        if not self.tree_scoped:
            require_action(self.request, self.action)
            return get_object_or_404(self.get_queryset(), pk=pk)
        return get_scoped_or_404(self.request, self.get_queryset(), self.action, pk)

    def get_context(self, obj: Any) -> dict[str, Any]:
        """Extra template context for this page."""
        return {}

    def render_page(self, context: dict[str, Any], template: str | None = None) -> HttpResponse:
        base = {"nav_active": self.nav_active} if self.nav_active else {}
        return render(self.request, template or self.template_name, {**base, **context})


class ScopedListView(ScopedView):
    """A paginated list of the rows the user may see for ``action``."""

    filterset_class: ClassVar[Any] = None
    paginate_by: ClassVar[int] = 50
    table_template: ClassVar[str] = ""  # the htmx partial; the full page includes it
    # A large list names its order here (ascending keys, ending with the pk) and is paged by a
    # keyset cursor (``?after=<id>``/``?before=<id>``) instead of ``?page=N``: ADR 0025.
    keyset: ClassVar[tuple[str, ...]] = ()
    anchor_rows: Any = None  # the visible rows before any filter: where a cursor is looked up

    def filter_data(self) -> Any:
        """The FilterSet's input: the query string unless a page names its parameters itself."""
        return self.request.GET or None

    def get_filterset(self, data: Any, queryset: Any) -> Any:
        """The bound FilterSet; a page may dress its form (widget classes) here."""
        return self.filterset_class(data, queryset=queryset)

    def get_rows(self, request: HttpRequest) -> tuple[Any, Any]:
        """The rows and the bound FilterSet (``None`` without one); invalid filters list nothing."""
        require_action(request, self.action)
        rows = self.get_queryset()
        if self.tree_scoped:
            rows = rows.visible_to(request.user, self.action)
        self.anchor_rows = rows
        return self.filter_rows(rows)

    def filter_rows(self, rows: Any) -> tuple[Any, Any]:
        """Narrow the visible rows by the page's filters: the FilterSet, or a page's own form."""
        if self.filterset_class is None:
            return rows, None
        filterset = self.get_filterset(self.filter_data(), rows)
        if filterset.is_bound and not filterset.is_valid():
            return rows.none(), filterset
        return filterset.qs, filterset

    def paging_params(self) -> QueryDict:
        """Where the page position and the filters its links keep are read from."""
        return self.request.GET

    def paginate(self, rows: Any) -> dict[str, Any]:
        """The one pagination of the generic lists: ``{"page": ..., "query": ...}``, by page
        number, or by keyset cursor when the view declares ``keyset``."""
        params = self.paging_params()
        if self.keyset:
            page: Any = keyset_page(
                rows,
                ordering=self.keyset,
                size=self.paginate_by,
                params=params,
                anchors=self.anchor_rows,
            )
        else:
            page = numbered_page(rows, self.paginate_by, params)
        return {"page": page, "query": page_query(params)}

    def list_context(self, rows: Any) -> dict[str, Any]:
        """The page of rows and the query string its links keep; a page that shows every row
        at once (a short report) returns ``{"rows": ...}`` instead."""
        return self.paginate(rows)

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        rows, filterset = self.get_rows(request)
        context = {"filterset": filterset, **self.list_context(rows), **self.get_context(None)}
        partial = self.table_template and getattr(request, "htmx", False)
        return self.render_page(context, self.table_template if partial else None)


class ScopedDetailView(ScopedView):
    """One object the user may see for ``action``; ``context_object_name`` names it."""

    context_object_name: ClassVar[str] = "object"

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        obj = self.get_object()
        return self.render_page({self.context_object_name: obj, **self.get_context(obj)})


class _Redirecting(ScopedView):
    success_message: ClassVar[str] = ""
    success_url: ClassVar[str] = ""

    def get_success_message(self, obj: Any, result: Any) -> str:
        return self.success_message

    def get_success_url(self, obj: Any, result: Any) -> str:
        return self.success_url

    def redirect(self, url: str) -> HttpResponse:
        # An htmx submit follows HX-Location (a client-side navigation), not a 302 it would
        # swap into the page.
        if getattr(self.request, "htmx", False):
            return HttpResponseLocation(url)
        return HttpResponseRedirect(url)


class ServiceFormView(_Redirecting):
    """A form whose valid data goes to one service call.

    Declare ``queryset``/``action``, ``form_class``, ``run`` and the success message and URL;
    ``errors_as`` maps a service argument name to the form field that supplied it. A page whose
    success is a page of its own rather than a redirect overrides ``success_response``.
    """

    form_class: ClassVar[type[forms.BaseForm]]
    template_name: ClassVar[str] = "generic/form.html"
    title: ClassVar[str] = ""
    submit_label: ClassVar[str] = "保存"
    errors_as: ClassVar[dict[str, str]] = {}

    def run(self, obj: Any, actor: Any, data: dict[str, Any]) -> Any:
        raise NotImplementedError

    def get_initial(self, obj: Any) -> dict[str, Any]:
        return {}

    def get_form(self, obj: Any) -> forms.BaseForm:
        # Uploaded files bind too, so a form with a FileField needs nothing of its own (its
        # template declares ``enctype="multipart/form-data"``).
        return self.form_class(
            self.request.POST or None, self.request.FILES or None, initial=self.get_initial(obj)
        )

    def forms_valid(self, form: forms.BaseForm) -> bool:
        """Whether to call the service; a page with a second form checks it here too."""
        return form.is_valid()

    def error_form(self, form: forms.BaseForm, exc: ValidationError) -> forms.BaseForm:
        """The form a service error belongs on."""
        return form

    def get_title(self, obj: Any) -> str:
        return self.title

    def cancel_url(self, obj: Any) -> str:
        return self.get_success_url(obj, None)

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        obj = self.get_object()
        return self.show(obj, self.get_form(obj))

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        obj = self.get_object()
        form = self.get_form(obj)
        if self.forms_valid(form):
            try:
                result = self.run(obj, request.user, form.cleaned_data)
            except ValidationError as exc:
                apply_service_errors(self.error_form(form, exc), exc, self.errors_as)
            else:
                return self.success_response(obj, result)
        return self.show(obj, form)

    def success_response(self, obj: Any, result: Any) -> HttpResponse:
        """After the service call: the message and the redirect. A page that shows its result
        once instead (a one-time password) renders it here."""
        message = self.get_success_message(obj, result)
        if message:
            messages.success(self.request, message)
        return self.redirect(self.get_success_url(obj, result))

    def show(self, obj: Any, form: forms.BaseForm) -> HttpResponse:
        context = {
            "form": form,
            "object": obj,
            "title": self.get_title(obj),
            "submit_label": self.submit_label,
            "cancel_url": self.cancel_url(obj),
            **self.get_context(obj),
        }
        return self.render_page(context)


class ConfirmActionView(_Redirecting):
    """GET shows ``template_name`` (an empty one sends the visitor straight to the success URL);
    POST runs ``run(obj, actor)``. A refusal is shown as a message on the success URL's page."""

    template_name: ClassVar[str] = "generic/confirm.html"
    title: ClassVar[str] = ""
    question: ClassVar[str] = ""
    submit_label: ClassVar[str] = "确认"
    error_url: ClassVar[str] = ""

    def run(self, obj: Any, actor: Any) -> Any:
        raise NotImplementedError

    def get_title(self, obj: Any) -> str:
        return self.title

    def get_error_url(self, obj: Any) -> str:
        return self.error_url or self.get_success_url(obj, None)

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        obj = self.get_object()
        if not self.template_name:
            return self.redirect(self.get_success_url(obj, None))
        context = {
            "object": obj,
            "title": self.get_title(obj),
            "question": self.question,
            "submit_label": self.submit_label,
            "cancel_url": self.get_success_url(obj, None),
            **self.get_context(obj),
        }
        return self.render_page(context)

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        obj = self.get_object()
        try:
            result = self.run(obj, request.user)
        except ValidationError as exc:  # e.g. done meanwhile in another tab
            messages.error(request, "；".join(exc.messages))
            return self.redirect(self.get_error_url(obj))
        return self.success_response(obj, result)

    def success_response(self, obj: Any, result: Any) -> HttpResponse:
        """After the service call: the message and the redirect. A button that swaps an htmx
        partial in (the member ID reveal) renders it here instead."""
        message = self.get_success_message(obj, result)
        if message:
            messages.success(self.request, message)
        return self.redirect(self.get_success_url(obj, result))


class ScopedDownloadView(ScopedView):
    """GET answers a file built for the object (or, with ``queryset = None``, for the role):
    ``get_file(obj)`` returns the bytes and the file name, sent as ``content_type``.

    The lookup is the other views' (403 without the role, 404 and a denial entry out of scope).
    ``get_file`` may refuse with a ``ValidationError``: its message is shown on
    ``get_error_url(obj, exc)``'s page and nothing is downloaded.

    A file too large to build in memory sets ``streaming = True`` and implements
    ``get_stream(obj)``: an iterator of chunks and the file name, sent as it is produced with
    the same attachment headers. It may refuse the same way before returning the iterator.
    """

    content_type: ClassVar[str] = "application/octet-stream"
    error_url: ClassVar[str] = ""
    streaming: ClassVar[bool] = False

    def get_file(self, obj: Any) -> tuple[bytes, str]:
        raise NotImplementedError

    def get_stream(self, obj: Any) -> tuple[Iterable[bytes | str], str]:
        raise NotImplementedError

    def get_error_url(self, obj: Any, exc: ValidationError) -> str:
        return self.error_url

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        obj = self.get_object()
        try:
            if self.streaming:
                chunks, filename = self.get_stream(obj)
                return streaming_attachment(chunks, filename, self.content_type)
            data, filename = self.get_file(obj)
        except ValidationError as exc:
            messages.error(request, "；".join(exc.messages))
            return HttpResponseRedirect(self.get_error_url(obj, exc))
        return attachment(data, filename, self.content_type)
