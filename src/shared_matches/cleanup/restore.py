"""`shared-matches restore`: put a player DB back as it was before its cleanup.

The latest pre-cleanup backup by default, or the one named with --backup <timestamp>. The
current file is first kept as a verified "pre-restore" backup (so a restore can itself be
undone), the chosen backup is verified, copied next to the player DB (stats.duckdb.restore,
with the current file's mode and owner: a restore never makes the DB more readable),
verified again, and swapped in with one atomic rename while the current file is held (no
writer in between). A staging file left by an interrupted restore is removed by the next.

Then nothing synced since the backup is lost: the player's rows of every warehouse match of
the player that the restored DB lacks (the matches synced after the cleanup) are written
into it from the warehouse, as a sync writes them (sync/player_rows.py: the personal tables,
and the v4 shared tables of a DB that is not cleaned up), in one transaction.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from shared_matches.cleanup.backup import (
    KIND_PRE_CLEANUP,
    KIND_PRE_RESTORE,
    Backup,
    compare_to_file,
    create_backup,
    find_backup,
    latest_backup,
    list_backups,
    verify_backup,
)
from shared_matches.duckdb_files import (
    copy_file,
    ensure_writable,
    fsync_dir,
    fsync_file,
    is_disk_full,
    open_db,
    wal_path,
)
from shared_matches.failpoints import failpoint
from shared_matches.locking import warehouse_lock
from shared_matches.paths import DataDir, UserError, dir_mode, file_mode, make_dir
from shared_matches.sync.player_rows import PlayerStore, write_player_rows

Printer = Callable[[str], None]


def choose_backup(data_dir: DataDir, player: str, backup_id: str | None) -> Backup:
    if backup_id:
        return find_backup(data_dir, player, backup_id)
    backup = latest_backup(data_dir, player, KIND_PRE_CLEANUP)
    if backup is None:
        others = ", ".join(b.backup_id for b in list_backups(data_dir, player)) or "none"
        raise UserError(
            f"No pre-cleanup backup of {player} under {data_dir.backups_dir / player} "
            f"(other backups: {others})."
        )
    return backup


def restore_player(
    data_dir: DataDir, player: str, backup_id: str | None = None, out: Printer = print
) -> tuple[Backup, Backup | None]:
    """Restore the player's DB from a backup; returns (restored backup, safety copy)."""
    backup = choose_backup(data_dir, player, backup_id)
    verify_backup(backup)
    path = data_dir.player_db(player)
    safety: Backup | None = None
    if path.exists():
        ensure_writable(path)
        safety = create_backup(data_dir, player, kind=KIND_PRE_RESTORE, out=out)
        out(f"[{player}] current DB kept as {safety.db_path}")
    else:
        make_dir(path.parent, dir_mode(file_mode(backup.db_path)))
    failpoint("after_safety_copy")
    staged = staging_path(path)
    for stale in (staged, wal_path(staged)):
        if stale.exists():
            stale.unlink()
            out(f"[{player}] removed {stale.name}, left by an interrupted restore")
    stage_copy(backup, staged, like=path if path.exists() else backup.db_path)
    problems = compare_to_file(backup, staged)
    if problems:
        staged.unlink()
        raise UserError(f"Copy of {backup.db_path} failed verification: {'; '.join(problems)}")
    if path.exists():
        # Hold the current file (read-only: DuckDB writes nothing then) until the rename, so no
        # writer can change it between the safety copy and the swap.
        with open_db(path, read_only=True):
            if wal_path(path).exists():
                staged.unlink()
                raise UserError(f"{path} was written to during the restore: nothing was changed.")
            failpoint("before_swap")
            os.replace(staged, path)
    else:
        failpoint("before_swap")
        os.replace(staged, path)
    fsync_dir(path.parent)
    out(f"[{player}] restored from {backup.db_path} ({len(backup.row_counts)} tables)")
    synced = write_synced_matches(data_dir, player)
    if synced:
        out(
            f"[{player}] {len(synced)} match(es) synced since the backup written back from "
            "the warehouse"
        )
    return backup, safety


def staging_path(path: Path) -> Path:
    """Where a restore copies the backup before the swap (next to the DB: same file system)."""
    return path.with_name(path.name + ".restore")


def stage_copy(backup: Backup, staged: Path, like: Path) -> None:
    """Copy the backup to the staging file (mode and owner of ``like``); on any failure no
    staging file is left and nothing was changed."""
    try:
        copy_file(backup.db_path, staged, like=like)
        fsync_file(staged)
    except OSError as exc:
        staged.unlink(missing_ok=True)
        if is_disk_full(exc):
            raise UserError(
                f"No space left on the device of {staged.parent} to copy the backup "
                f"{backup.db_path} ({backup.size_bytes / 2**20:.1f} MiB needed): the player DB "
                "was not changed; free some space, then run the restore again."
            ) from exc
        raise UserError(
            f"Cannot copy the backup {backup.db_path} to {staged}: {exc.strerror or exc}; the "
            "player DB was not changed."
        ) from exc


def write_synced_matches(data_dir: DataDir, player: str) -> list[str]:
    """Write into the player DB the player's rows of every match the warehouse holds in full
    for them (roster loaded) and the DB lacks (synced since its backup was taken); the match
    ids written."""
    if not data_dir.warehouse.is_file():
        return []
    path = data_dir.player_db(player)
    with warehouse_lock(data_dir, f"restore {player}: the matches synced since the backup"):
        with PlayerStore.open(path) as store:
            xuid = store.owner_xuid()
            if xuid is None:
                return []
            with open_db(data_dir.warehouse, read_only=True) as con:
                # the matches a sync writes: the player's, with their roster in the warehouse
                # (a history row alone, whose stats were never fetched, is not a match to write)
                mine = {
                    r[0]
                    for r in con.execute(
                        "select match_players.match_id from match_players "
                        "inner join match_registry using (match_id) "
                        "where match_players.player_xuid = ? "
                        "and match_registry.participants_loaded",
                        [xuid],
                    ).fetchall()
                }
            missing = sorted(mine - store.existing_matches())
            if missing:
                write_player_rows(data_dir, store, xuid, missing)
    return missing
