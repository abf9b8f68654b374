"""Read what the shared warehouse already holds about a set of matches, READ-ONLY.

The sync opens the warehouse only for the short moments it needs it (a registry look-up,
then the rows of a batch of known matches) and closes it each time: the incremental dbt
build that follows needs the file for itself.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb

from shared_matches.locking import warehouse_lock
from shared_matches.paths import DataDir, UserError
from shared_matches.v4_schema import column_names

PARTICIPANT_COLUMNS = column_names("match_participants")
EVENT_COLUMNS = ("event_type", "time_ms", "xuid", "gamertag", "type_hint", "raw_json")
REGISTRY_COLUMNS = (
    "match_id",
    "start_time",
    "end_time",
    "playlist_id",
    "playlist_name",
    "map_id",
    "map_name",
    "pair_id",
    "pair_name",
    "game_variant_id",
    "game_variant_name",
    "mode_category",
    "is_ranked",
    "is_firefight",
    "duration_seconds",
    "team_0_score",
    "team_1_score",
)


@dataclass
class KnownMatch:
    """A match the warehouse holds with its roster and its events."""

    registry: dict[str, Any]
    participants: list[dict[str, Any]] = field(default_factory=list)
    events: list[dict[str, Any]] = field(default_factory=list)
    aliases: dict[str, tuple[str, Any]] = field(default_factory=dict)

    @property
    def match_id(self) -> str:
        return str(self.registry["match_id"])

    def participant(self, xuid: str) -> dict[str, Any] | None:
        for row in self.participants:
            if row["xuid"] == xuid:
                return row
        return None


class WarehouseReader:
    """Read-only look-ups in shared_matches.duckdb (an absent warehouse knows nothing).

    Each look-up waits for the warehouse lock (a migration in progress finishes first), opens
    the file read-only and closes it before returning.
    """

    def __init__(self, data_dir: DataDir, lock_timeout: float = 600.0) -> None:
        self.data_dir = data_dir
        self.path: Path = data_dir.warehouse
        self.lock_timeout = lock_timeout

    @contextmanager
    def _connect(self) -> Iterator[duckdb.DuckDBPyConnection | None]:
        if not self.path.is_file():
            yield None
            return
        with warehouse_lock(self.data_dir, "sync: read-only look-up", self.lock_timeout):
            try:
                con = duckdb.connect(str(self.path), read_only=True)
            except duckdb.IOException as exc:
                raise UserError(f"Cannot open the warehouse {self.path} read-only: {exc}") from exc
            try:
                yield con
            finally:
                con.close()

    def loaded_matches(self, match_ids: list[str]) -> set[str]:
        """The matches whose roster and events are both loaded in the warehouse."""
        if not match_ids:
            return set()
        with self._connect() as con:
            if con is None or not _has_table(con, "match_registry"):
                return set()
            rows = con.execute(
                "select match_id from match_registry "
                "where match_id = any(?::varchar[]) and participants_loaded and events_loaded",
                [match_ids],
            ).fetchall()
        return {r[0] for r in rows}

    def load(self, match_ids: list[str]) -> dict[str, KnownMatch]:
        """Registry row, roster, events and aliases of the given (loaded) matches."""
        if not match_ids:
            return {}
        with self._connect() as con:
            if con is None or not _has_table(con, "match_registry"):
                return {}
            registry = _dicts(
                con,
                f"select {', '.join(REGISTRY_COLUMNS)} from match_registry "
                "where match_id = any(?::varchar[]) and participants_loaded and events_loaded",
                [match_ids],
            )
            known = {row["match_id"]: KnownMatch(row) for row in registry}
            ids = list(known)
            if not ids:
                return {}
            owner_cols = ["team_mmr", "enemy_mmr", "is_owner_row"]
            for row in _dicts(
                con,
                f"select {', '.join(PARTICIPANT_COLUMNS + owner_cols)} from match_participants "
                "where match_id = any(?::varchar[]) order by match_id, xuid",
                [ids],
            ):
                known[row["match_id"]].participants.append(row)
            for row in _dicts(
                con,
                f"select match_id, {', '.join(EVENT_COLUMNS)} from highlight_events "
                "where match_id = any(?::varchar[]) order by match_id, time_ms, event_key",
                [ids],
            ):
                known[row.pop("match_id")].events.append(row)
            xuids = sorted({p["xuid"] for k in known.values() for p in k.participants})
            aliases = {
                r["xuid"]: (r["gamertag"], r["last_seen"])
                for r in _dicts(
                    con,
                    "select xuid, gamertag, last_seen from xuid_aliases "
                    "where xuid = any(?::varchar[]) and gamertag is not null",
                    [xuids],
                )
            }
            for match in known.values():
                roster = {p["xuid"] for p in match.participants}
                match.aliases = {x: aliases[x] for x in roster if x in aliases}
        return known


def _has_table(con: duckdb.DuckDBPyConnection, table: str) -> bool:
    row = con.execute(
        "select count(*) from information_schema.tables where table_name = ?", [table]
    ).fetchone()
    return bool(row and row[0])


def _dicts(con: duckdb.DuckDBPyConnection, sql: str, params: list[Any]) -> list[dict[str, Any]]:
    cursor = con.execute(sql, params)
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
