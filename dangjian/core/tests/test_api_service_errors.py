"""A service's refusal reaches an API client as a 400 naming the field, from every viewset."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from rest_framework.test import APIRequestFactory

from dangjian.core.api import ScopedViewSet, service_error


def test_field_errors_keep_their_field_and_general_ones_become_non_field_errors() -> None:
    mapped = service_error(ValidationError({"name": "名称不能为空", "__all__": "状态已变化"}))
    assert mapped.detail == {"name": ["名称不能为空"], "non_field_errors": ["状态已变化"]}
    listed = service_error(ValidationError(["文件无法解析"]))
    assert listed.detail == {"non_field_errors": ["文件无法解析"]}


class _Refusing(ScopedViewSet):
    """A viewset whose service refuses without the view catching it."""

    def list(self, request, *args, **kwargs):  # type: ignore[no-untyped-def,override]
        raise ValidationError({"code": "编码已被使用"})


def test_an_uncaught_service_refusal_is_a_400_not_a_500() -> None:
    view = _Refusing.as_view({"get": "list"}, permission_classes=[])
    request = APIRequestFactory().get("/api/probe/")
    response = view(request)
    assert response.status_code == 400
    assert response.data == {"code": ["编码已被使用"]}
