"""AWS Glue job: the refined zone (the dimensional model), on the job's SparkSession.

A thin entry point, like trusted_job.py: `tmdb-lake refine` on the job's SparkSession,
then the refined tables registered in the Glue database.
"""

import sys

from pyspark.sql import SparkSession

from tmdb_lake.trusted.jobs import glue_job

print(glue_job("refined", sys.argv[1:], SparkSession.builder.getOrCreate()))
