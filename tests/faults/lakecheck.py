"""Read a whole lake back, byte for byte, and say whether it is exactly what the source had.

`assert_lake_exact` is the one oracle of the fault matrix. It walks *every* object under the
lake root (hidden and temp files included, which `Storage.list` would hide), and fails unless:

- each dataset of the day has exactly one current manifest (complete, not superseded), and
  no current manifest lists a file that is missing;
- nothing lies under `raw/TMDB/JSON/` but the files the current manifests list (no stray,
  partial or temp file a Glue crawler or Athena would read), no `_staging`, commit intent
  or temp file is left, and no lease is still held;
- every file parses, holds the record count and byte size the manifest gives, and stays within
  `--records-per-file`;
- each dataset holds every expected id exactly once, and nothing else;
- with a reference, each record equals the fault-free record of the same id, field for field.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

DATA_ROOT = "raw/TMDB/JSON/"
RUNS_ROOT = "raw/TMDB/_runs/"
STAGING_ROOT = "raw/TMDB/_staging/"
COMMITS_ROOT = "raw/TMDB/_commits/"
LEASES_ROOT = "raw/TMDB/_leases/"


class LakeView(Protocol):
    """Every object of a lake, relative to its root (what a crawler would see)."""

    def objects(self) -> list[str]: ...

    def read(self, key: str) -> bytes: ...


@dataclass(frozen=True)
class LocalLake:
    """A lake folder; lists every file, hidden temp files included."""

    root: Path

    def objects(self) -> list[str]:
        if not self.root.exists():
            return []
        return sorted(
            p.relative_to(self.root).as_posix() for p in self.root.rglob("*") if p.is_file()
        )

    def read(self, key: str) -> bytes:
        return (self.root / key).read_bytes()


@dataclass(frozen=True)
class S3Lake:
    """A lake under `prefix` of an S3 bucket (read with the test server's admin client)."""

    client: Any
    bucket: str
    prefix: str = ""

    def _root(self) -> str:
        return f"{self.prefix.strip('/')}/" if self.prefix.strip("/") else ""

    def objects(self) -> list[str]:
        root = self._root()
        found: list[str] = []
        for page in self.client.get_paginator("list_objects_v2").paginate(
            Bucket=self.bucket, Prefix=root
        ):
            found.extend(item["Key"][len(root) :] for item in page.get("Contents", []))
        return sorted(found)

    def read(self, key: str) -> bytes:
        response = self.client.get_object(Bucket=self.bucket, Key=self._root() + key)
        return response["Body"].read()


def decode(data: bytes, key: str) -> list[dict[str, Any]]:
    """Parse one lake file (json array or jsonl); raise on anything half-written."""
    if key.endswith(".jsonl"):
        return [json.loads(line) for line in data.decode("utf-8").splitlines() if line.strip()]
    records = json.loads(data.decode("utf-8"))
    assert isinstance(records, list), f"{key}: not a JSON array"
    return records


def manifest_keys(view: LakeView, day: str) -> list[str]:
    """Give the keys of the day's run manifests."""
    prefix = f"{RUNS_ROOT}{day.replace('-', '/')}/"
    return [key for key in view.objects() if key.startswith(prefix)]


@dataclass
class LakeContent:
    """What an exact lake holds: the manifest and, per dataset, its records by id."""

    manifest: dict[str, Any]
    records: dict[str, dict[int, dict[str, Any]]]
    files: int

    @property
    def total(self) -> int:
        return sum(len(by_id) for by_id in self.records.values())


def assert_no_partial_files(view: LakeView) -> list[str]:
    """Fail on a temp or hidden file anywhere; give every key (for further checks)."""
    keys = view.objects()
    hidden = [key for key in keys if any(part.startswith((".", "_tmp")) for part in key.split("/"))]
    assert not hidden, f"temp or hidden files left in the lake: {hidden[:5]}"
    return keys


def assert_nothing_published(view: LakeView, day: str, *, released: bool = True) -> None:
    """Fail if a failed run left any data file or any manifest (B: bounded failure).

    With `released`, also fail if it still holds a lease (it could not free them only when
    the lake itself was unreachable; then they expire, or free with the process on its host).
    """
    keys = assert_no_partial_files(view)
    data = [key for key in keys if key.startswith(DATA_ROOT)]
    assert not data, f"a failed run published data files: {data[:5]}"
    assert not manifest_keys(view, day), "a failed run wrote a manifest"
    if released:
        assert_no_lease_held(view)


def current_manifests(view: LakeView, day: str) -> dict[str, tuple[str, dict[str, Any]]]:
    """Give, per dataset, the day's current manifest (key, body): the reader contract.

    Fails if a dataset has two current manifests at once, or if a manifest that is current
    for a dataset lists a file that is not in the lake.
    """
    current: dict[str, tuple[str, dict[str, Any]]] = {}
    keys = set(view.objects())
    for key in manifest_keys(view, day):
        manifest = json.loads(view.read(key))
        if manifest.get("complete") is not True:
            continue
        for dataset, content in manifest["datasets"].items():
            if content.get("superseded_by"):
                continue
            assert dataset not in current, (
                f"{dataset}: two current manifests on {day}: {current[dataset][0]} and {key}"
            )
            missing = [item["key"] for item in content["files"] if item["key"] not in keys]
            assert not missing, f"{key} is current for {dataset} but lists missing {missing[:3]}"
            current[dataset] = (key, manifest)
    return current


def assert_no_lease_held(view: LakeView) -> None:
    """Fail unless every partition's newest lease is released: no command holds a day at its end.

    Older generations are history (a killed holder never released its own); only the
    newest generation of a partition says whether it is held.
    """
    newest: dict[str, str] = {}
    for key in sorted(k for k in view.objects() if k.startswith(LEASES_ROOT)):
        newest[key.rpartition("/")[0]] = key
    held = [key for key in newest.values() if not json.loads(view.read(key)).get("released")]
    assert not held, f"leases still held after the commands ended: {held[:3]}"


def assert_lake_exact(
    view: LakeView,
    day: str,
    expected: dict[str, set[int]],
    *,
    records_per_file: int,
    reference: dict[str, dict[int, dict[str, Any]]] | None = None,
    run_id: str | None = None,
    staging_junk: bool = False,
) -> LakeContent:
    """Fail unless the lake holds exactly `expected` (dataset -> ids), once each; see module doc.

    `staging_junk` tolerates staged objects (never commit intents): what a late writer of
    a finished run wrote after it lost its lease, which no reader follows.
    """
    keys = assert_no_partial_files(view)
    leftovers = [
        key
        for key in keys
        if key.startswith(COMMITS_ROOT) or (key.startswith(STAGING_ROOT) and not staging_junk)
    ]
    assert not leftovers, f"staging not cleaned up after a complete run: {leftovers[:5]}"
    assert_no_lease_held(view)
    current = current_manifests(view, day)
    assert set(expected) <= set(current), (sorted(current), sorted(expected))
    owners = {current[dataset][0] for dataset in expected}
    assert len(owners) == 1, f"the expected datasets come from several runs: {sorted(owners)}"
    manifest = current[next(iter(expected))][1]
    if run_id is not None:
        assert manifest["run_id"] == run_id, "the final run did not resume the killed run"

    listed = {
        item["key"]: (dataset, item)
        for dataset, (_, body) in current.items()
        for item in body["datasets"][dataset]["files"]
    }
    data_keys = [key for key in keys if key.startswith(DATA_ROOT)]
    unlisted = sorted(set(data_keys) - set(listed))
    assert not unlisted, f"files under {DATA_ROOT} that no current manifest lists: {unlisted[:5]}"
    others = [
        key
        for key in keys
        if not key.startswith((DATA_ROOT, RUNS_ROOT, LEASES_ROOT, STAGING_ROOT, "raw/TMDB/_state/"))
    ]
    assert not others, f"unexpected objects in the lake: {others[:5]}"

    records: dict[str, dict[int, dict[str, Any]]] = {name: {} for name in expected}
    counts: dict[str, Counter[int]] = {name: Counter() for name in expected}
    for key, (dataset, item) in sorted(listed.items()):
        if dataset not in expected:
            continue
        data = view.read(key)
        assert len(data) == item["bytes"], (
            f"{key}: {len(data)} bytes, manifest says {item['bytes']}"
        )
        rows = decode(data, key)
        assert len(rows) == item["records"], (
            f"{key}: {len(rows)} records, manifest says {item['records']}"
        )
        assert 0 < len(rows) <= records_per_file, f"{key}: {len(rows)} records"
        for row in rows:
            counts[dataset][row["id"]] += 1
            records[dataset][row["id"]] = row

    for dataset, ids in expected.items():
        twice = sorted(i for i, n in counts[dataset].items() if n > 1)
        assert not twice, f"{dataset}: {len(twice)} ids written more than once, e.g. {twice[:5]}"
        got = set(counts[dataset])
        assert not ids - got, (
            f"{dataset}: {len(ids - got)} ids missing, e.g. {sorted(ids - got)[:5]}"
        )
        assert not got - ids, (
            f"{dataset}: {len(got - ids)} unexpected ids, e.g. {sorted(got - ids)[:5]}"
        )
        assert manifest["datasets"][dataset]["records"] == len(ids)
        if reference is not None:
            differ = [i for i in ids if records[dataset][i] != reference[dataset][i]]
            assert not differ, f"{dataset}: records differ from the fault-free run: {differ[:5]}"
    return LakeContent(manifest=manifest, records=records, files=len(listed))
