"""The A4 print forms in chromium, checked as pictures: each prints on one A4 page (page.pdf with
the page's own @page size), rendered to an image (pdfium) whose parts carry ink where the form
has them: the 介绍信's three parts between two 裁剪线, the sheet's and the report's ruled grid.

Set ``PRINT_SCREENSHOTS`` to a folder to keep the PNGs for a person to look at."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from dangjian.testkit.live import LiveServer, sign_in

pytestmark = pytest.mark.browser

A4_RATIO = 297 / 210
SCALE = 100 / 72  # pdfium renders 72 dpi at scale 1; 100 dpi is plenty to see the form


def _ids(live: LiveServer) -> dict[str, int]:
    script = (
        "from dangjian.members.models import TransferOut, Member;"
        "from dangjian.governance.models import CommitteeTerm;"
        "t = TransferOut.objects.order_by('id').first();"
        "m = Member.objects.filter(status='full').order_by('id').first();"
        "c = CommitteeTerm.objects.filter(ended_on__isnull=True).order_by('id').first();"
        "print(t.pk, m.pk, c.org_id)"
    )
    letter, member, org = live.manage("shell", "-c", script).strip().splitlines()[-1].split()
    return {"letter": int(letter), "member": int(member), "org": int(org)}


def _render(page: Any, url: str, shots: Path, name: str) -> Any:
    """The page's PDF as an image: exactly one A4 page, saved as ``name``.png."""
    import pypdfium2

    page.goto(url)
    page.emulate_media(media="print")
    pdf = page.pdf(prefer_css_page_size=True, print_background=True)
    page.emulate_media(media="screen")
    document = pypdfium2.PdfDocument(pdf)
    assert len(document) == 1, f"{name} prints on {len(document)} pages"
    width, height = document[0].get_size()
    assert abs(height / width - A4_RATIO) < 0.01, (width, height)  # portrait A4
    image = document[0].render(scale=SCALE).to_pil().convert("L")
    image.save(shots / f"{name}.png")
    page.screenshot(path=str(shots / f"{name}-screen.png"), full_page=True)
    return image


def _ink_rows(image: Any, threshold: int = 128) -> list[float]:
    """Per pixel row, the share of dark pixels."""
    width, height = image.size
    data = image.tobytes()
    return [
        sum(1 for value in data[y * width : (y + 1) * width] if value < threshold) / width
        for y in range(height)
    ]


def _bands_with_ink(rows: list[float], parts: int) -> list[bool]:
    size = len(rows) // parts
    return [any(share > 0.01 for share in rows[i * size : (i + 1) * size]) for i in range(parts)]


def _dashed_rows(image: Any) -> list[int]:
    """Rows crossing most of the page in many short dark runs (a dashed 裁剪线), out to the
    right margin (a line of text, however dense, stops short of it)."""
    width, height = image.size
    data = image.tobytes()
    found = []
    for y in range(height):
        row = data[y * width : (y + 1) * width]
        dark = [value < 128 for value in row]
        runs = sum(1 for x in range(1, width) if dark[x] and not dark[x - 1])
        reaches = any(dark[int(width * 0.92) :])
        if runs > 40 and sum(dark) > width * 0.25 and reaches:
            found.append(y)
    return found


def _ruled_rows(rows: list[float]) -> int:
    """Horizontal grid lines: rows dark across more than 60% of the page width."""
    return sum(1 for share in rows if share > 0.6)


@pytest.fixture(scope="module")
def shots(tmp_path_factory: Any) -> Path:
    folder = os.environ.get("PRINT_SCREENSHOTS")
    path = Path(folder) if folder else tmp_path_factory.mktemp("print")
    path.mkdir(parents=True, exist_ok=True)
    return path


def test_the_letter_prints_stub_letter_and_receipt_on_one_sheet(browser, live, shots) -> None:
    ids = _ids(live)
    page = sign_in(browser, live, "supervisor")
    url = f"{live.url}/members/transfers/out/{ids['letter']}/print/"
    image = _render(page, url, shots, "letter")
    cuts = _dashed_rows(image)
    assert cuts, "no 裁剪线 on the printed letter"
    # Two cut lines (each may be more than one pixel row), splitting the page in three parts.
    lines = [y for i, y in enumerate(cuts) if i == 0 or y - cuts[i - 1] > 3]
    assert len(lines) == 2, lines
    height = image.size[1]
    top, bottom = lines
    assert height * 0.15 < top < bottom < height * 0.9
    rows = _ink_rows(image)
    for start, end in ((0, top - 3), (top + 12, bottom - 3), (bottom + 12, height)):
        assert any(share > 0.01 for share in rows[start:end]), (start, end)
    # The 骑缝 number straddles each line: ink just above and just below it.
    for y in lines:
        assert any(share > 0.005 for share in rows[y - 8 : y - 1])
        assert any(share > 0.005 for share in rows[y + 2 : y + 9])
    on_page = page.content()
    assert on_page.count("letter-seam") == 2 and "骑缝" in on_page
    page.close()


def test_the_member_sheet_prints_on_one_ruled_page(browser, live, shots) -> None:
    ids = _ids(live)
    page = sign_in(browser, live, "supervisor")
    image = _render(page, f"{live.url}/members/{ids['member']}/sheet/", shots, "member-sheet")
    rows = _ink_rows(image)
    assert _ruled_rows(rows) >= 10  # the record's grid
    assert _bands_with_ink(rows, 4)[:3] == [True, True, True]
    page.close()


def test_the_structure_report_prints_on_one_page(browser, live, shots) -> None:
    ids = _ids(live)
    page = sign_in(browser, live, "supervisor")
    url = f"{live.url}/governance/org/{ids['org']}/structure-report/"
    image = _render(page, url, shots, "structure-report")
    rows = _ink_rows(image)
    assert _ruled_rows(rows) >= 6  # the header grid and the findings table
    assert _bands_with_ink(rows, 3)[:2] == [True, True]
    page.close()
