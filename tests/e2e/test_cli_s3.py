"""`tmdb-lake ingest` into a real S3 server (SeaweedFS, SigV4-checked), as a subprocess."""

from __future__ import annotations

import json
from pathlib import Path

from support import expected_ids  # type: ignore[import-not-found]
from tmdb_lake.simulator import Catalog


def bucket_objects(s3_bucket) -> dict[str, bytes]:  # type: ignore[no-untyped-def]
    client = s3_bucket.server.client(attempts=3)
    out: dict[str, bytes] = {}
    for page in client.get_paginator("list_objects_v2").paginate(Bucket=s3_bucket.name):
        for item in page.get("Contents", []):
            body = client.get_object(Bucket=s3_bucket.name, Key=item["Key"])["Body"].read()
            out[item["Key"]] = body
    return out


def test_limit_100_lands_in_the_bucket(tmdb_lake, s3_bucket, e2e_catalog: Catalog, tmp_path: Path):
    result = tmdb_lake(
        "ingest",
        "--lake",
        f"s3://{s3_bucket.name}/datalake",
        "--limit",
        "100",
        "--date",
        "2024-05-01",
        "--keep-local",
        "copy",
        "--json",
        env=s3_bucket.server.env(),
    )
    assert result.code == 0, result.stderr
    summary = result.json()
    assert summary["lake"].startswith(f"s3://{s3_bucket.name}/datalake (+ local copy in ")
    objects = bucket_objects(s3_bucket)
    movies = [k for k in objects if k.startswith("datalake/raw/TMDB/JSON/movies/2024/05/01/")]
    series = [k for k in objects if k.startswith("datalake/raw/TMDB/JSON/series/2024/05/01/")]
    assert len(movies) == len(series) == 1
    assert [r["id"] for r in json.loads(objects[movies[0]])] == expected_ids(e2e_catalog, "movie")[
        :100
    ]
    assert [r["id"] for r in json.loads(objects[series[0]])] == expected_ids(e2e_catalog, "tv")[
        :100
    ]
    manifest = json.loads(objects["datalake/" + summary["manifest"]])
    assert manifest["complete"] is True
    assert not [k for k in objects if "/_staging/" in k]
    # the same objects, byte for byte, were kept locally
    for key, body in objects.items():
        local = tmp_path / "copy" / key.removeprefix("datalake/")
        assert local.read_bytes() == body


def test_original_dotenv_bucket_name(tmdb_lake, s3_bucket, tmp_path: Path):
    env = s3_bucket.server.env()
    (tmp_path / ".env").write_text(
        f"API_KEY=simulator-key\nBUCKET_NAME={s3_bucket.name}\n"
        f"AWS_ACCESS_KEY={env.pop('AWS_ACCESS_KEY_ID')}\nAWS_SECRET_KEY={env.pop('AWS_SECRET_ACCESS_KEY')}\n"
    )
    result = tmdb_lake(
        "ingest", "--limit", "20", "--media", "movie", env={**env, "TMDB_ACCESS_TOKEN": ""}
    )
    assert result.code == 0, result.stderr
    keys = bucket_objects(s3_bucket)
    assert any(k.startswith("raw/TMDB/JSON/movies/") for k in keys)


def test_wrong_s3_secret_fails_with_one_line_and_exit_1(tmdb_lake, s3_bucket):
    env = {**s3_bucket.server.env(), "AWS_SECRET_ACCESS_KEY": "not-the-secret-at-all"}
    result = tmdb_lake("ingest", "--lake", f"s3://{s3_bucket.name}", "--limit", "5", env=env)
    assert result.code == 1
    assert "SignatureDoesNotMatch" in result.stderr
    assert "not-the-secret-at-all" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
