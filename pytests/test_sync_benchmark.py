"""The sync benchmark on the new engine: the plan's scenario, the fake API's generated matches,
the run that ignores the warehouse and the backfill case (small sizes)."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import datetime
from pathlib import Path

import pytest
from spnkr.film import highlight_events

from reference_transform import human_players
from shared_matches.paths import SEED_ORDER
from shared_matches.sync.benchmark import (
    OVERLAP_WITH_FIRST,
    format_backfill,
    load_fake_api,
    plan_scenario,
    run_backfill,
    run_mode,
)
from shared_matches.sync.summary import FULL_MATCH_ENDPOINTS
from shared_matches.testing.fake_halo_api import FakeHaloApi, generated_xuid, roster


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
    # three asset variants of four assets, fetched once each for the whole run
    assets = ("playlist", "map", "map_mode_pair", "game_variant")
    assert sum(result.calls[e] for e in assets) == 12


def test_the_backfill_costs_only_the_matches_the_group_lacks(tmp_path: Path) -> None:
    result = asyncio.run(run_backfill(load_fake_api(), tmp_path, matches=10, known_share=0.9))
    assert result.known == 9 and result.bound == pytest.approx(0.9)
    use, ignore = result.summaries["use"], result.summaries["ignore"]
    assert len(use.known) == 9 and len(use.new) == 1 and len(ignore.new) == 10
    assert result.per_match("ignore") == 40 and result.per_match("use") == 4
    assert use.film_calls_for_known == 0
    # history and the xuid look-up cost the same; the assets were landed by the group mate
    for endpoint in ("user", "match_history"):
        assert result.calls["use"][endpoint] == result.calls["ignore"][endpoint]
    text = format_backfill(result)
    assert "40 -> 4 (90.0% saved; plan: 300 -> 30" in text
    assert "1 - unique/copies = 1 - 1/10 = 90.0%" in text
