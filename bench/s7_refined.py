"""Bench S7 (issue 13): `tmdb-lake refine` over a trusted zone of N titles and D days.

The trusted zone is generated directly (no raw zone, no transform): DuckDB writes every
trusted table of every dt as Parquet, typed by the trusted contract (each declared column
in order, `CAST` to its type), and `TrustedManifest` writes each dt's manifest, as
`transform` would. The shape of a catalog collected daily:

- N titles, 80% movies and 20% series, on every dt (popularity and votes change daily);
- the first dt holds every title's details (a `--catalog` day): credits (8 cast, 4 crew),
  4 keywords, 2 release dates and a production country per movie;
- each later dt holds the titles as discover results, plus the details of 1% of them
  (a `--changes` day), with their credits, keywords and release dates;
- genres on every dt (2 per title), the genre lists on every dt.

Then, each as a subprocess measured from outside (wall, CPU of the process tree, peak RSS
sampled every 50 ms; `measure` from bench/s5_trusted.py):

1. the full build: `tmdb-lake refine` over D dts (nothing refined yet);
2. one more dt is published in the trusted zone, and `tmdb-lake refine` again: the
   incremental day (the current tables merged with it, its snapshot partition built).

    python bench/s7_refined.py --titles 1000000 --days 30 --work bench/out/s7
    python bench/s7_refined.py --quick          # 20,000 titles, 5 days: a smoke run

`--table-format iceberg` (issue 15) publishes the same generated tables as Iceberg tables
(the lake's `sql` catalog), through tmdb-lake's own sink as `transform --table-format
iceberg` would, and runs `refine --table-format iceberg` on them.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import sys
import time
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import duckdb

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "bench"))

from s5_trusted import measure  # noqa: E402

from tmdb_lake.lake.layout import TablesLayout  # noqa: E402
from tmdb_lake.trusted.manifest import TableFiles, TrustedManifest  # noqa: E402
from tmdb_lake.trusted.tables import BY_NAME, CONTRACT_ID, TABLES  # noqa: E402

FIRST_DAY = date(2024, 5, 1)
CHANGED_PERCENT = 1
COUNTRIES = "['US', 'BR', 'FR', 'JP', 'DE', 'GB', 'IN', 'KR']"
LINEAGE = {
    "_run_id": "'bench'",
    "_ingested_at": "TIMESTAMP '2024-05-01 06:00:00'",
    "_source_key": "'bench'",
}


def title_columns(media: str, k: int) -> dict[str, str]:
    """Expressions of a title table's columns, over `ids(id)` of one dt (day index `k`)."""
    details = "source <> 'discover'"
    genres = 19 if media == "movie" else 16
    common = {
        "id": "id",
        "original_language": "(['en', 'fr', 'ja', 'pt', 'es'])[id % 5 + 1]",
        "overview": "md5(id::VARCHAR) || ' ' || md5((id * 7)::VARCHAR)",
        "popularity": f"(hash(id, {k}) % 100000) / 1000.0",
        "vote_average": "(hash(id) % 100) / 10.0",
        "vote_count": f"hash(id) % 20000 + {k}",
        "adult": "false",
        "poster_path": "'/p' || id || '.jpg'",
        # two distinct genres per title
        "genre_ids": f"[1 + id % {genres}, 1 + (id % {genres} + 1 + (id // {genres}) % "
        f"{genres - 1}) % {genres}]",
        "status": f"CASE WHEN {details} THEN 'Released' END",
        "tagline": f"CASE WHEN {details} THEN 'Tagline ' || id END",
        "imdb_id": f"CASE WHEN {details} THEN 'tt' || lpad(id::VARCHAR, 8, '0') END",
        "source": "source",
        **LINEAGE,
    }
    released = "DATE '1950-01-01' + CAST(hash(id) % 27000 AS INTEGER)"
    if media == "movie":
        return common | {
            "title": "'Movie ' || id",
            "original_title": "'Movie ' || id",
            "release_date": released,
            "video": "false",
            "runtime": f"CASE WHEN {details} THEN 80 + id % 90 END",
            "budget": f"CASE WHEN {details} THEN id % 1000 * 10000 END",
            "revenue": f"CASE WHEN {details} THEN id % 997 * 30000 END",
        }
    return common | {
        "name": "'Series ' || id",
        "original_name": "'Series ' || id",
        "first_air_date": released,
        "origin_country": f"[({COUNTRIES})[id % 8 + 1]]",
        "number_of_seasons": f"CASE WHEN {details} THEN 1 + id % 9 END",
        "number_of_episodes": f"CASE WHEN {details} THEN 8 + id % 90 END",
        "in_production": f"CASE WHEN {details} THEN id % 3 = 0 END",
        "type": f"CASE WHEN {details} THEN 'Scripted' END",
    }


def child_columns(table: str, key: str) -> tuple[dict[str, str], str]:
    """Expressions of a child table's columns, and the `j` range per title (details only)."""
    person = "hash(id, j) % 2000000 + 1"
    base = {key: "id", **LINEAGE}
    if table.endswith("_cast"):
        return base | {
            "person_id": person,
            "name": f"'Person ' || ({person})",
            "character": "'Character ' || j",
            "cast_order": "j",
            "credit_id": "md5(id || '-' || j)",
        }, "range(8)"
    if table.endswith("_crew"):
        return base | {
            "person_id": person,
            "name": f"'Person ' || ({person})",
            "department": "(['Directing', 'Writing', 'Production', 'Sound'])[j + 1]",
            "job": "(['Director', 'Writer', 'Producer', 'Composer'])[j + 1]",
            "credit_id": "md5(id || '-c' || j)",
        }, "range(4)"
    if table.endswith("_keyword"):
        keyword = "(id * 4 + j) % 50000 + 1"  # four distinct keywords per title
        return base | {"keyword_id": keyword, "name": f"'keyword ' || ({keyword})"}, "range(4)"
    if table == "movie_release_date":
        return base | {
            "country": f"({COUNTRIES})[(id + j) % 8 + 1]",
            "type": "3 + j",
            "release_date": "DATE '1950-01-01' + CAST(hash(id) % 27000 + j * 30 AS INTEGER)",
            "certification": "'PG'",
        }, "range(2)"
    if table == "movie_country":
        return base | {
            "country": f"({COUNTRIES})[id % 8 + 1]",
            "name": f"'Country ' || ({COUNTRIES})[id % 8 + 1]",
        }, "range(1)"
    return {}, ""


def typed_select(table: str, expressions: dict[str, str], source: str) -> str:
    """Give the SELECT of every declared column of a trusted table, in order, typed."""
    columns = ", ".join(
        f'CAST({expressions.get(c.name, "NULL")} AS {c.type}) AS "{c.name}"'
        for c in BY_NAME[table].columns
    )
    return f"SELECT {columns} FROM {source}"


def generate_dt(db: duckdb.DuckDBPyConnection, k: int, movies: int, series: int) -> None:
    """Make every trusted table of the k-th dt a temporary table named after it."""
    first = k == 0
    kinds = (
        "'details'"
        if first
        else f"CASE WHEN hash(id, {k}, 'c') % 100 < {CHANGED_PERCENT} THEN 'changes' "
        "ELSE 'discover' END"
    )
    made: set[str] = set()
    for media, title, count, key in (
        ("movie", "movie", movies, "movie_id"),
        ("tv", "series", series, "series_id"),
    ):
        offset = 0 if media == "movie" else 10_000_000
        db.execute(
            f"CREATE OR REPLACE TEMP TABLE ids AS SELECT range + 1 + {offset} AS id, "
            f"{kinds} AS source FROM range({count})"
        )
        db.execute(
            f"CREATE OR REPLACE TEMP TABLE {title} AS "
            + typed_select(title, title_columns(media, k), "ids")
        )
        made.add(title)
        genre = {key: "id", "genre_id": "g", **LINEAGE}
        db.execute(
            f"CREATE OR REPLACE TEMP TABLE {title}_genre AS "
            + typed_select(
                f"{title}_genre", genre, f"(SELECT id, UNNEST(genre_ids) AS g FROM {title})"
            )
        )
        made.add(f"{title}_genre")
    db.execute(
        "CREATE OR REPLACE TEMP TABLE genre AS "
        + typed_select(
            "genre",
            {"media": "m", "genre_id": "g", "name": "'Genre ' || m || ' ' || g", **LINEAGE},
            "(SELECT 'movie' AS m, range AS g FROM range(1, 20) UNION ALL "
            "SELECT 'tv', range FROM range(1, 17))",
        )
    )
    made.add("genre")
    for table in TABLES:
        if table.name in made:
            continue
        title = "series" if table.name.startswith("series") else "movie"
        key = "series_id" if title == "series" else "movie_id"
        expressions, per_title = child_columns(table.name, key)
        source = (
            f"(SELECT id, range AS j FROM {title}, {per_title} WHERE source <> 'discover')"
            if per_title
            else "(SELECT 1 AS id, 0 AS j WHERE false)"
        )
        db.execute(
            f"CREATE OR REPLACE TEMP TABLE {table.name} AS "
            + typed_select(table.name, expressions, source)
        )


def dt_of(k: int) -> tuple[date, str]:
    """Give the k-th dt and the build id its trusted tables are published under."""
    dt = FIRST_DAY + timedelta(days=k)
    return dt, f"{dt:%Y%m%d}T060000Z-bench{k:03d}"


def draft(dt: date, build_id: str, files: dict[str, TableFiles]) -> TrustedManifest:
    """Give a generated dt's manifest, as `transform` would write it (no raw inputs)."""
    return TrustedManifest(
        dt=dt,
        build_id=build_id,
        built_at=f"{dt.isoformat()}T07:00:00+00:00",
        contract_id=CONTRACT_ID,
        engine="bench",
        inputs=(),
        tables=files,
        cleanup_pending=False,
    )


def publish_parquet(db: duckdb.DuckDBPyConnection, lake: Path, k: int) -> None:
    """Write the k-th dt's tables as the trusted zone's Parquet files, then its manifest."""
    dt, build_id = dt_of(k)
    layout = TablesLayout()
    files = {t.name: _copy(db, lake, layout, t.name, dt, build_id) for t in TABLES}
    path = lake / layout.manifest_key(dt)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(draft(dt, build_id, files).to_json())


def _copy(
    db: duckdb.DuckDBPyConnection,
    lake: Path,
    layout: TablesLayout,
    table: str,
    dt: date,
    build: str,
) -> TableFiles:
    key = layout.data_key(table, dt, build, 0)
    (lake / key).parent.mkdir(parents=True, exist_ok=True)
    db.execute(f"COPY {table} TO '{lake / key}' (FORMAT parquet, COMPRESSION zstd)")
    rows = db.execute(f"SELECT count(*) FROM {table}").fetchone()
    return TableFiles(int(rows[0]) if rows else 0, ((key, int(rows[0]) if rows else 0),))


class IcebergTrusted:
    """The generated trusted zone as Iceberg tables (the lake's `sql` catalog), published
    through tmdb-lake's own sink (one overwrite snapshot per table and dt, under the dt's
    lease, then the dt's manifest), exactly as `transform --table-format iceberg` does.
    """

    def __init__(self, lake: Path, work: Path) -> None:
        from tmdb_lake.lake.lease import Holder
        from tmdb_lake.lake.storage import open_storage
        from tmdb_lake.settings import TransformSettings
        from tmdb_lake.trusted.lease import LeasePolicy
        from tmdb_lake.trusted.session import open_duckdb, open_sink

        settings = TransformSettings(
            lake=str(lake), table_format="iceberg", work_dir=work / "generate", memory_limit="2GB"
        )
        self.engine = open_duckdb(settings)
        self.db = self.engine.db
        self.sink = open_sink(settings, "trusted")
        self.storage = open_storage(str(lake))
        self.policy = LeasePolicy(Holder("bench", "bench-s7", "bench"))

    def publish(self, k: int) -> None:
        """Publish the k-th dt's tables (the engine's temporary tables) as snapshots."""
        asyncio.run(self._publish(*dt_of(k)))

    async def _publish(self, dt: date, build_id: str) -> None:
        from tmdb_lake.lake.lease import Partition
        from tmdb_lake.trusted.lease import LEASED_DATASET, dt_lease

        async with dt_lease(self.storage, self.sink.layout, dt, self.policy) as lease:
            await self.sink.begin(self.storage, dt, build_id, TABLES)
            written = self.sink.write(self.engine, dt, build_id, TABLES)
            generation = lease.generations[Partition(LEASED_DATASET, dt)]
            manifest = replace(draft(dt, build_id, {}), lease_generation=generation)
            await self.sink.publish(self.storage, lease, manifest, written, TABLES)


def refine(lake: Path, work: Path, table_format: str) -> dict[str, Any]:
    """Run `tmdb-lake refine --json` as a subprocess, measured."""
    env = {"PYTHONPATH": str(ROOT / "src"), "TMDB_LAKE_WORK_DIR": str(work / ".tmdb-lake")}
    command = [sys.executable, "-m", "tmdb_lake.cli", "refine", "--lake", str(lake), "--json"]
    result = measure([*command, "--table-format", table_format], env)
    if result["exit"] != 0:
        raise SystemExit(f"refine failed: {result['stderr_tail'][-1500:]}")
    summary = json.loads(result.pop("stdout"))
    result["current"] = {
        k: summary["current"][k] for k in ("mode", "seconds", "tables") if summary["current"]
    }
    result["current"]["added"] = len(summary["current"]["added"])
    result["dated_built"] = len(summary["built"])
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--titles", type=int, default=1_000_000)
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--work", type=Path, default=ROOT / "bench/out/s7")
    parser.add_argument("--out", type=Path, default=ROOT / "bench/results-s7.json")
    parser.add_argument("--quick", action="store_true", help="20,000 titles, 5 days")
    parser.add_argument(
        "--table-format",
        choices=("parquet", "iceberg"),
        default="parquet",
        help="the trusted and refined tables as Parquet folders or Iceberg tables",
    )
    args = parser.parse_args()
    if args.quick:
        args.titles, args.days = 20_000, 5
    shutil.rmtree(args.work, ignore_errors=True)
    lake = args.work / "lake"
    lake.mkdir(parents=True)
    movies = args.titles * 4 // 5
    series = args.titles - movies
    iceberg = IcebergTrusted(lake, args.work) if args.table_format == "iceberg" else None
    db = iceberg.db if iceberg else duckdb.connect(
        config={
            "memory_limit": "2GB",
            "preserve_insertion_order": False,
            "temp_directory": str(args.work / "generate-tmp"),
        }
    )  # fmt: skip

    def write_dt(k: int) -> None:
        generate_dt(db, k, movies, series)
        if iceberg:
            iceberg.publish(k)
        else:
            publish_parquet(db, lake, k)

    started = time.monotonic()
    for k in range(args.days):
        write_dt(k)
        print(f"trusted dt {k + 1}/{args.days} written ({time.monotonic() - started:.0f} s)")
    generated = time.monotonic() - started
    full = refine(lake, args.work, args.table_format)
    print(f"full build: {full['wall_s']} s wall, {full['cpu_s']} s CPU, {full['peak_rss_mb']} MB")
    write_dt(args.days)
    incremental = refine(lake, args.work, args.table_format)
    print(
        f"incremental day: {incremental['wall_s']} s wall, {incremental['cpu_s']} s CPU, "
        f"{incremental['peak_rss_mb']} MB"
    )
    size = sum(p.stat().st_size for p in (lake / "trusted").rglob("*.parquet"))
    results = {
        "titles": args.titles,
        "movies": movies,
        "series": series,
        "days": args.days,
        "changed_percent": CHANGED_PERCENT,
        "table_format": args.table_format,
        "trusted_parquet_mb": round(size / 2**20, 1),
        "generate_s": round(generated, 1),
        "cores": os.cpu_count(),
        "load_average": os.getloadavg(),
        "full": full,
        "incremental": incremental,
        "incremental_over_full_wall": round(incremental["wall_s"] / full["wall_s"], 4),
    }
    args.out.write_text(json.dumps(results, indent=2) + "\n")
    print(json.dumps({k: v for k, v in results.items() if k not in ("full", "incremental")}))


if __name__ == "__main__":
    main()
