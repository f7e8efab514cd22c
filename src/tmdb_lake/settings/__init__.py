"""Settings: one frozen, validated object per command, from flags > environment > `.env`.

```
options.py   every option, declared once, in groups (lake, TMDB, leases, ingest, engine,
             transform, refine, tables: format and Iceberg catalog, maintain, report)
parsers.py   text -> value, or one ConfigError naming the option as the user set it
model.py     LakeSettings (every command), Settings (an ingest), EngineSettings,
             RefineSettings, TransformSettings, MaintainSettings, ReportSettings
loading.py   load(cls, groups, cli, environ, dotenv), read_dotenv
```
"""

from tmdb_lake.settings.loading import (
    ENGINE_GROUPS,
    INGEST_GROUPS,
    LAKE_GROUPS,
    MAINTAIN_GROUPS,
    REFINE_GROUPS,
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
    MaintainSettings,
    RefineSettings,
    ReportSettings,
    Settings,
    TransformSettings,
)
from tmdb_lake.settings.options import (
    ENGINE,
    INGEST,
    LAKE,
    LEASES,
    MAINTAIN,
    REFINE,
    REPORT,
    TABLES,
    TMDB,
    TRANSFORM,
    Option,
    OptionGroup,
)
from tmdb_lake.settings.parsers import MAX_APPENDS, MAX_RECORDS_PER_FILE, EngineName, RunMode

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
    "MAINTAIN",
    "MAINTAIN_GROUPS",
    "MAX_APPENDS",
    "MAX_RECORDS_PER_FILE",
    "REFINE",
    "REFINE_GROUPS",
    "REPORT",
    "REPORT_GROUPS",
    "TABLES",
    "TMDB",
    "TRANSFORM",
    "TRANSFORM_GROUPS",
    "EngineName",
    "EngineSettings",
    "LakeSettings",
    "MaintainSettings",
    "Option",
    "OptionGroup",
    "RefineSettings",
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
