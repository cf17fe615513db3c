from django.urls import path

from dangjian.accounts import views

app_name = "accounts"
urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", views.LogoutView.as_view(), name="logout"),
    path("password/", views.password_change, name="password_change"),
    path("otp/enrol/", views.otp_enrol, name="otp_enrol"),
    path("otp/verify/", views.otp_verify, name="otp_verify"),
    path("profile/", views.profile, name="profile"),
    path("profile/tokens/new/", views.token_create, name="token_create"),
    path("tokens/<pk:pk>/revoke/", views.token_revoke, name="token_revoke"),
    path("users/", views.user_list, name="user_list"),
    path("users/new/", views.user_create, name="user_create"),
    path("users/<pk:pk>/", views.user_detail, name="user_detail"),
    path("users/<pk:pk>/disable/", views.user_disable, name="user_disable"),
    path("users/<pk:pk>/enable/", views.user_enable, name="user_enable"),
    path("users/<pk:pk>/password-reset/", views.password_reset, name="password_reset"),
    path("grants/by-org/", views.org_grants, name="org_grants"),
    path("users/<pk:pk>/grants/new/", views.grant_add, name="grant_add"),
    path("users/<pk:pk>/grants/<pk:grant_pk>/revoke/", views.grant_revoke, name="grant_revoke"),
    path("users/<pk:pk>/tokens/", views.user_tokens, name="user_tokens"),
    path("security/", views.security_policy, name="security_policy"),
    path("security/lockouts/", views.lockouts, name="lockouts"),
]
