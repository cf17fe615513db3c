"""Old statuses that mixed standing with management states become a standing plus the state
(ADR 0026): 流动 and 失联 keep 正式/预备 (from the 转正 date) beside a dated mark; 历史 becomes
已转出 (the only way the platform ever made it; a row without a transfer on its timeline gets a
timeline note asking for a check); 停止党籍 gets its date from the timeline."""

from django.db import migrations

NOTE = "数据迁移：原党籍状态“历史（去世或转出）”，未见转出记录，已记为已转出，请核实"


def _standing(member):
    return "full" if member.full_on else "probationary"


def _latest_event(Event, member, kind):
    event = Event.objects.filter(member=member, kind=kind).order_by("-occurred_on", "-id").first()
    return event.occurred_on if event else None


def forward(apps, schema_editor):
    Member = apps.get_model("members", "Member")
    Event = apps.get_model("members", "MemberEvent")
    Mobile = apps.get_model("members", "MobileRecord")
    for member in Member.objects.filter(status="mobile").iterator():
        record = (
            Mobile.objects.filter(member=member, returned_on__isnull=True)
            .order_by("-left_on")
            .first()
        )
        member.mobile_since = (
            record.left_on if record else _latest_event(Event, member, "mobile_out")
        ) or member.updated_at.date()
        member.status = _standing(member)
        member.save(update_fields=["status", "mobile_since"])
    for member in Member.objects.filter(status="lost_contact").iterator():
        member.lost_contact_since = (
            member.lost_contact_since
            or _latest_event(Event, member, "lost_contact")
            or member.updated_at.date()
        )
        member.status = _standing(member)
        member.save(update_fields=["status", "lost_contact_since"])
    for member in Member.objects.filter(status="suspended", suspended_on__isnull=True).iterator():
        member.suspended_on = _latest_event(Event, member, "suspended")
        member.save(update_fields=["suspended_on"])
    for member in Member.objects.filter(status="historical").iterator():
        left = _latest_event(Event, member, "transfer_out_done")
        member.status = "transferred"
        member.exited_on = left
        member.save(update_fields=["status", "exited_on"])
        if left is None:
            Event.objects.create(
                member=member,
                kind="status",
                occurred_on=member.updated_at.date(),
                summary=NOTE,
                actor_username="系统",
            )


def backward(apps, schema_editor):
    Member = apps.get_model("members", "Member")
    Member.objects.filter(status__in=["transferred", "deceased"]).update(status="historical")
    active = ["full", "probationary"]
    Member.objects.filter(status__in=active, lost_contact_since__isnull=False).update(
        status="lost_contact"
    )
    Member.objects.filter(status__in=active, mobile_since__isnull=False).update(status="mobile")


class Migration(migrations.Migration):
    dependencies = [("members", "0011_standing_apart")]

    operations = [migrations.RunPython(forward, backward)]
