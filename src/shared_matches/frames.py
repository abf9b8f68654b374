"""DuckDB query results as polars DataFrames, typed from DuckDB's own column types.

DuckDB's ``.pl()`` goes through pyarrow, which this project does not install: the rows are
fetched as Python values and each column is built with the polars type matching its DuckDB
type (so an all-NULL column keeps its type and empty results keep their schema).
"""

from __future__ import annotations

import duckdb
import polars as pl

_SIMPLE_TYPES: dict[str, pl.DataType] = {
    "BOOLEAN": pl.Boolean(),
    "TINYINT": pl.Int8(),
    "SMALLINT": pl.Int16(),
    "INTEGER": pl.Int32(),
    "BIGINT": pl.Int64(),
    "HUGEINT": pl.Int128(),
    "UHUGEINT": pl.UInt128(),
    "UTINYINT": pl.UInt8(),
    "USMALLINT": pl.UInt16(),
    "UINTEGER": pl.UInt32(),
    "UBIGINT": pl.UInt64(),
    "FLOAT": pl.Float32(),
    "DOUBLE": pl.Float64(),
    "VARCHAR": pl.String(),
    "JSON": pl.String(),
    "UUID": pl.String(),
    "DATE": pl.Date(),
    "TIME": pl.Time(),
    "TIMESTAMP": pl.Datetime("us"),
    "TIMESTAMP_NS": pl.Datetime("ns"),
    "TIMESTAMP_MS": pl.Datetime("ms"),
    "TIMESTAMP WITH TIME ZONE": pl.Datetime("us", "UTC"),
    "INTERVAL": pl.Duration("us"),
    "BLOB": pl.Binary(),
}


def polars_type(duckdb_type: str) -> pl.DataType | None:
    """The polars type of a DuckDB type name; None lets polars infer it."""
    name = duckdb_type.upper()
    if name in _SIMPLE_TYPES:
        return _SIMPLE_TYPES[name]
    if name.startswith("DECIMAL"):
        return pl.Float64()
    return None


def query_frame(
    con: duckdb.DuckDBPyConnection, sql: str, params: list | dict | None = None
) -> pl.DataFrame:
    """Run a query and return its result as a polars DataFrame."""
    cursor = con.execute(sql, params or [])
    description = cursor.description or []
    rows = cursor.fetchall()
    columns = {}
    for index, (name, type_code, *_rest) in enumerate(description):
        dtype = polars_type(str(type_code))
        values = [row[index] for row in rows]
        columns[name] = pl.Series(name, values, dtype=dtype, strict=False)
    return pl.DataFrame(columns)
