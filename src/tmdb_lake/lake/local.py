"""A lake in a local folder: atomic writes (temp file, fsync, rename), crash-safe listing."""

from __future__ import annotations

import asyncio
import builtins
import contextlib
import errno
import os
import secrets
import shutil
from collections.abc import Callable, Sequence
from pathlib import Path

from tmdb_lake.errors import StorageError
from tmdb_lake.lake.keys import TEMP_MARKER, check_key, check_keys, check_prefix

_PRUNE_RACE_ATTEMPTS = 5

_NO_HARD_LINK = {errno.EXDEV, errno.EPERM, errno.EMLINK, errno.ENOTSUP, errno.EOPNOTSUPP}
"""`os.link` failures that mean "copy instead": another filesystem, or no hard links there."""


class LocalStorage:
    """A lake in a local folder; `put` is atomic (temp file, fsync, `os.replace`).

    Blocking file I/O runs in `asyncio.to_thread` so a slow disk never stalls the event loop.
    """

    def __init__(self, root: Path) -> None:
        self.root = Path(root).expanduser().absolute()
        self.description = str(self.root)
        self._swept: set[Path] = set()

    def _path(self, key: str) -> Path:
        return self.root.joinpath(*check_key(key).split("/"))

    async def put(self, key: str, data: bytes) -> None:
        """Write `data` to a temp file beside the target, fsync it, then rename it over the key."""
        path = self._path(key)
        try:
            await asyncio.to_thread(self._put_sync, path, bytes(data))
        except OSError as exc:
            raise _local_error("put", key, exc) from exc

    def _put_sync(self, path: Path, data: bytes) -> None:
        def write(tmp: Path) -> None:
            with tmp.open("xb") as out:
                out.write(data)
                out.flush()
                os.fsync(out.fileno())

        self._atomic_replace(path, write)

    def _atomic_replace(self, path: Path, write: Callable[[Path], None]) -> None:
        # A concurrent `delete` may prune the parent folders while we create them or the temp
        # file (pathlib then reports FileNotFoundError, or FileExistsError for a folder that
        # vanished between mkdir and its is_dir check); the race only ever loses empty
        # folders, so recreate them and try again. A real conflict fails every attempt.
        for attempt in range(_PRUNE_RACE_ATTEMPTS):
            tmp = path.with_name(f"{TEMP_MARKER}{os.getpid()}-{secrets.token_hex(8)}-{path.name}")
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
                write(tmp)
                os.replace(tmp, path)
            except (FileNotFoundError, FileExistsError):
                tmp.unlink(missing_ok=True)
                if attempt == _PRUNE_RACE_ATTEMPTS - 1:
                    raise
                continue
            except BaseException:
                tmp.unlink(missing_ok=True)
                raise
            _fsync_dir(path.parent)
            if path.parent not in self._swept:  # once per folder: a crash's leftovers
                self._swept.add(path.parent)
                with contextlib.suppress(OSError):
                    _remove_orphaned_temps(path.parent, os.listdir(path.parent))
            return

    async def put_if_absent(self, key: str, data: bytes) -> bool:
        """Create the file only if it does not exist: a complete temp file hard-linked into place.

        `os.link` fails with EEXIST when the name is taken, atomically, so readers never see
        a partial file and exactly one of two racing writers wins.
        """
        path = self._path(key)
        try:
            return await asyncio.to_thread(self._put_if_absent_sync, path, bytes(data))
        except OSError as exc:
            raise _local_error("put", key, exc) from exc

    def _put_if_absent_sync(self, path: Path, data: bytes) -> bool:
        for attempt in range(_PRUNE_RACE_ATTEMPTS):
            tmp = path.with_name(f"{TEMP_MARKER}{os.getpid()}-{secrets.token_hex(8)}-{path.name}")
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
                with tmp.open("xb") as out:
                    out.write(data)
                    out.flush()
                    os.fsync(out.fileno())
                try:
                    os.link(tmp, path)
                except FileExistsError:
                    return False
                except OSError as exc:
                    if exc.errno not in _NO_HARD_LINK:
                        raise
                    return _create_exclusive(path, data)
            except FileNotFoundError:
                if attempt == _PRUNE_RACE_ATTEMPTS - 1:
                    raise
                continue  # a concurrent delete pruned the folder: recreate it
            finally:
                tmp.unlink(missing_ok=True)
            _fsync_dir(path.parent)
            return True
        return False  # unreachable: the last attempt raises

    async def get(self, key: str) -> bytes | None:
        """Return the file's bytes, or None when there is no such key."""
        path = self._path(key)
        try:
            return await asyncio.to_thread(path.read_bytes)
        except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
            return None
        except OSError as exc:
            raise _local_error("get", key, exc) from exc

    async def list(self, prefix: str) -> builtins.list[str]:
        """Return every key starting with `prefix`, sorted; temp files are never listed.

        Temp files left under the prefix by a writer process that no longer runs are removed.
        """
        check_prefix(prefix)
        try:
            return await asyncio.to_thread(self._list_sync, prefix)
        except OSError as exc:
            raise _local_error("list", prefix, exc) from exc

    def _list_sync(self, prefix: str) -> builtins.list[str]:
        # Walk only the deepest folder the prefix names, then filter by the full prefix, so
        # "raw/x/2024" matches "raw/x/2024/..." and "raw/x/2024-01.json" alike (S3 semantics).
        folder = prefix.rpartition("/")[0]
        start = self.root.joinpath(*folder.split("/")) if folder else self.root
        if not start.is_dir():
            return []
        keys: builtins.list[str] = []
        for dirpath, dirnames, filenames in os.walk(start):
            dirnames[:] = [d for d in dirnames if not d.startswith(TEMP_MARKER)]
            rel = Path(dirpath).relative_to(self.root).as_posix()
            base = "" if rel == "." else rel + "/"
            names = [name for name in filenames if (base + name).startswith(prefix)]
            keys.extend(base + name for name in names if not name.startswith(TEMP_MARKER))
            _remove_orphaned_temps(Path(dirpath), names)
        keys.sort()
        return keys

    async def delete(self, keys: Sequence[str]) -> None:
        """Remove the files (missing ones are fine) and any folders left empty, up to the root."""
        checked = check_keys(keys)  # every key is checked before any file goes
        if checked:
            await asyncio.to_thread(self._delete_many_sync, checked)

    def _delete_many_sync(self, keys: builtins.list[str]) -> None:
        # One path at a time: a run's staging is ten thousand keys, and a Path each, all
        # built up front, cost about 5 MB at the end of a catalog's commit.
        for key in keys:
            try:
                self._delete_sync(self._path(key))
            except OSError as exc:
                raise _local_error("delete", key, exc) from exc

    def _delete_sync(self, path: Path) -> None:
        try:
            path.unlink()
        except (FileNotFoundError, NotADirectoryError):
            pass
        except IsADirectoryError:
            return  # a "folder" is not a key: nothing to delete, and never rmtree by accident
        parent = path.parent
        while parent != self.root and self.root in parent.parents:
            try:
                parent.rmdir()
            except FileNotFoundError:
                pass
            except OSError:
                return  # not empty (or busy): the folders above are not empty either
            parent = parent.parent

    async def copy(self, source: str, target: str) -> None:
        """Copy `source` to `target` atomically; a missing source is a StorageError."""
        src, dst = self._path(source), self._path(target)
        try:
            await asyncio.to_thread(self._copy_sync, src, dst)
        except OSError as exc:
            raise _local_error("copy", f"{source} -> {target}", exc) from exc

    def _copy_sync(self, src: Path, dst: Path) -> None:
        def write(tmp: Path) -> None:
            # A hard link shares the source's bytes, which `put` already made durable, and
            # nothing rewrites a file in place here (a `put` replaces the name, not the
            # inode), so the copy never changes after the fact. Filesystems without hard
            # links, or a lake spanning two of them, get a real copy.
            try:
                os.link(src, tmp)
                return
            except OSError as exc:
                if exc.errno not in _NO_HARD_LINK:
                    raise
            shutil.copyfile(src, tmp)
            with tmp.open("rb") as out:
                os.fsync(out.fileno())

        if not src.is_file():
            raise FileNotFoundError(2, "source key does not exist", str(src))
        with contextlib.suppress(OSError):
            if os.path.samefile(src, dst):
                return  # linked by an earlier attempt (rename would be a no-op, leaving tmp)
        self._atomic_replace(dst, write)

    async def close(self) -> None:
        """Nothing to release: files are opened and closed per call."""


def _create_exclusive(path: Path, data: bytes) -> bool:
    """`O_EXCL` create, for filesystems without hard links (the content lands after the name)."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    except FileExistsError:
        return False
    with os.fdopen(fd, "wb") as out:
        out.write(data)
        out.flush()
        os.fsync(out.fileno())
    return True


def _remove_orphaned_temps(folder: Path, names: Sequence[str]) -> None:
    """Delete the temp files among `names` (in `folder`) whose writer process has died."""
    for name in names:
        if name.startswith(TEMP_MARKER) and _orphaned_temp(name):
            with contextlib.suppress(OSError):
                (folder / name).unlink()


def _orphaned_temp(name: str) -> bool:
    """Tell whether a temp file's writer (the pid in its name) has died, on POSIX.

    Removing a live writer's temp file (another host, another pid namespace) costs it one
    retry of its put, never data: `_atomic_replace` starts over when its temp file vanishes.
    """
    pid = name[len(TEMP_MARKER) :].partition("-")[0]
    if os.name != "posix" or not pid.isdigit() or int(pid) == os.getpid():
        return False
    try:
        os.kill(int(pid), 0)  # signal 0: only asks whether the process exists
    except ProcessLookupError:
        return True
    except OSError:
        return False  # alive, but not ours to signal
    return False


def _fsync_dir(folder: Path) -> None:
    """Persist a rename: on POSIX the directory entry needs its own fsync."""
    flags = os.O_RDONLY | getattr(os, "O_DIRECTORY", 0)
    try:
        fd = os.open(folder, flags)
    except OSError:
        return  # e.g. Windows cannot open folders; the rename is still atomic
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _local_error(operation: str, key: str, exc: OSError) -> StorageError:
    reason = exc.strerror or type(exc).__name__
    return StorageError(f"local {operation} failed for {key!r}: {reason}")
