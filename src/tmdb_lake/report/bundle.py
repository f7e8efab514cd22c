"""Vega, Vega-Lite and Vega-Embed as one script to inline into the page.

vl-convert (the Vega project's converter) ships these libraries inside its wheel and
bundles them offline, for the Vega-Lite version Altair writes. Bundling takes seconds, so
the script is kept in the work folder, one file per version of the pair.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import altair as alt
import vl_convert


def vegalite_version() -> str:
    """Give the Vega-Lite version Altair's specifications are written for (`6.4`)."""
    found = re.match(r"v?(\d+)\.(\d+)", alt.SCHEMA_VERSION)
    if found is None:
        raise ValueError(f"unexpected Altair schema version {alt.SCHEMA_VERSION!r}")
    return f"{found.group(1)}.{found.group(2)}"


def versions() -> str:
    """Name the libraries in the bundle, for the page's footer."""
    return (
        f"Vega {vl_convert.get_vega_version()}, Vega-Lite {vegalite_version()}, "
        f"Vega-Embed {vl_convert.get_vega_embed_version()} (bundled by vl-convert)"
    )


def vega_bundle(cache_dir: Path) -> str:
    """Give the script that defines `vegaEmbed`, built once per version and cached."""
    name = f"vega-{vl_convert.get_vega_version()}-vl-{vegalite_version()}.js"
    path = cache_dir / name
    if path.is_file():
        return path.read_text("utf-8")
    script: str = vl_convert.javascript_bundle(
        "window.vegaEmbed = vegaEmbed;", vl_version=vegalite_version()
    )
    cache_dir.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{name}.{os.getpid()}")
    partial.write_text(script, "utf-8")
    partial.replace(path)  # atomic: a concurrent report reads all of it or builds its own
    return script
