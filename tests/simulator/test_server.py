"""The HTTP server: lifecycle, keep-alive, concurrency, HEAD, public surface, CLI."""

from __future__ import annotations

import os
import re
import selectors
import signal
import socket
import subprocess
import sys
import threading

import httpx
import pytest

import tmdb_lake.simulator as simulator
from tmdb_lake.simulator import Catalog, SimulatorServer
from tmdb_lake.simulator.cli import main

KEY = {"api_key": "simulator-key"}


def test_public_surface() -> None:
    assert set(simulator.__all__) == {
        "Catalog",
        "SimulatorConfig",
        "SimulatorServer",
        "SimulatorStats",
        "serve_forever",
    }


def test_start_stop_and_port_reuse_error(catalog: Catalog) -> None:
    server = SimulatorServer(catalog).start()
    try:
        assert re.fullmatch(r"http://127\.0\.0\.1:\d+/3", server.api_url)
        assert server.exports_url == server.api_url[:-2] + "/p/exports"
        with pytest.raises(OSError):
            SimulatorServer(catalog, port=server.port).start()
    finally:
        server.stop()
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"{server.api_url}/genre/movie/list", params=KEY)
    server.stop()  # stopping twice is harmless


def test_keep_alive_serves_many_requests_on_one_connection(server: SimulatorServer) -> None:
    with socket.create_connection(("127.0.0.1", server.port)) as sock:
        stream = sock.makefile("rb")
        for _ in range(3):
            sock.sendall(b"GET /3/genre/tv/list?api_key=simulator-key HTTP/1.1\r\nHost: x\r\n\r\n")
            status = stream.readline()
            headers = {}
            while (line := stream.readline()) != b"\r\n":
                name, _, value = line.decode().partition(":")
                headers[name.lower()] = value.strip()
            body = stream.read(int(headers["content-length"]))
            assert status.startswith(b"HTTP/1.1 200")
            assert headers["connection"] == "keep-alive"
            assert body.startswith(b'{"genres":')
        stream.close()


def test_fifty_concurrent_keep_alive_clients(server: SimulatorServer) -> None:
    failures: list[object] = []
    limits = httpx.Limits(max_connections=50, max_keepalive_connections=50)
    barrier = threading.Barrier(50)

    def client(http: httpx.Client, n: int) -> None:
        try:
            barrier.wait(timeout=10)  # all 50 in flight together, each on its own connection
            for page in range(1, 5):
                response = http.get("/discover/movie", params={"page": page + n % 5})
                assert response.status_code == 200
        except Exception as error:  # collected: assertion errors don't cross threads
            failures.append(error)

    before = server.stats.requests
    with httpx.Client(base_url=server.api_url, params=KEY, limits=limits) as http:
        threads = [threading.Thread(target=client, args=(http, n)) for n in range(50)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert failures == []
    assert server.stats.requests - before == 200


def test_head_and_other_methods(server: SimulatorServer) -> None:
    head = httpx.head(f"{server.api_url}/genre/movie/list", params=KEY)
    assert head.status_code == 200 and head.content == b""
    assert int(head.headers["content-length"]) > 0
    post = httpx.post(f"{server.api_url}/genre/movie/list", params=KEY, json={})
    assert post.status_code == 405 and post.json()["status_code"] == 42


def test_cli_rejects_invalid_rates(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--error-rate", "2", "--movies", "10", "--series", "1"]) == 2
    assert "error_rate" in capsys.readouterr().err


def test_python_m_serves_until_interrupted() -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "tmdb_lake.simulator", "--movies", "200", "--series", "20"],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        with selectors.DefaultSelector() as selector:  # never hang the suite on a mute child
            selector.register(process.stdout, selectors.EVENT_READ)
            assert selector.select(timeout=30), "the simulator printed nothing in 30 s"
        lines = [process.stdout.readline() for _ in range(3)]
        api_url = re.search(r"api:\s+(\S+)", "".join(lines))
        assert api_url, lines
        response = httpx.get(f"{api_url[1]}/discover/tv", params=KEY)
        assert response.status_code == 200 and response.json()["total_results"] > 0
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=10) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


_DIGEST_SCRIPT = """
import hashlib
from datetime import UTC, datetime
from tmdb_lake.simulator import Catalog
from tmdb_lake.simulator.api import TmdbApi

catalog = Catalog(movies=400, series=80, seed=9)
api = TmdbApi(catalog, api_key="k", access_token="t", now=lambda: datetime(2024, 6, 1, tzinfo=UTC))
digest = hashlib.sha256()
for media in ("movie", "tv"):
    for language in ("en-US", "pt-BR"):
        for page in ("1", "2"):
            q = {"page": page, "language": language, "sort_by": "vote_average.desc"}
            digest.update(api.handle_api(f"/3/discover/{media}", q).body)
        digest.update(api.handle_api(f"/3/genre/{media}/list", {"language": language}).body)
    appends = "credits,keywords,external_ids,release_dates,content_ratings,videos,images,"
    for title_id in catalog.export_ids(media, datetime(2024, 1, 1).date())[:25]:
        q = {"append_to_response": appends + "translations,alternative_titles"}
        digest.update(api.handle_api(f"/3/{media}/{title_id}", q).body)
    digest.update(api.handle_api(f"/3/{media}/changes", {}).body)
    name = "movie_ids" if media == "movie" else "tv_series_ids"
    digest.update(b"".join(api.handle_export(f"/p/exports/{name}_05_31_2024.json.gz").stream))
print(digest.hexdigest())
"""


def test_responses_are_byte_identical_across_processes_and_hash_seeds() -> None:
    def digest(hash_seed: str) -> str:
        env = {**os.environ, "PYTHONHASHSEED": hash_seed}
        run = subprocess.run(
            [sys.executable, "-c", _DIGEST_SCRIPT], env=env, capture_output=True, text=True
        )
        assert run.returncode == 0, run.stderr
        return run.stdout.strip()

    assert digest("1") == digest("2")
