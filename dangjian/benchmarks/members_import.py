"""Import of a generated 100,000-row member workbook: ours against django-import-export.

Each contender runs in its own process on its own fresh SQLite database (built untimed), with
the same file; the import itself is timed inside the process and the peak resident memory of the
process is reported. Requirement: ours at least 10x faster, with full validation.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import xlsxwriter

from dangjian.benchmarks.run import PROJECT_DIR
from dangjian.demo.people import make_id_number
from dangjian.members.workbook.columns import HEADERS, SHEET

SPEEDUP_REQUIRED = 10.0
BRANCHES = ["CT02-ZB1", "CT03-ZB1", "JT02-ZB1", "NL02-ZB1", "NL03-ZB1"]


def generate(path: Path, rows: int) -> None:
    book = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    sheet = book.add_worksheet(SHEET)
    sheet.write_row(0, 0, HEADERS)
    born = date(1958, 1, 1)
    for i in range(rows):
        values = [
            f"导入{i:06d}",
            make_id_number(born + timedelta(days=i // 500), i % 500, i % 2 == 0),
            BRANCHES[i % len(BRANCHES)],
            "",
            "正式党员",
            "汉族",
            f"135{i:08d}",
            "大学本科",
            "生产一线",
            "否",
            "2001-07-01",
            "2002-07-01",
        ]
        for col, value in enumerate(values):
            sheet.write_string(i + 1, col, value)
    book.close()


def _contender(name: str, file_path: Path) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix=f"dangjian-import-{name}-") as var_dir:
        result = subprocess.run(  # noqa: S603 — our own module, fixed arguments
            [
                sys.executable,
                "-m",
                "dangjian.benchmarks.import_worker",
                name,
                str(file_path),
                var_dir,
            ],
            cwd=PROJECT_DIR,
            capture_output=True,
            text=True,
            check=False,
            timeout=3600,
        )
    if result.returncode != 0:
        raise RuntimeError(f"{name} failed: {result.stderr[-2000:]}")
    return dict(json.loads(result.stdout.strip().splitlines()[-1]))


def run(*, rows: int, var_dir: Path) -> dict[str, Any]:
    file_path = var_dir / "members-bench.xlsx"
    generate(file_path, rows)
    ours = _contender("ours", file_path)
    iex = _contender("iex", file_path)
    speedup = iex["seconds"] / ours["seconds"]
    return {
        "rows": rows,
        "file_mb": round(file_path.stat().st_size / 1e6, 1),
        "ours": ours,
        "django_import_export": iex,
        "speedup": round(speedup, 1),
        "pass_speed": speedup >= SPEEDUP_REQUIRED and ours["created"] == iex["created"] == rows,
    }


def report(result: dict[str, Any]) -> list[str]:
    ours, iex = result["ours"], result["django_import_export"]
    return [
        f"Member import of {result['rows']:,} rows ({result['file_mb']} MB .xlsx), full validation",
        f"  ours                  {ours['seconds']:>8.1f} s   peak {ours['peak_mb']:>7.1f} MB   "
        f"created {ours['created']:,}",
        f"  django-import-export  {iex['seconds']:>8.1f} s   peak {iex['peak_mb']:>7.1f} MB   "
        f"created {iex['created']:,}",
        f"{'PASS' if result['pass_speed'] else 'FAIL'}  import {result['speedup']}x faster "
        f"(required {SPEEDUP_REQUIRED}x)",
    ]
