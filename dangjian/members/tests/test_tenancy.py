"""The shared tenancy contract applied to member pages and API."""

from __future__ import annotations

from datetime import timedelta
from typing import Any, ClassVar

import pytest
from django.test import Client

from dangjian.accounts.models import User
from dangjian.accounts.tests.factories import make_account
from dangjian.core import clock
from dangjian.core.actors import SystemActor
from dangjian.core.models import AuditEntry
from dangjian.members import movements, services
from dangjian.members.models import ImportJob, ImportStatus, Member, TransferIn, TransferOut
from dangjian.members.tests.factories import make_transfer_in
from dangjian.members.tests.helpers import data, new_id
from dangjian.members.tests.workbooks import row, workbook
from dangjian.members.workbook import jobs
from dangjian.orgs.models import OrgNode
from dangjian.testkit.tenancy import RoleContract, TenancyContract


class MemberContractBase(TenancyContract):
    allowed_username = "secretary1"
    audit_action: ClassVar[str | None] = "members.member.update"

    @pytest.fixture(autouse=True)
    def _members(self, db: Any) -> None:
        services.register_member(
            actor=SystemActor("tests"),
            org=OrgNode.objects.get(code="CT01-ZB1"),
            data=data(name="本支部党员"),
        )

    def inside(self) -> Member:
        return Member.objects.get(name="本支部党员")

    def outside(self) -> Member:
        return Member.objects.filter(org__code="JT01-ZB1").order_by("id").first()  # type: ignore[return-value]

    def snapshot(self, obj: Member) -> Any:
        fresh = Member.objects.get(pk=obj.pk)
        return (fresh.name, fresh.post, fresh.version)


class TestMemberPagesTenancy(MemberContractBase):
    covers = ("members:detail", "members:edit")

    def read_url(self, obj: Member) -> str:
        return f"/members/{obj.pk}/"

    def write(self, client: Client, obj: Member) -> Any:
        return client.post(
            f"/members/{obj.pk}/edit/",
            {
                "name": obj.name,
                "id_number": "",
                "status": obj.status,
                "ethnicity": obj.ethnicity,
                "post": "新岗位",
                "admitted_on": obj.admitted_on,
                "full_on": obj.full_on,
                "version": obj.version,
            },
        )


class TestMemberApiTenancy(MemberContractBase):
    covers = ("member-detail",)
    api = True

    def read_url(self, obj: Member) -> str:
        return f"/api/members/{obj.pk}/"

    def write(self, client: Client, obj: Member) -> Any:
        return client.patch(
            f"/api/members/{obj.pk}/",
            {"post": "新岗位", "version": obj.version},
            content_type="application/json",
        )


class TestMemberMovementTenancy(MemberContractBase):
    covers = ("members:action",)
    audit_action = "members.member.lost_contact"

    def read_url(self, obj: Member) -> str:
        return f"/members/{obj.pk}/do/lost-contact/"

    def write(self, client: Client, obj: Member) -> Any:
        return client.post(f"/members/{obj.pk}/do/lost-contact/", {"on": "2026-10-01"})

    def snapshot(self, obj: Member) -> Any:
        stored = Member.objects.get(pk=obj.pk)
        return stored.status, stored.lost_contact_since


class TestMemberCreateApiTenancy(MemberContractBase):
    covers = ("member-list",)
    api = True
    audit_action = "members.member.create"
    refused_write_status = 400

    def inside(self) -> Any:
        return OrgNode.objects.get(code="CT01-ZB1")

    def outside(self) -> Any:
        return OrgNode.objects.get(code="JT01-ZB1")

    def read_url(self, obj: Any) -> str:
        return f"/api/orgs/{obj.pk}/"

    def write(self, client: Client, obj: Any) -> Any:
        d = data(name="API党员")
        response = client.post(
            "/api/members/",
            {
                "name": d.name,
                "id_number": d.id_number,
                "branch": obj.pk,
                "status": "full",
                "admitted_on": "2015-06-01",
                "full_on": "2016-06-01",
            },
            content_type="application/json",
        )
        if response.status_code == 400:
            assert "不在您的授权范围内" in response.json()["branch"][0]
        return response

    def snapshot(self, obj: Any) -> Any:
        return sorted(Member.objects.filter(org=obj).values_list("name", flat=True))


UNSCOPED_URLS = {
    "members:list": "rows read through visible_to; scope tested in test_api_and_lists.py",
    "members:dual_registration": "rows read through visible_to; tested in test_api_and_lists.py",
    "members:suspension_review": "rows read through visible_to; tested in test_services.py",
    "members:transfers": "rows read through visible_to; each decision has a contract below",
    "members:export": "rows read through visible_to, reveal by scope; tested in "
    "test_workbook_export.py",
    "members:import": "no object in the URL: the job's scope is the account's scope root and "
    "each row's branch is checked against it; the job pages are covered below",
    "members:import_template": "lists only the branches visible to the account; tested in "
    "test_workbook_import.py",
    "member-import-template": "same workbook as members:import_template",
    "member-import-file": "the API twin of members:import: scope root and per-row scope checks",
}


class TestMemberCreatePageTenancy(MemberContractBase):
    covers = ("members:create",)
    audit_action = "members.member.create"

    def inside(self) -> Any:
        return OrgNode.objects.get(code="CT01-ZB1")

    def outside(self) -> Any:
        return OrgNode.objects.get(code="JT01-ZB1")

    def read_url(self, obj: Any) -> str:
        return f"/members/new/{obj.pk}/"

    def write(self, client: Client, obj: Any) -> Any:
        return client.post(
            self.read_url(obj),
            {
                "name": "页面新党员",
                "id_number": new_id(),
                "status": "full",
                "ethnicity": "汉族",
                "education": "bachelor",
                "admitted_on": "2015-06-01",
                "full_on": "2016-06-01",
            },
        )

    def snapshot(self, obj: Any) -> Any:
        return sorted(Member.objects.filter(org=obj).values_list("name", flat=True))


class TestMemberRevealTenancy(MemberContractBase):
    covers = ("members:detail", "members:reveal")
    audit_action = "members.member.reveal_id"
    write_renders_result = True  # the revealed number replaces the masked one in place

    def read_url(self, obj: Member) -> str:
        return f"/members/{obj.pk}/"

    def write(self, client: Client, obj: Member) -> Any:
        return client.post(f"/members/{obj.pk}/reveal/")

    def snapshot(self, obj: Member) -> Any:
        return AuditEntry.objects.filter(action=self.audit_action, object_id=str(obj.pk)).count()


class TestTransferInNewTenancy(MemberContractBase):
    covers = ("members:transfer_in_new",)
    audit_action = "members.transfer_in.receive"

    def inside(self) -> Any:
        return OrgNode.objects.get(code="CT01-ZB1")

    def outside(self) -> Any:
        return OrgNode.objects.get(code="JT01-ZB1")

    def read_url(self, obj: Any) -> str:
        return f"/members/transfers/in/new/{obj.pk}/"

    def write(self, client: Client, obj: Any) -> Any:
        return client.post(
            self.read_url(obj),
            {
                "name": "外县转入",
                "id_number": new_id(),
                "member_status": "full",
                "admitted_on": "2015-06-01",
                "full_on": "2016-06-01",
                "from_org": "外县某支部",
                "letter_no": "ZR-9",
                "received_on": "2026-11-01",
            },
        )

    def snapshot(self, obj: Any) -> Any:
        return sorted(TransferIn.objects.filter(org=obj).values_list("name", flat=True))


class TestTransferInAcceptTenancy(MemberContractBase):
    covers = ("members:transfer_in_decide",)
    audit_action = "members.transfer_in.accept"

    def inside(self) -> Any:
        found = TransferIn.objects.filter(org__code="CT01-ZB1", name="待接收").first()
        return found or make_transfer_in(OrgNode.objects.get(code="CT01-ZB1"), name="待接收")

    def outside(self) -> Any:
        found = TransferIn.objects.filter(org__code="JT01-ZB1", name="待接收").first()
        return found or make_transfer_in(OrgNode.objects.get(code="JT01-ZB1"), name="待接收")

    def read_url(self, obj: Any) -> str:
        return f"/members/transfers/in/{obj.pk}/reject/"  # the decision page itself

    def write(self, client: Client, obj: Any) -> Any:
        return client.post(f"/members/transfers/in/{obj.pk}/accept/")

    def snapshot(self, obj: Any) -> Any:
        return TransferIn.objects.get(pk=obj.pk).status


class LetterContractBase(MemberContractBase):
    """One outgoing letter per member, issued ``issued_days_ago`` days before today."""

    issued_days_ago: ClassVar[int] = 0

    def _letter(self, member: Member) -> TransferOut:
        found = TransferOut.objects.filter(member=member).order_by("id").first()
        return found or movements.issue_transfer_out(
            member,
            actor=SystemActor("tests"),
            letter_no="ZC-1",
            destination="外县某支部",
            issued_on=clock.today() - timedelta(days=self.issued_days_ago),
        )

    def snapshot(self, obj: Member) -> Any:
        letters = TransferOut.objects.filter(member=obj).order_by("id")
        return (Member.objects.get(pk=obj.pk).status, list(letters.values_list("status", "pk")))


class TestTransferOutCompleteTenancy(LetterContractBase):
    covers = ("members:transfer_out_complete",)
    audit_action = "members.transfer_out.complete"

    def read_url(self, obj: Member) -> str:
        return f"/members/transfers/out/{self._letter(obj).pk}/complete/"

    def write(self, client: Client, obj: Member) -> Any:
        return client.post(
            self.read_url(obj),
            {"receipt_org": "外县某支部", "receipt_on": clock.today().isoformat(), "confirm": "on"},
        )


class TestTransferOutReissueTenancy(LetterContractBase):
    covers = ("members:transfer_out_reissue",)
    audit_action = "members.transfer_out.reissue"
    issued_days_ago = 200  # past the demo county's 3 months of validity

    def read_url(self, obj: Member) -> str:
        return f"/members/transfers/out/{self._letter(obj).pk}/reissue/"

    def write(self, client: Client, obj: Member) -> Any:
        return client.post(
            self.read_url(obj), {"letter_no": "ZC-2", "on": clock.today().isoformat()}
        )


class TestTransferOutRevokeTenancy(LetterContractBase):
    covers = ("members:transfer_out_revoke",)
    audit_action = "members.transfer_out.revoke"

    def read_url(self, obj: Member) -> str:
        return f"/members/transfers/out/{self._letter(obj).pk}/revoke/"

    def write(self, client: Client, obj: Member) -> Any:
        return client.post(
            self.read_url(obj),
            {"reason": "不再转出", "on": clock.today().isoformat(), "confirm": "on"},
        )


class TestTransferOutPrintTenancy(LetterContractBase):
    covers = ("members:transfer_out_print",)
    audit_action = None  # read only

    def read_url(self, obj: Member) -> str:
        return f"/members/transfers/out/{self._letter(obj).pk}/print/"


class ImportJobContractBase(TenancyContract):
    """A checked upload waiting for confirmation: only its own uploader, in scope, sees it."""

    allowed_username = "secretary1"
    audit_action: ClassVar[str | None] = None

    @pytest.fixture(autouse=True)
    def _jobs(self, db: Any, settings: Any, tmp_path: Any) -> None:
        settings.MEDIA_ROOT = tmp_path / "media"
        secretary = User.objects.get(username="secretary1")
        jt_clerk = make_account(
            "jt01_clerk", role="clerk", node=OrgNode.objects.get(code="JT01-ZB1")
        )
        for user, branch in ((secretary, "CT01-ZB1"), (jt_clerk, "JT01-ZB1")):
            content = workbook([row(f"导入{branch}", new_id(), branch=branch)])
            job = jobs.store_upload(
                content, "党员.xlsx", actor=user, org=OrgNode.objects.get(code=branch)
            )
            jobs.validate_job(job, actor=user)
            assert ImportJob.objects.get(pk=job.pk).status == ImportStatus.VALID

    def inside(self) -> ImportJob:
        return ImportJob.objects.get(created_by__username="secretary1", org__code="CT01-ZB1")

    def outside(self) -> ImportJob:
        return ImportJob.objects.get(created_by__username="jt01_clerk")

    def snapshot(self, obj: ImportJob) -> Any:
        return ImportJob.objects.get(pk=obj.pk).status


class TestImportConfirmTenancy(ImportJobContractBase):
    covers = ("members:import_job", "members:import_confirm")
    audit_action = "members.member.import"

    def read_url(self, obj: ImportJob) -> str:
        return f"/members/import/{obj.pk}/"

    def write(self, client: Client, obj: ImportJob) -> Any:
        return client.post(f"/members/import/{obj.pk}/confirm/")


class TestImportProgressTenancy(ImportJobContractBase):
    covers = ("members:import_progress",)

    def read_url(self, obj: ImportJob) -> str:
        return f"/members/import/{obj.pk}/progress/"


class TestImportMarkedTenancy(ImportJobContractBase):
    """The marked copy of a refused workbook: only its uploader, in scope, downloads it."""

    covers = ("members:import_marked",)

    @pytest.fixture(autouse=True)
    def _refused(self, _jobs: None) -> None:
        error = {"sheet": "党员信息", "row": 2, "column": "姓名", "message": "测试错误"}
        ImportJob.objects.update(status=ImportStatus.INVALID, errors=[error])

    def read_url(self, obj: ImportJob) -> str:
        return f"/members/import/{obj.pk}/marked/"


class TestImportRetryTenancy(ImportJobContractBase):
    covers = ("members:import_job", "members:import_retry")
    unaudited_write_reason = "retry only re-queues the check or the import; the import is audited"

    @pytest.fixture(autouse=True)
    def _failed_before_the_check_finished(self, _jobs: None) -> None:
        ImportJob.objects.update(status=ImportStatus.FAILED, total_rows=0)

    def read_url(self, obj: ImportJob) -> str:
        return f"/members/import/{obj.pk}/"

    def write(self, client: Client, obj: ImportJob) -> Any:
        return client.post(f"/members/import/{obj.pk}/retry/")


def test_a_form_re_rendered_with_errors_is_not_success(client_for, org) -> None:
    """The contract's success check refuses the 200 a page answers when its form is invalid."""
    contract = TestMemberCreatePageTenancy()
    response = client_for("secretary1").post(
        f"/members/new/{org('CT01-ZB1').pk}/", {"name": "缺身份证", "status": "full"}
    )
    assert response.status_code == 200
    with pytest.raises(AssertionError, match="re-rendered its form with errors"):
        contract.assert_write_succeeded(response)
    # Even a page allowed to answer 200 with its result fails when its form has errors.
    with pytest.raises(AssertionError, match="id_number"):
        TestMemberRevealTenancy().assert_write_succeeded(response)


class TestMemberPickTenancy(RoleContract):
    covers = ("members:pick",)
    allowed_username = "secretary1"
    denied_usernames = ("sysadmin", "auditor")

    def read_url(self) -> str:
        return "/members/pick/?q=党员"


class TestMemberSheetTenancy(MemberContractBase):
    covers = ("members:sheet",)
    audit_action = None  # read only

    def read_url(self, obj: Member) -> str:
        return f"/members/{obj.pk}/sheet/"
