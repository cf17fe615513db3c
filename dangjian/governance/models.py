"""Branch committees with their terms, and enterprise leadership facts (分设情况, 双向进入)."""

from __future__ import annotations

from django.db import models

from dangjian.core.ownership import OrgOwned, OwnedViaParent
from dangjian.governance.choices import CommitteePost, LeaderPosition


class CommitteeTerm(OrgOwned):
    """One elected term of a Party organisation's committee (or its lone secretary)."""

    org = models.ForeignKey(
        "orgs.OrgNode", verbose_name="党组织", on_delete=models.PROTECT, related_name="terms"
    )
    elected_on = models.DateField("选举日期")
    term_years = models.PositiveSmallIntegerField("任期（年）", default=3)
    extended_until = models.DateField("延期至", null=True, blank=True)
    extension_approval = models.CharField("延期批复文号", max_length=80, blank=True)
    ended_on = models.DateField("届满换届日期", null=True, blank=True)

    class Meta:
        ordering = ["-elected_on"]
        verbose_name = "委员会届次"
        verbose_name_plural = "委员会届次"
        constraints = [
            models.UniqueConstraint(
                fields=["org"], condition=models.Q(ended_on__isnull=True), name="one_current_term"
            )
        ]

    def __str__(self) -> str:
        return f"{self.org_id} {self.elected_on}"


class CommitteeSeat(OwnedViaParent):
    term = models.ForeignKey(CommitteeTerm, on_delete=models.CASCADE, related_name="seats")
    post = models.CharField("职务", max_length=20, choices=CommitteePost.choices)
    post_label = models.CharField("职务名称", max_length=20, blank=True)
    member = models.ForeignKey(
        "members.Member", verbose_name="党员", on_delete=models.PROTECT, related_name="seats"
    )
    assigned_on = models.DateField("任职日期")
    # 书记、副书记: the upper organisation's 批准; other members: its 备案 (rules.md O5).
    upper_ref = models.CharField("上级批准或备案文号", max_length=80, blank=True)
    upper_on = models.DateField("上级批准或备案日期", null=True, blank=True)

    scope_path_field = "term__org__path"
    scope_pk_field = "term__org_id"

    class Meta:
        verbose_name = "委员"
        verbose_name_plural = "委员"
        constraints = [
            models.UniqueConstraint(
                fields=["term", "post"],
                condition=models.Q(
                    post__in=["secretary", "organisation", "publicity", "discipline"]
                ),
                name="one_holder_per_single_post",
            ),
            # 兼任: a member may hold several posts, each at most once.
            models.UniqueConstraint(
                fields=["term", "member", "post", "post_label"], name="one_seat_per_member_post"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_post_display()} {self.member_id}"

    @property
    def title(self) -> str:
        return (
            self.post_label if self.post == "other" and self.post_label else self.get_post_display()
        )

    @property
    def upper_kind(self) -> str:
        return "批准" if self.post in ("secretary", "deputy_secretary") else "备案"


class EnterpriseLeader(OrgOwned):
    """Who holds a leadership position in an enterprise now (history kept by ``ended_on``)."""

    org = models.ForeignKey(
        "orgs.OrgNode", verbose_name="企业", on_delete=models.PROTECT, related_name="leaders"
    )
    position = models.CharField("职务", max_length=20, choices=LeaderPosition.choices)
    person_name = models.CharField("姓名", max_length=50)
    member = models.ForeignKey(
        "members.Member", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    on_board = models.BooleanField("进入董事会", default=False)
    on_management = models.BooleanField("进入经理层", default=False)
    on_party_committee = models.BooleanField("进入党委（党支部）班子", default=False)
    since = models.DateField("任职日期")
    ended_on = models.DateField("离任日期", null=True, blank=True)

    class Meta:
        verbose_name = "企业领导人员"
        verbose_name_plural = "企业领导人员"
        constraints = [
            models.UniqueConstraint(
                fields=["org", "position"],
                condition=models.Q(ended_on__isnull=True) & ~models.Q(position="deputy_secretary"),
                name="one_current_holder_per_position",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_position_display()} {self.person_name}"


class UnityException(OrgOwned):
    """Why the chairman is not the Party secretary (书记、董事长分设情况), as recorded."""

    org = models.OneToOneField(
        "orgs.OrgNode",
        verbose_name="企业",
        on_delete=models.PROTECT,
        related_name="unity_exception",
    )
    reason = models.CharField("原因", max_length=300)
    approval_ref = models.CharField("批准文号", max_length=80, blank=True)
    recorded_on = models.DateField("记录日期")

    class Meta:
        verbose_name = "书记、董事长分设情况"
        verbose_name_plural = "书记、董事长分设情况"

    def __str__(self) -> str:
        return f"{self.org_id}: {self.reason[:20]}"
