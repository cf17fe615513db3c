from django.contrib.auth.decorators import login_required
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import DefaultRouter

from dangjian.core import views as core_views
from dangjian.dashboard import views as dashboard_views
from dangjian.members.api import MemberViewSet
from dangjian.orgs.api import OrgNodeViewSet

router = DefaultRouter(trailing_slash=True)
router.register("orgs", OrgNodeViewSet, basename="org")
router.register("members", MemberViewSet, basename="member")

audit_patterns = (
    [
        path("", core_views.audit_list, name="list"),
        path("export/", core_views.audit_export, name="export"),
    ],
    "audit",
)

urlpatterns = [
    path("", dashboard_views.home, name="home"),
    path("healthz", core_views.healthz, name="healthz"),
    path("accounts/", include("dangjian.accounts.urls")),
    path("orgs/", include("dangjian.orgs.urls")),
    path("members/", include("dangjian.members.urls")),
    path("governance/", include("dangjian.governance.urls")),
    path("notifications/", include("dangjian.notifications.urls")),
    path("audit/", include(audit_patterns)),
    path("files/", include("dangjian.core.files.urls")),
    path("scheduler/", include("dangjian.core.scheduler.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path(
        "api/docs/",
        login_required(SpectacularSwaggerSplitView.as_view(url_name="api-schema")),
        name="api-docs",
    ),
    path("api/", include(router.urls)),
]
