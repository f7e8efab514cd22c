"""AWS Lambda entry points: thin. Event -> settings -> `run.ingest` -> response.

Settings come from the function's environment (the same variables as the CLI). The
TMDB credential is read once per cold start from SSM Parameter Store
(`TMDB_CREDENTIAL_SSM_PARAMETER`) or Secrets Manager (`TMDB_CREDENTIAL_SECRET_ID`).
A `.env` file is read only when `TMDB_LAKE_ENV_FILE` names one.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable, Mapping
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol

import orjson

from tmdb_lake.collect.context import Stopped
from tmdb_lake.collect.genres import collect_genres
from tmdb_lake.errors import ConfigError, TmdbLakeError
from tmdb_lake.lake.commit import read_manifest
from tmdb_lake.plan import plan_run, shard_from_dict, shard_to_dict
from tmdb_lake.run import (
    claim_run,
    finish_run,
    ingest,
    open_lake,
    plan_shards,
    run_context,
    run_shards,
)
from tmdb_lake.settings import Settings, load_settings, read_dotenv

DEADLINE_MARGIN_MS = 60_000
"""Stop taking new pages when less than this is left: time to flush and checkpoint."""

EVENT_OVERRIDES = {
    "media": "media",
    "limit": "limit",
    "date": "partition_date",
    "genres": "genres",
    "released_from": "released_from",
    "released_until": "released_until",
    "language": "language",
}

_credential_cache: dict[str, str] = {}


class LambdaContext(Protocol):
    """The part of the Lambda context object tmdb-lake uses."""

    def get_remaining_time_in_millis(self) -> int:
        """Milliseconds left before Lambda stops the invocation."""


def overrides_from_event(event: Mapping[str, Any] | None) -> dict[str, str | None]:
    """Give the settings an event may override, as text, validated later with the rest.

    An EventBridge scheduled event carries `time`: its date becomes the partition date,
    so a retried invocation of the same schedule lands in the same partition.
    """
    event = event or {}
    if not isinstance(event, Mapping):
        raise ConfigError("the event must be a JSON object")
    out: dict[str, str | None] = {}
    source = event.get("detail") if isinstance(event.get("detail"), Mapping) else {}
    for scope in (source, event):
        for key, field_name in EVENT_OVERRIDES.items():
            value = scope.get(key) if isinstance(scope, Mapping) else None
            if value is None:
                continue
            if isinstance(value, list):
                value = ",".join(str(v) for v in value)
            out[field_name] = str(value)
    if "partition_date" not in out and isinstance(event.get("time"), str):
        try:
            out["partition_date"] = (
                datetime.fromisoformat(event["time"].replace("Z", "+00:00")).date().isoformat()
            )
        except ValueError:
            raise ConfigError(f"event time {event['time']!r} is not an ISO timestamp") from None
    return out


def _fetch_credential(environ: Mapping[str, str]) -> dict[str, str]:
    """Read the TMDB credential from SSM or Secrets Manager, once per container."""
    parameter = environ.get("TMDB_CREDENTIAL_SSM_PARAMETER")
    secret_id = environ.get("TMDB_CREDENTIAL_SECRET_ID")
    if not parameter and not secret_id:
        return {}
    cache_key = f"{parameter}|{secret_id}"
    if cache_key not in _credential_cache:
        import boto3

        try:
            if parameter:
                ssm = boto3.client("ssm")
                value = ssm.get_parameter(Name=parameter, WithDecryption=True)["Parameter"]["Value"]
            else:
                manager = boto3.client("secretsmanager")
                value = manager.get_secret_value(SecretId=secret_id)["SecretString"]
        except Exception as exc:  # boto3's errors: name the store, never the value
            where = f"SSM parameter {parameter}" if parameter else f"secret {secret_id}"
            raise ConfigError(
                f"cannot read the TMDB credential from {where}: {type(exc).__name__}"
            ) from None
        _credential_cache[cache_key] = value.strip()
    value = _credential_cache[cache_key]
    # A v4 read access token is a JWT; a v3 key is 32 hex characters.
    name = "TMDB_ACCESS_TOKEN" if value.startswith("eyJ") else "TMDB_API_KEY"
    return {name: value}


def settings_from_event(
    event: Mapping[str, Any] | None, environ: Mapping[str, str] | None = None
) -> Settings:
    """Build the run's settings from the function's environment and the event."""
    env = dict(os.environ if environ is None else environ)
    env.update(_fetch_credential(env))
    env_file = env.get("TMDB_LAKE_ENV_FILE")
    dotenv = read_dotenv(Path(env_file)) if env_file else {}
    return load_settings(overrides_from_event(event), env, dotenv)


def _deadline(context: Any) -> Callable[[], bool]:
    remaining = getattr(context, "get_remaining_time_in_millis", None)
    if remaining is None:
        return lambda: False
    return lambda: bool(remaining() < DEADLINE_MARGIN_MS)


def _response(status: int, body: Mapping[str, Any]) -> dict[str, Any]:
    return {"statusCode": status, "body": orjson.dumps(body).decode()}


def _run_settings(run: Mapping[str, Any]) -> Settings:
    """Rebuild a distributed run's settings: the environment plus the run's own overrides."""
    overrides = run.get("overrides")
    if not isinstance(overrides, Mapping):
        raise ConfigError("the step's input has no run overrides: start from plan_handler")
    env = dict(os.environ)
    env.update(_fetch_credential(env))
    return load_settings({k: str(v) for k, v in overrides.items()}, env, {})


def plan_handler(event: Mapping[str, Any] | None, context: Any) -> dict[str, Any]:
    """Step Functions, step 1: claim the run and list its shards for the Map state.

    Gives `{"run": ..., "shards": [...]}`; the Map hands `{"run", "shard"}` to each
    `shard_handler`. The partition date is fixed here, so every later step of the run
    agrees on it even past midnight. The shard list is also written to the run's staging
    folder (`shards.json`) for a distributed Map that reads its items from S3.
    """
    settings = settings_from_event(event)
    overrides = {**overrides_from_event(event), "partition_date": str(settings.partition_date)}

    async def plan() -> dict[str, Any]:
        storage = open_lake(settings)
        try:
            async with run_context(settings, storage) as ctx:
                run_id, started_at, _ = await claim_run(storage, ctx.layout, ctx.run_key)
                shards = await plan_shards(ctx, plan_run(settings), probe=True)
                run = {
                    "run_key": ctx.run_key,
                    "run_id": run_id,
                    "started_at": started_at,
                    "overrides": overrides,
                }
                items = [shard_to_dict(shard) for shard in shards]
                shards_key = ctx.layout.staging_prefix(ctx.run_key) + "shards.json"
                await storage.put(shards_key, orjson.dumps(items))
                return {"run": run, "shards": items, "shards_key": shards_key}
        finally:
            await storage.close()

    return asyncio.run(plan())


def shard_handler(event: Mapping[str, Any], context: Any) -> dict[str, Any]:
    """Step Functions, step 2 (inside Map): run one shard until done or the deadline.

    Gives the input back with `complete`; when it is false, the state machine calls
    this handler again with the same input, and the shard resumes from its checkpoint.
    """
    settings = _run_settings(event["run"])
    shard = shard_from_dict(event["shard"])

    async def work() -> bool:
        storage = open_lake(settings)
        try:
            async with run_context(settings, storage, should_stop=_deadline(context)) as ctx:
                try:
                    await run_shards(ctx, [shard])
                except Stopped:
                    return False
                return True
        finally:
            await storage.close()

    return {"run": event["run"], "shard": event["shard"], "complete": asyncio.run(work())}


def commit_handler(event: Mapping[str, Any], context: Any) -> dict[str, Any]:
    """Step Functions, step 3: fetch the reference data, then publish the run.

    Needs only `{"run": ...}`: the shards' checkpoints are read from the lake, and the
    commit refuses to run while any is unfinished.
    """
    run = event["run"]
    settings = _run_settings(run)

    async def commit() -> dict[str, Any]:
        storage = open_lake(settings)
        try:
            async with run_context(settings, storage) as ctx:
                await collect_genres(ctx)
                day = settings.partition_date
                manifest = await read_manifest(storage, ctx.layout, day, run["run_id"])
                manifest = await finish_run(
                    ctx, run["run_id"], run["started_at"], manifest=manifest
                )
                return {
                    "run_id": run["run_id"],
                    "manifest": ctx.layout.manifest_key(day, run["run_id"]),
                    "records": {
                        name: content["records"] for name, content in manifest["datasets"].items()
                    },
                }
        finally:
            await storage.close()

    return asyncio.run(commit())


def lambda_handler(event: Mapping[str, Any] | None, context: Any) -> dict[str, Any]:
    """Run one ingest; `complete: false` in the body means "invoke again to resume"."""
    try:
        settings = settings_from_event(event)

        async def run() -> dict[str, Any]:
            storage = open_lake(settings)
            try:
                report = await ingest(settings, storage, should_stop=_deadline(context))
            finally:
                await storage.close()
            return report.as_dict()

        return _response(200, asyncio.run(run()))
    except ConfigError as exc:
        return _response(400, {"error": str(exc), "type": type(exc).__name__})
    except TmdbLakeError as exc:
        return _response(502, {"error": str(exc), "type": type(exc).__name__})
