"""held_files: whether another program holds a DuckDB file open, asked without a lock.

On real files, with real DuckDB connections in other processes (DuckDB 1.4.4 read-only, as
the app opens a player DB, and the project's DuckDB read-write); the question never takes a
lock (a writer opens the file right after) and never drops this process's own."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from other_duckdb import other_python
from shared_matches.duckdb_files import new_file_config
from shared_matches.held_files import held_by_others

HOLD = """
import duckdb, sys
con = duckdb.connect(sys.argv[1], read_only=sys.argv[2] == "ro")
con.execute("select count(*) from t").fetchall()
print("ready", flush=True)
sys.stdin.read()
"""


def make_db(path: Path) -> Path:
    con = duckdb.connect(str(path), config=new_file_config())  # a file DuckDB 1.4 reads
    con.execute("create table t as select range as i from range(10)")
    con.close()
    return path


@pytest.mark.skipif(sys.platform not in ("linux", "darwin"), reason="POSIX locks")
@pytest.mark.parametrize(
    ("python", "mode"),
    [(lambda: other_python("1.4.4"), "ro"), (lambda: Path(sys.executable), "rw")],
    ids=["duckdb-1.4.4-read-only", "project-duckdb-read-write"],
)
def test_a_file_held_by_another_duckdb_is_seen_without_a_lock(tmp_path: Path, python, mode) -> None:
    held, free = make_db(tmp_path / "held.duckdb"), make_db(tmp_path / "free.duckdb")
    holder = subprocess.Popen(
        [str(python()), "-c", HOLD, str(held), mode],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "ready"
        assert held_by_others([held, free, tmp_path / "missing.duckdb"]) == [held]
        # asking took no lock: a reader opens the free file right after, and the holder's
        # file still refuses a writer (its lock is whole)
        duckdb.connect(str(free)).close()
        with pytest.raises(duckdb.IOException, match="lock"):
            duckdb.connect(str(held))
    finally:
        holder.stdin.close()
        holder.wait(timeout=60)
    assert held_by_others([held, free]) == []


@pytest.mark.skipif(sys.platform not in ("linux", "darwin"), reason="POSIX locks")
def test_asking_keeps_this_process_s_own_lock(tmp_path: Path) -> None:
    path = make_db(tmp_path / "own.duckdb")
    own = duckdb.connect(str(path))
    try:
        assert held_by_others([path]) == [path]  # this process, seen from the question's
        writer = subprocess.run(
            [sys.executable, "-c", "import duckdb, sys; duckdb.connect(sys.argv[1])", str(path)],
            capture_output=True,
            text=True,
        )
        assert writer.returncode != 0 and "lock" in writer.stderr
    finally:
        own.close()
