"""The checks declared beside each table, as SQL, and their results.

Every check is a query that counts offending rows (0 passes), in the same DuckDB SQL
subset as the tables, so the Spark engine can run them too.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal, Protocol

from tmdb_lake.trusted.contract import Check, NotNull, Relationship, TrustedTable, Unique

Status = Literal["passed", "failed", "skipped"]


@dataclass(frozen=True)
class CheckResult:
    """One check of one table on one dt."""

    table: str
    check: str
    status: Status
    offending: int
    note: str = ""

    def to_dict(self) -> dict[str, Any]:
        """Serialise."""
        out: dict[str, Any] = {
            "table": self.table,
            "check": self.check,
            "status": self.status,
            "offending": self.offending,
        }
        if self.note:
            out["note"] = self.note
        return out


def failed(checks: Sequence[CheckResult]) -> list[CheckResult]:
    """Give the checks that failed."""
    return [c for c in checks if c.status == "failed"]


def check_sql(table: str, check: Check) -> str:
    """Give the SQL counting the rows of `table` that break `check`."""
    if isinstance(check, Unique):
        cols = ", ".join(check.columns)
        return (
            f"SELECT count(*) FROM (SELECT {cols} FROM {table} "
            f"GROUP BY {cols} HAVING count(*) > 1) AS duplicated"
        )
    if isinstance(check, NotNull):
        return f"SELECT count(*) FROM {table} WHERE " + " OR ".join(
            f"{c} IS NULL" for c in check.columns
        )
    joined = " AND ".join(
        f"p.{t} = c.{s}" for s, t in zip(check.columns, check.to_columns, strict=True)
    )
    where = f" AND p.{check.to_where}" if check.to_where else ""
    present = " AND ".join(f"c.{s} IS NOT NULL" for s in check.columns)
    if check.where:
        present += f" AND c.{check.where}"
    return (
        f"SELECT count(*) FROM {table} AS c WHERE {present} AND NOT EXISTS "
        f"(SELECT 1 FROM {check.to} AS p WHERE {joined}{where})"
    )


def target_rows_sql(check: Relationship) -> str:
    """Give the SQL counting the rows a relationship may point at."""
    where = f" WHERE {check.to_where}" if check.to_where else ""
    return f"SELECT count(*) FROM {check.to}{where}"


class CheckEngine(Protocol):
    """What the checks need of an engine: integers from queries, several at once."""

    def scalars(self, sqls: Sequence[str]) -> list[int]:
        """Run DuckDB-dialect queries each giving one integer (Spark plans them together)."""
        ...


def run_checks(engine: CheckEngine, tables: Sequence[TrustedTable]) -> list[CheckResult]:
    """Run every declared check of every table on the engine's current dt.

    Two batches of queries (`scalars`): the sizes of the reference data that some
    relationships may skip on, then every check that is not skipped.
    """
    declared = [(table, check) for table in tables for check in table.checks]
    optional = [
        check
        for _, check in declared
        if isinstance(check, Relationship) and check.skip_when_target_empty
    ]
    sizes = dict(zip(optional, engine.scalars([target_rows_sql(c) for c in optional]), strict=True))
    run = [(t, c) for t, c in declared if not (isinstance(c, Relationship) and sizes.get(c) == 0)]
    offending = dict(zip(run, engine.scalars([check_sql(t.name, c) for t, c in run]), strict=True))
    results: list[CheckResult] = []
    for table, check in declared:
        if (table, check) not in offending:
            assert isinstance(check, Relationship)
            results.append(
                CheckResult(table.name, check.name, "skipped", 0, f"{check.to} is empty")
            )
            continue
        count = offending[(table, check)]
        status: Status = "failed" if count else "passed"
        results.append(CheckResult(table.name, check.name, status, count))
    return results
