"""The member registry. ID number and phone are stored SM4-GCM encrypted; a blind index makes the
ID number searchable and unique without ever storing it in clear."""

from __future__ import annotations

from datetime import date

from django.db import models

from dangjian.core.ownership import OrgOwned, OwnedViaParent
from dangjian.members.choices import (
    Education,
    EventKind,
    ExitKind,
    Gender,
    MemberStatus,
    ReportStatus,
    RightsSuspension,
    TransferStatus,
)
from dangjian.members.rules import letter_state

ID_CONTEXT = "members.member.id_number"
PHONE_CONTEXT = "members.member.phone"


class Member(OrgOwned):
    org = models.ForeignKey(
        "orgs.OrgNode", verbose_name="所在党支部", on_delete=models.PROTECT, related_name="members"
    )
    party_group = models.ForeignKey(
        "orgs.OrgNode",
        verbose_name="党小组",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="group_members",
    )
    # No single-column indexes on name, post, dates or status: lists filter by scope first
    # (the org index), name/post searches are substring matches no index serves, and every
    # extra index slows the 100,000-row import.
    name = models.CharField("姓名", max_length=50)
    id_number_enc = models.CharField("身份证号码（密文）", max_length=200)
    id_number_index = models.CharField("身份证号码索引", max_length=64, unique=True)
    id_number_masked = models.CharField("身份证号码（掩码）", max_length=18)
    birth_date = models.DateField("出生日期")
    gender = models.CharField("性别", max_length=6, choices=Gender.choices)
    ethnicity = models.CharField("民族", max_length=10, default="汉族")
    phone_enc = models.CharField("手机号码（密文）", max_length=200, blank=True)
    phone_masked = models.CharField("手机号码（掩码）", max_length=11, blank=True)
    education = models.CharField("学历", max_length=20, choices=Education.choices, blank=True)
    post = models.CharField("工作岗位", max_length=60, blank=True)
    is_cadre = models.BooleanField("是否干部", default=False)
    admitted_on = models.DateField("入党日期", null=True, blank=True)
    full_on = models.DateField("转正日期", null=True, blank=True)
    status = models.CharField("党籍状态", max_length=20, choices=MemberStatus.choices)
    # Management states: each overlaps the standing above (ADR 0026). ``db_default`` on the new
    # columns because the bulk import inserts its own column list.
    mobile_since = models.DateField("外出流动日期", null=True, blank=True)
    lost_contact_since = models.DateField("失联日期", null=True, blank=True)
    watch_from = models.DateField("留党察看起始日期", null=True, blank=True)
    watch_until = models.DateField("留党察看截止日期", null=True, blank=True)
    rights_suspended_since = models.DateField("中止党员权利日期", null=True, blank=True)
    rights_suspension = models.CharField(
        "中止党员权利原因",
        max_length=12,
        choices=RightsSuspension.choices,
        blank=True,
        default="",
        db_default="",
    )
    suspended_on = models.DateField("停止党籍日期", null=True, blank=True)
    exited_on = models.DateField("离开日期", null=True, blank=True)
    exit_kind = models.CharField(
        "出党方式", max_length=20, choices=ExitKind.choices, blank=True, default="", db_default=""
    )
    # 延长预备期: recorded once by ``extend_probation``; 转正 then waits a year plus these months.
    probation_extension_months = models.PositiveSmallIntegerField(
        "延长预备期（月）", null=True, blank=True
    )
    probation_extended_on = models.DateField("延长预备期决定日期", null=True, blank=True)
    probation_extension_reason = models.CharField(
        "延长预备期原因", max_length=200, blank=True, default="", db_default=""
    )  # db_default: the bulk import inserts its own column list
    # The member's own sign-in, when they have one: it opens 我的党员信息 and nothing else.
    account = models.OneToOneField(
        "accounts.User",
        verbose_name="本人账号",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="member_record",
    )
    ENCRYPTED_FIELDS = {"id_number_enc": ID_CONTEXT, "phone_enc": PHONE_CONTEXT}

    class Meta:
        verbose_name = "党员"
        verbose_name_plural = "党员"
        indexes = [models.Index(fields=["org", "status"], name="member_org_status")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(full_on__isnull=True)
                | models.Q(admitted_on__isnull=True)
                | models.Q(full_on__gte=models.F("admitted_on")),
                name="member_full_after_admitted",
            )
        ]

    def __str__(self) -> str:
        return self.name


class MemberEvent(OwnedViaParent):
    """The member's timeline: every movement and status change, in order."""

    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField("事项", max_length=30, choices=EventKind.choices)
    occurred_on = models.DateField("日期")
    summary = models.CharField("说明", max_length=300)
    actor_username = models.CharField("经办人", max_length=150, blank=True)

    scope_path_field = "member__org__path"
    scope_pk_field = "member__org_id"

    class Meta:
        ordering = ["-occurred_on", "-id"]
        verbose_name = "党员事项"
        verbose_name_plural = "党员事项"

    def __str__(self) -> str:
        return f"{self.member_id} {self.kind} {self.occurred_on}"


class TransferOut(OwnedViaParent):
    """组织关系转出: a letter to an organisation outside the platform."""

    member = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="transfers_out")
    letter_no = models.CharField("介绍信编号", max_length=40)
    destination = models.CharField("转往党组织", max_length=120)
    issued_on = models.DateField("开具日期")
    valid_until = models.DateField("有效期至")
    status = models.CharField(
        "状态", max_length=10, choices=TransferStatus.choices, default=TransferStatus.PENDING
    )
    closed_on = models.DateField("办结日期", null=True, blank=True)
    note = models.CharField("备注", max_length=200, blank=True)
    # The 回执 the receiving organisation sent back, recorded when the letter is completed.
    receipt_org = models.CharField("回执接收党组织", max_length=120, blank=True, default="")
    receipt_on = models.DateField("回执日期", null=True, blank=True)
    # A reissue replaces an expired letter: the new letter points at the one it replaces.
    reissued_from = models.OneToOneField(
        "self",
        verbose_name="原介绍信",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="reissued_as",
    )

    scope_path_field = "member__org__path"
    scope_pk_field = "member__org_id"

    class Meta:
        verbose_name = "组织关系转出"
        verbose_name_plural = "组织关系转出"
        constraints = [
            models.UniqueConstraint(
                fields=["member"],
                condition=models.Q(status="pending"),
                name="one_pending_transfer_out",
            )
        ]

    def __str__(self) -> str:
        return f"{self.letter_no} → {self.destination}"

    def state_on(self, day: date) -> str:
        """The state pages show on ``day``: pending past validity reads as expired."""
        return letter_state(self.status, self.valid_until, day)

    def state_label_on(self, day: date) -> str:
        return str(TransferStatus(self.state_on(day)).label)


class CommunityRegistration(OwnedViaParent):
    """双报到: an in-service member registered with the residential community."""

    member = models.OneToOneField(Member, on_delete=models.CASCADE, related_name="community")
    community = models.CharField("报到社区", max_length=120)
    registered_on = models.DateField("报到日期")

    scope_path_field = "member__org__path"
    scope_pk_field = "member__org_id"

    class Meta:
        verbose_name = "社区报到"
        verbose_name_plural = "社区报到"

    def __str__(self) -> str:
        return f"{self.member_id} @ {self.community}"


class CommunityReport(OwnedViaParent):
    """双报到 as the member reports it: waits for the branch, which confirms it (writing the
    ``CommunityRegistration`` as its own entry would) or returns it with a reason."""

    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="community_reports")
    community = models.CharField("社区名称", max_length=120)
    reported_on = models.DateField("报到日期")
    status = models.CharField(
        "状态", max_length=10, choices=ReportStatus.choices, default=ReportStatus.PENDING
    )
    submitted_by = models.ForeignKey(
        "accounts.User", verbose_name="报告人", on_delete=models.PROTECT, related_name="+"
    )
    submitted_at = models.DateTimeField("报告时间")
    decided_by = models.ForeignKey(
        "accounts.User",
        verbose_name="处理人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    decided_at = models.DateTimeField("处理时间", null=True, blank=True)
    reason = models.CharField("退回原因", max_length=200, blank=True, default="")

    scope_path_field = "member__org__path"
    scope_pk_field = "member__org_id"

    class Meta:
        ordering = ["-submitted_at", "-id"]
        verbose_name = "双报到自报"
        verbose_name_plural = "双报到自报"
        constraints = [
            models.UniqueConstraint(
                fields=["member"],
                condition=models.Q(status="pending"),
                name="one_pending_community_report",
            )
        ]

    def __str__(self) -> str:
        return f"{self.member_id} → {self.community}（{self.get_status_display()}）"


class ServiceRecord(OwnedViaParent):
    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="services")
    served_on = models.DateField("服务日期")
    content = models.CharField("服务内容", max_length=200)
    hours = models.DecimalField("时长（小时）", max_digits=5, decimal_places=1, default=0)

    scope_path_field = "member__org__path"
    scope_pk_field = "member__org_id"

    class Meta:
        ordering = ["-served_on"]
        verbose_name = "社区服务记录"
        verbose_name_plural = "社区服务记录"

    def __str__(self) -> str:
        return f"{self.member_id} {self.served_on}"


class TransferIn(OrgOwned):
    """组织关系转入: an incoming letter; accepting it creates or reactivates a member."""

    org = models.ForeignKey(
        "orgs.OrgNode", verbose_name="接收党支部", on_delete=models.PROTECT, related_name="+"
    )
    name = models.CharField("姓名", max_length=50)
    id_number_enc = models.CharField("身份证号码（密文）", max_length=200)
    id_number_index = models.CharField("身份证号码索引", max_length=64, db_index=True)
    id_number_masked = models.CharField("身份证号码（掩码）", max_length=18)
    from_org = models.CharField("转出党组织", max_length=120)
    letter_no = models.CharField("介绍信编号", max_length=40)
    received_on = models.DateField("收到日期")
    member_status = models.CharField(
        "党籍状态", max_length=20, choices=MemberStatus.choices, default=MemberStatus.FULL
    )
    # From the letter; empty only on letters registered before the dates were asked for.
    admitted_on = models.DateField("入党日期", null=True, blank=True)
    full_on = models.DateField("转正日期", null=True, blank=True)
    status = models.CharField(
        "状态", max_length=10, choices=TransferStatus.choices, default=TransferStatus.PENDING
    )
    decided_on = models.DateField("处理日期", null=True, blank=True)
    reason = models.CharField("退回原因", max_length=200, blank=True)
    member = models.ForeignKey(
        Member, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    ENCRYPTED_FIELDS = {"id_number_enc": ID_CONTEXT}

    class Meta:
        verbose_name = "组织关系转入"
        verbose_name_plural = "组织关系转入"

    def __str__(self) -> str:
        return f"{self.name}（{self.letter_no}）"


class MobileRecord(OwnedViaParent):
    """流动党员: away from the branch, where, since when, and the certificate carried."""

    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="mobility")
    place = models.CharField("流入地", max_length=120)
    left_on = models.DateField("外出日期")
    returned_on = models.DateField("返回日期", null=True, blank=True)
    certificate_no = models.CharField("活动证编号", max_length=40, blank=True)

    scope_path_field = "member__org__path"
    scope_pk_field = "member__org_id"

    class Meta:
        ordering = ["-left_on"]
        verbose_name = "流动党员记录"
        verbose_name_plural = "流动党员记录"

    def __str__(self) -> str:
        return f"{self.member_id} → {self.place}"


class ImportStatus(models.TextChoices):
    UPLOADED = "uploaded", "已上传"
    VALIDATING = "validating", "校验中"
    INVALID = "invalid", "有错误"
    VALID = "valid", "校验通过，待确认"
    IMPORTING = "importing", "导入中"
    DONE = "done", "已完成"
    FAILED = "failed", "失败"
    UNREADABLE = "unreadable", "文件无法解析"


class ImportJob(OrgOwned):
    """One uploaded member workbook and its way through validation and import.

    The file is a stored file (SM4-GCM encrypted, it holds ID numbers; ``dangjian.core.files``); job
    arguments carry only this row's id, and errors name sheet, row and column with masked values.
    """

    org = models.ForeignKey(
        "orgs.OrgNode", verbose_name="导入范围", on_delete=models.PROTECT, related_name="+"
    )
    created_by = models.ForeignKey(
        "accounts.User", verbose_name="导入人", on_delete=models.PROTECT, related_name="+"
    )
    original_name = models.CharField("文件名", max_length=200)
    upload = models.ForeignKey(
        "core.StoredFile",
        verbose_name="上传文件",
        on_delete=models.PROTECT,
        null=True,  # jobs whose legacy file was already gone when files moved to core
        blank=True,
        related_name="+",
    )
    file_sha256 = models.CharField("文件SM3/SHA256", max_length=64)
    status = models.CharField(
        "状态", max_length=12, choices=ImportStatus.choices, default=ImportStatus.UPLOADED
    )
    total_rows = models.PositiveIntegerField("总行数", default=0)
    processed_rows = models.PositiveIntegerField("已处理行数", default=0)
    errors = models.JSONField("错误", default=list, blank=True)
    created_count = models.PositiveIntegerField("新增", default=0)
    reactivated_count = models.PositiveIntegerField("重新登记", default=0)
    message = models.CharField("说明", max_length=300, blank=True)
    heartbeat_at = models.DateTimeField("最近进度时间", null=True, blank=True)
    finished_at = models.DateTimeField("完成时间", null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = "党员导入"
        verbose_name_plural = "党员导入"

    def __str__(self) -> str:
        return f"{self.original_name}（{self.get_status_display()}）"

    @property
    def percent(self) -> int:
        return int(self.processed_rows * 100 / self.total_rows) if self.total_rows else 0
