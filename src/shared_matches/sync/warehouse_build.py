"""Bring the warehouse up to date with what the landing holds (phase 3)."""

from __future__ import annotations

import time
from dataclasses import dataclass

import duckdb

from shared_matches.dbt_session import DbtSession
from shared_matches.duckdb_files import open_db
from shared_matches.failpoints import failpoint
from shared_matches.landing.store import LandingStore
from shared_matches.locking import LOCK_TIMEOUT, warehouse_lock
from shared_matches.migrate import run_phase1, warehouse_ready
from shared_matches.paths import DataDir
from shared_matches.project import source_kind
from shared_matches.read_layer import publish


@dataclass
class LandingBuild:
    """How long a phase-3 build took, the read layer's publish included, and that publish."""

    seconds: float
    publish_seconds: float


def build_landing(session: DbtSession, lock_timeout: float = LOCK_TIMEOUT) -> LandingBuild:
    """Run the phase-3 build (phase 1 first if the warehouse is new), under the warehouse
    lock: it merges every response landed since the last merge; then the read layer gets the
    merged matches (before the player's rows are written: a cleaned DB's views then show a
    match its match_stats holds)."""
    started = time.perf_counter()
    data_dir = session.data_dir
    with warehouse_lock(data_dir, "sync: merge the landing", timeout=lock_timeout):
        if not warehouse_ready(data_dir):
            run_phase1(session, say=lambda _line: None)
        session.run(["build", "--selector", "phase3"], landing=True)
        failpoint("layer_before_publish")
        published = publish(data_dir)
    return LandingBuild(time.perf_counter() - started, published.seconds)


def landing_pending(data_dir: DataDir) -> bool:
    """True when the landing holds responses the warehouse has not merged yet (a sync was
    stopped between its landing and its build). Opens (creating it when missing) the landing
    DB: a locked or corrupt one raises its one-line LandingError."""
    with LandingStore.for_data_dir(data_dir) as landing:
        newest = landing.con.execute(
            "select coalesce(max(response_id), 0) from responses"
        ).fetchone()[0]
    if newest == 0:
        return False
    if not data_dir.warehouse.is_file():
        return True
    with open_db(data_dir.warehouse, read_only=True) as con:
        try:
            merged = con.execute(
                "select coalesce(max(last_response_id), 0) from merged_sources "
                "where source_kind = ?",
                [source_kind("halo_api")],
            ).fetchone()[0]
        except duckdb.CatalogException:
            return True
    return newest > merged
