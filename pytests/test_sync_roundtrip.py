"""Round trip on the real recorded matches (oddball with its film, the other modes, bots,
infection's thirteen players on twelve teams): three players sync them through the landing
(warehouse A); the v4 DBs the sync wrote for them (none is cleaned up) are migrated, and
nothing else, into an empty warehouse (phase 2: warehouse B). For every column the v4
layout holds, B has the same shared rows as A.

Every column that differs is listed in DIFFERENCES with the reason; the test fails on any
other difference, and on a listed one that is gone.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest

from helpers import quiet
from shared_matches.migrate import migrate_players
from shared_matches.paths import DataDir
from shared_matches.testing.fake_halo_api import FakeHaloApi, sync_with_fake_api

ACURTIS = ("aCurtis X89", "2535445291321133")  # in every recorded match
SALMON = ("SalmonSummer83", "2535412760927018")  # in six of them
INFECTED = ("InfectionPlayer", "2533274964913144")  # in four, the infection match among them
PLAYERS = (ACURTIS, SALMON, INFECTED)
KEYS = {
    "match_registry": ["match_id"],
    "match_players": ["match_id", "player_xuid"],
    "match_teams": ["match_id", "team_id"],
    "match_participants": ["match_id", "xuid"],
    "match_medals": ["match_id", "xuid", "medal_name_id"],
    "highlight_events": [
        "match_id",
        "time_ms",
        "event_type",
        "xuid",
        "type_hint",
        "medal_value",
        "occurrence",
    ],
    "xuid_aliases": ["xuid"],
}
# what a copy's provenance is (which source, which copy won, when): never the same
PROVENANCE = ("source_kind", "source_player_xuid", "source_updated_at", "is_owner_row")
# The columns whose values differ between A (from the landing) and B (from the v4 DBs), and
# why. "others" are the participants who are not the copy's owner: v4 keeps the owner-only
# columns (match_stats, player_match_stats) for the owner's own row only.
OWNER_ONLY = (
    "personal_score kda accuracy headshot_kills grenade_kills melee_kills power_weapon_kills "
    "max_killing_spree time_played_seconds is_present_at_end team_mmr enemy_mmr "
    "kills_expected kills_stddev deaths_expected deaths_stddev"
).split()
DIFFERENCES = {
    ("match_registry", "film_state"): "v4 has no film state (the landing's 404 / loaded ...)",
    ("match_players", "film_state"): "v4 has no film state",
    ("match_registry", "duration_seconds"): "v4 has no duration: B takes the longest time "
    "played, A the API's MatchInfo.Duration",
    ("match_players", "duration_seconds"): "v4 has no duration",
    ("match_registry", "team_0_score"): "v4 gives the enemy score without its team id: where "
    "the humans are all on one team (bots on the other), B cannot place it",
    ("match_registry", "team_1_score"): "same as team_0_score",
    ("match_teams", "rows"): "same: the enemy team of those matches is missing from B",
    ("match_medals", "rows"): "v4 keeps the owner's medals only (medals_earned): B lacks the "
    "other participants' medals",
} | {
    ("match_participants", column): "others: v4 keeps it for the owner's own row only"
    for column in OWNER_ONLY
}


@dataclass
class RoundTrip:
    a: DataDir
    b: DataDir


def compare(a: Path, b: Path) -> tuple[dict[tuple[str, str], int], duckdb.DuckDBPyConnection]:
    """(table, column) -> rows of the same key whose values differ; (table, 'rows') -> rows
    of one warehouse without a row of that key in the other."""
    con = duckdb.connect()
    con.execute(f"attach '{a}' as a (read_only)")
    con.execute(f"attach '{b}' as b (read_only)")
    found: dict[tuple[str, str], int] = {}
    for table, key in KEYS.items():
        on = " and ".join(f"x.{c} is not distinct from y.{c}" for c in key)
        lonely = con.execute(
            f"select (select count(*) from a.{table} x anti join b.{table} y on {on}) "
            f"+ (select count(*) from b.{table} x anti join a.{table} y on {on})"
        ).fetchone()[0]
        if lonely:
            found[(table, "rows")] = lonely
        columns = [
            r[0]
            for r in con.execute(
                "select column_name from information_schema.columns where table_catalog = 'a' "
                "and table_name = ? order by ordinal_position",
                [table],
            ).fetchall()
        ]
        for column in columns:
            if column in key or column in PROVENANCE:
                continue
            differ = con.execute(
                f"select count(*) from a.{table} x join b.{table} y on {on} "
                f"where x.{column} is distinct from y.{column}"
            ).fetchone()[0]
            if differ:
                found[(table, column)] = differ
    return found, con


@pytest.fixture(scope="module")
def roundtrip(tmp_path_factory: pytest.TempPathFactory) -> RoundTrip:
    root = tmp_path_factory.mktemp("roundtrip")
    a, b = DataDir(root / "a"), DataDir(root / "b")
    fake = FakeHaloApi()
    ids = fake.load_real_fixtures()
    for gamertag, xuid in PLAYERS:
        fake.add_user(gamertag, xuid)
        mine = [
            m
            for m in ids
            if f"xuid({xuid})" in {p["PlayerId"] for p in fake.matches[m].stats["Players"]}
        ]
        fake.set_history(xuid, mine)
    with fake.running_in_thread():
        for gamertag, _ in PLAYERS:
            sync_with_fake_api(fake, a, gamertag)
    for gamertag, _ in PLAYERS:
        shutil.copytree(a.players_dir / gamertag, b.players_dir / gamertag)
    migrate_players(b, [g for g, _ in PLAYERS], say=quiet)
    return RoundTrip(a, b)


def test_the_world_holds_every_kind_of_real_match(roundtrip: RoundTrip) -> None:
    _, con = compare(roundtrip.a.warehouse, roundtrip.b.warehouse)
    try:
        [(matches, copies, events, infection_teams, bot_matches)] = con.execute(
            "select count(*), sum(player_count), "
            "(select count(*) from a.highlight_events), "
            "(select max(n) from (select count(distinct team_id) as n "
            "from a.match_participants group by match_id)), "
            "(select count(*) from (select match_id from a.match_participants group by 1 "
            "having count(*) = 1)) from a.match_registry"
        ).fetchall()
    finally:
        con.close()
    assert (matches, copies, events) == (10, 20, 640)
    # infection: 13 players ending on 12 teams; four matches of one human against bots
    assert infection_teams == 12 and bot_matches == 4


def test_the_v4_dbs_give_back_the_same_shared_rows(roundtrip: RoundTrip) -> None:
    found, con = compare(roundtrip.a.warehouse, roundtrip.b.warehouse)
    try:
        assert set(found) == set(DIFFERENCES), {k: v for k, v in found.items()}
        # the owner-only columns differ on the others' rows only: the owners' are the same
        for column in OWNER_ONLY:
            [(owners_differ,)] = con.execute(
                "select count(*) from a.match_participants x join b.match_participants y "
                "using (match_id, xuid) semi join a.match_players p "
                "on x.match_id = p.match_id and x.xuid = p.player_xuid "
                f"where x.{column} is distinct from y.{column}"
            ).fetchall()
            assert owners_differ == 0, column
        # the medals B lacks are the others' only; the owners' are all there, same counts
        [(owners_missing,)] = con.execute(
            "select count(*) from a.match_medals x semi join a.match_players p "
            "on x.match_id = p.match_id and x.xuid = p.player_xuid "
            "anti join b.match_medals y using (match_id, xuid, medal_name_id)"
        ).fetchall()
        assert owners_missing == 0
        # the teams B lacks are the enemies of matches whose humans are all on one team
        lacking = con.execute(
            "select match_id from a.match_teams x anti join b.match_teams y "
            "using (match_id, team_id)"
        ).fetchall()
        for (match_id,) in lacking:
            [(teams,)] = con.execute(
                "select count(distinct team_id) from a.match_participants where match_id = ?",
                [match_id],
            ).fetchall()
            assert teams == 1, match_id
        assert found[("match_teams", "rows")] == len(lacking) == 5
        # B's duration is the longest time played: within a minute of the API's
        [(worst,)] = con.execute(
            "select max(abs(x.duration_seconds - y.duration_seconds)) from a.match_registry x "
            "join b.match_registry y using (match_id)"
        ).fetchall()
        assert worst < 60
    finally:
        con.close()


def test_first_synced_at_is_the_earliest_copy(roundtrip: RoundTrip) -> None:
    """A's aCurtis copies were first synced when his history page was landed; a later build
    (SalmonSummer83's sync of the same matches) merges aCurtis's copy again from his stats
    response alone, fetched later: its first_synced_at must stay the earlier one, as the v4
    DB written after aCurtis's own sync kept it."""
    _, con = compare(roundtrip.a.warehouse, roundtrip.b.warehouse)
    try:
        later = con.execute(
            "select x.match_id, x.first_synced_at, y.first_synced_at from a.match_players x "
            "join b.match_players y using (match_id, player_xuid) "
            "where x.first_synced_at > y.first_synced_at"
        ).fetchall()
    finally:
        con.close()
    assert later == []
