"""No traceback: a damaged warehouse, or one held by another process (read-write or
read-only), stops `migrate` and `cleanup` with one line naming the file and what to do, exit
code 2, before anything is written (every file of the data dir keeps its bytes)."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from hardening_helpers import cli, copy_data_dir, tree_hashes
from helpers import quiet
from shared_matches.cleanup.backup import create_backup
from shared_matches.paths import DataDir

PLAYER = "JGtm"
COMMANDS = (["migrate", "--no-report"], ["cleanup", "--player", PLAYER])


@pytest.fixture
def data_dir(migrated: DataDir, tmp_path: Path) -> DataDir:
    return copy_data_dir(migrated, tmp_path / "data")


def damage(path: Path, how: str) -> None:
    data = bytearray(path.read_bytes())
    if how == "not a DuckDB file":
        data = bytearray(os.urandom(len(data)))
    elif how == "damaged blocks":
        for i in range(len(data) // 4, 3 * len(data) // 4):
            data[i] = 0x5A
    elif how == "truncated":
        data = data[: len(data) // 2]
    path.write_bytes(bytes(data))


@contextmanager
def held(path: Path, read_only: bool) -> Iterator[int]:
    """Another process holding a DuckDB file open; yields its PID."""
    code = (
        "import duckdb, sys, time\n"
        f"con = duckdb.connect(sys.argv[1], read_only={read_only})\n"
        "print('ready', flush=True)\n"
        "time.sleep(300)\n"
    )
    holder = subprocess.Popen(
        [sys.executable, "-c", code, str(path)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "ready"
        yield holder.pid
    finally:
        holder.kill()
        holder.wait()


def assert_one_line(result, *parts: str) -> str:
    assert result.returncode == 2, (result.returncode, result.err)
    lines = result.error_lines()
    assert len(lines) == 1, lines
    assert "Traceback" not in result.err and "Traceback" not in result.out
    for part in parts:
        assert part in lines[0], (part, lines[0])
    return lines[0]


@pytest.mark.parametrize("how", ["not a DuckDB file", "damaged blocks", "truncated"])
def test_a_damaged_warehouse_is_one_line_and_nothing_changes(
    data_dir: DataDir, capsys: pytest.CaptureFixture[str], how: str
) -> None:
    damage(data_dir.warehouse, how)
    before = tree_hashes(data_dir.root)
    for command in COMMANDS:
        result = cli(capsys, data_dir, *command)
        line = assert_one_line(result, f"error: {data_dir.warehouse} is damaged", "migrate")
        assert "put back a copy of it" in line, line
        assert tree_hashes(data_dir.root) == before, command
    assert not data_dir.backups_dir.exists()


@pytest.mark.parametrize("read_only", [False, True], ids=["read-write", "read-only"])
def test_a_warehouse_held_by_another_process_is_one_line_and_nothing_changes(
    data_dir: DataDir, capsys: pytest.CaptureFixture[str], read_only: bool
) -> None:
    before = tree_hashes(data_dir.root)
    with held(data_dir.warehouse, read_only) as pid:
        for command in COMMANDS:
            result = cli(capsys, data_dir, *command)
            assert_one_line(
                result,
                f"error: {data_dir.warehouse} is locked by another program (PID {pid})",
                "then run again",
            )
            assert tree_hashes(data_dir.root) == before, command
    assert not data_dir.backups_dir.exists()


def test_a_player_db_held_by_another_process_stops_its_restore_in_one_line(
    data_dir: DataDir, capsys: pytest.CaptureFixture[str]
) -> None:
    path = data_dir.player_db(PLAYER)
    create_backup(data_dir, PLAYER, out=quiet)
    before = tree_hashes(data_dir.root)
    with held(path, read_only=True) as pid:
        result = cli(capsys, data_dir, "restore", "--player", PLAYER)
    assert_one_line(result, f"error: {path} is locked by another program (PID {pid})")
    assert tree_hashes(data_dir.root) == before


def test_a_data_dir_with_a_question_mark_is_refused_in_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """DuckDB misplaces the log of a file under a '?' (players/a.wal?b/...): dbt, which
    writes the warehouse, cannot work there (player folders can: see test_hostile_names)."""
    root = tmp_path / "why?"
    result = cli(capsys, DataDir(root), "migrate", "--demo-if-empty", "--no-report")
    assert_one_line(result, f"error: The data dir {root} has a '?' in its path", "rename")
    assert not root.exists()
