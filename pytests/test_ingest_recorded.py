"""`shared-matches ingest`: recorded API responses landed, merged by the phase-3 build, and the
owner's rows written into their v4 DB from the warehouse (real DuckDB files, real dbt).

The module ingests the recorded fixtures once for aCurtis X89 (the player of every recorded
match), then, through the CLI, for SalmonSummer83 with an explicit xuid (he played some of
them; the recorded history page is aCurtis's, not his).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest

from landing_helpers import TINY_ID, link_recorded, recorded_stats_paths
from reference_transform import human_players
from shared_matches.cli import main
from shared_matches.ingest import IngestSummary, ingest_recorded
from shared_matches.landing.schema import landing_path
from shared_matches.paths import DataDir, UserError
from shared_matches.sync.parsing import duration_seconds, timestamp
from shared_matches.testing.fake_halo_api import ODDBALL_ID, fixtures_dir

ROOT = fixtures_dir()
OWNER = ("aCurtis X89", "2535445291321133")
SALMON = ("SalmonSummer83", "2535412760927018")


def recorded_stats() -> list[dict]:
    return [json.loads(p.read_text()) for p in recorded_stats_paths()]


def rows(db: Path, sql: str, params: list | None = None) -> list[tuple]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


def landed_responses(data_dir: DataDir) -> int:
    path = landing_path(data_dir)
    return rows(path, "select count(*) from responses")[0][0] if path.is_file() else 0


@dataclass
class Ingested:
    data_dir: DataDir
    source: Path
    owner: IngestSummary
    salmon_output: str


@pytest.fixture(scope="module")
def ingested(tmp_path_factory: pytest.TempPathFactory) -> Ingested:
    root = tmp_path_factory.mktemp("ingest")
    source = link_recorded(root)  # the fixtures, plus the skill file named after its match
    data_dir = DataDir(root / "data")
    owner = ingest_recorded(data_dir, OWNER[0], source)
    return Ingested(data_dir, source, owner, "")


@pytest.fixture(scope="module")
def with_salmon(ingested: Ingested) -> Ingested:
    """The same data dir after the CLI ingest of SalmonSummer83 (explicit xuid)."""
    import contextlib
    import io

    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = main(
            [
                "--data-dir",
                str(ingested.data_dir.root),
                "ingest",
                "--player",
                SALMON[0],
                "--xuid",
                SALMON[1],
                "--from",
                str(ingested.source),
            ]
        )
    assert code == 0
    ingested.salmon_output = out.getvalue()
    return ingested


def test_ingest_writes_every_recorded_match_of_the_owner(ingested: Ingested) -> None:
    summary = ingested.owner
    mine = [s for s in recorded_stats() if OWNER[1] in dict(human_players(s))]
    assert summary.xuid == OWNER[1]  # found through the gamertag in the oddball film
    assert sorted(summary.written) == sorted(s["MatchId"].lower() for s in mine)
    db = ingested.data_dir.player_db(OWNER[0])
    per_match = dict(rows(db, "select match_id, count(*) from match_participants group by 1"))
    assert per_match == {s["MatchId"].lower(): len(human_players(s)) for s in mine}
    events = dict(rows(db, "select match_id, count(*) from highlight_events group by 1"))
    assert events == {ODDBALL_ID: 640, TINY_ID: 6}  # the two matches with stats and film
    meta = dict(rows(db, "select key, value from sync_meta"))
    assert meta["xuid"] == OWNER[1] and meta["gamertag"] == OWNER[0]
    assert any("get_match_skill.json" in u for u in summary.landing.unused)  # no id in its name
    # kills and assists as the API counts them, for every match
    for stats in mine:
        me = dict(human_players(stats))[OWNER[1]]
        cores = [ts["Stats"]["CoreStats"] for ts in me["PlayerTeamStats"]]
        [(kills, assists)] = rows(
            db,
            "select kills, assists from match_stats where match_id = ?",
            [stats["MatchId"].lower()],
        )
        assert (kills, assists) == (
            sum(c["Kills"] for c in cores),
            sum(c["Assists"] for c in cores),
        )


def test_a_skill_file_named_after_its_match_fills_player_match_stats(ingested: Ingested) -> None:
    skill = json.loads((ROOT / "responses" / "get_match_skill.json").read_text())
    result = skill["Value"][0]["Result"]
    found = rows(
        ingested.data_dir.player_db(OWNER[0]),
        "select match_id, xuid, team_mmr, kills_expected from player_match_stats",
    )
    assert found == [
        (ODDBALL_ID, OWNER[1], result["TeamMmr"], result["StatPerformances"]["Kills"]["Expected"])
    ]


def test_registry_duration_is_the_matchs_duration_not_end_minus_start(ingested: Ingested) -> None:
    registry = {
        m: (d, s, e)
        for m, d, s, e in rows(
            ingested.data_dir.warehouse,
            "select match_id, duration_seconds, start_time, end_time from match_registry",
        )
    }
    off = []
    for path in recorded_stats_paths():
        stats = json.loads(path.read_text())
        info = stats["MatchInfo"]
        duration, start, end = registry[stats["MatchId"].lower()]
        assert duration == pytest.approx(duration_seconds(info["Duration"]), abs=1e-6)
        assert (start, end) == (timestamp(info["StartTime"]), timestamp(info["EndTime"]))
        if path.parent.name == "responses":
            off.append((end - start).total_seconds() - duration)
    # end minus start (what the registry said before) is 17-40 s off on 8 of the 10 matches
    assert len(off) == 10
    assert sorted(round(o) for o in off if o >= 17) == [17, 21, 23, 26, 29, 30, 35, 40]


def test_ingest_again_changes_nothing(ingested: Ingested, tmp_path: Path) -> None:
    db = ingested.data_dir.player_db(OWNER[0])
    sql = (
        "select (select count(*) from match_stats), (select count(*) from match_participants), "
        "(select count(*) from highlight_events), (select count(*) from medals_earned), "
        "(select count(*) from xuid_aliases)"
    )
    before = rows(db, sql)
    warehouse_sql = "select count(*), sum(player_count) from match_registry"
    registry_before = rows(ingested.data_dir.warehouse, warehouse_sql)
    again = ingest_recorded(ingested.data_dir, OWNER[0], ingested.source)
    assert sorted(again.written) == sorted(ingested.owner.written)
    assert rows(db, sql) == before
    assert rows(ingested.data_dir.warehouse, warehouse_sql) == registry_before


def test_cli_ingest_with_an_explicit_xuid_takes_only_the_matches_he_played(
    with_salmon: Ingested,
) -> None:
    out = with_salmon.salmon_output
    played = [s for s in recorded_stats() if SALMON[1] in dict(human_players(s))]
    assert f"{len(played)} of their matches written" in out
    # the recorded history page is aCurtis's (Salmon's rank differs): not landed as Salmon's
    assert "get_match_history.json: lists match" in out and "not SalmonSummer83's history" in out
    his = rows(
        with_salmon.data_dir.warehouse,
        "select match_id from match_players where player_xuid = ? order by 1",
        [SALMON[1]],
    )
    assert [m for (m,) in his] == sorted(s["MatchId"].lower() for s in played)
    db = with_salmon.data_dir.player_db(SALMON[0])
    assert sorted(m for (m,) in rows(db, "select match_id from match_stats")) == [m for (m,) in his]


def test_an_ingest_failing_its_owner_check_lands_nothing_and_leaves_no_db(
    ingested: Ingested, tmp_path: Path
) -> None:
    # nobody can tell NobodyHere's xuid: no DB, no landing
    empty = DataDir(tmp_path / "data")
    with pytest.raises(UserError, match="Pass --xuid"):
        ingest_recorded(empty, "NobodyHere", ingested.source)
    assert not empty.player_db("NobodyHere").exists()
    assert not empty.player_db("NobodyHere").parent.exists()
    assert not landing_path(empty).exists()

    # an existing DB of another owner: refused before anything is landed
    data_dir = ingested.data_dir
    db = data_dir.player_db(OWNER[0])
    before = (landed_responses(data_dir), db.stat().st_mtime_ns)
    with pytest.raises(UserError, match=f"belongs to xuid {OWNER[1]}.*nothing was landed"):
        ingest_recorded(data_dir, OWNER[0], ingested.source, xuid=SALMON[1])
    assert (landed_responses(data_dir), db.stat().st_mtime_ns) == before


def test_no_build_only_lands(ingested: Ingested, tmp_path: Path) -> None:
    data_dir = DataDir(tmp_path / "data")
    summary = ingest_recorded(data_dir, OWNER[0], ingested.source, xuid=OWNER[1], build=False)
    assert summary.written == [] and summary.build_seconds is None
    assert landed_responses(data_dir) == sum(summary.landing.responses.values())
    assert not data_dir.player_db(OWNER[0]).exists() and not data_dir.warehouse.exists()


def test_a_corrupt_landing_db_stops_the_ingest_in_one_line(
    ingested: Ingested, tmp_path: Path
) -> None:
    data_dir = DataDir(tmp_path / "data")
    path = landing_path(data_dir)
    path.parent.mkdir(parents=True)
    path.write_bytes(b"not a DuckDB file" * 64)
    with pytest.raises(UserError, match="is not a DuckDB database") as info:
        ingest_recorded(data_dir, OWNER[0], ingested.source, xuid=OWNER[1])
    assert "\n" not in str(info.value)
    assert not data_dir.player_db(OWNER[0]).exists() and not data_dir.warehouse.exists()
