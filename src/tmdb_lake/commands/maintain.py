"""`tmdb-lake maintain`: compact small files, expire old snapshots, remove orphan files."""

from __future__ import annotations

import argparse

import orjson

from tmdb_lake.commands.base import Command, register
from tmdb_lake.errors import EXIT_OK
from tmdb_lake.redact import Redactor
from tmdb_lake.settings import MAINTAIN_GROUPS, MaintainSettings


def run_maintain(args: argparse.Namespace, redactor: Redactor) -> int:
    """Run `tmdb-lake maintain` over the lake's Iceberg tables and print what it did."""
    settings: MaintainSettings = MAINTAIN.load_settings(args)
    register(redactor, settings)
    from tmdb_lake.trusted.session import maintain_lake

    done = maintain_lake(settings)
    if args.json:
        print(orjson.dumps({"tables": done}).decode())
    elif not args.quiet:
        print(redactor.redact(render(done)))
    return EXIT_OK


def render(done: list[dict[str, object]]) -> str:
    """Give one line per table, then a total."""
    if not done:
        return "no Iceberg tables to maintain (build them with --table-format iceberg)"
    lines = []
    for item in done:
        compacted = item["compacted"]
        assert isinstance(compacted, dict)
        lines.append(
            f"{item['table']}: {len(compacted)} partitions compacted, "
            f"{item['expired_snapshots']} snapshots expired ({item['deleted_files']} files "
            f"deleted), {item['orphans_deleted']} orphan files deleted, "
            f"{item['snapshots_left']} snapshots kept"
        )
    return "\n".join(lines)


MAINTAIN = Command(
    name="maintain",
    help="maintain the Iceberg tables: compact small files, expire old snapshots",
    description="Compact partitions made of small files, expire snapshots older than "
    "--retention-days (keeping --retain-last), and delete the files only they reached and "
    "orphan files. Iceberg tables only (--table-format iceberg is implied).",
    settings=MaintainSettings,
    groups=MAINTAIN_GROUPS,
    run=run_maintain,
    defaults={"table_format": "iceberg"},
)
