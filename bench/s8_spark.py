"""Bench S8 (issue 14): the trusted and refined zones on DuckDB and on Spark local[2].

One raw day of N movie details (S5's generator: credits, keywords, release dates) and M
discover records, then `tmdb-lake transform` and `tmdb-lake refine` with `--engine duckdb`
and with `--engine spark --threads 2` (a local SparkSession: JVM start included), each on
its own copy of the lake. Wall, CPU and peak RSS of the whole process tree (the JVM is a
child of the CLI's Python), sampled every 50 ms (bench/s5_trusted.measure). The zones
are then compared (rows per table) so a fast wrong answer cannot pass.

    python bench/s8_spark.py                          # the issue's sizes: 100,000 + 1,000,000
    python bench/s8_spark.py --details 5000 --discover 50000 --out bench/out/s8
    python bench/s8_spark.py --details 5000 --discover 50000 --formats parquet,iceberg

With `--formats parquet,iceberg` each engine also builds Iceberg tables (the sql catalog in
the lake; issue 15), on its own copy of the raw day, and the rows per table of every
(engine, format) are compared with DuckDB's Parquet build.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
from pathlib import Path
from typing import Any

import orjson

sys.path.insert(0, str(Path(__file__).resolve().parent))
import s5_trusted as s5

from tmdb_lake.lake.layout import LakeLayout
from tmdb_lake.lake.manifest import DatasetManifest, ManifestFile, RunManifest

PER_FILE = 1000
"""Discover records per raw file (pages of 20 in real runs; 1,000 keeps 1M at 1,000 files)."""


def write_discover(root: Path, records: int, run_id: str) -> None:
    """Write `records` discover results of the same catalog, one run, JSONL."""
    from tmdb_lake.simulator import Catalog
    from tmdb_lake.simulator.records import Records

    catalog = Catalog(movies=records, series=1, seed=s5.SEED)
    made = Records(catalog)
    ids = catalog.columns("movie").ids
    layout, files, batch, part = LakeLayout(), [], [], 1

    def flush() -> None:
        nonlocal batch, part
        key = layout.data_key("movies", s5.DAY, run_id, part, "jsonl")
        body = b"\n".join(batch) + b"\n"
        (root / key).parent.mkdir(parents=True, exist_ok=True)
        (root / key).write_bytes(body)
        files.append(ManifestFile(key, len(batch), len(body)))
        batch, part = [], part + 1

    for row in range(records):
        if catalog.exists("movie", ids[row]):
            batch.append(orjson.dumps(dict(made.list_item("movie", row, "pt-BR"))))
            if len(batch) == PER_FILE:
                flush()
    if batch:
        flush()
    manifest = RunManifest(
        run_id=run_id,
        partition_date=s5.DAY,
        complete=True,
        started_at=f"{s5.DAY}T05:00:00+00:00",
        finished_at=f"{s5.DAY}T05:30:00+00:00",
        datasets={
            "movies": DatasetManifest(
                name="movies",
                kind="snapshot",
                records=sum(f.records for f in files),
                files=tuple(files),
                definition={"endpoint": "discover", "media": "movie", "language": "pt-BR"},
                definition_id="bench-discover",
            )
        },
        format="jsonl",
        mode="discover",
    )
    key = layout.manifest_key(s5.DAY, run_id)
    (root / key).parent.mkdir(parents=True, exist_ok=True)
    (root / key).write_bytes(manifest.to_json())


def build(
    command: str, lake: Path, engine: str, work: Path, table_format: str = "parquet"
) -> dict[str, Any]:
    """Run `transform` or `refine` on one engine, measured; give the figures and rows per table."""
    argv = [sys.executable, "-m", "tmdb_lake.cli", command, "--lake", str(lake)]
    argv += ["--engine", engine, "--threads", "2", "--work-dir", str(work), "--json"]
    argv += ["--table-format", table_format]
    argv += ["--memory-limit", "3GB" if engine == "spark" else "1GB"]
    result = s5.measure(argv, env={"PYTHONPATH": str(s5.ROOT / "src")})
    summary = json.loads(result.pop("stdout")) if result["exit"] == 0 else {}
    if command == "transform":
        result["tables"] = summary.get("days", [{}])[0].get("tables", {}) if summary else {}
    else:
        units = [summary.get("current") or {}, *summary.get("days", [])] if summary else []
        result["tables"] = {
            f"{u.get('unit')}:{name}": rows
            for u in units
            for name, rows in u.get("tables", {}).items()
        }
    return result


def over(a: dict[str, Any], b: dict[str, Any]) -> dict[str, float | None]:
    """Give a's wall, CPU and peak RSS over b's."""
    keys = ("wall_s", "cpu_s", "peak_rss_mb")
    return {k: round(a[k] / b[k], 2) if b[k] else None for k in keys}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--details", type=int, default=100_000)
    parser.add_argument("--discover", type=int, default=1_000_000)
    parser.add_argument("--out", type=Path, default=s5.ROOT / "bench" / "out" / "s8")
    parser.add_argument("--formats", default="parquet", help="parquet, or parquet,iceberg")
    args = parser.parse_args()
    formats = args.formats.split(",")
    shutil.rmtree(args.out, ignore_errors=True)
    raw = args.out / "raw"
    catalog = max(args.details, args.discover)
    s5.generate(raw, args.details, "jsonl", "movie_details", "20240501T063000Z-bench0d1", catalog)
    write_discover(raw, args.discover, "20240501T053000Z-bench0d2")
    runs: dict[str, dict[str, Any]] = {"transform": {}, "refine": {}}
    for table_format in formats:
        for engine in ("duckdb", "spark"):
            label = engine if table_format == "parquet" else f"{engine}-{table_format}"
            lake = args.out / label
            shutil.copytree(raw, lake)
            for command in ("transform", "refine"):
                work = args.out / f"work-{label}"
                done = build(command, lake, engine, work, table_format)
                runs[command][label] = done
                print(command, label, {k: v for k, v in done.items() if k != "tables"}, flush=True)
    same, ratios, iceberg = {}, {}, {}
    for command, by_engine in runs.items():
        duck = by_engine["duckdb"]
        same[command] = all(
            r["tables"] == duck["tables"] and r["tables"] for r in by_engine.values()
        )
        ratios[command] = over(by_engine["spark"], duck)
        iceberg[command] = {
            e: over(by_engine[f"{e}-iceberg"], by_engine[e])
            for e in ("duckdb", "spark")
            if f"{e}-iceberg" in by_engine
        }
    result = {
        "details": args.details,
        "discover": args.discover,
        "raw_mb": round(sum(p.stat().st_size for p in raw.rglob("*.jsonl")) / 2**20, 1),
        "load_average": list(os.getloadavg()),
        "same_rows_per_table": same,
        "runs": runs,
        "spark_over_duckdb": ratios,
        "iceberg_over_parquet": iceberg,
    }
    print(json.dumps(result, indent=2))
    (args.out / "results-s8.json").write_text(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
