"""Transformers from the real Halo API responses to v4 rows (recorded responses, no server)."""

from __future__ import annotations

import copy
import json
from collections import Counter
from datetime import datetime
from pathlib import Path

import pytest
from spnkr.film import highlight_events

from fake_halo_api import ODDBALL_ID, fixtures_dir
from reference_transform import (
    FilmEvent,
    build_match_rows,
    human_players,
    player_match_stats_row,
    validate_match_stats,
)
from shared_matches.sync.parsing import MatchDataError, duration_seconds, timestamp, xuid_of

NOW = datetime(2025, 6, 1, 12, 0, 0)
ROOT = fixtures_dir()
STATS_FILES = sorted((ROOT / "responses").glob("get_match_stats*.json")) + [
    ROOT / "film" / "match_stats.json"
]


def load(path: Path) -> dict:
    return json.loads(path.read_text())


def first_human(stats: dict) -> str:
    return human_players(stats)[0][0]


def test_parsing_functions_read_the_api_formats() -> None:
    assert xuid_of("xuid(2535445291321133)") == "2535445291321133"
    assert xuid_of("bid(58.0)") is None
    assert duration_seconds("PT18M31.2141873S") == pytest.approx(18 * 60 + 31.2141873)
    assert duration_seconds("PT1H2M3S") == 3723
    assert duration_seconds("garbage") is None
    assert timestamp("2025-01-29T04:20:33.441Z") == datetime(2025, 1, 29, 4, 20, 33, 441000)
    assert timestamp("2025-01-29T04:20:33.4417777Z") == datetime(2025, 1, 29, 4, 20, 33, 441777)


@pytest.mark.parametrize("path", STATS_FILES, ids=lambda p: p.name)
def test_every_recorded_match_transforms(path: Path) -> None:
    stats = load(path)
    owner = first_human(stats)
    rows = build_match_rows(stats, owner, "Owner", asset_names={}, now=NOW)

    humans = [p for p in stats["Players"] if p["PlayerId"].startswith("xuid(")]
    assert len(rows.participants) == len(humans)  # bots (bid(..)) skipped
    assert all(r["xuid"].isdigit() and len(r["xuid"]) == 16 for r in rows.participants)

    me = next(p for p in stats["Players"] if p["PlayerId"] == f"xuid({owner})")
    cores = [ts["Stats"]["CoreStats"] for ts in me["PlayerTeamStats"]]
    ms = rows.match_stats
    assert ms["match_id"] == stats["MatchId"].lower()
    assert ms["kills"] == sum(c["Kills"] for c in cores)
    assert ms["deaths"] == sum(c["Deaths"] for c in cores)
    assert ms["team_id"] == me["LastTeamId"]
    assert ms["outcome"] == me["Outcome"]
    scores = {t["TeamId"]: t["Stats"]["CoreStats"]["Score"] for t in stats["Teams"]}
    assert ms["my_team_score"] == scores.get(me["LastTeamId"])
    if len(scores) == 2 and me["LastTeamId"] in scores:
        other = next(s for t, s in scores.items() if t != me["LastTeamId"])
        assert ms["enemy_team_score"] == other

    medals = Counter()
    for core in cores:
        for medal in core["Medals"]:
            medals[medal["NameId"]] += medal["Count"]
    assert {r["medal_name_id"]: r["count"] for r in rows.medals} == dict(medals)
    assert rows.events == []  # no film given
    assert ms["backfill_completed"] & 2 == 0  # events bit unset without a film


def test_oddball_with_its_film_gives_the_api_kill_and_death_counts() -> None:
    stats = load(ROOT / "responses" / "get_match_stats_oddball.json")
    data = (ROOT / "film" / f"38_{ODDBALL_ID}.gzip").read_bytes()
    events = [FilmEvent.from_spnkr(e) for e in highlight_events.read(data, 38)]
    rows = build_match_rows(
        stats, "2535445291321133", "aCurtis X89", asset_names={}, now=NOW, events=events
    )
    assert len(rows.events) == len(events)
    counted = Counter((e["xuid"], e["event_type"]) for e in rows.events)
    for xuid, player in human_players(stats):
        core = player["PlayerTeamStats"][0]["Stats"]["CoreStats"]
        assert counted[(xuid, "kill")] == core["Kills"]
        assert counted[(xuid, "death")] == core["Deaths"]
    # gamertags seen in the film name the roster and the aliases
    film_names = {e.xuid: e.gamertag for e in events}
    assert {r["xuid"]: r["gamertag"] for r in rows.participants} == {
        x: ("aCurtis X89" if x == "2535445291321133" else film_names[x])
        for x, _ in human_players(stats)
    }
    assert {r["xuid"] for r in rows.aliases} == set(film_names)
    raw = json.loads(rows.events[0]["raw_json"])
    assert raw["event_type"] == rows.events[0]["event_type"]
    assert raw["time_ms"] == rows.events[0]["time_ms"]
    assert rows.match_stats["backfill_completed"] & 2 == 2


def test_skill_response_fills_player_match_stats() -> None:
    skill = load(ROOT / "responses" / "get_match_skill.json")
    entry = skill["Value"][0]
    xuid = xuid_of(entry["Id"])
    row = player_match_stats_row("m", xuid, skill, NOW)
    result = entry["Result"]
    assert row["team_mmr"] == result["TeamMmr"]
    other_team = [v for k, v in result["TeamMmrs"].items() if int(k) != result["TeamId"]]
    assert row["enemy_mmr"] == max(other_team)
    assert row["kills_expected"] == result["StatPerformances"]["Kills"]["Expected"]
    assert row["deaths_stddev"] == result["StatPerformances"]["Deaths"]["StdDev"]
    assert player_match_stats_row("m", "2535400000000000", skill, NOW) is None


@pytest.mark.parametrize(
    "damage",
    [
        lambda s: s["MatchInfo"].pop("StartTime"),
        lambda s: s.pop("Players"),
        lambda s: s["Players"][0]["PlayerTeamStats"][0]["Stats"].pop("CoreStats"),
    ],
    ids=["no start time", "no players", "no core stats"],
)
def test_missing_required_fields_are_named(damage) -> None:
    stats = copy.deepcopy(load(ROOT / "responses" / "get_match_stats.json"))
    damage(stats)
    with pytest.raises(MatchDataError, match="lacks required field"):
        validate_match_stats(stats)


def test_owner_absent_from_the_roster_is_refused() -> None:
    stats = load(ROOT / "responses" / "get_match_stats.json")
    with pytest.raises(MatchDataError, match="no entry for the owner"):
        validate_match_stats(stats, "2535400000000000")
