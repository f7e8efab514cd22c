"""The benchmark harness of issue #6: tmdb-lake against the original script and dlt.

``python -m bench.run`` is the command (see its docstring). One concern per module:

- ``run``: the command line; writes ``results.json``, ``tables.md`` and ``throughput.png``.
- ``scenarios``: the sizes of S1..S4 (`Plan`) and the `Runner` that runs each scenario's tools.
- ``tools``: the tools under test: their names, command lines and clean environment.
- ``simulator_process``: ``bench/simulator.py`` in a child process (`Simulator`).
- ``measure``: wall time, CPU and peak RSS of a tool's process tree (`run_measured`).
- ``checks``: the ids a tool wrote, against the simulator's ground truth.
- ``results``: one tool in one scenario (`Row`), the machine, results.json read back.
- ``render``: the markdown tables and the plot.

Run on their own: ``simulator.py`` (started by the harness), ``baselines/`` (the other
tools), ``s1_timeline.py`` and ``http_client_cost.py`` (profiling aids).
"""

from __future__ import annotations

import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
PY = sys.executable
