"""Apache Iceberg tables for the zones of tables (`--table-format iceberg`).

```
catalog.py   sql, rest or glue, opened from the settings; namespaces; where tables live
schema.py    a table declaration as an Iceberg schema (+ dt identity partition), evolved
files.py     DuckDB writes the data files (with field ids); listing, deleting via FileIO
commit.py    one snapshot per (table, dt) or whole-table replace: overwrite by filter
sink.py      a built dt (or undated tables) published as snapshots under its lease; healing
reading.py   DuckDB views over iceberg_scan, now or --as-of a timestamp or snapshot
maintain.py  expire snapshots (and their files), compact small files, remove orphans
ddl.py       CREATE statements of the Iceberg tables (Athena, Spark, DuckDB)
```

pyiceberg is imported only when an Iceberg command runs.
"""
