"""Build what the Glue jobs load: the tmdb-lake wheel and the two job scripts, in dist/glue/.

Glue installs the wheel (and its dependencies, from PyPI) when a job starts, through
`--additional-python-modules` (template.yaml). Upload the folder to the stack's artifacts
bucket, under glue/:

    python deploy/build_glue_artifacts.py
    aws s3 sync dist/glue/ s3://<ArtifactsBucketName>/glue/

The wheel's file name must match the stack's TmdbLakeWheel parameter (printed below).
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCRIPTS = ("trusted_job.py", "refined_job.py")


def build(out: Path) -> list[Path]:
    """Build the wheel and copy the job scripts into `out`; give the files."""
    out.mkdir(parents=True, exist_ok=True)
    for old in out.glob("tmdb_lake-*.whl"):
        old.unlink()
    command = [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", str(ROOT), "-w", str(out)]
    subprocess.run(command, check=True)
    for script in SCRIPTS:
        shutil.copy2(ROOT / "deploy" / "glue" / script, out / script)
    return sorted(out.iterdir())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "dist" / "glue")
    args = parser.parse_args(argv)
    files = build(args.out)
    for path in files:
        print(path)
    wheel = next(p.name for p in files if p.suffix == ".whl")
    print(f"TmdbLakeWheel={wheel}")
    print(f"upload: aws s3 sync {args.out}/ s3://<ArtifactsBucketName>/glue/")
    return 0


if __name__ == "__main__":
    sys.exit(main())
