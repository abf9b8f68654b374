"""Which matches the shared warehouse already knows, READ-ONLY.

The sync opens the warehouse only for the short moment of a look-up and closes it: the dbt
build that follows needs the file for itself.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

from shared_matches.cleanup.app_sync import (
    WAREHOUSE,
    UnsharedMatch,
    unshared_matches,
    warehouse_and_landing,
)
from shared_matches.duckdb_files import connect
from shared_matches.locking import LOCK_TIMEOUT, warehouse_lock
from shared_matches.paths import DataDir

# film states that need no film call again (match_registry.film_state): the film was read,
# or the API said once that there is none to read
SETTLED_FILM_STATES = ("loaded", "not_found", "no_highlights", "undecodable")


class WarehouseReader:
    """Read-only look-ups in shared_matches.duckdb (an absent warehouse knows nothing).

    Each look-up waits for the warehouse lock (a migration in progress finishes first), opens
    the file read-only and closes it before returning.
    """

    def __init__(self, data_dir: DataDir, lock_timeout: float = LOCK_TIMEOUT) -> None:
        self.data_dir = data_dir
        self.path: Path = data_dir.warehouse
        self.lock_timeout = lock_timeout

    @contextmanager
    def _connect(self) -> Iterator[duckdb.DuckDBPyConnection | None]:
        if not self.path.is_file():
            yield None
            return
        with warehouse_lock(self.data_dir, "sync: read-only look-up", self.lock_timeout):
            con = connect(self.path, read_only=True)
            try:
                yield con
            finally:
                con.close()

    def known_matches(self, match_ids: list[str], player_xuid: str) -> set[str]:
        """The matches whose roster (with this player in it) the warehouse holds, and whose
        film is loaded or known to be missing: a sync brings them at no API call."""
        if not match_ids:
            return set()
        with self._connect() as con:
            if con is None:
                return set()
            try:
                rows = con.execute(
                    "select registry.match_id from match_registry as registry "
                    "where registry.match_id = any(?::varchar[]) "
                    "and registry.participants_loaded "
                    "and (registry.events_loaded or registry.film_state = any(?::varchar[])) "
                    "and exists (select 1 from match_participants as roster "
                    "where roster.match_id = registry.match_id and roster.xuid = ?)",
                    [match_ids, list(SETTLED_FILM_STATES), player_xuid],
                ).fetchall()
            except duckdb.CatalogException:
                return set()
        return {r[0] for r in rows}

    def unshared_matches(
        self, con: duckdb.DuckDBPyConnection, catalog: str, player_xuid: str
    ) -> list[UnsharedMatch]:
        """The matches of the player DB open on ``con`` (catalog ``catalog``) without a shared
        roster for the player (macro unshared_matches_rule): written by another program, such
        as the old app's own sync on a cleaned DB. The warehouse and the landing are attached
        read-only for the look-up only."""
        if not self.path.is_file():
            return []
        with warehouse_lock(self.data_dir, "sync: read-only look-up", self.lock_timeout):
            with warehouse_and_landing(con, self.data_dir) as landing:
                return unshared_matches(con, catalog, player_xuid, WAREHOUSE, landing)
