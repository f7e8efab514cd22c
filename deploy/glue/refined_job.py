"""AWS Glue job: the refined zone (the dimensional model), on the job's SparkSession.

A thin entry point, like trusted_job.py; until the installed tmdb-lake has the refined
zone, the job says so and succeeds, so the chain can be deployed whole before it lands.
"""

import sys

from pyspark.sql import SparkSession

from tmdb_lake.trusted.jobs import glue_job

print(glue_job("refined", sys.argv[1:], SparkSession.builder.getOrCreate()))
