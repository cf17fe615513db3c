from django.db import models


class CommitteePost(models.TextChoices):
    SECRETARY = "secretary", "书记"
    DEPUTY_SECRETARY = "deputy_secretary", "副书记"
    ORGANISATION = "organisation", "组织委员"
    PUBLICITY = "publicity", "宣传委员"
    DISCIPLINE = "discipline", "纪检委员"
    OTHER = "other", "其他委员"


class LeaderPosition(models.TextChoices):
    CHAIRMAN = "chairman", "董事长"
    GENERAL_MANAGER = "general_manager", "总经理"
    PARTY_SECRETARY = "party_secretary", "党组织书记"
    DEPUTY_SECRETARY = "deputy_secretary", "党组织副书记"
    FULLTIME_DEPUTY = "fulltime_deputy", "专职副书记"
