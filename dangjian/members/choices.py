from django.db import models


class MemberStatus(models.TextChoices):
    """党籍状态: the member's standing only. Being away (流动), out of touch (失联), under 留党察看
    or with rights suspended are management states kept in their own columns, because they
    overlap a standing rather than replace it (issue 10, ADR 0025)."""

    FULL = "full", "正式党员"
    PROBATIONARY = "probationary", "预备党员"
    SUSPENDED = "suspended", "停止党籍"
    # Exits: the member stays in the registry as history.
    EXPELLED = "expelled", "出党"
    DECEASED = "deceased", "死亡"
    TRANSFERRED = "transferred", "已转出"


# Members the branch still manages day to day (counted for structure rules, 双报到, lists),
# whether away, out of touch or not.
IN_SERVICE = frozenset({MemberStatus.FULL, MemberStatus.PROBATIONARY})
# A former member registered again with the same ID number (转出 and back) is reactivated.
REACTIVATABLE = frozenset({MemberStatus.TRANSFERRED})
# Standings that end membership on the platform.
EXITS = frozenset({MemberStatus.EXPELLED, MemberStatus.DECEASED, MemberStatus.TRANSFERRED})


class ExitKind(models.TextChoices):
    """How a member left the Party (出党), recorded with the decision."""

    EXPELLED = "expelled", "开除党籍"
    STRUCK_OFF = "struck_off", "除名"
    LAPSED = "lapsed", "自行脱党除名"
    WITHDREW = "withdrew", "退党"
    PROBATION_CANCELLED = "probation_cancelled", "取消预备党员资格"


class RightsSuspension(models.TextChoices):
    """Why a member's rights are suspended (选举工作条例 第五条)."""

    DETAINED = "detained", "依法留置"
    ARRESTED = "arrested", "依法逮捕"


class Gender(models.TextChoices):
    MALE = "male", "男"
    FEMALE = "female", "女"


class Education(models.TextChoices):
    POSTGRADUATE = "postgraduate", "研究生"
    BACHELOR = "bachelor", "大学本科"
    COLLEGE = "college", "大学专科"
    TECHNICAL = "technical", "中专"
    HIGH_SCHOOL = "high_school", "高中"
    JUNIOR = "junior", "初中及以下"


ETHNICITIES = (
    "汉族",
    "蒙古族",
    "回族",
    "藏族",
    "维吾尔族",
    "苗族",
    "彝族",
    "壮族",
    "布依族",
    "朝鲜族",
    "满族",
    "侗族",
    "瑶族",
    "白族",
    "土家族",
    "哈尼族",
    "哈萨克族",
    "傣族",
    "黎族",
    "傈僳族",
    "佤族",
    "畲族",
    "高山族",
    "拉祜族",
    "水族",
    "东乡族",
    "纳西族",
    "景颇族",
    "柯尔克孜族",
    "土族",
    "达斡尔族",
    "仫佬族",
    "羌族",
    "布朗族",
    "撒拉族",
    "毛南族",
    "仡佬族",
    "锡伯族",
    "阿昌族",
    "普米族",
    "塔吉克族",
    "怒族",
    "乌孜别克族",
    "俄罗斯族",
    "鄂温克族",
    "德昂族",
    "保安族",
    "裕固族",
    "京族",
    "塔塔尔族",
    "独龙族",
    "鄂伦春族",
    "赫哲族",
    "门巴族",
    "珞巴族",
    "基诺族",
)


class EventKind(models.TextChoices):
    CREATED = "created", "登记入库"
    UPDATED = "updated", "信息变更"
    MADE_FULL = "made_full", "转为正式党员"
    PROBATION_EXTENDED = "probation_extended", "延长预备期"
    MOVED = "moved", "平台内转移"
    TRANSFER_OUT = "transfer_out", "组织关系转出"
    TRANSFER_OUT_DONE = "transfer_out_done", "转出完成"
    TRANSFER_OUT_EXPIRED = "transfer_out_expired", "介绍信过期"
    TRANSFER_OUT_REISSUED = "transfer_out_reissued", "重新开具介绍信"
    TRANSFER_OUT_REVOKED = "transfer_out_revoked", "撤销介绍信"
    TRANSFER_IN = "transfer_in", "组织关系转入"
    MOBILE_OUT = "mobile_out", "外出流动"
    MOBILE_BACK = "mobile_back", "流动返回"
    LOST_CONTACT = "lost_contact", "失去联系"
    CONTACT_RESTORED = "contact_restored", "恢复联系"
    SUSPENDED = "suspended", "停止党籍"
    RESTORED = "restored", "恢复党籍"
    EXITED = "exited", "出党"
    DECEASED = "deceased", "去世"
    WATCH = "watch", "留党察看"
    RIGHTS_SUSPENDED = "rights_suspended", "中止党员权利"
    RIGHTS_RESTORED = "rights_restored", "恢复党员权利"
    REACTIVATED = "reactivated", "重新登记"
    COMMUNITY = "community", "社区报到"
    SERVICE = "service", "社区服务"
    STATUS = "status", "状态变更"


class TransferStatus(models.TextChoices):
    PENDING = "pending", "待接收"
    ACCEPTED = "accepted", "已接收"
    REJECTED = "rejected", "已退回"
    EXPIRED = "expired", "已过期"
    # A pending letter withdrawn: the member stays (出党 waits for it) or has died.
    REVOKED = "revoked", "已撤销"


class ReportStatus(models.TextChoices):
    """A member's 双报到 self-report, waiting for the branch."""

    PENDING = "pending", "待确认"
    CONFIRMED = "confirmed", "已确认"
    RETURNED = "returned", "已退回"
