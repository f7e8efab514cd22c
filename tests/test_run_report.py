import subprocess
import sys


def test_peak_rss_is_our_own_not_the_spawning_process_s() -> None:
    """A parent holding 300 MB spawns us: our peak must not include its memory."""
    parent = (
        "import subprocess, sys\n"
        "ballast = bytearray(300 * 1024 * 1024)\n"
        "for i in range(0, len(ballast), 4096): ballast[i] = 1\n"
        "code = 'from tmdb_lake.run import peak_rss_mb; print(peak_rss_mb())'\n"
        "print(subprocess.run([sys.executable, '-c', code], capture_output=True, text=True,"
        " check=True).stdout)\n"
    )
    out = subprocess.run([sys.executable, "-c", parent], capture_output=True, text=True, check=True)
    assert 5 < float(out.stdout.strip()) < 200
