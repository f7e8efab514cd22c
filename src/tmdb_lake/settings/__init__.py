"""Settings: one frozen, validated object per command, from flags > environment > `.env`.

```
options.py   every option, declared once, in groups (lake, TMDB, leases, ingest)
parsers.py   text -> value, or one ConfigError naming the option as the user set it
model.py     LakeSettings (every command), Settings (an ingest)
loading.py   load(cls, groups, cli, environ, dotenv), read_dotenv
```
"""

from tmdb_lake.settings.loading import (
    ENGINE_GROUPS,
    INGEST_GROUPS,
    LAKE_GROUPS,
    REPORT_GROUPS,
    TRANSFORM_GROUPS,
    default_text,
    load,
    load_settings,
    options_of,
    read_dotenv,
)
from tmdb_lake.settings.model import (
    DEFAULT_API_URL,
    DEFAULT_EXPORTS_URL,
    EngineSettings,
    LakeSettings,
    ReportSettings,
    Settings,
    TransformSettings,
)
from tmdb_lake.settings.options import (
    ENGINE,
    INGEST,
    LAKE,
    LEASES,
    REPORT,
    TMDB,
    TRANSFORM,
    Option,
    OptionGroup,
)
from tmdb_lake.settings.parsers import MAX_APPENDS, MAX_RECORDS_PER_FILE, RunMode

__all__ = [
    "DEFAULT_API_URL",
    "DEFAULT_EXPORTS_URL",
    "ENGINE",
    "ENGINE_GROUPS",
    "INGEST",
    "INGEST_GROUPS",
    "LAKE",
    "LAKE_GROUPS",
    "LEASES",
    "MAX_APPENDS",
    "MAX_RECORDS_PER_FILE",
    "REPORT",
    "REPORT_GROUPS",
    "TMDB",
    "TRANSFORM",
    "TRANSFORM_GROUPS",
    "EngineSettings",
    "LakeSettings",
    "Option",
    "OptionGroup",
    "ReportSettings",
    "RunMode",
    "Settings",
    "TransformSettings",
    "default_text",
    "load",
    "load_settings",
    "options_of",
    "read_dotenv",
]
