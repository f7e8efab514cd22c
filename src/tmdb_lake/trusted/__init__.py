"""The trusted zone: raw JSON into typed, deduplicated Parquet tables (issue 12)."""
