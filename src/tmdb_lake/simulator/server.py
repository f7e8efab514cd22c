"""The HTTP/1.1 server of the simulated TMDB: asyncio streams in a background thread.

asyncio rather than ``http.server``: one thread serves many keep-alive connections, delays
(latency, slow responses) cost no thread, and it answers a few thousand small requests a
second, which the benchmarks need. Example::

    with SimulatorServer(Catalog(movies=1_000)) as server:
        httpx.get(f"{server.api_url}/genre/movie/list", params={"api_key": "simulator-key"})
"""

from __future__ import annotations

import asyncio
import logging
import signal
import threading
import time
from collections.abc import Callable, Mapping
from datetime import datetime
from email.utils import formatdate
from http import HTTPStatus
from types import FrameType, TracebackType
from urllib.parse import parse_qsl, unquote

from tmdb_lake.simulator import oddities
from tmdb_lake.simulator.api import (
    Response,
    TmdbApi,
    not_found,
    tmdb_error,
    unauthorized,
)
from tmdb_lake.simulator.catalog import Catalog
from tmdb_lake.simulator.faults import (
    NO_FAULT,
    FaultDraw,
    FaultInjector,
    RateLimiter,
    SimulatorConfig,
    SimulatorStats,
    retry_after_header,
)

__all__ = ["SimulatorConfig", "SimulatorServer", "SimulatorStats", "serve_forever"]

log = logging.getLogger(__name__)

_MAX_HEAD = 64 * 1024
_SERVER_ERRORS = {
    500: (11, "Internal error: Something went wrong, contact TMDB."),
    502: (43, "Couldn't connect to the backend server."),
    503: (9, "Service offline: This service is temporarily offline, try again later."),
    504: (24, "Your request to the backend server timed out. Try again."),
}


def throttled(wait_s: float) -> Response:
    """Give TMDB's 429 with a ``Retry-After`` in whole seconds."""
    response = tmdb_error(429, 25, "Your request count (#) is over the allowed limit of (40).")
    return Response(
        429, response.body, response.content_type, (("Retry-After", retry_after_header(wait_s)),)
    )


def server_error(status: int, html: bool) -> Response:
    """Give a 5xx: TMDB's JSON envelope, or the HTML page a CDN edge sends."""
    if not html:
        code, message = _SERVER_ERRORS[status]
        return tmdb_error(status, code, message)
    phrase = f"{status} {HTTPStatus(status).phrase}"
    page = (
        f"<html>\r\n<head><title>{phrase}</title></head>\r\n<body>\r\n"
        f"<center><h1>{phrase}</h1></center>\r\n<hr><center>CloudFront</center>\r\n"
        "</body>\r\n</html>\r\n"
    )
    return Response(status, page.encode(), "text/html")


def _parse_head(head: bytes) -> tuple[str, str, str, dict[str, str]] | None:
    try:
        lines = head.decode("latin-1").split("\r\n")
        method, target, version = lines[0].split(" ")
    except ValueError:
        return None
    headers = {}
    for line in lines[1:]:
        name, sep, value = line.partition(":")
        if sep:
            headers[name.strip().lower()] = value.strip()
    return method, target, version, headers


class SimulatorServer:
    """A simulated TMDB v3 API and export CDN on localhost; a context manager.

    Args:
        catalog: the titles to serve.
        config: auth, latency, rate limit and fault knobs.
        host: interface to bind.
        port: TCP port; 0 picks a free one (read it back from ``port`` or ``api_url``).
        now: clock for export publication and the default changes window (aware UTC).

    """

    def __init__(
        self,
        catalog: Catalog,
        config: SimulatorConfig = SimulatorConfig(),  # noqa: B008 - frozen, safe to share
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        now: Callable[[], datetime] | None = None,
    ) -> None:
        self.catalog = catalog
        self.config = config
        self.host = host
        self.port = port
        self.stats = SimulatorStats()
        self.api = TmdbApi(
            catalog,
            api_key=config.api_key,
            access_token=config.access_token,
            exports_published_hour_utc=config.exports_published_hour_utc,
            date_drift_rate=config.date_drift_rate,
            now=now,
        )
        self._faults = FaultInjector(config)
        self._limiter = RateLimiter(config.rate_limit_rps) if config.rate_limit_rps else None
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stopping: asyncio.Event | None = None
        self._ready = threading.Event()
        self._error: BaseException | None = None
        self._writers: set[asyncio.StreamWriter] = set()
        self._date = ("", 0)

    @property
    def url(self) -> str:
        """Give the server's root URL, e.g. ``http://127.0.0.1:8765``."""
        host = f"[{self.host}]" if ":" in self.host else self.host  # IPv6 literal
        return f"http://{host}:{self.port}"

    @property
    def api_url(self) -> str:
        """Give the API base, the simulated ``https://api.themoviedb.org/3``."""
        return f"{self.url}/3"

    @property
    def exports_url(self) -> str:
        """Give the exports base, the simulated ``http://files.tmdb.org/p/exports``."""
        return f"{self.url}/p/exports"

    def start(self) -> SimulatorServer:
        """Start serving in a daemon thread; returns once the port is bound."""
        if self._thread is not None:
            raise RuntimeError("the simulator is already running")
        self._ready.clear()
        self._thread = threading.Thread(target=self._run, name="tmdb-simulator", daemon=True)
        self._thread.start()
        self._ready.wait()
        error = self._error
        if error is not None:
            self._thread.join()
            self._thread = None
            self._error = None
            raise error  # e.g. OSError when the port is taken
        return self

    def stop(self) -> None:
        """Stop serving, drop open connections and wait for the thread to end."""
        thread, loop, stopping = self._thread, self._loop, self._stopping
        if thread is None:
            return
        if loop is not None and stopping is not None and not loop.is_closed():
            loop.call_soon_threadsafe(stopping.set)
        thread.join()
        self._thread = None

    def __enter__(self) -> SimulatorServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def _run(self) -> None:
        try:
            asyncio.run(self._main())
        except BaseException as error:  # reported to start(), which re-raises it
            self._error = error
            self._ready.set()

    async def _main(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._stopping = asyncio.Event()
        server = await asyncio.start_server(
            self._serve_connection, self.host, self.port, limit=_MAX_HEAD, backlog=1024
        )
        self.port = server.sockets[0].getsockname()[1]
        self._ready.set()
        async with server:
            await self._stopping.wait()
            server.close()
            for writer in list(self._writers):
                writer.transport.abort()

    async def _serve_connection(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        self._writers.add(writer)
        try:
            while await self._serve_request(reader, writer):
                pass
        except (ConnectionError, asyncio.IncompleteReadError, asyncio.LimitOverrunError):
            pass
        finally:
            self._writers.discard(writer)
            writer.close()

    async def _serve_request(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> bool:
        """Answer one request; tell whether the connection stays open."""
        try:
            head = await reader.readuntil(b"\r\n\r\n")
        except asyncio.IncompleteReadError:
            return False
        request = _parse_head(head)
        if request is None:
            await self._write(writer, tmdb_error(400, 18, "Validation failed."), False, False)
            return False
        method, target, version, headers = request
        length = headers.get("content-length", "0")
        if length.isdigit() and int(length):
            await reader.readexactly(int(length))
        connection = headers.get("connection", "").lower()
        keep_alive = connection != "close" if version == "HTTP/1.1" else connection == "keep-alive"
        path, _, query = target.partition("?")
        path = unquote(path)
        params = dict(parse_qsl(query, keep_blank_values=True))

        fault = NO_FAULT
        if method not in ("GET", "HEAD"):
            response = tmdb_error(405, 42, "This resource does not support this request method.")
        elif path.startswith("/3/"):
            if not self.api.authorized(params, headers):
                response = unauthorized()
            else:
                wait = self._limiter.acquire() if self._limiter else 0.0
                fault = NO_FAULT if wait else self._faults.draw()
                if fault.reset:
                    self.stats.record_fault("reset")
                    writer.transport.abort()
                    return False
                response = await self._answer_api(path, params, wait, fault)
        elif path.startswith("/p/exports/"):
            response = self.api.handle_export(path)
        else:
            response = not_found()

        delay = self.config.latency_s
        if fault.slow:
            self.stats.record_fault("slow")
            delay += self.config.slow_s
        if delay:
            await asyncio.sleep(delay)
        self.stats.record(response.status)  # before writing, so a client sees it counted
        await self._write(writer, response, keep_alive, method == "HEAD")
        return keep_alive

    async def _answer_api(
        self, path: str, params: Mapping[str, str], wait: float, fault: FaultDraw
    ) -> Response:
        if wait:
            return throttled(wait)
        if fault.throttle:
            self.stats.record_fault("random_429")
            return throttled(1.0)
        if fault.error_status is not None:
            self.stats.record_fault("error")
            return server_error(fault.error_status, fault.html)
        try:
            # In a worker thread: a cold query over a million titles takes a second or two,
            # and the event loop must keep serving the other connections meanwhile.
            response = await asyncio.to_thread(self.api.handle_api, path, params)
        except Exception:  # a simulator bug must not kill the connection silently
            log.exception("simulator failed on %s", path)
            return server_error(500, html=False)
        config = self.config
        if (
            (config.odd_ids or config.claim_total_pages is not None)
            and response.status == 200
            and oddities.applies(path)
        ):
            body = oddities.oddify(path, response.body, config.odd_ids, config.claim_total_pages)
            response = Response(200, body, response.content_type, response.headers)
        if fault.truncate and response.status == 200:
            self.stats.record_fault("truncate")
            cut = response.body[: len(response.body) // 2]
            return Response(200, cut, response.content_type, response.headers)
        return response

    def _http_date(self) -> str:
        second = int(time.time())
        if self._date[1] != second:
            self._date = (formatdate(second, usegmt=True), second)
        return self._date[0]

    async def _write(
        self, writer: asyncio.StreamWriter, response: Response, keep_alive: bool, head_only: bool
    ) -> None:
        lines = [
            f"HTTP/1.1 {response.status} {HTTPStatus(response.status).phrase}",
            f"Content-Type: {response.content_type}",
            f"Date: {self._http_date()}",
            "Server: tmdb-lake-simulator",
            f"Connection: {'keep-alive' if keep_alive else 'close'}",
        ]
        lines += [f"{name}: {value}" for name, value in response.headers]
        if response.stream is None:
            lines.append(f"Content-Length: {len(response.body)}")
            head = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
            writer.write(head if head_only else head + response.body)
            await writer.drain()
            return
        lines.append("Transfer-Encoding: chunked")
        writer.write(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1"))
        if not head_only:
            chunks = response.stream
            # Each chunk of a generated export is ~tens of ms of CPU: off the event loop.
            while (chunk := await asyncio.to_thread(next, chunks, None)) is not None:
                if chunk:  # an empty chunk would end the body early
                    writer.write(b"%x\r\n%b\r\n" % (len(chunk), chunk))
                    await writer.drain()
            writer.write(b"0\r\n\r\n")
        await writer.drain()


def serve_forever(
    catalog: Catalog,
    config: SimulatorConfig = SimulatorConfig(),  # noqa: B008 - frozen, safe to share
    host: str = "127.0.0.1",
    port: int = 0,
    *,
    now: Callable[[], datetime] | None = None,
) -> None:
    """Serve until Ctrl-C (or SIGTERM), printing where to connect; for ``tmdb-lake simulate``."""
    server = SimulatorServer(catalog, config, host, port, now=now).start()
    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        del signum, frame
        stop.set()

    previous = None
    if threading.current_thread() is threading.main_thread():
        previous = signal.signal(signal.SIGTERM, on_signal)
    print(
        f"TMDB simulator serving {catalog!r}\n"
        f"  api:     {server.api_url}  (api_key={config.api_key} or "
        f"'Authorization: Bearer {config.access_token}')\n"
        f"  exports: {server.exports_url}\n"
        "Press Ctrl-C to stop.",
        flush=True,
    )
    try:
        while not stop.wait(0.5):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)
        print("TMDB simulator stopped.", flush=True)
