"""A local writer killed mid-put leaves a temp file; the next listing of its folder removes it.

Before the fix, a SIGKILL while the commit copied parts left `.~tmp-...json` files in the
dataset's partition for good (found by the SIGKILL case of the fault matrix).
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path

from tmdb_lake.lake.storage import LocalStorage


def dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def test_list_removes_temp_files_of_dead_writers_only(tmp_path: Path):
    lake = LocalStorage(tmp_path)
    asyncio.run(lake.put("raw/TMDB/JSON/movies/2024/05/01/a.json", b"[]"))
    folder = tmp_path / "raw/TMDB/JSON/movies/2024/05/01"
    orphan = folder / f".~tmp-{dead_pid()}-0123456789abcdef-b.json"
    orphan.write_bytes(b'[{"id": 1, "ti')  # half a write
    ours = folder / f".~tmp-{os.getpid()}-0123456789abcdef-c.json"
    ours.write_bytes(b"in flight")
    live = folder / f".~tmp-{os.getppid()}-0123456789abcdef-d.json"
    live.write_bytes(b"in flight elsewhere")
    legacy = folder / ".~tmp-deadbeefdeadbeef-e.json"  # no pid: never guessed at
    legacy.write_bytes(b"")

    assert asyncio.run(lake.list("raw/TMDB/JSON/movies/")) == [
        "raw/TMDB/JSON/movies/2024/05/01/a.json"
    ]
    assert not orphan.exists()
    assert ours.exists() and live.exists() and legacy.exists()


def test_list_leaves_temp_files_outside_the_prefix(tmp_path: Path):
    lake = LocalStorage(tmp_path)
    asyncio.run(lake.put("raw/a/x.json", b"x"))
    orphan = tmp_path / "raw/a" / f".~tmp-{dead_pid()}-0123456789abcdef-y.json"
    orphan.write_bytes(b"")
    assert asyncio.run(lake.list("raw/a/z")) == []
    assert orphan.exists()
    assert asyncio.run(lake.list("raw/a/")) == ["raw/a/x.json"]
    assert not orphan.exists()


def test_put_names_its_temp_file_after_its_process(tmp_path: Path, monkeypatch):
    seen: list[str] = []
    real_replace = os.replace

    def spy(src, dst):  # type: ignore[no-untyped-def]
        seen.append(Path(src).name)
        real_replace(src, dst)

    monkeypatch.setattr(os, "replace", spy)
    asyncio.run(LocalStorage(tmp_path).put("raw/a.json", b"a"))
    assert seen and seen[0].startswith(f".~tmp-{os.getpid()}-")


def test_first_put_into_a_folder_removes_its_orphans(tmp_path: Path):
    """A manifest put killed mid-write: nothing lists `_runs/`, the next manifest put sweeps it."""
    folder = tmp_path / "raw/TMDB/_runs/2024/05/01"
    folder.mkdir(parents=True)
    orphan = folder / f".~tmp-{dead_pid()}-0123456789abcdef-run1.json"
    orphan.write_bytes(b'{"run_id": "run1", "compl')
    live = folder / f".~tmp-{os.getppid()}-0123456789abcdef-run2.json"
    live.write_bytes(b"")
    asyncio.run(LocalStorage(tmp_path).put("raw/TMDB/_runs/2024/05/01/run1.json", b"{}"))
    assert sorted(p.name for p in folder.iterdir()) == sorted(["run1.json", live.name])
