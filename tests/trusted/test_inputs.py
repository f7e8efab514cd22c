"""Classifying raw datasets: manifests v2 say what they hold, v1 manifests are read by name."""

from __future__ import annotations

from datetime import date

import pytest

from tmdb_lake.lake.manifest import DatasetManifest, ManifestFile, RawSnapshot, RunManifest
from tmdb_lake.trusted.inputs import classify, group_by_day, raw_input

DAY = date(2024, 5, 1)


def v1_snapshot(dataset: str, mode: str = "discover", **filters: str) -> RawSnapshot:
    raw = {
        "run_id": "r1",
        "partition_date": DAY.isoformat(),
        "complete": True,
        "started_at": "2024-05-01T06:00:00+00:00",
        "finished_at": "2024-05-01T06:05:00+00:00",
        "filters": {"mode": mode, "language": "pt-BR", **filters},
        "format": "jsonl",
        "datasets": {
            dataset: {"records": 2, "files": [{"key": "k.jsonl", "records": 2, "bytes": 9}]}
        },
    }
    manifest = RunManifest.from_dict(raw)
    return RawSnapshot(dataset, DAY, "raw/TMDB/_runs/2024/05/01/r1.json", manifest)


def v2_snapshot(dataset: str, definition: dict[str, str], kind: str = "snapshot") -> RawSnapshot:
    content = DatasetManifest(
        name=dataset,
        kind=kind,  # type: ignore[arg-type]
        records=1,
        files=(ManifestFile("k.json", 1, 9),),
        definition_id="d1",
        definition=definition,
        lease_generation=3,
    )
    manifest = RunManifest(
        run_id="r2",
        partition_date=DAY,
        complete=True,
        started_at="2024-05-01T07:00:00+00:00",
        finished_at="2024-05-01T07:01:00+00:00",
        datasets={dataset: content},
        mode="discover",
    )
    return RawSnapshot(dataset, DAY, "raw/TMDB/_runs/2024/05/01/r2.json", manifest)


@pytest.mark.parametrize(
    ("dataset", "mode", "filters", "expected"),
    [
        ("movies", "discover", {}, ("discover", "movie")),
        ("series", "discover", {}, ("discover", "tv")),
        ("filmes", "discover", {"movies_dataset": "filmes"}, ("discover", "movie")),
        ("seriados", "discover", {"series_dataset": "seriados"}, ("discover", "tv")),
        ("movie_details", "discover", {}, ("details", "movie")),
        ("series_details", "catalog", {}, ("details", "tv")),
        ("movie_details", "changes", {}, ("changes", "movie")),
        ("series_changes", "changes", {}, ("changes", "tv")),
        ("genres_movie", "discover", {}, ("genres", "movie")),
        ("genres_tv", "changes", {}, ("genres", "tv")),
        ("filmes", "discover", {}, None),
    ],
)
def test_v1_manifests_are_classified_by_dataset_name(dataset, mode, filters, expected) -> None:
    assert classify(v1_snapshot(dataset, mode, **filters)) == expected


@pytest.mark.parametrize(
    ("definition", "kind", "expected"),
    [
        ({"endpoint": "discover", "media": "movie"}, "snapshot", ("discover", "movie")),
        ({"endpoint": "details", "media": "tv"}, "snapshot", ("details", "tv")),
        ({"endpoint": "changes", "media": "movie"}, "delta", ("changes", "movie")),
        ({"endpoint": "details", "media": "movie"}, "delta", ("changes", "movie")),
        ({"endpoint": "genres", "media": "tv"}, "snapshot", ("genres", "tv")),
    ],
)
def test_v2_manifests_are_classified_by_their_definition(definition, kind, expected) -> None:
    # the name says nothing: the definition decides
    assert classify(v2_snapshot("anything", definition, kind)) == expected


def test_a_raw_input_carries_lineage_and_unknown_datasets_are_skipped() -> None:
    genres = v1_snapshot("genres_movie")
    found = raw_input(genres)
    assert found is not None
    assert (found.source, found.language, found.format, found.files) == (
        "genre", "pt-BR", "jsonl", ("k.jsonl",),
    )  # fmt: skip
    assert found.ingested_at == "2024-05-01T06:05:00+00:00"
    days = group_by_day([genres, v1_snapshot("something_else")])
    assert len(days) == 1
    assert [i.dataset for i in days[0].inputs] == ["genres_movie"]
    assert days[0].skipped == ("something_else",)
    assert days[0].fingerprint() == [("genres_movie", "raw/TMDB/_runs/2024/05/01/r1.json")]
