from django.urls import path

from dangjian.core.scheduler import views

app_name = "scheduler"

urlpatterns = [
    path("", views.job_list, name="list"),
    path("<str:name>/run/", views.run_now, name="run"),
]
