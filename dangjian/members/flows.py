"""The members app's workflows: import jobs, member movements and transfer letters.

Each is the declared table ``core.workflow`` guards: which action moves which state to which, and
who may take it. Registered from ``MembersConfig.ready``. Steps the machine takes (an import's
outcome, a stale job failing) are ``SYSTEM_ROLE`` only; a person's steps carry the roles that
``core.permissions.RULES`` gives the matching action, so the two never disagree.
"""

from __future__ import annotations

from dangjian.core.actors import SYSTEM_ROLE
from dangjian.core.permissions import roles_for
from dangjian.core.workflow import Workflow, step
from dangjian.members.choices import MemberStatus, TransferStatus
from dangjian.members.models import ImportStatus
from dangjian.members.permissions import MemberAction

IMPORTERS = roles_for(MemberAction.IMPORT)
EDITORS = roles_for(MemberAction.CHANGE)
RECEIVERS = roles_for(MemberAction.ADD)
MACHINE = frozenset({SYSTEM_ROLE})

_I = ImportStatus
IMPORT_JOB = Workflow(
    model="members.importjob",
    state_labels=dict(_I.choices),
    audit_prefix="members.import_job",
    touch=("heartbeat_at",),  # every step counts as a sign of life for the stale-job sweep
    # Validation and its verdicts are not audited: a refused file leaves the audit log unchanged
    # (a check that met numbers registered elsewhere is audited by the importer), and DONE is
    # audited by the import's own entry in the same transaction. Confirm, retry and failures are.
    steps=(
        # A small upload is validated in the request, a large one by the worker.
        step(
            "validate",
            [_I.UPLOADED],
            _I.VALIDATING,
            roles=IMPORTERS | MACHINE,
            label="校验",
            audited=False,
        ),
        step("pass", [_I.VALIDATING], _I.VALID, roles=MACHINE, label="通过校验", audited=False),
        # From IMPORTING: the import validates again and the database may have changed.
        step(
            "refuse",
            [_I.VALIDATING, _I.IMPORTING],
            _I.INVALID,
            roles=MACHINE,
            label="退回",
            audited=False,
        ),
        step(
            "unreadable",
            [_I.VALIDATING, _I.IMPORTING],
            _I.UNREADABLE,
            roles=MACHINE,
            label="标记为无法解析",
            audited=False,
        ),
        step("confirm", [_I.VALID], _I.IMPORTING, roles=IMPORTERS, label="确认导入"),
        step(
            "finish",
            [_I.IMPORTING],
            _I.DONE,
            roles=MACHINE,
            label="完成导入",
            stamp="finished_at",
            audited=False,
        ),
        # A run that raised, or whose worker stopped reporting (the scheduler's stale-import job).
        step("fail", [_I.VALIDATING, _I.IMPORTING], _I.FAILED, roles=MACHINE, label="标记失败"),
        step("retry", [_I.FAILED], _I.IMPORTING, roles=IMPORTERS, label="重试导入"),
        # Failed before its check finished: back to UPLOADED to be checked (and confirmed) again.
        step("recheck", [_I.FAILED], _I.UPLOADED, roles=IMPORTERS, label="重新校验"),
    ),
)

_M = MemberStatus
_ACTIVE = (_M.FULL, _M.PROBATIONARY)
_STANDING = {"full": _M.FULL, "probationary": _M.PROBATIONARY}
# The member's 党籍 standing only (ADR 0026): being away, out of touch, under 留党察看 or with
# rights suspended are management states the movement services set beside it, not steps here.
# States recorded in the history before ADR 0026 split standing from management states.
_LEGACY_LABELS = {"mobile": "流动党员", "lost_contact": "失联党员", "historical": "历史"}
MEMBER = Workflow(
    model="members.member",
    state_labels={**_LEGACY_LABELS, **dict(_M.choices)},
    audit_prefix="members.member",
    touch=("updated_at",),
    version_field="version",
    steps=(
        step(
            "suspend",
            _ACTIVE,
            _M.SUSPENDED,
            roles=EDITORS,
            label="停止党籍",
            field="__all__",  # a wrong standing is no fault of the date
            refusal="{state}不能停止党籍",
        ),
        # 恢复党籍: back to the standing the member had, 正式 once 转正 is recorded, else 预备.
        *(
            step(
                f"restore_{standing}",
                [_M.SUSPENDED],
                target,
                roles=EDITORS,
                label="恢复党籍",
                audit="restore",
                field="__all__",  # a wrong standing is no fault of the date
                refusal="只有停止党籍的党员才能恢复党籍",
            )
            for standing, target in _STANDING.items()
        ),
        # 出党 (开除、除名、退党、取消预备党员资格): from any standing still on the registry.
        step(
            "exit",
            (*_ACTIVE, _M.SUSPENDED),
            _M.EXPELLED,
            roles=EDITORS,
            label="登记出党",
            field="__all__",  # a wrong standing is no fault of the date
            refusal="{state}不能登记出党",
        ),
        step(
            "decease",
            (*_ACTIVE, _M.SUSPENDED),
            _M.DECEASED,
            roles=EDITORS,
            label="登记去世",
            field="__all__",  # a wrong standing is no fault of the date
            refusal="{state}不能登记去世",
        ),
        # The receiving organisation confirmed a transfer letter: the member leaves the registry.
        # The letter was issued in service; the member may have been suspended since.
        step(
            "transferred_out",
            (*_ACTIVE, _M.SUSPENDED),
            _M.TRANSFERRED,
            roles=EDITORS,
            label="办结组织关系转出",
        ),
    ),
)


def standing_of(full_on: object) -> str:
    """The suffix of the step that returns a member to 正式 or 预备 standing."""
    return "full" if full_on else "probationary"


_T = TransferStatus
TRANSFER_OUT = Workflow(
    model="members.transferout",
    state_labels=dict(_T.choices),
    audit_prefix="members.transfer_out",
    steps=(
        step(
            "complete",
            [_T.PENDING],
            _T.ACCEPTED,
            roles=EDITORS,
            label="办结介绍信",
            refusal="该介绍信{state}，不能办结",
            field="receipt_on",
        ),
        # Past its validity (valid through ``valid_until``): the daily job records it, or the
        # keeper reissuing the letter does so first. An expired letter is only reissued.
        step(
            "expire",
            [_T.PENDING],
            _T.EXPIRED,
            roles=EDITORS | MACHINE,
            label="标记介绍信过期",
            refusal="该介绍信{state}",
        ),
        # Withdrawn before the receiving organisation answered: by the keeper (before 出党, which
        # waits for it), or with the member's death.
        step(
            "revoke",
            [_T.PENDING],
            _T.REVOKED,
            roles=EDITORS,
            label="撤销介绍信",
            refusal="该介绍信{state}，不能撤销",
            field="reason",
        ),
    ),
)

TRANSFER_IN = Workflow(
    model="members.transferin",
    state_labels=dict(_T.choices),
    audit_prefix="members.transfer_in",
    steps=(
        step(
            "accept",
            [_T.PENDING],
            _T.ACCEPTED,
            roles=RECEIVERS,
            label="接收转入",
            refusal="该转入申请已处理",
        ),
        step(
            "reject",
            [_T.PENDING],
            _T.REJECTED,
            roles=RECEIVERS,
            label="退回转入",
            refusal="该转入申请已处理",
        ),
    ),
)

WORKFLOWS = (IMPORT_JOB, MEMBER, TRANSFER_OUT, TRANSFER_IN)
