"""Phase 4, the read path: a player's data, with the shared rows read from the read layer.

``PlayerRepository`` opens the player DB read-only and reads the shared rows from the read
layer's Parquet files (src/shared_matches/read_layer.py), never from the warehouse:
- ``matches()``: the player's own match_stats rows plus the registry columns they lack;
- ``match_participants(match_id)``, ``highlight_events(match_id)``, ``aliases()``: the shared
  rows themselves, so the answers are the same before and after the player's cleanup.

Locks. Parquet files take no lock: the repository never blocks a migration or a sync, and a
publish never changes a file (it adds new versions; of each range the newest is read). Only
the player DB is a DuckDB file: every call opens it read-only, reads and closes; a call made while a
writer holds it (a sync writing the player's rows, a cleanup) waits up to ``wait_seconds``,
then fails with a UserError naming the file. Several readers may read at once. Within one
process, do not keep another connection to the same file open with a different mode (DuckDB
refuses a second open of a file with another configuration).
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb
import polars as pl

from shared_matches.duckdb_files import connect, table_columns
from shared_matches.frames import query_frame
from shared_matches.paths import DataDir, UserError
from shared_matches.player_identity import read_player_xuid
from shared_matches.project import project_vars
from shared_matches.read_layer import files_sql, is_published, raw_json_sql


class PlayerRepository:
    """Read one tracked player's matches and the shared match data (polars DataFrames)."""

    def __init__(
        self,
        gamertag: str,
        data_dir: DataDir | str | Path | None = None,
        wait_seconds: float = 5.0,
    ) -> None:
        self.data_dir = data_dir if isinstance(data_dir, DataDir) else DataDir.from_env(data_dir)
        self.gamertag = gamertag
        self.wait_seconds = wait_seconds
        self._xuid: str | None = None

    @property
    def player_db(self) -> Path:
        return self.data_dir.player_db(self.gamertag)

    def _layer(self, table: str) -> str:
        return files_sql(self.data_dir, table)

    def _connect(self) -> duckdb.DuckDBPyConnection:
        """The player DB, read-only; waits while a writer holds it."""
        self.data_dir.require_player(self.gamertag)
        if not is_published(self.data_dir):
            raise UserError(
                f"The read layer of {self.data_dir.root} is not published: the shared match "
                f"data of {self.gamertag} is read from it. Run `shared-matches migrate` first."
            )
        deadline = time.monotonic() + self.wait_seconds
        delay = 0.05
        while True:
            try:
                return connect(self.player_db, read_only=True)
            except UserError as exc:
                if "locked" not in str(exc) or time.monotonic() >= deadline:
                    raise
                time.sleep(delay)
                delay = min(delay * 2, 0.5)

    @contextmanager
    def _session(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """One read: open, yield, close (nothing is held between calls)."""
        con = self._connect()
        try:
            yield con
        finally:
            con.close()

    def player_xuid(self) -> str:
        if self._xuid is None:
            with self._session() as con:
                self._owner(con)
        assert self._xuid is not None
        return self._xuid

    def _owner(self, con: duckdb.DuckDBPyConnection) -> str:
        if self._xuid is None:
            self._xuid = read_player_xuid(con, str(self.player_db))
        return self._xuid

    def matches(self) -> pl.DataFrame:
        """The player's matches, newest first: every match_stats column, then the registry's
        columns that match_stats lacks (player_count, first_sync_by, team scores, ...; end_time,
        mode_category ... for older layouts)."""
        with self._session() as con:
            own = {name for name, _ in table_columns(con, "match_stats")}
            registry = self._layer("match_registry")
            columns = [r[0] for r in con.execute(f"describe select * from {registry}").fetchall()]
            extra = ", ".join(f'registry."{name}"' for name in columns if name not in own)
            return query_frame(
                con,
                f"select stats.*{', ' + extra if extra else ''} "
                f"from match_stats as stats "
                f"left join {registry} as registry on stats.match_id = registry.match_id "
                f"order by stats.start_time desc, stats.match_id",
            )

    def match_participants(self, match_id: str) -> pl.DataFrame:
        """The roster of one match (the warehouse's merged rows), by team then xuid."""
        with self._session() as con:
            return query_frame(
                con,
                f"select * from {self._layer('match_participants')} where match_id = ? "
                "order by team_id, xuid",
                [match_id],
            )

    def highlight_events(self, match_id: str) -> pl.DataFrame:
        """The film highlight events of one match, in time order, as the player's v4 table
        holds them (id, match_id, event_type lower case, time_ms, xuid, gamertag, type_hint,
        raw_json rebuilt byte for byte where the warehouse keeps no string of its own); ids
        as the compatibility view numbers them (models/compat/compat__highlight_events.sql)."""
        with self._session() as con:
            return query_frame(
                con,
                "with matches_of_player as (select match_id, row_number() over "
                "(order by start_time, match_id) as match_number "
                f"from {self._layer('match_players')} where player_xuid = $xuid) "
                "select matches_of_player.match_number * $block + events.event_number as id, "
                "events.match_id, events.event_type, events.time_ms, events.xuid, "
                "events.gamertag, events.type_hint, "
                f"coalesce(events.raw_json, {raw_json_sql('events')}) as raw_json "
                f"from {self._layer('highlight_events')} as events "
                "inner join matches_of_player on events.match_id = matches_of_player.match_id "
                "where events.match_id = $match_id order by id",
                {
                    "xuid": self._owner(con),
                    "block": int(project_vars()["event_id_block"]),
                    "match_id": match_id,
                },
            )

    def aliases(self, xuids: Iterable[str] | None = None) -> pl.DataFrame:
        """Latest known gamertag of every xuid (or of the given xuids)."""
        with self._session() as con:
            layer = self._layer("xuid_aliases")
            if xuids is None:
                return query_frame(con, f"select * from {layer} order by xuid")
            wanted = sorted(set(xuids))
            return query_frame(
                con,
                f"select * from {layer} where list_contains(?, xuid) order by xuid",
                [wanted],
            )

    def gamertag_of(self, xuid: str) -> str | None:
        """The latest known gamertag of one xuid, None when unknown."""
        frame = self.aliases([xuid])
        return frame["gamertag"][0] if frame.height else None
