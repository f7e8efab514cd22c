"""AWS Lambda entry points: thin. Event -> settings -> `run.ingest` -> response.

Settings come from the function's environment (the same variables as the CLI). The
TMDB credential is read once per cold start from SSM Parameter Store
(`TMDB_CREDENTIAL_SSM_PARAMETER`) or Secrets Manager (`TMDB_CREDENTIAL_SECRET_ID`).
A `.env` file is read only when `TMDB_LAKE_ENV_FILE` names one.
"""

from __future__ import annotations

import asyncio
import os
import signal
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

import orjson

from tmdb_lake.collect.context import Stopped
from tmdb_lake.errors import ConfigError, TmdbLakeError
from tmdb_lake.plan import run_key, shard_from_dict, shard_to_dict
from tmdb_lake.run import Run, ingest, open_lake
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


def load_function_settings(
    overrides: Mapping[str, str | None], environ: Mapping[str, str] | None = None
) -> Settings:
    """Build settings the way every handler does: environment, credential store, `.env`.

    One function for all four handlers, so a plan and its shards can never disagree on
    the run's identity (a `.env` that sets genres applies to each step alike).
    """
    env = dict(os.environ if environ is None else environ)
    env.update(_fetch_credential(env))
    env_file = env.get("TMDB_LAKE_ENV_FILE")
    dotenv = read_dotenv(Path(env_file), required=True) if env_file else {}
    return load_settings(overrides, env, dotenv)


def settings_from_event(
    event: Mapping[str, Any] | None, environ: Mapping[str, str] | None = None
) -> Settings:
    """Build the run's settings from the function's environment and the event."""
    return load_function_settings(overrides_from_event(event), environ)


def _deadline(context: Any) -> Callable[[], bool]:
    remaining = getattr(context, "get_remaining_time_in_millis", None)
    if remaining is None:
        return lambda: False
    return lambda: bool(remaining() < DEADLINE_MARGIN_MS)


def _response(status: int, body: Mapping[str, Any]) -> dict[str, Any]:
    return {"statusCode": status, "body": orjson.dumps(body).decode()}


def _run_settings(run: Mapping[str, Any]) -> Settings:
    """Rebuild a distributed run's settings: the plan's overrides, loaded like the plan's."""
    overrides = run.get("overrides")
    if not isinstance(overrides, Mapping) or not isinstance(run.get("attempt"), str):
        raise ConfigError("the step's input has no run descriptor: start from plan_handler")
    settings = load_function_settings({k: str(v) for k, v in overrides.items()})
    if run_key(settings) != run.get("run_key"):
        raise ConfigError(
            "this function's settings give another run key than the plan's: "
            "every step of a run must have the same environment"
        )
    return settings


def plan_handler(event: Mapping[str, Any] | None, context: Any) -> dict[str, Any]:
    """Step Functions, step 1: take the day's leases, plan the run, list its shards.

    Gives `{"run": ..., "shards": [...]}`; the Map hands `{"run", "shard"}` to each
    `shard_handler`. The partition date is fixed here, so every later step of the run
    agrees on it even past midnight. The run descriptor carries the attempt token: every
    later step renews the same leases instead of competing for them. The shard list is
    also written as a JSON array (`shards_key`) for a distributed Map that reads from S3.
    """
    settings = settings_from_event(event)
    overrides = {**overrides_from_event(event), "partition_date": str(settings.partition_date)}

    async def plan() -> dict[str, Any]:
        storage = open_lake(settings)
        try:
            async with Run(settings, storage) as run:
                await run.start()
                shards = [] if run.manifest is not None else await run.plan(probe=True)
                run_id = run.manifest.run_id if run.manifest is not None else run.record.run_id
                descriptor = {
                    "run_key": run.run_key,
                    "run_id": run_id,
                    "attempt": run.leases.holder.token,
                    "overrides": overrides,
                }
                items = [shard_to_dict(shard) for shard in shards]
                shards_key = run.layout.shard_list_key(run.run_key, run_id)
                if run.manifest is None:
                    await storage.put(shards_key, orjson.dumps(items))
                return {"run": descriptor, "shards": items, "shards_key": shards_key}
        finally:
            await storage.close()

    return asyncio.run(plan())


async def _join(run: Run, descriptor: Mapping[str, Any], *, fetches: bool = True) -> None:
    attempt, run_id = str(descriptor["attempt"]), str(descriptor["run_id"])
    await run.start(attempt=attempt, run_id=run_id, fetches=fetches)


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
            async with Run(settings, storage, should_stop=_deadline(context)) as run:
                await _join(run, event["run"])
                if run.manifest is not None:
                    return True  # committed already: nothing left to do
                try:
                    await run.run_shards([shard])
                except Stopped:
                    return False
                return True
        finally:
            await storage.close()

    return {"run": event["run"], "shard": event["shard"], "complete": asyncio.run(work())}


def commit_handler(event: Mapping[str, Any], context: Any) -> dict[str, Any]:
    """Step Functions, step 3: publish the run, then free the day's leases.

    Needs only `{"run": ...}`: the shards' checkpoints are read from the lake and checked
    against the plan record; the commit refuses while any expected shard is unfinished.
    """
    descriptor = event["run"]
    settings = _run_settings(descriptor)

    async def commit() -> dict[str, Any]:
        storage = open_lake(settings)
        try:
            async with Run(settings, storage) as run:
                await _join(run, descriptor, fetches=False)
                try:
                    manifest = await run.commit()
                finally:
                    if run.manifest is not None:
                        await run.release()
                day = settings.partition_date
                return {
                    "run_id": manifest.run_id,
                    "manifest": run.layout.manifest_key(day, manifest.run_id),
                    "records": {name: ds.records for name, ds in manifest.datasets.items()},
                }
        finally:
            await storage.close()

    return asyncio.run(commit())


def lambda_handler(event: Mapping[str, Any] | None, context: Any) -> dict[str, Any]:
    """Run one ingest; `complete: false` in the body means "invoke again to resume".

    A SIGTERM (the runtime shutting down) stops the run like the deadline does: shards
    checkpoint, the leases are freed, and the next invocation resumes.
    """
    try:
        settings = settings_from_event(event)
        terminated = _TerminationFlag()

        async def run() -> dict[str, Any]:
            storage = open_lake(settings)
            deadline = _deadline(context)
            try:
                report = await ingest(
                    settings, storage, should_stop=lambda: terminated.set or deadline()
                )
            finally:
                await storage.close()
            return report.as_dict()

        with terminated.installed():
            return _response(200, asyncio.run(run()))
    except ConfigError as exc:
        return _response(400, {"error": str(exc), "type": type(exc).__name__})
    except TmdbLakeError as exc:
        return _response(502, {"error": str(exc), "type": type(exc).__name__})


class _TerminationFlag:
    """Turns SIGTERM into a flag the run checks between pages (main thread only)."""

    def __init__(self) -> None:
        self.set = False

    @contextmanager
    def installed(self) -> Iterator[None]:
        def handle(signum: int, frame: Any) -> None:
            self.set = True

        try:
            previous = signal.signal(signal.SIGTERM, handle)
        except ValueError:  # not the main thread: the deadline alone stops the run
            yield
            return
        try:
            yield
        finally:
            signal.signal(signal.SIGTERM, previous)
