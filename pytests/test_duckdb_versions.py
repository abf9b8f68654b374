"""Every DuckDB file the project creates opens with the app's DuckDB (1.4.x and 1.5.x).

The project runs DuckDB 2.0, whose default storage no 1.x release reads. Each file a real run
leaves (the warehouse of a migration, the landing of a sync, every player DB, a cleanup's
backup and its rewritten player DB, a player DB a sync creates, the benchmark's floor) is
opened read-only by DuckDB 1.4.4 and 1.5.5, each in its own process from its side
environment (pytests/other_duckdb.py), and every table's row count must equal what DuckDB
2.0 reads. The compatibility views' rows are not read here (only that their files open).
"""

from __future__ import annotations

import json
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest

import other_duckdb
from hardening_helpers import copy_data_dir, run_cli
from helpers import copy_players, quiet
from landing_helpers import Landed
from other_duckdb import OTHER_DUCKDB_VERSIONS, PINS_FILE, duckdb_cli, run_other
from shared_matches.bench.floor import run_floor
from shared_matches.cleanup.steps import cleanup_player
from shared_matches.compaction import PLAYER_DB_BLOCK_SIZE
from shared_matches.duckdb_files import (
    APP_BLOCK_SIZE,
    APP_STORAGE_VERSION,
    STORAGE_VERSION,
    STORAGE_VERSION_ENV,
    quote_ident,
)
from shared_matches.landing.schema import landing_path
from shared_matches.migrate import migrate_players
from shared_matches.paths import DataDir
from shared_matches.sync.player_rows import PlayerStore
from shared_matches.warehouse_dir import WAREHOUSE_BLOCK_SIZE

# the tables of a DuckDB file, in every schema (the same text runs in both DuckDBs)
TABLES_SQL = (
    "select schema_name, table_name from duckdb_tables() "
    "where database_name = current_database() order by all"
)
# One table's row count, and a digest of every value (each row as text, hashed, in hash order):
# a count alone may come from the row groups' metadata, without decoding a single value.
TABLE_SQL = (
    "select count(*), md5(coalesce(string_agg(md5(t::varchar), '' order by md5(t::varchar)), "
    "'')) from {table} as t"
)
FILE_SQL = (
    "select d.tags['storage_version'], s.block_size from duckdb_databases() as d "
    "join pragma_database_size() as s using (database_name) "
    "where d.database_name = current_database()"
)

# Runs in the other DuckDB: argv holds name, path pairs; prints {name: {counts, digests,
# version, block_size} or {error}} (an error is data: every file is tried, the test says which
# failed).
READ_FILES = f"""
import json, sys
import duckdb

def quote(name):
    return '"' + name.replace('"', '""') + '"'

found = {{}}
for name, path in zip(sys.argv[1::2], sys.argv[2::2]):
    try:
        con = duckdb.connect(path, read_only=True)
        try:
            counts, digests = {{}}, {{}}
            for s, t in con.execute({TABLES_SQL!r}).fetchall():
                sql = {TABLE_SQL!r}.format(table=quote(s) + "." + quote(t))
                counts[s + "." + t], digests[s + "." + t] = con.execute(sql).fetchone()
            version, block_size = con.execute({FILE_SQL!r}).fetchone()
            found[name] = {{
                "counts": counts, "digests": digests, "version": version, "block_size": block_size
            }}
        finally:
            con.close()
    except duckdb.Error as exc:
        found[name] = {{"error": str(exc).splitlines()[0]}}
print(json.dumps(found))
"""

# Runs in the other DuckDB: writes a new file (argv[1]) the way that DuckDB does by default,
# optionally a copy of the DB at argv[2]; prints how it sees the file.
WRITE_FILE = f"""
import json, sys
import duckdb

con = duckdb.connect(sys.argv[1])
if len(sys.argv) > 2:
    con.execute("attach '" + sys.argv[2].replace("'", "''") + "' as src (read_only)")
    here = con.execute("select current_database()").fetchone()[0]
    con.execute("copy from database src to " + here)
    con.execute("detach src")
else:
    con.execute("create table t as select range as i from range(10)")
con.execute("checkpoint")
version, block_size = con.execute({FILE_SQL!r}).fetchone()
con.close()
print(json.dumps({{"version": version, "block_size": block_size, "duckdb": duckdb.__version__}}))
"""

# a storage version read by 1.4.x and 1.5.x that is neither the app's nor the project's default
OVERRIDE = "v1.2.0"


@dataclass(frozen=True)
class FileFacts:
    """What one DuckDB reads of a file."""

    counts: dict[str, int]
    digests: dict[str, str]
    version: str
    block_size: int


def read_here(path: Path) -> FileFacts:
    """The file as this process's DuckDB 2.0 reads it (read-only)."""
    con = duckdb.connect(str(path), read_only=True)
    counts: dict[str, int] = {}
    digests: dict[str, str] = {}
    try:
        for s, t in con.execute(TABLES_SQL).fetchall():
            sql = TABLE_SQL.format(table=f"{quote_ident(s)}.{quote_ident(t)}")
            counts[f"{s}.{t}"], digests[f"{s}.{t}"] = con.execute(sql).fetchone()
        version, block_size = con.execute(FILE_SQL).fetchone()
    finally:
        con.close()
    return FileFacts(counts, digests, version, block_size)


def read_other(version: str, files: dict[str, Path]) -> dict[str, dict]:
    """Every file as DuckDB ``version`` reads it, in one process of its side environment."""
    args = [part for name, path in files.items() for part in (name, str(path))]
    return run_other(version, READ_FILES, *args)


def tag(version: str) -> str:
    """DuckDB's tag of a file in a storage version ('v1.0.0' -> 'v1.0.0+')."""
    return f"{version}+"


# --- the files of a real run -----------------------------------------------------------------


@dataclass
class RunFiles:
    """The files of a real run, by name, with the storage version and block size each must
    have (what DuckDB 2.0 reads of it)."""

    paths: dict[str, Path]
    expected: dict[str, tuple[str, int]]


@pytest.fixture(scope="module")
def run_files(
    migrated: DataDir, landed: Landed, tmp_path_factory: pytest.TempPathFactory
) -> RunFiles:
    """A copy of the migrated small demo set with one player cleaned up (backup, rewritten DB),
    the landing of the recorded responses, a player DB a sync creates, the floor's output."""
    root = tmp_path_factory.mktemp("versions")
    data_dir = copy_data_dir(migrated, root / "data")
    cleaned = data_dir.discover_players()[0]
    outcome = cleanup_player(data_dir, cleaned, out=quiet)
    assert outcome.compaction is not None and outcome.compaction.rewritten, outcome
    new_player = root / "synced" / "players" / "NewPlayer" / "stats.duckdb"
    with PlayerStore.open(new_player) as store:
        store.claim_owner("2535400000000001", "NewPlayer")
    floor = root / "floor.duckdb"
    run_floor(migrated, floor)
    # the landing, a new player DB and the floor keep DuckDB's default block size (the app's)
    ours = (STORAGE_VERSION, APP_BLOCK_SIZE)
    paths = {"warehouse": data_dir.warehouse, "landing": landing_path(landed.data_dir)}
    expected = {"warehouse": (STORAGE_VERSION, WAREHOUSE_BLOCK_SIZE), "landing": ours}
    for player in data_dir.discover_players():
        paths[f"player {player}"] = data_dir.player_db(player)
        expected[f"player {player}"] = (APP_STORAGE_VERSION, APP_BLOCK_SIZE)
    # the rewrite keeps the source's version, in PLAYER_DB_BLOCK_SIZE blocks
    expected[f"player {cleaned}"] = (APP_STORAGE_VERSION, PLAYER_DB_BLOCK_SIZE)
    paths["backup"] = outcome.backup.db_path
    expected["backup"] = (APP_STORAGE_VERSION, APP_BLOCK_SIZE)
    paths["player DB a sync creates"] = new_player
    expected["player DB a sync creates"] = ours
    paths["floor"] = floor
    expected["floor"] = ours
    return RunFiles(paths, expected)


@pytest.fixture(scope="module")
def read_by_2_0(run_files: RunFiles) -> dict[str, FileFacts]:
    return {name: read_here(path) for name, path in run_files.paths.items()}


def test_every_file_has_the_expected_storage_version(
    run_files: RunFiles, read_by_2_0: dict[str, FileFacts]
) -> None:
    """New files get the project's version; player DBs keep the app's, through a cleanup and
    its rewrite too; the backup is a byte copy."""
    found = {name: (facts.version, facts.block_size) for name, facts in read_by_2_0.items()}
    wanted = {name: (tag(v), size) for name, (v, size) in run_files.expected.items()}
    assert found == wanted


@pytest.mark.parametrize("version", OTHER_DUCKDB_VERSIONS)
def test_every_file_opens_with_the_apps_duckdb(
    version: str, run_files: RunFiles, read_by_2_0: dict[str, FileFacts]
) -> None:
    """Each file opens read-only in the other DuckDB, which counts the same rows in every
    table as DuckDB 2.0, and reads the same values."""
    seen = read_other(version, run_files.paths)
    errors = {name: found["error"] for name, found in seen.items() if "error" in found}
    assert not errors, f"DuckDB {version} cannot open: {errors}"
    for name, facts in read_by_2_0.items():
        assert facts.counts and sum(facts.counts.values()) > 0, name
        assert seen[name]["counts"] == facts.counts, f"{name} in DuckDB {version}"
        assert seen[name]["digests"] == facts.digests, f"{name} in DuckDB {version}"
        assert (seen[name]["version"], seen[name]["block_size"]) == (
            facts.version,
            facts.block_size,
        ), name


@pytest.mark.parametrize("version", OTHER_DUCKDB_VERSIONS)
def test_the_cli_of_the_app_s_duckdb_reads_the_warehouse(
    version: str, run_files: RunFiles, read_by_2_0: dict[str, FileFacts]
) -> None:
    """The `duckdb` executable of that release (as a person inspects a file) reads it too."""
    done = subprocess.run(
        [
            str(duckdb_cli(version)),
            "-readonly",
            "-json",
            str(run_files.paths["warehouse"]),
            "-c",
            "select count(*) as n from match_registry",
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    rows = json.loads(done.stdout)
    assert rows == [{"n": read_by_2_0["warehouse"].counts["main.match_registry"]}]
    assert rows[0]["n"] > 0


# --- the demo set and the app's own files ------------------------------------------------------


def test_demo_player_dbs_are_written_as_duckdb_1_4_4_writes_a_new_file(
    small_players_dir: Path, tmp_path: Path
) -> None:
    """The demo set stands for the users' files: the storage version and block size DuckDB
    1.4.4 gives a new file (read back by DuckDB 2.0 from a file 1.4.4 created)."""
    made = run_other("1.4.4", WRITE_FILE, str(tmp_path / "by_1_4_4.duckdb"))
    assert made["duckdb"] == "1.4.4"
    by_app = read_here(tmp_path / "by_1_4_4.duckdb")
    assert (by_app.version, by_app.block_size) == (tag(APP_STORAGE_VERSION), APP_BLOCK_SIZE)
    demo = {p.parent.name: read_here(p) for p in sorted(small_players_dir.glob("*/stats.duckdb"))}
    assert demo
    for player, facts in demo.items():
        assert (facts.version, facts.block_size) == (by_app.version, by_app.block_size), player


def test_a_player_db_written_by_duckdb_1_4_4_keeps_its_version(
    small_players_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A player DB written by the app's DuckDB keeps its storage version through a migrate
    and a cleanup (which writes into it and rewrites it), while the project's new files get
    the version HALO_STORAGE_VERSION names (here one that is neither the app's nor the
    default): nothing upgrades a user's file, and 1.4.4 still opens it."""
    assert OVERRIDE not in (APP_STORAGE_VERSION, STORAGE_VERSION)
    monkeypatch.setenv(STORAGE_VERSION_ENV, OVERRIDE)
    data_dir = copy_players(small_players_dir, tmp_path / "data")
    player = data_dir.discover_players()[0]
    path = data_dir.player_db(player)
    by_app = tmp_path / "by_1_4_4.duckdb"
    made = run_other("1.4.4", WRITE_FILE, str(by_app), str(path))
    shutil.move(by_app, path)
    before = read_here(path)
    assert (made["version"], before.version) == (tag(APP_STORAGE_VERSION),) * 2
    migrate_players(data_dir, [player], say=quiet)
    assert read_here(data_dir.warehouse).version == tag(OVERRIDE)
    assert read_here(path) == before
    cleanup_player(data_dir, player, out=quiet)
    after = read_here(path)
    assert after.version == before.version
    seen = read_other("1.4.4", {"player": path})["player"]
    assert (seen.get("counts"), seen.get("digests")) == (after.counts, after.digests), seen


# --- the setting -------------------------------------------------------------------------------


def test_a_bad_storage_version_is_a_one_line_error(tmp_path: Path, small_players_dir) -> None:
    """A HALO_STORAGE_VERSION no DuckDB would read back stops the command before a file is
    created, with one message naming the variable and the values it takes: no traceback."""
    data_dir = copy_players(small_players_dir, tmp_path / "data")
    done = run_cli_with(data_dir, {STORAGE_VERSION_ENV: "v9"}, "migrate")
    assert done.returncode == 2, done.stdout + done.stderr
    assert "Traceback" not in done.stdout + done.stderr
    assert f"{STORAGE_VERSION_ENV}='v9'" in done.stderr and "v1.4.0" in done.stderr
    assert not data_dir.warehouse.exists()


def run_cli_with(data_dir: DataDir, env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    """`shared-matches` in a new process with these environment variables set."""
    with pytest.MonkeyPatch.context() as patch:
        for name, value in env.items():
            patch.setenv(name, value)
        return run_cli(data_dir, *args)


def test_the_side_environments_are_the_pinned_releases() -> None:
    """The versions the tests name are the ones `make compat` installs (one list: the pins)."""
    pinned = tuple(
        line.strip()
        for line in PINS_FILE.read_text().splitlines()
        if line.strip() and not line.startswith("#")
    )
    assert pinned == OTHER_DUCKDB_VERSIONS
    for version in OTHER_DUCKDB_VERSIONS:
        assert run_other(version, "import duckdb, json; print(json.dumps(duckdb.__version__))") == (
            version
        )
        done = subprocess.run(
            [str(duckdb_cli(version)), "-version"], capture_output=True, text=True, timeout=60
        )
        assert done.stdout.startswith(f"v{version} "), done.stdout + done.stderr


def test_a_missing_side_environment_fails_never_skips(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without its side environment a test fails, saying how to make it (a skip would let a
    file the app cannot open pass unnoticed, in CI too)."""
    monkeypatch.setattr(other_duckdb, "COMPAT_DIR", tmp_path / "compat")
    for missing in (other_duckdb.other_python, other_duckdb.duckdb_cli):
        with pytest.raises(pytest.fail.Exception, match="make compat"):
            missing(OTHER_DUCKDB_VERSIONS[0])
