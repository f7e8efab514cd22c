"""The drift and quality report of one transform: written to the lake, summarised on the terminal.

Per dt built:

- `unknown_fields`: fields in the raw records that the contract does not know (`field`,
  `table`, `records` carrying it, `first_seen` dt and raw file, and `kept_in`: top-level
  ones are kept in the title table's `_extra` JSON column; nested ones stay in the raw file
  only). Nested fields are looked for in a sample (`sampled: true`, about 1 record in 64).
- `type_mismatches`: values that did not fit their declared type, set to NULL, per column.
- `rejected`: records without a usable `id`, per dataset (not loaded), with a few file keys.
- `checks`: every declared check, `passed`, `failed` or `skipped`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from tmdb_lake.trusted.checks import CheckResult, failed
from tmdb_lake.trusted.contract import TrustedTable
from tmdb_lake.trusted.engine import SourceAudit
from tmdb_lake.trusted.sources import SourceName

_TITLE_TABLE: dict[SourceName, str] = {"movie": "movie", "series": "series", "genre": "genre"}
_PATH_TOKEN = re.compile(r"[a-z_][a-z0-9_.\[\]]*")


def table_for_field(source: SourceName, path: str, tables: tuple[TrustedTable, ...]) -> str:
    """Name the trusted table an unknown field belongs with (where it would have gone)."""
    if "." not in path:
        return _TITLE_TABLE[source]
    node = path.rsplit(".", 1)[0]
    prefix = _TITLE_TABLE[source]
    for table in tables:
        if table.name.startswith(prefix) and any(c.source.startswith(node) for c in table.columns):
            return table.name
    return _TITLE_TABLE[source]


def columns_for_field(
    source: SourceName, name: str, tables: tuple[TrustedTable, ...]
) -> list[tuple[str, str]]:
    """Give (table, column) pairs that read a top-level raw field."""
    prefix = _TITLE_TABLE[source]
    found = [
        (table.name, column.name)
        for table in tables
        if table.name == prefix
        for column in table.columns
        if name in _PATH_TOKEN.findall(column.source)
    ]
    return found or [(prefix, name)]


@dataclass
class DtReport:
    """What one dt's build found and did."""

    dt: str
    status: str
    """built, failed (a check failed: nothing published), built-with-warnings."""
    inputs: list[dict[str, Any]]
    tables: dict[str, int] = field(default_factory=dict)
    unknown_fields: list[dict[str, Any]] = field(default_factory=list)
    type_mismatches: list[dict[str, Any]] = field(default_factory=list)
    rejected: list[dict[str, Any]] = field(default_factory=list)
    checks: list[CheckResult] = field(default_factory=list)
    skipped_datasets: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def failed_checks(self) -> list[CheckResult]:
        """Give the checks that failed."""
        return failed(self.checks)

    def to_dict(self) -> dict[str, Any]:
        """Serialise."""
        return {
            "dt": self.dt,
            "status": self.status,
            "seconds": round(self.seconds, 3),
            "inputs": self.inputs,
            "tables": self.tables,
            "unknown_fields": self.unknown_fields,
            "type_mismatches": self.type_mismatches,
            "rejected": self.rejected,
            "checks": [c.to_dict() for c in self.checks],
            "skipped_datasets": self.skipped_datasets,
        }


def audit_findings(
    dt: str, audit: SourceAudit, tables: tuple[TrustedTable, ...], first_seen: dict[str, Any]
) -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[dict[str, Any]]]:
    """Turn an engine's audit into report rows: unknown fields, mismatches, rejected records.

    `first_seen` (the lake's drift registry) is updated in place with new fields.
    """
    unknown: list[dict[str, Any]] = []
    for rows, sampled in ((audit.unknown, False), (audit.unknown_sampled, True)):
        for source, path, count, key in rows:
            table = table_for_field(source, path, tables)
            seen = first_seen.setdefault(f"{source}:{path}", {"dt": dt, "key": key})
            unknown.append(
                {
                    "field": path,
                    "source": source,
                    "table": table,
                    "records": count,
                    "sampled": sampled,
                    "first_seen": seen,
                    "kept_in": f"{table}._extra" if "." not in path else "raw only",
                }
            )
    mismatches = [
        {"table": table, "column": column, "field": name, "set_to_null": count}
        for source, name, count in audit.mismatched
        for table, column in columns_for_field(source, name, tables)
    ]
    rejected = [
        {
            "dataset": dataset,
            "records": count,
            "reason": "no usable id",
            "files": audit.rejected_keys.get(dataset, []),
        }
        for dataset, count in sorted(audit.rejected.items())
    ]
    return unknown, mismatches, rejected


def render(report: dict[str, Any]) -> str:
    """Give the terminal summary of a transform report."""
    lines: list[str] = []
    built = [d for d in report["days"] if d["status"] != "failed"]
    failed = [d for d in report["days"] if d["status"] == "failed"]
    if not report["days"]:
        lines.append(f"nothing to do: the trusted zone is up to date ({report['up_to_date']} dt)")
    for day in report["days"]:
        rows = sum(day["tables"].values())
        lines.append(
            f"dt={day['dt']}: {day['status']}, {rows:,} rows in {len(day['tables'])} tables "
            f"({day['seconds']:.1f} s)"
        )
        for item in day["unknown_fields"]:
            lines.append(
                f"  drift: unknown field {item['field']!r} ({item['table']}) in "
                f"{item['records']:,} records{' (sampled)' if item['sampled'] else ''}; "
                f"kept in {item['kept_in']}"
            )
        for item in day["type_mismatches"]:
            lines.append(
                f"  type: {item['table']}.{item['column']}: {item['set_to_null']:,} values "
                "did not fit and are NULL"
            )
        for item in day["rejected"]:
            lines.append(
                f"  rejected: {item['records']:,} {item['dataset']} records without a usable id"
            )
        for check in day["checks"]:
            if check["status"] != "passed":
                lines.append(
                    f"  check {check['status']}: {check['table']}: {check['check']}"
                    + (f" ({check['offending']:,} rows)" if check["offending"] else "")
                    + (f" ({check['note']})" if check.get("note") else "")
                )
    if built or failed:
        lines.append(
            f"{len(built)} dt built, {len(failed)} failed, {report['up_to_date']} already "
            f"up to date; report: {report['report_key']}"
        )
    return "\n".join(lines)
