"""The Spark SQL that reads raw records into a source view, with the contract's typing rules.

The Spark twin of `tmdb_lake.trusted.reading` (DuckDB): same declared raw schema
(`tmdb_lake.trusted.sources`), same rules, same audit columns. It runs over a text view
with one raw record's JSON text per row (`json`), its lake key (`_source_key`) and the
lineage constants. Spark's JSON reader (`from_json`) is strict where DuckDB's
`json_transform` is lenient, so the rules of the contract fall out differently:

| declared | fits when the JSON value is | how Spark tells |
| --- | --- | --- |
| BIGINT, INTEGER | an integer number in range | `from_json` gives NULL otherwise |
| DOUBLE | a number | idem (`allowNonNumericNumbers` off) |
| BOOLEAN | `true` or `false` | idem |
| VARCHAR | a string | see `non_string` |
| DATE | a string `YYYY-MM-DD`; `""` is NULL and fits | a string, year-month-day, a date |

`from_json` reads any JSON value declared STRING as its text, so a string cannot be told
from a number by its text alone: text that could be a number, a boolean, an object or a
list is parsed once more as that kind (only those rows pay). Spark's date cast alone
would read `"2024"` as 1 January: a date must also have the year-month-day form.

A value that does not fit becomes NULL and is flagged (`_bad__<field>`) for the audit.
Unknown top-level fields are kept in `_extra` as a JSON object (record order, compact),
once the load has found which they are; unknown nested fields are looked for in the
same sample of records as DuckDB's (ids divisible by 64).

Inside lists and objects (cast members, keywords, ...) each engine's JSON cast applies:
a nested value Spark cannot read as its declared type is NULL (DuckDB casts leniently,
e.g. `"3"` to 3). TMDB's own records read the same on both (the equivalence test).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import orjson

from tmdb_lake.trusted.reading import SAMPLE_MODULO, literal
from tmdb_lake.trusted.sources import (
    SCALARS,
    RawSpec,
    object_nodes,
    top_scalars,
    typed_structure,
)

_SPARK_SCALARS = {
    "BIGINT": "BIGINT",
    "INTEGER": "INT",
    "DOUBLE": "DOUBLE",
    "BOOLEAN": "BOOLEAN",
    "VARCHAR": "STRING",
}
_OPTIONS = "map('allowNonNumericNumbers', 'false')"
# A date must at least look like year-month-day; Spark's cast would also take "2024".
_DATE_FORM = r"^\\s*-?[0-9]+-[0-9]{1,2}-[0-9]{1,2}"

BAD_PREFIX = "_bad__"
"""Prefix of the audit flag columns: `_bad__<field>` is true where the value did not fit."""


def ident(name: str) -> str:
    """Quote an identifier for Spark SQL."""
    return "`" + name.replace("`", "``") + "`"


def spark_type(value: Any) -> str:
    """Give the Spark DDL type of one node of a `typed_structure`."""
    if isinstance(value, str):
        return _SPARK_SCALARS[value]
    if isinstance(value, list):
        return f"ARRAY<{spark_type(value[0])}>"
    fields = ", ".join(f"{ident(k)}: {spark_type(v)}" for k, v in value.items())
    return f"STRUCT<{fields}>"


def schema_ddl(structure: dict[str, Any]) -> str:
    """Give a `from_json` schema (top-level `name TYPE` list) for a typed structure."""
    return ", ".join(f"{ident(k)} {spark_type(v)}" for k, v in structure.items())


def _array(values: Sequence[str]) -> str:
    if not values:
        return "CAST(array() AS ARRAY<STRING>)"
    return "array(" + ", ".join(literal(v) for v in values) + ")"


def _parsed_as(name: str, kind: str) -> str:
    """Give: the record's field `name`, parsed once more as `kind` (NULL when it is not)."""
    return f"from_json(json, {literal(ident(name) + ' ' + kind)}, {_OPTIONS}).{ident(name)}"


def non_string(text: str, name: str) -> str:
    """Give the condition: field `name`, whose value's text is `text`, is not a JSON string.

    `from_json` reads a number, a boolean, an object or a list declared STRING as its JSON
    text, indistinguishable from a string holding the same characters; only when the text
    has one of those forms is the field parsed again as that kind to tell them apart.
    """
    return (
        f"CASE WHEN {text} RLIKE '^-?[0-9]' THEN {_parsed_as(name, 'DOUBLE')} IS NOT NULL "
        f"WHEN {text} IN ('true', 'false') THEN {_parsed_as(name, 'BOOLEAN')} IS NOT NULL "
        f"WHEN left({text}, 1) = '{{' THEN "
        f"{_parsed_as(name, 'MAP<STRING, STRING>')} IS NOT NULL "
        f"WHEN left({text}, 1) = '[' THEN {_parsed_as(name, 'ARRAY<STRING>')} IS NOT NULL "
        "ELSE false END"
    )


def _bad(name: str, declared: str) -> str:
    """Give the condition: top-level field `name` is present, not null, and does not fit."""
    leaf, typed = f"j.{ident(name)}", f"r.{ident(name)}"
    if declared == "VARCHAR":
        wrong = non_string(leaf, name)
    elif declared == "DATE":
        wrong = (
            f"({non_string(leaf, name)}) OR ({leaf} <> '' AND "
            f"(NOT {leaf} RLIKE '{_DATE_FORM}' OR TRY_CAST({leaf} AS DATE) IS NULL))"
        )
    else:
        wrong = f"{typed} IS NULL"
    return f"coalesce({leaf} IS NOT NULL AND ({wrong}), false)"


def _extra(extra_keys: Sequence[str]) -> str:
    """Give the `_extra` JSON object of a record's unknown top-level fields (record order)."""
    if not extra_keys:
        return "CAST(NULL AS STRING)"
    entries: list[str] = []
    for key in extra_keys:
        text = f"x.{ident(key)}"
        quoted = f"to_json(named_struct('v', {text}))"
        value = (
            f"CASE WHEN {text} IS NULL THEN 'null' WHEN {non_string(text, key)} THEN {text} "
            f"ELSE substring({quoted}, 6, length({quoted}) - 6) END"
        )
        name = orjson.dumps(key).decode()
        entries += [literal(key), f"concat({literal(name + ':')}, {value})"]
    lookup = "map(" + ", ".join(entries) + ")"
    return (
        f"CASE WHEN size(u) > 0 THEN concat('{{', array_join(transform(u, k -> "
        f"element_at({lookup}, k)), ','), '}}') END"
    )


def record_select(
    spec: RawSpec, text_view: str, constants: Sequence[str], extra_keys: Sequence[str] = ()
) -> str:
    """Give the Spark SELECT that reads `text_view` as records of `spec`, typed and audited.

    `constants` are lineage columns of the text view carried to every row. `extra_keys`
    are the unknown top-level fields the load found (their values fill `_extra`).
    """
    scalars = top_scalars(spec)
    structure = typed_structure(spec)
    known = list(spec)
    columns: list[str] = []
    for name, value in spec.items():
        if value == "KNOWN":
            continue
        q = ident(name)
        if value == "DATE":
            columns.append(f"CASE WHEN {ident(BAD_PREFIX + name)} THEN NULL ELSE "
                           f"TRY_CAST(NULLIF(r.{q}, '') AS DATE) END AS {q}")  # fmt: skip
        elif value in SCALARS:
            columns.append(f"CASE WHEN {ident(BAD_PREFIX + name)} THEN NULL ELSE r.{q} END AS {q}")
        else:
            columns.append(f"r.{q} AS {q}")
    columns += [ident(c) for c in constants]
    columns += ["_source_key", f"{_extra(extra_keys)} AS _extra", "u AS _unknown"]
    nodes = object_nodes(spec)
    checks = [
        f"transform(filter(coalesce(json_object_keys(get_json_object(json, "
        f"{literal(node.json_path)})), CAST(array() AS ARRAY<STRING>)), x -> NOT "
        f"array_contains({_array(node.known)}, x)), x -> concat({literal(node.path + '.')}, x))"
        for node in nodes
    ]
    nested = f"flatten(array({', '.join(checks)}))" if checks else "CAST(NULL AS ARRAY<STRING>)"
    columns.append(f"CASE WHEN sampled THEN {nested} END AS _unknown_nested")
    columns.append("sampled AS _sampled")
    columns += [ident(BAD_PREFIX + name) for name, _ in scalars]
    flags = [f"{_bad(name, declared)} AS {ident(BAD_PREFIX + name)}" for name, declared in scalars]
    leaves = {name: "VARCHAR" for name, _ in scalars}
    extra_schema = schema_ddl({key: "VARCHAR" for key in extra_keys})
    parsed = [
        f"from_json(json, {literal(schema_ddl(structure))}, {_OPTIONS}) AS r",
        f"from_json(json, {literal(schema_ddl(leaves))}) AS j",
        f"filter(json_object_keys(json), x -> NOT array_contains({_array(known)}, x)) AS u",
        f"from_json(json, {literal(extra_schema)}) AS x" if extra_keys else "NULL AS x",
        "json",
        "_source_key",
        *(ident(c) for c in constants),
    ]
    return (
        "SELECT\n  "
        + ",\n  ".join(columns)
        + "\nFROM (\n  SELECT *,\n    "
        + ",\n    ".join([*flags, f"coalesce(r.id % {SAMPLE_MODULO} = 0, false) AS sampled"])
        + "\n  FROM (\n    SELECT\n      "
        + ",\n      ".join(parsed)
        + f"\n    FROM {text_view}\n  ) AS parsed\n) AS audited"
    )
