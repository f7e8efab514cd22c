"""The report's HTML: one file, its styles, script and data inlined; nothing fetched.

Each figure is a chart (a Vega-Lite specification rendered to SVG by Vega-Embed) and its
numbers as a table (`<details>`, so screen readers and copy-paste get the same numbers),
or, when the lake cannot give it, a sentence saying why. Lake files are linked where the
page names them.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import orjson


@dataclass(frozen=True)
class Link:
    """A table cell that names a lake file."""

    text: str
    href: str | None


@dataclass(frozen=True)
class Table:
    """Rows to show as an HTML table (a figure's numbers, or a section's own table).

    `name` is the table's `data-table` attribute: what a test finds it by.
    """

    columns: Sequence[str]
    rows: Sequence[Sequence[Any]]
    name: str


@dataclass(frozen=True)
class Figure:
    """A chart and its numbers, or why it is missing."""

    id: str
    title: str
    table: Table
    caption: str = ""
    spec: dict[str, Any] | None = None
    """Its Vega-Lite specification; None when the lake cannot give it (`missing` says why)."""
    missing: str | None = None


@dataclass(frozen=True)
class Section:
    """A part of the page: a heading, a sentence, its figures and tables."""

    id: str
    title: str
    intro: str
    figures: Sequence[Figure] = ()
    tables: Sequence[tuple[str, Table]] = ()
    """(heading, table) pairs shown after the figures."""


@dataclass(frozen=True)
class Page:
    """Everything the HTML shows."""

    title: str
    facts: Sequence[tuple[str, str]]
    sections: Sequence[Section]
    footer: str
    script: str = field(repr=False)


STYLE = """
body{font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;color:#1d1d1f}
header,main,footer{max-width:1100px;margin:0 auto;padding:0 20px}
header{padding-top:18px}h1{font-size:1.6em;margin:.2em 0}h2{margin-top:1.6em;
border-bottom:2px solid #ddd}h3{font-size:1.05em;margin:1.2em 0 .4em}
nav a{margin-right:1em}dl.facts{display:grid;grid-template-columns:max-content 1fr;
gap:2px 14px;margin:.6em 0}dl.facts dt{color:#555}dl.facts dd{margin:0}
figure{margin:1em 0 1.6em}figcaption{font-weight:600;margin-bottom:.3em}
.chart{overflow-x:auto}.missing{background:#fff8e1;border-left:4px solid #f9a825;
padding:.5em .8em}table{border-collapse:collapse;font-size:.9em;margin:.4em 0}
th,td{border:1px solid #ddd;padding:2px 8px;text-align:left}td.n{text-align:right;
font-variant-numeric:tabular-nums}th{background:#f4f4f4}details{margin:.4em 0}
footer{color:#666;font-size:.85em;padding:2em 20px}.scroll{max-height:420px;overflow:auto}
"""

BOOT = """
(function () {
  var specs = JSON.parse(document.getElementById("chart-specs").textContent);
  var jobs = Object.keys(specs).map(function (id) {
    var box = document.getElementById("chart-" + id);
    return vegaEmbed(box, specs[id], {renderer: "svg", actions: false})
      .then(function () { box.setAttribute("data-rendered", "true"); })
      .catch(function (error) {
        box.setAttribute("data-rendered", "failed");
        box.textContent = "This chart could not be drawn: " + error;
        console.error("chart " + id + ": " + error);
      });
  });
  Promise.all(jobs).then(function () { document.body.setAttribute("data-charts", "done"); });
})();
"""


def _cell(value: Any) -> str:
    if isinstance(value, Link):
        text = html.escape(value.text)
        return f'<td><a href="{html.escape(value.href)}">{text}</a></td>' if value.href else (
            f"<td><code>{text}</code></td>")  # fmt: skip
    if value is None:
        return "<td></td>"
    if isinstance(value, bool):
        return f"<td>{'yes' if value else 'no'}</td>"
    if isinstance(value, int | float):
        return f'<td class="n">{value}</td>'
    return f"<td>{html.escape(str(value))}</td>"


def render_table(table: Table) -> str:
    """Give one table's HTML (numbers right-aligned, header cells scoped)."""
    head = "".join(f'<th scope="col">{html.escape(c)}</th>' for c in table.columns)
    body = "".join("<tr>" + "".join(_cell(v) for v in row) + "</tr>" for row in table.rows)
    if not table.rows:
        body = f'<tr><td colspan="{len(table.columns)}">none</td></tr>'
    return (
        f'<div class="scroll"><table data-table="{html.escape(table.name)}">'
        f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></div>"
    )


def _figure(figure: Figure) -> str:
    title = html.escape(figure.title)
    parts = [f'<figure id="{figure.id}"><figcaption>{title}</figcaption>']
    if figure.caption:
        parts.append(f"<p>{html.escape(figure.caption)}</p>")
    if figure.spec is None:
        parts.append(f'<p class="missing" data-missing="{figure.id}">'
                     f"{html.escape(figure.missing or 'no data')}</p>")  # fmt: skip
    else:
        parts.append(
            f'<div class="chart" id="chart-{figure.id}" role="figure" aria-label="{title}"></div>'
            f"<details><summary>{title}: the numbers</summary>{render_table(figure.table)}"
            "</details>"
        )
    parts.append("</figure>")
    return "".join(parts)


def _section(section: Section) -> str:
    parts = [f'<section id="{section.id}"><h2>{html.escape(section.title)}</h2>',
             f"<p>{html.escape(section.intro)}</p>"]  # fmt: skip
    parts += [_figure(f) for f in section.figures]
    for heading, table in section.tables:
        parts.append(f"<h3>{html.escape(heading)}</h3>{render_table(table)}")
    parts.append("</section>")
    return "".join(parts)


def _script_json(value: Any) -> str:
    # `</` inside a script element would end it; JSON allows `<\/` for the same text.
    return orjson.dumps(value).decode().replace("</", "<\\/")


def render(page: Page) -> str:
    """Give the whole page."""
    specs = {f.id: f.spec for s in page.sections for f in s.figures if f.spec is not None}
    script = page.script.replace("</script", "<\\/script")
    facts = "".join(f"<dt>{html.escape(k)}</dt><dd>{html.escape(v)}</dd>" for k, v in page.facts)
    nav = "".join(f'<a href="#{s.id}">{html.escape(s.title)}</a>' for s in page.sections)
    return "".join(
        [
            '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">',
            '<meta name="viewport" content="width=device-width, initial-scale=1">',
            # No favicon request either: served from S3, the browser would ask the bucket.
            '<link rel="icon" href="data:,">',
            f"<title>{html.escape(page.title)}</title><style>{STYLE}</style></head><body>",
            f'<header><h1>{html.escape(page.title)}</h1><dl class="facts">{facts}</dl>',
            f"<nav>{nav}</nav></header><main>",
            "".join(_section(s) for s in page.sections),
            f"</main><footer>{html.escape(page.footer)}</footer>",
            f'<script type="application/json" id="chart-specs">{_script_json(specs)}</script>',
            f"<script>{script}</script>",
            f"<script>{BOOT}</script></body></html>",
        ]
    )
