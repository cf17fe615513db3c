"""``/api/orgs/``: the organisation tree, scoped like the pages, written through the services."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from dangjian.core import clock
from dangjian.core.api import (
    ScopedViewSet,
    record_denial_if_exists,
    require_version,
    service_error,
)
from dangjian.orgs import services
from dangjian.orgs.choices import OperatingStatus, OrgKind, Ownership
from dangjian.orgs.filtersets import OrgNodeFilterSet
from dangjian.orgs.models import EnterpriseProfile, OrgNode
from dangjian.orgs.permissions import OrgAction

KIND_LABELS = dict(OrgKind.choices)


class EnterpriseSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    ownership = serializers.ChoiceField(choices=Ownership.choices)
    operating_status = serializers.ChoiceField(choices=OperatingStatus.choices)

    class Meta:
        model = EnterpriseProfile
        fields = [
            "credit_code",
            "ownership",
            "transferred_on",
            "headcount",
            "payroll_prior_year",
            "operating_status",
        ]
        extra_kwargs: dict[str, dict[str, Any]] = {
            "credit_code": {"validators": []},
            "headcount": {"min_value": 0, "max_value": services.MAX_HEADCOUNT},
        }


class OrgNodeSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    parent = serializers.IntegerField(  # type: ignore[assignment]
        source="parent_id", allow_null=True, required=False
    )
    kind = serializers.ChoiceField(choices=OrgKind.choices)
    # A plain lookup: DRF inspects the signature of get_kind_display on every row otherwise.
    kind_display = serializers.SerializerMethodField()
    enterprise = EnterpriseSerializer(required=False, allow_null=True)

    class Meta:
        model = OrgNode
        fields = [
            "id",
            "code",
            "kind",
            "kind_display",
            "name",
            "short_name",
            "parent",
            "path",
            "depth",
            "founded_on",
            "dissolved_on",
            "version",
            "enterprise",
        ]
        read_only_fields = ["id", "path", "depth", "dissolved_on", "version"]
        extra_kwargs: dict[str, dict[str, Any]] = {"code": {"validators": []}}

    def get_kind_display(self, node: OrgNode) -> str:
        return KIND_LABELS.get(node.kind, node.kind)


class OrgNodeListSerializer(OrgNodeSerializer):
    class Meta(OrgNodeSerializer.Meta):
        fields = [
            "id",
            "code",
            "kind",
            "kind_display",
            "name",
            "parent",
            "path",
            "depth",
            "dissolved_on",
        ]


class OrgUpdateSerializer(serializers.Serializer):  # type: ignore[type-arg]
    code = serializers.CharField(max_length=40, required=False)
    name = serializers.CharField(max_length=120, required=False)
    short_name = serializers.CharField(max_length=40, required=False, allow_blank=True)
    founded_on = serializers.DateField(required=False, allow_null=True)
    version = serializers.IntegerField(required=False)
    enterprise = EnterpriseSerializer(required=False)


class MoveSerializer(serializers.Serializer):  # type: ignore[type-arg]
    parent = serializers.IntegerField()  # type: ignore[assignment]


class DissolveSerializer(serializers.Serializer):  # type: ignore[type-arg]
    dissolved_on = serializers.DateField()
    reason = serializers.CharField(max_length=200)


class OrgNodeViewSet(ScopedViewSet):
    filterset_class = OrgNodeFilterSet
    actions = {
        "list": OrgAction.VIEW,
        "retrieve": OrgAction.VIEW,
        "create": OrgAction.ADD,
        "update": OrgAction.CHANGE,
        "partial_update": OrgAction.CHANGE,
        "move": OrgAction.MOVE,
        "dissolve": OrgAction.DISSOLVE,
    }
    view_action = OrgAction.VIEW

    def scoped_queryset(self) -> Any:
        if self.action == "list":
            return OrgNode.objects.only(
                "id", "code", "kind", "name", "parent_id", "path", "depth", "dissolved_on"
            )
        return OrgNode.objects.select_related("enterprise")

    def get_serializer_class(self) -> Any:
        if self.action == "list":
            return OrgNodeListSerializer
        if self.action in ("update", "partial_update"):
            return OrgUpdateSerializer
        if self.action == "move":
            return MoveSerializer
        if self.action == "dissolve":
            return DissolveSerializer
        return OrgNodeSerializer

    def _visible_parent(self, parent_id: Any, action: str, field: str = "parent") -> OrgNode:
        parent = (
            OrgNode.objects.visible_to(self.request.user, action).filter(pk=parent_id).first()
            if parent_id is not None
            else None
        )
        if parent is None:
            if parent_id is not None:
                record_denial_if_exists(self.request, OrgNode.objects.all(), parent_id)
            raise ValidationError({field: ["上级组织不存在或不在您的授权范围内"]})
        return parent

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = OrgNodeSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        parent = self._visible_parent(data.get("parent_id"), OrgAction.ADD)
        ent = data.get("enterprise")
        try:
            node = services.create_org(
                actor=request.user,
                today=clock.today(),
                parent=parent,
                kind=data["kind"],
                code=data["code"],
                name=data["name"],
                short_name=data.get("short_name", ""),
                founded_on=data.get("founded_on"),
                enterprise=services.EnterpriseFacts(**ent) if ent else None,
            )
        except DjangoValidationError as exc:
            raise service_error(exc) from exc
        node = OrgNode.objects.select_related("enterprise").get(pk=node.pk)
        return Response(OrgNodeSerializer(node).data, status=status.HTTP_201_CREATED)

    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        node = self.get_object()
        serializer = OrgUpdateSerializer(data=request.data, partial=kwargs.get("partial", False))
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        require_version(data)
        profile = getattr(node, "enterprise", None)
        ent = data.get("enterprise")
        facts = None
        if ent is not None:
            if node.kind != OrgKind.ENTERPRISE:
                raise ValidationError(
                    {"enterprise": [f"只有企业可以填写企业信息，“{node.name}”不是企业"]}
                )
            current = (
                {f: getattr(profile, f) for f in services.ENTERPRISE_FIELDS} if profile else {}
            )
            merged = {**current, **ent}
            missing = [
                name
                for name in ("credit_code", "ownership", "operating_status")
                if not merged.get(name)
            ]
            if missing:
                raise ValidationError(
                    {"enterprise": {name: ["首次填写企业信息时此项必填"] for name in missing}}
                )
            facts = services.EnterpriseFacts(**merged)
        try:
            node = services.update_org(
                node,
                actor=request.user,
                today=clock.today(),
                expected_version=data["version"],
                name=data.get("name", node.name),
                code=data.get("code", node.code),
                short_name=data.get("short_name", node.short_name),
                founded_on=data.get("founded_on", node.founded_on),
                enterprise=facts,
            )
        except DjangoValidationError as exc:
            raise service_error(exc) from exc
        return Response(OrgNodeSerializer(node).data)

    @extend_schema(request=MoveSerializer, responses=OrgNodeSerializer)
    @action(detail=True, methods=["post"])
    def move(self, request: Request, pk: Any = None) -> Response:
        node = self.get_object()
        serializer = MoveSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        target = self._visible_parent(serializer.validated_data["parent"], OrgAction.MOVE)
        try:
            node = services.move_org(node, actor=request.user, new_parent=target)
        except DjangoValidationError as exc:
            raise service_error(exc) from exc
        node = OrgNode.objects.select_related("enterprise").get(pk=node.pk)
        return Response(OrgNodeSerializer(node).data)

    @extend_schema(request=DissolveSerializer, responses=OrgNodeSerializer)
    @action(detail=True, methods=["post"])
    def dissolve(self, request: Request, pk: Any = None) -> Response:
        node = self.get_object()
        serializer = DissolveSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            services.dissolve_org(
                node,
                actor=request.user,
                today=clock.today(),
                on=serializer.validated_data["dissolved_on"],
                reason=serializer.validated_data["reason"],
            )
        except DjangoValidationError as exc:
            raise service_error(exc) from exc
        node = OrgNode.objects.select_related("enterprise").get(pk=node.pk)
        return Response(OrgNodeSerializer(node).data)


# Registered on the project's router by dangjian/urls.py: (prefix, viewset, basename).
API_ROUTES = [("orgs", OrgNodeViewSet, "org")]
