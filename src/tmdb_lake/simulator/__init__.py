"""An offline, deterministic TMDB v3 API and daily-export CDN, for demos, tests and benchmarks.

Example::

    from tmdb_lake.simulator import Catalog, SimulatorServer

    with SimulatorServer(Catalog(movies=2_000, series=500)) as server:
        print(server.api_url)  # http://127.0.0.1:PORT/3, key "simulator-key"
"""

from __future__ import annotations

from tmdb_lake.simulator.catalog import Catalog
from tmdb_lake.simulator.faults import SimulatorConfig, SimulatorStats
from tmdb_lake.simulator.server import SimulatorServer, serve_forever

__all__ = ["Catalog", "SimulatorConfig", "SimulatorServer", "SimulatorStats", "serve_forever"]
