"""The migration report: printed as a text table, written as Markdown and as one HTML page.

`write_report(data_dir, runs)` is called by `shared-matches migrate` after the players'
runs; `shared-matches report` rebuilds the same report from the current files alone.
Files: $HALO_DATA_DIR/reports/migration-<timestamp>.{md,html} and latest.{md,html}.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from shared_matches.locking import warehouse_lock
from shared_matches.paths import DataDir
from shared_matches.report.figures import ReportFigures, collect_figures
from shared_matches.report.html import render_html
from shared_matches.report.text import render_markdown, render_text

__all__ = ["ReportFiles", "collect_figures", "register", "write_report"]


@dataclass(frozen=True)
class ReportFiles:
    markdown: Path
    html: Path
    latest_markdown: Path
    latest_html: Path

    @property
    def paths(self) -> list[Path]:
        return [self.markdown, self.html, self.latest_markdown, self.latest_html]


def write_atomically(path: Path, content: str) -> None:
    partial = path.with_name(path.name + ".partial")
    partial.write_text(content, encoding="utf-8")
    os.replace(partial, path)


def free_stem(folder: Path, figures: ReportFigures) -> str:
    """migration-<timestamp>, with a counter when a report of the same second exists."""
    stem = f"migration-{figures.generated_at:%Y%m%d-%H%M%S}"
    candidate, number = stem, 1
    while (folder / f"{candidate}.md").exists() or (folder / f"{candidate}.html").exists():
        number += 1
        candidate = f"{stem}-{number}"
    return candidate


def write_report(
    data_dir: DataDir,
    runs: Sequence | None = None,
    say: Callable[[str], None] = print,
) -> ReportFiles:
    """Collect the figures, print the text table, write the Markdown and HTML files."""
    figures = collect_figures(data_dir, list(runs) if runs else None)
    folder = data_dir.reports_dir
    folder.mkdir(parents=True, exist_ok=True)
    stem = free_stem(folder, figures)
    markdown, html = render_markdown(figures), render_html(figures)
    files = ReportFiles(
        markdown=folder / f"{stem}.md",
        html=folder / f"{stem}.html",
        latest_markdown=folder / "latest.md",
        latest_html=folder / "latest.html",
    )
    for path, content in (
        (files.markdown, markdown),
        (files.html, html),
        (files.latest_markdown, markdown),
        (files.latest_html, html),
    ):
        write_atomically(path, content)
    say(render_text(figures).rstrip("\n"))
    say(f"Report written: {files.latest_markdown} and {files.latest_html} ({stem})")
    return files


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "report",
        help="rebuild the migration report from the current player DBs and warehouse",
    )
    parser.add_argument(
        "--lock-timeout",
        type=float,
        default=600.0,
        help="seconds to wait for a migration that holds the warehouse (default 600)",
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    data_dir = DataDir.from_env(args.data_dir)
    # Wait for any writer (migration, sync): reading while dbt writes would fail on its lock.
    with warehouse_lock(data_dir, "report", timeout=args.lock_timeout):
        write_report(data_dir)
    return 0
