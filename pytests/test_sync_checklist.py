"""Phase 3 with plain dbt: `dbt build --selector phase3` (the landing attached with
HALO_LANDING=1) merges what was landed and not merged yet, and runs the phase-3 checklist in
the same build; `dbt build --selector checklist_phase3` checks everything landed; each
checklist test fails when the warehouse lost what it checks. Real recorded responses, real
DuckDB files, the real dbt CLI once, in-process dbt otherwise."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import duckdb
import pytest

from helpers import rows
from landing_helpers import FETCHED_BY, OWNER_XUID, link_recorded, manifest, response
from landing_helpers import chunk as film_chunk
from shared_matches.dbt_session import DbtResult, DbtSession, dbt_target_dir
from shared_matches.landing.recorded import land_recorded
from shared_matches.landing.responses import LandedFilm
from shared_matches.landing.store import LandingStore
from shared_matches.migrate import run_phase1
from shared_matches.paths import PROJECT_ROOT, DataDir
from shared_matches.testing.fake_halo_api import (
    ODDBALL_ID,
    fixtures_dir,
    generated_id,
    oddball_template,
    roster,
)

PHASE3_TESTS = {
    "assert_phase3_landed_matches_in_registry",
    "assert_phase3_no_participant_lost",
    "assert_phase3_no_event_lost",
    "assert_phase3_no_medal_lost",
    "assert_phase3_no_alias_lost",
    "assert_no_duplicate_keys",
    "assert_player_count_correct",
}
SECOND_BATCH_ID = generated_id("checklist/second-batch")


@dataclass
class Phase3:
    data_dir: DataDir
    session: DbtSession
    merged: Path  # a copy of the warehouse after the second build
    first: subprocess.CompletedProcess
    first_registry: set[str]
    first_copies: int
    second: DbtResult
    second_registry: set[str]


def registry_ids(data_dir: DataDir) -> set[str]:
    return {m for (m,) in rows(data_dir.warehouse, "select match_id from match_registry")}


def plain_dbt(data_dir: DataDir, args: list[str]) -> subprocess.CompletedProcess:
    """The dbt CLI as a user runs it from the project root (.venv's environment)."""
    env = dict(os.environ)
    env.update(
        HALO_DATA_DIR=str(data_dir.root),
        HALO_LANDING="1",
        HALO_PROJECT_ROOT=str(PROJECT_ROOT),
        DBT_PROJECT_DIR=str(PROJECT_ROOT),
        DBT_PROFILES_DIR=str(PROJECT_ROOT / "profiles"),
        DBT_SEND_ANONYMOUS_USAGE_STATS="false",
        DBT_TARGET_PATH=str(dbt_target_dir(data_dir)),  # not the project's target/
        DBT_LOG_PATH=str(data_dir.root / ".dbt" / "logs"),
    )
    dbt = Path(sys.executable).with_name("dbt")
    return subprocess.run(
        [str(dbt), *args], cwd=PROJECT_ROOT, env=env, capture_output=True, text=True
    )


def land_second_batch(data_dir: DataDir) -> None:
    """One more match of the owner, landed as a sync lands it (stats and film)."""
    template = oddball_template(fixtures_dir())
    players = roster([(OWNER_XUID, FETCHED_BY)], "checklist/second-batch")
    stats, (version, body) = template.generate(
        SECOND_BATCH_ID, datetime(2025, 3, 3, 20), players, 1
    )
    with LandingStore.for_data_dir(data_dir) as store:
        store.append_match(
            [response("match_stats", stats, match_id=SECOND_BATCH_ID, player_xuid=OWNER_XUID)],
            LandedFilm(
                response(
                    "film_manifest", manifest(SECOND_BATCH_ID, version), match_id=SECOND_BATCH_ID
                ),
                film_chunk(SECOND_BATCH_ID, body, version),
            ),
        )


@pytest.fixture(scope="module")
def phase3(tmp_path_factory: pytest.TempPathFactory) -> Phase3:
    root = tmp_path_factory.mktemp("phase3")
    data_dir = DataDir(root / "data")
    land_recorded(data_dir, link_recorded(root), FETCHED_BY, OWNER_XUID)
    session = DbtSession(data_dir)
    run_phase1(session, say=lambda _line: None)
    first = plain_dbt(data_dir, ["build", "--selector", "phase3"])
    first_registry = registry_ids(data_dir)
    [(first_copies,)] = rows(
        data_dir.warehouse,
        "select count(*) from match_players where player_xuid = ?",
        [OWNER_XUID],
    )
    land_second_batch(data_dir)
    second = session.run(["build", "--selector", "phase3"], landing=True, check=False)
    second_registry = registry_ids(data_dir)
    merged = root / "merged.duckdb"
    shutil.copyfile(data_dir.warehouse, merged)
    return Phase3(
        data_dir, session, merged, first, first_registry, first_copies, second, second_registry
    )


def test_plain_dbt_phase3_merges_the_landing_and_runs_its_checklist(phase3: Phase3) -> None:
    assert phase3.first.returncode == 0, phase3.first.stdout[-3000:]
    out = phase3.first.stdout
    for name in PHASE3_TESTS:
        assert f"PASS {name}" in out or f"pass {name}" in out.lower(), name
    assert ODDBALL_ID in phase3.first_registry
    # every match is the owner's: his history rows and the stats with him in the roster
    assert phase3.first_copies == len(phase3.first_registry) > 25


def test_the_next_build_merges_only_what_was_landed_since(phase3: Phase3) -> None:
    second = phase3.second
    assert second.ok, second.summary()
    assert phase3.second_registry - phase3.first_registry == {SECOND_BATCH_ID}
    tests = {n.name: n for n in second.nodes if n.resource_type == "test"}
    assert set(tests) == PHASE3_TESTS and all(t.status == "pass" for t in tests.values())
    batch = next(n for n in second.nodes if n.name == "int_matches_changed")
    assert batch.status == "success"
    [(events,)] = rows(
        phase3.data_dir.warehouse,
        "select count(*) from highlight_events where match_id = ?",
        [SECOND_BATCH_ID],
    )
    assert events == len(oddball_template(fixtures_dir()).events)
    # only the match landed since the first build was merged
    [(merged,)] = rows(
        phase3.data_dir.warehouse,
        "select matches_merged from merged_sources where source_id = 'halo_api'",
    )
    assert merged == 1


# Each break makes the warehouse lose one thing the landing holds (the oddball match's first
# participant, ...); a dbt build skips the tests downstream of a failing one, so each break is
# checked in its own build. (test, rows it must report, the SQL of the break)
BREAKS = {
    "copy": (
        "assert_phase3_landed_matches_in_registry",
        1,
        f"delete from match_players where match_id = '{SECOND_BATCH_ID}' "
        f"and player_xuid = '{OWNER_XUID}'",
    ),
    "participant": (
        "assert_phase3_no_participant_lost",
        3,  # a row missing, a stats value and a skill value lost
        f"delete from match_participants where match_id = '{ODDBALL_ID}' and xuid = "
        f"(select min(xuid) from match_participants where match_id = '{ODDBALL_ID}'); "
        f"update match_participants set kills = null where match_id = '{ODDBALL_ID}' and xuid = "
        f"(select max(xuid) from match_participants where match_id = '{ODDBALL_ID}'); "
        f"update match_participants set team_mmr = null where match_id = '{ODDBALL_ID}' "
        f"and xuid = '{OWNER_XUID}'",
    ),
    "event": (
        "assert_phase3_no_event_lost",
        1,
        "delete from highlight_events where rowid = "
        f"(select min(rowid) from highlight_events where match_id = '{ODDBALL_ID}')",
    ),
    "medal": (
        "assert_phase3_no_medal_lost",
        1,
        "delete from match_medals where rowid = "
        f"(select min(rowid) from match_medals where match_id = '{ODDBALL_ID}')",
    ),
    "alias": (
        "assert_phase3_no_alias_lost",
        None,
        "update xuid_aliases set last_seen = last_seen - interval 400 day where xuid = "
        f"(select min(xuid) from match_participants where match_id = '{ODDBALL_ID}')",
    ),
}


@pytest.mark.parametrize("broken", list(BREAKS))
def test_each_phase3_check_fails_when_the_warehouse_lost_what_it_checks(
    phase3: Phase3, broken: str
) -> None:
    test, expected, sql = BREAKS[broken]
    data_dir = phase3.data_dir
    shutil.copyfile(phase3.merged, data_dir.warehouse)  # the merged warehouse, then the break
    con = duckdb.connect(str(data_dir.warehouse))
    try:
        con.execute(sql)
    finally:
        con.close()
    try:
        result = phase3.session.run(
            ["build", "--selector", "checklist_phase3"], landing=True, check=False
        )
    finally:
        shutil.copyfile(phase3.merged, data_dir.warehouse)
    failures = {n.name: n.failures for n in result.nodes if n.status == "fail"}
    assert test in failures, failures
    if expected is not None:
        assert failures[test] == expected
    else:  # one row per film event naming the player, his gamertag and the stale last_seen
        assert failures[test] >= 1


def test_the_checklist_says_how_to_attach_the_landing(phase3: Phase3) -> None:
    result = phase3.session.run(["build", "--selector", "checklist_phase3"], check=False)
    ran = {n.name: n.status for n in result.nodes if n.name.startswith("assert_phase3")}
    assert len(ran) == 5 and "pass" not in ran.values() and "error" in ran.values()
    assert "No landing DB attached, so this check would compare nothing" in result.summary()
    assert "HALO_LANDING=1" in result.summary()
