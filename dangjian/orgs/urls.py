from django.urls import path

from dangjian.orgs import views

app_name = "orgs"
urlpatterns = [
    path("", views.tree, name="tree"),
    path("settings/", views.county_settings, name="county_settings"),
    path("pick/", views.pick, name="pick"),
    path("<pk:pk>/", views.detail, name="detail"),
    path("<pk:pk>/children/", views.children, name="children"),
    path("<pk:pk>/add/", views.create, name="create"),
    path("<pk:pk>/edit/", views.edit, name="edit"),
    path("<pk:pk>/move/", views.move, name="move"),
    path("<pk:pk>/dissolve/", views.dissolve, name="dissolve"),
    path("<pk:pk>/setup-approval/", views.setup_approval, name="setup_approval"),
]
