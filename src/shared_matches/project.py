"""Facts the dbt project owns, read from its files (never a second hand-written copy)."""

from __future__ import annotations

from functools import cache

import yaml

from shared_matches.paths import PROJECT_ROOT

PLAYER_DB_SOURCES = PROJECT_ROOT / "models" / "staging" / "player_db" / "_player_db__sources.yml"


@cache
def player_db_source() -> dict:
    """The `player_db` dbt source as its YAML declares it: the layout of the v4 tables the
    warehouse reads (tables, columns with their data_type, meta). Do not modify it."""
    document = yaml.safe_load(PLAYER_DB_SOURCES.read_text(encoding="utf-8"))
    for source in document.get("sources", []):
        if source.get("name") == "player_db":
            return source
    raise RuntimeError(f"{PLAYER_DB_SOURCES} declares no player_db source")


@cache
def player_db_tables() -> tuple[str, ...]:
    """The v4 tables the warehouse reads from a player DB (the `player_db` dbt source)."""
    return tuple(table["name"] for table in player_db_source().get("tables", []))


DBT_PROJECT = PROJECT_ROOT / "dbt_project.yml"


@cache
def project_vars() -> dict:
    """The vars of dbt_project.yml."""
    document = yaml.safe_load(DBT_PROJECT.read_text(encoding="utf-8"))
    return dict(document.get("vars") or {})


def shared_table_names() -> tuple[str, ...]:
    """The warehouse's shared tables (var shared_tables of dbt_project.yml)."""
    return tuple(project_vars()["shared_tables"])
