"""Run a list of read statements on one DuckDB file, as an app does, with whatever ``duckdb``
package the running Python has (the project's 2.0, or the app's 1.4.x / 1.5.x in a side
environment). Standalone on purpose (stdlib and ``duckdb`` only): pytests/app_reads.py runs
it in this process, or hands this file's text to another DuckDB release's Python.

A job is a dict:
    db          the file to open (nothing is ever attached)
    read_only   the ``read_only`` of ``duckdb.connect``
    reopen      True: a new connection for every call, closed after it (the app's UI helpers
                and its cached page functions, each making its own repository); False: one
                connection for the whole list (one repository object)
    setup       statements run right after each connect (the repository's SETs)
    statements  [{"name", "sql", "params", "call"}]: consecutive statements of one call
                (a lookup repeated per xuid) share a connection
Its result: {"duckdb": version, "catalogs": the databases the connection saw, "results":
[{"name", "rows"} or {"name", "error"}]}; every value is made plain JSON (``plain``), so a
result reads the same whichever release produced it.

As a script: ``python app_reads_runner.py <jobs.json>`` prints the list of results as JSON.
"""

from __future__ import annotations

import base64
import datetime
import decimal
import json
import sys
import uuid

import duckdb

SYSTEM_CATALOGS = ("system", "temp")


def plain(value):
    """A value as plain JSON data (the same for every DuckDB release)."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        return value
    if isinstance(value, datetime.datetime | datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, datetime.timedelta):
        return value.total_seconds()
    if isinstance(value, decimal.Decimal | uuid.UUID):
        return str(value)
    if isinstance(value, bytes | bytearray | memoryview):
        return base64.b64encode(bytes(value)).decode("ascii")
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    return str(value)


def _connect(job):
    con = duckdb.connect(job["db"], read_only=job["read_only"])
    for sql in job.get("setup", []):
        con.execute(sql)
    return con


def _catalogs(con):
    names = [r[0] for r in con.execute("select database_name from duckdb_databases()").fetchall()]
    return sorted(n for n in names if n not in SYSTEM_CATALOGS)


def _one(con, statement):
    try:
        rows = con.execute(statement["sql"], statement["params"]).fetchall()
    except duckdb.Error as exc:
        return {"name": statement["name"], "error": f"{type(exc).__name__}: {exc}"}
    return {"name": statement["name"], "rows": [plain(list(row)) for row in rows]}


def run_job(job):
    """Run one job (see the module docstring); its result."""
    results = []
    catalogs = set()
    con = None if job["reopen"] else _connect(job)
    try:
        if con is not None:
            catalogs.update(_catalogs(con))
        call = None
        for statement in job["statements"]:
            if job["reopen"] and (con is None or statement.get("call") != call):
                if con is not None:
                    catalogs.update(_catalogs(con))
                    con.close()
                con = _connect(job)
                call = statement.get("call")
            results.append(_one(con, statement))
        if con is not None:
            catalogs.update(_catalogs(con))
    finally:
        if con is not None:
            con.close()
    return {"duckdb": duckdb.__version__, "catalogs": sorted(catalogs), "results": results}


def main(argv):
    with open(argv[1], encoding="utf-8") as handle:
        jobs = json.load(handle)
    print(json.dumps([run_job(job) for job in jobs]))


if __name__ == "__main__":
    main(sys.argv)
