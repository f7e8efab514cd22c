"""The report's page size and build time for a large lake: 1,000,000 titles, 30 days.

Generates a lake in the shape the report reads (not through ingest: the report reads only
manifests, reports and tables), then runs `tmdb-lake report` on it and prints one JSON line:

- raw: 30 days, each with a catalog run (movie_details 800,000 records, series_details
  200,000, genres) and a discover run (movies, series); on 5 days an earlier catalog run,
  superseded; one unfinished staged run;
- trusted: 30 dts of `movie` (800,000 rows) and `series` (200,000 rows), each dt with a
  drift and quality report holding findings;
- refined: 800,000 `dim_movie` and 200,000 `dim_series` rows with genres (2 to 3 each),
  `fact_title_snapshot` of every title on every day (30,000,000 rows), `fact_credit` of
  20 credits per title (20,000,000 rows) over 2,000,000 people.

    python bench/report_size.py --out /tmp/big-lake [--titles 1000000] [--days 30]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from datetime import date, timedelta
from pathlib import Path

import duckdb
import orjson

from tmdb_lake.lake.layout import LakeLayout, TablesLayout
from tmdb_lake.lake.manifest import DatasetManifest, ManifestFile, RunManifest
from tmdb_lake.lake.staging import RunRecord
from tmdb_lake.trusted.manifest import TableFiles, TrustedManifest
from tmdb_lake.trusted.tables import TABLES

FIRST = date(2024, 5, 1)
GENRES = ["Action", "Adventure", "Animation", "Comedy", "Crime", "Documentary", "Drama",
          "Family", "Fantasy", "History", "Horror", "Music", "Mystery", "Romance",
          "Science Fiction", "TV Movie", "Thriller", "War", "Western"]  # fmt: skip


def write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


def raw_zone(lake: Path, days: int, movies: int, series: int) -> None:
    layout = LakeLayout()
    stats = {"requests": movies + series + 40, "retries": 120, "rate_limited": 35}
    for n in range(days):
        day = FIRST + timedelta(days=n)
        runs = {
            "catalog": {"movie_details": movies, "series_details": series, "genres_movie": 19,
                        "genres_tv": 16},
            "discover": {"movies": 10_000, "series": 10_000},
        }  # fmt: skip
        if n % 6 == 0:
            runs = {"catalog-early": runs["catalog"], **runs}
        for hour, (mode, datasets) in enumerate(runs.items()):
            run_id = f"{day:%Y%m%d}T0{hour}0000Z-{mode[:4]}0000"
            superseded = f"{day:%Y%m%d}T010000Z-cata0000" if mode == "catalog-early" else None
            content = {
                name: DatasetManifest(name, "snapshot", count,
                                      (ManifestFile(f"raw/TMDB/JSON/{name}/x.json", count, 1),),
                                      lease_generation=1 + hour, superseded_by=superseded)
                for name, count in datasets.items()
            }  # fmt: skip
            manifest = RunManifest(run_id, day, True, f"{day}T0{hour}:00:00+00:00",
                                   f"{day}T0{hour}:41:07+00:00", content,
                                   mode=mode.split("-")[0],
                                   extra={"requests": stats, "attempts": 1 + n % 2})  # fmt: skip
            write(lake / layout.manifest_key(day, run_id), manifest.to_json())
    last = FIRST + timedelta(days=days)
    record = RunRecord(f"{last:%Y%m%d}-catalog-ffff", f"{last:%Y%m%d}T000000Z-dead0000", last,
                       f"{last}T00:00:00+00:00", ("movie_details",), ("a1",))  # fmt: skip
    write(lake / layout.run_record_key(record.run_key), record.to_json())


def trusted_zone(db: duckdb.DuckDBPyConnection, lake: Path, days: int, movies: int,
                 series: int) -> None:  # fmt: skip
    layout = TablesLayout()
    declared = {t.name: t for t in TABLES}
    for n in range(days):
        dt = FIRST + timedelta(days=n)
        tables = {}
        for name, rows in (("movie", movies), ("series", series)):
            key = layout.data_key(name, dt, "bench", 0)
            write(lake / key, b"")
            columns = ", ".join(
                f'CAST({"i" if c.name == "id" else "NULL"} AS {c.type}) AS "{c.name}"'
                for c in declared[name].columns
            )
            db.execute(f"COPY (SELECT {columns} FROM range({rows}) AS r(i)) TO '{lake / key}' "
                       "(FORMAT parquet)")  # fmt: skip
            tables[name] = TableFiles(rows, ((key, rows),))
        report_key = layout.report_key(f"{dt:%Y%m%d}T090000Z-bench000", dt)
        report = {"days": [{
            "dt": dt.isoformat(), "status": "built-with-warnings",
            "unknown_fields": [{"field": f"new_field_{i}", "table": "movie", "records": 1000 + i,
                                "sampled": i % 2 == 0, "kept_in": "movie._extra",
                                "first_seen": {"key": "raw/TMDB/JSON/movie_details/x.json"}}
                               for i in range(3)],
            "type_mismatches": [{"table": "movie", "column": "budget", "set_to_null": 12}],
            "rejected": [{"dataset": "movie_details", "records": 2, "reason": "no usable id",
                          "files": ["raw/TMDB/JSON/movie_details/x.json"]}],
            "checks": [{"table": "movie_genre", "check": "relationship", "status": "skipped",
                        "offending": 0, "note": "no genre list"}],
        }]}  # fmt: skip
        write(lake / report_key, orjson.dumps(report))
        manifest = TrustedManifest(dt, "bench", "", "c", "duckdb", (), tables,
                                   report_key=report_key, cleanup_pending=False)  # fmt: skip
        write(lake / layout.manifest_key(dt), manifest.to_json())


def declared(db: duckdb.DuckDBPyConnection, name: str, sql: str) -> str:
    """Give `sql` with every column the refined table declares, in order (NULL where absent)."""
    from tmdb_lake.refined.tables import CURRENT, DATED

    given = db.sql(sql).columns
    table = next(t for t in (*CURRENT, *DATED) if t.name == name)
    picked = [
        f'"{c.name}"' if c.name in given else f'CAST(NULL AS {c.type}) AS "{c.name}"'
        for c in table.columns
    ]
    return f"SELECT {', '.join(picked)} FROM ({sql})"


def refined_zone(db: duckdb.DuckDBPyConnection, lake: Path, days: int, movies: int,
                 series: int) -> dict[str, int]:  # fmt: skip
    layout = TablesLayout(zone="refined")
    people = 2 * (movies + series)
    genres = ", ".join(f"({i + 1}, '{name}')" for i, name in enumerate(GENRES))
    tables = {
        "dim_movie": f"SELECT i AS movie_id, 'Movie ' || i AS title, 1920 + (i * 7919) % 104 AS "
                     f"release_year, (1920 + (i * 7919) % 104) // 10 * 10 AS decade "
                     f"FROM range(1, {movies + 1}) AS r(i)",
        "dim_series": f"SELECT i AS series_id, 'Series ' || i AS name, 1950 + (i * 104729) % 74 "
                      f"AS release_year, (1950 + (i * 104729) % 74) // 10 * 10 AS decade "
                      f"FROM range(1, {series + 1}) AS r(i)",
        "dim_genre": f"SELECT m.media, g.genre_id, g.name FROM (VALUES {genres}) AS g(genre_id, "
                     "name), (VALUES ('movie'), ('tv')) AS m(media)",
        "bridge_movie_genre": f"SELECT DISTINCT i AS movie_id, 1 + (i * k) % 19 AS genre_id FROM "
                              f"range(1, {movies + 1}) AS r(i), range(1, 4) AS g(k) "
                              "WHERE k < 3 OR i % 2 = 0",
        "bridge_series_genre": f"SELECT DISTINCT i AS series_id, 1 + (i * k) % 19 AS genre_id "
                               f"FROM range(1, {series + 1}) AS r(i), range(1, 3) AS g(k)",
        "dim_date": f"SELECT CAST(strftime(d, '%Y%m%d') AS INTEGER) AS date_key, CAST(d AS DATE) "
                    f"AS date FROM range(DATE '{FIRST}', DATE '{FIRST + timedelta(days=days)}', "
                    "INTERVAL 1 DAY) AS r(d)",
        "dim_person": f"SELECT i AS person_id, 'Person ' || i AS name FROM range(1, {people + 1}) "
                      "AS r(i)",
        "fact_credit": f"SELECT CASE WHEN t <= {movies} THEN 'movie' ELSE 'tv' END AS media, "
                       f"CASE WHEN t <= {movies} THEN t ELSE t - {movies} END AS title_id, "
                       f"1 + (t * 31 + k * 7919) % {people} AS person_id, "
                       "CASE WHEN k < 12 THEN 'cast' ELSE 'crew' END AS role "
                       f"FROM range(1, {movies + series + 1}) AS r(t), range(20) AS c(k)",
    }  # fmt: skip
    files: dict[str, TableFiles] = {}
    rows: dict[str, int] = {}
    for name, sql in tables.items():
        key = f"{layout.table_prefix(name)}{name}_bench_0.parquet"
        write(lake / key, b"")
        db.execute(f"COPY ({declared(db, name, sql)}) TO '{lake / key}' (FORMAT parquet)")
        rows[name] = db.execute(f"SELECT count(*) FROM '{lake / key}'").fetchone()[0]  # type: ignore[index]
        files[name] = TableFiles(rows[name], ((key, rows[name]),))
    current = TrustedManifest(None, "bench", "", "c", "duckdb", (), files, cleanup_pending=False)
    write(lake / layout.manifest_key(None), current.to_json())
    rows["fact_title_snapshot"] = 0
    for n in range(days):
        dt = FIRST + timedelta(days=n)
        key = layout.data_key("fact_title_snapshot", dt, "bench", 0)
        write(lake / key, b"")
        snapshot = (
            f"SELECT CASE WHEN t <= {movies} THEN 'movie' ELSE 'tv' END AS media, "
            f"CASE WHEN t <= {movies} THEN t ELSE t - {movies} END AS title_id, "
            f"{dt:%Y%m%d} AS date_key, ((t * 2654435761) % 100000) / 100.0 + {n} * (t % 7) "
            f"AS popularity, 5.0 AS vote_average, t % 5000 AS vote_count "
            f"FROM range(1, {movies + series + 1}) AS r(t)"
        )
        db.execute(
            f"COPY ({declared(db, 'fact_title_snapshot', snapshot)}) "
            f"TO '{lake / key}' (FORMAT parquet)"
        )
        count = movies + series
        rows["fact_title_snapshot"] += count
        listed = {"fact_title_snapshot": TableFiles(count, ((key, count),))}
        manifest = TrustedManifest(dt, "bench", "", "c", "duckdb", (), listed,
                                   cleanup_pending=False)  # fmt: skip
        write(lake / layout.manifest_key(dt), manifest.to_json())
    return rows


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--titles", type=int, default=1_000_000)
    parser.add_argument("--days", type=int, default=30)
    args = parser.parse_args()
    lake: Path = args.out / "lake"
    movies = args.titles * 4 // 5
    series = args.titles - movies
    started = time.monotonic()
    db = duckdb.connect()
    db.execute("SET threads = 2")
    raw_zone(lake, args.days, movies, series)
    trusted_zone(db, lake, args.days, movies, series)
    rows = refined_zone(db, lake, args.days, movies, series)
    db.close()
    generated = time.monotonic() - started
    page = args.out / "report.html"
    started = time.monotonic()
    env = {**os.environ, "TMDB_LAKE_DUCKDB_THREADS": "2"}
    subprocess.run([sys.executable, "-m", "tmdb_lake.cli", "report", "--lake", str(lake),
                    "--out", str(page), "--work-dir", str(args.out / "work")],
                   check=True, env=env)  # fmt: skip
    first = time.monotonic() - started
    started = time.monotonic()
    subprocess.run([sys.executable, "-m", "tmdb_lake.cli", "report", "--lake", str(lake),
                    "--out", str(page), "--work-dir", str(args.out / "work")],
                   check=True, env=env)  # fmt: skip
    again = time.monotonic() - started
    html = page.read_text("utf-8")
    specs = html.split('id="chart-specs">', 1)[1].split("</script>", 1)[0]
    print(json.dumps({
        "titles": args.titles, "days": args.days, "rows": rows,
        "page_bytes": len(html.encode()), "chart_data_bytes": len(specs.encode()),
        "generate_seconds": round(generated, 1), "report_seconds_first": round(first, 1),
        "report_seconds_cached_bundle": round(again, 1),
    }))  # fmt: skip


if __name__ == "__main__":
    main()
