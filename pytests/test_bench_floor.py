"""The benchmark's floor (one SQL pass over all player DBs) computes the same shared tables
as the dbt migration, row for row."""

from __future__ import annotations

from pathlib import Path

import duckdb

from shared_matches.bench.compare import compare_outputs
from shared_matches.bench.floor import OUTPUT_TABLES, run_floor
from shared_matches.paths import DataDir


def test_floor_equals_the_migrated_warehouse(migrated: DataDir, tmp_path: Path) -> None:
    output = tmp_path / "floor.duckdb"
    result = run_floor(migrated, output)
    comparisons = compare_outputs(migrated.warehouse, output)
    assert [c.table for c in comparisons] == list(OUTPUT_TABLES)
    for c in comparisons:
        assert c.warehouse_rows > 0, c.table
        assert (c.floor_rows, c.only_in_warehouse, c.only_in_floor) == (c.warehouse_rows, 0, 0), c
        assert result.rows[c.table] == c.floor_rows


def test_floor_sees_a_changed_row(migrated: DataDir, tmp_path: Path) -> None:
    output = tmp_path / "floor.duckdb"
    run_floor(migrated, output)
    con = duckdb.connect(str(output))
    try:
        con.execute(
            "update xuid_aliases set gamertag = gamertag || '-x' "
            "where xuid = (select min(xuid) from xuid_aliases)"
        )
    finally:
        con.close()
    changed = {c.table: c for c in compare_outputs(migrated.warehouse, output)}
    assert (changed["xuid_aliases"].only_in_warehouse, changed["xuid_aliases"].only_in_floor) == (
        1,
        1,
    )
    assert changed["match_registry"].identical
