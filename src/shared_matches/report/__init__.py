"""The migration report: printed as a text table, written as Markdown, HTML and JSON.

`write_report(data_dir, runs)` is called by `shared-matches migrate` after the players' runs
(migrate writes none when every player DB was up to date: the last real report stays);
`shared-matches report` rebuilds it from the current files, and keeps the latest report when
nothing changed since it was written. Both run every phase's checklist that the reported run
did not (report/evidence.py) and show each test with the rows it compared.
Files: $HALO_DATA_DIR/reports/migration-<timestamp>.{md,html,json} and latest.{md,html,json}.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

from shared_matches.dbt_session import DbtSession
from shared_matches.locking import LOCK_TIMEOUT
from shared_matches.paths import DataDir
from shared_matches.report.evidence import ChecklistRun, collect_evidence
from shared_matches.report.figures import ReportFigures, collect_figures
from shared_matches.report.history import FORMAT, LATEST_JSON, state_digest
from shared_matches.report.html import render_html
from shared_matches.report.text import render_markdown, render_text

__all__ = ["ReportFiles", "collect_figures", "register", "write_report"]


@dataclass(frozen=True)
class ReportFiles:
    markdown: Path
    html: Path
    data: Path
    latest_markdown: Path
    latest_html: Path
    latest_data: Path
    figures: ReportFigures | None = None

    @property
    def paths(self) -> list[Path]:
        return [
            self.markdown,
            self.html,
            self.data,
            self.latest_markdown,
            self.latest_html,
            self.latest_data,
        ]


def write_atomically(path: Path, content: str) -> None:
    partial = path.with_name(path.name + ".partial")
    partial.write_text(content, encoding="utf-8")
    os.replace(partial, path)


def free_stem(folder: Path, figures: ReportFigures) -> str:
    """migration-<timestamp>, with a counter when a report of the same second exists."""
    stem = f"migration-{figures.generated_at:%Y%m%d-%H%M%S}"
    candidate, number = stem, 1
    while any((folder / f"{candidate}.{ext}").exists() for ext in ("md", "html", "json")):
        number += 1
        candidate = f"{stem}-{number}"
    return candidate


def report_document(figures: ReportFigures, runs: Sequence | None, digest: str) -> dict:
    """The JSON twin: what the run did per player, every check, the no-loss counts."""
    return {
        "format": FORMAT,
        "generated_at": figures.generated_at.isoformat(timespec="seconds"),
        "kind": "run" if runs else "rebuilt",
        "state_digest": digest,
        "data_dir": str(figures.data_dir),
        "runs": [
            {
                "gamertag": r.gamertag,
                "status": r.status,
                "matches": r.matches,
                "new_matches": r.new_matches,
                "known_matches": r.known_matches,
                "seconds": round(r.seconds, 3),
            }
            for r in runs or []
        ],
        "checks_passed": figures.checks_passed,
        "checklists": [run.to_json() for run in figures.checklists],
        "no_loss": [asdict(row) for row in figures.no_loss],
        "tables": [asdict(t) for t in figures.tables],
        "validation": asdict(figures.validation),
        "distribution": figures.distribution,
        "notes": figures.notes,
    }


def write_report(
    data_dir: DataDir,
    runs: Sequence | None = None,
    say: Callable[[str], None] = print,
    *,
    session: DbtSession | None = None,
    checklists: list[ChecklistRun] | None = None,
    lock_timeout: float = LOCK_TIMEOUT,
) -> ReportFiles:
    """Run the checklists the run did not, collect the figures, print the text table, write
    the Markdown, HTML and JSON files (and latest.*)."""
    if checklists is None:
        checklists = collect_evidence(
            data_dir, runs, session=session, say=say, lock_timeout=lock_timeout
        )
    figures = collect_figures(data_dir, list(runs) if runs else None, checklists)
    digest = state_digest(data_dir)
    folder = data_dir.reports_dir
    folder.mkdir(parents=True, exist_ok=True)
    stem = free_stem(folder, figures)
    document = json.dumps(report_document(figures, runs, digest), indent=2, default=str)
    markdown, html = render_markdown(figures), render_html(figures)
    files = ReportFiles(
        markdown=folder / f"{stem}.md",
        html=folder / f"{stem}.html",
        data=folder / f"{stem}.json",
        latest_markdown=folder / "latest.md",
        latest_html=folder / "latest.html",
        latest_data=folder / LATEST_JSON,
        figures=figures,
    )
    for path, content in (
        (files.markdown, markdown),
        (files.html, html),
        (files.data, document),
        (files.latest_markdown, markdown),
        (files.latest_html, html),
        (files.latest_data, document),
    ):
        write_atomically(path, content)
    say(render_text(figures).rstrip("\n"))
    say(f"Report written: {files.latest_markdown} and {files.latest_html} ({stem})")
    return files
