"""`shared-matches status` on real files: each figure equals what the files hold, a changed
player DB is seen, the last sync and backup are found, and no file is written or created."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import duckdb
import pytest

from helpers import scalar
from shared_matches.cleanup.backup import create_backup
from shared_matches.cli import main as cli_main
from shared_matches.landing.schema import create_landing_schema, landing_path
from shared_matches.paths import DataDir
from shared_matches.status import collect_status


def snapshot(root: Path) -> dict[str, tuple[int, int]]:
    """Every file under root with its size and modification time."""
    return {
        str(p.relative_to(root)): (p.stat().st_size, p.stat().st_mtime_ns)
        for p in root.rglob("*")
        if p.is_file()
    }


@pytest.fixture
def copied(migrated: DataDir, tmp_path: Path) -> DataDir:
    """A copy of the session's migrated data dir (players and warehouse)."""
    copy = DataDir(tmp_path / "data")
    shutil.copytree(migrated.players_dir, copy.players_dir)
    shutil.copytree(migrated.warehouse_dir, copy.warehouse_dir)
    return copy


def test_status_figures_are_the_files_and_nothing_is_written(migrated: DataDir, capsys) -> None:
    before = snapshot(migrated.root)
    assert cli_main(["status", "--json", "--data-dir", str(migrated.root)]) == 0
    document = json.loads(capsys.readouterr().out)
    assert snapshot(migrated.root) == before  # read-only on every file
    warehouse = document["warehouse"]
    path = migrated.warehouse
    assert warehouse["matches"] == scalar(path, "select count(*) from match_registry")
    assert warehouse["players"] == len(migrated.discover_players())
    assert warehouse["free_bytes"] + warehouse["used_bytes"] == scalar(
        path, "select total_blocks * block_size from pragma_database_size()"
    )
    assert warehouse["last_run_at"] is not None
    players = {p["gamertag"]: p for p in document["players"]}
    assert list(players) == migrated.discover_players()
    for gamertag, player in players.items():
        db = migrated.player_db(gamertag)
        assert player["matches_in_db"] == scalar(db, "select count(*) from match_stats")
        assert player["migrated"] is True and player["changed_since_merge"] is False
        assert player["matches_in_warehouse"] == scalar(
            path, "select count(*) from match_players where player_gamertag = ?", [gamertag]
        )
        assert player["cleanup_state"] == "original" and player["last_backup"] is None
        assert player["last_sync"] is None
    assert cli_main(["--data-dir", str(migrated.root), "status"]) == 0
    text = capsys.readouterr().out
    assert "changed since its last merge: no (up to date)" in text
    assert "free inside the file" in text


def test_a_changed_db_a_backup_and_the_last_sync_are_shown(copied: DataDir) -> None:
    player = "JGtm"
    con = duckdb.connect(str(copied.player_db(player)))
    try:
        con.execute(
            "update match_stats set kills = kills + 1 "
            "where match_id = (select min(match_id) from match_stats)"
        )
    finally:
        con.close()
    backup = create_backup(copied, "Chocoboflor")
    landing = landing_path(copied)
    landing.parent.mkdir(parents=True)
    con = duckdb.connect(str(landing))
    try:
        create_landing_schema(con)
        rows = [  # (kind, match_id, minute): two syncs of JGtm, one of another player
            ("match_history", None, 0),
            ("match_stats", "m-old", 1),
            ("match_history", None, 60),
            ("match_history", None, 61),
            ("match_stats", "m-1", 62),
            ("match_skill", "m-1", 62),
            ("match_stats", "m-2", 63),
        ]
        for kind, match_id, minute in rows:
            con.execute(
                "insert into responses (kind, match_id, http_status, fetched_at, fetched_by) "
                "values (?, ?, 200, timestamp '2026-01-01 10:00' + to_minutes(?), ?)",
                [kind, match_id, minute, player],
            )
        con.execute(
            "insert into responses (kind, http_status, fetched_at, fetched_by) "
            "values ('match_history', 200, timestamp '2026-01-02', 'Chocoboflor')"
        )
    finally:
        con.close()
    before = snapshot(copied.root)
    status = collect_status(copied)
    assert snapshot(copied.root) == before
    by_name = {p.gamertag: p for p in status.players}
    assert by_name[player].changed_since_merge is True
    assert by_name["Madina97294"].changed_since_merge is False
    assert by_name["Chocoboflor"].last_backup.backup_id == backup.backup_id
    sync = by_name[player].last_sync
    assert (sync.responses, sync.new_matches) == (5, 2)
    assert f"{sync.started_at:%H:%M}" == "11:00" and f"{sync.finished_at:%H:%M}" == "11:03"
    assert by_name["Chocoboflor"].last_sync.new_matches == 0
    assert by_name["Madina97294"].last_sync is None


def test_no_warehouse_yet_and_an_empty_data_dir(
    small_players_dir: Path, tmp_path: Path, capsys
) -> None:
    fresh = DataDir(tmp_path / "fresh")
    shutil.copytree(small_players_dir / "JGtm", fresh.players_dir / "JGtm")
    assert cli_main(["status", "--data-dir", str(fresh.root)]) == 0
    text = capsys.readouterr().out
    assert "Warehouse: none yet" in text and "`shared-matches migrate` creates it" in text
    assert not fresh.warehouse_dir.exists()
    empty = tmp_path / "nothing"
    assert cli_main(["status", "--data-dir", str(empty)]) == 2
    assert "Nothing here yet" in capsys.readouterr().err
    assert not empty.exists()  # nothing created
