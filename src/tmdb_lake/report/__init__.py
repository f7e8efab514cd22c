"""`tmdb-lake report`: one self-contained HTML page of the lake's runs, health and data.

```
runs.py      the raw zone's runs: manifests, commit intents, unfinished staging, leases
health.py    freshness per dataset and the trusted zone's drift and quality findings
refined.py   the refined model's names, and views over its files (where the lake has them)
data.py      the data aggregates, in DuckDB (the page carries only aggregates)
charts.py    one Vega-Lite chart per figure, declared with Altair
bundle.py    Vega, Vega-Lite and Vega-Embed as one script to inline (from vl-convert)
page.py      the HTML: sections, charts, their numbers as tables, links to lake files
build.py     reads the lake, builds the page, writes it (and optionally into the lake)
```
"""
