"""The DuckDB SQL that reads one raw (dataset, day) into a source view, typed and audited.

One parse per record gives everything: the typed struct (`json_transform` with the
declared structure), the JSON text of each top-level scalar (to test that the JSON type
fits the declared type), and the top-level keys (for unknown fields). `json_transform`
alone would round 12.7 into an INTEGER and read 1 as `true`; the contract does not:

| declared | fits when the JSON value is |
| --- | --- |
| BIGINT, INTEGER | an integer number in range |
| DOUBLE | a number |
| BOOLEAN | `true` or `false` |
| VARCHAR | a string |
| DATE | a string `YYYY-MM-DD`; `""` is NULL and fits |
| lists, objects | a list, an object (their items are cast as DuckDB casts JSON) |

A value that does not fit becomes NULL and is counted for its field. Unknown top-level
fields are kept in `_extra` (a JSON object); unknown nested fields are looked for in a
deterministic sample of records (ids divisible by 64), because looking into every nested
object costs more than the whole rest of the read.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import orjson

from tmdb_lake.trusted.sources import RawSpec, object_nodes, structure_json, top_scalars

SAMPLE_MODULO = 64
"""A record is looked into for unknown nested fields when its id % this == 0."""

# `{v}` is the value's JSON text. A JSON string keeps its quotes, so it never casts to a
# number; a cast to BIGINT would round 12.7, hence the '.' test. (Cheaper than a regexp.)
_FITS = {
    "BIGINT": "(TRY_CAST({v} AS BIGINT) IS NOT NULL AND NOT contains({v}, '.'))",
    "INTEGER": "(TRY_CAST({v} AS BIGINT) IS NOT NULL AND NOT contains({v}, '.'))",
    "DOUBLE": "TRY_CAST({v} AS DOUBLE) IS NOT NULL",
    "BOOLEAN": "{v} IN ('true', 'false')",
    "VARCHAR": "starts_with({v}, '\"')",
    "DATE": "starts_with({v}, '\"')",
}


def literal(value: str) -> str:
    """Quote a string as a SQL literal."""
    return "'" + value.replace("'", "''") + "'"


def string_list(values: Sequence[str]) -> str:
    """Give a SQL list literal of strings."""
    return "[" + ", ".join(literal(v) for v in values) + "]::VARCHAR[]"


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def record_select(
    spec: RawSpec,
    files: Sequence[str],
    fmt: str,
    root_length: int,
    constants: Sequence[tuple[str, str]],
) -> str:
    """Give the SELECT that reads `files` as records of `spec`, typed and audited.

    `constants` are (column, SQL expression) pairs added to every row (lineage, media).
    `root_length` is the length of the lake root URL, cut from each file name to give its key.
    """
    scalars = dict(top_scalars(spec))
    leaves = {name: "JSON" for name in scalars}
    structure = structure_json(spec)
    known = list(spec)
    nodes = object_nodes(spec)
    source = (
        "(SELECT NULL::JSON AS json, NULL::VARCHAR AS filename WHERE false)"
        if not files
        else f"read_json_objects({string_list(files)}, "
        f"format={literal('array' if fmt == 'json' else 'newline_delimited')}, filename=true)"
    )
    columns: list[str] = []
    for name, value in _typed_fields(spec):
        q = _ident(name)
        if value == "DATE":
            columns.append(f"TRY_CAST(NULLIF(r.{q}, '') AS DATE) AS {q}")
        else:
            columns.append(f"r.{q} AS {q}")
    for column, expression in constants:
        columns.append(f"{expression} AS {_ident(column)}")
    columns.append(f"substr(filename, {root_length + 1}) AS _source_key")
    columns.append(
        "CASE WHEN len(u) > 0 THEN CAST(to_json(map_from_entries(list_filter("
        """map_entries(json_transform(json, '"MAP(VARCHAR, JSON)"')), """
        "e -> list_contains(u, e.key)))) AS VARCHAR) END AS _extra"
    )
    columns.append("u AS _unknown")
    if nodes:
        paths = string_list([node.json_path for node in nodes])
        checks = ", ".join(
            f"list_transform(list_filter(coalesce(nk[{i + 1}], []), x -> NOT list_contains("
            f"{string_list(node.known)}, x)), x -> {literal(node.path + '.')} || x)"
            for i, node in enumerate(nodes)
        )
        columns.append(
            f"CASE WHEN sampled THEN flatten([{checks}]) END AS _unknown_nested"
            if nodes
            else "NULL::VARCHAR[] AS _unknown_nested"
        )
        nested_keys = f"CASE WHEN {SAMPLED} THEN json_keys(json, {paths}) END AS nk"
    else:
        columns.append("NULL::VARCHAR[] AS _unknown_nested")
        nested_keys = "NULL AS nk"
    nested_keys = f"{SAMPLED} AS sampled, {nested_keys}"
    columns.append("sampled AS _sampled")
    columns.append("j AS _leaves")
    leaf_structure = orjson.dumps(leaves).decode()
    return (
        "SELECT\n  "
        + ",\n  ".join(columns)
        + "\nFROM (\n  SELECT *, "
        + nested_keys
        + f"\n  FROM (\n    SELECT json_transform(json, {literal(structure)}) AS r,"
        + f"\n      json_transform(json, {literal(leaf_structure)}) AS j,"
        + f"\n      list_filter(json_keys(json), x -> NOT list_contains({string_list(known)}, x))"
        + " AS u,"
        + f"\n      json, filename\n    FROM {source}\n  ) AS parsed\n) AS audited"
    )


SAMPLED = f"coalesce(r.id % {SAMPLE_MODULO} = 0, false)"


def _mismatch(name: str, declared: str) -> str:
    """Give the condition: the value of top-level field `name` did not fit `declared`."""
    q = _ident(name)
    leaf = f"CAST(_leaves.{q} AS VARCHAR)"
    fits = _FITS[declared].format(v=leaf)
    empty = f" AND {leaf} <> '\"\"'" if declared == "DATE" else ""
    return f"({leaf} IS NOT NULL AND {leaf} <> 'null'{empty} AND (NOT {fits} OR {q} IS NULL))"


def mismatch_counts_sql(spec: RawSpec, relation: str) -> tuple[list[str], str]:
    """Give (fields, SQL counting per field the loaded values that did not fit their type).

    The load keeps each top-level scalar as its JSON text (`_leaves`) beside the value
    DuckDB's lenient cast gave; the contract's stricter test runs here, once per source, and
    only the (rare) rows that fail it are touched (`null_mismatches_sql`).
    """
    fields = top_scalars(spec)
    counts = ", ".join(f"count_if({_mismatch(n, t)})" for n, t in fields)
    return [n for n, _ in fields], f"SELECT {counts} FROM {relation}"


def null_mismatches_sql(spec: RawSpec, relation: str, name: str) -> str:
    """Give the UPDATE that sets the values of `name` that did not fit to NULL."""
    declared = dict(top_scalars(spec))[name]
    return f"UPDATE {relation} SET {_ident(name)} = NULL WHERE {_mismatch(name, declared)}"


def _typed_fields(spec: RawSpec) -> list[tuple[str, Any]]:
    return [(name, value) for name, value in spec.items() if value != "KNOWN"]
