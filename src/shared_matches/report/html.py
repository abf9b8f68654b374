"""The report as one self-contained HTML page: inline CSS and inline SVG charts, no script."""

from __future__ import annotations

from html import escape

from shared_matches.report.figures import ReportFigures
from shared_matches.report.svg import Series, bar_chart, binary_unit
from shared_matches.report.text import (
    CHECK_HEADER,
    DISTRIBUTION_HEADER,
    NEW_MEANS,
    NO_LOSS_HEADER,
    PLAYER_HEADER,
    STORAGE_HEADER,
    avg_text,
    check_rows,
    lineage_link,
    no_loss_rows,
    player_rows,
    run_summary,
    table_rows,
)

PLAYER_DB_COLOUR = "#cf7a30"
WAREHOUSE_COLOUR = "#2f6fb5"
NEW_COLOUR = "#2f9e5b"
KNOWN_COLOUR = "#a3abb5"
PAIR_COLOURS = (PLAYER_DB_COLOUR, WAREHOUSE_COLOUR)
SMALL_CHART = {"width": 300, "height": 240}

STYLE = """
body { font-family: system-ui, sans-serif; margin: 2rem auto; max-width: 1320px;
       color: #1f2328; padding: 0 1rem; }
h1 { font-size: 1.6rem; } h2 { font-size: 1.2rem; margin-top: 2rem; }
table { border-collapse: collapse; margin: 0.5rem 0; }
th, td { border: 1px solid #d0d7de; padding: 0.25rem 0.6rem; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
th { background: #f6f8fa; }
.charts { display: flex; flex-wrap: wrap; gap: 0.75rem; }
.chart { background: #fff; border: 1px solid #d0d7de; border-radius: 6px; }
.meta { color: #57606a; }
.summary { font-size: 1.05rem; }
td.pass { color: #1a7f37; font-weight: 600; }
td.fail { color: #cf222e; font-weight: 600; }
"""


RESULT_CLASSES = {"PASS": "pass", "FAIL": "fail", "ERROR": "fail"}


def html_table(header: list[str], rows: list[list[str]]) -> str:
    def css(index: int, value: str) -> str:
        classes = [] if index == 0 or not value[:1].isdigit() else ["num"]
        classes += [RESULT_CLASSES[value]] if value in RESULT_CLASSES else []
        return f' class="{" ".join(classes)}"' if classes else ""

    def cells(tag: str, values: list[str]) -> str:
        return "".join(f"<{tag}{css(i, v)}>{escape(v)}</{tag}>" for i, v in enumerate(values))

    body = "".join(f"<tr>{cells('td', r)}</tr>" for r in rows)
    return f"<table><thead><tr>{cells('th', header)}</tr></thead><tbody>{body}</tbody></table>"


def storage_charts(fig: ReportFigures) -> list[str]:
    charts = [
        bar_chart(
            f"{t.label}: rows",
            ["player DBs", "warehouse"],
            [Series("rows", [t.player_rows, t.warehouse_rows], WAREHOUSE_COLOUR, PAIR_COLOURS)],
            **SMALL_CHART,
        )
        for t in fig.tables
    ]
    unit, size = binary_unit(max(fig.player_db_bytes, fig.warehouse_bytes))
    sizes = [fig.player_db_bytes / size, fig.warehouse_bytes / size]
    charts.append(
        bar_chart(
            f"file size ({unit})",
            ["player DBs", "warehouse"],
            [Series(unit, sizes, "", PAIR_COLOURS)],
            value_label=lambda value: f"{value:.{0 if value == int(value) else 1}f} {unit}",
            **SMALL_CHART,
        )
    )
    return charts


def distribution_chart(fig: ReportFigures) -> str:
    return bar_chart(
        "Matches by player_count (tracked players holding the match)",
        [str(n) for n, _ in fig.distribution],
        [Series("matches", [m for _, m in fig.distribution], WAREHOUSE_COLOUR)],
    )


def players_chart(fig: ReportFigures) -> str:
    return bar_chart(
        f"Matches per player: new vs known ({fig.players_source})",
        [p.gamertag for p in fig.players],
        [
            Series("new", [p.new_matches or 0 for p in fig.players], NEW_COLOUR),
            Series("known", [p.known_matches or 0 for p in fig.players], KNOWN_COLOUR),
        ],
        stacked=True,
    )


def checklist_section(fig: ReportFigures) -> list[str]:
    if not fig.checklists:
        return []
    verdict = "every test passed" if fig.checks_passed else "SOME CHECKS FAILED"
    return [
        f'<h2 id="checklists">Checklists: {escape(verdict)}</h2>',
        '<p class="meta">Every checklist test, by name, from dbt&rsquo;s run results: the rows '
        "each compared and how many of them failed.</p>",
        html_table(CHECK_HEADER, check_rows(fig)),
        '<h2 id="no-loss">No loss, per player and table</h2>',
        '<p class="meta">From the no-loss tests: every source row of the player compared with '
        "the warehouse (missing = rows of the player not represented there).</p>",
        html_table(NO_LOSS_HEADER, no_loss_rows(fig)),
    ]


def render_html(fig: ReportFigures) -> str:
    v = fig.validation
    notes = "".join(f"<li>{escape(n)}</li>" for n in fig.notes)
    lineage = (
        f' &middot; <a href="{escape(lineage_link(fig))}">lineage graph</a>'
        if fig.lineage_page is not None
        else ""
    )
    sections = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>Migration report {fig.generated_at:%Y-%m-%d %H:%M}</title>",
        f"<style>{STYLE}</style></head><body>",
        "<h1>Migration report</h1>",
        f'<p class="meta">Generated {fig.generated_at:%Y-%m-%d %H:%M:%S %Z} &middot; data dir '
        f"<code>{escape(str(fig.data_dir))}</code> &middot; {len(fig.player_dbs)} player DBs "
        f"({escape(', '.join(fig.player_dbs))}){lineage}</p>",
        f'<p class="summary">{escape(run_summary(fig))}</p>',
        *checklist_section(fig),
        "<h2>Rows and bytes: all player DBs vs the warehouse</h2>",
        html_table(STORAGE_HEADER, table_rows(fig)),
        '<p class="meta"><code>matches</code> compares the rows of <code>match_stats</code> '
        "over the player DBs with the rows of <code>match_registry</code>.</p>",
        f'<div class="charts">{"".join(storage_charts(fig))}</div>',
        "<h2>Validation query (match_registry)</h2>",
        html_table(
            ["total_matches", "avg_players_per_match", "shared_matches"],
            [[str(v.total_matches), avg_text(v.avg_players_per_match), str(v.shared_matches)]],
        ),
        "<h2>player_count distribution</h2>",
        f'<div class="charts">{distribution_chart(fig)}</div>',
        html_table(DISTRIBUTION_HEADER, [[str(n), str(m)] for n, m in fig.distribution]),
        f"<h2>Players ({escape(fig.players_source)})</h2>",
        f'<div class="charts">{players_chart(fig)}</div>',
        html_table(PLAYER_HEADER, player_rows(fig)),
        f'<p class="meta">{escape(NEW_MEANS)}</p>',
    ]
    if notes:
        sections.append(f"<h2>Notes</h2><ul>{notes}</ul>")
    sections.append("</body></html>")
    return "\n".join(sections) + "\n"
