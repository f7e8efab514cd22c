"""A refined-shaped zone for the report's tests, derived from a lake's trusted tables.

Until `tmdb-lake refine` (issue 13) is on main, this writes the refined model's tables with
DuckDB, with issue 13's names, from the trusted zone that a real ingest and transform made:
`fact_title_snapshot` partitioned by dt, the dimensions and bridges (the latest state of
each title, SCD type 1) and `fact_credit` unpartitioned, and per-dt manifests in the
trusted zone's format (`TablesLayout(zone="refined")`), the newest one listing the
unpartitioned tables. When the refined zone lands, the tests build it with `refine`.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import orjson

DT_TABLES = ("fact_title_snapshot",)

# Each trusted table as a view over its files (the fixture's lake has one build per dt).
TRUSTED = ("movie", "series", "genre", "movie_genre", "series_genre", "movie_cast", "movie_crew",
           "series_cast", "series_crew")  # fmt: skip

LATEST = """
CREATE TEMP TABLE latest AS
SELECT 'movie' AS media, id, max(dt) AS dt FROM movie GROUP BY id
UNION ALL SELECT 'tv', id, max(dt) FROM series GROUP BY id
"""

TABLES = {
    "dim_movie": """
        SELECT m.id AS movie_id, m.title, m.imdb_id, m.popularity,
               year(m.release_date) AS release_year, year(m.release_date) // 10 * 10 AS decade,
               f.first_seen_dt, f.last_seen_dt
        FROM movie AS m JOIN latest AS l ON l.media = 'movie' AND l.id = m.id AND l.dt = m.dt
        JOIN (SELECT id, min(dt) AS first_seen_dt, max(dt) AS last_seen_dt FROM movie
              GROUP BY id) AS f ON f.id = m.id""",
    "dim_series": """
        SELECT s.id AS series_id, s.name, s.imdb_id, s.popularity,
               year(s.first_air_date) AS release_year,
               year(s.first_air_date) // 10 * 10 AS decade
        FROM series AS s JOIN latest AS l ON l.media = 'tv' AND l.id = s.id AND l.dt = s.dt""",
    "dim_genre": """
        SELECT media, genre_id, name FROM genre
        QUALIFY row_number() OVER (PARTITION BY media, genre_id ORDER BY dt DESC) = 1""",
    "bridge_movie_genre": """
        SELECT g.movie_id, g.genre_id FROM movie_genre AS g
        JOIN latest AS l ON l.media = 'movie' AND l.id = g.movie_id AND l.dt = g.dt""",
    "bridge_series_genre": """
        SELECT g.series_id, g.genre_id FROM series_genre AS g
        JOIN latest AS l ON l.media = 'tv' AND l.id = g.series_id AND l.dt = g.dt""",
    "dim_date": """
        SELECT CAST(strftime(dt, '%Y%m%d') AS INTEGER) AS date_key, dt AS date, year(dt) AS year,
               month(dt) AS month, quarter(dt) AS quarter, year(dt) // 10 * 10 AS decade
        FROM (SELECT DISTINCT dt FROM movie UNION SELECT DISTINCT dt FROM series)""",
    "fact_credit": """
        WITH credits AS (
            SELECT 'movie' AS media, movie_id AS title_id, person_id, name, 'cast' AS role,
                   NULL AS department, NULL AS job, character, cast_order, dt FROM movie_cast
            UNION ALL SELECT 'movie', movie_id, person_id, name, 'crew', department, job, NULL,
                   NULL, dt FROM movie_crew
            UNION ALL SELECT 'tv', series_id, person_id, name, 'cast', NULL, NULL, character,
                   cast_order, dt FROM series_cast
            UNION ALL SELECT 'tv', series_id, person_id, name, 'crew', department, job, NULL,
                   NULL, dt FROM series_crew
        )
        SELECT c.media, c.title_id, c.person_id, c.role, c.department, c.job, c.character,
               c.cast_order
        FROM credits AS c JOIN latest AS l ON l.media = c.media AND l.id = c.title_id
            AND l.dt = c.dt""",
    "dim_person": """
        SELECT person_id, any_value(name) AS name FROM (
            SELECT person_id, name FROM movie_cast UNION ALL SELECT person_id, name FROM movie_crew
            UNION ALL SELECT person_id, name FROM series_cast
            UNION ALL SELECT person_id, name FROM series_crew) GROUP BY person_id""",
}

SNAPSHOT = """
SELECT 'movie' AS media, id AS title_id, CAST(strftime(dt, '%Y%m%d') AS INTEGER) AS date_key,
       popularity, vote_average, vote_count, budget, revenue, dt FROM movie
UNION ALL
SELECT 'tv', id, CAST(strftime(dt, '%Y%m%d') AS INTEGER), popularity, vote_average, vote_count,
       NULL, NULL, dt FROM series
"""


def write_refined(lake: Path, build_id: str = "20240502T000000Z-fixture0") -> dict[str, int]:
    """Write the refined fixture from the lake's trusted zone; give the rows per table."""
    db = duckdb.connect()
    for name in TRUSTED:
        files = sorted((lake / "trusted/TMDB/PARQUET" / name).glob("dt=*/*.parquet"))
        listed = "[" + ", ".join(f"'{f}'" for f in files) + "]"
        db.execute(
            f"CREATE VIEW {name} AS SELECT * FROM read_parquet({listed}, hive_partitioning = true, "
            "hive_types = {'dt': DATE})"
        )
    db.execute(LATEST)
    root = lake / "refined/TMDB/PARQUET"
    rows: dict[str, int] = {}
    unpartitioned: dict[str, dict[str, object]] = {}
    for name, sql in TABLES.items():
        key = f"refined/TMDB/PARQUET/{name}/{name}_{build_id}_0.parquet"
        (lake / key).parent.mkdir(parents=True, exist_ok=True)
        db.execute(f"COPY ({sql}) TO '{lake / key}' (FORMAT parquet)")
        rows[name] = int(db.execute(f"SELECT count(*) FROM ({sql})").fetchone()[0])  # type: ignore[index]
        unpartitioned[name] = {"rows": rows[name], "files": [{"key": key, "rows": rows[name]}]}
    dts = [
        r[0]
        for r in db.execute("SELECT DISTINCT dt FROM (" + SNAPSHOT + ") ORDER BY dt").fetchall()
    ]
    rows["fact_title_snapshot"] = 0
    for index, dt in enumerate(dts):
        name = f"fact_title_snapshot_{build_id}_0.parquet"
        key = f"refined/TMDB/PARQUET/fact_title_snapshot/dt={dt}/{name}"
        (lake / key).parent.mkdir(parents=True, exist_ok=True)
        select = f"SELECT * EXCLUDE (dt) FROM ({SNAPSHOT}) WHERE dt = DATE '{dt}'"
        db.execute(f"COPY ({select}) TO '{lake / key}' (FORMAT parquet)")
        count = int(db.execute(f"SELECT count(*) FROM ({select})").fetchone()[0])  # type: ignore[index]
        rows["fact_title_snapshot"] += count
        tables: dict[str, object] = {
            "fact_title_snapshot": {"rows": count, "files": [{"key": key, "rows": count}]}
        }
        if index == len(dts) - 1:
            tables.update(unpartitioned)
        manifest = {
            "manifest_version": 1, "dt": str(dt), "build_id": build_id,
            "built_at": "2024-05-02T00:00:00+00:00", "engine": "duckdb",
            "contract_id": "refined-fixture", "lease_generation": 1, "cleanup_pending": False,
            "report_key": None, "inputs": [], "tables": tables, "checks": [],
        }  # fmt: skip
        path = lake / f"refined/TMDB/_manifests/dt={dt}.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(orjson.dumps(manifest, option=orjson.OPT_INDENT_2))
    db.close()
    assert root.is_dir()
    return rows
