"""Parse an uploaded workbook in a child process that may crash, run away or be killed without
taking the web or job worker with it.

The child is a fresh interpreter (no fork of a threaded web worker, no inherited database
connection, no settings or keys in its environment) with an address-space and a CPU-time limit; the
parent also stops waiting after a wall-clock limit. It answers with a pickle of plain values, which
the parent loads with an unpickler that accepts no class but the ``datetime`` types, so even a
child subverted by a hostile file cannot make the parent run code.

``python -m dangjian.members.workbook.sandbox MEMORY_MB CPU_SECONDS`` is the child's side.
"""

from __future__ import annotations

import datetime
import fcntl
import gc
import io
import json
import os
import pickle
import resource
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from dangjian.members.workbook.reader import UnreadableWorkbook, WorkbookError, template_layout

_ALLOWED = {("datetime", name) for name in ("date", "datetime", "time", "timedelta")}
Parsed = tuple[str, list[str], list[int], list[list[Any]], int]


class _PlainUnpickler(pickle.Unpickler):
    def find_class(self, module: str, name: str) -> Any:
        if (module, name) in _ALLOWED:
            return getattr(datetime, name)
        raise pickle.UnpicklingError(f"{module}.{name} is not a plain value")


@contextmanager
def parse_slot(directory: Path, slots: int, wait_seconds: float) -> Iterator[None]:
    """One of ``slots`` machine-wide places for a parser child (an exclusive lock on one of the
    slot files, released when the holder ends, even by a crash), waited for up to
    ``wait_seconds``."""
    directory.mkdir(parents=True, exist_ok=True)
    deadline = time.monotonic() + wait_seconds
    while True:
        for index in range(max(slots, 1)):
            handle = (directory / f"parse-slot-{index}.lock").open("a")
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                handle.close()
                continue
            try:
                yield
            finally:
                handle.close()  # closing the file releases the lock
            return
        if time.monotonic() > deadline:
            raise WorkbookError("系统正在解析其他上传的文件，请稍后再试")
        time.sleep(0.2)


def parse_in_child(data: bytes) -> Parsed:
    """The sheet's name, its template fields, its non-empty rows' numbers and values (column by
    column, in field order) and its data-row count; raises
    ``WorkbookError`` for a sheet the user can fix and ``UnreadableWorkbook`` when the parser
    failed."""
    from django.conf import settings

    memory_mb = int(settings.IMPORT_PARSE_MEMORY_MB)
    seconds = int(settings.IMPORT_PARSE_SECONDS)
    command = [
        sys.executable,
        "-E",  # no PYTHON* variables from the parent's environment
        "-s",
        "-B",
        "-m",
        "dangjian.members.workbook.sandbox",
        str(memory_mb),
        str(seconds),
        json.dumps(template_layout()),
    ]
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LANG": "C.UTF-8"}
    try:
        with parse_slot(Path(settings.VAR_DIR) / "run", settings.IMPORT_PARSE_CONCURRENCY, seconds):
            result = subprocess.run(  # noqa: S603 — our own module, fixed arguments
                command,
                input=data,
                capture_output=True,
                timeout=seconds,
                cwd=settings.BASE_DIR,
                env=env,
                check=False,
            )
    except subprocess.TimeoutExpired as exc:
        raise UnreadableWorkbook(
            f"读取文件超过 {seconds} 秒仍未完成，已停止；文件结构可能异常，"
            "请在 Excel 或 WPS 中打开并另存为 .xlsx 后重新上传"
        ) from exc
    if result.returncode != 0:
        raise UnreadableWorkbook(
            "读取文件时解析程序异常终止（文件结构异常，或读取所需内存超过"
            f" {memory_mb}MB 的上限），未写入任何数据；"
            "请在 Excel 或 WPS 中打开并另存为 .xlsx（或删除多余内容）后重新上传"
        )
    try:
        answer = _PlainUnpickler(io.BytesIO(result.stdout)).load()
        if answer[0] == "error":
            message = answer[1]
            if not isinstance(message, str):
                raise TypeError("message")
            raise WorkbookError(message)
        _, name, fields, numbers, columns, total = answer
        if not (isinstance(name, str) and isinstance(numbers, list) and isinstance(total, int)):
            raise TypeError("answer")
        fields = [str(f) for f in fields]
        return name, fields, numbers, _unpack(columns, len(numbers), len(fields)), total
    except WorkbookError:
        raise
    except (pickle.UnpicklingError, EOFError, TypeError, ValueError, IndexError) as exc:
        raise UnreadableWorkbook("读取文件时解析程序返回了无法识别的结果，未写入任何数据") from exc


# Rows cross the pipe column by column: a column of text as one string joined by NUL (which no
# XML text can hold), anything else as a list. Unpickling 12 strings and splitting them costs a
# fraction of unpickling a million small ones.
_JOIN = "\x00"


def _pack(columns: list[list[Any]]) -> list[Any]:
    packed: list[Any] = []
    for values in columns:
        if values and all(type(value) is str for value in values):
            joined = _JOIN.join(values)
            if joined.count(_JOIN) == len(values) - 1:
                packed.append(joined)
                continue
        packed.append(values)
    return packed


def _unpack(columns: list[Any], height: int, width: int) -> list[list[Any]]:
    if not isinstance(columns, list) or len(columns) != width:
        raise ValueError("one column per field")
    unpacked = [c.split(_JOIN) if isinstance(c, str) else c for c in columns]
    if any(not isinstance(c, list) or len(c) != height for c in unpacked):
        raise ValueError("columns of unequal length")
    return unpacked


def _child(memory_mb: int, seconds: int, layout: str) -> int:
    limit = memory_mb * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    resource.setrlimit(resource.RLIMIT_CPU, (seconds, seconds + 5))
    # A short-lived process building a few long lists: the cyclic collector would only walk
    # them again and again (memory stays bounded by RLIMIT_AS all the same).
    gc.disable()
    from dangjian.members.workbook.reader import parse

    preferred, columns = json.loads(layout)
    data = sys.stdin.buffer.read()
    try:
        name, fields, numbers, values, total = parse(data, preferred, [tuple(c) for c in columns])
        answer: tuple[Any, ...] = ("ok", name, fields, numbers, _pack(values), total)
    except WorkbookError as exc:
        answer = ("error", str(exc))
    except MemoryError:
        answer = ("error", f"读取文件所需内存超过 {memory_mb}MB 的上限，请删除多余内容后重新上传")
    sys.stdout.buffer.write(pickle.dumps(answer, protocol=pickle.HIGHEST_PROTOCOL))
    sys.stdout.buffer.flush()
    return 0


if __name__ == "__main__":
    raise SystemExit(_child(int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]))
