"""The figures drawn: one markdown table per scenario, and the plot."""

from __future__ import annotations

from pathlib import Path

from bench.results import Row


def _fmt(value: float | None, spec: str = ".1f") -> str:
    return "-" if value is None else format(value, spec)


def tables(rows: list[Row]) -> str:
    """Give one markdown table per scenario."""
    out: list[str] = []
    for scenario in dict.fromkeys(row.scenario for row in rows):
        group = [row for row in rows if row.scenario == scenario]
        out.append(f"### {scenario}\n")
        out.append(
            "| tool | wall s | requests | req/s | records | records/s | % of R (wall) "
            "| % of R (active) | 429s | missing | dup | CPU s | CPU s / 10k rec | peak RSS MB "
            "| exit |"
        )
        out.append("|" + " --- |" * 15)
        for r in group:
            out.append(
                f"| {r.tool} | {r.wall_s:.1f} | {r.requests:,} | {r.req_per_s:.1f} "
                f"| {r.records:,} | {r.records_per_s:.0f} | {_fmt(r.pct_ceiling)} "
                f"| {_fmt(r.pct_ceiling_active)} | {r.throttled:,} | {r.missing:,} "
                f"| {r.duplicates:,} | {r.cpu_s:.1f} | {_fmt(r.cpu_per_10k, '.2f')} "
                f"| {r.peak_rss_mb:.0f} | {r.exit_code} |"
            )
        notes = [f"- {r.tool}: {r.note}" for r in group if r.note]
        out.extend(["", *notes, ""] if notes else [""])
    return "\n".join(out)


def plot(rows: list[Row], path: Path, rate: float) -> None:
    """Draw requests/s against the ceiling (S1, S2), CPU per 10k (S3), RSS (S4)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    scenarios = list(dict.fromkeys(row.scenario for row in rows))
    fig, axes = plt.subplots(1, len(scenarios), figsize=(4.2 * len(scenarios), 4.2))
    axes = [axes] if len(scenarios) == 1 else list(axes)
    colours = {
        "tmdb-lake": "#2a7ab0",
        "baseline": "#b0b0b0",
        "dlt": "#e08a2c",
        "dlt-tuned": "#f4c27a",
    }
    for ax, scenario in zip(axes, scenarios, strict=True):
        group = [row for row in rows if row.scenario == scenario]
        names = [row.tool for row in group]
        colour = [colours.get(name.split(" ")[0], "#2a7ab0") for name in names]
        if scenario in ("S1", "S2"):
            values = [row.ok_requests / row.wall_s for row in group]
            ax.bar(names, values, color=colour)
            ax.axhline(rate, color="crimson", linestyle="--", label=f"ceiling R = {rate:g}/s")
            ax.axhline(0.95 * rate, color="crimson", linestyle=":", label="95% of R")
            ax.set_ylabel("answered requests / s (wall)")
            ax.set_ylim(0, rate * 1.5)
            ax.legend(loc="upper right", fontsize=7)
            ax.set_title(f"{scenario}: throughput vs ceiling")
        elif scenario == "S3":
            values = [row.cpu_per_10k or 0.0 for row in group]
            ax.bar(names, values, color=colour)
            ax.set_ylabel("CPU s per 10,000 records (lower is better)")
            ax.set_title("S3: overhead (L=0, no limit)")
        else:
            values = [row.peak_rss_mb for row in group]
            ax.bar(names, values, color=colour)
            ax.axhline(250, color="crimson", linestyle="--", label="250 MB target")
            ax.set_ylim(0, max(300, *values) * 1.1)
            ax.set_ylabel("peak RSS MB")
            ax.legend(loc="upper left", fontsize=7)
            ax.set_title("S4: --catalog memory")
        for x, (value, row) in enumerate(zip(values, group, strict=True)):
            label = f"{value:.1f}"
            if row.exit_code != 0 or row.missing:  # fast but wrong is not fast
                label += f"\nFAILED: exit {row.exit_code},\n{row.missing:,} records lost"
                ax.patches[x].set_hatch("//")
            ax.annotate(label, (x, value), ha="center", va="bottom", fontsize=7)
        ax.tick_params(axis="x", labelsize=7, rotation=15)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
