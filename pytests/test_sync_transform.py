"""What the sync still reads in Python: the API's formats (sync/parsing.py: xuids, durations,
timestamps) and the required fields of a match stats response, checked before any other call
is made for the match. The JSON-to-rows work is done by the halo_api staging models
(test_landing_staging.py compares them with the former Python transform)."""

from __future__ import annotations

import copy
import json
from datetime import datetime
from pathlib import Path

import pytest

from landing_helpers import recorded_stats_paths
from shared_matches.landing.responses import LandedResponse, human_xuid, response_problem
from shared_matches.sync.parsing import (
    MatchDataError,
    dig,
    duration_seconds,
    guid_in,
    require,
    timestamp,
)
from shared_matches.testing.fake_halo_api import fixtures_dir

ROOT = fixtures_dir()
NOW = datetime(2025, 6, 1, 12, 0, 0)


def load(path: Path) -> dict:
    return json.loads(path.read_text())


def stats_response(stats: dict) -> LandedResponse:
    return LandedResponse.of_json(
        "match_stats",
        stats,
        fetched_at=NOW,
        fetched_by="Tester",
        match_id=str(stats.get("MatchId") or "").lower() or None,
    )


def test_parsing_functions_read_the_api_formats() -> None:
    assert human_xuid("xuid(2535445291321133)") == "2535445291321133"
    assert human_xuid("2535445291321133") == "2535445291321133"
    assert human_xuid("bid(58.0)") is None and human_xuid(None) is None
    assert duration_seconds("PT18M31.2141873S") == pytest.approx(18 * 60 + 31.2141873)
    assert duration_seconds("PT1H2M3S") == 3723
    assert duration_seconds("P1DT1S") == 86401
    assert duration_seconds("garbage") is None and duration_seconds(None) is None
    assert timestamp("2025-01-29T04:20:33.441Z") == datetime(2025, 1, 29, 4, 20, 33, 441000)
    assert timestamp("2025-01-29T04:20:33.4417777Z") == datetime(2025, 1, 29, 4, 20, 33, 441777)
    assert timestamp("2025-01-29T06:20:33+02:00") == datetime(2025, 1, 29, 4, 20, 33)
    assert timestamp("not a time") is None
    assert guid_in("skill_63391382-6B88-43f9-9ff4-6313404c419c.json") == (
        "63391382-6b88-43f9-9ff4-6313404c419c"
    )
    assert dig({"a": [{"b": 1}]}, "a", 0, "b") == 1 and dig({"a": []}, "a", 0, "b") is None
    with pytest.raises(MatchDataError, match="lacks required field MatchInfo.StartTime"):
        require({"MatchInfo": {}}, "MatchInfo", "StartTime")


@pytest.mark.parametrize("path", recorded_stats_paths(), ids=lambda p: p.name)
def test_every_recorded_match_stats_has_the_required_fields(path: Path) -> None:
    assert response_problem(stats_response(load(path)), load(path)["MatchId"].lower()) is None


@pytest.mark.parametrize(
    ("damage", "field"),
    [
        (lambda s: s["MatchInfo"].pop("StartTime"), "MatchInfo.StartTime"),
        (lambda s: s.pop("Players"), "Players"),
        (
            lambda s: s["Players"][0]["PlayerTeamStats"][0]["Stats"].pop("CoreStats"),
            "PlayerTeamStats.CoreStats",
        ),
    ],
    ids=["no start time", "no players", "no core stats"],
)
def test_missing_required_fields_are_named(damage, field: str) -> None:
    stats = copy.deepcopy(load(ROOT / "responses" / "get_match_stats.json"))
    damage(stats)
    problem = response_problem(stats_response(stats), stats["MatchId"].lower())
    assert problem is not None and "lacks required field" in problem and field in problem
