"""The halo_api staging models (SQL over the landing DB) against the Python transform.

Every recorded response (and the edge cases of landing_helpers) is landed once; the models
are compiled by the real dbt and run on the landed files. The Python transform
(``reference_transform`` / ``shared_matches.sync.parsing``) is the reference, value by value.
"""

from __future__ import annotations

import csv
import math
from collections import Counter
from datetime import datetime
from pathlib import Path
from typing import Any

import duckdb
import pytest
from spnkr.film import highlight_events

from landing_helpers import (
    CHUNK_404_ID,
    EXPECTED_FILM_STATES,
    FETCHED_BY,
    MANIFEST_404_ID,
    NO_HIGHLIGHTS_ID,
    NULLS_ID,
    ODDBALL_VERSION,
    OWNER_XUID,
    RECORDED_MANIFEST_ID,
    RELANDED_ID,
    ROOT,
    STAGING_AND_SEEDS,
    STAGING_SELECTION,
    TINY_ID,
    TINY_VERSION,
    UNDECODABLE_ID,
    Landed,
    compile_staging,
    edge_history,
    invoke_dbt,
    load,
    nulls_skill,
    nulls_stats,
    recorded_stats_paths,
    run_compiled,
)
from reference_transform import (
    FilmEvent,
    _player_facts,
    asset_refs,
    build_match_rows,
    human_players,
    medal_rows,
    mode_category,
    participant_rows,
    player_match_stats_row,
    team_scores,
)
from shared_matches.dbt_session import dbt_target_dir
from shared_matches.landing.responses import human_xuid
from shared_matches.landing.seeds import GAME_VARIANT_CATEGORIES, game_variant_categories_csv
from shared_matches.paths import DataDir
from shared_matches.sync.parsing import dig, duration_seconds, timestamp
from shared_matches.testing.fake_halo_api import ODDBALL_ID

STAGING_MODELS = (
    "stg_halo_api__match_history",
    "stg_halo_api__match_stats",
    "stg_halo_api__match_teams",
    "stg_halo_api__match_participants",
    "stg_halo_api__participant_medals",
    "stg_halo_api__match_skill",
    "stg_halo_api__films",
    "stg_halo_api__highlight_events",
    "stg_halo_api__asset_names",
    "stg_halo_api__users",
)
ASSET_KINDS = ("playlist", "map", "pair", "game_variant")
NOW = datetime(2025, 3, 1)


def all_stats() -> list[dict[str, Any]]:
    """Every recorded match stats response, and the edge case with values removed."""
    return [load(p) for p in recorded_stats_paths()] + [nulls_stats()]


def same(sql_value: Any, python_value: Any) -> bool:
    if isinstance(python_value, float) or isinstance(sql_value, float):
        if sql_value is None or python_value is None:
            return sql_value is None and python_value is None
        return math.isclose(sql_value, python_value, rel_tol=1e-12, abs_tol=1e-12)
    return sql_value == python_value


def assert_same(sql_row: dict[str, Any], expected: dict[str, Any], where: str) -> None:
    differ = {k: (sql_row[k], v) for k, v in expected.items() if not same(sql_row[k], v)}
    assert not differ, f"{where}: SQL vs Python differ on {differ}"


def by_match(rows: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        out.setdefault(row["match_id"], []).append(row)
    return out


def test_every_staging_model_is_compiled_with_its_declared_types(landed: Landed) -> None:
    assert sorted(landed.compiled) == sorted(STAGING_MODELS)
    for name, model in landed.compiled.items():
        relation = landed.relation(name)
        assert dict(zip(relation.columns, relation.types, strict=True)) == model.declared, name
        assert relation.rows, f"{name} is empty with the landing attached"


def test_land_recorded_lands_every_recorded_response(landed: Landed) -> None:
    summary = landed.summary
    stats_ids = {load(p)["MatchId"].lower() for p in recorded_stats_paths()}
    films = {p.name.split("_", 1)[1][:-5] for p in (ROOT / "film").glob("??_*.gzip")} | {TINY_ID}
    assert set(summary.matches) == stats_ids | films | {ODDBALL_ID, RECORDED_MANIFEST_ID}
    assert summary.responses == Counter(
        match_stats=len(stats_ids),
        film_chunk=len(films),
        match_skill=1,
        film_manifest=1,
        match_history=1,
        user=1,
        asset_playlist=1,
        asset_map=1,
        asset_map_mode_pair=1,
        asset_game_variant=1,
    )
    assert summary.films[ODDBALL_ID] == "640 events"
    assert summary.films[TINY_ID] == "6 events"
    assert summary.player_xuid == OWNER_XUID  # the owner's gamertag in the oddball film
    assert not summary.skipped
    unused = {u.split(":")[0]: u for u in summary.unused}
    assert sorted(unused) == [
        "film/highlight_events.gzip",  # linked again under its NN_<match_id>.gzip name
        "responses/get_match_count.json",
        "responses/get_match_skill.json",  # linked again named after its match
        "responses/get_medal_metadata.json",
        "responses/get_profiles.json",
    ]
    assert "without a match id in its name" in unused["responses/get_match_skill.json"]


@pytest.mark.parametrize("stats", all_stats(), ids=lambda s: s["MatchId"].lower()[:8])
def test_participants_equal_the_python_transform(landed: Landed, stats: dict) -> None:
    match_id = stats["MatchId"].lower()
    sql = {
        r["xuid"]: r for r in by_match(landed.rows("stg_halo_api__match_participants"))[match_id]
    }
    humans = human_players(stats)
    assert sorted(sql) == sorted(x for x, _ in humans)
    for (xuid, player), row in zip(humans, participant_rows(match_id, stats, {}), strict=True):
        facts = _player_facts(player)
        expected = {
            "team_id": row["team_id"],
            "outcome": row["outcome"],
            "rank": row["rank"],
            "personal_score": row["score"],  # the v4 roster's score is the personal score
            **facts,
            "time_played_seconds": duration_seconds(dig(player, "ParticipationInfo", "TimePlayed")),
            "is_present_at_end": dig(player, "ParticipationInfo", "PresentAtCompletion"),
        }
        assert_same(sql[xuid], expected, f"{match_id} xuid {xuid}")


def test_the_edge_case_really_exercises_the_null_paths(landed: Landed) -> None:
    rows = {
        r["xuid"]: r for r in by_match(landed.rows("stg_halo_api__match_participants"))[NULLS_ID]
    }
    players = nulls_stats()["Players"]
    first, second, third = (rows[human_xuid(p["PlayerId"])] for p in players[:3])
    assert first["kda"] is None and first["accuracy"] is None and first["damage_dealt"] is None
    assert first["avg_life_seconds"] is None and first["time_played_seconds"] is None
    assert first["kills"] is not None  # only the removed values are NULL, not 0
    assert second["kda"] is not None and second["avg_life_seconds"] is not None
    assert second["accuracy"] == 3.12  # 3.125 rounded half-even
    assert third["kills"] is None and third["kda"] is None and third["accuracy"] is None
    fourth = rows[human_xuid(players[3]["PlayerId"])]  # found by its bare-digits id
    assert fourth["assists"] is None and fourth["kda"] is not None
    assert len(rows) == len(players) - 1  # the player made a bot is left out
    medals = by_match(landed.rows("stg_halo_api__participant_medals"))[NULLS_ID]
    assert (human_xuid(players[1]["PlayerId"]), 4294967295, 0) in {
        (m["xuid"], m["medal_name_id"], m["medal_count"]) for m in medals
    }


@pytest.mark.parametrize("stats", all_stats(), ids=lambda s: s["MatchId"].lower()[:8])
def test_medals_of_every_human_equal_the_python_transform(landed: Landed, stats: dict) -> None:
    match_id = stats["MatchId"].lower()
    sql = sorted(
        (r["xuid"], r["medal_name_id"], r["medal_count"])
        for r in by_match(landed.rows("stg_halo_api__participant_medals")).get(match_id, [])
    )
    expected = sorted(
        (xuid, m["medal_name_id"], m["count"])
        for xuid, player in human_players(stats)
        for m in medal_rows(match_id, player)
    )
    assert sql == expected
    assert expected  # every recorded match has medals


@pytest.mark.parametrize("stats", all_stats(), ids=lambda s: s["MatchId"].lower()[:8])
def test_match_level_columns_equal_the_python_transform(landed: Landed, stats: dict) -> None:
    match_id = stats["MatchId"].lower()
    [sql] = by_match(landed.rows("stg_halo_api__match_stats"))[match_id]
    owner = human_players(stats)[0][0]
    reference = build_match_rows(stats, owner, "someone", asset_names={}, now=NOW).match_stats
    info = stats["MatchInfo"]
    refs = {ref.kind: ref for ref in asset_refs(info)}
    expected = {
        "fetched_by": FETCHED_BY,
        "start_time": reference["start_time"],
        "end_time": reference["end_time"],
        "duration_seconds": duration_seconds(info.get("Duration")),
        "lifecycle_mode": info.get("LifecycleMode"),
        "game_variant_category": info.get("GameVariantCategory"),
        "mode_category": reference["mode_category"],
        "playlist_experience": info.get("PlaylistExperience"),
        "is_firefight": reference["is_firefight"],
        **{f"{kind}_id": reference[f"{kind}_id"] for kind in ASSET_KINDS},
        **{
            f"{kind}_version_id": refs[kind].version_id if kind in refs else None
            for kind in ASSET_KINDS
        },
    }
    assert_same(sql, expected, match_id)
    teams = by_match(landed.rows("stg_halo_api__match_teams")).get(match_id, [])
    assert {r["team_id"]: r["team_score"] for r in teams} == team_scores(stats)


def test_match_level_edge_values(landed: Landed) -> None:
    [row] = by_match(landed.rows("stg_halo_api__match_stats"))[NULLS_ID]
    # 06:20:33.4411239+02:00: the offset applied, the 7th digit dropped
    assert row["start_time"] == datetime(2025, 1, 29, 4, 20, 33, 441123)
    assert row["end_time"] is None and row["playlist_id"] is None
    assert row["duration_seconds"] == 86400 + 2 * 3600 + 3 * 60 + 4.5
    assert row["mode_category"] is None and row["is_firefight"] is True
    modes = {r["match_id"]: r for r in landed.rows("stg_halo_api__match_stats")}
    assert modes[ODDBALL_ID]["mode_category"] == "oddball"
    assert modes[ODDBALL_ID]["duration_seconds"] == duration_seconds("PT18M31.2141873S")


def test_skill_of_every_player_equals_the_python_transform(landed: Landed) -> None:
    rows = by_match(landed.rows("stg_halo_api__match_skill"))
    cases = [
        (ODDBALL_ID, load(ROOT / "responses" / "get_match_skill.json")),
        (NULLS_ID, nulls_skill(nulls_stats())),
    ]
    for match_id, skill in cases:
        sql = {r["xuid"]: r for r in rows[match_id]}
        expected = {}
        for entry in skill["Value"]:
            xuid = human_xuid(entry["Id"])
            row = player_match_stats_row(match_id, xuid, skill, NOW) if xuid else None
            if row is not None:
                expected[xuid] = {k: v for k, v in row.items() if k not in ("created_at",)}
        assert sorted(sql) == sorted(expected), match_id
        for xuid, values in expected.items():
            assert_same(sql[xuid], values, f"{match_id} skill of {xuid}")
    oddball = rows[ODDBALL_ID][0]
    assert oddball["assists_expected"] is None  # the response has no Assists performance
    assert len(rows[NULLS_ID]) == 4  # bot, refused entry and NULL result left out


def test_history_rows_equal_the_python_parsers(landed: Landed) -> None:
    rows = landed.rows("stg_halo_api__match_history")
    pages = [load(ROOT / "responses" / "get_match_history.json"), edge_history()]
    for page in pages:
        for result in page["Results"]:
            match_id = result["MatchId"].lower()
            [sql] = [r for r in rows if r["match_id"] == match_id]
            info = result["MatchInfo"]
            refs = {ref.kind: ref for ref in asset_refs(info)}
            expected = {
                "player_xuid": OWNER_XUID,
                "fetched_by": FETCHED_BY,
                "start_time": timestamp(info.get("StartTime")),
                "end_time": timestamp(info.get("EndTime")),
                "duration_seconds": duration_seconds(info.get("Duration")),
                "lifecycle_mode": info.get("LifecycleMode"),
                "game_variant_category": info.get("GameVariantCategory"),
                "playlist_experience": info.get("PlaylistExperience"),
                **{f"{k}_id": refs[k].asset_id if k in refs else None for k in ASSET_KINDS},
                **{
                    f"{k}_version_id": refs[k].version_id if k in refs else None
                    for k in ASSET_KINDS
                },
                "team_id": result["LastTeamId"],
                "outcome": result["Outcome"],
                "rank": result["Rank"],
                "is_present_at_end": result["PresentAtEndOfMatch"],
            }
            assert_same(sql, expected, match_id)
    assert len(rows) == sum(len(p["Results"]) for p in pages)


def test_the_oddball_events_equal_the_decoder_in_order(landed: Landed) -> None:
    data = (ROOT / "film" / f"{ODDBALL_VERSION}_{ODDBALL_ID}.gzip").read_bytes()
    expected = [FilmEvent.from_spnkr(e) for e in highlight_events.read(data, ODDBALL_VERSION)]
    rows = sorted(
        by_match(landed.rows("stg_halo_api__highlight_events"))[ODDBALL_ID],
        key=lambda r: r["event_no"],
    )
    assert len(rows) == len(expected) == 640
    assert [r["event_no"] for r in rows] == list(range(1, 641))
    fields = ("xuid", "gamertag", "type_hint", "is_medal", "event_type", "time_ms")
    fields += ("medal_value", "medal_name")
    assert [tuple(r[f] for f in fields) for r in rows] == [
        tuple(getattr(e, f) for f in fields) for e in expected
    ]


def test_the_oddball_kills_and_deaths_per_player_equal_the_api(landed: Landed) -> None:
    events = by_match(landed.rows("stg_halo_api__highlight_events"))[ODDBALL_ID]
    kills = Counter(e["xuid"] for e in events if e["event_type"] == "kill")
    deaths = Counter(e["xuid"] for e in events if e["event_type"] == "death")
    participants = by_match(landed.rows("stg_halo_api__match_participants"))[ODDBALL_ID]
    assert {p["xuid"]: p["kills"] for p in participants} == dict(kills)
    assert {p["xuid"]: p["deaths"] for p in participants} == dict(deaths)


def test_film_states(landed: Landed) -> None:
    films = {f["match_id"]: f for f in landed.rows("stg_halo_api__films")}
    for match_id, state in EXPECTED_FILM_STATES.items():
        assert films[match_id]["film_state"] == state, match_id
    chunks = {p.name.split("_", 1)[1][:-5] for p in (ROOT / "film").glob("??_*.gzip")}
    for match_id in chunks | {TINY_ID}:
        film = films[match_id]  # a recorded chunk without its manifest
        assert (film["film_state"], film["manifest_response_id"]) == ("loaded", None)
    assert films[UNDECODABLE_ID]["decode_error"].startswith("error: ")  # zlib's error
    assert films[UNDECODABLE_ID]["event_count"] is None
    assert films[NO_HIGHLIGHTS_ID]["chunk_response_id"] is None
    assert films[RELANDED_ID]["film_version"] == TINY_VERSION
    assert films[RECORDED_MANIFEST_ID]["film_version"] == 34  # from the manifest
    events = by_match(landed.rows("stg_halo_api__highlight_events"))
    loaded = {m for m, f in films.items() if f["film_state"] == "loaded"}
    assert set(events) == loaded
    assert len(events[RELANDED_ID]) == films[RELANDED_ID]["event_count"] == 6
    for match_id in (MANIFEST_404_ID, NO_HIGHLIGHTS_ID, UNDECODABLE_ID, CHUNK_404_ID, NULLS_ID):
        assert match_id not in events


def test_asset_names_and_users(landed: Landed) -> None:
    names = {(r["asset_kind"], r["asset_id"]): r for r in landed.rows("stg_halo_api__asset_names")}
    files = {
        "playlist": "get_playlist.json",
        "map": "get_map.json",
        "pair": "get_map_mode_pair.json",
        "game_variant": "get_ugc_game_variant.json",
    }
    for kind, name in files.items():
        data = load(ROOT / "responses" / name)
        row = names.pop((kind, data["AssetId"].lower()))
        assert (row["version_id"], row["public_name"]) == (
            data["VersionId"].lower(),
            data["PublicName"],
        )
    [(key, missing)] = names.items()  # the 404: the asked ids, no name
    assert key[0] == "map" and missing["public_name"] is None and missing["version_id"]
    users = sorted((r["xuid"], r["gamertag"]) for r in landed.rows("stg_halo_api__users"))
    recorded = load(ROOT / "responses" / "get_users.json")
    assert users == sorted(
        [(str(u["xuid"]), u["gamertag"]) for u in recorded] + [(OWNER_XUID, FETCHED_BY)]
    )


def test_the_seed_is_generated_from_spnkr() -> None:
    assert GAME_VARIANT_CATEGORIES.read_text() == game_variant_categories_csv()
    with GAME_VARIANT_CATEGORIES.open() as handle:
        for row in csv.DictReader(handle):
            assert row["mode_category"] == mode_category(int(row["game_variant_category"]))


def test_without_the_landing_every_model_is_empty_with_its_types(
    landed: Landed, tmp_path: Path
) -> None:
    compiled = compile_staging(landed.data_dir, landing=False)
    assert sorted(compiled) == sorted(STAGING_MODELS)
    # a warehouse with no landing and no seed loaded: the models still run
    bare = DataDir(tmp_path)
    bare.warehouse_dir.mkdir(parents=True)
    duckdb.connect(str(bare.warehouse)).close()
    for name, model in compiled.items():
        assert '"landing".' not in model.sql, name  # the source is not read
        relation = run_compiled(bare, model.sql, compiled)
        assert relation.rows == [], name
        assert dict(zip(relation.columns, relation.types, strict=True)) == model.declared, name
    # dbt builds them, empty, and runs their key tests
    result = invoke_dbt(
        ["build", "--select", STAGING_SELECTION, "--indirect-selection", "cautious"],
        landed.data_dir,
        landing=False,
    )
    assert result.ok, result.summary()


def test_dbt_itself_runs_the_models_and_their_key_tests(landed: Landed) -> None:
    """dbt build runs the on-run-start hook that attaches the landing, builds the staging views
    (in the run's scratch database) and runs every key test on them."""
    # cautious: the staging models' own tests, not the phase-3 checklist that also reads them
    result = invoke_dbt(
        ["build", "--select", STAGING_AND_SEEDS, "--indirect-selection", "cautious"],
        landed.data_dir,
        landing=True,
    )
    assert result.ok, result.summary()
    tests = [n for n in result.nodes if n.resource_type == "test"]
    assert len(tests) >= len(STAGING_MODELS) and {n.status for n in tests} == {"pass"}


def test_a_missing_landing_db_is_a_clear_error(tmp_path) -> None:
    data_dir = DataDir(tmp_path)
    data_dir.warehouse_dir.mkdir(parents=True)
    result = invoke_dbt(["build", "--select", STAGING_SELECTION], data_dir, landing=True)
    assert not result.ok
    missing = tmp_path / "landing" / "halo_api.duckdb"
    assert f"No landing DB: {missing} does not exist" in result.summary()
    assert not missing.exists()
    assert dbt_target_dir(data_dir).is_dir()
