"""File modes: a player DB readable by its owner only (0600) stays so through the cleanup (its
rewrite) and the restore; its backups (files and folders) are no more readable than it; the
warehouse, which holds its rows, is no more readable than the least readable player DB."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from hardening_helpers import cli, copy_data_dir
from helpers import quiet
from shared_matches.cleanup.backup import KIND_PRE_CLEANUP, KIND_PRE_RESTORE, MANIFEST, list_backups
from shared_matches.cleanup.restore import restore_player
from shared_matches.cleanup.steps import cleanup_player
from shared_matches.cli import main
from shared_matches.paths import DataDir, file_mode

PLAYER = "JGtm"
PRIVATE = 0o600


@dataclass
class ModesRun:
    data_dir: DataDir
    modes: dict[str, int] = field(default_factory=dict)
    rewritten: bool = False

    def record(self, name: str, path: Path) -> None:
        self.modes[name] = file_mode(path)


@pytest.fixture(scope="module")
def modes_run(migrated: DataDir, tmp_path_factory: pytest.TempPathFactory) -> ModesRun:
    data_dir = copy_data_dir(migrated, tmp_path_factory.mktemp("modes"))
    os.chmod(data_dir.player_db(PLAYER), PRIVATE)  # the other player DBs stay 0644
    run = ModesRun(data_dir)
    run.record("warehouse before", data_dir.warehouse)
    # every DB is up to date: the migrate only takes the warehouse lock (no dbt run)
    assert main(["--data-dir", str(data_dir.root), "migrate", "--no-report"]) == 0
    run.record("warehouse", data_dir.warehouse)
    run.record("warehouse folder", data_dir.warehouse_dir)

    outcome = cleanup_player(data_dir, PLAYER, out=quiet)
    run.rewritten = bool(outcome.compaction and outcome.compaction.rewritten)
    run.record("player DB after cleanup", data_dir.player_db(PLAYER))
    backup = outcome.backup
    run.record("backup file", backup.db_path)
    run.record("backup manifest", backup.folder / MANIFEST)
    run.record("backup folder", backup.folder)
    run.record("player backups folder", backup.folder.parent)
    run.record("backups folder", data_dir.backups_dir)

    restored, safety = restore_player(data_dir, PLAYER, out=quiet)
    assert restored.kind == KIND_PRE_CLEANUP and safety is not None
    run.record("player DB after restore", data_dir.player_db(PLAYER))
    run.record("pre-restore backup file", safety.db_path)
    run.record("pre-restore backup folder", safety.folder)
    return run


def test_the_warehouse_is_no_more_readable_than_the_player_dbs(modes_run: ModesRun) -> None:
    assert modes_run.modes["warehouse before"] & 0o077  # the copy started group/other readable
    assert modes_run.modes["warehouse"] == PRIVATE
    assert modes_run.modes["warehouse folder"] == 0o700


def test_the_cleanup_rewrite_keeps_the_player_db_private(modes_run: ModesRun) -> None:
    assert modes_run.rewritten
    assert modes_run.modes["player DB after cleanup"] == PRIVATE


def test_backups_are_no_more_readable_than_the_player_db(modes_run: ModesRun) -> None:
    modes = modes_run.modes
    assert modes["backup file"] == PRIVATE
    assert modes["backup manifest"] & 0o077 == 0
    assert modes["pre-restore backup file"] == PRIVATE
    for folder in (
        "backup folder",
        "player backups folder",
        "backups folder",
        "pre-restore backup folder",
    ):
        assert modes[folder] == 0o700, folder


def test_the_restore_keeps_the_player_db_private(modes_run: ModesRun) -> None:
    assert modes_run.modes["player DB after restore"] == PRIVATE
    kinds = [b.kind for b in list_backups(modes_run.data_dir, PLAYER)]
    assert kinds == [KIND_PRE_CLEANUP, KIND_PRE_RESTORE]


def test_a_group_readable_player_db_keeps_its_mode_through_a_restore(
    modes_run: ModesRun, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Modes are kept, not tightened: a 0640 DB restored is 0640 again."""
    data_dir = copy_data_dir(
        modes_run.data_dir, tmp_path, parts=("players", "warehouse", "backups")
    )
    os.chmod(data_dir.player_db(PLAYER), 0o640)
    result = cli(capsys, data_dir, "restore", "--player", PLAYER)
    assert result.returncode == 0, result.err
    assert file_mode(data_dir.player_db(PLAYER)) == 0o640
