"""Does the floor compute the same shared tables as the dbt migration?"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb

from shared_matches.bench.floor import OUTPUT_TABLES, sql_literal


@dataclass(frozen=True)
class TableComparison:
    table: str
    warehouse_rows: int
    floor_rows: int
    only_in_warehouse: int
    only_in_floor: int

    @property
    def identical(self) -> bool:
        return self.only_in_warehouse == 0 and self.only_in_floor == 0


def compare_outputs(warehouse: Path, floor: Path) -> list[TableComparison]:
    """Row counts and rows present in one output only (columns of the warehouse table)."""
    con = duckdb.connect()
    try:
        con.execute(f"attach {sql_literal(warehouse)} as wh (read_only)")
        con.execute(f"attach {sql_literal(floor)} as fl (read_only)")
        found = []
        for table in OUTPUT_TABLES:
            columns = ", ".join(
                row[0]
                for row in con.execute(
                    "select column_name from duckdb_columns() where database_name = 'wh' "
                    "and table_name = ? order by column_index",
                    [table],
                ).fetchall()
            )
            counts = [
                con.execute(sql).fetchone()[0]
                for sql in (
                    f"select count(*) from wh.{table}",
                    f"select count(*) from fl.{table}",
                    f"select count(*) from (select {columns} from wh.{table} "
                    f"except all select {columns} from fl.{table})",
                    f"select count(*) from (select {columns} from fl.{table} "
                    f"except all select {columns} from wh.{table})",
                )
            ]
            found.append(TableComparison(table, *counts))
        return found
    finally:
        con.close()
