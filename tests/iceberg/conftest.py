"""Fixtures of the Iceberg tests: the trusted tests' raw lake and CLI, and a Glue stand-in."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from trusted.conftest import (  # type: ignore[import-not-found]  # noqa: F401
    cli,
    raw_lake,
    raw_lake_template,
    trusted_catalog,
    trusted_simulator,
)


@pytest.fixture(scope="session")
def glue_endpoint() -> Iterator[str]:
    """moto's server on loopback: the AWS Glue Data Catalog's API, in memory."""
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield f"http://{host}:{port}"
    finally:
        server.stop()
