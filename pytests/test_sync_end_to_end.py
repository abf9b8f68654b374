"""End to end: ingest and syncs of several players on real DuckDB files, real dbt (the phase-3
build after every sync) and the real spnkr client talking to the local fake API.

The world (built once for the module, in this order):
1. aCurtis X89 is ingested from the recorded oddball match (stats + film + history row): the
   warehouse knows the oddball match, film included;
2. DrMeow8907 (also in the oddball match) syncs once, at most one match: his newest;
3. SalmonSummer83 (also in the oddball match) syncs: four new generated matches, two of them
   also DrMeow8907's and without film (a 404 manifest; a manifest without highlight-events
   chunk); the oddball match is known through aCurtis;
4. DrMeow8907 syncs again: two new matches of his; the oddball match and the two film-less
   matches are known (0 calls, no film call either); the oddball match, known through
   aCurtis, does not stop the paging; his own newest match does.
"""

from __future__ import annotations

import json
import shutil
from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import pytest

from helpers import SHARED_TABLES, rows
from reference_transform import asset_refs, human_players
from shared_matches.dbt_session import DbtSession
from shared_matches.ingest import IngestSummary, ingest_recorded
from shared_matches.landing.schema import landing_path
from shared_matches.paths import DataDir
from shared_matches.sync.summary import FULL_MATCH_ENDPOINTS, SyncSummary
from shared_matches.testing.fake_halo_api import (
    ODDBALL_ID,
    FakeHaloApi,
    fixtures_dir,
    generated_id,
    roster,
    sync_with_fake_api,
)

ROOT = fixtures_dir()
ACURTIS = ("aCurtis X89", "2535445291321133")
SALMON = ("SalmonSummer83", "2535412760927018")
MEOW = ("DrMeow8907", "2535429868095076")
ODDBALL = json.loads((ROOT / "responses" / "get_match_stats_oddball.json").read_text())
GENERATED = {  # label: (start time, tracked players in it, asset variant)
    "meow_older": (datetime(2025, 1, 10, 20), [MEOW], 0),
    "meow_old": (datetime(2025, 1, 12, 20), [MEOW], 0),
    "meow_mid": (datetime(2025, 1, 20, 20), [MEOW], 1),
    "no_film": (datetime(2025, 1, 30, 20), [SALMON, MEOW], 0),
    "no_highlights": (datetime(2025, 1, 31, 20), [SALMON, MEOW], 1),
    "salmon_mid": (datetime(2025, 2, 2, 20), [SALMON], 0),
    "salmon_new": (datetime(2025, 2, 3, 20), [SALMON], 1),
    "meow_new": (datetime(2025, 2, 5, 20), [MEOW], 0),
}
ID = {label: generated_id(label) for label in GENERATED} | {"oddball": ODDBALL_ID}
FILMLESS = {"no_film": "404", "no_highlights": "no_highlights"}
ASSET_ENDPOINTS = ("playlist", "map", "map_mode_pair", "game_variant")


@dataclass
class World:
    data_dir: DataDir
    fake: FakeHaloApi
    ingest: IngestSummary
    meow_first: SyncSummary
    salmon: SyncSummary
    meow_second: SyncSummary
    meow_second_calls: Counter[str]


def warehouse_rows(data_dir: DataDir, sql: str, params: list | None = None) -> list[tuple]:
    return rows(data_dir.warehouse, sql, params)


def player_rows(data_dir: DataDir, gamertag: str, sql: str, params: list | None = None):
    return rows(data_dir.player_db(gamertag), sql, params)


def kill_death_counts(data_dir: DataDir, match_id: str) -> dict[tuple[str, str], int]:
    counted = warehouse_rows(
        data_dir,
        "select xuid, event_type, count(*) from highlight_events "
        "where match_id = ? and event_type in ('kill', 'death') group by all",
        [match_id],
    )
    return {(x, t): n for x, t, n in counted}


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
    recorded.mkdir()
    for name, target in {
        "get_match_stats_oddball.json": ROOT / "responses" / "get_match_stats_oddball.json",
        "get_match_history.json": ROOT / "responses" / "get_match_history.json",
        f"38_{ODDBALL_ID}.gzip": ROOT / "film" / f"38_{ODDBALL_ID}.gzip",
    }.items():
        (recorded / name).symlink_to(target)
    ingest = ingest_recorded(data_dir, ACURTIS[0], recorded)  # landed + phase-3 build

    fake = FakeHaloApi()
    fake.load_real_fixtures()
    for label, (start, tracked, variant) in GENERATED.items():
        players = roster([(x, g) for g, x in tracked], label)
        fake.add_generated_match(ID[label], start, players, variant=variant)
    for label, how in FILMLESS.items():
        fake.break_film(ID[label], how)
    for gamertag, xuid in (ACURTIS, SALMON, MEOW):
        fake.add_user(gamertag, xuid)
    salmon_ids = ["oddball", "no_film", "no_highlights", "salmon_mid", "salmon_new"]
    fake.set_history(SALMON[1], [ID[m] for m in salmon_ids])
    fake.set_history(MEOW[1], [ID["meow_older"], ID["meow_old"]])

    with fake.running_in_thread():
        meow_first = sync_with_fake_api(fake, data_dir, MEOW[0], max_matches=1)
        salmon = sync_with_fake_api(fake, data_dir, SALMON[0])
        meow_ids = ["meow_older", "meow_old", "meow_mid", "oddball", "no_film", "no_highlights"]
        fake.set_history(MEOW[1], [ID[m] for m in [*meow_ids, "meow_new"]])
        before = Counter(fake.requests)
        meow_second = sync_with_fake_api(fake, data_dir, MEOW[0])
        meow_second_calls = Counter(fake.requests) - before
    return World(data_dir, fake, ingest, meow_first, salmon, meow_second, meow_second_calls)


def test_ingest_of_the_real_oddball_match_keeps_kills_and_deaths(world: World) -> None:
    assert world.ingest.written == [ODDBALL_ID]
    assert kill_death_counts(world.data_dir, ODDBALL_ID) == api_kill_death_counts(ODDBALL)


def test_new_matches_are_fetched_in_full_landed_and_merged(world: World) -> None:
    new = ["no_film", "no_highlights", "salmon_mid", "salmon_new"]
    assert world.salmon.new == [ID[label] for label in new]  # oldest first
    for label in ("salmon_mid", "salmon_new"):
        calls = world.fake.calls_for(ID[label])
        assert all(calls[e] == 1 for e in FULL_MATCH_ENDPOINTS), (label, calls)
        [(events,)] = player_rows(
            world.data_dir,
            SALMON[0],
            "select count(*) from highlight_events where match_id = ?",
            [ID[label]],
        )
        assert events == len(world.fake.oddball_template.events)
        stats = world.fake.matches[ID[label]].stats
        [(participants,)] = player_rows(
            world.data_dir,
            SALMON[0],
            "select count(*) from match_participants where match_id = ?",
            [ID[label]],
        )
        assert participants == len(human_players(stats))
    # a 404 manifest: no chunk asked for; a manifest without highlight chunk: none either
    assert world.fake.calls_for(ID["no_film"]) == Counter(
        match_stats=1, match_skill=1, film_manifest=1
    )
    assert world.fake.calls_for(ID["no_highlights"])["film_chunk"] == 0
    reasons = dict(world.salmon.no_film)
    assert reasons == {
        ID["no_film"]: "no film for this match (404)",
        ID["no_highlights"]: "the film has no highlight-events chunk",
    }
    assert world.salmon.build_seconds is not None and world.salmon.build_seconds > 0
    # everything the sync fetched was landed as received
    landed = dict(
        rows(
            landing_path(world.data_dir),
            "select kind, count(*) from responses where fetched_by = ? group by 1",
            [SALMON[0]],
        )
    )
    assert landed["match_stats"] == 4 and landed["match_skill"] == 4
    assert landed["film_manifest"] == 4 and landed["film_chunk"] == 2
    assert landed["match_history"] == world.salmon.calls["match_history"]


def test_a_known_match_costs_no_api_call_film_included(world: World) -> None:
    assert world.salmon.known == [ODDBALL_ID]
    # nobody asked the API about the oddball match: aCurtis's ingest brought it
    assert world.fake.calls_for(ODDBALL_ID) == Counter()
    assert world.salmon.calls_saved == len(FULL_MATCH_ENDPOINTS)
    assert "calls saved versus a sync that ignores the warehouse" in world.salmon.format()


def test_a_match_whose_film_does_not_exist_is_asked_for_once(world: World) -> None:
    # Salmon's sync landed the missing films once; Meow's sync of the same matches: 0 calls
    assert set(world.meow_second.known) >= {ID["no_film"], ID["no_highlights"]}
    for label in FILMLESS:
        calls = world.fake.calls_for(ID[label])
        assert calls["film_manifest"] == 1 and calls["match_stats"] == 1, (label, calls)
    states = dict(
        warehouse_rows(
            world.data_dir,
            "select match_id, film_state from match_registry where match_id = any(?)",
            [[ID["no_film"], ID["no_highlights"]]],
        )
    )
    assert states == {ID["no_film"]: "not_found", ID["no_highlights"]: "no_highlights"}
    # Meow still gets his rows of them (not cleaned: roster too; no events to give)
    [(stats_rows, roster_rows)] = player_rows(
        world.data_dir,
        MEOW[0],
        "select count(*), (select count(*) from match_participants where match_id = ?) "
        "from match_stats where match_id = ?",
        [ID["no_film"], ID["no_film"]],
    )
    assert stats_rows == 1 and roster_rows == 8


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
    # medals (every participant's are shared), events, roster: all at 0 API calls
    assert bits & 1 and bits & 2 and bits & 512
    medals = player_rows(
        world.data_dir,
        SALMON[0],
        "select medal_name_id, count from medals_earned where match_id = ? order by 1",
        [ODDBALL_ID],
    )
    assert medals == sorted((m["NameId"], m["Count"]) for m in core["Medals"])
    sql = "select xuid, event_type, time_ms from highlight_events where match_id = ? order by all"
    copied = player_rows(world.data_dir, SALMON[0], sql, [ODDBALL_ID])
    assert copied == warehouse_rows(world.data_dir, sql, [ODDBALL_ID]) and len(copied) == 640
    roster_rows = player_rows(
        world.data_dir,
        SALMON[0],
        "select xuid, gamertag from match_participants where match_id = ? order by xuid",
        [ODDBALL_ID],
    )
    assert [x for x, _ in roster_rows] == sorted(x for x, _ in human_players(ODDBALL))
    assert all(g for _, g in roster_rows)  # the film names every participant


def test_max_matches_takes_the_newest(world: World) -> None:
    assert world.meow_first.new == [ID["meow_old"]]


def test_paging_stops_at_the_players_own_newest_match_not_at_a_known_one(world: World) -> None:
    second = world.meow_second
    assert second.stopped_at == ID["meow_old"]
    assert second.new == [ID["meow_mid"], ID["meow_new"]]
    # known through aCurtis and Salmon: the paging went on past them
    assert second.known == [ODDBALL_ID, ID["no_film"], ID["no_highlights"]]
    assert world.fake.calls_for(ID["meow_older"]) == Counter()  # below the stop: never asked
    for endpoint in FULL_MATCH_ENDPOINTS:
        assert world.meow_second_calls[endpoint] == 2, endpoint
    synced = player_rows(world.data_dir, MEOW[0], "select match_id from match_stats")
    labels = ("meow_old", "meow_mid", "oddball", "no_film", "no_highlights", "meow_new")
    assert sorted(m for (m,) in synced) == sorted(ID[label] for label in labels)


def test_asset_versions_are_fetched_once_ever(world: World) -> None:
    fetched = [
        world.fake.matches[m].stats
        for m in world.fake.matches
        if world.fake.calls_for(m)["match_skill"]  # fetched in full
    ]
    versions = {ref for stats in fetched for ref in asset_refs(stats["MatchInfo"])}
    assert len(versions) == 8  # two asset variants of four assets
    assert sum(world.fake.requests[e] for e in ASSET_ENDPOINTS) == len(versions)
    names = warehouse_rows(
        world.data_dir,
        "select distinct map_name, playlist_name from match_registry where match_id = any(?)",
        [[ID["salmon_mid"], ID["salmon_new"]]],
    )
    assert names and all(m and p for m, p in names)


def test_the_summary_names_every_endpoint(world: World) -> None:
    text = world.meow_second.format()
    for endpoint in ("match_history", "match_stats", "match_skill", "film_manifest"):
        assert endpoint in text
    assert "stopped at" in text and "3 known" in text


def test_a_sync_build_merges_what_a_reprocess_of_the_whole_landing_merges(
    world: World, tmp_path: Path
) -> None:
    """A sync's phase-3 build reads the landing's rows of its own matches only (macro
    landing_batch_match_ids). Meow's second sync merged three matches landed long before,
    seen again in his history only (oddball, no_film, no_highlights), and his new ones. A
    reprocess reads every landed response again: their rows come out the same."""
    batch = [ID[m] for m in ("meow_older", "meow_old", "meow_mid", "oddball", "no_film")]
    batch += [ID["no_highlights"], ID["meow_new"]]

    def batch_rows(data_dir: DataDir) -> dict[str, list[tuple]]:
        tables = [t for t in SHARED_TABLES if t != "xuid_aliases"]
        found = {
            t: rows(
                data_dir.warehouse,
                f"select * from {t} where match_id = any(?) order by all",
                [batch],
            )
            for t in tables
        }
        found["xuid_aliases"] = rows(data_dir.warehouse, "select * from xuid_aliases order by all")
        return found

    copy = DataDir(tmp_path / "data")
    shutil.copytree(world.data_dir.root, copy.root, ignore=shutil.ignore_patterns(".dbt"))
    before = batch_rows(copy)
    assert all(before.values()), {t: len(r) for t, r in before.items()}
    result = DbtSession(copy).run(
        ["build", "--selector", "phase3"], landing=True, vars={"reprocess": True}
    )
    assert result.ok, result.summary()
    [(merged,)] = rows(
        copy.warehouse, "select matches_merged from merged_sources where source_id = 'halo_api'"
    )
    assert merged > len(batch)  # every landed match merged again
    assert batch_rows(copy) == before
