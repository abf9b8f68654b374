"""`shared-matches migrate --dry-run`: its figures are what the migration then does, and it
writes nothing (no warehouse, no folder, player DBs untouched)."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb

from helpers import quiet
from shared_matches.cli import main as cli_main
from shared_matches.migrate import migrate_players
from shared_matches.paths import DataDir
from shared_matches.plan import plan_migration
from test_status import snapshot

PLAYERS = ["Chocoboflor", "Madina97294"]


def test_the_plan_is_what_the_migration_does(
    small_players_dir: Path, tmp_path: Path, capsys
) -> None:
    data_dir = DataDir(tmp_path / "data")
    for gamertag in PLAYERS:
        shutil.copytree(small_players_dir / gamertag, data_dir.players_dir / gamertag)
    before = snapshot(data_dir.root)
    assert cli_main(["migrate", "--dry-run", "--data-dir", str(data_dir.root)]) == 0
    printed = capsys.readouterr().out
    assert "nothing is written" in printed and "phase 1 would create it" in printed
    plan = plan_migration(data_dir)
    assert snapshot(data_dir.root) == before and not data_dir.warehouse_dir.exists()
    runs = migrate_players(data_dir, say=quiet)
    for planned, run in zip(plan.players, runs, strict=True):
        assert planned.gamertag == run.gamertag and not planned.up_to_date
        assert (planned.matches, planned.new_matches, planned.known_matches) == (
            run.matches,
            run.new_matches,
            run.known_matches,
        )
        assert planned.copies_to_merge == run.matches  # first merge: every copy
        db = data_dir.player_db(run.gamertag)
        con = duckdb.connect(str(db), read_only=True)
        try:
            for table in ("match_stats", "match_participants", "highlight_events"):
                assert (
                    planned.rows[table]
                    == con.execute(f"select count(*) from {table}").fetchone()[0]
                )
        finally:
            con.close()
    assert plan.players[1].known_matches > 0  # the data set really overlaps

    again = plan_migration(data_dir)
    assert all(p.up_to_date for p in again.players)
    con = duckdb.connect(str(data_dir.player_db("Madina97294")))
    try:
        con.execute(
            "update match_stats set updated_at = updated_at + interval 1 minute "
            "where match_id = (select min(match_id) from match_stats)"
        )
    finally:
        con.close()
    changed = plan_migration(data_dir, ["Madina97294"]).players[0]
    assert not changed.up_to_date
    assert (changed.new_matches, changed.copies_to_merge) == (0, 1)
    assert changed.rows["match_stats"] == 1


def test_a_player_whose_copies_are_all_merged_plans_an_empty_batch(
    small_players_dir: Path, tmp_path: Path, capsys
) -> None:
    """A player DB whose every copy the warehouse already holds, but whose fingerprint it has
    not recorded (a DB a sync created from known matches only): the dry run plans 0 copies
    to merge (it used to stop on an empty executemany)."""
    data_dir = DataDir(tmp_path / "data")
    for gamertag in PLAYERS:
        shutil.copytree(small_players_dir / gamertag, data_dir.players_dir / gamertag)
    migrate_players(data_dir, say=quiet)
    con = duckdb.connect(str(data_dir.warehouse))
    try:
        forgotten = con.execute(
            "delete from merged_sources where player_xuid = ?",
            [
                con.execute(
                    "select player_xuid from match_players group by all order by count(*) limit 1"
                ).fetchone()[0]
            ],
        ).fetchone()[0]
    finally:
        con.close()
    assert forgotten == 1
    plan = plan_migration(data_dir)
    not_recorded = [p for p in plan.players if not p.up_to_date]
    assert len(not_recorded) == 1
    assert not_recorded[0].copies_to_merge == 0 and not_recorded[0].new_matches == 0
    assert not_recorded[0].rows["match_stats"] == 0
    assert cli_main(["migrate", "--dry-run", "--data-dir", str(data_dir.root)]) == 0
    assert "Dry run" in capsys.readouterr().out
