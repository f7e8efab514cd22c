"""Where the Iceberg tables are registered: one catalog, opened from the command's settings.

Three kinds, all through pyiceberg (pinned `pyiceberg==0.12.0`):

- `sql`: pyiceberg's SQL catalog. A local lake keeps it as SQLite in the lake folder
  (`_catalog/iceberg.db`); an S3 lake must name one (`--catalog-uri sqlite:///...`), since
  SQLite cannot live in S3. The tables' files go to the lake either way.
- `rest`: any Iceberg REST catalog (AWS S3 Tables, SeaweedFS, Polaris, Glue's Iceberg REST
  endpoint), optionally signed with SigV4 (`--catalog-signing s3tables`). The catalog
  decides where its tables live (S3 Tables and SeaweedFS keep them in the table bucket).
- `glue`: the AWS Glue Data Catalog, one database per zone; tables in the lake.

The tables of zone Z are in namespace `<prefix>_<Z>` (`tmdb_trusted`, `tmdb_refined`).
Storage access (the same endpoint and credentials as the lake) is handed to pyiceberg's
FileIO; credentials never appear in a message.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from tmdb_lake.errors import ConfigError
from tmdb_lake.lake.layout import SQL_CATALOG_KEY
from tmdb_lake.lake.location import LakeLocation
from tmdb_lake.lake.s3_options import S3Options, reveal
from tmdb_lake.secret import Secret
from tmdb_lake.settings.parsers import CatalogKind

if TYPE_CHECKING:
    from pyiceberg.catalog import Catalog

CATALOG_NAME = "tmdb_lake"
"""The catalog's name: the `sql` catalog keys its rows by it (other tools must use it too)."""


@dataclass(frozen=True)
class RestAuth:
    """How to authenticate to a REST catalog: SigV4 under a service name, or OAuth2."""

    signing: str | None = None
    token: Secret | None = None
    credential: Secret | None = None


@dataclass(frozen=True)
class CatalogConfig:
    """Which catalog, how to reach it, and how to reach the files of its tables."""

    kind: CatalogKind
    lake: LakeLocation
    s3: S3Options
    uri: str | None = None
    warehouse: str | None = None
    namespace_prefix: str = "tmdb"
    rest: RestAuth = RestAuth()

    @classmethod
    def from_settings(cls, settings: Any) -> CatalogConfig:
        """Build it from an `EngineSettings` (the command's flags, environment, `.env`)."""
        lake = LakeLocation.parse(settings.lake)
        kind: CatalogKind | None = settings.catalog
        if kind is None:
            if lake.kind == "s3":
                raise ConfigError(
                    "--table-format iceberg on an S3 lake needs a catalog: --catalog glue, "
                    "--catalog rest --catalog-uri URL, or --catalog sql --catalog-uri "
                    "sqlite:///path.db (a local file)"
                )
            kind = "sql"
        if kind == "sql" and lake.kind == "s3" and not settings.catalog_uri:
            raise ConfigError("--catalog sql on an S3 lake needs --catalog-uri sqlite:///path.db")
        if kind == "rest" and not settings.catalog_uri:
            raise ConfigError("--catalog rest needs --catalog-uri (the catalog's URL)")
        return cls(
            kind=kind,
            lake=lake,
            s3=settings.s3_options(),
            uri=settings.catalog_uri,
            warehouse=settings.catalog_warehouse,
            namespace_prefix=settings.catalog_namespace,
            rest=RestAuth(
                _signing(settings.catalog_signing),
                settings.catalog_token,
                settings.catalog_credential,
            ),
        )

    def namespace(self, zone: str) -> str:
        """Give the namespace (Glue database) of a zone's tables."""
        return f"{self.namespace_prefix}_{zone}"

    @property
    def chooses_location(self) -> bool:
        """Tell whether the catalog, not tmdb-lake, decides where a new table lives."""
        return self.kind == "rest"

    def lake_url(self, key: str) -> str:
        """Give the URL of a lake-relative key, as Iceberg metadata records it."""
        if self.lake.kind == "s3":
            prefix = f"{self.lake.prefix}/" if self.lake.prefix else ""
            return f"s3://{self.lake.bucket}/{prefix}{key}"
        assert self.lake.path is not None
        return f"{self.lake.path.resolve()}/{key}"


def open_catalog(config: CatalogConfig) -> Catalog:
    """Open the configured catalog (pyiceberg is imported here, on first use)."""
    from pyiceberg.catalog import load_catalog
    from pyiceberg.exceptions import ForbiddenError, UnauthorizedError

    remote_files = config.lake.kind == "s3" or config.kind == "rest"
    io = file_io_properties(config.s3) if remote_files else {}
    properties = {**io, **_catalog_properties(config)}
    try:
        return load_catalog(CATALOG_NAME, **properties)
    except (ForbiddenError, UnauthorizedError) as exc:
        message = f"the {config.kind} catalog refused tmdb-lake: {_first_line(exc)}"
        raise ConfigError(message) from None
    except (OSError, ValueError) as exc:
        raise ConfigError(f"cannot open the {config.kind} catalog: {_first_line(exc)}") from None


def _catalog_properties(config: CatalogConfig) -> dict[str, str]:
    if config.kind == "sql":
        uri = config.uri
        if uri is None:
            assert config.lake.path is not None
            path = config.lake.path.resolve() / SQL_CATALOG_KEY
            path.parent.mkdir(parents=True, exist_ok=True)
            uri = f"sqlite:///{path}"
        return {"type": "sql", "uri": uri, "warehouse": config.lake_url("")}
    if config.kind == "glue":
        props = {"type": "glue"}
        if config.uri:
            props["glue.endpoint"] = config.uri
        if config.s3.region:
            props["glue.region"] = config.s3.region
        key_id, secret, token = _credentials(config.s3, chain=False)  # boto3 walks its chain
        if key_id and secret:
            props |= {"glue.access-key-id": key_id, "glue.secret-access-key": secret}
            if token:
                props["glue.session-token"] = token
        return props
    props = {"type": "rest", "uri": str(config.uri)}
    if config.warehouse:
        props["warehouse"] = config.warehouse
    auth = config.rest
    if auth.token is not None:
        props["token"] = auth.token.reveal()
    if auth.credential is not None:
        props["credential"] = auth.credential.reveal()
    if auth.signing:
        props |= {
            "rest.sigv4-enabled": "true",
            "rest.signing-name": auth.signing,
            "rest.signing-region": config.s3.region or "us-east-1",
        }
        key_id, secret, token = _credentials(config.s3)
        if key_id and secret:
            props |= {"client.access-key-id": key_id, "client.secret-access-key": secret}
            if token:
                props["client.session-token"] = token
        props["client.region"] = config.s3.region or "us-east-1"
    return props


def file_io_properties(s3: S3Options) -> dict[str, str]:
    """Give pyiceberg's FileIO the lake's S3 endpoint, region and credentials."""
    props = {"s3.region": s3.region or "us-east-1"}
    if s3.endpoint_url:
        props["s3.endpoint"] = s3.endpoint_url
        props["s3.force-virtual-addressing"] = "false"
    key_id, secret, token = _credentials(s3)
    if key_id and secret:
        props |= {"s3.access-key-id": key_id, "s3.secret-access-key": secret}
        if token:
            props["s3.session-token"] = token
    return props


def _credentials(s3: S3Options, chain: bool = True) -> tuple[str | None, str | None, str | None]:
    key_id = reveal(s3.access_key_id)
    if key_id is not None or not chain:
        return key_id, reveal(s3.secret_access_key), reveal(s3.session_token)
    from tmdb_lake.trusted.duckdb_engine import default_chain_credentials

    return default_chain_credentials()


def _signing(name: str | None) -> str | None:
    return None if name in (None, "", "none") else name


def _first_line(exc: BaseException) -> str:
    return " ".join(str(exc).split())[:300]
