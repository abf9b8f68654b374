"""The v4 layout has one owner, the `player_db` source YAML: a v4 DB that create_v4_schema
writes (both layouts) has exactly the tables, columns, types, keys and defaults it declares."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest
import yaml

from shared_matches.project import PLAYER_DB_SOURCES
from shared_matches.v4_schema import ALL_TABLES, REQUIRED_TABLES, create_v4_schema

STAGING_MODELS = PLAYER_DB_SOURCES.with_name("_player_db__models.yml")
# the personal tables of a player DB: the warehouse never reads them, v4_schema declares them
PERSONAL_TABLES = {"teammates_aggregate", "sessions"}


def source_tables() -> dict[str, dict]:
    document = yaml.safe_load(PLAYER_DB_SOURCES.read_text(encoding="utf-8"))
    (source,) = [s for s in document["sources"] if s["name"] == "player_db"]
    return {table["name"]: table for table in source["tables"]}


def meta(node: dict) -> dict:
    return node.get("meta") or {}


def expected_columns(table: dict, legacy: bool) -> list[tuple[str, str, str | None]]:
    """(name, type, default) of each column the YAML gives the table in that layout."""
    expected = []
    for column in table["columns"]:
        column_meta = meta(column)
        if legacy and column_meta.get("optional") and not column_meta.get("in_legacy_layout"):
            continue
        data_type = column["data_type"]
        if legacy:
            data_type = column_meta.get("legacy_type", data_type)
        sequence = column_meta.get("sequence")
        default = f"nextval('{sequence}')" if sequence else None
        expected.append((column["name"], data_type.upper(), default))
    return expected


def described(columns: list[dict]) -> list[tuple[str, str, str]]:
    return [(c["name"], c["data_type"], c["description"]) for c in columns]


@pytest.fixture(params=[False, True], ids=["newer", "legacy"])
def v4_db(request: pytest.FixtureRequest, tmp_path: Path):
    legacy = request.param
    con = duckdb.connect(str(tmp_path / "stats.duckdb"))
    create_v4_schema(con, legacy=legacy)
    yield con, legacy
    con.close()


def test_the_required_tables_are_the_tables_of_the_source() -> None:
    assert list(REQUIRED_TABLES) == list(source_tables())
    assert set(ALL_TABLES) == set(source_tables()) | PERSONAL_TABLES


def test_a_created_v4_db_has_the_columns_the_yaml_declares(v4_db) -> None:
    con, legacy = v4_db
    tables = {row[0] for row in con.execute("select table_name from duckdb_tables()").fetchall()}
    assert tables == set(source_tables()) | PERSONAL_TABLES
    for name, table in source_tables().items():
        actual = con.execute(
            "select column_name, data_type, column_default from duckdb_columns()"
            " where table_name = ? order by column_index",
            [name],
        ).fetchall()
        assert actual == expected_columns(table, legacy), name


def test_a_created_v4_db_has_the_primary_keys_the_yaml_declares(v4_db) -> None:
    con, _ = v4_db
    for name, table in source_tables().items():
        keys = con.execute(
            "select constraint_column_names from duckdb_constraints()"
            " where table_name = ? and constraint_type = 'PRIMARY KEY'",
            [name],
        ).fetchall()
        assert [list(key) for (key,) in keys] == [meta(table)["primary_key"]], name


def test_the_layouts_differ_only_where_the_yaml_says() -> None:
    """The legacy layout lacks the optional columns (bar in_legacy_layout) and has legacy types:
    the YAML's meta really describes two different layouts."""
    tables = source_tables()
    newer = {name: expected_columns(table, False) for name, table in tables.items()}
    legacy = {name: expected_columns(table, True) for name, table in tables.items()}
    assert len(newer["match_stats"]) > len(legacy["match_stats"])
    assert ("medal_name_id", "INTEGER", None) in legacy["medals_earned"]
    assert ("medal_name_id", "BIGINT", None) in newer["medals_earned"]
    assert newer["sync_meta"] == legacy["sync_meta"]


def test_the_staging_models_declare_the_columns_of_their_source_table() -> None:
    """Each staging model that selects its source table as it is repeats the table's columns
    (its own YAML file can't alias the source's): they must stay the same."""
    document = yaml.safe_load(STAGING_MODELS.read_text(encoding="utf-8"))
    models = {model["name"]: model for model in document["models"]}
    for name, table in source_tables().items():
        if name == "highlight_events":
            continue  # renames id and adds the medal fields of raw_json
        model = models[f"stg_player_db__{name}"]
        assert described(model["columns"]) == described(table["columns"]), name
