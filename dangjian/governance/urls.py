from django.urls import path

from dangjian.governance import views

app_name = "governance"
urlpatterns = [
    path("unity/", views.unity, name="unity"),
    path("org/<pk:org_pk>/election/", views.election, name="election"),
    path("org/<pk:org_pk>/leader/", views.leader, name="leader"),
    path("org/<pk:pk>/structure-report/", views.structure_report, name="structure_report"),
    path("org/<pk:org_pk>/unity-exception/", views.unity_exception, name="unity_exception"),
    path("term/<pk:pk>/extend/", views.extend, name="extend"),
    path("term/<pk:pk>/seat/", views.seat, name="seat"),
    path("seat/<pk:pk>/upper/", views.seat_upper, name="seat_upper"),
    path("seat/<pk:pk>/remove/", views.seat_remove, name="seat_remove"),
]
