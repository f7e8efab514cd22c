"""Build the Lambda deployment zip: tmdb-lake and its dependencies, minus what Lambda ships.

Usage::

    python deploy/build_lambda_zip.py [--arch arm64|x86_64] [--python 3.12]
                                      [--out dist/tmdb-lake-lambda.zip]

Or from Python (the zip test does this)::

    from build_lambda_zip import build
    zip_path = build("arm64", "3.12", Path("dist/tmdb-lake-lambda.zip"))

Steps: ``pip wheel --no-deps`` the project; read the wheel's ``Requires-Dist``;
install those requirements, except the AWS SDK that the Lambda Python runtime
already provides, as binary wheels for the target platform and Python; install
the project wheel with ``--no-deps``; remove the SDK again should a dependency
have pulled a piece of it in; drop ``__pycache__``, tests and scripts (and their
``RECORD`` lines); zip with sorted entries and fixed timestamps, so the same
inputs give the same bytes (and CloudFormation sees no change to deploy).

Standard library only. Exits 1 if the zip is over the size budget (5 MiB).
"""

from __future__ import annotations

import argparse
import csv
import email.parser
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUT = ROOT / "dist" / "tmdb-lake-lambda.zip"
MAX_BYTES = 5 * 1024 * 1024

# The Lambda Python runtime ships boto3 and its dependencies; bundling them
# would only add megabytes and pin an SDK older than the runtime's.
RUNTIME_PROVIDED = frozenset(
    {"boto3", "botocore", "s3transfer", "jmespath", "python-dateutil", "six", "urllib3"}
)
# The trusted zone's engine (`tmdb-lake transform`): 80 MB unpacked, never imported by the
# ingest handlers, and shipped to Lambda as a container image or layer (docs/lake.md); and
# the report's charts (`tmdb-lake report`: Altair, vl-convert's 33 MB wheel), not run there.
TRANSFORM_ONLY = frozenset({"duckdb", "duckdb-extension-httpfs", "altair", "vl-convert-python"})
# Lambda's python3.12 runtime is Amazon Linux 2023 (glibc 2.34); 3.11 and
# older run on Amazon Linux 2 (glibc 2.26), which manylinux2014 (2.17) fits.
PLATFORMS = {
    "arm64": ("manylinux2014_aarch64", "manylinux_2_28_aarch64"),
    "x86_64": ("manylinux2014_x86_64", "manylinux_2_28_x86_64"),
}
HOST_ARCH = {"aarch64": "arm64", "arm64": "arm64", "x86_64": "x86_64", "amd64": "x86_64"}
# Fixed, and the earliest time a zip entry can hold.
ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)
JUNK_DIRS = frozenset({"__pycache__", "tests", "test"})
JUNK_SUFFIXES = (".pyc", ".pyo")
# pip records the temporary wheel path here, which would make every zip differ.
JUNK_FILES = frozenset({"direct_url.json"})


class BuildError(Exception):
    """The zip could not be built; the message says why."""


def normalize(name: str) -> str:
    """Return a distribution name in PEP 503 form: ``Python_Dateutil`` -> ``python-dateutil``."""
    return re.sub(r"[-_.]+", "-", name).lower()


def requirement_name(requirement: str) -> str:
    match = re.match(r"\s*([A-Za-z0-9][A-Za-z0-9._-]*)", requirement)
    if not match:
        raise BuildError(f"cannot read the name in requirement {requirement!r}")
    return normalize(match.group(1))


def runtime_requirements(wheel: Path) -> list[str]:
    """Return the wheel's ``Requires-Dist`` minus extras and minus what Lambda provides."""
    with zipfile.ZipFile(wheel) as archive:
        metadata_names = [n for n in archive.namelist() if n.endswith(".dist-info/METADATA")]
        if len(metadata_names) != 1:
            raise BuildError(f"{wheel.name}: expected one METADATA, found {metadata_names}")
        metadata = email.parser.Parser().parsestr(archive.read(metadata_names[0]).decode())
    keep = []
    for requirement in metadata.get_all("Requires-Dist") or []:
        marker = requirement.partition(";")[2]
        if re.search(r"\bextra\s*==", marker):
            continue
        if requirement_name(requirement) in RUNTIME_PROVIDED | TRANSFORM_ONLY:
            continue
        keep.append(requirement.strip())
    return keep


def run(command: list[str]) -> None:
    print("+", " ".join(command), flush=True)
    completed = subprocess.run(command, check=False)
    if completed.returncode != 0:
        raise BuildError(f"command failed with exit code {completed.returncode}: {command[:5]}...")


def pip(*args: str) -> list[str]:
    return [sys.executable, "-m", "pip", "--disable-pip-version-check", *args]


def target_args(arch: str, python_version: str, target: Path) -> list[str]:
    platforms: tuple[str, ...] = PLATFORMS[arch]
    if tuple(int(p) for p in python_version.split(".")[:2]) < (3, 12):
        platforms = platforms[:1]
    args = ["install", "--target", str(target), "--implementation", "cp"]
    args += ["--python-version", python_version, "--only-binary=:all:", "--no-compile"]
    for name in platforms:
        args += ["--platform", name]
    return args


def distributions(target: Path) -> dict[str, Path]:
    """Map each installed distribution's normal name to its ``.dist-info`` folder."""
    found = {}
    for dist_info in target.glob("*.dist-info"):
        metadata = email.parser.Parser().parsestr(
            (dist_info / "METADATA").read_text(encoding="utf-8")
        )
        found[normalize(metadata["Name"])] = dist_info
    return found


def record_paths(dist_info: Path) -> list[str]:
    record = dist_info / "RECORD"
    if not record.exists():
        return []
    with record.open(newline="", encoding="utf-8") as handle:
        return [row[0] for row in csv.reader(handle) if row]


def remove_distribution(target: Path, dist_info: Path) -> None:
    """Delete every file a distribution installed, as its RECORD lists them."""
    for relative in record_paths(dist_info):
        path = (target / relative).resolve()
        if target.resolve() in path.parents and path.is_file():
            path.unlink()
    shutil.rmtree(dist_info, ignore_errors=True)
    prune_empty_dirs(target)


def prune_empty_dirs(target: Path) -> None:
    for directory in sorted((p for p in target.rglob("*") if p.is_dir()), reverse=True):
        if not any(directory.iterdir()):
            directory.rmdir()


def is_junk(relative: Path) -> bool:
    parts = relative.parts
    if parts and parts[0] == "bin":  # console scripts, useless on Lambda
        return True
    if relative.suffix in JUNK_SUFFIXES or relative.name in JUNK_FILES:
        return True
    # A tests folder inside a package; never a package's own top-level module.
    return any(part in JUNK_DIRS for part in parts[1:-1])


def clean(target: Path) -> None:
    """Drop caches, tests and scripts, and rewrite every RECORD to list only what is left."""
    for path in sorted(target.rglob("*")):
        if path.is_file() and is_junk(path.relative_to(target)):
            path.unlink()
    prune_empty_dirs(target)
    for dist_info in target.glob("*.dist-info"):
        record = dist_info / "RECORD"
        if not record.exists():
            continue
        with record.open(newline="", encoding="utf-8") as handle:
            rows = [row for row in csv.reader(handle) if row]
        kept = [row for row in rows if (target / row[0]).exists() or row[0].endswith("RECORD")]
        with record.open("w", newline="", encoding="utf-8") as handle:
            csv.writer(handle, lineterminator="\n").writerows(kept)


def write_zip(source: Path, out: Path) -> None:
    """Zip ``source`` deterministically: sorted POSIX paths, fixed times, 0644 files."""
    out.parent.mkdir(parents=True, exist_ok=True)
    files = sorted(p.relative_to(source).as_posix() for p in source.rglob("*") if p.is_file())
    partial = out.with_suffix(out.suffix + ".partial")
    with zipfile.ZipFile(partial, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for name in files:
            info = zipfile.ZipInfo(name, date_time=ZIP_EPOCH)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 3  # unix, so the mode below is honoured
            info.external_attr = (0o100644 & 0xFFFF) << 16
            archive.writestr(info, (source / name).read_bytes(), compresslevel=9)
    os.replace(partial, out)


SMOKE_SCRIPT = """
import importlib, sys
target, names = sys.argv[1], sys.argv[2:]
sys.path.insert(0, target)
failed = []
for name in names:
    try:
        importlib.import_module(name)
    except ModuleNotFoundError as error:
        if error.name.split(".")[0] not in {"boto3", "botocore"}:
            failed.append(f"{name} ({error})")
    except Exception as error:
        failed.append(f"{name} ({type(error).__name__}: {error})")
print("smoke import:", "FAILED " + ", ".join(failed) if failed else "ok", "-", " ".join(names))
sys.exit(1 if failed else 0)
"""


def smoke_import(target: Path, arch: str, python_version: str) -> None:
    """Import every bundled top-level module with the target Python, when this host can.

    Runs with ``-I -S`` so nothing comes from the build machine's site-packages:
    a dependency that pip left out shows here, not on Lambda. boto3 is absent as
    well, so a module that needs it at import time is let off. ``-B`` keeps
    bytecode out of the zip.
    """
    if HOST_ARCH.get(platform.machine().lower()) != arch:
        print(f"smoke import skipped: this host is not {arch}")
        return
    interpreter = shutil.which(f"python{python_version}")
    runnable = interpreter is not None and (
        subprocess.run([interpreter, "-c", ""], capture_output=True, check=False).returncode == 0
    )
    if not runnable:
        print(f"smoke import skipped: no working python{python_version} on PATH")
        return
    modules = sorted(
        p.stem if p.suffix == ".py" else p.name
        for p in target.iterdir()
        if p.suffix == ".py" or (p.is_dir() and (p / "__init__.py").exists())
    )
    if (target / "tmdb_lake" / "aws_lambda.py").exists():
        modules.append("tmdb_lake.aws_lambda")  # the handlers' whole import chain
    command = [str(interpreter), "-I", "-S", "-B", "-c", SMOKE_SCRIPT, str(target), *modules]
    if subprocess.run(command, check=False).returncode != 0:
        raise BuildError("a bundled module does not import with the target Python")


def build(
    arch: str = "arm64",
    python_version: str = "3.12",
    out: Path = DEFAULT_OUT,
    *,
    project: Path = ROOT,
    max_bytes: int = MAX_BYTES,
    constraints: Path | None = None,
) -> Path:
    """Build the deployment zip for ``arch`` and ``python_version``; return its path.

    ``constraints`` is an optional pip constraints file: with it, the same tree
    gives the same zip, byte for byte, on any day.

    Raises:
        BuildError: pip failed, a bundled module does not import, or the zip is
            larger than ``max_bytes``.
    """
    if arch not in PLATFORMS:
        raise BuildError(f"arch must be one of {sorted(PLATFORMS)}, not {arch!r}")
    if not re.fullmatch(r"3\.\d+", python_version):
        raise BuildError(f"python version must look like 3.12, not {python_version!r}")
    out = Path(out).resolve()
    with tempfile.TemporaryDirectory(prefix="tmdb-lake-lambda-") as scratch:
        wheels, target = Path(scratch) / "wheels", Path(scratch) / "pkg"
        run(pip("wheel", "--no-deps", "-qq", str(project), "-w", str(wheels)))
        built = sorted(wheels.glob("*.whl"))
        if len(built) != 1:
            raise BuildError(f"pip wheel made {len(built)} wheels, expected one")
        wheel = built[0]
        requirements = runtime_requirements(wheel)
        base = target_args(arch, python_version, target)
        if constraints is not None:
            base += ["--constraint", str(Path(constraints).resolve())]
        if requirements:
            run(pip(*base, "-qq", *requirements))
        run(pip(*base, "-qq", "--no-deps", str(wheel)))
        installed = distributions(target)
        for name in sorted(RUNTIME_PROVIDED & set(installed)):
            print(f"removing {name}: the Lambda runtime provides it")
            remove_distribution(target, installed[name])
        clean(target)
        if not (target / "tmdb_lake" / "aws_lambda.py").exists():
            print("warning: tmdb_lake/aws_lambda.py is missing: the handlers are not written yet")
        smoke_import(target, arch, python_version)
        write_zip(target, out)
        bundled = sorted(distributions(target))
    size = out.stat().st_size
    print(f"bundled: {' '.join(bundled)}")
    print(f"{out}: {size:,} bytes ({size / 1024 / 1024:.2f} MiB), {arch}, python {python_version}")
    if size > max_bytes:
        raise BuildError(f"{out.name} is {size:,} bytes, over the {max_bytes:,}-byte budget")
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--arch", choices=sorted(PLATFORMS), default="arm64")
    parser.add_argument("--python", default="3.12", dest="python_version", metavar="X.Y")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument(
        "--constraint", type=Path, help="pip constraints file pinning the dependencies"
    )
    parser.add_argument("--project", type=Path, default=ROOT, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    try:
        build(
            args.arch,
            args.python_version,
            args.out,
            project=args.project,
            constraints=args.constraint,
        )
    except BuildError as error:
        print(f"build_lambda_zip: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
