from __future__ import annotations

from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from treebeard.mp_tree import MP_Node

from dangjian.core.ownership import OrgOwned
from dangjian.orgs.choices import PARTY_KINDS, OperatingStatus, OrgKind, Ownership
from dangjian.orgs.querysets import OrgNodeManager

code_validator = RegexValidator(
    r"^[A-Za-z0-9][A-Za-z0-9_-]{1,39}$",
    "编码只能由字母、数字、下划线和连字符组成，长度2至40位，且以字母或数字开头",
)


class OrgNode(MP_Node):
    """One node of the county tree: 国资中心, 集团, 企业 or a Party organisation.

    The materialised ``path`` gives subtree queries as one indexed prefix scan; ``parent`` is kept
    alongside it (by the services, never by hand) so lists can show the parent without a query
    per row. Dissolved nodes stay in the tree with their date: history is never deleted.
    """

    code = models.CharField("编码", max_length=40, unique=True, validators=[code_validator])
    kind = models.CharField("类型", max_length=20, choices=OrgKind.choices, db_index=True)
    name = models.CharField("名称", max_length=120)
    short_name = models.CharField("简称", max_length=40, blank=True)
    parent = models.ForeignKey(
        "self",
        verbose_name="上级组织",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="child_nodes",
    )
    founded_on = models.DateField("成立日期", null=True, blank=True)
    dissolved_on = models.DateField("撤销日期", null=True, blank=True, db_index=True)
    dissolution_reason = models.CharField("撤销原因", max_length=200, blank=True)
    version = models.PositiveIntegerField("版本", default=1)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    objects = OrgNodeManager()

    # The tree is scoped by its own place in it (owned models reach it through ``org``).
    scope_path_field = "path"
    scope_pk_field = "pk"

    class Meta:
        verbose_name = "组织"
        verbose_name_plural = "组织"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind__in=[k.value for k in OrgKind]), name="orgnode_kind_valid"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_dissolved(self) -> bool:
        return self.dissolved_on is not None

    @property
    def is_party_org(self) -> bool:
        return self.kind in PARTY_KINDS


class EnterpriseProfile(models.Model):
    """Facts about an enterprise node; one row per node of kind 企业."""

    org = models.OneToOneField(
        OrgNode, verbose_name="企业", on_delete=models.PROTECT, related_name="enterprise"
    )
    credit_code = models.CharField("统一社会信用代码", max_length=18, unique=True)
    ownership = models.CharField("所有制形式", max_length=20, choices=Ownership.choices)
    transferred_on = models.DateField("产权划转日期", null=True, blank=True)
    headcount = models.PositiveIntegerField("职工人数", default=0)
    payroll_prior_year = models.DecimalField(
        "上年度工资总额（元）",
        max_digits=14,
        decimal_places=2,
        default=0,
        validators=[MinValueValidator(0)],
    )
    operating_status = models.CharField(
        "经营状态", max_length=20, choices=OperatingStatus.choices, default=OperatingStatus.NORMAL
    )
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "企业信息"
        verbose_name_plural = "企业信息"

    def __str__(self) -> str:
        return f"{self.org.name}（{self.credit_code}）"


class SetupApproval(OrgOwned):
    """The upper organisation's approval to set up a 党委 or 党总支 below the size the SOE
    regulation names (党委 under 100 members, 党总支 under 50: "确因工作需要…经上级党组织批准").

    One row per organisation and kind: it stops applying if the organisation changes kind."""

    org = models.ForeignKey(
        OrgNode,
        verbose_name="党组织",
        on_delete=models.PROTECT,
        related_name="setup_approvals",
    )
    kind = models.CharField("批准设立的类型", max_length=20, choices=OrgKind.choices)
    approval_ref = models.CharField("批准文号", max_length=80)
    approved_on = models.DateField("批准日期")
    approving_body = models.CharField("批准机关", max_length=120)

    class Meta:
        verbose_name = "党组织设立批准"
        verbose_name_plural = "党组织设立批准"
        constraints = [
            models.UniqueConstraint(fields=["org", "kind"], name="one_setup_approval_per_kind"),
        ]

    def __str__(self) -> str:
        return f"{self.approving_body} {self.approval_ref}"


class CountySettings(models.Model):
    """County-wide settings the 国资中心 may change; one row."""

    transfer_letter_valid_months = models.PositiveSmallIntegerField(
        "组织关系介绍信有效期（月）", default=3
    )
    branch_term_years = models.PositiveSmallIntegerField("党支部委员会任期（年）", default=3)
    # Six months is the central floor (党员教育管理工作条例 第二十四条); counties only lengthen.
    lost_contact_review_months = models.PositiveSmallIntegerField(
        "失联多少个月后列入停止党籍审查",
        default=6,
        validators=[
            MinValueValidator(6, "不得少于6个月（失去联系6个月以上方可审查停止党籍）"),
            MaxValueValidator(24, "不得超过24个月"),
        ],
        help_text="不少于6个月（党员教育管理工作条例第二十四条），县级可延长，不能缩短",
    )
    extra_committee_posts = models.CharField(
        "其他支委职务（逗号分隔）", max_length=200, blank=True, default="青年委员,群工委员"
    )

    class Meta:
        verbose_name = "县级设置"
        verbose_name_plural = "县级设置"
        constraints = [models.CheckConstraint(condition=models.Q(pk=1), name="county_settings_one")]

    def __str__(self) -> str:
        return "县级设置"

    @classmethod
    def current(cls) -> CountySettings:
        return cls.objects.filter(pk=1).first() or cls(pk=1)
