from django.urls import path

from dangjian.notifications import views

app_name = "notifications"

urlpatterns = [
    path("", views.centre, name="centre"),
    path("<pk:pk>/read/", views.read, name="read"),
    path("<pk:pk>/open/", views.open_item, name="open"),
    path("read-all/", views.read_all, name="read_all"),
    path("preferences/", views.preferences, name="preferences"),
]
