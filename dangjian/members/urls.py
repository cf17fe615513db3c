from django.urls import path

from dangjian.members.views import imports, movements, prints, registry, selfservice

app_name = "members"
urlpatterns = [
    path("", registry.member_list, name="list"),
    path("pick/", registry.member_pick, name="pick"),
    path("<pk:pk>/", registry.member_detail, name="detail"),
    path("<pk:pk>/edit/", registry.member_edit, name="edit"),
    path("<pk:pk>/reveal/", registry.member_reveal, name="reveal"),
    path("<pk:pk>/sheet/", prints.member_sheet, name="sheet"),
    path("<pk:pk>/do/<slug:name>/", movements.member_action, name="action"),
    path("new/<pk:org_pk>/", registry.member_create, name="create"),
    path("dual-registration/", registry.dual_registration, name="dual_registration"),
    path("mine/", selfservice.mine, name="mine"),
    path("<pk:pk>/self/", selfservice.self_page, name="self"),
    path(
        "community-reports/<pk:pk>/confirm/",
        selfservice.report_confirm,
        name="community_report_confirm",
    ),
    path(
        "community-reports/<pk:pk>/return/",
        selfservice.report_return,
        name="community_report_return",
    ),
    path("suspension-review/", registry.suspension_review, name="suspension_review"),
    path("transfers/", movements.transfers, name="transfers"),
    path("transfers/in/new/<pk:org_pk>/", movements.transfer_in_new, name="transfer_in_new"),
    path(
        "transfers/in/<pk:pk>/<slug:decision>/",
        movements.transfer_in_decide,
        name="transfer_in_decide",
    ),
    path(
        "transfers/out/<pk:pk>/complete/",
        movements.transfer_out_complete,
        name="transfer_out_complete",
    ),
    path(
        "transfers/out/<pk:pk>/reissue/",
        movements.transfer_out_reissue,
        name="transfer_out_reissue",
    ),
    path(
        "transfers/out/<pk:pk>/revoke/",
        movements.transfer_out_revoke,
        name="transfer_out_revoke",
    ),
    path("transfers/out/<pk:pk>/print/", movements.transfer_out_print, name="transfer_out_print"),
    path("export/", imports.export, name="export"),
    path("import/", imports.upload, name="import"),
    path("import/template/", imports.template, name="import_template"),
    path("import/<pk:pk>/", imports.job_detail, name="import_job"),
    path("import/<pk:pk>/progress/", imports.job_progress, name="import_progress"),
    path("import/<pk:pk>/marked/", imports.job_marked, name="import_marked"),
    path("import/<pk:pk>/confirm/", imports.job_confirm, name="import_confirm"),
    path("import/<pk:pk>/retry/", imports.job_retry, name="import_retry"),
]
