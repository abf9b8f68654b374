"""The old app's own sync on a cleaned player DB is noticed and healed.

The app (LevelUp) keeps its own sync button. On a cleaned DB its inserts into the three views
fail and it goes on: each new match gets match_stats, player_match_stats and medals_earned
rows with no roster and no events anywhere; and it first copies the events view into a table
`highlight_events_backup`. Real files (the small demo set), real dbt, the real spnkr client
against the local fake API; the commands run as the user runs them (`shared_matches.cli`).

The world (built once for the module, in this order):
1. Chocoboflor is migrated and cleaned up;
2. Helper (a tracked player with no DB yet) syncs the match `with_helper` (Chocoboflor is in
   it too): the warehouse holds it, as Helper's match only;
3. the app's sync on Chocoboflor's cleaned DB writes `alone` (served by the fake API, unknown
   to the warehouse) and `with_helper`;
4. status and `cleanup --verify`; then `shared-matches sync --player Chocoboflor`; then status
   and `cleanup --verify` again.
"""

from __future__ import annotations

import contextlib
import io
import json
import shutil
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import duckdb
import pytest

from helpers import quiet, rows, scalar
from shared_matches.cleanup.app_sync import read_findings
from shared_matches.cleanup.steps import cleanup_player
from shared_matches.cli import main
from shared_matches.dbt_session import DbtSession
from shared_matches.duckdb_files import MOVED_TABLES
from shared_matches.landing.schema import create_landing_schema, landing_path
from shared_matches.migrate import migrate_players
from shared_matches.paths import SEED_ORDER, DataDir
from shared_matches.player_identity import read_player_xuid
from shared_matches.sync.summary import FULL_MATCH_ENDPOINTS
from shared_matches.testing.fake_halo_api import (
    CLEARANCE,
    TOKEN,
    FakeHaloApi,
    generated_id,
    generated_xuid,
    roster,
    sync_with_fake_api,
)

PLAYER = SEED_ORDER[0]  # Chocoboflor
HELPER = ("HelperGT", generated_xuid("app-sync/helper"))
FIRST_NEW = datetime(2025, 9, 20, 20)  # after the demo set's newest match
ALONE, WITH_HELPER = generated_id("app-sync/alone"), generated_id("app-sync/with_helper")
EVENTS_PER_MATCH = 640
STRAY = "highlight_events_backup"


@dataclass
class Run:
    code: int
    out: str
    err: str


@dataclass
class World:
    data_dir: DataDir
    fake: FakeHaloApi
    xuid: str
    events_before: int
    status_before: dict
    status_text_before: str
    verify_before: Run
    sync: Run
    sync_calls: Counter[str]
    status_after: dict
    verify_after: Run


def run(data_dir: DataDir, *args: str) -> Run:
    """`shared-matches --data-dir <dir> <args>` in this process, its output captured."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(["--data-dir", str(data_dir.root), *args])
    return Run(code, out.getvalue(), err.getvalue())


def open_as_the_app(path: Path, read_only: bool) -> duckdb.DuckDBPyConnection:
    """The player DB as the old app opens it: the file alone, nothing attached (the views
    read the read layer)."""
    return duckdb.connect(str(path), read_only=read_only)


def app_sync(data_dir: DataDir, match_ids: dict[str, datetime]) -> None:
    """What the app's sync button does on a cleaned DB: a copy of the events view first, then
    per match its personal rows (here: copies of its newest match's rows), and inserts into
    match_participants / highlight_events / xuid_aliases whose errors it swallows."""
    con = open_as_the_app(data_dir.player_db(PLAYER), read_only=False)
    try:
        con.execute(f"create table {STRAY} as select * from highlight_events")
        [(newest,)] = con.execute(
            "select match_id from match_stats order by start_time desc limit 1"
        ).fetchall()
        for match_id, start in match_ids.items():
            con.execute(
                "insert into match_stats select * replace (? as match_id, ? as start_time) "
                "from match_stats where match_id = ?",
                [match_id, start, newest],
            )
            for table in ("player_match_stats", "medals_earned"):
                con.execute(
                    f"insert into {table} select * replace (? as match_id) "
                    f"from {table} where match_id = ?",
                    [match_id, newest],
                )
            for table in MOVED_TABLES:
                with contextlib.suppress(duckdb.Error):  # the app goes on, as if it worked
                    con.execute(
                        f"insert into {table} select * from {table} where match_id = ?",
                        [newest],
                    )
    finally:
        con.close()


def app_query(data_dir: DataDir, sql: str, params: list | None = None) -> list[tuple]:
    con = open_as_the_app(data_dir.player_db(PLAYER), read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


@pytest.fixture(scope="module")
def world(small_players_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> World:
    data_dir = DataDir(tmp_path_factory.mktemp("app_sync"))
    shutil.copytree(small_players_dir / PLAYER, data_dir.players_dir / PLAYER)
    session = DbtSession(data_dir)
    migrate_players(data_dir, [PLAYER], say=quiet, session=session)
    cleanup_player(data_dir, PLAYER, out=quiet, session=session)
    con = duckdb.connect(str(data_dir.player_db(PLAYER)), read_only=True)
    try:
        xuid = read_player_xuid(con, PLAYER)
    finally:
        con.close()

    fake = FakeHaloApi()
    starts = {ALONE: FIRST_NEW, WITH_HELPER: FIRST_NEW + timedelta(hours=3)}
    fake.add_generated_match(ALONE, starts[ALONE], roster([(xuid, PLAYER)], "app-sync/alone"))
    players = roster([(xuid, PLAYER), (HELPER[1], HELPER[0])], "app-sync/with_helper")
    fake.add_generated_match(WITH_HELPER, starts[WITH_HELPER], players, variant=1)
    fake.add_user(PLAYER, xuid)
    fake.add_user(*HELPER)
    fake.set_history(xuid, [ALONE, WITH_HELPER])
    fake.set_history(HELPER[1], [WITH_HELPER])

    with pytest.MonkeyPatch.context() as env, fake.running_in_thread():
        env.setenv("HALO_SPARTAN_TOKEN", TOKEN)
        env.setenv("HALO_CLEARANCE_TOKEN", CLEARANCE)
        sync_with_fake_api(fake, data_dir, HELPER[0])  # the warehouse gets with_helper
        app_sync(data_dir, starts)
        events_before = app_query(data_dir, f"select count(*) from {STRAY}")[0][0]
        status_before = json.loads(run(data_dir, "status", "--json").out)
        status_text_before = run(data_dir, "status").out
        verify_before = run(data_dir, "cleanup", "--verify", "--player", PLAYER)
        before = Counter(fake.requests)
        sync = run(
            data_dir,
            *("sync", "--player", PLAYER, "--no-progress"),
            *("--api-base-url", fake.base_url, "--requests-per-second", "1000"),
        )
        sync_calls = Counter(fake.requests) - before
        status_after = json.loads(run(data_dir, "status", "--json").out)
        verify_after = run(data_dir, "cleanup", "--verify", "--player", PLAYER)
    return World(
        data_dir,
        fake,
        xuid,
        events_before,
        status_before,
        status_text_before,
        verify_before,
        sync,
        sync_calls,
        status_after,
        verify_after,
    )


def player_status(document: dict) -> dict:
    return next(p for p in document["players"] if p["gamertag"] == PLAYER)


def test_status_reports_the_matches_without_roster_and_the_stray_table(world: World) -> None:
    player = player_status(world.status_before)
    assert player["cleanup_state"] == "cleaned"
    assert player["unshared_matches"] == 2
    reasons = {m["match_id"]: m["reason"] for m in player["unshared_examples"]}
    assert reasons == {ALONE: "not_in_warehouse", WITH_HELPER: "not_the_players"}
    assert all(m["blocks_verify"] and m["sync_again"] for m in player["unshared_examples"])
    [stray] = player["stray_tables"]
    assert stray["name"] == STRAY and stray["rows"] == world.events_before > 0
    assert stray["size_bytes"] > 0
    todo = " ".join(player["todo"])
    assert f"`shared-matches sync --player {PLAYER}`" in todo
    assert f'DROP TABLE "{STRAY}";' in todo
    text = world.status_text_before
    assert ALONE in text and WITH_HELPER in text and "to do: 1 stray table(s)" in text
    # a player DB that is not cleaned up (Helper's, written by the sync) is not checked
    helper = next(p for p in world.status_before["players"] if p["gamertag"] == HELPER[0])
    assert helper["unshared_matches"] is None and helper["todo"] == []


def test_verify_fails_naming_the_matches_and_the_sync_command(world: World) -> None:
    verify = world.verify_before
    assert verify.code == 1, verify
    assert ALONE in verify.err and WITH_HELPER in verify.err
    assert f"shared-matches sync --player {PLAYER}" in verify.err
    assert "Traceback" not in verify.err and "checklist_phase5 green" not in verify.out


def test_the_sync_fetches_what_the_group_lacks_and_nothing_else(world: World) -> None:
    assert world.sync.code == 0, world.sync
    assert "matches: 1 new (fetched in full), 1 known" in world.sync.out
    assert "2 match(es) of Chocoboflor's match_stats had no shared roster" in world.sync.out
    # alone: fetched in full, once; with_helper: Helper fetched it, this sync made no call
    assert all(world.fake.calls_for(ALONE)[e] == 1 for e in FULL_MATCH_ENDPOINTS)
    assert all(world.fake.calls_for(WITH_HELPER)[e] == 1 for e in FULL_MATCH_ENDPOINTS)
    assert world.sync_calls["match_stats"] == 1 and world.sync_calls["film_chunk"] == 1


def test_the_views_then_show_roster_and_events_once(world: World) -> None:
    data_dir = world.data_dir
    for match_id in (ALONE, WITH_HELPER):
        [(participants, me)] = app_query(
            data_dir,
            "select count(*), count(*) filter (where xuid = ?) from match_participants "
            "where match_id = ?",
            [world.xuid, match_id],
        )
        assert (participants, me) == (8, 1), match_id
        [(events, distinct)] = app_query(
            data_dir,
            "select count(*), count(distinct id) from highlight_events where match_id = ?",
            [match_id],
        )
        assert events == distinct == EVENTS_PER_MATCH, match_id
        # the app's rows were replaced by the warehouse's: one copy of each
        assert app_query(
            data_dir, "select count(*) from match_stats where match_id = ?", [match_id]
        ) == [(1,)]
        medals = app_query(
            data_dir,
            "select medal_name_id, count from medals_earned where match_id = ? order by all",
            [match_id],
        )
        expected = rows(
            data_dir.warehouse,
            "select medal_name_id, count from v4_medals_earned "
            "where player_xuid = ? and match_id = ? order by all",
            [world.xuid, match_id],
        )
        assert medals == expected and medals, match_id
    [(players,)] = rows(
        data_dir.warehouse,
        "select count(*) from match_players where match_id = ? and player_xuid = ?",
        [WITH_HELPER, world.xuid],
    )
    assert players == 1
    assert (
        scalar(
            data_dir.warehouse,
            "select player_count from match_registry where match_id = ?",
            [WITH_HELPER],
        )
        == 2
    )


def test_after_the_sync_verify_passes_and_the_stray_table_is_only_reported(
    world: World,
) -> None:
    player = player_status(world.status_after)
    assert player["unshared_matches"] == 0 and player["unshared_examples"] == []
    assert [t["name"] for t in player["stray_tables"]] == [STRAY]
    assert len(player["todo"]) == 1 and STRAY in player["todo"][0]
    verify = world.verify_after
    assert verify.code == 0, verify
    assert "checklist_phase5 green" in verify.out
    assert "note: 1 stray table(s)" in verify.out and STRAY in verify.out


# --- the rule on small hand-made files: each clause ------------------------------------------


def test_the_rule_blocks_verify_only_where_the_api_gave_a_roster(tmp_path: Path) -> None:
    """No copy of the player: blocks. A copy without roster: blocks only when the landing holds
    a roster listing the owner (landed, not merged); a sync fetches it unless the landed stats
    did not list the owner. Stray tables: unknown or *_backup, not the app's own (mv_*, ...)."""
    data_dir = DataDir(tmp_path)
    owner = "2533274800000001"
    path = data_dir.player_db("Someone")
    path.parent.mkdir(parents=True)
    con = duckdb.connect(str(path))
    con.execute("create table match_stats (match_id varchar, start_time timestamp)")
    con.execute("create table sync_meta (key varchar, value varchar)")
    con.execute("insert into sync_meta values ('xuid', ?)", [owner])
    ids = ["ok", "absent", "others", "bare", "landed", "landed_without_me"]
    for number, match_id in enumerate(ids):
        con.execute(
            "insert into match_stats values (?, ?)", [match_id, FIRST_NEW + timedelta(days=number)]
        )
    for table in ("mv_totals", "killer_victim_pairs", "mv_totals_backup", "scratch"):
        con.execute(f"create table {table} as select 1 as x")
    con.close()
    data_dir.warehouse.parent.mkdir(parents=True)
    con = duckdb.connect(str(data_dir.warehouse))
    con.execute("create table match_players (match_id varchar, player_xuid varchar)")
    con.execute("create table match_registry (match_id varchar, participants_loaded boolean)")
    con.execute(
        "insert into match_registry values ('ok', true), ('others', true), ('bare', false), "
        "('landed', false), ('landed_without_me', false)"
    )
    con.execute(
        "insert into match_players values ('ok', ?), ('others', '2533274800000002'), "
        "('bare', ?), ('landed', ?), ('landed_without_me', ?)",
        [owner] * 4,
    )
    con.close()
    landing = landing_path(data_dir)
    landing.parent.mkdir(parents=True)
    con = duckdb.connect(str(landing))
    create_landing_schema(con)
    for match_id, player in (("landed", f"xuid({owner})"), ("landed_without_me", "xuid(1)")):
        stats = {"MatchId": match_id.upper(), "Players": [{"PlayerId": player}]}
        con.execute(
            "insert into responses (kind, match_id, http_status, fetched_at, fetched_by, "
            "payload) values ('match_stats', ?, 200, now()::timestamp, 'test', ?)",
            [match_id, json.dumps(stats)],
        )
    con.close()

    findings = read_findings(data_dir, "Someone")
    found = {m.match_id: (m.reason, m.blocks_verify, m.sync_again) for m in findings.unshared}
    assert found == {
        "absent": ("not_in_warehouse", True, True),
        "others": ("not_the_players", True, True),
        "bare": ("no_roster", False, True),
        "landed": ("no_roster", True, True),
        "landed_without_me": ("no_roster", False, False),
    }
    assert [m.match_id for m in findings.unshared][0] == "landed_without_me"  # newest first
    assert "1 of them the API gave without this player" in findings.matches_text()
    assert [m.match_id for m in findings.blocking] == ["landed", "others", "absent"]
    assert sorted(t.name for t in findings.stray_tables) == ["mv_totals_backup", "scratch"]
    assert all(t.rows == 1 for t in findings.stray_tables)
