"""``/api/members/``: the registry over the API, scoped and written through the services."""

from __future__ import annotations

import hashlib
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from dangjian.core import clock
from dangjian.core.api import (
    ScopedViewSet,
    record_denial_if_exists,
    require_version,
    service_error,
)
from dangjian.core.scoping import permits
from dangjian.members import services
from dangjian.members.choices import Education, MemberStatus
from dangjian.members.fields import (
    API_FIELDS,
    EDITABLE_FIELDS,
    ENCRYPTED,
    SERVICE_ONLY,
    MemberData,
)
from dangjian.members.filtersets import MemberFilterSet
from dangjian.members.models import Member
from dangjian.members.permissions import MemberAction
from dangjian.members.rules import has_voting_rights
from dangjian.orgs.models import OrgNode

STATUS_LABELS = dict(MemberStatus.choices)


def api_field_names() -> list[str]:
    """The representation's keys: the declared fields in API order, with the status's label
    next to it, between the row's id and its version."""
    names = ["id"]
    for spec in API_FIELDS:
        names.append(spec.name)
        if spec.name == "status":
            names.append("status_display")
    return [*names, *MANAGEMENT_FIELDS, "has_voting_rights", "version"]


# Read-only: set by the movement and standing services, never by a registry write (ADR 0026).
MANAGEMENT_FIELDS = SERVICE_ONLY


class MemberSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    """``id_number`` is written in full and read back masked unless the caller may reveal it."""

    # Written in full; read back by to_representation (masked unless revealed).
    id_number = serializers.CharField(max_length=18, write_only=True)
    phone = serializers.CharField(
        max_length=11, required=False, allow_blank=True, default="", write_only=True
    )
    branch = serializers.IntegerField(source="org_id")
    status = serializers.ChoiceField(choices=MemberStatus.choices)
    status_display = serializers.SerializerMethodField()
    has_voting_rights = serializers.SerializerMethodField()
    education = serializers.ChoiceField(
        choices=Education.choices, required=False, allow_blank=True, default=""
    )
    party_group = serializers.IntegerField(
        source="party_group_id", required=False, allow_null=True, default=None
    )
    version = serializers.IntegerField(required=False)

    class Meta:
        model = Member
        fields = api_field_names()
        read_only_fields = [
            "id",
            *(f.name for f in API_FIELDS if f.api_read_only),
            *MANAGEMENT_FIELDS,
        ]
        extra_kwargs: dict[str, dict[str, Any]] = {"ethnicity": {"default": "汉族"}}

    def get_status_display(self, member: Member) -> str:
        return STATUS_LABELS.get(member.status, member.status)

    def get_has_voting_rights(self, member: Member) -> bool:
        """表决权、选举权和被选举权 today (``members.rules.has_voting_rights``)."""
        return has_voting_rights(
            member.status,
            on=clock.today(),
            watch_from=member.watch_from,
            watch_until=member.watch_until,
            rights_suspended_since=member.rights_suspended_since,
        )

    def to_representation(self, member: Member) -> dict[str, Any]:
        data = super().to_representation(member)
        for spec in API_FIELDS:
            if spec.encrypted:  # write-only: read back masked
                data[spec.name] = getattr(member, spec.masked)
        if member.pk in self.context.get("reveal_ids", set()):
            data["id_number"] = services.decrypt_id(member)
        return data


def _data(validated: dict[str, Any], *, keep: frozenset[str] = frozenset()) -> MemberData:
    """MemberData from validated input (keyed by source: ``party_group_id``); a field the input
    leaves out takes its declared default (a blank 民族 is stored as 汉族)."""
    values = {f.key: validated.get(f.key, f.default) for f in EDITABLE_FIELDS}
    return MemberData(**values, keep=keep)


class MemberViewSet(ScopedViewSet):
    filterset_class = MemberFilterSet
    serializer_class = MemberSerializer
    actions = {
        "list": MemberAction.VIEW,
        "retrieve": MemberAction.VIEW,
        "create": MemberAction.ADD,
        "update": MemberAction.CHANGE,
        "partial_update": MemberAction.CHANGE,
        # The import and its template are their own permission, not reading the registry.
        "import_file": MemberAction.IMPORT,
        "import_template": MemberAction.IMPORT,
    }
    view_action = MemberAction.VIEW

    def scoped_queryset(self) -> Any:
        return Member.objects.select_related("org").order_by("org__path", "name", "id")

    def get_serializer_context(self) -> dict[str, Any]:
        context = dict(super().get_serializer_context())
        context["reveal_ids"] = set()
        return context

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        member = self.get_object()
        context = self.get_serializer_context()
        # A single record requested by a role that may reveal: shown in full, and audited.
        if request.query_params.get("reveal") == "1" and permits(
            request.user, MemberAction.REVEAL, path=member.org.path, pk=member.org_id
        ):
            services.reveal_id_number(member, actor=request.user)
            context["reveal_ids"] = {member.pk}
        return Response(MemberSerializer(member, context=context).data)

    def _branch(self, branch_id: Any, action: str) -> OrgNode:
        branch = OrgNode.objects.visible_to(self.request.user, action).filter(pk=branch_id).first()
        if branch is None:
            record_denial_if_exists(self.request, OrgNode.objects.all(), branch_id)
            raise ValidationError({"branch": ["党支部不存在或不在您的授权范围内"]})
        return branch

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = MemberSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        branch = self._branch(serializer.validated_data["org_id"], MemberAction.ADD)
        try:
            member = services.register_member(
                actor=request.user,
                org=branch,
                data=_data(serializer.validated_data),
                today=clock.today(),
            )
        except DjangoValidationError as exc:
            raise service_error(exc) from exc
        return Response(
            MemberSerializer(member, context={"reveal_ids": set()}).data,
            status=status.HTTP_201_CREATED,
        )

    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        member = self.get_object()
        # What the request leaves out stays as stored; encrypted fields are kept, never read.
        current = {f.key: getattr(member, f.key) for f in EDITABLE_FIELDS if not f.encrypted}
        current["org_id"] = member.org_id
        serializer = MemberSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        require_version(serializer.validated_data)
        merged = {**current, **serializer.validated_data}
        if merged["org_id"] != member.org_id:
            raise ValidationError({"branch": ["请使用平台内转移办理党支部变更"]})
        try:
            member = services.update_member(
                member,
                actor=request.user,
                today=clock.today(),
                expected_version=serializer.validated_data["version"],
                data=_data(merged, keep=ENCRYPTED - serializer.validated_data.keys()),
            )
        except DjangoValidationError as exc:
            raise service_error(exc) from exc
        return Response(MemberSerializer(member, context={"reveal_ids": set()}).data)

    @action(
        detail=False,
        methods=["post"],
        url_path="import",
        parser_classes=[MultiPartParser, FormParser],
    )
    def import_file(self, request: Request) -> Response:
        """Upload field ``file``; ``dry_run=true`` validates and writes nothing. A hostile file is
        refused with 400 whatever ``dry_run`` says."""
        from dangjian.members.workbook import importer, jobs
        from dangjian.members.workbook.safety import MAX_FILE_BYTES, UnsafeWorkbook, check_xlsx
        from dangjian.orgs.scope import scope_root

        upload = request.FILES.get("file")
        if upload is None:
            raise ValidationError({"file": ["请上传 .xlsx 文件（字段名 file）"]})
        if upload.size is not None and upload.size > MAX_FILE_BYTES:
            raise ValidationError({"file": ["文件不能超过20MB"]})
        data = upload.read()
        try:
            check_xlsx(data)
        except UnsafeWorkbook as exc:
            raise ValidationError({"file": [str(exc)]}) from exc
        dry_run = str(request.POST.get("dry_run", "")).lower() in ("1", "true", "yes")
        if dry_run:
            report = importer.validate(data, actor=request.user, today=clock.today())
            if report.unreadable:
                raise ValidationError({"file": [e["message"] for e in report.errors]})
            importer.record_check(
                report,
                actor=request.user,
                file_sha256=hashlib.sha256(data).hexdigest(),
                original_name=upload.name or "upload.xlsx",
            )
            return Response(
                {"errors": report.errors, "rows": report.total, "valid": not report.errors}
            )
        try:
            job = jobs.store_upload(
                data,
                upload.name or "upload.xlsx",
                actor=request.user,
                org=scope_root(request.user, MemberAction.IMPORT),
            )
        except DjangoValidationError as exc:  # the stored-file checks (type, size, disk)
            raise service_error(exc) from exc
        report = jobs.validate_job(job, actor=request.user)
        if report.unreadable:
            raise ValidationError(
                {"file": [e["message"] for e in report.errors], "job": [str(job.pk)]}
            )
        if report.errors:
            return Response(
                {"errors": report.errors, "job": job.pk}, status=status.HTTP_400_BAD_REQUEST
            )
        jobs.confirm_import(job, actor=request.user, now=clock.now(), background=False)
        jobs.run_import(job)
        return Response(
            {
                "job": job.pk,
                "rows": report.total,
                "created": job.created_count,
                "reactivated": job.reactivated_count,
            },
            status=status.HTTP_201_CREATED,
        )

    @action(detail=False, methods=["get"], url_path="import/template")
    def import_template(self, request: Request) -> Any:
        from dangjian.members.downloads import template_download

        return template_download(request.user)


# Registered on the project's router by dangjian/urls.py: (prefix, viewset, basename).
API_ROUTES = [("members", MemberViewSet, "member")]
