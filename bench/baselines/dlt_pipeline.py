"""dlt's ``rest_api`` source into its ``filesystem`` destination: the alternative a user picks.

Configured for the same discover query as the other tools, the way dlt's docs say:
``page_number`` paginator (``base_page=1``, ``total_path="total_pages"``,
``maximum_page``), data selector ``results``, bearer auth, local ``bucket_url``,
``loader_file_format="jsonl"``. Details (S2) are a child resource whose path resolves
``id`` from the discover parent (dlt's ``resolve`` param), single page, selector ``$``.

Its parallel options are on wherever it has them:

- ``parallelized=True`` on every resource: generators run in dlt's extract thread pool,
  side by side (S3's date windows), and the details child's per-id calls are deferred
  into that pool instead of being made one by one;
- ``EXTRACT__WORKERS`` (default here 16, as tmdb-lake's ``--concurrency``) sizes that pool;
- ``NORMALIZE__WORKERS`` (default here 2, this machine's cores) and dlt's default of
  20 load workers.

Two choices favour dlt and are stated in bench/RESULTS.md: ``max_table_nesting=0`` (each
record is kept whole in one table, as a raw zone wants, and dlt skips unnesting
``genre_ids`` or a details record's cast into child tables), and S3's date windows
are given to it ready-made (tmdb-lake finds its own).

``--compiled-selector`` (the "dlt-tuned" rows) passes the data selectors as compiled
``jsonpath_ng`` objects instead of strings. dlt 1.31 compiles a string selector again
for every response (``dlt.common.jsonpath.find_values`` -> ``compile_path`` ->
``jsonpath_ng.ext.parse``, which rebuilds its PLY parser tables each time): about 50 ms
of CPU per page on this machine, most of dlt's cost per page. The documented string
form is the main "dlt" row; the tuned row shows dlt without that cost.

``maximum_page`` in dlt is exclusive ("stop once this page is reached"): with
``maximum_page=500`` it stops after page 499. The harness passes ``pages + 1`` so that
dlt reads the same 500 pages as the others; ``--maximum-page 500`` shows the difference.

    python bench/baselines/dlt_pipeline.py --base-url http://127.0.0.1:8000/3 \\
        --out /tmp/dlt --params '{"with_genres": "16,35"}' --maximum-page 501
"""

from __future__ import annotations

import argparse
import json
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any


def build_config(
    base_url: str,
    token: str,
    media: str,
    params: dict[str, Any],
    windows: list[dict[str, Any]],
    maximum_page: int | None,
    details_params: dict[str, Any] | None,
    selector: Callable[[str], Any] = str,
) -> dict[str, Any]:
    """Give the ``RESTAPIConfig``: one discover resource per window, details as a child."""
    paginator: dict[str, Any] = {
        "type": "page_number",
        "base_page": 1,
        "page_param": "page",
        "total_path": "total_pages",
    }
    if maximum_page is not None:
        paginator["maximum_page"] = maximum_page
    table = "movies" if media == "movie" else "series"
    resources: list[dict[str, Any]] = []
    for index, window in enumerate(windows or [{}]):
        resources.append(
            {
                "name": table if len(windows) <= 1 else f"{table}_w{index:02d}",
                "table_name": table,
                "parallelized": True,
                "endpoint": {
                    "path": f"discover/{media}",
                    "params": {**params, **window},
                    "paginator": paginator,
                    "data_selector": selector("results"),
                },
            }
        )
    if details_params is not None:
        parent = resources[0]["name"]
        resources.append(
            {
                "name": f"{media}_details",
                "parallelized": True,
                "endpoint": {
                    "path": f"{media}/{{tmdb_id}}",
                    "params": {
                        "tmdb_id": {"type": "resolve", "resource": parent, "field": "id"},
                        **details_params,
                    },
                    "paginator": "single_page",
                    "data_selector": selector("$"),
                },
            }
        )
    return {
        "client": {
            "base_url": base_url.rstrip("/") + "/",
            "auth": {"type": "bearer", "token": token},
        },
        "resources": resources,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base-url", required=True)
    parser.add_argument("--token", default=os.environ.get("TMDB_ACCESS_TOKEN", "simulator-token"))
    parser.add_argument("--media", default="movie", choices=("movie", "tv"))
    parser.add_argument("--params", required=True, help="JSON: discover params")
    parser.add_argument("--windows", default=None, help="JSON: list of extra-param dicts")
    parser.add_argument("--maximum-page", type=int, default=None, help="dlt's (exclusive)")
    parser.add_argument("--details", action="store_true")
    parser.add_argument("--details-params", default='{"language": "pt-BR"}', help="JSON")
    parser.add_argument("--workers", type=int, default=16, help="EXTRACT__WORKERS")
    parser.add_argument("--normalize-workers", type=int, default=2)
    parser.add_argument("--compiled-selector", action="store_true", help="see the docstring")
    parser.add_argument("--out", required=True, help="bucket_url: a local folder")
    args = parser.parse_args(argv)

    work = Path(args.out).resolve()
    os.environ.setdefault("EXTRACT__WORKERS", str(args.workers))
    os.environ.setdefault("EXTRACT__MAX_PARALLEL_ITEMS", str(max(20, args.workers * 2)))
    os.environ.setdefault("NORMALIZE__WORKERS", str(args.normalize_workers))
    os.environ.setdefault("RUNTIME__DLTHUB_TELEMETRY", "false")
    os.environ.setdefault("RUNTIME__LOG_LEVEL", "WARNING")

    import dlt  # after the environment: dlt reads its config from it
    from dlt.common.jsonpath import compile_path
    from dlt.destinations import filesystem
    from dlt.sources.rest_api import rest_api_source

    config = build_config(
        args.base_url,
        args.token,
        args.media,
        json.loads(args.params),
        json.loads(args.windows) if args.windows else [],
        args.maximum_page,
        json.loads(args.details_params) if args.details else None,
        compile_path if args.compiled_selector else str,
    )
    source = rest_api_source(config, name="tmdb", max_table_nesting=0)  # type: ignore[arg-type]
    pipeline = dlt.pipeline(
        pipeline_name="tmdb_bench",
        pipelines_dir=str(work / "_pipelines"),
        destination=filesystem(bucket_url=(work / "lake").as_uri()),
        dataset_name="tmdb",
    )
    started = time.monotonic()
    pipeline.run(source, loader_file_format="jsonl")
    trace = pipeline.last_trace
    rows = dict(trace.last_normalize_info.row_counts) if trace.last_normalize_info else {}
    steps = {
        step.step: round((step.finished_at - step.started_at).total_seconds(), 3)
        for step in trace.steps
        if step.finished_at is not None
    }
    summary = {"seconds": round(time.monotonic() - started, 3), "steps": steps, "row_counts": rows}
    print(json.dumps(summary))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
