"""Headless Chromium (Debian's package) driven by Playwright: open a report, read it."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = Path("/usr/bin/chromium")
# What headless Chromium needs on these machines (closed network, root): docs/report.md.
FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip

READ_PAGE = """() => {
  const tables = {};
  for (const t of document.querySelectorAll('table[data-table]')) {
    const columns = [...t.querySelectorAll('thead th')].map(th => th.textContent);
    const rows = [...t.querySelectorAll('tbody tr')].map(tr => [...tr.children].map(td => {
      const a = td.querySelector('a'); return a ? a.getAttribute('href') : td.textContent; }));
    tables[t.dataset.table] = {columns, rows};
  }
  const charts = {};
  for (const box of document.querySelectorAll('.chart')) {
    const marks = {};
    for (const g of box.querySelectorAll('svg g.role-mark')) {
      const kind = g.getAttribute('aria-roledescription');
      marks[kind] = (marks[kind] || []).concat(
        [...g.children].map(item => item.getAttribute('aria-label')));
    }
    charts[box.id.replace('chart-', '')] = {rendered: box.dataset.rendered, marks};
  }
  return {tables, charts, done: document.body.dataset.charts};
}"""


@dataclass
class Rendered:
    tables: dict[str, dict[str, Any]]
    charts: dict[str, dict[str, Any]]
    console: list[str]
    requests: list[str]
    screenshot: Path

    def rows(self, name: str) -> list[dict[str, str]]:
        table = self.tables[name]
        return [dict(zip(table["columns"], row, strict=True)) for row in table["rows"]]

    def labels(self, chart: str, kind: str) -> list[dict[str, str]]:
        """The mark items' aria-labels (`field: value; ...`) of one chart, parsed."""
        found = []
        for label in self.charts[chart]["marks"].get(kind, []):
            pairs = (part.split(": ", 1) for part in (label or "").split("; "))
            found.append({k: v for k, v in (p for p in pairs if len(p) == 2)})
        return found


def _playwright() -> Any:
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.skip("the browser test needs Playwright's Python package: pip install -e '.[dev]'")
    if not CHROMIUM.is_file():
        pytest.skip(
            f"Chromium is not installed ({CHROMIUM}): apt-get install -y chromium "
            "(.ci/run installs it; this test skips only where that install failed)"
        )
    return sync_playwright


def open_page(url: str, folder: Path) -> Rendered:
    """Open a page in a fresh headless Chromium; read it; keep a full-page screenshot."""
    sync_playwright = _playwright()
    console: list[str] = []
    requests: list[str] = []
    with sync_playwright() as driver:
        context = driver.chromium.launch_persistent_context(
            str(folder / "profile"), executable_path=str(CHROMIUM), headless=True, args=FLAGS,
            viewport={"width": 1200, "height": 900},
        )  # fmt: skip
        try:
            page = context.new_page()
            page.on("console", lambda m: console.append(f"{m.type}: {m.text}"))
            page.on("pageerror", lambda e: console.append(f"pageerror: {e}"))
            page.on("request", lambda r: requests.append(r.url))
            page.goto(url)
            page.wait_for_selector("body[data-charts=done]", timeout=60_000)
            found = page.evaluate(READ_PAGE)
            shot = folder / "report.png"
            page.screenshot(path=str(shot), full_page=True)
        finally:
            context.close()
    print(f"\nreport screenshot: {shot}")
    return Rendered(found["tables"], found["charts"], console, requests, shot)
