"""The one table of stored files (imported into ``dangjian.core.models`` so Django finds it)."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models

from dangjian.core.ownership import OrgOwned
from dangjian.core.scoping import ScopedQuerySet


def encryption_context(purpose: str, key: uuid.UUID) -> str:
    """Bound into the ciphertext as AAD: a blob copied over another row's fails to decrypt."""
    return f"core.stored_file:{purpose}:{key}"


def storage_name(purpose: str, key: uuid.UUID) -> str:
    return f"files/{purpose}/{key.hex[:2]}/{key.hex}.bin"


class StoredFileQuerySet(ScopedQuerySet):
    def present(self) -> StoredFileQuerySet:
        return self.filter(purged_at__isnull=True)


class StoredFile(OrgOwned):
    """One upload, SM4-GCM encrypted in the file storage, its digests taken at upload.

    The row outlives the content: purging (retention) deletes the bytes and stamps
    ``purged_at``, so what was uploaded, by whom and with which digests stays on record.
    """

    key = models.UUIDField("文件标识", default=uuid.uuid4, unique=True, editable=False)
    purpose = models.CharField("用途", max_length=64, db_index=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="上传人",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    original_name = models.CharField("文件名", max_length=200)
    content_type = models.CharField("文件类型", max_length=100)
    size = models.PositiveBigIntegerField("大小（字节）")
    sm3 = models.CharField("SM3", max_length=64)
    sha256 = models.CharField("SHA-256", max_length=64)
    storage_name = models.CharField("存储位置", max_length=300, unique=True)
    key_version = models.PositiveSmallIntegerField("加密密钥版本")
    purged_at = models.DateTimeField("删除时间", null=True, blank=True)

    objects = StoredFileQuerySet.as_manager()  # type: ignore[misc]  # a narrower scoped manager

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = "存储文件"
        verbose_name_plural = "存储文件"

    def __str__(self) -> str:
        return self.original_name

    @property
    def encryption_context(self) -> str:
        return encryption_context(self.purpose, self.key)
