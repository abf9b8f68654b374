"""A full disk (a small tmpfs) during the cleanup's backup copy, during the cleanup's rewrite
of the player DB and during the restore's copy: one line naming the place and what to do,
exit code 2, the player DB unchanged and nothing left half-written; once space is freed the
same command finishes the job. Skipped, with the reason, where a tmpfs cannot be mounted."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from hardening_helpers import cli, copy_data_dir, file_hash, fill_disk, tmpfs, tree_hashes
from helpers import quiet
from shared_matches.cleanup.backup import KIND_PRE_CLEANUP, KIND_PRE_RESTORE, list_backups
from shared_matches.cleanup.restore import staging_path
from shared_matches.cleanup.state import CLEANED, inspect_player_db
from shared_matches.cleanup.steps import cleanup_player
from shared_matches.compaction import compact_path
from shared_matches.duckdb_files import wal_path
from shared_matches.paths import DataDir

PLAYER = "JGtm"
EVERYTHING = ("players", "warehouse", "backups", "read_layer")


@pytest.fixture(scope="module")
def cleaned_not_rewritten(migrated: DataDir, tmp_path_factory: pytest.TempPathFactory) -> DataDir:
    """The player cleaned up without the rewrite (its DB still holds the free blocks)."""
    data_dir = copy_data_dir(migrated, tmp_path_factory.mktemp("not_rewritten"))
    cleanup_player(data_dir, PLAYER, compact=False, out=quiet)
    return data_dir


@contextmanager
def player_folder_on_full_disk(data_dir: DataDir, size: str = "16m") -> Iterator[Path]:
    """The player's folder on a small tmpfs holding its files, filled to the last byte;
    yields the filler file."""
    folder = data_dir.player_db(PLAYER).parent
    kept = folder.with_name(folder.name + ".kept")
    folder.rename(kept)
    with tmpfs(folder, size):
        for item in kept.iterdir():
            shutil.copy2(item, folder / item.name)
        yield fill_disk(folder)
    shutil.rmtree(kept)


def one_line(result, *parts: str) -> None:
    assert result.returncode == 2, (result.returncode, result.err[-3000:])
    lines = result.error_lines()
    assert len(lines) == 1, lines
    assert "Traceback" not in result.err + result.out
    for part in parts:
        assert part in lines[0], (part, lines[0])


def leftovers(path: Path) -> list[Path]:
    names = [compact_path(path), staging_path(path)]
    return [p for n in names for p in (n, wal_path(n)) if p.exists()]


def test_full_disk_during_the_backup_copy(
    migrated: DataDir, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data_dir = copy_data_dir(migrated, tmp_path / "data")
    with tmpfs(data_dir.backups_dir, "1m"):
        before = tree_hashes(data_dir.root)
        result = cli(capsys, data_dir, "cleanup", "--player", PLAYER)
        one_line(
            result,
            f"error: No space left on the device of {data_dir.backups_dir / PLAYER}/",
            f"to back up {data_dir.player_db(PLAYER)}",
            "nothing was changed; free some space",
        )
        assert tree_hashes(data_dir.root) == before
        assert list((data_dir.backups_dir / PLAYER).iterdir()) == []  # no partial backup


def test_full_disk_during_the_rewrite(
    cleaned_not_rewritten: DataDir, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data_dir = copy_data_dir(cleaned_not_rewritten, tmp_path / "data", parts=EVERYTHING)
    path = data_dir.player_db(PLAYER)
    with player_folder_on_full_disk(data_dir) as filler:
        before = tree_hashes(data_dir.root)
        result = cli(capsys, data_dir, "cleanup", "--player", PLAYER)
        one_line(
            result,
            f"error: No space left on the device of {path} to rewrite it",
            f"{path} was not changed",
            "--no-compact",
        )
        assert tree_hashes(data_dir.root) == before
        assert leftovers(path) == []

        size = path.stat().st_size
        filler.unlink()
        result = cli(capsys, data_dir, "cleanup", "--player", PLAYER)
        assert result.returncode == 0, result.err
        assert "rewritten:" in result.out
        assert path.stat().st_size < size and leftovers(path) == []
        assert inspect_player_db(path).state == CLEANED


def test_full_disk_during_the_restore_copy(
    cleaned_not_rewritten: DataDir, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data_dir = copy_data_dir(cleaned_not_rewritten, tmp_path / "data", parts=EVERYTHING)
    path = data_dir.player_db(PLAYER)
    (backup,) = list_backups(data_dir, PLAYER, KIND_PRE_CLEANUP)
    with player_folder_on_full_disk(data_dir) as filler:
        before = file_hash(path)
        result = cli(capsys, data_dir, "restore", "--player", PLAYER)
        one_line(
            result,
            f"error: No space left on the device of {path.parent} to copy the backup",
            "the player DB was not changed; free some space",
        )
        assert file_hash(path) == before and leftovers(path) == []

        filler.unlink()
        result = cli(capsys, data_dir, "restore", "--player", PLAYER)
        assert result.returncode == 0, result.err
        assert file_hash(path) == file_hash(backup.db_path) and leftovers(path) == []
    # the safety copy the failed run took is the one the rerun used (the DB had not changed)
    assert [b.kind for b in list_backups(data_dir, PLAYER)] == [KIND_PRE_CLEANUP, KIND_PRE_RESTORE]
