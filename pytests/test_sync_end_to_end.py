"""End to end: ingest, migration and syncs of several players on real DuckDB files, real dbt
and the real spnkr client talking to the local fake API.

The world (built once for the module, in this order; one dbt build in all, to stay fast):
1. aCurtis X89's DB is ingested from the recorded oddball match (stats + film + history
   row), then migrated: the warehouse knows the oddball match;
2. DrMeow8907 (also in the oddball match) syncs once, at most one match: his newest;
3. SalmonSummer83 (also in the oddball match) syncs: two new generated matches, the oddball
   match known through aCurtis;
4. DrMeow8907 syncs again: two new matches of his; the oddball match, known to the warehouse
   through aCurtis, does not stop the paging; his own newest match does.
The syncs skip their warehouse build (the ingest's build is the same call); the benchmark
runs the syncs with their builds.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import duckdb
import pytest

from fake_halo_api import (
    ODDBALL_ID,
    FakeHaloApi,
    fixtures_dir,
    generated_id,
    roster,
    sync_with_fake_api,
)
from reference_transform import asset_refs, human_players
from shared_matches.ingest import IngestSummary, ingest_recorded
from shared_matches.paths import DataDir
from shared_matches.sync.summary import FULL_MATCH_ENDPOINTS, SyncSummary

ROOT = fixtures_dir()
ACURTIS = ("aCurtis X89", "2535445291321133")
SALMON = ("SalmonSummer83", "2535412760927018")
MEOW = ("DrMeow8907", "2535429868095076")
BOMBER = ("Powerbomber", "2607664605684595")
ODDBALL = json.loads((ROOT / "responses" / "get_match_stats_oddball.json").read_text())
GENERATED = {  # label: (start time, tracked players in it)
    "meow_older": (datetime(2025, 1, 10, 20), [MEOW]),
    "meow_old": (datetime(2025, 1, 12, 20), [MEOW]),
    "meow_mid": (datetime(2025, 1, 20, 20), [MEOW]),
    "salmon_mid": (datetime(2025, 2, 2, 20), [SALMON]),
    "salmon_new": (datetime(2025, 2, 3, 20), [SALMON]),
    "meow_new": (datetime(2025, 2, 5, 20), [MEOW]),
}
ID = {label: generated_id(label) for label in GENERATED} | {"oddball": ODDBALL_ID}
ASSET_ENDPOINTS = ("playlist", "map", "map_mode_pair", "game_variant")


@dataclass
class World:
    data_dir: DataDir
    fake: FakeHaloApi
    ingest: IngestSummary
    events_after_ingest: dict[tuple[str, str], int]
    meow_first: SyncSummary
    salmon: SyncSummary
    meow_second: SyncSummary
    meow_second_calls: Counter[str]
    bomber: SyncSummary


def warehouse_rows(data_dir: DataDir, sql: str, params: list | None = None) -> list[tuple]:
    con = duckdb.connect(str(data_dir.warehouse), read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


def player_rows(data_dir: DataDir, gamertag: str, sql: str, params: list | None = None):
    con = duckdb.connect(str(data_dir.player_db(gamertag)), read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


def kill_death_counts(data_dir: DataDir, match_id: str) -> dict[tuple[str, str], int]:
    rows = warehouse_rows(
        data_dir,
        "select xuid, event_type, count(*) from highlight_events "
        "where match_id = ? and event_type in ('kill', 'death') group by all",
        [match_id],
    )
    return {(x, t): n for x, t, n in rows}


def api_kill_death_counts(stats: dict) -> dict[tuple[str, str], int]:
    out = {}
    for xuid, player in human_players(stats):
        cores = [ts["Stats"]["CoreStats"] for ts in player["PlayerTeamStats"]]
        out[(xuid, "kill")] = sum(c["Kills"] for c in cores)
        out[(xuid, "death")] = sum(c["Deaths"] for c in cores)
    return {k: v for k, v in out.items() if v}


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> World:
    root = tmp_path_factory.mktemp("sync_world")
    data_dir = DataDir(root / "data")

    recorded = root / "recorded"
    for name, target in {
        "get_match_stats_oddball.json": ROOT / "responses" / "get_match_stats_oddball.json",
        "get_match_history.json": ROOT / "responses" / "get_match_history.json",
        f"38_{ODDBALL_ID}.gzip": ROOT / "film" / f"38_{ODDBALL_ID}.gzip",
    }.items():
        recorded.mkdir(exist_ok=True)
        (recorded / name).symlink_to(target)
    ingest = ingest_recorded(data_dir, ACURTIS[0], recorded)  # + migration
    events_after_ingest = kill_death_counts(data_dir, ODDBALL_ID)

    fake = FakeHaloApi()
    fake.load_real_fixtures()
    for label, (start, tracked) in GENERATED.items():
        fake.add_generated_match(ID[label], start, roster([(x, g) for g, x in tracked], label))
    for gamertag, xuid in (ACURTIS, SALMON, MEOW, BOMBER):
        fake.add_user(gamertag, xuid)
    salmon_ids = [ID["oddball"], ID["salmon_mid"], ID["salmon_new"]]
    fake.set_history(SALMON[1], salmon_ids)
    fake.set_history(MEOW[1], [ID["meow_older"], ID["meow_old"]])
    fake.set_history(BOMBER[1], [ODDBALL_ID])

    with fake.running_in_thread():
        meow_first = sync_with_fake_api(fake, data_dir, MEOW[0], max_matches=1, build=False)
        salmon = sync_with_fake_api(fake, data_dir, SALMON[0], build=False)
        meow_ids = ["meow_older", "meow_old", "meow_mid", "oddball", "meow_new"]
        fake.set_history(MEOW[1], [ID[m] for m in meow_ids])
        before = Counter(fake.requests)
        meow_second = sync_with_fake_api(fake, data_dir, MEOW[0], build=False)
        meow_second_calls = Counter(fake.requests) - before
        bomber = sync_with_fake_api(fake, data_dir, BOMBER[0], build=False, personal_stats=True)
    return World(
        data_dir,
        fake,
        ingest,
        events_after_ingest,
        meow_first,
        salmon,
        meow_second,
        meow_second_calls,
        bomber,
    )


def test_ingest_and_migration_of_the_real_oddball_match_keeps_kills_and_deaths(
    world: World,
) -> None:
    assert world.ingest.written == [ODDBALL_ID]
    assert world.events_after_ingest == api_kill_death_counts(ODDBALL)


def test_new_matches_are_fetched_in_full_and_migrated(world: World) -> None:
    assert world.salmon.new == [ID["salmon_mid"], ID["salmon_new"]]  # oldest first
    for label in ("salmon_mid", "salmon_new"):
        calls = world.fake.calls_for(ID[label])
        assert all(calls[e] == 1 for e in FULL_MATCH_ENDPOINTS), (label, calls)
        stats = world.fake.matches[ID[label]].stats
        [(events,)] = player_rows(
            world.data_dir,
            SALMON[0],
            "select count(*) from highlight_events where match_id = ?",
            [ID[label]],
        )
        assert events == len(world.fake.oddball_template.events)
        [(participants,)] = player_rows(
            world.data_dir,
            SALMON[0],
            "select count(*) from match_participants where match_id = ?",
            [ID[label]],
        )
        assert participants == len(human_players(stats))
    assert world.salmon.build_seconds is None  # build=False


def test_a_match_known_to_the_warehouse_costs_no_api_call(world: World) -> None:
    assert world.salmon.known == [ODDBALL_ID]
    assert world.salmon.calls_for_known == Counter()
    assert world.salmon.film_calls_for_known == 0
    # no one but Powerbomber (--personal-stats, below) asked the API about it
    assert world.fake.calls_for(ODDBALL_ID) == Counter({"match_stats": 1})
    assert world.salmon.calls_saved == len(FULL_MATCH_ENDPOINTS)
    assert "calls saved versus a sync that ignores the warehouse" in world.salmon.format()


def test_a_known_match_is_filled_from_the_warehouse_in_the_players_db(world: World) -> None:
    me = dict(human_players(ODDBALL))[SALMON[1]]
    core = me["PlayerTeamStats"][0]["Stats"]["CoreStats"]
    [(kills, deaths, assists, outcome, team_id, my_score, enemy_score, bits)] = player_rows(
        world.data_dir,
        SALMON[0],
        "select kills, deaths, assists, outcome, team_id, my_team_score, enemy_team_score, "
        "backfill_completed from match_stats where match_id = ?",
        [ODDBALL_ID],
    )
    teams = {t["TeamId"]: t["Stats"]["CoreStats"]["Score"] for t in ODDBALL["Teams"]}
    assert (kills, deaths, assists) == (core["Kills"], core["Deaths"], core["Assists"])
    assert (outcome, team_id) == (me["Outcome"], me["LastTeamId"])
    assert (my_score, enemy_score) == (teams[me["LastTeamId"]], teams[1 - me["LastTeamId"]])
    assert bits & 2 and bits & 512 and not bits & 1  # events, roster; no medals without stats
    copied = player_rows(
        world.data_dir,
        SALMON[0],
        "select xuid, event_type, time_ms from highlight_events where match_id = ? order by all",
        [ODDBALL_ID],
    )
    in_warehouse = warehouse_rows(
        world.data_dir,
        "select xuid, event_type, time_ms from highlight_events where match_id = ? order by all",
        [ODDBALL_ID],
    )
    assert copied == in_warehouse and len(copied) == 640
    roster_rows = player_rows(
        world.data_dir,
        SALMON[0],
        "select xuid, gamertag from match_participants where match_id = ? order by xuid",
        [ODDBALL_ID],
    )
    assert [x for x, _ in roster_rows] == sorted(x for x, _ in human_players(ODDBALL))
    assert all(g for _, g in roster_rows)


def test_max_matches_takes_the_newest(world: World) -> None:
    assert world.meow_first.new == [ID["meow_old"]]


def test_paging_stops_at_the_players_own_newest_match_not_at_a_known_one(world: World) -> None:
    second = world.meow_second
    assert second.stopped_at == ID["meow_old"]
    assert second.new == [ID["meow_mid"], ID["meow_new"]]
    assert second.known == [ODDBALL_ID]  # known through aCurtis: the paging went on
    assert world.fake.calls_for(ID["meow_older"]) == Counter()  # below the stop: never asked
    assert world.meow_second_calls["match_stats"] == 2
    assert world.meow_second_calls["film_manifest"] == 2
    assert world.meow_second_calls["match_skill"] == 2
    assert world.fake.calls_for(ODDBALL_ID)["film_manifest"] == 0
    synced = player_rows(world.data_dir, MEOW[0], "select match_id from match_stats")
    labels = ("meow_old", "meow_mid", "oddball", "meow_new")
    assert sorted(m for (m,) in synced) == sorted(ID[label] for label in labels)


def test_asset_names_are_fetched_once_per_asset_version(world: World) -> None:
    fetched = [
        world.fake.matches[m].stats
        for m in world.fake.matches
        if world.fake.calls_for(m)["match_skill"]  # fetched in full
    ]
    versions = {ref for stats in fetched for ref in asset_refs(stats["MatchInfo"])}
    assert sum(world.fake.requests[e] for e in ASSET_ENDPOINTS) == len(versions)
    assert (world.data_dir.root / "cache" / "halo_asset_names.json").is_file()


def test_the_cli_summary_names_every_endpoint(world: World, tmp_path: Path) -> None:
    text = world.meow_second.format()
    for endpoint in ("match_history", "match_stats", "match_skill", "film_manifest"):
        assert endpoint in text
    assert "stopped at" in text


def test_personal_stats_cost_one_call_and_fill_the_medals(world: World) -> None:
    assert world.bomber.known == [ODDBALL_ID]
    assert world.bomber.calls_for_known == Counter({"match_stats": 1})  # no film, no skill
    me = dict(human_players(ODDBALL))[BOMBER[1]]
    core = me["PlayerTeamStats"][0]["Stats"]["CoreStats"]
    medals = player_rows(
        world.data_dir, BOMBER[0], "select medal_name_id, count from medals_earned order by 1"
    )
    assert medals == sorted((m["NameId"], m["Count"]) for m in core["Medals"])
    [(headshots, bits, events)] = player_rows(
        world.data_dir,
        BOMBER[0],
        "select headshot_kills, backfill_completed, "
        "(select count(*) from highlight_events) from match_stats",
    )
    assert headshots == core["HeadshotKills"]
    assert bits & 1 and bits & 2 and bits & 512
    assert events == len(world.fake.oddball_template.events)
