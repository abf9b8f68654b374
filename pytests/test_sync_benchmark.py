"""The benchmark's scenario and the fake API's generated matches (no warehouse build)."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import datetime
from pathlib import Path

import pytest
from spnkr.film import highlight_events

from fake_halo_api import FakeHaloApi, generated_xuid, roster
from reference_transform import human_players
from shared_matches.paths import SEED_ORDER
from shared_matches.sync.benchmark import (
    OVERLAP_WITH_FIRST,
    load_fake_api,
    plan_scenario,
    run_mode,
)
from shared_matches.sync.summary import FULL_MATCH_ENDPOINTS


@pytest.mark.parametrize("n", [20, 100])
def test_scenario_has_the_plans_overlaps_and_bound(n: int) -> None:
    scenario = plan_scenario(n)
    first = SEED_ORDER[0]
    assert all(len(scenario.histories[g]) == n for g in SEED_ORDER)
    for gamertag, share in OVERLAP_WITH_FIRST.items():
        assert scenario.overlap(gamertag, first) == round(share * n) / n
    expected_unique = n + sum(n - round(share * n) for share in OVERLAP_WITH_FIRST.values())
    assert scenario.copies == len(SEED_ORDER) * n
    assert scenario.unique == expected_unique
    assert scenario.bound == pytest.approx(1 - expected_unique / (len(SEED_ORDER) * n))
    starts = [m.start for m in scenario.matches.values()]
    assert len(set(starts)) == len(starts)  # histories have a strict order


def test_a_generated_match_keeps_stats_and_film_consistent() -> None:
    fake = FakeHaloApi()
    players = roster([(generated_xuid("Gen"), "Gen")], "consistency")
    match_id = fake.add_generated_match(
        "0f0f0f0f-1111-2222-3333-444444444444", datetime(2025, 5, 1, 20), players, variant=2
    )
    served = fake.matches[match_id]
    version, chunk = served.film
    events = list(highlight_events.read(chunk, version))
    assert len(events) == len(fake.oddball_template.events)
    counted = Counter((str(e.xuid), e.event_type) for e in events)
    for xuid, player in human_players(served.stats):
        core = player["PlayerTeamStats"][0]["Stats"]["CoreStats"]
        assert counted[(xuid, "kill")] == core["Kills"]
        assert counted[(xuid, "death")] == core["Deaths"]
    assert {str(e.xuid): e.gamertag for e in events} == dict(players)


def test_the_ignore_run_fetches_every_copy_in_full(tmp_path: Path) -> None:
    scenario = plan_scenario(3)
    result = asyncio.run(run_mode(load_fake_api(), scenario, "ignore", tmp_path, False))
    assert not result.checks  # the server and the engine counted the same calls
    for endpoint in FULL_MATCH_ENDPOINTS:
        assert result.calls[endpoint] == scenario.copies
    assert result.calls["match_history"] == len(SEED_ORDER)  # one short page each
    assert result.film_calls_for_known == 0
    assert all(not s.known for s in result.summaries)
