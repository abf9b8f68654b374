"""Helpers of the hardening tests (hostile names, faults, file modes, full disks): real files,
the real command line, no mocks."""

from __future__ import annotations

import hashlib
import os
import shutil
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest

from shared_matches.cli import main
from shared_matches.failpoints import ENV_VAR
from shared_matches.paths import PROJECT_ROOT, WAREHOUSE_CATALOG, DataDir

# what a command writes for itself in the data dir (dbt's target and logs, the lock file)
BOOKKEEPING = (".dbt", ".warehouse.lock")


def file_hash(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def tree_hashes(root: Path) -> dict[str, str]:
    """Every file under root (but the commands' bookkeeping) and its content hash."""
    found = {}
    for path in sorted(root.rglob("*")):
        relative = path.relative_to(root)
        if path.is_file() and not any(part in BOOKKEEPING for part in relative.parts):
            found[str(relative)] = file_hash(path)
    return found


def copy_data_dir(
    source: DataDir, root: Path, parts=("players", "warehouse", "read_layer")
) -> DataDir:
    """A copy of a data dir's player DBs, warehouse and read layer (never its dbt target).
    A cleaned DB's views still read the source's read layer (absolute paths): a test that
    writes the copy re-points them (`shared-matches repoint`)."""
    for part in parts:
        if (source.root / part).exists():
            shutil.copytree(
                source.root / part, root / part, ignore=shutil.ignore_patterns("*.lock")
            )
    return DataDir(root)


@dataclass
class Cli:
    returncode: int
    out: str
    err: str

    def error_lines(self) -> list[str]:
        return [line for line in self.err.splitlines() if line.strip()]


def cli(capsys: pytest.CaptureFixture[str], data_dir: DataDir, *args: str) -> Cli:
    """`shared-matches --data-dir <dir> <args>` in this process."""
    capsys.readouterr()
    code = main(["--data-dir", str(data_dir.root), *args])
    captured = capsys.readouterr()
    return Cli(code, captured.out, captured.err)


def run_cli(
    data_dir: DataDir, *args: str, fail_at: str | None = None, cwd: Path | None = None
) -> subprocess.CompletedProcess:
    """`shared-matches --data-dir <dir> <args>` in a new process; ``fail_at``: the failpoint
    at which it kills itself (SIGKILL)."""
    env = dict(os.environ)
    env.pop(ENV_VAR, None)
    if fail_at:
        env[ENV_VAR] = fail_at
    return subprocess.run(
        [sys.executable, "-m", "shared_matches.cli", "--data-dir", str(data_dir.root), *args],
        cwd=cwd or PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
    )


KILLED = -signal.SIGKILL


def relation_contents(
    path: Path, warehouse: Path | None = None, skip_columns: dict[str, set[str]] | None = None
) -> dict[str, list[tuple]]:
    """Every table and view of a DB file, in every schema (named "schema.name" outside main;
    views read with the warehouse attached as the app attaches it), rows sorted;
    ``skip_columns``: per relation, columns left out ({"*"}: the whole relation)."""
    skip_columns = skip_columns or {}
    con = duckdb.connect(str(path), read_only=True)
    try:
        if warehouse is not None:
            literal = "'" + str(warehouse).replace("'", "''") + "'"
            con.execute(f"attach {literal} as {WAREHOUSE_CATALOG} (read_only)")
        catalog = con.execute("select current_database()").fetchone()[0]
        relations = con.execute(
            "select table_schema, table_name from information_schema.tables "
            "where table_catalog = ? order by 1, 2",
            [catalog],
        ).fetchall()
        contents = {}
        for schema, name in relations:
            key = name if schema == "main" else f"{schema}.{name}"
            if skip_columns.get(key) == {"*"}:
                continue
            columns = [
                r[0]
                for r in con.execute(
                    "select column_name from information_schema.columns where table_catalog = ? "
                    "and table_schema = ? and table_name = ? order by ordinal_position",
                    [catalog, schema, name],
                ).fetchall()
                if r[0] not in skip_columns.get(key, set())
            ]
            selected = ", ".join(quoted(c) for c in columns)
            contents[key] = con.execute(
                f"select {selected} from {quoted(schema)}.{quoted(name)} order by all"
            ).fetchall()
        return contents
    finally:
        con.close()


def quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def mount_tmpfs(path: Path, size: str) -> None:
    """Mount a small tmpfs at path (an empty folder); skip the test where that is impossible."""
    path.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size},mode=0755", "tmpfs", str(path)],
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        pytest.skip(
            f"cannot mount a {size} tmpfs at {path} to fill a disk (needs root, or "
            f"CAP_SYS_ADMIN): {done.stderr.strip() or done.returncode}"
        )


def unmount(path: Path) -> None:
    subprocess.run(["umount", "-l", str(path)], capture_output=True)


@contextmanager
def tmpfs(path: Path, size: str) -> Iterator[Path]:
    """A small tmpfs mounted at path for the block."""
    mount_tmpfs(path, size)
    try:
        yield path
    finally:
        unmount(path)


def fill_disk(folder: Path) -> Path:
    """Fill the file system of folder to its last byte; returns the filler file."""
    filler = folder / "filler"
    fd = os.open(filler, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        for size in (1 << 16, 4096, 1):
            try:
                while os.write(fd, b"\0" * size):
                    pass
            except OSError:
                continue
    finally:
        os.close(fd)
    return filler
