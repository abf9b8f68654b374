"""What an interrupted run leaves is cleaned up or used by the next one: backup folders
without a manifest, a backup identical to the DB, a `.compact` rewrite, a `.restore` staging
file. Real DuckDB files, no dbt (the failpoint tests, test_faults, leave them for real)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import duckdb
import pytest

from hardening_helpers import file_hash, relation_contents
from shared_matches.cleanup.backup import (
    KIND_PRE_CLEANUP,
    MANIFEST,
    create_backup,
    list_backups,
    player_backups_dir,
)
from shared_matches.cleanup.restore import restore_player, staging_path
from shared_matches.compaction import compact_file, compact_path, free_blocks
from shared_matches.duckdb_files import wal_path
from shared_matches.paths import DataDir

PLAYER = "Madina97294"


@pytest.fixture
def data_dir(small_players_dir: Path, tmp_path: Path) -> DataDir:
    data_dir = DataDir(tmp_path / "data")
    data_dir.player_db(PLAYER).parent.mkdir(parents=True)
    shutil.copyfile(small_players_dir / PLAYER / "stats.duckdb", data_dir.player_db(PLAYER))
    return data_dir


def change(path: Path) -> None:
    con = duckdb.connect(str(path))
    try:
        con.execute("insert into sync_meta (key, value) values ('leftover_test', 'x')")
    finally:
        con.close()


def test_backup_folders_without_a_manifest_are_removed_by_the_next_backup(
    data_dir: DataDir,
) -> None:
    said: list[str] = []
    kept = create_backup(data_dir, PLAYER, out=said.append)
    change(data_dir.player_db(PLAYER))
    parent = player_backups_dir(data_dir, PLAYER)
    killed = parent / "20200101T000000000000Z"  # a copy killed half-way
    killed.mkdir()
    (killed / "stats.duckdb").write_bytes(b"\0" * 4096)
    failed = parent / "20200101T000000000001Z-pre-restore"  # killed before its manifest
    failed.mkdir()
    (failed / (MANIFEST + ".tmp")).write_text("{")

    new = create_backup(data_dir, PLAYER, out=said.append)

    assert sorted(p.name for p in parent.iterdir()) == sorted([kept.backup_id, new.backup_id])
    assert [b.backup_id for b in list_backups(data_dir, PLAYER)] == [
        kept.backup_id,
        new.backup_id,
    ]
    assert sum("removed the incomplete backup folder" in line for line in said) == 2, said


def test_a_backup_identical_to_the_db_is_used_again(data_dir: DataDir) -> None:
    said: list[str] = []
    first = create_backup(data_dir, PLAYER, out=said.append)
    again = create_backup(data_dir, PLAYER, out=said.append)
    assert again.backup_id == first.backup_id and again.folder == first.folder
    assert any("used again" in line for line in said), said
    change(data_dir.player_db(PLAYER))
    other = create_backup(data_dir, PLAYER, out=said.append)
    assert other.backup_id != first.backup_id
    assert len(list_backups(data_dir, PLAYER, KIND_PRE_CLEANUP)) == 2


def test_a_stale_rewrite_is_removed_and_done_again(data_dir: DataDir) -> None:
    path = data_dir.player_db(PLAYER)
    con = duckdb.connect(str(path))
    try:
        con.execute(
            "create table filler as select range as n, repeat('x', 200) as s from range(50000)"
        )
        con.execute("checkpoint")
        con.execute("drop table filler")
        con.execute("checkpoint")
    finally:
        con.close()
    assert free_blocks(path)[0] > 0
    contents = relation_contents(path)
    stale = compact_path(path)
    stale.write_bytes(b"half a rewrite")  # a run killed during the rewrite
    wal_path(stale).write_bytes(b"its log")
    os.chmod(stale, 0o644)

    result = compact_file(path)

    assert result.rewritten and free_blocks(path)[0] == 0
    assert not stale.exists() and not wal_path(stale).exists()
    assert relation_contents(path) == contents


def test_a_stale_restore_staging_file_is_removed(data_dir: DataDir) -> None:
    backup = create_backup(data_dir, PLAYER)
    change(data_dir.player_db(PLAYER))
    path = data_dir.player_db(PLAYER)
    staged = staging_path(path)
    staged.write_bytes(b"half a copy")  # a restore killed during its copy
    wal_path(staged).write_bytes(b"a log")
    said: list[str] = []

    restore_player(data_dir, PLAYER, out=said.append)

    assert file_hash(path) == file_hash(backup.db_path)
    assert not staged.exists() and not wal_path(staged).exists()
    assert sum("left by an interrupted restore" in line for line in said) == 2, said
