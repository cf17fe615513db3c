"""A page nobody declared, under an app's namespace, for the tenancy meta-test's own test."""

from django.http import HttpRequest, HttpResponse
from django.urls import include, path


def report(request: HttpRequest) -> HttpResponse:
    return HttpResponse("报表")


new_pages = ([path("report/", report, name="new_report")], "members")

urlpatterns = [
    path("members/", include(new_pages)),
    path("unnamed/", report),
]
