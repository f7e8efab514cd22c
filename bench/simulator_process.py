"""The simulator as the bench runs it: ``bench/simulator.py`` in its own process.

In-process it would share the GIL with the tool under test. Its control endpoint gives the
server's own counters and the ground truth (see ``bench/simulator.py``).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

from bench import BENCH, PY
from bench.tools import tool_env


class Simulator:
    """``bench/simulator.py`` in a child process, with its control endpoint."""

    def __init__(self, movies: int, latency_ms: float, rate: float | None, log: Path) -> None:
        cmd = [PY, str(BENCH / "simulator.py"), "--movies", str(movies)]
        cmd += ["--latency-ms", str(latency_ms)]
        if rate:
            cmd += ["--rate-limit", str(rate)]
        self.command = cmd
        self._log = log.open("w")
        self.proc = subprocess.Popen(
            cmd, stdout=subprocess.PIPE, stderr=self._log, text=True, env=tool_env({})
        )
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()
        if not line:
            self.proc.wait()
            raise RuntimeError(f"the simulator did not start; see {log}")
        ready = json.loads(line)
        self.api_url: str = ready["api_url"]
        self.exports_url: str = ready["exports_url"]
        self.control: str = ready["control_url"]
        self.token: str = ready["access_token"]
        self.api_key: str = ready["api_key"]

    def get(self, path: str, params: dict[str, Any] | None = None) -> Any:
        url = f"{self.control}{path}"
        if params:
            url += "?" + urllib.parse.urlencode(params)
        with urllib.request.urlopen(url, timeout=600) as response:
            return json.loads(response.read())

    def reset(self) -> None:
        request = urllib.request.Request(f"{self.control}/reset", method="POST", data=b"")
        with urllib.request.urlopen(request, timeout=30) as response:
            response.read()

    def cpu_seconds(self) -> float:
        """CPU used so far by the simulator (server side of the 2 cores)."""
        try:
            with open(f"/proc/{self.proc.pid}/stat") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
            return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        except OSError:
            return 0.0

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self._log.close()

    def __enter__(self) -> Simulator:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
