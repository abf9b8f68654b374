"""The plan's end state, lived: migrate three players, clean two of them up, then each of the
three syncs new matches (some shared with the others, some new to the group), and the
restore of a cleaned player after its syncs.

Real DuckDB files (the small demo set), real dbt (in-process), the real spnkr client against
the local fake API. What must hold:
- each sync fetches only what the group lacks (a match another player synced costs 0 calls);
- the old app's queries through the views (player DB opened alone, the warehouse attached as
  `shared_matches` read-only) and PlayerRepository see every match, old and new;
- checklist_phase2 (every player), checklist_phase3 and checklist_phase5 (the cleaned
  players) are green;
- nothing shared (roster, events, aliases) was written into a cleaned DB;
- `restore` gives back a v4 DB with exactly the pre-cleanup rows plus the rows of every
  match synced since.
"""

from __future__ import annotations

import shutil
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

import duckdb
import pytest

from helpers import quiet
from shared_matches.cleanup.restore import restore_player
from shared_matches.cleanup.state import CLEANED, ORIGINAL, inspect_player_db
from shared_matches.cleanup.steps import cleanup_player, verify_player
from shared_matches.dbt_session import DbtSession
from shared_matches.duckdb_files import MOVED_TABLES
from shared_matches.migrate import migrate_players
from shared_matches.paths import SEED_ORDER, WAREHOUSE_CATALOG, DataDir
from shared_matches.player_identity import read_player_xuid
from shared_matches.repository import PlayerRepository
from shared_matches.sync.player_rows import PERSONAL_TABLES
from shared_matches.sync.summary import SyncSummary
from shared_matches.testing.fake_halo_api import (
    FakeHaloApi,
    generated_id,
    roster,
    sync_with_fake_api,
)

# JGtm's DB, not cleaned up, has the older layout (INTEGER medal ids, fewer columns) and
# spells event types 'Kill': the v4 rows a sync writes into it follow it
KEPT, CLEANED_UP = SEED_ORDER[2], SEED_ORDER[:2]  # JGtm; Chocoboflor, Madina97294
PLAYERS = (*CLEANED_UP, KEPT)
SYNC_ORDER = (CLEANED_UP[0], KEPT, CLEANED_UP[1])
FIRST_NEW = datetime(2025, 9, 20, 20)  # after the demo set's newest match
NEW_MATCHES = {  # label: the tracked players in it (the others of the roster: strangers)
    "all_three": PLAYERS,
    "kept_and_first": (KEPT, CLEANED_UP[0]),
    "both_cleaned": CLEANED_UP,
    "kept_only": (KEPT,),
    "first_only": (CLEANED_UP[0],),
    "second_only": (CLEANED_UP[1],),
}
ID = {label: generated_id(f"lifecycle/{label}") for label in NEW_MATCHES}
EVENTS_PER_MATCH = 640


def new_of(player: str) -> list[str]:
    """The new match ids of a player, oldest first."""
    return [ID[label] for label, who in NEW_MATCHES.items() if player in who]


def contents(path: Path) -> dict[str, list[tuple]]:
    """Every base table of a DB, rows sorted."""
    con = duckdb.connect(str(path), read_only=True)
    try:
        tables = [
            r[0]
            for r in con.execute(
                "select table_name from duckdb_tables() "
                "where database_name = current_database() and schema_name = 'main'"
            ).fetchall()
        ]
        return {t: con.execute(f'select * from "{t}" order by all').fetchall() for t in tables}
    finally:
        con.close()


def app_query(data_dir: DataDir, player: str, sql: str, params: list | None = None):
    """A query as the old app runs it: the player DB opened alone, read-only, the warehouse
    attached read-only under the catalog name the compatibility views use."""
    con = duckdb.connect(str(data_dir.player_db(player)), read_only=True)
    try:
        con.execute(f"attach '{data_dir.warehouse}' as {WAREHOUSE_CATALOG} (read_only)")
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


@dataclass
class Lifecycle:
    data_dir: DataDir
    session: DbtSession
    fake: FakeHaloApi
    xuids: dict[str, str]
    pre_cleanup: dict[str, dict[str, list[tuple]]]
    after_cleanup: dict[str, dict[str, list[tuple]]]
    old_matches: dict[str, set[str]]
    syncs: dict[str, SyncSummary] = field(default_factory=dict)
    calls: dict[str, Counter[str]] = field(default_factory=dict)


@pytest.fixture(scope="module")
def life(small_players_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Lifecycle:
    root = tmp_path_factory.mktemp("lifecycle")
    data_dir = DataDir(root)
    for player in PLAYERS:
        shutil.copytree(small_players_dir / player, data_dir.players_dir / player)
    session = DbtSession(data_dir)
    migrate_players(data_dir, list(PLAYERS), say=quiet, session=session)
    pre_cleanup = {p: contents(data_dir.player_db(p)) for p in PLAYERS}
    xuids = {}
    old_matches = {}
    for player in PLAYERS:
        con = duckdb.connect(str(data_dir.player_db(player)), read_only=True)
        try:
            xuids[player] = read_player_xuid(con, player)
            old_matches[player] = {
                r[0] for r in con.execute("select match_id from match_stats").fetchall()
            }
        finally:
            con.close()
    for player in CLEANED_UP:
        cleanup_player(data_dir, player, out=quiet, session=session)
    after_cleanup = {p: contents(data_dir.player_db(p)) for p in CLEANED_UP}

    fake = FakeHaloApi()
    for number, (label, who) in enumerate(NEW_MATCHES.items()):
        players = roster([(xuids[p], p) for p in who], f"lifecycle/{label}")
        start = FIRST_NEW + timedelta(hours=3 * number)
        fake.add_generated_match(ID[label], start, players, variant=number)
    for player in PLAYERS:
        fake.add_user(player, xuids[player])
        fake.set_history(xuids[player], new_of(player))
    life = Lifecycle(data_dir, session, fake, xuids, pre_cleanup, after_cleanup, old_matches)
    with fake.running_in_thread():
        for player in SYNC_ORDER:
            before = Counter(fake.requests)
            life.syncs[player] = sync_with_fake_api(fake, data_dir, player)
            life.calls[player] = Counter(fake.requests) - before
    return life


def test_each_sync_fetches_only_what_the_group_lacks(life: Lifecycle) -> None:
    first, kept, second = (life.syncs[p] for p in SYNC_ORDER)
    assert first.new == new_of(SYNC_ORDER[0]) and first.known == []
    assert kept.known == [ID["all_three"], ID["kept_and_first"]]
    assert kept.new == [ID["kept_only"]]
    assert second.known == [ID["all_three"], ID["both_cleaned"]]
    assert second.new == [ID["second_only"]]
    for label in NEW_MATCHES:  # each match fetched once, by the first player who synced it
        calls = life.fake.calls_for(ID[label])
        assert calls["match_stats"] == calls["film_chunk"] == 1, (label, calls)
    for player in (KEPT, SYNC_ORDER[2]):
        calls = life.calls[player]
        assert calls["match_stats"] == calls["match_skill"] == calls["film_manifest"] == 1


def test_the_old_apps_queries_through_the_views_see_every_match(life: Lifecycle) -> None:
    for player in PLAYERS:
        every = life.old_matches[player] | set(new_of(player))
        rosters = dict(
            app_query(
                life.data_dir,
                player,
                "select stats.match_id, count(roster.xuid) from match_stats as stats "
                "left join match_participants as roster on stats.match_id = roster.match_id "
                "group by stats.match_id",
            )
        )
        assert set(rosters) == every, player
        assert all(n > 0 for n in rosters.values()), player
        for match_id in new_of(player):
            [(events, kills)] = app_query(
                life.data_dir,
                player,
                "select count(*), count(*) filter (where lower(event_type) = 'kill') "
                "from highlight_events where match_id = ?",
                [match_id],
            )
            assert events == EVENTS_PER_MATCH and kills > 0
            named = app_query(
                life.data_dir,
                player,
                "select roster.xuid, aliases.gamertag from match_participants as roster "
                "left join xuid_aliases as aliases on roster.xuid = aliases.xuid "
                "where roster.match_id = ?",
                [match_id],
            )
            assert len(named) == 8 and all(g for _, g in named), (player, match_id)
            [(kills, outcome, my_score)] = app_query(
                life.data_dir,
                player,
                "select kills, outcome, my_team_score from match_stats where match_id = ?",
                [match_id],
            )
            assert kills is not None and outcome is not None and my_score is not None
        # one spelling per event type in a DB, the new matches' included ('Kill' or 'kill')
        spellings = app_query(
            life.data_dir,
            player,
            "select lower(event_type), count(distinct event_type) from highlight_events group by 1",
        )
        assert {n for _, n in spellings} == {1}, (player, spellings)


def test_player_repository_sees_every_match(life: Lifecycle) -> None:
    for player in PLAYERS:
        repository = PlayerRepository(player, life.data_dir)
        frame = repository.matches()
        every = life.old_matches[player] | set(new_of(player))
        assert set(frame["match_id"].to_list()) == every
        newest = frame.row(0, named=True)
        assert newest["match_id"] == new_of(player)[-1]
        assert newest["player_count"] == len(NEW_MATCHES[_label(newest["match_id"])])
        for match_id in new_of(player):
            assert repository.match_participants(match_id).height == 8
            assert repository.highlight_events(match_id).height == EVENTS_PER_MATCH


def _label(match_id: str) -> str:
    return next(label for label, m in ID.items() if m == match_id)


def test_checklists_of_phases_2_3_and_5_are_green(life: Lifecycle) -> None:
    for player in PLAYERS:
        result = life.session.run(
            ["build", "--selector", "checklist_phase2"], player=player, check=False
        )
        assert result.ok, f"{player}: {result.summary()}"
        assert sum(n.resource_type == "test" for n in result.nodes) >= 6
    result = life.session.run(
        ["build", "--selector", "checklist_phase3"], landing=True, check=False
    )
    assert result.ok, result.summary()
    assert sum(n.name.startswith("assert_phase3") for n in result.nodes) == 5
    for player in CLEANED_UP:
        verify_player(life.data_dir, player, out=quiet)  # raises when the checklist fails


def test_nothing_shared_was_written_into_a_cleaned_db(life: Lifecycle) -> None:
    for player in CLEANED_UP:
        path = life.data_dir.player_db(player)
        assert inspect_player_db(path).state == CLEANED
        before, after = life.after_cleanup[player], contents(path)
        assert set(after) == set(before)  # no table added: the three are still views
        assert not set(after) & set(MOVED_TABLES)
        changed = {t for t in after if after[t] != before[t]}
        assert changed <= {*PERSONAL_TABLES, "sync_meta"}, changed
        [(stats,)] = app_query(
            life.data_dir,
            player,
            "select count(*) from match_stats where match_id = any(?)",
            [new_of(player)],
        )
        assert stats == len(new_of(player))
    # the DB not cleaned up got its v4 shared rows of the new matches (for the old app)
    kept = contents(life.data_dir.player_db(KEPT))
    for match_id in new_of(KEPT):
        assert sum(r[1] == match_id for r in kept["highlight_events"]) == EVENTS_PER_MATCH
        assert sum(r[0] == match_id for r in kept["match_participants"]) == 8


def test_restore_gives_back_the_pre_cleanup_rows_plus_every_match_synced_since(
    life: Lifecycle, tmp_path: Path
) -> None:
    player = CLEANED_UP[0]
    data_dir = DataDir(tmp_path / "data")
    for part in ("players", "warehouse", "backups", "landing"):
        shutil.copytree(life.data_dir.root / part, data_dir.root / part)
    lines: list[str] = []
    restore_player(data_dir, player, out=lines.append)
    path = data_dir.player_db(player)
    assert inspect_player_db(path).state == ORIGINAL
    assert f"{len(new_of(player))} match(es) synced since the backup" in lines[-1]

    pre, restored = life.pre_cleanup[player], contents(path)
    assert set(restored) == set(pre)
    new = set(new_of(player))
    rosters = {
        x
        for (x,) in app_query(
            data_dir,
            KEPT,
            f"select xuid from {WAREHOUSE_CATALOG}.main.match_participants where match_id = any(?)",
            [list(new)],
        )
    }
    match_column = {"match_stats": 0, "player_match_stats": 0, "medals_earned": 0}
    match_column |= {"match_participants": 0, "highlight_events": 1}
    for table, rows in restored.items():
        if table == "sync_meta":
            assert {r[0] for r in rows} >= {r[0] for r in pre[table]}
            continue
        if table == "xuid_aliases":
            # every alias is kept; those of the new matches' players are the warehouse's
            kept_rows = [r for r in pre[table] if r[0] not in rosters]
            assert set(kept_rows) <= set(rows)
            assert {r[0] for r in rows} == {r[0] for r in pre[table]} | rosters
            continue
        if table not in match_column:
            assert rows == pre[table], table  # untouched
            continue
        column = match_column[table]
        old = [r for r in rows if r[column] not in new]
        assert old == pre[table], table  # exactly the pre-cleanup rows
    per_match = Counter((t, r[c]) for t, c in match_column.items() for r in restored[t])
    for match_id in new:
        assert per_match[("match_stats", match_id)] == 1
        assert per_match[("match_participants", match_id)] == 8
        assert per_match[("highlight_events", match_id)] == EVENTS_PER_MATCH
        assert per_match[("medals_earned", match_id)] > 0
    # the rows of a match shared with the player not cleaned up are the same as his (his
    # older layout lacks the last participant column, avg_life_seconds; ids are each DB's own)
    shared = ID["kept_and_first"]
    kept = contents(data_dir.player_db(KEPT))
    mine = sorted(r[:14] for r in restored["match_participants"] if r[0] == shared)
    his = sorted(r for r in kept["match_participants"] if r[0] == shared)
    assert mine == his and len(his[0]) == 14

    def events(rows: list[tuple]) -> list[tuple]:  # (match_id, event type lower case, ...)
        return sorted((r[1], r[2].lower(), *r[3:]) for r in rows if r[1] == shared)

    assert events(restored["highlight_events"]) == events(kept["highlight_events"])
    assert {r[2] for r in kept["highlight_events"] if r[1] == shared} == {
        "Kill",
        "Death",
        "Medal",
        "Mode",
    }  # his DB's spelling
    result = DbtSession(data_dir).run(
        ["build", "--selector", "checklist_phase2"], player=player, check=False
    )
    assert result.ok, result.summary()
