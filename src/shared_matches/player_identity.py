"""The owner's xuid of a player DB, by the rule dbt applies (macro owner_xuid_rule).

The rule is one SQL text in the dbt project; the commands run it before dbt, to fail early
and to find a player's merge record without a dbt run.
"""

from __future__ import annotations

import re
from functools import cache

import duckdb

from shared_matches.duckdb_files import base_tables, current_catalog, quote_ident
from shared_matches.paths import PROJECT_ROOT, UserError

RULE_FILE = PROJECT_ROOT / "macros" / "identity" / "owner_xuid_rule.sql"
_RULE_BODY = re.compile(r"{%-?\s*macro owner_xuid_rule\(\)\s*-?%}(.*?){%-?\s*endmacro\s*-?%}", re.S)
# the rule's inputs where the DB lacks the table (typed as the player_db source declares them)
_NO_SYNC_META = "select cast(null as varchar) as key, cast(null as varchar) as value where false"
_NO_STATS = "select cast(null as varchar) as xuid where false"


@cache
def owner_xuid_rule() -> str:
    """The SQL of the rule: one row (owner_xuid, problem) over the CTEs sync_meta and
    player_match_stats."""
    match = _RULE_BODY.search(RULE_FILE.read_text(encoding="utf-8"))
    if match is None or "{{" in match.group(1) or "{%" in match.group(1):
        raise RuntimeError(f"{RULE_FILE}: macro owner_xuid_rule() must be plain SQL")
    return match.group(1)


def read_player_xuid(con: duckdb.DuckDBPyConnection, label: str, catalog: str | None = None) -> str:
    """The xuid of the DB's owner; ``label`` names the DB in the error message."""
    catalog = catalog or current_catalog(con)
    tables = set(base_tables(con, catalog))
    prefix = f"{quote_ident(catalog)}.main."
    sync_meta = (
        f"select cast(key as varchar) as key, cast(value as varchar) as value "
        f"from {prefix}sync_meta"
        if "sync_meta" in tables
        else _NO_SYNC_META
    )
    stats = (
        f"select cast(xuid as varchar) as xuid from {prefix}player_match_stats"
        if "player_match_stats" in tables
        else _NO_STATS
    )
    owner, problem = con.execute(
        f"with sync_meta as ({sync_meta}), player_match_stats as ({stats}) {owner_xuid_rule()}"
    ).fetchone()
    if owner is None:
        raise UserError(f"{label}: {problem}")
    return str(owner)
