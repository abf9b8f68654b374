"""The report as a compact text table (printed) and as Markdown (written)."""

from __future__ import annotations

import textwrap

from shared_matches.report.evidence import Check
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


def number(value: int | None) -> str:
    return "" if value is None else f"{value:,}"


def player_rows(fig: ReportFigures) -> list[list[str]]:
    rows = []
    for p in fig.players:
        seconds = "" if p.seconds is None else f"{p.seconds:.1f}"
        rows.append(
            [
                p.gamertag,
                p.run,
                number(p.matches),
                number(p.new_matches),
                number(p.known_matches),
                number(p.warehouse_matches),
                seconds,
            ]
        )
    return rows


def check_result(check: Check) -> str:
    return "PASS" if check.passed else check.status.upper()


def check_rows(fig: ReportFigures) -> list[list[str]]:
    """One row per checklist test: phase, subject, test, result, rows compared, failing."""
    rows = []
    for run in fig.checklists:
        subject = f"{run.subject} ({run.scope})"
        for check in sorted(run.checks, key=lambda c: c.name):
            rows.append(
                [
                    str(run.phase),
                    subject,
                    check.name,
                    check_result(check),
                    number(check.rows_compared) or "-",
                    number(check.failures or 0),
                    check.compares or "",
                ]
            )
        if run.error or run.note:
            rows.append(
                [
                    str(run.phase),
                    subject,
                    "-",
                    "ERROR" if run.error else "-",
                    "",
                    "",
                    first_line(run.error or run.note or ""),
                ]
            )
    return rows


def first_line(text: str) -> str:
    return next((line.strip() for line in text.splitlines() if line.strip()), "")


def no_loss_rows(fig: ReportFigures) -> list[list[str]]:
    return [
        [
            r.player,
            r.table,
            number(r.source_rows),
            number(r.represented),
            number(r.missing),
            r.scope,
        ]
        for r in fig.no_loss
    ]


def checklist_summary(fig: ReportFigures) -> list[str]:
    """One line per checklist run: what passed, out of how many."""
    lines = []
    for run in fig.checklists:
        passed = sum(1 for c in run.checks if c.passed)
        if run.error:
            verdict = "ERROR: " + first_line(run.error)
        elif not run.checks:
            verdict = run.note or "no test"
        else:
            verdict = f"{passed}/{len(run.checks)} passed"
        lines.append(f"phase {run.phase} {run.subject} ({run.scope}): {verdict}")
    return lines


def run_summary(fig: ReportFigures) -> str:
    """What the reported command did, in one sentence."""
    if fig.players_source != "this run":
        return (
            "No migration in this command: the report is rebuilt from the files; each "
            "player's figures are those of their last reported migrate run."
        )
    merged, current = fig.merged_players, fig.up_to_date_players
    parts = []
    if merged:
        parts.append("this run merged " + ", ".join(merged))
    if current:
        parts.append("up to date (nothing to merge): " + ", ".join(current))
    return "; ".join(parts).capitalize() + "." if parts else "This run merged nothing."


NEW_MEANS = (
    "new: matches the player's merge added to the warehouse (no tracked player's copy was "
    "there before); known: the player's copies merged into matches the warehouse already held."
)
STORAGE_HEADER = ["table", "player DBs", "warehouse", "saved"]
PLAYER_HEADER = ["player", "run", "matches", "new", "known", "in warehouse", "seconds"]
DISTRIBUTION_HEADER = ["player_count", "matches"]
CHECK_HEADER = ["phase", "checked", "test", "result", "rows compared", "failing", "compares"]
NO_LOSS_HEADER = ["player", "table", "source rows", "in the warehouse", "missing", "checked"]


def is_numeric(value: str) -> bool:
    return value[:1].isdigit() or value in ("", "-")


def format_columns(header: list[str], rows: list[list[str]]) -> list[str]:
    """Aligned text columns: numbers to the right, text to the left."""
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    right = [i > 0 and all(is_numeric(r[i]) for r in rows) for i in range(len(header))]

    def line(cells: list[str]) -> str:
        return "  ".join(
            c.rjust(w) if r else c.ljust(w) for c, w, r in zip(cells, widths, right, strict=True)
        ).rstrip()

    return [line(header), "  ".join("-" * w for w in widths), *(line(r) for r in rows)]


def render_text(fig: ReportFigures) -> str:
    v = fig.validation
    lines = [f"Migration report ({fig.generated_at:%Y-%m-%d %H:%M:%S})", run_summary(fig), ""]
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
    lines += textwrap.wrap(NEW_MEANS, width=100)
    if fig.checklists:
        lines += ["", "Checklists (dbt run results):", *checklist_summary(fig)]
    if fig.no_loss:
        lines += ["", "No loss (source rows of each player, represented in the warehouse):"]
        lines += format_columns(NO_LOSS_HEADER, no_loss_rows(fig))
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
        f"- {run_summary(fig)}",
    ]
    if fig.lineage_page is not None:
        lines.append(
            f"- Lineage: [{fig.lineage_page.name}]({lineage_link(fig)}) "
            "(`shared-matches docs` writes it)"
        )
    lines += [
        "",
        "## Checklists",
        "",
        "Every checklist test, by name, from dbt's run results: the rows each compared and",
        "how many of them failed.",
        "",
        *markdown_table(CHECK_HEADER, check_rows(fig)),
        "",
        "## No loss, per player and table",
        "",
        "From the no-loss tests: every source row of the player is compared with the warehouse.",
        "",
        *markdown_table(NO_LOSS_HEADER, no_loss_rows(fig)),
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
        NEW_MEANS,
        "",
    ]
    if fig.notes:
        lines += ["## Notes", "", *(f"- {note}" for note in fig.notes), ""]
    return "\n".join(lines)


def lineage_link(fig: ReportFigures) -> str:
    """The lineage page, relative to the reports folder, opened at match_registry's graph."""
    from shared_matches.docs import LINEAGE_FRAGMENT

    return "../docs/lineage.html" + LINEAGE_FRAGMENT.format(model="match_registry")
