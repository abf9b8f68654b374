"""A cleaned player DB answers in the app's own DuckDB (1.4.x, 1.5.x) with no ATTACH.

On real files: player DBs written by the other releases themselves (each demo DB copied into
a new file by one release, as the app's DuckDB writes them: Chocoboflor's by 1.4.4, JGtm's by
1.5.5), then, with the project's DuckDB: `migrate`, `cleanup` of each player and a `sync` of
one of them against the local fake Halo API (one new match). Then, in each release, in a fresh
process that attaches nothing: every row of the three views of every cleaned DB against its
pre-cleanup tables (the backup), the same rows or the documented differences of
docs/cleanup.md ("What the app sees differently": a NULL filled from another copy, ids
renumbered, a newer alias), and the synced match with its roster and events.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import duckdb
import pytest

from helpers import quiet
from other_duckdb import OTHER_DUCKDB_VERSIONS, run_other
from shared_matches.cleanup.backup import KIND_PRE_CLEANUP, latest_backup
from shared_matches.cleanup.steps import cleanup_player
from shared_matches.dbt_session import DbtSession
from shared_matches.duckdb_files import MOVED_TABLES
from shared_matches.migrate import migrate_players
from shared_matches.paths import DataDir
from shared_matches.player_identity import read_player_xuid
from shared_matches.read_layer import files_sql
from shared_matches.testing.fake_halo_api import (
    CLEARANCE,
    TOKEN,
    FakeHaloApi,
    generated_id,
    roster,
    sync_with_fake_api,
)

# each player DB written by one of the other releases
WRITTEN_BY = dict(zip(("Chocoboflor", "JGtm"), OTHER_DUCKDB_VERSIONS, strict=True))
PLAYERS = tuple(WRITTEN_BY)
SYNCING = "Chocoboflor"
NEW_MATCH = generated_id("other-duckdb/new")
NEW_START = datetime(2025, 9, 25, 20)  # after the demo set's newest match

# run by the other release: a new file written by it, holding every table of the source
REWRITE = """
import duckdb, json, sys
source, target = sys.argv[1:3]
con = duckdb.connect(target)
con.execute("attach '%s' as source_db (read_only)" % source.replace("'", "''"))
con.execute("copy from database source_db to %s" % con.execute(
    "select current_database()").fetchone()[0])
con.execute("detach source_db")
version = con.execute(
    "select tags['storage_version'] from duckdb_databases() "
    "where database_name = current_database()"
).fetchone()[0]
con.close()
print(json.dumps({"storage_version": version}))
"""

# run by the other release: every row of the three tables (or views), nothing attached
READ = """
import duckdb, json, sys
con = duckdb.connect(sys.argv[1], read_only=True)
found = {}
for table in sys.argv[2:]:
    cursor = con.execute("select * from %s" % table)
    names = [d[0] for d in cursor.description]
    found[table] = {"columns": names, "rows": [[str(v) if v is not None else None for v in row]
                                               for row in cursor.fetchall()]}
found["attached"] = con.execute(
    "select count(*) from duckdb_databases() where not internal").fetchone()[0]
found["version"] = duckdb.__version__
print(json.dumps(found))
"""


@dataclass
class World:
    data_dir: DataDir
    storage_versions: dict[str, str]
    backups: dict[str, Path]


@pytest.fixture(scope="module")
def world(small_players_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> World:
    data_dir = DataDir(tmp_path_factory.mktemp("other-duckdb"))
    storage = {}
    for player, version in WRITTEN_BY.items():
        target = data_dir.player_db(player)
        target.parent.mkdir(parents=True)
        written = run_other(
            version, REWRITE, str(small_players_dir / player / "stats.duckdb"), str(target)
        )
        storage[player] = written["storage_version"]
    session = DbtSession(data_dir)
    migrate_players(data_dir, list(PLAYERS), say=quiet, session=session)
    backups = {}
    for player in PLAYERS:
        cleanup_player(data_dir, player, out=quiet, session=session)
        backup = latest_backup(data_dir, player, kind=KIND_PRE_CLEANUP)
        assert backup is not None
        backups[player] = backup.db_path
    con = duckdb.connect(str(data_dir.player_db(SYNCING)), read_only=True)
    try:
        xuid = read_player_xuid(con, SYNCING)
    finally:
        con.close()
    fake = FakeHaloApi()
    fake.add_generated_match(NEW_MATCH, NEW_START, roster([(xuid, SYNCING)], "other-duckdb"))
    fake.add_user(SYNCING, xuid)
    fake.set_history(xuid, [NEW_MATCH])
    with pytest.MonkeyPatch.context() as env, fake.running_in_thread():
        env.setenv("HALO_SPARTAN_TOKEN", TOKEN)
        env.setenv("HALO_CLEARANCE_TOKEN", CLEARANCE)
        summary = sync_with_fake_api(fake, data_dir, SYNCING)
    assert NEW_MATCH in summary.new, summary
    return World(data_dir, storage, backups)


def read_in(version: str, path: Path) -> dict:
    return run_other(version, READ, str(path), *MOVED_TABLES)


def keyed(table: dict, key: tuple[str, ...]) -> dict[tuple, dict]:
    names = table["columns"]
    found = {}
    for row in table["rows"]:
        record = dict(zip(names, row, strict=True))
        found[tuple(record[k] for k in key)] = record
    return found


def test_player_dbs_written_by_a_release_keep_its_version(world: World) -> None:
    for player in PLAYERS:
        assert world.storage_versions[player].startswith("v1."), world.storage_versions
        con = duckdb.connect(str(world.data_dir.player_db(player)), read_only=True)
        try:
            got = con.execute(
                "select tags['storage_version'] from duckdb_databases() "
                "where database_name = current_database()"
            ).fetchone()[0]
        finally:
            con.close()
        assert got == world.storage_versions[player], player


@pytest.mark.parametrize("version", OTHER_DUCKDB_VERSIONS)
def test_every_view_row_matches_the_pre_cleanup_tables_in_each_release(
    world: World, version: str
) -> None:
    for player in PLAYERS:
        before = read_in(version, world.backups[player])
        after = read_in(version, world.data_dir.player_db(player))
        assert after["version"] == version
        assert after["attached"] == 1  # nothing attached: the file alone
        for table in MOVED_TABLES:
            assert after[table]["columns"] == before[table]["columns"], (player, table)
            assert before[table]["rows"], (player, table)
        # match_participants: every row, every non-NULL value as it was (a NULL may be filled)
        old = keyed(before["match_participants"], ("match_id", "xuid"))
        new = keyed(after["match_participants"], ("match_id", "xuid"))
        assert old.keys() <= new.keys(), player
        for key, row in old.items():
            for name, value in row.items():
                assert value is None or new[key][name] == value, (player, key, name)

        # highlight_events: every event as many times as the player had it (ids renumbered,
        # a NULL gamertag may be filled), ids unique
        def events(table: dict, fill: bool) -> Counter:
            names = table["columns"]
            rows = [dict(zip(names, r, strict=True)) for r in table["rows"]]
            return Counter(
                tuple((None if fill and n == "gamertag" else r[n]) for n in names if n != "id")
                for r in rows
            )

        lost = events(before["highlight_events"], True) - events(after["highlight_events"], True)
        assert not lost, (player, list(lost)[:3])
        ids = [r[0] for r in after["highlight_events"]["rows"]]
        assert len(ids) == len(set(ids))
        # xuid_aliases: every xuid; another gamertag only with a later last_seen
        old = keyed(before["xuid_aliases"], ("xuid",))
        new = keyed(after["xuid_aliases"], ("xuid",))
        assert old.keys() <= new.keys(), player
        for key, row in old.items():
            if new[key]["gamertag"] != row["gamertag"] and row["gamertag"] is not None:
                assert (new[key]["last_seen"] or "") > (row["last_seen"] or ""), (player, key)


@pytest.mark.parametrize("version", OTHER_DUCKDB_VERSIONS)
def test_the_synced_match_answers_in_each_release(world: World, version: str) -> None:
    after = read_in(version, world.data_dir.player_db(SYNCING))
    roster_rows = [r for r in after["match_participants"]["rows"] if r[0] == NEW_MATCH]
    events = [r for r in after["highlight_events"]["rows"] if r[1] == NEW_MATCH]
    assert len(roster_rows) == 8
    assert len(events) > 0
    # the other player, who does not have the match, does not see it
    other = read_in(version, world.data_dir.player_db(PLAYERS[1]))
    assert not [r for r in other["match_participants"]["rows"] if r[0] == NEW_MATCH]


@pytest.mark.parametrize("version", OTHER_DUCKDB_VERSIONS)
def test_the_warehouse_backups_and_read_layer_open_in_each_release(
    world: World, version: str
) -> None:
    code = """
import duckdb, json, sys
found = {}
for path in sys.argv[2:]:
    con = duckdb.connect(path, read_only=True)
    found[path] = con.execute(
        "select count(*) from duckdb_tables() where database_name = current_database()"
    ).fetchone()[0]
    con.close()
# the layer as its views read it: of each range, the highest version only
found["layer_events"] = duckdb.connect().execute(
    "select count(*) from " + sys.argv[1]
).fetchone()[0]
print(json.dumps(found))
"""
    layer = files_sql(world.data_dir, "highlight_events")
    paths = [str(world.data_dir.warehouse), *(str(p) for p in world.backups.values())]
    found = run_other(version, code, str(layer), *paths)
    assert all(found[p] > 0 for p in paths), found
    con = duckdb.connect(str(world.data_dir.warehouse), read_only=True)
    try:
        events = con.execute("select count(*) from highlight_events").fetchone()[0]
    finally:
        con.close()
    assert found["layer_events"] == events > 0
