"""`shared-matches migrate --dry-run`: what a migration would do, with nothing written.

Per player, in the order the migration takes them: whether the DB is up to date (its content
fingerprint is the one merged_sources recorded: no run at all); its matches split, as the run
report splits them, into *new* (the merge would add them to the warehouse: no tracked player's
copy is there, nor comes from an earlier player of this plan) and *known* (the warehouse holds
them already); the copies the phase-2 build would merge -- never merged, or changed since
(match_stats.updated_at differs from the merged copy's), as int_matches_changed selects them,
so every new match and the changed known ones -- and the player's rows per table it would read.

Read-only on every file: one in-memory DuckDB connection attaches each player DB and the
warehouse read-only; no lock is taken, no folder or file is created.
"""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from dataclasses import dataclass, field

import duckdb

from shared_matches import player_db
from shared_matches.duckdb_files import base_tables, sql_path
from shared_matches.paths import DataDir, UserError, order_players
from shared_matches.project import player_db_tables, source_kind
from shared_matches.report.text import format_columns


@dataclass
class PlayerPlan:
    gamertag: str
    matches: int
    up_to_date: bool
    new_matches: int = 0
    known_matches: int = 0
    copies_to_merge: int = 0
    rows: dict[str, int] = field(default_factory=dict)


@dataclass
class MigrationPlan:
    warehouse_exists: bool
    warehouse_matches: int
    players: list[PlayerPlan]

    @property
    def new_matches(self) -> int:
        return sum(p.new_matches for p in self.players)


def _attach(con: duckdb.DuckDBPyConnection, path, alias: str) -> None:
    try:
        con.execute(f"attach '{sql_path(path)}' as {alias} (read_only)")
    except duckdb.IOException as exc:
        raise UserError(
            f"Cannot read {path} (another program is writing it?): "
            f"{str(exc).strip().splitlines()[0]}"
        ) from None


def _warehouse_copies(
    con: duckdb.DuckDBPyConnection, has_warehouse: bool
) -> tuple[set[str], dict[tuple[str, str], object], dict[str, str]]:
    """Registry match ids, merged copies ((match, player xuid) -> copy_updated_at), and the
    fingerprint merged_sources recorded per player xuid."""
    if not has_warehouse:
        return set(), {}, {}
    try:
        registry = {r[0] for r in con.execute("select match_id from wh.match_registry").fetchall()}
        copies = {
            (m, x): u
            for m, x, u in con.execute(
                "select match_id, player_xuid, copy_updated_at from wh.match_players"
            ).fetchall()
        }
        merged = dict(
            con.execute(
                "select player_xuid, fingerprint from wh.merged_sources where source_kind = ?",
                [source_kind("player_db")],
            ).fetchall()
        )
    except duckdb.CatalogException:
        return set(), {}, {}  # phase 1 never finished: the migration starts with it
    return registry, copies, merged


def plan_migration(data_dir: DataDir, players: list[str] | None = None) -> MigrationPlan:
    chosen = order_players(players) if players else data_dir.discover_players()
    if not chosen:
        raise UserError(f"No player DB found under {data_dir.players_dir}")
    paths = {g: data_dir.require_player(g) for g in chosen}
    has_warehouse = data_dir.warehouse.is_file()
    plans: list[PlayerPlan] = []
    with duckdb.connect(":memory:") as con:
        if has_warehouse:
            _attach(con, data_dir.warehouse, "wh")
        registry, copies, merged = _warehouse_copies(con, has_warehouse)
        known_ids = set(registry)
        for gamertag in chosen:
            state = player_db.read_state(paths[gamertag])
            if merged.get(state.owner_xuid) == state.fingerprint:
                plans.append(PlayerPlan(gamertag, len(state.match_ids), up_to_date=True))
                continue
            _attach(con, paths[gamertag], "p")
            try:
                plans.append(_plan_player(con, gamertag, state, copies, known_ids))
            finally:
                con.execute("detach p")
    return MigrationPlan(has_warehouse, len(registry), plans)


def _plan_player(con, gamertag, state, copies, known_ids: set[str]) -> PlayerPlan:
    rows = con.execute(
        "select match_id, cast(updated_at as timestamp) from p.match_stats "
        "where match_id is not null"
    ).fetchall()
    batch = [
        match_id
        for match_id, updated_at in rows
        if (match_id, state.owner_xuid) not in copies
        or copies[(match_id, state.owner_xuid)] != updated_at
    ]
    new = state.match_ids - known_ids
    plan = PlayerPlan(
        gamertag,
        len(state.match_ids),
        up_to_date=False,
        new_matches=len(new),
        known_matches=len(state.match_ids) - len(new),
        copies_to_merge=len(batch),
    )
    known_ids.update(new)
    # one statement, bound as a list: an empty batch is an empty table (executemany refuses
    # an empty list of parameter sets)
    con.execute(
        "create or replace temp table batch_matches as "
        "select unnest(cast($batch as varchar[])) as match_id",
        {"batch": batch},
    )
    present = set(base_tables(con, "p"))
    keyed = {
        r[0]
        for r in con.execute(
            "select table_name from duckdb_columns() "
            "where database_name = 'p' and schema_name = 'main' and column_name = 'match_id'"
        ).fetchall()
    }
    for table in player_db_tables():
        if table not in present:
            continue
        where = " where match_id in (select match_id from batch_matches)" if table in keyed else ""
        plan.rows[table] = con.execute(f'select count(*) from p.main."{table}"{where}').fetchone()[
            0
        ]
    return plan


def render_plan(plan: MigrationPlan) -> str:
    lines = ["Dry run: nothing is written (every file opened read-only)."]
    if not plan.warehouse_exists:
        lines.append("No warehouse yet: phase 1 would create it, empty, first.")
    else:
        lines.append(f"The warehouse holds {plan.warehouse_matches} matches.")
    tables = list(dict.fromkeys(t for p in plan.players for t in p.rows))
    header = ["player", "matches", "new", "known", "copies to merge", *tables]
    rows = []
    for p in plan.players:
        if p.up_to_date:
            rows.append(
                [p.gamertag, str(p.matches), "-", "-", "up to date", *("-" for _ in tables)]
            )
            continue
        rows.append(
            [
                p.gamertag,
                str(p.matches),
                str(p.new_matches),
                str(p.known_matches),
                str(p.copies_to_merge),
                *[f"{p.rows.get(t, 0):,}" for t in tables],
            ]
        )
    lines += ["", *format_columns(header, rows), ""]
    lines += textwrap.wrap(
        "new: matches the merge would add to the warehouse (no tracked player's copy there "
        "yet, nor from an earlier player of this run); known: matches the warehouse already "
        "holds; copies to merge: the player's copies never merged or changed since; the table "
        "columns: the player's rows the merge would read for them. A player DB unchanged since "
        "its last merge is up to date: no run.",
        width=100,
    )
    lines.append(f"In all: {plan.new_matches} new matches would be added.")
    return "\n".join(lines) + "\n"


def run_dry_run(
    data_dir: DataDir, players: list[str] | None, out: Callable[[str], None] = print
) -> int:
    out(render_plan(plan_migration(data_dir, players)).rstrip("\n"))
    return 0
