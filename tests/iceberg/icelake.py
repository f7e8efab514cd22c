"""Reading a lake's tables in tests, each way: Parquet manifests, pyiceberg, DuckDB's iceberg."""

from __future__ import annotations

import importlib.resources
import json
from pathlib import Path
from typing import Any

import duckdb

from tmdb_lake.trusted.tables import TABLES

NAMESPACE = "tmdb_trusted"
NAMES = [t.name for t in TABLES]


def columns(table: str) -> list[str]:
    declared = next(t for t in TABLES if t.name == table)
    return [c.name for c in declared.columns] + ["dt"]


def catalog(lake: Path) -> Any:
    from pyiceberg.catalog.sql import SqlCatalog

    uri = f"sqlite:///{(lake / '_catalog/iceberg.db').resolve()}"
    return SqlCatalog("tmdb_lake", uri=uri, warehouse=str(lake.resolve()))


def key(row: tuple[Any, ...]) -> str:
    return repr(row)


def canonical(rows: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    return sorted(rows, key=key)


def parquet_rows(lake: Path, table: str) -> list[tuple[Any, ...]]:
    """Every row of a Parquet table, `dt` from the path, as the trusted manifests list them."""
    files = []
    for path in sorted((lake / "trusted/TMDB/_manifests").glob("dt=*.json")):
        manifest = json.loads(path.read_text())
        files += [str(lake / f["key"]) for f in manifest["tables"][table]["files"]]
    names = ", ".join(f'"{c}"' for c in columns(table))
    with duckdb.connect() as db:
        hive = "hive_partitioning = true, hive_types = {'dt': DATE}"
        sql = f"SELECT {names} FROM read_parquet(?, {hive})"
        return canonical(db.execute(sql, [files]).fetchall())


def pyiceberg_rows(lake: Path, table: str, snapshot_id: int | None = None) -> list[tuple[Any, ...]]:
    """Every row of an Iceberg table read by pyiceberg (pyarrow), now or at a snapshot."""
    found = catalog(lake).load_table((NAMESPACE, table))
    scan = found.scan(snapshot_id=snapshot_id) if snapshot_id else found.scan()
    rows = scan.to_arrow().to_pylist()
    return canonical([tuple(row.get(c) for c in columns(table)) for row in rows])


def duckdb_connection() -> duckdb.DuckDBPyConnection:
    db = duckdb.connect(config={"autoinstall_known_extensions": False})
    for name in ("avro", "iceberg"):
        package = importlib.resources.files(f"duckdb_extension_{name}")
        path = package / "extensions" / f"v{duckdb.__version__}" / f"{name}.duckdb_extension"
        db.execute(f"INSTALL '{path}'")
        db.execute(f"LOAD {name}")
    return db


def duckdb_rows(lake: Path, table: str, snapshot_id: int | None = None) -> list[tuple[Any, ...]]:
    """Every row of an Iceberg table read by DuckDB's iceberg extension (its own reader)."""
    found = catalog(lake).load_table((NAMESPACE, table))
    names = ", ".join(f'"{c}"' for c in columns(table))
    at = f", snapshot_from_id => {snapshot_id}" if snapshot_id else ""
    with duckdb_connection() as db:
        sql = f"SELECT {names} FROM iceberg_scan('{found.metadata_location}'{at})"
        return canonical(db.execute(sql).fetchall())


def snapshots(lake: Path) -> dict[str, list[Any]]:
    """Every table's snapshots, oldest first."""
    cat = catalog(lake)
    found = {name: cat.load_table((NAMESPACE, name)).metadata.snapshots for name in NAMES}
    return {name: sorted(s, key=lambda s: s.sequence_number) for name, s in found.items()}


def unreachable_data_files(lake: Path, table: str, namespace: str = NAMESPACE) -> list[str]:
    """Data files under the table's folder that no snapshot references."""
    found = catalog(lake).load_table((namespace, table))
    referenced: set[str] = set()
    for snapshot in found.metadata.snapshots:
        for manifest in snapshot.manifests(found.io):
            referenced |= {
                str(Path(e.data_file.file_path).resolve())
                for e in manifest.fetch_manifest_entry(found.io, discard_deleted=True)
            }
    stored = {str(p.resolve()) for p in Path(found.location()).glob("data/**/*.parquet")}
    return sorted(stored - referenced)


# -- the refined zone ------------------------------------------------------------------------

REFINED_NAMESPACE = "tmdb_refined"


def refined_columns(table: str) -> list[str]:
    from tmdb_lake.refined.tables import BY_NAME

    declared = BY_NAME[table]
    return [c.name for c in declared.columns] + (["dt"] if declared.dated else [])


def refined_parquet_rows(lake: Path, table: str) -> list[tuple[Any, ...]]:
    """Every row of a Parquet refined table through its manifests (`dt` from the manifest)."""
    from refined.expected import refined  # type: ignore[import-not-found]

    names = refined_columns(table)
    return canonical([tuple(row[c] for c in names) for row in refined(lake, table)])


def refined_pyiceberg_rows(
    lake: Path, table: str, snapshot_id: int | None = None
) -> list[tuple[Any, ...]]:
    """Every row of a refined Iceberg table read by pyiceberg, now or at a snapshot."""
    found = catalog(lake).load_table((REFINED_NAMESPACE, table))
    scan = found.scan(snapshot_id=snapshot_id) if snapshot_id else found.scan()
    names = refined_columns(table)
    return canonical([tuple(row.get(c) for c in names) for row in scan.to_arrow().to_pylist()])


def refined_snapshots(lake: Path) -> dict[str, list[Any]]:
    """Every refined table's snapshots, oldest first."""
    from tmdb_lake.refined.tables import TABLES as REFINED

    cat = catalog(lake)
    tables = {t.name: cat.load_table((REFINED_NAMESPACE, t.name)) for t in REFINED}
    found = {name: table.metadata.snapshots for name, table in tables.items()}
    return {name: sorted(s, key=lambda s: s.sequence_number) for name, s in found.items()}
