from django.db import models


class OrgKind(models.TextChoices):
    SUPERVISOR = "supervisor", "国资中心"
    GROUP = "group", "集团"
    ENTERPRISE = "enterprise", "企业"
    PARTY_COMMITTEE = "party_committee", "党委"
    GENERAL_BRANCH = "general_branch", "党总支"
    BRANCH = "branch", "党支部"
    PARTY_GROUP = "party_group", "党小组"


PARTY_KINDS = frozenset(
    {OrgKind.PARTY_COMMITTEE, OrgKind.GENERAL_BRANCH, OrgKind.BRANCH, OrgKind.PARTY_GROUP}
)


class Ownership(models.TextChoices):
    WHOLLY_OWNED = "wholly_owned", "国有独资"
    CONTROLLED = "controlled", "国有控股"
    PARTICIPATING = "participating", "国有参股"
    COLLECTIVE = "collective", "集体所有"


class OperatingStatus(models.TextChoices):
    NORMAL = "normal", "正常"
    LOSS_MAKING = "loss_making", "亏损"
    BANKRUPTCY = "bankruptcy", "破产清算"
    DEREGISTERED = "deregistered", "注销"
