"""Verified backups of a player DB: $HALO_DATA_DIR/backups/<gamertag>/<timestamp>/stats.duckdb.

A backup is a byte copy of the checkpointed file, taken while this process holds the write
lock (so nobody writes meanwhile). It is verified (it opens, same tables, same row count per
table as the original) before its manifest.json is written: a backup folder without a
manifest is incomplete and is never used.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from shared_matches.duckdb_files import (
    fsync_dir,
    fsync_file,
    open_db,
    row_counts,
    table_columns,
    wal_path,
)
from shared_matches.failpoints import failpoint
from shared_matches.paths import PLAYER_DB_NAME, DataDir, UserError

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
    return data_dir.backups_dir / player


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


def create_backup(data_dir: DataDir, player: str, kind: str = KIND_PRE_CLEANUP) -> Backup:
    """Copy the player's DB into a new backup folder, verify it, then write its manifest."""
    source = data_dir.require_player(player)
    parent = player_backups_dir(data_dir, player)
    parent.mkdir(parents=True, exist_ok=True)
    suffix = "" if kind == KIND_PRE_CLEANUP else f"-{kind}"
    backup_id = new_backup_id(parent, suffix)
    folder = parent / backup_id
    folder.mkdir()
    target = folder / PLAYER_DB_NAME
    # Hold the write lock while copying: the checkpointed file is then the whole DB and
    # nobody can change it until the copy is done.
    with open_db(source, read_only=False) as con:
        con.execute("checkpoint")
        counts = row_counts(con)
        columns = {t: [list(c) for c in table_columns(con, t)] for t in counts}
        if wal_path(source).exists() and wal_path(source).stat().st_size > 0:
            raise UserError(f"{source}: its write-ahead log is not empty after CHECKPOINT.")
        shutil.copyfile(source, target)
        failpoint("during_backup")
    fsync_file(target)
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
        raise UserError(f"Backup {target} failed verification: {'; '.join(problems)}")
    write_manifest(backup)
    fsync_dir(folder)
    return backup


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


def write_manifest(backup: Backup) -> None:
    tmp = backup.folder / (MANIFEST + ".tmp")
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
    folder = player_backups_dir(data_dir, player) / backup_id
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
