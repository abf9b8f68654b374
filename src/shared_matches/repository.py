"""Phase 4, the read path: a player's data, with the shared tables read from the warehouse.

``PlayerRepository`` opens the player DB read-only, ATTACHes the warehouse read-only under the
catalog name ``shared_matches`` and reads:
- ``matches()``: the player's own match_stats rows plus the registry columns they lack;
- ``match_participants(match_id)``, ``highlight_events(match_id)``, ``aliases()``: the shared
  tables themselves, so the answers are the same before and after the player's cleanup.

Locks. DuckDB gives a file to one writing process, and refuses a writer while any other
process has the file open, even read-only. So every call opens, reads and closes: between
calls the repository holds nothing, and a migration (dbt on the warehouse) or a sync (a
read-write connection on the player DB) can run. During a call, a writer is refused; and a
call made while a writer holds a file waits up to ``wait_seconds`` for it, then fails with a
UserError naming the file. Several readers may read at once (read-only opens share).
Within one process, do not keep another connection to the same file open with a different
mode (DuckDB refuses a second open of a file with another configuration).
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb
import polars as pl

from shared_matches.duckdb_files import attach_warehouse, connect, table_columns
from shared_matches.frames import query_frame
from shared_matches.paths import WAREHOUSE_CATALOG, DataDir, UserError
from shared_matches.player_identity import read_player_xuid

W = f"{WAREHOUSE_CATALOG}.main"


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

    @property
    def warehouse(self) -> Path:
        return self.data_dir.warehouse

    def _connect(self) -> duckdb.DuckDBPyConnection:
        """Player DB read-only + warehouse attached read-only; waits while a writer holds one."""
        self.data_dir.require_player(self.gamertag)
        if not self.warehouse.is_file():
            raise UserError(
                f"Warehouse not found: {self.warehouse}. The shared match data of "
                f"{self.gamertag} is read from it: run `shared-matches migrate` first."
            )
        deadline = time.monotonic() + self.wait_seconds
        delay = 0.05
        while True:
            con = None
            try:
                con = connect(self.player_db, read_only=True)
                attach_warehouse(con, self.warehouse)
                return con
            except UserError as exc:
                if con is not None:
                    con.close()
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
            registry = [name for name, _ in table_columns(con, "match_registry", WAREHOUSE_CATALOG)]
            extra = ", ".join(f'registry."{name}"' for name in registry if name not in own)
            return query_frame(
                con,
                f"select stats.*{', ' + extra if extra else ''} "
                f"from match_stats as stats "
                f"left join {W}.match_registry as registry on stats.match_id = registry.match_id "
                f"order by stats.start_time desc, stats.match_id",
            )

    def match_participants(self, match_id: str) -> pl.DataFrame:
        """The roster of one match (the warehouse's merged rows), by team then xuid."""
        with self._session() as con:
            return query_frame(
                con,
                f"select * from {W}.match_participants where match_id = ? order by team_id, xuid",
                [match_id],
            )

    def highlight_events(self, match_id: str) -> pl.DataFrame:
        """The film highlight events of one match, in time order, as the player's v4 table
        holds them (id, match_id, event_type lower case, time_ms, xuid, gamertag, type_hint,
        raw_json rebuilt byte for byte where the warehouse keeps no string of its own)."""
        with self._session() as con:
            return query_frame(
                con,
                f"select * exclude (player_xuid) from {W}.v4_highlight_events "
                "where player_xuid = ? and match_id = ? order by id",
                [self._owner(con), match_id],
            )

    def aliases(self, xuids: Iterable[str] | None = None) -> pl.DataFrame:
        """Latest known gamertag of every xuid (or of the given xuids)."""
        with self._session() as con:
            if xuids is None:
                return query_frame(con, f"select * from {W}.xuid_aliases order by xuid")
            wanted = sorted(set(xuids))
            return query_frame(
                con,
                f"select * from {W}.xuid_aliases where list_contains(?, xuid) order by xuid",
                [wanted],
            )

    def gamertag_of(self, xuid: str) -> str | None:
        """The latest known gamertag of one xuid, None when unknown."""
        frame = self.aliases([xuid])
        return frame["gamertag"][0] if frame.height else None
