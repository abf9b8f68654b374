"""Verified backups of a player DB: $HALO_DATA_DIR/backups/<gamertag>/<timestamp>/stats.duckdb.

A backup is a byte copy of the checkpointed file, taken while this process holds the write
lock (so nobody writes meanwhile). It is verified (it opens, same tables, same row count per
table as the original) before its manifest.json is written: a backup folder without a
manifest is incomplete and is never used; the next backup of that player removes it (while
it holds the player DB, so no other backup of it can be under way).

A backup is no more readable than the player DB: the file gets the DB's mode (and owner),
the folders the matching folder mode (0600 -> 0700). When the latest complete backup of the
same kind is byte for byte the current DB (a run killed after its backup, a cleanup after a
restore), it is used again instead of a second copy.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from shared_matches.duckdb_files import (
    copy_file,
    fsync_dir,
    fsync_file,
    is_disk_full,
    open_db,
    row_counts,
    table_columns,
    wal_path,
)
from shared_matches.failpoints import failpoint
from shared_matches.paths import (
    PLAYER_DB_NAME,
    DataDir,
    UserError,
    dir_mode,
    file_mode,
    folder_name,
    make_dir,
    restrict_mode,
)

Printer = Callable[[str], None]

MANIFEST = "manifest.json"
KIND_PRE_CLEANUP = "pre-cleanup"
KIND_PRE_RESTORE = "pre-restore"


@dataclass
class Backup:
    player: str
    backup_id: str
    folder: Path
    kind: str
    created_at: str
    size_bytes: int
    row_counts: dict[str, int]
    columns: dict[str, list[list[str]]] = field(default_factory=dict)

    @property
    def db_path(self) -> Path:
        return self.folder / PLAYER_DB_NAME

    def to_json(self) -> dict:
        return {
            "player": self.player,
            "backup_id": self.backup_id,
            "kind": self.kind,
            "created_at": self.created_at,
            "size_bytes": self.size_bytes,
            "row_counts": self.row_counts,
            "columns": self.columns,
        }


def player_backups_dir(data_dir: DataDir, player: str) -> Path:
    return data_dir.backups_dir / folder_name(player, "gamertag")


def new_backup_id(parent: Path, suffix: str = "") -> str:
    base = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ") + suffix
    candidate, n = base, 1
    while (parent / candidate).exists():
        n += 1
        candidate = f"{base}-{n}"
    return candidate


def snapshot(path: Path) -> tuple[dict[str, int], dict[str, list[list[str]]]]:
    """Row counts and column lists of every base table of a DB file (opened read-only)."""
    with open_db(path, read_only=True) as con:
        counts = row_counts(con)
        columns = {t: [list(c) for c in table_columns(con, t)] for t in counts}
    return counts, columns


def create_backup(
    data_dir: DataDir, player: str, kind: str = KIND_PRE_CLEANUP, out: Printer = print
) -> Backup:
    """Copy the player's DB into a new backup folder, verify it, then write its manifest (or
    use again the latest backup of this kind when it is byte for byte the current DB)."""
    source = data_dir.require_player(player)
    mode = file_mode(source)
    parent = player_backups_dir(data_dir, player)
    restrict_mode(data_dir.backups_dir, dir_mode(mode))
    make_dir(parent, dir_mode(mode))
    suffix = "" if kind == KIND_PRE_CLEANUP else f"-{kind}"
    # Hold the write lock while copying: the checkpointed file is then the whole DB and
    # nobody can change it (nor back it up) until the copy is done.
    with open_db(source, read_only=False) as con:
        con.execute("checkpoint")
        counts = row_counts(con)
        columns = {t: [list(c) for c in table_columns(con, t)] for t in counts}
        if wal_path(source).exists() and wal_path(source).stat().st_size > 0:
            raise UserError(f"{source}: its write-ahead log is not empty after CHECKPOINT.")
        remove_incomplete_backups(parent, player, out)
        same = identical_backup(data_dir, player, kind, source)
        if same is not None and not compare_to_file(same, same.db_path):
            out(f"[{player}] backup {same.backup_id} is the DB as it is now: used again")
            return same
        backup_id = new_backup_id(parent, suffix)
        folder = parent / backup_id
        target = folder / PLAYER_DB_NAME
        try:
            make_dir(folder, dir_mode(mode))
            copy_file(source, target, like=source)
            failpoint("during_backup")
            fsync_file(target)
        except OSError as exc:
            shutil.rmtree(folder, ignore_errors=True)
            raise _copy_error(source, folder, exc) from exc
    backup = Backup(
        player=player,
        backup_id=backup_id,
        folder=folder,
        kind=kind,
        created_at=datetime.now(UTC).isoformat(),
        size_bytes=target.stat().st_size,
        row_counts=counts,
        columns=columns,
    )
    problems = compare_to_file(backup, target)
    if problems:
        shutil.rmtree(folder, ignore_errors=True)
        raise UserError(f"Backup {target} failed verification: {'; '.join(problems)}")
    try:
        write_manifest(backup, mode)
    except OSError as exc:
        shutil.rmtree(folder, ignore_errors=True)
        raise _copy_error(source, folder, exc) from exc
    fsync_dir(folder)
    fsync_dir(parent)
    return backup


def _copy_error(source: Path, folder: Path, exc: OSError) -> UserError:
    if is_disk_full(exc):
        return UserError(
            f"No space left on the device of {folder} to back up {source} "
            f"({source.stat().st_size / 2**20:.1f} MiB needed): nothing was changed; free some "
            "space, then run again."
        )
    return UserError(
        f"Cannot back up {source} into {folder}: {exc.strerror or exc}; nothing was changed."
    )


def remove_incomplete_backups(parent: Path, player: str, out: Printer = print) -> list[Path]:
    """Remove the player's backup folders that have no manifest (a backup that was killed or
    failed before its end: never used). The caller holds the player DB open read-write."""
    removed = []
    for folder in sorted(parent.iterdir()) if parent.is_dir() else []:
        if folder.is_dir() and not (folder / MANIFEST).is_file():
            shutil.rmtree(folder)
            removed.append(folder)
            out(f"[{player}] removed the incomplete backup folder {folder} (no manifest)")
    return removed


def file_digest(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def identical_backup(data_dir: DataDir, player: str, kind: str, source: Path) -> Backup | None:
    """The latest complete backup of this kind whose file is byte for byte ``source``."""
    latest = latest_backup(data_dir, player, kind)
    if latest is None or latest.db_path.stat().st_size != source.stat().st_size:
        return None
    if file_digest(latest.db_path) != file_digest(source):
        return None
    return latest


def compare_to_file(backup: Backup, path: Path) -> list[str]:
    """What differs between a backup's recorded tables and the DB file (empty: identical)."""
    try:
        counts, columns = snapshot(path)
    except UserError as exc:
        return [str(exc)]
    except Exception as exc:  # a damaged file: DuckDB raises many kinds of errors
        return [f"{path} does not open: {exc}"]
    problems = []
    if set(counts) != set(backup.row_counts):
        problems.append(f"tables differ: {sorted(counts)} vs {sorted(backup.row_counts)}")
    for table, expected in backup.row_counts.items():
        if table in counts and counts[table] != expected:
            problems.append(f"{table}: {counts[table]} rows, expected {expected}")
    for table, cols in backup.columns.items():
        if table in columns and columns[table] != cols:
            problems.append(f"{table}: columns differ")
    return problems


def write_manifest(backup: Backup, mode: int = 0o600) -> None:
    tmp = backup.folder / (MANIFEST + ".tmp")
    tmp.unlink(missing_ok=True)
    tmp.touch(mode=mode)
    tmp.write_text(json.dumps(backup.to_json(), indent=2, sort_keys=True))
    fsync_file(tmp)
    tmp.replace(backup.folder / MANIFEST)


def read_backup(folder: Path) -> Backup | None:
    """The backup in a folder, None when it is incomplete (no manifest or no DB file)."""
    manifest = folder / MANIFEST
    if not manifest.is_file() or not (folder / PLAYER_DB_NAME).is_file():
        return None
    data = json.loads(manifest.read_text())
    return Backup(
        player=data["player"],
        backup_id=data["backup_id"],
        folder=folder,
        kind=data["kind"],
        created_at=data["created_at"],
        size_bytes=int(data["size_bytes"]),
        row_counts={k: int(v) for k, v in data["row_counts"].items()},
        columns=data.get("columns", {}),
    )


def list_backups(data_dir: DataDir, player: str, kind: str | None = None) -> list[Backup]:
    """Complete backups of a player, oldest first."""
    parent = player_backups_dir(data_dir, player)
    if not parent.is_dir():
        return []
    found = [read_backup(f) for f in sorted(parent.iterdir()) if f.is_dir()]
    backups = [b for b in found if b is not None and (kind is None or b.kind == kind)]
    return sorted(backups, key=lambda b: (b.created_at, b.backup_id))


def latest_backup(data_dir: DataDir, player: str, kind: str = KIND_PRE_CLEANUP) -> Backup | None:
    backups = list_backups(data_dir, player, kind)
    return backups[-1] if backups else None


def find_backup(data_dir: DataDir, player: str, backup_id: str) -> Backup:
    folder = player_backups_dir(data_dir, player) / folder_name(backup_id, "backup id")
    backup = read_backup(folder) if folder.is_dir() else None
    if backup is None:
        known = ", ".join(b.backup_id for b in list_backups(data_dir, player)) or "none"
        raise UserError(
            f"No complete backup '{backup_id}' for {player} in {folder.parent} "
            f"(complete backups: {known})."
        )
    return backup


def verify_backup(backup: Backup) -> None:
    """Raise unless the backup file still opens with the recorded tables and row counts."""
    problems = compare_to_file(backup, backup.db_path)
    if problems:
        raise UserError(f"Backup {backup.db_path} is not usable: {'; '.join(problems)}")
