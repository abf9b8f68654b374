"""`shared-matches migrate`: phase 1 if needed, then phase 2 for each player, then the report.

dbt does the data work, in this process (one :class:`DbtSession` for the whole command: the
project is parsed once). Each player's run is one `dbt build --selector phase2`: it stages
the player's batch, the phase-2 checklist audits it, and the on-run-end hook publishes it in
one transaction (write-audit-publish), so a failure or a kill leaves the warehouse as it was,
with no copy of it taken. This module orders the players, holds the warehouse lock, skips a
player whose DB has not changed since its last merge ("up to date"), and reports.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from shared_matches import player_db
from shared_matches.compaction import compact_file, free_blocks
from shared_matches.dbt_session import DbtSession, NodeOutcome
from shared_matches.duckdb_files import ensure_writable
from shared_matches.failpoints import failpoint
from shared_matches.locking import LOCK_TIMEOUT, warehouse_lock
from shared_matches.paths import DataDir, UserError, order_players
from shared_matches.read_layer import missing_layer_views, publish
from shared_matches.warehouse import (
    merged_fingerprint,
    registry_match_ids,
    rejected_rows,
    shared_tables,
)

# HALO_SOURCE_FINGERPRINT: the fingerprint merged_sources records with the player's rows
FINGERPRINT_ENV = "HALO_SOURCE_FINGERPRINT"
MERGED = "merged"
UP_TO_DATE = "up to date"
# migrate rewrites the warehouse when more than this share of its blocks is free
COMPACT_FREE_SHARE = 0.25


@dataclass
class PlayerRun:
    """What one player's phase-2 run did."""

    gamertag: str
    matches: int
    new_matches: int
    known_matches: int
    seconds: float
    status: str = MERGED
    checks: list[NodeOutcome] = field(default_factory=list)
    # rows of the player DB the merge could not take (merged_sources), named
    rows_rejected: int = 0
    rejected_examples: list[str] = field(default_factory=list)


def warehouse_ready(data_dir: DataDir) -> bool:
    """True when the warehouse exists and holds every shared table and every view the read
    layer is written from (a warehouse made before the read layer gets them from phase 1,
    which changes no row)."""
    from shared_matches.project import shared_table_names

    if not set(shared_table_names()) <= shared_tables(data_dir):
        return False
    return not missing_layer_views(data_dir)


def run_phase1(session: DbtSession, say: Callable[[str], None] = print) -> None:
    if session.data_dir.warehouse.is_file():  # a warehouse made before some of the views
        say("Phase 1: creating what is missing in " + str(session.data_dir.warehouse))
    else:
        say("Phase 1: creating the shared tables in " + str(session.data_dir.warehouse))
    session.data_dir.warehouse_dir.mkdir(parents=True, exist_ok=True)
    session.run(["build", "--selector", "phase1"])  # its checklist runs in the build
    say("Phase 1: checklist passed (warehouse, tables, indexes)")


def migrate_player(
    session: DbtSession,
    gamertag: str,
    say: Callable[[str], None] = print,
    reprocess: bool = False,
) -> PlayerRun:
    """Merge one player's DB into the warehouse (caller holds the lock, phase 1 is done)."""
    data_dir = session.data_dir
    path = data_dir.require_player(gamertag)
    started = time.perf_counter()
    state = player_db.read_state(path)
    known = state.match_ids & registry_match_ids(data_dir.warehouse)
    new = len(state.match_ids) - len(known)
    if not reprocess and merged_fingerprint(data_dir.warehouse, state.owner_xuid) == (
        state.fingerprint
    ):
        say(f"  {gamertag}: up to date ({len(state.match_ids)} matches, unchanged since merged)")
        return PlayerRun(
            gamertag,
            len(state.match_ids),
            0,
            len(known),
            time.perf_counter() - started,
            status=UP_TO_DATE,
        )
    say(f"  {gamertag}: {len(state.match_ids)} matches ({new} new, {len(known)} known)")
    checks: list[NodeOutcome] = []
    result = session.run(
        ["build", "--selector", "phase2"],
        player=gamertag,
        env={FINGERPRINT_ENV: state.fingerprint},
        on_node=lambda node: _echo_node(node, say),
        check=False,
        vars={"reprocess": True} if reprocess else None,
    )
    checks = [n for n in result.nodes if n.resource_type == "test"]
    if not result.ok:
        say(f"  {gamertag}: failed; nothing of this player's run was published")
        raise UserError(f"{gamertag}: the phase-2 build failed:\n{result.summary()}")
    seconds = time.perf_counter() - started
    say(f"  {gamertag}: merged and checked in {seconds:.1f} s")
    rejected, examples = rejected_rows(data_dir.warehouse, state.owner_xuid)
    if rejected:
        say(f"  {gamertag}: {rejected} row(s) of the DB could not be merged (they stay in it):")
        for example in examples:
            say(f"    {example}")
    return PlayerRun(
        gamertag,
        len(state.match_ids),
        new,
        len(known),
        seconds,
        checks=checks,
        rows_rejected=rejected,
        rejected_examples=examples,
    )


def _echo_node(node: NodeOutcome, say: Callable[[str], None]) -> None:
    if node.resource_type == "model" and node.status == "success":
        say(f"    staged {node.name}")
    elif node.resource_type == "test":
        say(f"    {node.status:>6} {node.name}")
    elif node.failed:
        say(f"    {node.status} {node.name}")


def migrate_players(
    data_dir: DataDir,
    players: list[str] | None = None,
    *,
    say: Callable[[str], None] = print,
    lock_timeout: float = LOCK_TIMEOUT,
    reprocess: bool = False,
    session: DbtSession | None = None,
) -> list[PlayerRun]:
    """Phase 1 if needed, then phase 2 for each player in the plan's order."""
    chosen = order_players(players) if players else data_dir.discover_players()
    if not chosen:
        raise UserError(f"No player DB found under {data_dir.players_dir}")
    for gamertag in chosen:
        data_dir.require_player(gamertag)
    session = session or DbtSession(data_dir)
    runs: list[PlayerRun] = []
    with warehouse_lock(data_dir, "migrate " + ", ".join(chosen), timeout=lock_timeout):
        if data_dir.warehouse.is_file():
            # held by another process (even read-only) or damaged: one line, before dbt
            ensure_writable(data_dir.warehouse)
        if not warehouse_ready(data_dir):
            run_phase1(session, say)
        for number, gamertag in enumerate(chosen, start=1):
            say(f"[{number}/{len(chosen)}] Phase 2: {gamertag}")
            runs.append(migrate_player(session, gamertag, say, reprocess=reprocess))
        failpoint("layer_before_publish")
        published = publish(data_dir, say=say)
        if published.files:
            say(published.describe())
        if any(run.status == MERGED for run in runs):
            give_back_free_space(data_dir, say)
    return runs


def give_back_free_space(data_dir: DataDir, say: Callable[[str], None]) -> None:
    """Rewrite the warehouse without its free blocks when they exceed COMPACT_FREE_SHARE of
    the file. DuckDB writes a changed table's rows into new blocks at each checkpoint and
    frees the old ones: the runs that change most rows (a first migration: every player's
    copies complete the others') leave about 40% of the file free, which later writes reuse
    but which the file keeps; a run that merges a few matches frees a few small blocks
    (16 KiB: warehouse_dir.WAREHOUSE_BLOCK_SIZE) and never reaches the share, so an
    incremental run costs no rewrite."""
    free, total = free_blocks(data_dir.warehouse)
    if not total or free / total <= COMPACT_FREE_SHARE:
        return
    result = compact_file(data_dir.warehouse)
    say(
        f"Warehouse rewritten without its free blocks ({100 * free / total:.0f}% of the file, "
        f"left by the merges): {result.before_bytes / 2**20:.1f} MiB -> "
        f"{result.after_bytes / 2**20:.1f} MiB"
    )
