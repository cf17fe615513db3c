from django.db import models


class MemberStatus(models.TextChoices):
    FULL = "full", "正式党员"
    PROBATIONARY = "probationary", "预备党员"
    MOBILE = "mobile", "流动党员"
    LOST_CONTACT = "lost_contact", "失联党员"
    SUSPENDED = "suspended", "停止党籍"
    EXPELLED = "expelled", "出党"
    HISTORICAL = "historical", "历史（去世或转出）"


# Members the branch still manages day to day (counted for structure rules, 双报到, lists).
IN_SERVICE = frozenset(
    {MemberStatus.FULL, MemberStatus.PROBATIONARY, MemberStatus.MOBILE, MemberStatus.LOST_CONTACT}
)


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
    TRANSFER_IN = "transfer_in", "组织关系转入"
    MOBILE_OUT = "mobile_out", "外出流动"
    MOBILE_BACK = "mobile_back", "流动返回"
    LOST_CONTACT = "lost_contact", "失去联系"
    CONTACT_RESTORED = "contact_restored", "恢复联系"
    SUSPENDED = "suspended", "停止党籍"
    REACTIVATED = "reactivated", "重新登记"
    COMMUNITY = "community", "社区报到"
    SERVICE = "service", "社区服务"
    STATUS = "status", "状态变更"


class TransferStatus(models.TextChoices):
    PENDING = "pending", "待接收"
    ACCEPTED = "accepted", "已接收"
    REJECTED = "rejected", "已退回"
    EXPIRED = "expired", "已过期"
