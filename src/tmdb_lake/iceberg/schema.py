"""A table's declaration as an Iceberg table: schema, `dt` identity partition, properties.

The columns and their types come from the same declaration as the Parquet tables
(`trusted/tables/`, later `refined/`), plus `dt DATE` for a dated table: in Iceberg the
partition source is a real column (Parquet tables keep `dt` in the path only). Every field is
optional, like the columns of the Parquet files DuckDB writes. Iceberg assigns the field ids;
DuckDB's data files carry them (`FIELD_IDS`), so readers map columns by id and a column
added later reads as NULL in older files. Spark's carry none (it cannot write a list
element's id): every table has a name mapping, by which readers map those files' columns.

A contract change that adds a column evolves the table in place (`union_by_name`): new
fields get new ids, nothing is rewritten. Dropping or retyping a column is left to Iceberg's
rules (`union_by_name` keeps dropped columns and allows only type promotions).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Protocol

from tmdb_lake.errors import ConfigError

if TYPE_CHECKING:
    from pyiceberg.catalog import Catalog
    from pyiceberg.schema import Schema
    from pyiceberg.table import Table

TABLE_PROPERTIES = {
    "format-version": "2",
    "write.format.default": "parquet",
    "write.parquet.compression-codec": "zstd",
    # Copy-on-write for every engine that writes here (Spark/Glue): readers never need
    # delete files, and tmdb-lake replaces whole partitions anyway.
    "write.delete.mode": "copy-on-write",
    "write.update.mode": "copy-on-write",
    "write.merge.mode": "copy-on-write",
    # Old metadata files are pruned at each commit (snapshots live in the current one).
    "write.metadata.delete-after-commit.enabled": "true",
    "write.metadata.previous-versions-max": "20",
    "tmdb-lake.managed": "true",
}
PARTITION_COLUMN = "dt"
NAME_MAPPING = "schema.name-mapping.default"
"""How readers map the columns of data files without field ids (Spark's, `spark_files.py`)."""


class ColumnLike(Protocol):
    """What a declared column gives: its name and DuckDB type (`INTEGER[]` for a list)."""

    @property
    def name(self) -> str:
        """The column's name."""
        ...

    @property
    def type(self) -> str:
        """Its DuckDB type."""
        ...


class TableLike(Protocol):
    """What a declared table gives: its name and columns."""

    @property
    def name(self) -> str:
        """The table's name."""
        ...

    @property
    def columns(self) -> tuple[Any, ...]:
        """Its columns (`ColumnLike`), in order."""
        ...


def iceberg_type(duckdb_type: str, next_id: list[int]) -> Any:
    """Give the Iceberg type of a declared column type (lists get an element id)."""
    from pyiceberg import types as t

    primitives: dict[str, Any] = {
        "BIGINT": t.LongType(),
        "INTEGER": t.IntegerType(),
        "SMALLINT": t.IntegerType(),
        "DOUBLE": t.DoubleType(),
        "BOOLEAN": t.BooleanType(),
        "VARCHAR": t.StringType(),
        "DATE": t.DateType(),
        "TIMESTAMP": t.TimestampType(),
    }
    if duckdb_type.endswith("[]"):
        next_id[0] += 1
        element = iceberg_type(duckdb_type[:-2], next_id)
        return t.ListType(next_id[0], element, element_required=False)
    if duckdb_type not in primitives:
        raise ConfigError(f"the Iceberg tables cannot hold a {duckdb_type} column yet")
    return primitives[duckdb_type]


def table_schema(columns: Sequence[ColumnLike], dated: bool) -> Schema:
    """Give the Iceberg schema of a declared table (`dt` last, when dated)."""
    from pyiceberg.schema import Schema
    from pyiceberg.types import DateType, NestedField

    fields = []
    next_id = [len(columns) + 1]
    for number, column in enumerate(columns, start=1):
        kind = iceberg_type(column.type, next_id)
        fields.append(NestedField(number, column.name, kind, required=False))
    if dated:
        next_id[0] += 1
        fields.append(NestedField(next_id[0], PARTITION_COLUMN, DateType(), required=False))
    return Schema(*fields)


def ensure_table(
    catalog: Catalog,
    namespace: str,
    table: TableLike,
    location: str | None,
    *,
    dated: bool = True,
) -> Table:
    """Give the catalog's table for a declaration: created, or evolved to its columns."""
    from pyiceberg.exceptions import NoSuchTableError
    from pyiceberg.partitioning import PartitionField, PartitionSpec
    from pyiceberg.transforms import IdentityTransform

    schema = table_schema(table.columns, dated)
    identifier = (namespace, table.name)
    catalog.create_namespace_if_not_exists(namespace)
    try:
        found = catalog.load_table(identifier)
    except NoSuchTableError:
        spec = PartitionSpec()
        if dated:
            source = schema.find_field(PARTITION_COLUMN).field_id
            field = PartitionField(source, 1000, IdentityTransform(), PARTITION_COLUMN)
            spec = PartitionSpec(field)
        created = catalog.create_table_if_not_exists(
            identifier,
            schema=schema,
            location=location,
            partition_spec=spec,
            properties=TABLE_PROPERTIES,
        )
        return with_name_mapping(created)
    return with_name_mapping(evolve(found, schema))


def with_name_mapping(table: Table) -> Table:
    """Give the table a name mapping once (pyiceberg keeps it in step with schema changes)."""
    if NAME_MAPPING in table.properties:
        return table
    with table.transaction() as transaction:
        transaction.set_properties({NAME_MAPPING: table.schema().name_mapping.model_dump_json()})
    return table


def evolve(table: Table, schema: Schema) -> Table:
    """Add the declaration's new columns to the table in place (one schema change, no rewrite)."""
    known = {field.name for field in table.schema().fields}
    if all(field.name in known for field in schema.fields):
        return table
    with table.update_schema() as update:
        update.union_by_name(schema)
    return table


def field_ids_option(schema: Schema, names: Sequence[str]) -> str:
    """Give DuckDB's `FIELD_IDS` value writing `names` with the table's field ids."""
    from pyiceberg.types import ListType

    parts = []
    for name in names:
        found = schema.find_field(name)
        if isinstance(found.field_type, ListType):
            parts.append(
                f'"{name}": {{__duckdb_field_id: {found.field_id}, '
                f"element: {found.field_type.element_id}}}"
            )
        else:
            parts.append(f'"{name}": {found.field_id}')
    return "{" + ", ".join(parts) + "}"
