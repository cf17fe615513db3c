"""One check for a page in a real browser: no sideways scrolling, no console errors, and no
accessibility violation of serious or critical impact (axe-core, vendored for tests only, ADR 0028).

``watch_console(page)`` must be called before the page is loaded; ``assert_healthy(page)`` then
checks what the page logged since. axe-core is injected from dangjian/testkit/vendor, never served.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

AXE = Path(__file__).parent / "vendor" / "axe" / "axe.min.js"
SERIOUS = ("serious", "critical")


def watch_console(page: Any) -> list[str]:
    """Collects the page's console errors and uncaught exceptions (CSP refusals included)."""
    errors: list[str] = getattr(page, "_dangjian_errors", None) or []
    if not hasattr(page, "_dangjian_errors"):
        page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page._dangjian_errors = errors
    return errors


def overflow(page: Any) -> int:
    """How many CSS pixels the page is wider than its window (0: no sideways scrolling)."""
    return int(
        page.evaluate(
            "() => { const e = document.scrollingElement; return e.scrollWidth - e.clientWidth; }"
        )
    )


def axe_violations(page: Any) -> list[dict[str, Any]]:
    """axe-core's violations of serious or critical impact, each with the nodes it found."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        # Evaluated as a script, not added as a <script> element: the CSP would refuse that.
        page.evaluate(AXE.read_text(encoding="utf-8"))
    result = page.evaluate(
        "async () => { const r = await axe.run(document, {resultTypes: ['violations']});"
        " return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,"
        " nodes: v.nodes.slice(0, 5).map(n => n.target.join(' ') + ' :: ' + n.failureSummary)}));"
        " }"
    )
    return [v for v in result if v["impact"] in SERIOUS]


def assert_healthy(page: Any, *, where: str = "") -> None:
    label = where or page.url
    errors = list(watch_console(page))
    assert not errors, f"{label}: console errors: {errors}"
    wider = overflow(page)
    assert wider <= 0, f"{label}: the page scrolls sideways by {wider}px"
    violations = axe_violations(page)
    assert not violations, f"{label}: accessibility violations: " + "; ".join(
        f"{v['id']} ({v['impact']}: {v['help']}) at {v['nodes']}" for v in violations
    )
