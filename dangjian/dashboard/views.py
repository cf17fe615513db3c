"""The workbench: the home page (whatever the installed apps' home panels have to show this
user) and the problem list with its export."""

from __future__ import annotations

from typing import Any, ClassVar

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.urls import reverse

from dangjian.core import clock
from dangjian.core.generic import ScopedDownloadView, ScopedListView, ScopedView
from dangjian.core.panels import HOME, render_panels
from dangjian.core.views import require_action
from dangjian.dashboard.forms import ProblemFilterForm
from dangjian.dashboard.permissions import WorkbenchAction
from dangjian.dashboard.worklist import Row, filter_rows, kind_counts, problem_rows, to_csv, to_xlsx


class HomeView(ScopedView):
    """Every signed-in user has a home; the panels decide what their roles may see."""

    template_name = "dashboard/home.html"
    nav_active = "home"

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        return self.render_page({"panels": render_panels(HOME, request)})


def _filtered(request: HttpRequest) -> tuple[list[Row], list[Row], ProblemFilterForm]:
    """All rows in scope, the rows the filters keep, and the bound form (invalid: no rows)."""
    rows, units = problem_rows(request.user, clock.today())
    present = {row.problem.kind for row in rows}
    form = ProblemFilterForm(request.GET or None, units=units, present=present)
    if form.is_bound and not form.is_valid():
        return rows, [], form
    data = form.cleaned_data if form.is_bound else {}
    return rows, filter_rows(rows, units, data), form


class ProblemListView(ScopedListView):
    """工作台 → 问题清单: every source's rows in the user's scope, each linking to its fix."""

    action = WorkbenchAction.PROBLEMS
    template_name = "dashboard/problems.html"
    nav_active = "problems"

    def get_rows(self, request: HttpRequest) -> tuple[Any, Any]:
        require_action(request, self.action)
        everything, rows, form = _filtered(request)
        self.everything = everything
        return rows, form

    def get_context(self, obj: Any) -> dict[str, Any]:
        query = self.request.GET.copy()
        query.pop("page", None)
        return {
            "counts": kind_counts(self.everything),
            "total": len(self.everything),
            "export_query": query.urlencode(),
        }


class ProblemExportView(ScopedDownloadView):
    """The filtered list as CSV (``?format=csv``) or xlsx, named in Chinese with the date."""

    action = WorkbenchAction.PROBLEMS
    formats: ClassVar[dict[str, str]] = {
        "csv": "text/csv; charset=utf-8",
        "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    }

    def get_error_url(self, obj: Any, exc: ValidationError) -> str:
        return reverse("dashboard:problems")

    def get_file(self, obj: Any) -> tuple[bytes, str]:
        fmt = self.request.GET.get("format", "xlsx")
        if fmt not in self.formats:
            raise ValidationError("导出格式只能是 CSV 或 Excel（xlsx）")
        _, rows, form = _filtered(self.request)
        if form.errors:
            raise ValidationError(
                "；".join(str(e) for errors in form.errors.values() for e in errors)
            )
        self.content_type = self.formats[fmt]  # type: ignore[misc]
        base = self.request.build_absolute_uri("/")[:-1]
        today = clock.today()
        name = f"问题清单-{today:%Y%m%d}.{fmt}"
        if fmt == "csv":
            return to_csv(rows, base), name
        title = f"问题清单（{today:%Y-%m-%d}，共{len(rows)}条）"
        return to_xlsx(rows, base, title=title), name


home = HomeView.as_view()
problems = ProblemListView.as_view()
problems_export = ProblemExportView.as_view()
