from django.urls import path

from dangjian.dashboard import views

app_name = "dashboard"
urlpatterns = [
    path("problems/", views.problems, name="problems"),
    path("problems/export/", views.problems_export, name="problems_export"),
]
