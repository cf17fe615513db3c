"""The audit action names each app writes, with the Chinese label the audit log shows.

An app declares its names once (``declare_audit_names`` in its ``audit_names.py``, imported from
``apps.py``); a workflow declares its steps' names when it is registered. Writing an undeclared
name raises under ``AUDIT_STRICT_NAMES`` (the test suite) so a typo is caught where it is made,
and is only logged in production: an entry is never lost for want of a label.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

logger = logging.getLogger(__name__)

_LABELS: dict[str, str] = {}


def declare_audit_names(labels: Mapping[str, str]) -> None:
    for name, label in labels.items():
        if not label.strip():
            raise ImproperlyConfigured(f"audit name {name!r} needs a Chinese label")
        if _LABELS.get(name, label) != label:
            raise ImproperlyConfigured(f"audit name {name!r} declared twice with different labels")
        _LABELS[name] = label


def audit_label(name: str) -> str:
    """The label for ``name``; an undeclared (or retired) name is shown as it was written."""
    return _LABELS.get(name, name)


def declared_audit_names() -> Mapping[str, str]:
    return dict(_LABELS)


def check_declared(name: str) -> None:
    if name in _LABELS:
        return
    if getattr(settings, "AUDIT_STRICT_NAMES", False):
        raise ImproperlyConfigured(f"audit name {name!r} is not declared (declare_audit_names)")
    logger.warning("audit entry written with an undeclared name %r", name)


# The platform's own names.
declare_audit_names(
    {
        "access.denied": "越权访问被拒绝",
        "access.denied.repeated": "重复越权访问（汇总）",
        "audit.export": "导出审计日志",
        "core.period.seal": "封存报告期",
        "files.stored": "保存文件",
        "files.downloaded": "下载文件",
        "files.integrity_failed": "文件完整性校验失败",
        "files.verified": "校验存储文件",
        "files.migrated": "迁移存储文件",
        "scheduler.run_requested": "手动运行定时任务",
        "system.backup": "数据备份",
        "system.restore": "数据恢复",
        "system.field_key.rotate": "轮换字段加密密钥",
        "system.healthz.probe": "健康检查探测",
    }
)
