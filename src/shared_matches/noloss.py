"""What of a player DB is missing from the warehouse (the cleanup gate's own listing).

The dbt checklist_phase2 tests are the gate; this read-only check runs beside them and says
concretely, per table, how many of the player's rows the warehouse lacks, with examples:
- match_stats: a match without its match_players row for the player's xuid;
- match_participants: a (match_id, xuid) absent from the warehouse roster;
- highlight_events: per (match, lower-case event type, time_ms, xuid, type hint), more rows
  in the player's copy than in the warehouse (the warehouse keeps, per signature, the
  largest count of any copy, so it never holds fewer);
- xuid_aliases: an alias xuid absent from the warehouse.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import duckdb

from shared_matches.duckdb_files import (
    MOVED_TABLES,
    attach_warehouse,
    base_tables,
    open_db,
    table_columns,
)
from shared_matches.paths import WAREHOUSE_CATALOG, DataDir
from shared_matches.player_identity import read_player_xuid

# columns a compatibility view computes instead of reading them from the warehouse
COMPUTED_COLUMNS = {"highlight_events": ("id",)}

W = f"{WAREHOUSE_CATALOG}.main"

MISSING_SQL = {
    "match_stats": f"""
        select match_id as example, 1 as n
        from match_stats as ms
        where not exists (
            select 1 from {W}.match_players as mp
            where mp.match_id = ms.match_id and mp.player_xuid = $xuid
        )
    """,
    "match_participants": f"""
        select match_id || ' / ' || coalesce(xuid, 'NULL') as example, 1 as n
        from match_participants as p
        where not exists (
            select 1 from {W}.match_participants as w
            where w.match_id = p.match_id and w.xuid = p.xuid
        )
    """,
    "highlight_events": f"""
        with mine as (
            select match_id, lower(event_type) as event_type, time_ms, xuid, type_hint,
                count(*) as n
            from highlight_events
            group by all
        ),
        theirs as (
            select match_id, event_type, time_ms, xuid, type_hint, count(*) as n
            from {W}.highlight_events
            where match_id in (select match_id from mine)
            group by all
        )
        select
            mine.match_id || ' ' || coalesce(mine.event_type, 'NULL') || ' @'
                || coalesce(cast(mine.time_ms as varchar), 'NULL') as example,
            mine.n - coalesce(theirs.n, 0) as n
        from mine
        left join theirs
            on mine.match_id = theirs.match_id
            and mine.event_type is not distinct from theirs.event_type
            and mine.time_ms is not distinct from theirs.time_ms
            and mine.xuid is not distinct from theirs.xuid
            and mine.type_hint is not distinct from theirs.type_hint
        where mine.n > coalesce(theirs.n, 0)
    """,
    "xuid_aliases": f"""
        select xuid as example, 1 as n
        from xuid_aliases as a
        where not exists (select 1 from {W}.xuid_aliases as w where w.xuid = a.xuid)
    """,
}


@dataclass
class Missing:
    counts: dict[str, int] = field(default_factory=dict)
    examples: dict[str, list[str]] = field(default_factory=dict)
    # columns of a moved table that the warehouse table lacks (a view would lose them)
    columns: dict[str, list[str]] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.counts.values()) + sum(len(c) for c in self.columns.values())

    def describe(self) -> str:
        lines = []
        for table, count in self.counts.items():
            if count:
                shown = ", ".join(self.examples.get(table, []))
                lines.append(f"  {table}: {count} row(s) missing from the warehouse (e.g. {shown})")
        for table, names in self.columns.items():
            if names:
                lines.append(f"  {table}: column(s) {', '.join(names)} not in the warehouse table")
        return "\n".join(lines)


def missing_rows(con: duckdb.DuckDBPyConnection, xuid: str) -> Missing:
    """Compare the connection's own DB with the warehouse attached as shared_matches."""
    missing = Missing()
    present = set(base_tables(con))
    for table, sql in MISSING_SQL.items():
        if table not in present:
            continue
        params = {"xuid": xuid} if "$xuid" in sql else {}
        row = con.execute(
            f"select coalesce(sum(n), 0), list(example order by example)[1:3] "
            f"from ({sql}) as missing_rows",
            params,
        ).fetchone()
        missing.counts[table] = int(row[0])
        missing.examples[table] = [str(e) for e in (row[1] or [])]
    for table in MOVED_TABLES:
        if table not in present:
            continue
        theirs = {name for name, _ in table_columns(con, table, WAREHOUSE_CATALOG)}
        computed = COMPUTED_COLUMNS.get(table, ())
        missing.columns[table] = [
            name for name, _ in table_columns(con, table) if name not in theirs | set(computed)
        ]
    return missing


def find_missing(data_dir: DataDir, player: str) -> Missing:
    """Rows of the player's DB that the warehouse does not hold (read-only on both files)."""
    path = data_dir.require_player(player)
    with open_db(path, read_only=True) as con:
        xuid = read_player_xuid(con, str(path))
        attach_warehouse(con, data_dir.warehouse)
        return missing_rows(con, xuid)
