"""Member movements and status actions, each a small declared view (ADR 0022)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import reverse

from dangjian.core import clock
from dangjian.core.converters import MAX_PK_DIGITS
from dangjian.core.forms import IrreversibleForm
from dangjian.core.generic import (
    ConfirmActionView,
    ScopedDetailView,
    ScopedListView,
    ServiceFormView,
)
from dangjian.core.permissions import can_anywhere
from dangjian.core.scoping import permits
from dangjian.members import movements, services, standing
from dangjian.members.choices import EXITS, IN_SERVICE, MemberStatus, TransferStatus
from dangjian.members.flows import MEMBER
from dangjian.members.forms import (
    CommunityForm,
    DateOnlyForm,
    DeathForm,
    ExitForm,
    ExtendProbationForm,
    MobilityForm,
    MoveForm,
    RejectForm,
    RestoreForm,
    RightsForm,
    ServiceForm,
    SuspendForm,
    TransferInForm,
    TransferOutCompleteForm,
    TransferOutForm,
    TransferOutReissueForm,
    TransferOutRevokeForm,
    WatchForm,
)
from dangjian.members.models import Member, TransferIn, TransferOut
from dangjian.members.permissions import MemberAction
from dangjian.members.rules import (
    completed_years,
    letter_expired_message,
    seam_number,
    watch_ongoing,
)
from dangjian.orgs.models import OrgNode

_DATES = (
    "on",
    "since",
    "watch_from",
    "issued_on",
    "left_on",
    "registered_on",
    "served_on",
    "decided_on",
)


def _in_service(member: Member) -> bool:
    return member.status in IN_SERVICE


def flow_allows(member: Member, *steps: str) -> bool:
    """Whether the member workflow's table lets any of ``steps`` start from the member's
    standing (the roles are the page's business: ``MemberAction.CHANGE`` is checked first)."""
    return any(str(member.status) in MEMBER.step_for(name).sources for name in steps)


NOT_APPLICABLE = "{name}当前为“{state}”，不能办理“{title}”"


class MemberActionView(ServiceFormView):
    """One action on one member, named by its slug in ``members:action``. ``applies`` says when
    the member page offers it (the workflow table for a change of standing, the management
    states beside it); a page opened for a member it does not apply to says so on the member's
    page, and the service still decides, refusing with its own message."""

    @staticmethod
    def applies(member: Member) -> bool:
        return _in_service(member)

    queryset = Member.objects.select_related("org")
    action = MemberAction.CHANGE
    nav_active = "members"
    submit_label = "提交"

    def get_object(self) -> Any:
        # Looked up once per request: ``refused`` and the form view's own GET/POST share it.
        if not hasattr(self, "_member"):
            self._member = super().get_object()
        return self._member

    def earliest(self, obj: Member) -> tuple[Any, str]:
        """The record's start an irreversible act's date may not precede, and its name."""
        return obj.admitted_on, "入党日期"

    def get_initial(self, obj: Any) -> dict[str, Any]:
        return dict.fromkeys(_DATES, clock.today())

    def get_form(self, obj: Any) -> forms.BaseForm:
        if not issubclass(self.form_class, IrreversibleForm):
            return super().get_form(obj)
        earliest, label = self.earliest(obj)
        return self.form_class(
            self.request.POST or None,
            initial=self.get_initial(obj),
            today=clock.today(),
            earliest=earliest,
            earliest_label=label,
        )

    def refused(self, obj: Member) -> HttpResponse | None:
        if self.applies(obj):
            return None
        state = "、".join([obj.get_status_display(), *_management_words(obj)])
        messages.error(
            self.request, NOT_APPLICABLE.format(name=obj.name, state=state, title=self.title)
        )
        return self.redirect(self.get_success_url(obj, None))

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        return self.refused(self.get_object()) or super().get(request, *args, **kwargs)

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        return self.refused(self.get_object()) or super().post(request, *args, **kwargs)

    def get_title(self, obj: Any) -> str:
        return f"{self.title}：{obj.name}"

    def get_success_url(self, obj: Any, result: Any) -> str:
        return reverse("members:detail", args=[obj.pk])


class MoveView(MemberActionView):
    form_class = MoveForm
    title = "平台内转移"
    success_message = "已完成转移"

    def targets(self) -> Any:
        return OrgNode.objects.visible_to(self.request.user, MemberAction.ADD)

    def get_form(self, obj: Any) -> forms.BaseForm:
        form = super().get_form(obj)
        widget = form.fields["to_org"].widget
        # The chosen branch's name when the form is shown again, only if the user may choose it.
        widget.label_for = lambda value: (  # type: ignore[attr-defined]
            self.targets().filter(pk=int(value)).values_list("name", flat=True).first()
            if value.isascii() and value.isdigit() and len(value) <= MAX_PK_DIGITS
            else None
        )
        return form

    def run(self, obj: Any, actor: Any, data: dict[str, Any]) -> Any:
        target = self.targets().filter(pk=data["to_org"]).first()
        if target is None:
            raise ValidationError({"to_org": "所选党支部不存在或不在您的授权范围内"})
        return movements.move_member(obj, actor=actor, to_org=target, on=data["on"])


class TransferOutView(MemberActionView):
    form_class = TransferOutForm
    title = "开具组织关系介绍信（转出）"
    success_message = "已开具介绍信"

    def run(self, obj: Any, actor: Any, data: dict[str, Any]) -> Any:
        return movements.issue_transfer_out(obj, actor=actor, **data)


class MobileOutView(MemberActionView):
    @staticmethod
    def applies(member: Member) -> bool:
        return _in_service(member) and member.mobile_since is None

    form_class = MobilityForm
    title = "登记外出流动"
    success_message = "已登记为流动党员"

    def run(self, obj: Any, actor: Any, data: dict[str, Any]) -> Any:
        return movements.start_mobility(obj, actor=actor, **data)


class MobileBackView(MemberActionView):
    @staticmethod
    def applies(member: Member) -> bool:
        return member.mobile_since is not None and member.status not in EXITS

    form_class = DateOnlyForm
    title = "登记流动返回"
    success_message = "已登记返回"
    errors_as = {"returned_on": "on"}

    def run(self, obj: Any, actor: Any, data: dict[str, Any]) -> Any:
        return movements.end_mobility(obj, actor=actor, returned_on=data["on"])


class LostContactView(MemberActionView):
    @staticmethod
    def applies(member: Member) -> bool:
        return _in_service(member) and member.lost_contact_since is None

    form_class = DateOnlyForm
    title = "标记失联"
    success_message = "已标记失联"
    errors_as = {"since": "on"}

    def run(self, obj: Any, actor: Any, data: dict[str, Any]) -> Any:
        return movements.mark_lost_contact(obj, actor=actor, since=data["on"])


class RestoreContactView(MemberActionView):
    @staticmethod
    def applies(member: Member) -> bool:
        return _in_service(member) and member.lost_contact_since is not None

    form_class = DateOnlyForm
    title = "恢复联系"
    success_message = "已恢复联系"

    def run(self, obj: Any, actor: Any, data: dict[str, Any]) -> Any:
        return movements.restore_contact(obj, actor=actor, on=data["on"])


def _management_words(member: Member) -> list[str]:
    words = []
    if member.mobile_since is not None:
        words.append("外出流动")
    if member.lost_contact_since is not None:
        words.append("失联")
    if member.rights_suspended_since is not None:
        words.append("党员权利中止")
    return words


class SuspendView(MemberActionView):
    @staticmethod
    def applies(member: Member) -> bool:
        return flow_allows(member, "suspend") and member.lost_contact_since is not None

    def earliest(self, obj: Member) -> tuple[Any, str]:
        return obj.lost_contact_since, "失联日期"

    form_class = SuspendForm
    title = "停止党籍"
    success_message = "已停止党籍"

    def run(self, obj: Any, actor: Any, data: dict[str, Any]) -> Any:
        return movements.suspend_membership(obj, actor=actor, **data)


class RestoreView(MemberActionView):
    @staticmethod
    def applies(member: Member) -> bool:
        return flow_allows(member, "restore_full", "restore_probationary")

    form_class = RestoreForm
    title = "恢复党籍"
    success_message = "已恢复党籍"

    def run(self, obj: Any, actor: Any, data: dict[str, Any]) -> Any:
        return standing.restore_membership(obj, actor=actor, today=clock.today(), **data)


class ExitView(MemberActionView):
    @staticmethod
    def applies(member: Member) -> bool:
        return flow_allows(member, "exit")

    form_class = ExitForm
    title = "登记出党"
    success_message = "已登记出党"

    def run(self, obj: Any, actor: Any, data: dict[str, Any]) -> Any:
        return standing.record_exit(obj, actor=actor, **data)


class DeathView(MemberActionView):
    @staticmethod
    def applies(member: Member) -> bool:
        return flow_allows(member, "decease")

    def earliest(self, obj: Member) -> tuple[Any, str]:
        return obj.birth_date, "出生日期"

    form_class = DeathForm
    title = "登记去世"
    success_message = "已登记去世"

    def run(self, obj: Any, actor: Any, data: dict[str, Any]) -> Any:
        return standing.record_death(obj, actor=actor, on=data["on"])


class WatchView(MemberActionView):
    @staticmethod
    def applies(member: Member) -> bool:
        return _in_service(member) and not watch_ongoing(
            member.watch_from, member.watch_until, clock.today()
        )

    form_class = WatchForm
    title = "登记留党察看"
    success_message = "已登记留党察看"

    def run(self, obj: Any, actor: Any, data: dict[str, Any]) -> Any:
        return standing.place_under_watch(obj, actor=actor, **data)


class SuspendRightsView(MemberActionView):
    @staticmethod
    def applies(member: Member) -> bool:
        return _in_service(member) and member.rights_suspended_since is None

    form_class = RightsForm
    title = "中止党员权利"
    success_message = "已中止党员权利"

    def run(self, obj: Any, actor: Any, data: dict[str, Any]) -> Any:
        return standing.suspend_rights(obj, actor=actor, **data)


class RestoreRightsView(MemberActionView):
    @staticmethod
    def applies(member: Member) -> bool:
        return member.rights_suspended_since is not None and member.status not in EXITS

    form_class = DateOnlyForm
    title = "恢复党员权利"
    success_message = "已恢复党员权利"

    def run(self, obj: Any, actor: Any, data: dict[str, Any]) -> Any:
        return standing.restore_rights(obj, actor=actor, on=data["on"])


class ExtendProbationView(MemberActionView):
    @staticmethod
    def applies(member: Member) -> bool:
        return member.status == MemberStatus.PROBATIONARY

    form_class = ExtendProbationForm
    title = "延长预备期"
    success_message = "已记录延长预备期"

    def get_initial(self, obj: Any) -> dict[str, Any]:
        return {**super().get_initial(obj), "version": obj.version}

    def run(self, obj: Any, actor: Any, data: dict[str, Any]) -> Any:
        fields = dict(data)
        version = fields.pop("version")
        return services.extend_probation(
            obj, actor=actor, expected_version=version, today=clock.today(), **fields
        )


class CommunityView(MemberActionView):
    form_class = CommunityForm
    title = "社区报到（双报到）"
    success_message = "已登记社区报到"

    def run(self, obj: Any, actor: Any, data: dict[str, Any]) -> Any:
        return movements.register_with_community(obj, actor=actor, **data)


class ServiceRecordView(MemberActionView):
    form_class = ServiceForm
    title = "社区服务记录"
    success_message = "已记录社区服务"

    def run(self, obj: Any, actor: Any, data: dict[str, Any]) -> Any:
        return movements.record_service(obj, actor=actor, **data)


# Slug in the URL → view; the member page lists the titles in this order.
ACTIONS: dict[str, type[MemberActionView]] = {
    "move": MoveView,
    "transfer-out": TransferOutView,
    "mobile-out": MobileOutView,
    "mobile-back": MobileBackView,
    "lost-contact": LostContactView,
    "restore-contact": RestoreContactView,
    "suspend": SuspendView,
    "restore": RestoreView,
    "extend-probation": ExtendProbationView,
    "watch": WatchView,
    "suspend-rights": SuspendRightsView,
    "restore-rights": RestoreRightsView,
    "exit": ExitView,
    "death": DeathView,
    "community": CommunityView,
    "service": ServiceRecordView,
}
_ACTION_VIEWS = {slug: view.as_view() for slug, view in ACTIONS.items()}


@login_required
def member_action(request: HttpRequest, pk: int, name: str) -> HttpResponse:
    view = _ACTION_VIEWS.get(name)
    if view is None:
        raise Http404
    return view(request, pk=pk, name=name)  # type: ignore[no-any-return]


class TransfersView(ScopedListView):
    """Incoming and outgoing letters in scope, the latest 200 of each."""

    queryset = TransferIn.objects.select_related("org").order_by("-received_on")
    action = MemberAction.VIEW
    template_name = "members/transfers.html"
    nav_active = "members"

    def list_context(self, rows: Any) -> dict[str, Any]:
        user, today = self.request.user, clock.today()
        outgoing = list(
            TransferOut.objects.visible_to(user, self.action)
            .select_related("member", "member__org", "reissued_as")
            .order_by("-issued_on", "-id")[:200]
        )
        incoming = list(rows[:200])
        return {
            "can_receive": can_anywhere(user, MemberAction.ADD),
            "incoming": incoming,
            "may_receive": {
                t.pk
                for t in incoming
                if permits(user, MemberAction.ADD, path=t.org.path, pk=t.org_id)
            },
            "outgoing": [letter_row(t, user, today) for t in outgoing],
            "today": today,
        }


def letter_row(letter: TransferOut, user: Any, today: Any) -> dict[str, Any]:
    """One outgoing letter as lists show it: its state today (pending past validity reads as
    expired) and what the user may do with it. ``reissued_as`` should be selected with it."""
    state = letter.state_on(today)
    may_change = permits(
        user, MemberAction.CHANGE, path=letter.member.org.path, pk=letter.member.org_id
    )
    try:
        replaced_by = letter.reissued_as
    except TransferOut.DoesNotExist:
        replaced_by = None
    return {
        "letter": letter,
        "state": state,
        "label": TransferStatus(state).label,
        "replaced_by": replaced_by,
        "can_complete": may_change and state == TransferStatus.PENDING,
        "can_reissue": may_change and state == TransferStatus.EXPIRED and replaced_by is None,
        "can_revoke": may_change and letter.status == TransferStatus.PENDING,
    }


class TransferInNewView(ServiceFormView):
    queryset = OrgNode.objects.all()
    action = MemberAction.ADD
    pk_url_kwarg = "org_pk"
    form_class = TransferInForm
    nav_active = "members"
    submit_label = "提交"
    success_message = "已登记转入介绍信，待接收"

    def get_initial(self, obj: Any) -> dict[str, Any]:
        return {"received_on": clock.today()}

    def get_title(self, obj: Any) -> str:
        return f"登记转入：{obj.name}"

    def get_success_url(self, obj: Any, result: Any) -> str:
        return reverse("members:transfers")

    def run(self, obj: Any, actor: Any, data: dict[str, Any]) -> Any:
        return movements.receive_transfer_in(actor=actor, org=obj, **data)


class TransferInAcceptView(ConfirmActionView):
    """Posted from the transfers list; a plain GET goes back to it."""

    queryset = TransferIn.objects.select_related("org")
    action = MemberAction.ADD
    template_name = ""

    def run(self, obj: Any, actor: Any) -> Any:
        return movements.accept_transfer_in(obj, actor=actor, on=clock.today())

    def get_success_message(self, obj: Any, result: Any) -> str:
        return f"已接收，{result.name}已登记在{obj.org.name}"

    def get_success_url(self, obj: Any, result: Any) -> str:
        if result is None:
            return reverse("members:transfers")
        return reverse("members:detail", args=[result.pk])


class TransferInRejectView(ServiceFormView):
    queryset = TransferIn.objects.select_related("org")
    action = MemberAction.ADD
    form_class = RejectForm
    nav_active = "members"
    submit_label = "提交"
    success_message = "已退回"

    def get_title(self, obj: Any) -> str:
        return f"退回转入：{obj.name}"

    def get_success_url(self, obj: Any, result: Any) -> str:
        return reverse("members:transfers")

    def run(self, obj: Any, actor: Any, data: dict[str, Any]) -> Any:
        return movements.reject_transfer_in(obj, actor=actor, on=clock.today(), **data)


_DECISIONS = {
    "accept": TransferInAcceptView.as_view(),
    "reject": TransferInRejectView.as_view(),
}


@login_required
def transfer_in_decide(request: HttpRequest, pk: int, decision: str) -> HttpResponse:
    view = _DECISIONS.get(decision)
    if view is None:
        raise Http404
    return view(request, pk=pk, decision=decision)  # type: ignore[no-any-return]


class _LetterView(ServiceFormView):
    """A form about one outgoing letter, in scope of the member's branch, back to the member."""

    queryset = TransferOut.objects.select_related("member__org")
    action = MemberAction.CHANGE
    nav_active = "members"
    submit_label = "提交"

    def get_success_url(self, obj: Any, result: Any) -> str:
        return reverse("members:detail", args=[obj.member_id])

    def get_context(self, obj: Any) -> dict[str, Any]:
        today = clock.today()
        state = obj.state_on(today)
        intro = (
            f"介绍信{obj.letter_no}：转往{obj.destination}，{obj.issued_on:%Y-%m-%d}开具，"
            f"有效期至{obj.valid_until:%Y-%m-%d}，当前状态：{obj.state_label_on(today)}。"
        )
        if state == TransferStatus.EXPIRED and obj.status == TransferStatus.PENDING:
            intro += letter_expired_message(obj.valid_until) + "。"
        return {"intro": intro}


class TransferOutCompleteView(_LetterView):
    """Completion records the 回执 the receiving organisation sent back."""

    form_class = TransferOutCompleteForm
    submit_label = "确认已转出"

    def get_initial(self, obj: Any) -> dict[str, Any]:
        return {"receipt_org": obj.destination, "receipt_on": clock.today()}

    def get_title(self, obj: Any) -> str:
        return f"登记回执，办结转出：{obj.member.name}"

    def get_success_message(self, obj: Any, result: Any) -> str:
        return f"{obj.member.name}的组织关系已转出"

    def run(self, obj: Any, actor: Any, data: dict[str, Any]) -> Any:
        return movements.complete_transfer_out(obj, actor=actor, on=clock.today(), **data)


class TransferOutReissueView(_LetterView):
    form_class = TransferOutReissueForm
    submit_label = "重新开具"

    def get_initial(self, obj: Any) -> dict[str, Any]:
        return {"on": clock.today()}

    def get_title(self, obj: Any) -> str:
        return f"重新开具介绍信：{obj.member.name}"

    def get_success_message(self, obj: Any, result: Any) -> str:
        return f"已重新开具介绍信{result.letter_no}"

    def get_success_url(self, obj: Any, result: Any) -> str:
        if result is None:
            return super().get_success_url(obj, result)
        return reverse("members:transfer_out_print", args=[result.pk])

    def run(self, obj: Any, actor: Any, data: dict[str, Any]) -> Any:
        return movements.reissue_transfer_out(obj, actor=actor, **data)


class TransferOutRevokeView(_LetterView):
    """Withdraw a pending letter (the transfer is called off, or an 出党 waits for it)."""

    form_class = TransferOutRevokeForm
    submit_label = "撤销介绍信"

    def get_initial(self, obj: Any) -> dict[str, Any]:
        return {"on": clock.today()}

    def get_title(self, obj: Any) -> str:
        return f"撤销介绍信：{obj.member.name}"

    def get_form(self, obj: Any) -> forms.BaseForm:
        return TransferOutRevokeForm(
            self.request.POST or None,
            initial=self.get_initial(obj),
            today=clock.today(),
            earliest=obj.issued_on,
            earliest_label="介绍信开具日期",
        )

    def get_success_message(self, obj: Any, result: Any) -> str:
        return f"已撤销介绍信{obj.letter_no}"

    def run(self, obj: Any, actor: Any, data: dict[str, Any]) -> Any:
        return movements.revoke_transfer_out(obj, actor=actor, **data)


def _standing(member: Member, on: Any) -> str:
    """正式 once 转正 is dated on or before ``on`` (or the record says 正式), else 预备."""
    if member.full_on is not None and member.full_on <= on:
        return "正式"
    return "正式" if member.status == MemberStatus.FULL else "预备"


class TransferOutPrintView(ScopedDetailView):
    """The printable letter: 存根, the letter itself and its 回执, cut apart along dashed lines."""

    queryset = TransferOut.objects.select_related("member__org", "reissued_from")
    action = MemberAction.VIEW
    template_name = "members/transfer_letter.html"
    context_object_name = "letter"
    nav_active = "members"

    def get_context(self, obj: Any) -> dict[str, Any]:
        member = obj.member
        today = clock.today()
        return {
            "member": member,
            "state": obj.state_on(today),
            "state_label": obj.state_label_on(today),
            "age": completed_years(member.birth_date, obj.issued_on),
            "standing": _standing(member, obj.issued_on),
            "days": (obj.valid_until - obj.issued_on).days + 1,
            # The 骑缝 number across each 裁剪线: the letter's own number (第…号).
            "seam_no": seam_number(obj.letter_no),
        }


transfers = TransfersView.as_view()
transfer_in_new = TransferInNewView.as_view()
transfer_out_complete = TransferOutCompleteView.as_view()
transfer_out_reissue = TransferOutReissueView.as_view()
transfer_out_revoke = TransferOutRevokeView.as_view()
transfer_out_print = TransferOutPrintView.as_view()
