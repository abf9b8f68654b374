"""Facts the dbt project owns, read from its files (never a second hand-written copy)."""

from __future__ import annotations

from functools import cache
from pathlib import Path

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
SELECTORS = PROJECT_ROOT / "selectors.yml"
# the keys of dbt_project.yml that name the folders dbt reads the project from
PROJECT_PATH_KEYS = ("model-paths", "macro-paths", "seed-paths", "test-paths", "analysis-paths")


@cache
def project_document() -> dict:
    """dbt_project.yml as parsed YAML. Do not modify it."""
    return dict(yaml.safe_load(DBT_PROJECT.read_text(encoding="utf-8")) or {})


def project_vars() -> dict:
    """The vars of dbt_project.yml."""
    return dict(project_document().get("vars") or {})


def project_files() -> list[Path]:
    """Every file dbt builds the project from: dbt_project.yml, selectors.yml and the files
    under the folders dbt_project.yml names."""
    files = [DBT_PROJECT, SELECTORS]
    for key in PROJECT_PATH_KEYS:
        for folder in project_document().get(key) or []:
            root = PROJECT_ROOT / folder
            files += [path for path in root.rglob("*") if path.is_file()]
    return files


def source_kind(source: str) -> str:
    """merged_sources.source_kind of a source ('player_db' or 'halo_api': vars player_db_source
    and halo_api_source of dbt_project.yml)."""
    return str(project_vars()[f"{source}_source"])


def shared_table_names() -> tuple[str, ...]:
    """The warehouse's shared tables (var shared_tables of dbt_project.yml)."""
    return tuple(project_vars()["shared_tables"])
