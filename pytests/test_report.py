"""The migration report on a small real migration: its figures equal counts computed
independently from the player DBs and the warehouse; the HTML page loads nothing from outside."""

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
from shared_matches.migrate import PlayerRun, migrate_players
from shared_matches.paths import DataDir
from shared_matches.report import ReportFiles, write_report
from shared_matches.report.figures import ReportFigures, collect_figures

PLAYERS = ["Chocoboflor", "JGtm"]  # JGtm has the older layout
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
        assert (player.matches, player.new_matches) == (len(mine), len(mine - seen))
        assert player.known_matches == len(mine & seen)
        seen |= mine
    assert [p.gamertag for p in figures.players] == PLAYERS


def test_players_rebuilt_without_runs_use_the_first_sync(migrated_two) -> None:
    data_dir, _ = migrated_two
    figures = collect_figures(data_dir, None)
    assert figures.players_source == "warehouse"
    copies = copies_by_player(data_dir)
    xuids = {g: owner_xuid(data_dir.player_db(g)) for g in copies}
    first = Counter(
        min((copies[g][m], xuids[g], g) for g in copies if m in copies[g])[2]
        for m in {m for c in copies.values() for m in c}
    )
    got = {p.gamertag: p for p in figures.players}
    assert set(got) == set(PLAYERS)
    for gamertag, player in got.items():
        assert player.matches == len(copies[gamertag])
        assert player.new_matches == first[gamertag]
        assert player.known_matches == player.matches - first[gamertag]


def test_files_are_written_and_the_html_is_self_contained(migrated_two, written) -> None:
    data_dir, runs = migrated_two
    assert all(p.is_file() and p.parent == data_dir.reports_dir for p in written.paths)
    assert re.fullmatch(r"migration-\d{8}-\d{6}(-\d+)?\.md", written.markdown.name)
    assert written.latest_html.read_text() == written.html.read_text()
    page = written.latest_html.read_text()
    assert not re.search(r"https?://", page, re.IGNORECASE)
    assert "<script" not in page.lower() and "<link" not in page.lower()
    assert not re.search(r"""\b(src|href)\s*=|url\(|@import""", page, re.IGNORECASE)
    assert page.count("<svg") >= 3
    assert "Matches by player_count" in page
    figures: ReportFigures = collect_figures(data_dir, runs)
    chart = page.split("Matches by player_count", 1)[1].split("</svg>", 1)[0]
    assert chart.count("<rect") == len(figures.distribution)
    markdown = written.latest_markdown.read_text()
    assert f"| {figures.validation.total_matches} |" in markdown
    for table in figures.tables:
        assert f"{table.player_rows:,}" in markdown and f"{table.warehouse_rows:,}" in markdown


def test_report_command_rebuilds_and_leaves_the_warehouse_unlocked(migrated_two, capsys) -> None:
    data_dir, _ = migrated_two
    before = set(data_dir.reports_dir.glob("migration-*.html"))
    assert cli_main(["--data-dir", str(data_dir.root), "report"]) == 0
    printed = capsys.readouterr().out
    assert "Players (warehouse)" in printed and "avg_players_per_match" in printed
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
    assert writer.returncode == 0, writer.stderr


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
