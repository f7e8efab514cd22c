"""The docs' table list is the contract, rendered: it cannot drift from the declarations."""

from __future__ import annotations

from pathlib import Path

from tmdb_lake.trusted.docs import BEGIN, END, tables_markdown
from tmdb_lake.trusted.tables import TABLES

LAKE_MD = Path(__file__).parents[2] / "docs" / "lake.md"


def test_docs_table_list_is_rendered_from_the_contract() -> None:
    text = LAKE_MD.read_text("utf-8")
    block = text[text.index(BEGIN) : text.index(END) + len(END)]
    assert block == tables_markdown(), "run: python -m tmdb_lake.trusted.docs docs/lake.md"
    for table in TABLES:
        assert f"#### `{table.name}`" in block
        for column in table.columns:
            assert f"| `{column.name}` | {column.type} |" in block
