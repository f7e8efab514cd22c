"""Bench S5/S6 (issue 12): raw -> trusted for movie details, against three baselines.

S5: N movie details (credits, keywords, external_ids, release_dates), in JSON arrays and
in JSONL, through

- `tmdb-lake transform` (the CLI, a subprocess, default settings: 1GB memory limit, all cores);
- the floor: DuckDB copying the same files to one Parquet file with no typing
  (`COPY (SELECT * FROM read_json(...)) TO ...`);
- a student-style Spark job, pyspark local[2] (`multiLine` JSON, explode cast and genres,
  `dropDuplicates`, Parquet partitioned by `dt`);
- dlt normalising the same records into Parquet tables (`loader_file_format="parquet"`).

S6: a changes day of 5,000 titles added to the lake S5 built, then `transform` again
(incremental: it builds that day only).

The raw lake is written directly from the simulator's record functions (no HTTP), with
manifests built by `RunManifest`, in two processes. Every tool runs in its own process;
wall time, CPU (user + system of the whole process tree) and peak RSS (sum over the tree,
sampled every 50 ms) are measured from outside.

    python bench/s5_trusted.py --records 100000 --out bench/out/s5
    python bench/s5_trusted.py --records 1000000 --formats jsonl --tools tmdb-lake,floor --s6

`--table-format iceberg` runs tmdb-lake's transforms with Apache Iceberg tables (the local
`sql` catalog) instead of Parquet folders (issue 15's S5/S6 with Iceberg, bench/RESULTS.md).
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import subprocess
import sys
import textwrap
import time
from datetime import date
from pathlib import Path
from typing import Any

import orjson
import psutil

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from tmdb_lake.lake.layout import LakeLayout  # noqa: E402
from tmdb_lake.lake.manifest import DatasetManifest, ManifestFile, RunManifest  # noqa: E402

DAY = date(2024, 5, 1)
CHANGES_DAY = date(2024, 5, 2)
APPENDS = ("credits", "keywords", "external_ids", "release_dates")
PER_FILE = 100
SEED = 12


def _write_parts(job: tuple[str, int, int, int, str, str, str, int]) -> list[tuple[str, int, int]]:
    root, start, stop, total, fmt, dataset, run_id, first_part = job
    from tmdb_lake.simulator import Catalog
    from tmdb_lake.simulator.records import Records

    catalog = Catalog(movies=total, series=1, seed=SEED)
    records = Records(catalog)
    ids = catalog.columns("movie").ids
    day = DAY if dataset == "movie_details" else CHANGES_DAY
    layout = LakeLayout()
    out: list[tuple[str, int, int]] = []
    batch: list[bytes] = []
    part = first_part

    def flush() -> None:
        nonlocal part, batch
        if not batch:
            return
        key = layout.data_key(dataset, day, run_id, part, fmt)  # type: ignore[arg-type]
        body = b"[\n" + b",\n".join(batch) + b"\n]" if fmt == "json" else b"\n".join(batch) + b"\n"
        path = Path(root) / key
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(body)
        out.append((key, len(batch), len(body)))
        part += 1
        batch = []

    option = orjson.OPT_INDENT_2 if fmt == "json" else 0
    for row in range(start, stop):
        if not catalog.exists("movie", ids[row]):
            continue
        batch.append(orjson.dumps(records.details("movie", row, "pt-BR", APPENDS), option=option))
        if len(batch) == PER_FILE:
            flush()
    flush()
    return out


def generate(
    root: Path, records: int, fmt: str, dataset: str, run_id: str, catalog_size: int, start: int = 0
) -> None:
    """Write `records` movie details (from row `start`) and a v2 manifest into the lake at root."""
    workers = 2
    step = -(-records // workers)
    jobs = [
        (
            str(root),
            start + i * step,
            min(start + records, start + (i + 1) * step),
            catalog_size,
            fmt,
            dataset,
            run_id,
            1 + i * (step // PER_FILE + 1),
        )
        for i in range(workers)
    ]
    with multiprocessing.Pool(workers) as pool:
        parts = [p for chunk in pool.map(_write_parts, jobs) for p in chunk]
    day = DAY if dataset == "movie_details" else CHANGES_DAY
    endpoint = "details" if dataset == "movie_details" else "changes"
    datasets = {
        dataset: DatasetManifest(
            name=dataset,
            kind="snapshot" if endpoint == "details" else "delta",
            records=sum(p[1] for p in parts),
            files=tuple(ManifestFile(k, n, b) for k, n, b in parts),
            definition={"endpoint": endpoint, "media": "movie", "language": "pt-BR"},
            definition_id=f"bench-{dataset}",
        )
    }
    genres = [
        {"id": g, "name": f"genre {g}"}
        for g in (
            12,
            14,
            16,
            18,
            27,
            28,
            35,
            36,
            37,
            53,
            80,
            99,
            878,
            9648,
            10402,
            10749,
            10751,
            10752,
            10770,
        )
    ]
    key = LakeLayout().data_key("genres_movie", day, run_id, 1, fmt)  # type: ignore[arg-type]
    body = (
        orjson.dumps(genres) if fmt == "json" else b"".join(orjson.dumps(g) + b"\n" for g in genres)
    )
    (root / key).parent.mkdir(parents=True, exist_ok=True)
    (root / key).write_bytes(body)
    datasets["genres_movie"] = DatasetManifest(
        name="genres_movie",
        kind="snapshot",
        records=len(genres),
        files=(ManifestFile(key, len(genres), len(body)),),
        definition={"endpoint": "genres", "media": "movie", "language": "pt-BR"},
        definition_id="bench-genres",
    )
    manifest = RunManifest(
        run_id=run_id,
        partition_date=day,
        complete=True,
        started_at=f"{day}T06:00:00+00:00",
        finished_at=f"{day}T06:30:00+00:00",
        datasets=datasets,
        format=fmt,
        mode="catalog" if endpoint == "details" else "changes",  # type: ignore[arg-type]
    )
    mkey = LakeLayout().manifest_key(day, run_id)
    (root / mkey).parent.mkdir(parents=True, exist_ok=True)
    (root / mkey).write_bytes(manifest.to_json())


def measure(
    command: list[str], env: dict[str, str] | None = None, cwd: Path | None = None
) -> dict[str, Any]:
    """Run a command; give wall s, CPU s (tree) and peak RSS MB (tree sum, 50 ms samples)."""
    started = time.monotonic()
    proc = psutil.Popen(
        command,
        env={**os.environ, **(env or {})},
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    peak = 0.0
    cpu: dict[int, float] = {}
    while proc.poll() is None:
        try:
            tree = [proc, *proc.children(recursive=True)]
            rss = 0
            for p in tree:
                try:
                    rss += p.memory_info().rss
                    times = p.cpu_times()
                    cpu[p.pid] = (
                        times.user + times.system + times.children_user + times.children_system
                    )
                except psutil.NoSuchProcess:
                    pass
            peak = max(peak, rss / 2**20)
        except psutil.NoSuchProcess:
            pass
        time.sleep(0.05)
    wall = time.monotonic() - started
    out, err = proc.communicate()
    usage = os.wait4 if False else None  # noqa: F841 (psutil reaped it: use its last sample)
    return {
        "wall_s": round(wall, 2),
        "cpu_s": round(sum(cpu.values()), 2),
        "peak_rss_mb": round(peak, 1),
        "exit": proc.returncode,
        "stderr_tail": err.decode(errors="replace")[-400:] if proc.returncode else "",
        "stdout": out.decode(errors="replace"),
    }


FLOOR = """
import duckdb, sys
db = duckdb.connect(config={"memory_limit": "1GB", "preserve_insertion_order": False})
db.execute("SET enable_progress_bar = false")
fmt = "array" if sys.argv[2] == "json" else "newline_delimited"
db.execute(f"COPY (SELECT * FROM read_json('{sys.argv[1]}', format='{fmt}')) TO '{sys.argv[3]}' (FORMAT parquet, COMPRESSION zstd)")
"""

SPARK = """
import sys
from pyspark.sql import SparkSession, functions as F
spark = (SparkSession.builder.master("local[2]").appName("student-trusted")
         .config("spark.driver.memory", "2g").config("spark.ui.enabled", "false").getOrCreate())
spark.sparkContext.setLogLevel("ERROR")
raw = spark.read.option("multiLine", sys.argv[2] == "json").json(sys.argv[1])
dt = F.lit("2024-05-01")
movies = raw.select("id", "title", "original_title", "overview", "release_date", "popularity",
                    "vote_average", "vote_count", "runtime", "budget", "revenue", "imdb_id").withColumn("dt", dt).dropDuplicates(["id"])
movies.write.mode("overwrite").partitionBy("dt").parquet(sys.argv[3] + "/movie")
cast = raw.select(F.col("id").alias("movie_id"), F.explode("credits.cast").alias("c")).select(
    "movie_id", F.col("c.id").alias("person_id"), "c.name", "c.character", F.col("c.order").alias("cast_order")).withColumn("dt", dt).dropDuplicates()
cast.write.mode("overwrite").partitionBy("dt").parquet(sys.argv[3] + "/movie_cast")
genres = raw.select(F.col("id").alias("movie_id"), F.explode("genres").alias("g")).select(
    "movie_id", F.col("g.id").alias("genre_id")).withColumn("dt", dt).dropDuplicates()
genres.write.mode("overwrite").partitionBy("dt").parquet(sys.argv[3] + "/movie_genre")
spark.stop()
"""

DLT = """
import sys, glob, json, os
os.environ["NORMALIZE__WORKERS"] = "2"
import dlt
files = sorted(glob.glob(sys.argv[1]))
def records():
    for path in files:
        with open(path, "rb") as fh:
            if sys.argv[2] == "json":
                yield from json.load(fh)
            else:
                for line in fh:
                    if line.strip():
                        yield json.loads(line)
resource = dlt.resource(records, name="movie_details", primary_key="id", write_disposition="replace")
pipeline = dlt.pipeline(pipeline_name="s5", destination=dlt.destinations.filesystem(bucket_url=sys.argv[3]),
                        dataset_name="trusted", pipelines_dir=sys.argv[3] + "/_pipelines")
pipeline.run(resource(), loader_file_format="parquet")
"""


def run_tool(
    tool: str, lake: Path, fmt: str, out: Path, table_format: str = "parquet"
) -> dict[str, Any]:
    pattern = str(lake / f"raw/TMDB/JSON/movie_details/{DAY:%Y/%m/%d}/*.{fmt}")
    target = out / f"{tool}-{fmt}"
    target.mkdir(parents=True, exist_ok=True)
    if tool == "tmdb-lake":
        return measure(
            [
                sys.executable,
                "-m",
                "tmdb_lake.cli",
                "transform",
                "--lake",
                str(lake),
                "--full",
                "--quiet",
                "--warn-only",
                "--table-format",
                table_format,
            ],
            env={"PYTHONPATH": str(ROOT / "src"), "TMDB_LAKE_WORK_DIR": str(out / ".work")},
        )
    script = {"floor": FLOOR, "spark": SPARK, "dlt": DLT}[tool]
    dest = str(target / "floor.parquet") if tool == "floor" else str(target)
    return measure([sys.executable, "-c", textwrap.dedent(script), pattern, fmt, dest])


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--formats", default="json,jsonl")
    parser.add_argument("--tools", default="tmdb-lake,floor,spark,dlt")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "out" / "s5")
    parser.add_argument(
        "--s6", action="store_true", help="then add a changes day and transform again"
    )
    parser.add_argument("--changes", type=int, default=5_000)
    parser.add_argument("--results", type=Path, default=None, help="append the results (JSON) here")
    parser.add_argument("--table-format", choices=("parquet", "iceberg"), default="parquet")
    args = parser.parse_args()
    results: list[dict[str, Any]] = []
    catalog_size = int(args.records * 1.02) + 100
    for fmt in args.formats.split(","):
        lake = args.out / f"lake-{fmt}-{args.records}"
        if not (lake / "raw/TMDB/_runs").exists():
            t0 = time.monotonic()
            generate(
                lake, args.records, fmt, "movie_details", "20240501T060000Z-bench000", catalog_size
            )
            print(
                f"generated {args.records:,} details ({fmt}) in {time.monotonic() - t0:.0f} s",
                flush=True,
            )
        for tool in filter(None, args.tools.split(",")):
            row = {
                "scenario": "S5",
                "tool": tool,
                "format": fmt,
                "records": args.records,
                "table_format": args.table_format,
                **run_tool(tool, lake, fmt, args.out, args.table_format),
            }
            row.pop("stdout")
            print(json.dumps(row), flush=True)
            results.append(row)
        if args.s6:
            changes = lake / f"raw/TMDB/_runs/{CHANGES_DAY:%Y/%m/%d}"
            if not changes.exists():
                generate(
                    lake,
                    args.changes,
                    fmt,
                    "movie_changes",
                    "20240502T060000Z-bench001",
                    catalog_size,
                )
            # repeatable: forget an earlier S6 build of the changes day (the big day stays built)
            state = "trusted/TMDB/" + ("ICEBERG/" if args.table_format == "iceberg" else "")
            (lake / f"{state}_manifests/dt={CHANGES_DAY.isoformat()}.json").unlink(missing_ok=True)
            command = [
                sys.executable,
                "-m",
                "tmdb_lake.cli",
                "transform",
                "--lake",
                str(lake),
                "--json",
                "--table-format",
                args.table_format,
            ]
            row = measure(
                command,
                env={
                    "PYTHONPATH": str(ROOT / "src"),
                    "TMDB_LAKE_WORK_DIR": str(args.out / ".work"),
                },
            )
            summary = json.loads(row.pop("stdout") or "{}") if row["exit"] == 0 else {}
            built = summary.get("built")
            row = {
                "scenario": "S6",
                "tool": "tmdb-lake",
                "format": fmt,
                "records": args.changes,
                "table_format": args.table_format,
                "built": built,
                **row,
            }
            print(json.dumps(row), flush=True)
            results.append(row)
    if args.results:
        previous = json.loads(args.results.read_text()) if args.results.exists() else []
        args.results.write_text(json.dumps(previous + results, indent=1))


if __name__ == "__main__":
    main()
