"""The deployable zip: built as for Lambda, unpacked into an empty folder, run from there.

Only boto3 (which the Lambda runtime provides) sits beside it, under python3.12 when the
machine has it (Lambda's runtime), against the simulator and a real S3 server.
"""

from __future__ import annotations

import importlib.util
import json
import platform
import shutil
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tmdb_lake.simulator import Catalog, SimulatorConfig, SimulatorServer

ROOT = Path(__file__).resolve().parents[2]
MAX_ZIP_BYTES = 5 * 1024 * 1024

RUNNER = """
import json, sys, time
started = time.perf_counter()
import tmdb_lake.aws_lambda as handler
imported = time.perf_counter() - started

class Context:
    def get_remaining_time_in_millis(self):
        return 600_000

event = {"time": "2024-05-01T06:00:00Z", "limit": 30}
response = handler.lambda_handler(event, Context())
print(json.dumps({"import_s": imported, "response": response,
                  "paths": [m.__file__ for m in (handler,)]}))
"""


def lambda_python() -> str:
    """Lambda's python3.12 when this machine has it, else this interpreter."""
    candidates = [
        shutil.which("python3.12"),
        *map(str, Path.home().glob(".pyenv/versions/3.12*/bin/python3.12")),
    ]
    for candidate in filter(None, candidates):
        probe = subprocess.run([candidate, "-c", "import sys"], capture_output=True)
        if probe.returncode == 0:
            return candidate
    return sys.executable


def load_builder():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location(
        "build_lambda_zip", ROOT / "deploy/build_lambda_zip.py"
    )
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def unpacked(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, Path, str]]:
    work = tmp_path_factory.mktemp("lambda")
    python = lambda_python()
    version = subprocess.run(
        [python, "-c", "import sys; print(f'{sys.version_info[0]}.{sys.version_info[1]}')"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    arch = "arm64" if platform.machine() in ("aarch64", "arm64") else "x86_64"
    archive = load_builder().build(arch, version, work / "tmdb-lake-lambda.zip")
    assert archive.stat().st_size <= MAX_ZIP_BYTES
    function = work / "function"
    with zipfile.ZipFile(archive) as zipped:
        names = zipped.namelist()
        assert not any(name.startswith(("boto3/", "botocore/")) for name in names)
        assert "tmdb_lake/aws_lambda.py" in names
        zipped.extractall(function)
    runtime = work / "runtime"  # what the Lambda runtime provides: boto3 and its deps
    subprocess.run(
        [python, "-m", "pip", "install", "-qq", "--target", str(runtime), "boto3"],
        check=True,
        capture_output=True,
    )
    yield function, runtime, python


def test_zip_runs_the_handler_with_only_boto3_beside_it(unpacked, s3_bucket):  # type: ignore[no-untyped-def]
    function, runtime, python = unpacked
    catalog = Catalog(movies=2_000, series=1_500, seed=1)
    with SimulatorServer(catalog, SimulatorConfig()) as sim:
        env = {
            **s3_bucket.server.env(),
            "TMDB_API_URL": sim.api_url,
            "TMDB_ACCESS_TOKEN": "simulator-token",
            "TMDB_LAKE_URI": f"s3://{s3_bucket.name}/lake",
            "TMDB_LAKE_RATE_LIMIT": "1000",
            "PATH": "/usr/bin:/bin",
        }
        # -I -S: no site-packages, no PYTHONPATH, no user site: only the zip and boto3.
        code = f"import sys; sys.path[:0] = [{str(function)!r}, {str(runtime)!r}]\n" + RUNNER
        proc = subprocess.run(
            [python, "-I", "-S", "-c", code], env=env, capture_output=True, text=True, timeout=300
        )
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    assert out["paths"][0].startswith(str(function))
    response = out["response"]
    assert response["statusCode"] == 200, response
    body = json.loads(response["body"])
    assert body["complete"] is True and body["records"]["movies"] == 30
    client = s3_bucket.server.client(attempts=3)
    keys = [o["Key"] for o in client.list_objects_v2(Bucket=s3_bucket.name)["Contents"]]
    assert any(k.startswith("lake/raw/TMDB/JSON/movies/2024/05/01/") for k in keys)
    assert any(k.startswith("lake/raw/TMDB/_runs/2024/05/01/") for k in keys)
    print(f"cold import of tmdb_lake.aws_lambda: {out['import_s'] * 1000:.0f} ms")
