"""What a tool process costs, seen from outside: wall time, CPU and peak RSS of its tree."""

from __future__ import annotations

import os
import subprocess
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class Measured:
    """What the harness saw of one tool process."""

    exit_code: int
    wall_s: float
    cpu_s: float
    peak_rss_mb: float
    stdout: str
    stderr_tail: str
    rss_by_process: dict[str, float] = field(default_factory=dict)
    load_avg: tuple[float, float] = (0.0, 0.0)


def _vm_hwm_kb(pid: int) -> int:
    """Give a process's own peak resident set (VmHWM), 0 once it is gone."""
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return 0


def _cmdline(pid: int) -> str:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as cmdline:
            return cmdline.read().replace(b"\0", b" ").decode(errors="replace")[:120]
    except OSError:
        return ""


def _descendants(pid: int) -> list[int]:
    try:
        import psutil

        return [child.pid for child in psutil.Process(pid).children(recursive=True)]
    except Exception:  # psutil missing, or the process just ended
        return []


class PeakRss:
    """Samples the peak RSS of a process tree (sum of each process's VmHWM) every 0.1 s.

    Why not ``ru_maxrss`` from ``wait4``: Linux folds the *parent's* high-water mark
    into a child at exec (``setmax_mm_hiwater_rss`` on the pre-exec copy of the
    parent), so every tool would inherit the harness's own peak. VmHWM of the exec'd
    image starts clean. For a tool with worker processes (dlt's normalize pool) the sum
    of their high-water marks is an upper bound.
    """

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.peak_kb = 0
        self._hwm: dict[int, int] = {}
        self.names: dict[int, str] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            for pid in [self.pid, *_descendants(self.pid)]:
                hwm = _vm_hwm_kb(pid)
                if hwm:
                    if pid not in self._hwm:
                        self.names[pid] = _cmdline(pid)
                    self._hwm[pid] = max(self._hwm.get(pid, 0), hwm)
            self.peak_kb = max(self.peak_kb, sum(self._hwm.values()))
            self._stop.wait(0.1)

    def stop(self) -> float:
        self._stop.set()
        self._thread.join()
        return self.peak_kb / 1024

    def per_process_mb(self) -> dict[str, float]:
        return {f"{pid} {self.names.get(pid, '')}": kb / 1024 for pid, kb in self._hwm.items()}


def run_measured(cmd: list[str], cwd: Path, env: dict[str, str], timeout: float) -> Measured:
    """Run a command; give wall time, CPU (user+sys) and peak RSS of its process tree.

    CPU comes from ``os.wait4``: the child's own rusage (children it waited for
    included), so it belongs to this tool alone, not to the simulator or the harness.
    """
    cwd.mkdir(parents=True, exist_ok=True)
    out_path, err_path = cwd / "_stdout.txt", cwd / "_stderr.txt"
    load_before = os.getloadavg()[0]
    with out_path.open("w") as out, err_path.open("w") as err:
        started = time.monotonic()
        proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=out, stderr=err)
        sampler = PeakRss(proc.pid)
        timer = threading.Timer(timeout, proc.kill)
        timer.start()
        try:
            _, status, usage = os.wait4(proc.pid, 0)
        finally:
            timer.cancel()
            peak_mb = sampler.stop()
        wall = time.monotonic() - started
        proc.returncode = os.waitstatus_to_exitcode(status)
    stderr = err_path.read_text(errors="replace")
    return Measured(
        exit_code=proc.returncode,
        wall_s=wall,
        cpu_s=usage.ru_utime + usage.ru_stime,
        peak_rss_mb=peak_mb,
        stdout=out_path.read_text(errors="replace"),
        stderr_tail="\n".join(stderr.strip().splitlines()[-5:]),
        rss_by_process=sampler.per_process_mb(),
        load_avg=(load_before, os.getloadavg()[0]),
    )
