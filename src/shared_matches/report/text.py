"""The report as a compact text table (printed) and as Markdown (written)."""

from __future__ import annotations

from shared_matches.report.figures import ReportFigures


def human_bytes(size: float) -> str:
    for unit in ("B", "KiB", "MiB", "GiB"):
        if abs(size) < 1024 or unit == "GiB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{size:.1f} GiB"  # pragma: no cover - the loop always returns


def pct(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.1f} %"


def avg_text(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.2f}"


def table_rows(fig: ReportFigures) -> list[list[str]]:
    """Rows of the storage table: one per compared table, then the file sizes."""
    rows = []
    for table in fig.tables:
        name = table.label
        if table.player_table != table.warehouse_table:
            name = f"{table.label} ({table.player_table} vs {table.warehouse_table})"
        rows.append(
            [name, f"{table.player_rows:,}", f"{table.warehouse_rows:,}", pct(table.saved_pct)]
        )
    rows.append(
        [
            "bytes (files)",
            human_bytes(fig.player_db_bytes),
            human_bytes(fig.warehouse_bytes),
            pct(fig.bytes_saved_pct),
        ]
    )
    return rows


def player_rows(fig: ReportFigures) -> list[list[str]]:
    rows = []
    for p in fig.players:
        seconds = "" if p.seconds is None else f"{p.seconds:.1f}"
        rows.append([p.gamertag, str(p.matches), str(p.new_matches), str(p.known_matches), seconds])
    return rows


STORAGE_HEADER = ["table", "player DBs", "warehouse", "saved"]
PLAYER_HEADER = ["player", "matches", "new", "already known", "seconds"]
DISTRIBUTION_HEADER = ["player_count", "matches"]


def format_columns(header: list[str], rows: list[list[str]]) -> list[str]:
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]

    def line(cells: list[str]) -> str:
        first = cells[0].ljust(widths[0])
        rest = [c.rjust(w) for c, w in zip(cells[1:], widths[1:], strict=True)]
        return "  ".join([first, *rest]).rstrip()

    return [line(header), "  ".join("-" * w for w in widths), *(line(r) for r in rows)]


def render_text(fig: ReportFigures) -> str:
    v = fig.validation
    lines = [f"Migration report ({fig.generated_at:%Y-%m-%d %H:%M:%S})", ""]
    lines += format_columns(STORAGE_HEADER, table_rows(fig))
    lines += [
        "",
        f"match_registry: total_matches={v.total_matches}  "
        f"avg_players_per_match={avg_text(v.avg_players_per_match)}  "
        f"shared_matches={v.shared_matches}",
        "player_count distribution: "
        + ("  ".join(f"{n}:{m}" for n, m in fig.distribution) or "(empty)"),
        "",
        f"Players ({fig.players_source}):",
    ]
    lines += format_columns(PLAYER_HEADER, player_rows(fig))
    lines += [f"note: {note}" for note in fig.notes]
    return "\n".join(lines) + "\n"


def markdown_table(header: list[str], rows: list[list[str]]) -> list[str]:
    def line(cells: list[str]) -> str:
        return "| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |"

    align = ["---"] + ["---:"] * (len(header) - 1)
    return [line(header), "| " + " | ".join(align) + " |", *(line(r) for r in rows)]


def render_markdown(fig: ReportFigures) -> str:
    v = fig.validation
    lines = [
        "# Migration report",
        "",
        f"- Generated: {fig.generated_at:%Y-%m-%d %H:%M:%S %Z}",
        f"- Data dir: `{fig.data_dir}`",
        f"- Warehouse: `{fig.warehouse}`",
        f"- Player DBs: {len(fig.player_dbs)} ({', '.join(fig.player_dbs) or 'none'})",
        "",
        "## Rows and bytes: all player DBs vs the warehouse",
        "",
        *markdown_table(STORAGE_HEADER, table_rows(fig)),
        "",
        "`matches` compares the rows of `match_stats` over the player DBs (one per player and",
        "match) with the rows of `match_registry` (one per match).",
        "",
        "## Validation query (match_registry)",
        "",
        *markdown_table(
            ["total_matches", "avg_players_per_match", "shared_matches"],
            [[str(v.total_matches), avg_text(v.avg_players_per_match), str(v.shared_matches)]],
        ),
        "",
        "## player_count distribution",
        "",
        *markdown_table(DISTRIBUTION_HEADER, [[str(n), str(m)] for n, m in fig.distribution]),
        "",
        f"## Players ({fig.players_source})",
        "",
        *markdown_table(PLAYER_HEADER, player_rows(fig)),
        "",
    ]
    if fig.players_source == "warehouse":
        lines += [
            "Rebuilt from the warehouse: a match is *new* for the player whose copy was synced",
            "first (`match_registry.first_sync_by`), *already known* for the others.",
            "",
        ]
    if fig.notes:
        lines += ["## Notes", "", *(f"- {note}" for note in fig.notes), ""]
    return "\n".join(lines)
