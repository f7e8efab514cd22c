"""AWS Glue job: the trusted zone, on the job's SparkSession (tmdb-lake transform --engine spark).

A thin entry point: everything is in tmdb-lake (`tmdb_lake.trusted.jobs.glue_job`), which
Glue installs from the wheel named in `--additional-python-modules` (template.yaml).
Arguments: --lake s3://bucket/prefix [--glue-database NAME] [--warn-only true].
"""

import sys

from pyspark.sql import SparkSession

from tmdb_lake.trusted.jobs import glue_job

print(glue_job("trusted", sys.argv[1:], SparkSession.builder.getOrCreate()))
