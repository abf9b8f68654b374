"""The old app's own sync on a cleaned player DB: noticed, reported, healed by ours.

The app (LevelUp) keeps its own sync button. On a cleaned DB its inserts into
match_participants, highlight_events and xuid_aliases hit views and fail, and it goes on: each
new match gets its `match_stats` and `medals_earned` rows with no roster and no events anywhere,
and it may first copy the whole events view into a table `highlight_events_backup`. Two
findings, read-only:

- **unshared matches**: matches of the DB's match_stats with no shared roster for the player in
  the warehouse (the rule is SQL: macro `unshared_matches_rule`, run here as plain SQL over the
  player DB, the warehouse and the landing, attached read-only). `shared-matches sync --player
  X` fetches them (the engine asks for them here); `cleanup --verify` fails while one blocks
  (no copy of the player in the warehouse, or a landed roster the warehouse lacks);
- **stray tables**: tables that are neither of the v4 layout (the app's) nor of this project,
  such as `highlight_events_backup`: reported with rows and size, never dropped by a command.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from pathlib import Path

import duckdb

from shared_matches.cleanup.sizes import format_size
from shared_matches.duckdb_files import (
    MOVED_TABLES,
    RECORD_TABLE,
    SPELLINGS_TABLE,
    attach_file,
    base_tables,
    quote_ident,
    sql_string,
)
from shared_matches.landing.schema import landing_path
from shared_matches.paths import PROJECT_ROOT, DataDir, UserError
from shared_matches.player_identity import read_player_xuid
from shared_matches.v4_schema import ALL_TABLES

RULE_FILE = PROJECT_ROOT / "macros" / "compat" / "unshared_matches_rule.sql"
_RULE_BODY = re.compile(
    r"{%-?\s*macro unshared_matches_rule\(\)\s*-?%}(.*?){%-?\s*endmacro\s*-?%}", re.S
)
# the catalogs a finding attaches (its own names: nothing else of the process uses them)
PLAYER, WAREHOUSE, LANDING = "app_sync_player", "app_sync_warehouse", "app_sync_landing"
# the real v4 DB's other tables (the app's schema export of 2026-02-14, 21 tables), which this
# project neither reads nor creates, and the prefix of the app's aggregates (mv_*)
APP_TABLES = (
    "killer_victim_pairs",
    "personal_score_awards",
    "antagonists",
    "career_progression",
    "skill_history",
    "backfill_status",
    "media_files",
    "media_match_associations",
)
APP_TABLE_PREFIXES = ("mv_",)
# a copy kept aside by a program is never part of the layout, whatever its name starts with
STRAY_SUFFIXES = ("_backup",)
EXAMPLES = 5
REASONS = {
    "not_in_warehouse": "not in the warehouse",
    "not_the_players": "in the warehouse through another player only, not as this player's",
    "no_roster": "in the warehouse without its roster",
}
_NO_LANDING = (
    "select cast(null as varchar) as kind, cast(null as varchar) as match_id, "
    "cast(null as smallint) as http_status, cast(null as json) as payload where false"
)


@dataclass
class UnsharedMatch:
    match_id: str
    start_time: datetime | None
    reason: str
    stats_landed: bool
    roster_landed: bool
    blocks_verify: bool
    sync_again: bool

    def describe(self) -> str:
        when = f"{self.start_time:%Y-%m-%d %H:%M}, " if self.start_time else ""
        landed = (
            "; the landing holds its roster, not merged"
            if self.roster_landed and self.reason == "no_roster"
            else ""
        )
        return f"{self.match_id} ({when}{REASONS.get(self.reason, self.reason)}{landed})"


@dataclass
class StrayTable:
    name: str
    rows: int
    size_bytes: int


@dataclass
class AppSyncFindings:
    """What another program's writes left in a cleaned player DB."""

    gamertag: str
    unshared: list[UnsharedMatch] = field(default_factory=list)
    stray_tables: list[StrayTable] = field(default_factory=list)

    @property
    def blocking(self) -> list[UnsharedMatch]:
        return [m for m in self.unshared if m.blocks_verify]

    def matches_text(self, matches: list[UnsharedMatch] | None = None) -> str:
        """'N match(es) ... e.g. a, b; run ...' for these matches (all unshared by default)."""
        matches = self.unshared if matches is None else matches
        shown = "; ".join(m.describe() for m in matches[:EXAMPLES])
        more = f"; and {len(matches) - EXAMPLES} more" if len(matches) > EXAMPLES else ""
        settled = sum(not m.sync_again for m in matches)
        if settled:  # the API answered for them without the player: asking again is useless
            more += (
                f" ({settled} of them the API gave without this player in the roster: the "
                "sync does not ask again; check them in the app)"
            )
        return (
            f"{len(matches)} match(es) of its match_stats have no shared roster in the "
            "warehouse, so the views show neither roster nor events for them (another program "
            f"wrote them after the cleanup, such as the app's own sync): {shown}{more}. Run "
            f"`shared-matches sync --player {sync_arg(self.gamertag)}`: it fetches them from "
            "the Halo API into the warehouse, and the views then show them"
        )

    def stray_text(self, path: Path) -> str:
        tables = "; ".join(
            f"{t.name} ({t.rows} rows, {format_size(t.size_bytes)})" for t in self.stray_tables
        )
        drops = " ".join(f"DROP TABLE {quote_ident(t.name)};" for t in self.stray_tables)
        return (
            f"{len(self.stray_tables)} stray table(s), neither of the v4 layout nor of this "
            f"project (copies another program made?): {tables}. Once checked, drop them with "
            f"the app closed (`{drops}` on {path}, opened for writing in DuckDB), then "
            f"`shared-matches cleanup --player {sync_arg(self.gamertag)}` rewrites the file "
            "without the space they took"
        )

    def lines(self, path: Path) -> list[str]:
        """One line per finding (none when there is nothing to say)."""
        found = []
        if self.unshared:
            found.append(self.matches_text())
        if self.stray_tables:
            found.append(self.stray_text(path))
        return found


def sync_arg(gamertag: str) -> str:
    """The gamertag as a shell argument (quoted when it holds a space or a quote)."""
    if re.fullmatch(r"[A-Za-z0-9_.-]+", gamertag):
        return gamertag
    return "'" + gamertag.replace("'", "'\\''") + "'"


@cache
def unshared_matches_rule() -> str:
    """The SQL of macro unshared_matches_rule (plain SQL over the caller's CTEs)."""
    found = _RULE_BODY.search(RULE_FILE.read_text(encoding="utf-8"))
    if found is None or "{{" in found.group(1) or "{%" in found.group(1):
        raise RuntimeError(f"{RULE_FILE}: macro unshared_matches_rule() must be plain SQL")
    return found.group(1)


def unshared_matches(
    con: duckdb.DuckDBPyConnection,
    player_catalog: str,
    owner_xuid: str,
    warehouse_catalog: str,
    landing_catalog: str | None,
) -> list[UnsharedMatch]:
    """The rule, on a connection where the player DB, the warehouse and (when there is one)
    the landing are attached under these catalog names."""
    player = f"{quote_ident(player_catalog)}.main"
    warehouse = f"{quote_ident(warehouse_catalog)}.main"
    landing = (
        f"select kind, match_id, http_status, payload "
        f"from {quote_ident(landing_catalog)}.main.responses where kind = 'match_stats'"
        if landing_catalog
        else _NO_LANDING
    )
    sql = (
        f"with player_matches as (select match_id, start_time from {player}.match_stats), "
        "owner as (select $owner::varchar as xuid), "
        f"match_players as (select match_id, player_xuid from {warehouse}.match_players), "
        "match_registry as (select match_id, participants_loaded "
        f"from {warehouse}.match_registry), "
        f"landing_responses as ({landing}), "
        f"rule as ({unshared_matches_rule()}) "
        "select * from rule"
    )
    rows = con.execute(sql, {"owner": owner_xuid}).fetchall()
    return [UnsharedMatch(*row) for row in rows]


def stray_tables(con: duckdb.DuckDBPyConnection, catalog: str) -> list[StrayTable]:
    """The catalog's tables that are neither of the v4 layout nor of this project, with their
    rows and the size of their blocks in the file."""
    known = {*ALL_TABLES, *MOVED_TABLES, *APP_TABLES, RECORD_TABLE, SPELLINGS_TABLE}
    names = [
        name
        for name in base_tables(con, catalog)
        if name.endswith(STRAY_SUFFIXES)
        or (name not in known and not name.startswith(APP_TABLE_PREFIXES))
    ]
    block_size = con.execute(
        "select block_size from pragma_database_size() where database_name = ?", [catalog]
    ).fetchone()[0]
    found = []
    for name in names:
        relation = f"{quote_ident(catalog)}.main.{quote_ident(name)}"
        rows = con.execute(f"select count(*) from {relation}").fetchone()[0]
        info = f"pragma_storage_info({sql_string(relation)})"
        blocks = con.execute(
            f"select count(distinct block) from (select block_id as block from {info} "
            f"where persistent union all select unnest(additional_block_ids) from {info} "
            "where persistent)"
        ).fetchone()[0]
        found.append(StrayTable(name, int(rows), int(blocks) * int(block_size)))
    return found


@contextmanager
def warehouse_and_landing(
    con: duckdb.DuckDBPyConnection, data_dir: DataDir
) -> Iterator[str | None]:
    """The warehouse and the landing (when there is one) attached read-only to a connection
    as WAREHOUSE and LANDING, detached after; yields the landing's catalog name or None."""
    attach_file(con, data_dir.warehouse, WAREHOUSE)
    landing = LANDING if landing_path(data_dir).is_file() else None
    try:
        if landing:
            attach_file(con, landing_path(data_dir), LANDING)
        yield landing
    finally:
        for catalog in (LANDING, WAREHOUSE):
            con.execute(f"detach database if exists {catalog}")


def read_findings(data_dir: DataDir, gamertag: str) -> AppSyncFindings:
    """Both findings for a cleaned player DB, every file opened read-only (nothing created)."""
    path = data_dir.player_db(gamertag)
    if not data_dir.warehouse.is_file():
        raise UserError(
            f"Warehouse not found: {data_dir.warehouse} (run `shared-matches migrate` first)."
        )
    con = duckdb.connect(":memory:")
    try:
        attach_file(con, path, PLAYER)
        owner = read_player_xuid(con, str(path), PLAYER)
        with warehouse_and_landing(con, data_dir) as landing:
            try:
                unshared = unshared_matches(con, PLAYER, owner, WAREHOUSE, landing)
            except duckdb.CatalogException as exc:
                raise UserError(
                    f"Cannot compare {path} with the warehouse {data_dir.warehouse}: "
                    f"{str(exc).strip().splitlines()[0]}"
                ) from None
        return AppSyncFindings(gamertag, unshared, stray_tables(con, PLAYER))
    finally:
        con.close()
