"""The migration report on a small real migration: its figures equal counts computed
independently from the player DBs and the warehouse; every checklist test is listed with the
rows it compared, from dbt's run results; a lost row shows as a failure with its count; a
report of nothing new keeps the last one; the HTML page loads nothing from outside and renders
in headless Chromium."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path

import duckdb
import pytest

from helpers import quiet
from shared_matches.cli import main as cli_main
from shared_matches.demo.generate import append_new_matches
from shared_matches.migrate import PlayerRun, migrate_players
from shared_matches.paths import DataDir
from shared_matches.report import ReportFiles, write_report
from shared_matches.report.evidence import SCOPE_ALL, SCOPE_RUN, collect_evidence
from shared_matches.report.figures import ReportFigures, collect_figures
from shared_matches.report.svg import nice_ticks
from test_docs import CHROMIUM, chromium, needs_chromium, png_pixels

PLAYERS = ["Chocoboflor", "JGtm"]  # JGtm has the older layout
PHASE2_TESTS = {
    "assert_no_alias_lost",
    "assert_no_duplicate_keys",
    "assert_no_event_lost",
    "assert_no_participant_lost",
    "assert_player_count_correct",
    "assert_player_matches_in_registry",
}
# the no-loss table of each player-DB table: what its source rows are
NO_LOSS_SOURCES = ("match_stats", "match_participants", "highlight_events", "xuid_aliases")
COMPARED = {
    "matches": ("match_stats", "match_registry"),
    "match_participants": ("match_participants", "match_participants"),
    "highlight_events": ("highlight_events", "highlight_events"),
    "xuid_aliases": ("xuid_aliases", "xuid_aliases"),
}


@pytest.fixture(scope="session")
def migrated_two(
    small_players_dir: Path, tmp_path_factory: pytest.TempPathFactory
) -> tuple[DataDir, list[PlayerRun]]:
    """Two players of the small demo set, migrated with migrate_players (runs kept)."""
    data_dir = DataDir(tmp_path_factory.mktemp("report_data"))
    for gamertag in PLAYERS:
        shutil.copytree(small_players_dir / gamertag, data_dir.players_dir / gamertag)
    runs = migrate_players(data_dir, say=quiet)
    return data_dir, runs


@pytest.fixture(scope="session")
def written(migrated_two: tuple[DataDir, list[PlayerRun]]) -> ReportFiles:
    data_dir, runs = migrated_two
    return write_report(data_dir, runs, say=quiet)


def query(path: Path, sql: str) -> list[tuple]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def count(path: Path, table: str) -> int:
    return query(path, f"select count(*) from {table}")[0][0]


def owner_xuid(path: Path) -> str:
    rows = query(path, "select value from sync_meta where key = 'xuid'")
    if rows and rows[0][0]:
        return rows[0][0]
    return query(path, "select mode(xuid) from player_match_stats")[0][0]


def copies_by_player(data_dir: DataDir) -> dict[str, dict[str, object]]:
    """match_id -> created_at of every player's copy, read from the player DBs."""
    return {
        g: dict(query(data_dir.player_db(g), "select match_id, created_at from match_stats"))
        for g in data_dir.discover_players()
    }


def test_table_rows_and_bytes_match_the_files(migrated_two) -> None:
    data_dir, runs = migrated_two
    figures = collect_figures(data_dir, runs)
    by_label = {t.label: t for t in figures.tables}
    assert set(by_label) == set(COMPARED)
    for label, (player_table, warehouse_table) in COMPARED.items():
        expected_source = sum(count(data_dir.player_db(g), player_table) for g in PLAYERS)
        assert by_label[label].player_rows == expected_source, label
        assert by_label[label].warehouse_rows == count(data_dir.warehouse, warehouse_table)
        saved = 100.0 * (expected_source - by_label[label].warehouse_rows) / expected_source
        assert by_label[label].saved_pct == pytest.approx(saved)
    player_bytes = sum(data_dir.player_db(g).stat().st_size for g in PLAYERS)
    assert figures.player_db_bytes == player_bytes
    assert figures.warehouse_bytes == data_dir.warehouse.stat().st_size


def test_validation_and_distribution_match_the_player_dbs(migrated_two) -> None:
    data_dir, runs = migrated_two
    figures = collect_figures(data_dir, runs)
    holders = Counter(m for copies in copies_by_player(data_dir).values() for m in copies)
    assert figures.validation.total_matches == len(holders)
    assert figures.validation.avg_players_per_match == pytest.approx(
        sum(holders.values()) / len(holders)
    )
    assert figures.validation.shared_matches == sum(1 for n in holders.values() if n > 1)
    assert figures.distribution == sorted(Counter(holders.values()).items())
    assert figures.validation.shared_matches > 0  # the data set really has shared matches


def test_players_from_the_runs_count_new_and_known(migrated_two) -> None:
    data_dir, runs = migrated_two
    figures = collect_figures(data_dir, runs)
    assert figures.players_source == "this run"
    seen: set[str] = set()
    copies = copies_by_player(data_dir)
    for player in figures.players:  # in migration order
        mine = set(copies[player.gamertag])
        assert player.run == "merged"
        assert (player.matches, player.new_matches) == (len(mine), len(mine - seen))
        assert player.known_matches == len(mine & seen)
        assert player.warehouse_matches == len(mine)
        seen |= mine
    assert [p.gamertag for p in figures.players] == PLAYERS


def test_rebuilt_players_say_new_and_known_as_their_run_did(migrated_two, written) -> None:
    """Without a run the report shows each player's last reported run: "new" means the same
    (added to the warehouse by that player's merge) in both reports."""
    data_dir, runs = migrated_two
    figures = collect_figures(data_dir, None, [])
    assert figures.players_source == "last reported runs"
    by_name = {p.gamertag: p for p in figures.players}
    for run in runs:
        rebuilt = by_name[run.gamertag]
        assert (rebuilt.matches, rebuilt.new_matches, rebuilt.known_matches) == (
            run.matches,
            run.new_matches,
            run.known_matches,
        )
        assert rebuilt.run.startswith("reported ")


def test_every_checklist_test_is_listed_with_the_rows_it_compared(migrated_two, written) -> None:
    data_dir, runs = migrated_two
    figures = written.figures
    assert figures is not None and figures.checks_passed
    phase1 = [r for r in figures.checklists if r.phase == 1]
    assert len(phase1) == 1
    tables = {c.name: c for c in phase1[0].checks}
    assert tables["assert_shared_tables_exist"].rows_compared == 8  # var shared_tables
    phase2 = {r.subject: r for r in figures.checklists if r.phase == 2}
    assert set(phase2) == set(PLAYERS)
    for run in phase2.values():
        assert run.scope == SCOPE_RUN  # the checks that audited this run's publish
        assert {c.name for c in run.checks} == PHASE2_TESTS
        assert all(c.passed and c.failures in (0, None) for c in run.checks)
        assert all(c.rows_compared is not None and c.compares for c in run.checks)
    no_loss = {(r.player, r.table): r for r in figures.no_loss}
    for gamertag in PLAYERS:
        for table in NO_LOSS_SOURCES:
            row = no_loss[(gamertag, table)]
            source = count(data_dir.player_db(gamertag), table)
            assert (row.source_rows, row.represented, row.missing) == (source, source, 0)
    markdown = written.latest_markdown.read_text()
    for name in PHASE2_TESTS | {"assert_shared_tables_exist"}:
        assert f"| {name} | PASS |" in markdown
    assert "../docs/lineage.html#!/model/model.shared_matches.match_registry" in markdown


def test_a_lost_row_fails_with_its_count(migrated_two, tmp_path: Path) -> None:
    """Participants deleted from the warehouse: the player's no-loss test, run by the report
    over every match of the player, fails with exactly that many rows."""
    data_dir, _ = migrated_two
    copy = DataDir(tmp_path / "data")
    shutil.copytree(data_dir.players_dir, copy.players_dir)
    shutil.copytree(data_dir.warehouse_dir, copy.warehouse_dir)
    xuid = owner_xuid(copy.player_db("JGtm"))
    match_id = query(copy.player_db("JGtm"), "select min(match_id) from match_participants")[0][0]
    expected = query(
        copy.player_db("JGtm"),
        f"select count(*) from match_participants where match_id = '{match_id}'",
    )[0][0]
    con = duckdb.connect(str(copy.warehouse))
    try:
        con.execute("delete from match_participants where match_id = ?", [match_id])
    finally:
        con.close()
    assert xuid and expected > 0
    evidence = collect_evidence(copy, None, say=quiet)
    jgtm = next(r for r in evidence if r.phase == 2 and r.subject == "JGtm")
    assert jgtm.scope == SCOPE_ALL and not jgtm.passed
    lost = next(c for c in jgtm.checks if c.name == "assert_no_participant_lost")
    assert lost.status == "fail" and lost.failures == expected
    assert lost.rows_compared == count(copy.player_db("JGtm"), "match_participants")


def test_an_incremental_run_keeps_the_unchanged_players_checklists(
    migrated_two, written, tmp_path: Path
) -> None:
    """A migrate run that merges one player's new matches checks that run's batch; the player
    it found up to date keeps the checklist of the latest report (noted as such) instead of
    being checked again over every match; `report --force` checks it again."""
    data_dir, _ = migrated_two
    copy = DataDir(tmp_path / "data")
    for folder in (data_dir.players_dir, data_dir.warehouse_dir, data_dir.reports_dir):
        shutil.copytree(folder, copy.root / folder.relative_to(data_dir.root))
    before = json.loads((copy.reports_dir / "latest.json").read_text())
    earlier = next(c for c in before["checklists"] if c["phase"] == 2 and c["subject"] == "JGtm")
    append_new_matches(copy, "Chocoboflor", 3, seed=5)
    runs = migrate_players(copy, say=quiet)
    assert {r.gamertag: r.status for r in runs} == {"Chocoboflor": "merged", "JGtm": "up to date"}
    figures = write_report(copy, runs, say=quiet).figures
    phase2 = {r.subject: r for r in figures.checklists if r.phase == 2}
    assert phase2["Chocoboflor"].scope == SCOPE_RUN and phase2["Chocoboflor"].passed
    kept = phase2["JGtm"]
    assert kept.note and f"from the report of {before['generated_at']}" in kept.note
    assert [c.to_json() for c in kept.checks] == earlier["checks"]
    assert kept.scope == earlier["scope"]  # the scope of the run that checked it
    checked = collect_evidence(copy, None, say=quiet)
    again = next(r for r in checked if r.phase == 2 and r.subject == "JGtm")
    assert again.note is None and again.passed and again.scope == SCOPE_ALL


def test_ticks_are_round_values_of_the_unit_shown() -> None:
    assert nice_ticks(143.1) == [0, 50, 100, 150]
    assert nice_ticks(21.5) == [0, 10, 20, 30]
    assert nice_ticks(1584) == [0, 500, 1000, 1500, 2000]
    assert nice_ticks(0.7) == [0, 0.2, 0.4, 0.6, 0.8]
    assert nice_ticks(0) == [0, 1]


def test_files_are_written_and_the_html_is_self_contained(migrated_two, written) -> None:
    data_dir, runs = migrated_two
    assert all(p.is_file() and p.parent == data_dir.reports_dir for p in written.paths)
    assert re.fullmatch(r"migration-\d{8}-\d{6}(-\d+)?\.md", written.markdown.name)
    assert written.latest_html.read_text() == written.html.read_text()
    page = written.latest_html.read_text()
    assert not re.search(r"https?://", page, re.IGNORECASE)
    assert "<script" not in page.lower() and "<link" not in page.lower()
    assert not re.search(r"""\bsrc\s*=|url\(|@import""", page, re.IGNORECASE)
    # the one link: the lineage page of the same data dir
    assert re.findall(r'href="([^"#]*)', page) == ["../docs/lineage.html"]
    assert page.count("<svg") >= 3
    assert "Matches by player_count" in page
    figures: ReportFigures = collect_figures(data_dir, runs)
    chart = page.split("Matches by player_count", 1)[1].split("</svg>", 1)[0]
    assert chart.count("<rect") == len(figures.distribution)
    size_chart = page.split("file size (MiB)", 1)[1].split("</svg>", 1)[0]
    ticks = re.findall(r'text-anchor="end" font-size="10">([^<]*)<', size_chart)
    assert ticks and all(re.fullmatch(r"\d+ MiB", t) for t in ticks), ticks
    markdown = written.latest_markdown.read_text()
    assert f"| {figures.validation.total_matches} |" in markdown
    for table in figures.tables:
        assert f"{table.player_rows:,}" in markdown and f"{table.warehouse_rows:,}" in markdown
    document = json.loads(written.latest_data.read_text())
    assert document["kind"] == "run" and document["checks_passed"] is True
    assert [r["gamertag"] for r in document["runs"]] == PLAYERS


def test_report_keeps_the_latest_when_nothing_changed(migrated_two, written, capsys) -> None:
    """Right after the run's report, `report` has nothing new to say: it keeps that report
    (which holds the run's own figures) and says so; --force writes a new one."""
    data_dir, _ = migrated_two
    before = set(data_dir.reports_dir.glob("migration-*.html"))
    latest = written.latest_html.read_text()
    assert cli_main(["report", "--data-dir", str(data_dir.root)]) == 0
    assert "Nothing changed since the latest report" in capsys.readouterr().out
    assert set(data_dir.reports_dir.glob("migration-*.html")) == before
    assert written.latest_html.read_text() == latest
    assert cli_main(["--data-dir", str(data_dir.root), "report", "--force"]) == 0
    printed = capsys.readouterr().out
    assert "Players (last reported runs)" in printed and "avg_players_per_match" in printed
    assert len(set(data_dir.reports_dir.glob("migration-*.html")) - before) == 1
    writer = subprocess.run(
        [
            sys.executable,
            "-c",
            "import duckdb, sys; duckdb.connect(sys.argv[1]).execute('checkpoint').close()",
            str(data_dir.warehouse),
        ],
        capture_output=True,
        text=True,
    )
    assert writer.returncode == 0, writer.stderr  # the report left the warehouse unlocked


@needs_chromium
def test_report_screenshot_shows_the_checklists_and_charts(written, tmp_path: Path) -> None:
    shot = tmp_path / "report.png"
    result = chromium(
        written.latest_html.resolve().as_uri(),
        f"--screenshot={shot}",
        "--force-device-scale-factor=0.5",
        user_data=tmp_path / "profile",
    )
    assert CHROMIUM.exists() and result.returncode == 0 and shot.is_file(), result.stderr[-2000:]
    shutil.copyfile(shot, written.latest_html.with_suffix(".png"))  # for a person to look at
    pixels = png_pixels(shot)
    not_white = sum(1 for p in pixels if min(p) < 245) / len(pixels)
    passed_green = sum(1 for r, g, b in pixels if g > r + 40 and g > b + 20)
    assert len(set(pixels)) > 50, "the page looks blank"
    assert not_white > 0.05
    assert passed_green > 20, "no PASS (green) is visible at the top of the report"


def test_report_without_warehouse_is_a_clear_error(tmp_path: Path, capsys) -> None:
    assert cli_main(["--data-dir", str(tmp_path), "report"]) == 2
    assert "run `shared-matches migrate` first" in capsys.readouterr().err


def test_moved_tables_are_counted_from_the_backup(migrated_two, tmp_path: Path) -> None:
    """After phase 5 a player DB holds views instead of the moved tables: their rows are then
    counted from the player's newest backup that has them."""
    data_dir, runs = migrated_two
    copy = DataDir(tmp_path / "data")
    shutil.copytree(data_dir.players_dir, copy.players_dir)
    shutil.copytree(data_dir.warehouse_dir, copy.warehouse_dir)
    before = {t.label: t.player_rows for t in collect_figures(copy, runs).tables}
    player = copy.player_db("JGtm")
    events = count(player, "highlight_events")
    con = duckdb.connect(str(player))
    try:
        con.execute("drop table highlight_events")
        con.execute("create view highlight_events as select * from match_participants limit 0")
    finally:
        con.close()
    backup = copy.backups_dir / "JGtm" / "20260101T000000Z"
    backup.mkdir(parents=True)
    (backup / "manifest.json").write_text(
        json.dumps({"row_counts": {"highlight_events": events, "match_stats": 1}})
    )
    figures = collect_figures(copy, runs)
    after = {t.label: t.player_rows for t in figures.tables}
    assert after == before
    assert any("JGtm: highlight_events moved" in note for note in figures.notes)
