"""One import contender in its own process: ``python -m dangjian.benchmarks.import_worker
{ours|iex} FILE VAR_DIR``. Builds a fresh database in VAR_DIR (untimed), imports FILE (timed) and
prints one JSON line with the seconds, the members created and the process's peak memory.

Both contenders do the same work per row: the same field rules (``services.field_errors``), the
same SM4-GCM encryption and blind index (``services.apply_data``), the same branch lookup.
"""

from __future__ import annotations

import json
import os
import resource
import sys
import time
from datetime import date
from pathlib import Path
from typing import Any

from dangjian.core import clock


def _setup(var_dir: Path) -> None:
    for name in list(os.environ):
        if name.startswith("DANGJIAN_") or name == "DATABASE_URL":
            os.environ.pop(name)
    os.environ.update(
        DANGJIAN_VAR_DIR=str(var_dir),
        DANGJIAN_ENV="development",
        LOG_LEVEL="WARNING",
        DJANGO_SETTINGS_MODULE="dangjian.settings",
    )
    import django

    django.setup()
    from django.core.management import call_command

    from dangjian.accounts.services import generate_initial_password
    from dangjian.core.context import command_context
    from dangjian.demo.builder import build_demo_county

    call_command("migrate", verbosity=0)
    with command_context("bench"):
        build_demo_county(password=generate_initial_password())


def run_ours(data: bytes) -> int:
    from dangjian.core.actors import SystemActor
    from dangjian.core.context import command_context
    from dangjian.members.workbook import importer
    from dangjian.members.workbook.safety import check_xlsx

    with command_context("bench"):
        check_xlsx(data)
        # The production path (jobs.run_import): validation and writing in one pass.
        report, counts = importer.import_file(
            data, actor=SystemActor("bench"), file_sha256="", original_name="bench"
        )
        if counts is None:
            raise SystemExit(f"unexpected errors: {report.errors[:3]}")
    return counts[0]


def run_iex(data: bytes) -> int:
    import tablib
    from import_export import resources

    from dangjian.members.models import Member
    from dangjian.members.services import MemberData, apply_data, field_errors, id_index
    from dangjian.members.workbook.columns import EDUCATION_BY_TEXT, STATUS_BY_TEXT
    from dangjian.orgs.models import OrgNode

    branches = dict(OrgNode.objects.filter(kind="branch").values_list("code", "pk"))
    today = clock.today()

    def parse_date(value: Any) -> date | None:
        if not value:
            return None
        return value.date() if hasattr(value, "date") else date.fromisoformat(str(value))

    class MemberResource(resources.ModelResource):  # type: ignore[misc]
        class Meta:
            model = Member
            fields = ("id_number_index",)
            import_id_fields = ("id_number_index",)
            skip_diff = True

        def before_import_row(self, row: Any, **kwargs: Any) -> None:
            member_data = MemberData(
                name=str(row["姓名"]),
                id_number=str(row["身份证号码"]),
                status=STATUS_BY_TEXT.get(str(row["党籍状态"]), ""),
                ethnicity=str(row["民族"] or "汉族"),
                phone=str(row["手机号码"] or ""),
                education=EDUCATION_BY_TEXT.get(str(row["学历"] or ""), ""),
                post=str(row["工作岗位"] or ""),
                is_cadre=row["是否干部"] == "是",
                admitted_on=parse_date(row["入党日期"]),
                full_on=parse_date(row["转正日期"]),
            )
            errors = field_errors(member_data, today=today)
            if errors or str(row["党支部编码"]) not in branches:
                raise ValueError(str(errors))
            row["id_number_index"] = id_index(member_data.id_number)
            row["_member_data"] = member_data

        def before_save_instance(self, instance: Member, row: Any, **kwargs: Any) -> None:
            instance.org_id = branches[str(row["党支部编码"])]
            apply_data(instance, row["_member_data"])

    dataset = tablib.Dataset().load(data, format="xlsx")
    # The library looks up existing rows by its import id, which must be a column of the file.
    dataset.append_col([""] * len(dataset), header="id_number_index")
    result = MemberResource().import_data(dataset, raise_errors=True, use_transactions=True)
    return int(result.totals.get("new", 0))


def main() -> None:
    contender, file_path, var_dir = sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3])
    _setup(var_dir)
    data = file_path.read_bytes()
    started = time.perf_counter()
    created = run_ours(data) if contender == "ours" else run_iex(data)
    seconds = time.perf_counter() - started
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(
        json.dumps(
            {
                "contender": contender,
                "seconds": round(seconds, 2),
                "created": created,
                "peak_mb": round(peak_kb / 1024, 1),
            }
        )
    )


if __name__ == "__main__":
    main()
