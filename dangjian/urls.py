from importlib import import_module

from django.apps import apps
from django.contrib.auth.decorators import login_required
from django.urls import include, path
from django.utils.module_loading import module_has_submodule
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import DefaultRouter

from dangjian.core import audit_views
from dangjian.core import views as core_views
from dangjian.dashboard import views as dashboard_views


def _domain_apps_with(module: str) -> list[str]:
    return [
        config.name
        for config in apps.get_app_configs()
        if config.name.startswith("dangjian.")
        and config.label != "core"
        and module_has_submodule(config.module, module)
    ]


def _api_router() -> DefaultRouter:
    """Every installed app's ``api.API_ROUTES`` on one router: adding an app edits no list here."""
    router = DefaultRouter(trailing_slash=True)
    for name in _domain_apps_with("api"):
        for prefix, viewset, basename in getattr(import_module(f"{name}.api"), "API_ROUTES", ()):
            router.register(prefix, viewset, basename=basename)
    return router


router = _api_router()
# Each app's pages under its label: /orgs/, /members/, … (its urls.py names its namespace).
app_pages = [
    path(f"{name.rsplit('.', 1)[1]}/", include(f"{name}.urls"))
    for name in _domain_apps_with("urls")
]

audit_patterns = (
    [
        path("", audit_views.audit_list, name="list"),
        path("export/", audit_views.audit_export, name="export"),
    ],
    "audit",
)

urlpatterns = [
    path("", dashboard_views.home, name="home"),
    path("healthz", core_views.healthz, name="healthz"),
    *app_pages,
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
