"""The benchmark's figures and targets, as a printed table and as Markdown."""

from __future__ import annotations

import statistics
from dataclasses import dataclass

from shared_matches.bench.compare import TableComparison
from shared_matches.bench.scenario import DiskResult, ScaleResult
from shared_matches.bench.steady_sync import SteadyResult

KIB_PER_GB = 1000**3 / 1024
MIB = 1024**2


@dataclass(frozen=True)
class Targets:
    """The targets of the speed and disk issues (docs/benchmarks.md)."""

    ratio_1x: float = 3.0
    ratio_10x: float = 1.3
    no_op_seconds: float = 2.0
    delta_ratio: float = 1.5  # ten new matches into the 10x warehouse vs into the 1x one
    peak_gb: float = 1.0
    disk_change: float = -0.75
    ideal_points: float = 0.05
    view_ms: float = 30.0
    sync_merge_seconds: float = 1.5
    # the read layer's publish in a one-match sync, at 10x
    publish_seconds: float = 0.3
    steady_growth: float = 1.2


TARGETS = Targets()


def verdict(ok: bool) -> str:
    return "met" if ok else "NOT met"


def samples(values: list[float]) -> str:
    return ", ".join(f"{v:.1f}" for v in values)


def comparison_word(c: TableComparison) -> str:
    if c.identical:
        return "yes"
    return f"NO ({c.only_in_warehouse} only in the warehouse, {c.only_in_floor} only in floor)"


def breakdown(r: ScaleResult) -> str:
    """Where the median full migration's time went, from the worker's own timings."""
    figures = r.migration.median.figures
    players = " + ".join(f"{run['seconds']:.1f}" for run in figures["runs"])
    return (
        f"python imports {figures['python_import_seconds']:.1f} s, dbt import and parse "
        f"{figures['dbt_import_and_parse_seconds']:.1f} s, players {players} s"
    )


def disk_value(d: DiskResult) -> str:
    return (
        f"{d.before_bytes / MIB:,.1f} MiB of v4 DBs -> {d.warehouse_bytes / MIB:,.1f} MiB "
        f"warehouse + {d.read_layer_bytes / MIB:,.1f} MiB read layer + "
        f"{d.cleaned_bytes / MIB:,.1f} MiB cleaned DBs = {d.change:+.0%} "
        f"(ideal 1 - unique/copies: {d.ideal_change:+.0%}, {d.unique_matches:,} unique of "
        f"{d.match_copies:,} copies)"
    )


def scale_rows(r: ScaleResult) -> list[tuple[str, str, str]]:
    """(figure, value, target) rows of one scale."""
    events = r.player_rows.get("highlight_events", 0)
    is_1x, is_10x = r.scale == 1, r.scale == 10
    ratio_target = TARGETS.ratio_1x if is_1x else TARGETS.ratio_10x if is_10x else None
    rows = [
        (
            "data set",
            f"{len(r.players)} players, {r.match_copies:,} match copies, {events:,} events, "
            f"{r.player_db_bytes / MIB:,.0f} MiB of player DBs",
            "",
        ),
        (
            "floor (one SQL pass), median",
            f"{r.floor.seconds:.1f} s (runs: {samples(r.floor.samples)})",
            "",
        ),
        (
            "full migration (process start to exit), median",
            f"{r.migration.seconds:.1f} s (runs: {samples(r.migration.samples)}): {breakdown(r)}",
            "",
        ),
        (
            "ratio migration / floor",
            f"{r.ratio:.2f}",
            f"<= {ratio_target:g}: {verdict(r.ratio <= ratio_target)}" if ratio_target else "",
        ),
        (
            "no-op migration (nothing new), median",
            f"{r.no_op.seconds:.2f} s (runs: {samples(r.no_op.samples)})",
            f"<= {TARGETS.no_op_seconds:g} s: {verdict(r.no_op.seconds <= TARGETS.no_op_seconds)}"
            if is_1x
            else "",
        ),
        (
            f"{r.delta_matches} new matches ({r.delta_player}) merged, median",
            f"{r.delta.seconds:.1f} s (runs: {samples(r.delta.samples)})",
            "",
        ),
        (
            "peak RSS: full migration / floor",
            f"{r.migration.peak_kib / 1024:,.0f} MiB / {r.floor.peak_kib / 1024:,.0f} MiB",
            f"< {TARGETS.peak_gb:g} GB: "
            f"{verdict(r.migration.peak_kib < TARGETS.peak_gb * KIB_PER_GB)}"
            if is_10x
            else "",
        ),
        (
            "warehouse file after the migration",
            f"{r.warehouse_bytes / MIB:,.1f} MiB",
            "",
        ),
        (
            "floor = warehouse (rows equal)",
            ", ".join(f"{c.table} {comparison_word(c)}" for c in r.comparison),
            "",
        ),
    ]
    if r.disk:
        ok = r.disk.change <= TARGETS.disk_change
        rows.append(
            (
                "disk: after cleanup vs all v4 DBs",
                disk_value(r.disk),
                f"<= {TARGETS.disk_change:+.0%}: {verdict(ok)}" if is_1x else "",
            )
        )
    if r.view:
        view = r.view.figures
        ok = view["median_ms"] <= TARGETS.view_ms
        each = ", ".join(
            f"{v['median_ms']:.1f} ms in DuckDB {v['duckdb']} (max {v['max_ms']:.1f}, first "
            f"{v['first_ms']:.1f})"
            for v in view.get("releases", [view])
        )
        rows.append(
            (
                "events of one match through the view, median (slowest DuckDB release)",
                f"{view['median_ms']:.1f} ms over {view['lookups']} matches, "
                f"{view['median_rows']:.0f} rows: {each}",
                f"<= {TARGETS.view_ms:g} ms: {verdict(ok)}" if is_10x else "",
            )
        )
    if r.steady and r.steady.merge_seconds:
        steady = r.steady
        ok = steady.median_merge <= TARGETS.sync_merge_seconds
        rows.append(
            (
                f"sync of 1 new match: after the API calls until warehouse and player DB "
                f"are updated, median of {steady.syncs}{landed_note(steady)}",
                f"{steady.median_merge:.2f} s (min {min(steady.merge_seconds):.2f}, max "
                f"{max(steady.merge_seconds):.2f}; of which the phase-3 build "
                f"{statistics.median(steady.build_seconds):.2f} s; whole sync "
                f"{statistics.median(steady.sync_seconds):.2f} s)",
                f"<= {TARGETS.sync_merge_seconds:g} s: {verdict(ok)}" if is_1x else "",
            )
        )
        if steady.publish_seconds:
            publish = statistics.median(steady.publish_seconds)
            publish_ok = publish <= TARGETS.publish_seconds
            rows.append(
                (
                    f"extra time of a one-match sync for the read layer's publish, median of "
                    f"{steady.syncs}{landed_note(steady)}",
                    f"{publish:.3f} s (max {max(steady.publish_seconds):.3f} s)",
                    f"<= {TARGETS.publish_seconds:g} s: {verdict(publish_ok)}" if is_10x else "",
                )
            )
        growth = steady.growth_vs_compacted
        rows.append(
            (
                f"warehouse file after {steady.syncs} one-match syncs vs the same compacted"
                f"{landed_note(steady)}",
                f"{growth:.2f}x ({steady.start_bytes / MIB:,.1f} MiB before, "
                f"{steady.warehouse_bytes[-1] / MIB:,.1f} MiB after, "
                f"{steady.compacted_bytes / MIB:,.1f} MiB compacted)",
                # the target's setting is a compacted start: a big merge first leaves free blocks
                ""
                if steady.landed_before
                else f"<= {TARGETS.steady_growth:g}x: {verdict(growth <= TARGETS.steady_growth)}",
            )
        )
    return rows


def summary_rows(
    results: list[ScaleResult], low_overlap: DiskResult | None
) -> list[tuple[str, str, str]]:
    """The figures that compare two runs."""
    rows = []
    by_scale = {r.scale: r for r in results}
    if 1 in by_scale and 10 in by_scale:
        small, large = by_scale[1], by_scale[10]
        ratio = large.delta.seconds / small.delta.seconds
        rows.append(
            (
                f"{small.delta_matches} new matches into the 10x warehouse vs into the 1x one",
                f"{ratio:.2f} ({large.delta.seconds:.1f} s / {small.delta.seconds:.1f} s)",
                f"<= {TARGETS.delta_ratio:g}: {verdict(ratio <= TARGETS.delta_ratio)}",
            )
        )
    if low_overlap:
        gap = low_overlap.change - low_overlap.ideal_change
        rows.append(
            (
                "disk, demo set with lower overlaps",
                disk_value(low_overlap),
                f"within {100 * TARGETS.ideal_points:g} points of the ideal "
                f"({100 * gap:+.0f}): {verdict(gap <= TARGETS.ideal_points)}",
            )
        )
    return rows


def text_table(header: tuple[str, ...], rows: list[tuple[str, ...]]) -> str:
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(header, widths, strict=True))]
    lines.append("  ".join("-" * w for w in widths))
    lines += ["  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) for row in rows]
    return "\n".join(line.rstrip() for line in lines)


def markdown_table(header: tuple[str, ...], rows: list[tuple[str, ...]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(c.replace("|", "\\|") for c in row) + " |" for row in rows]
    return "\n".join(lines)


HEADER = ("figure", "value", "target")


def landed_note(steady: SteadyResult) -> str:
    """', after N matches landed' when the syncs ran on a landing of earlier play."""
    return f", after {steady.landed_before} matches landed" if steady.landed_before else ""


def render_text(results: list[ScaleResult], low_overlap: DiskResult | None = None) -> str:
    parts = []
    for r in results:
        parts += [f"\n=== scale {r.scale:g} ===", text_table(HEADER, scale_rows(r))]
    summary = summary_rows(results, low_overlap)
    if summary:
        parts += ["\n=== across runs ===", text_table(HEADER, summary)]
    return "\n".join(parts) + "\n"


def render_markdown(results: list[ScaleResult], low_overlap: DiskResult | None = None) -> str:
    parts = []
    for r in results:
        parts += [f"### Scale {r.scale:g}", "", markdown_table(HEADER, scale_rows(r)), ""]
    summary = summary_rows(results, low_overlap)
    if summary:
        parts += ["### Across runs", "", markdown_table(HEADER, summary), ""]
    return "\n".join(parts)
